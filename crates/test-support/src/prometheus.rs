//! A real Prometheus server for the tests of the Prometheus check (Debian's `prometheus`;
//! `.ci/run` installs it), scraping, every 200 ms, a service on loopback whose error rate the test
//! sets ([`Metrics`]: `app_requests_total{code="200"|"500"}`).

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The share of failed requests of [`Metrics`] over the last 2 seconds.
pub const ERROR_RATE: &str = "sum(rate(app_requests_total{code=\"500\"}[2s])) / sum(rate(app_requests_total[2s]))";

/// A service that counts requests by status in `app_requests_total`: 100 a tick, of which the
/// share set by the test (per mille) fail.
pub struct Metrics {
    pub port: u16,
    failing_per_mille: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    server: Arc<tiny_http::Server>,
}

impl Metrics {
    pub fn start() -> Metrics {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let failing_per_mille = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (ok, failed, failing, stop) = (ok.clone(), failed.clone(), failing_per_mille.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let failing = failing.load(Ordering::Relaxed) / 10;
                    failed.fetch_add(failing, Ordering::Relaxed);
                    ok.fetch_add(100 - failing, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        }
        {
            let server = server.clone();
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let body = format!(
                        "# TYPE app_requests_total counter\napp_requests_total{{code=\"200\"}} {}\napp_requests_total{{code=\"500\"}} {}\n",
                        ok.load(Ordering::Relaxed),
                        failed.load(Ordering::Relaxed)
                    );
                    let _ = request.respond(tiny_http::Response::from_string(body));
                }
            });
        }
        Metrics { port, failing_per_mille, stop, server }
    }

    /// From now on, this share of requests fails (per mille).
    pub fn fail(&self, per_mille: u64) {
        self.failing_per_mille.store(per_mille, Ordering::Relaxed);
    }
}

impl Drop for Metrics {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.server.unblock();
    }
}

/// A Prometheus server scraping `target`, stopped when dropped.
pub struct Prometheus {
    pub url: String,
    child: Child,
    _data: tempfile::TempDir,
}

impl Prometheus {
    pub fn start(target: u16) -> Prometheus {
        let data = tempfile::tempdir().unwrap();
        let config = data.path().join("prometheus.yml");
        fs_err::write(
            &config,
            format!(
                "global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
            ),
        )
        .unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(binary())
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("starting {}: {error}", binary().display()));
        let prometheus = Prometheus { url: format!("http://127.0.0.1:{port}"), child, _data: data };
        prometheus.wait_ready();
        prometheus
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if get(&self.url, "/-/ready").is_some_and(|answer| answer.starts_with("HTTP/1.1 200")) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Prometheus at {} was not ready within a minute", self.url);
    }

    /// Waits until `query` gives a sample (two scrapes are in for a rate).
    pub fn wait_for_data(&self, query: &str) {
        let encoded: String = query
            .bytes()
            .map(|byte| match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (byte as char).to_string(),
                _ => format!("%{byte:02X}"),
            })
            .collect();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let answer = get(&self.url, &format!("/api/v1/query?query={encoded}")).unwrap_or_default();
            if answer.contains("\"value\":[") && !answer.contains("\"NaN\"") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Prometheus at {} had no data for `{query}` within a minute", self.url);
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$PROMETHEUS`, else `prometheus` on the PATH.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PROMETHEUS") {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|folder| folder.join("prometheus"))
        .find(|candidate| candidate.is_file());
    found.unwrap_or_else(|| {
        panic!("no `prometheus` binary (hint: `apt-get install prometheus` on Debian, as .ci/run does, or set PROMETHEUS to its path)")
    })
}

/// A plain HTTP/1.1 GET of `path` on `base` (`http://host:port`): the whole answer, or `None`.
fn get(base: &str, path: &str) -> Option<String> {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}
