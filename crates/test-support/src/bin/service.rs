//! `release-test-service`: a real HTTP service for promotion tests, with std only.
//!
//! ```text
//! release-test-service --port P --version V [--mode healthy|unhealthy|hang|fail-after:N] [--pidfile PATH]
//! ```
//!
//! `GET /health` answers `200 {"status":"ok","version":"V"}` (healthy), `500` (unhealthy), never
//! (hang: the request is read and the connection held until the client gives up), or healthy
//! for the first N requests and `500` after (fail-after:N). Any other path is a 404. Every
//! connection is closed after one answer. Listens on 127.0.0.1 only; writes its pid to the
//! pidfile (atomically, once it is listening), logs one line per request to stdout, and ends on
//! SIGTERM by the signal's default action.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const USAGE: &str =
    "usage: release-test-service --port P --version V [--mode healthy|unhealthy|hang|fail-after:N] [--pidfile PATH]";

#[derive(Debug, Clone, Copy)]
enum Mode {
    Healthy,
    Unhealthy,
    Hang,
    FailAfter(u64),
}

struct Options {
    port: u16,
    version: String,
    mode: Mode,
    pidfile: Option<String>,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("release-test-service: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", options.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("release-test-service: cannot listen on 127.0.0.1:{}: {error}", options.port);
            return ExitCode::FAILURE;
        }
    };
    if let Some(pidfile) = &options.pidfile {
        // Written beside and renamed, so a reader never sees an empty or partial pid.
        let temporary = format!("{pidfile}.{}.tmp", std::process::id());
        let written = std::fs::write(&temporary, format!("{}\n", std::process::id()))
            .and_then(|()| std::fs::rename(&temporary, pidfile));
        if let Err(error) = written {
            eprintln!("release-test-service: cannot write the pidfile {pidfile:?}: {error}");
            return ExitCode::FAILURE;
        }
    }
    println!(
        "release-test-service {} listening on 127.0.0.1:{} ({:?}), pid {}",
        options.version,
        options.port,
        options.mode,
        std::process::id()
    );
    let options = Arc::new(options);
    let served = Arc::new(AtomicU64::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let (options, served) = (Arc::clone(&options), Arc::clone(&served));
        std::thread::spawn(move || answer(stream, &options, &served));
    }
    ExitCode::SUCCESS
}

fn parse(mut arguments: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut port, mut version, mut mode, mut pidfile) = (None, None, Mode::Healthy, None);
    while let Some(flag) = arguments.next() {
        let value = arguments.next().ok_or_else(|| format!("{flag:?} needs a value"))?;
        match flag.as_str() {
            "--port" => port = Some(value.parse::<u16>().map_err(|_| format!("invalid port {value:?}"))?),
            "--version" => version = Some(value),
            "--mode" => mode = parse_mode(&value)?,
            "--pidfile" => pidfile = Some(value),
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(Options {
        port: port.ok_or("--port is required")?,
        version: version.ok_or("--version is required")?,
        mode,
        pidfile,
    })
}

fn parse_mode(value: &str) -> Result<Mode, String> {
    match value {
        "healthy" => Ok(Mode::Healthy),
        "unhealthy" => Ok(Mode::Unhealthy),
        "hang" => Ok(Mode::Hang),
        _ => value
            .strip_prefix("fail-after:")
            .and_then(|count| count.parse().ok())
            .map(Mode::FailAfter)
            .ok_or_else(|| format!("invalid mode {value:?} (expected healthy, unhealthy, hang or fail-after:N)")),
    }
}

fn answer(mut stream: TcpStream, options: &Options, served: &AtomicU64) {
    let Some((method, path)) = read_request(&mut stream) else { return };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if path != "/health" {
        println!("{method} {path} -> 404");
        respond(&mut stream, 404, "Not Found", "{\"status\":\"not found\"}\n");
        return;
    }
    let number = served.fetch_add(1, Ordering::SeqCst) + 1;
    let healthy = match options.mode {
        Mode::Healthy => true,
        Mode::Unhealthy => false,
        Mode::FailAfter(count) => number <= count,
        Mode::Hang => {
            println!("{method} {path} #{number} -> (no answer)");
            // Hold the connection until the client gives up, answering nothing.
            let _ = stream.set_read_timeout(None);
            let _ = std::io::copy(&mut stream, &mut std::io::sink());
            return;
        }
    };
    let version = json_string(&options.version);
    if healthy {
        println!("{method} {path} #{number} -> 200");
        respond(&mut stream, 200, "OK", &format!("{{\"status\":\"ok\",\"version\":{version}}}\n"));
    } else {
        println!("{method} {path} #{number} -> 500");
        respond(
            &mut stream,
            500,
            "Internal Server Error",
            &format!("{{\"status\":\"failing\",\"version\":{version}}}\n"),
        );
    }
}

/// The method and target of the request line, once the whole head has arrived.
fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut parts = head.lines().next()?.split(' ');
    Some((parts.next()?.to_string(), parts.next()?.to_string()))
}

fn respond(stream: &mut TcpStream, status: u16, reason: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            control if u32::from(control) < 0x20 => quoted.push_str(&format!("\\u{:04x}", u32::from(control))),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}
