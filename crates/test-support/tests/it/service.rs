//! The `release-test-service` binary and the helpers that find and run it.

use std::io::{Read, Write};
use std::net::TcpStream;

use release_test_support::service::{Service, binary};

/// One request, answered with its status line and body.
fn get(service: &Service, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", service.port())).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

#[test]
fn binary_finds_the_service_cargo_built_for_this_package() {
    let built = std::path::Path::new(env!("CARGO_BIN_EXE_release-test-service"));
    assert_eq!(binary().canonicalize().unwrap(), built.canonicalize().unwrap());
}

#[test]
fn modes_answer_as_documented() {
    let healthy = Service::start("1.0.0 \"quoted\"", "healthy");
    let (status, body) = get(&healthy, "/health");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, "{\"status\":\"ok\",\"version\":\"1.0.0 \\\"quoted\\\"\"}\n");
    assert_eq!(get(&healthy, "/other").0, "HTTP/1.1 404 Not Found");

    let unhealthy = Service::start("1.0.0", "unhealthy");
    assert_eq!(get(&unhealthy, "/health").0, "HTTP/1.1 500 Internal Server Error");

    let flaky = Service::start("1.0.0", "fail-after:2");
    let statuses: Vec<String> = (0..3).map(|_| get(&flaky, "/health").0).collect();
    assert_eq!(statuses, ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 500 Internal Server Error"]);
}

#[test]
fn a_bad_mode_is_refused_with_the_usage() {
    let output = std::process::Command::new(binary())
        .args(["--port", "1", "--version", "1.0.0", "--mode", "sometimes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid mode \"sometimes\"") && stderr.contains("usage: "), "{stderr}");
}
