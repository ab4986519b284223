//! The Prometheus check against a real Prometheus server (Debian's `prometheus`; `.ci/run`
//! installs it), started by the test and scraping, every 200 ms, a real service on loopback whose
//! error rate the test sets.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use release_verify::{Analysis, Measurement, PrometheusCheck, verify_prometheus};

/// A service that counts requests by status in `app_requests_total`: 100 a tick, of which the
/// share set by the test (per mille) fail.
struct Service {
    port: u16,
    failing_per_mille: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    server: Arc<tiny_http::Server>,
}

impl Service {
    fn start() -> Service {
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
        Service { port, failing_per_mille, stop, server }
    }

    fn fail(&self, per_mille: u64) {
        self.failing_per_mille.store(per_mille, Ordering::Relaxed);
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.server.unblock();
    }
}

/// A Prometheus server scraping `target`, stopped when dropped.
struct Prometheus {
    url: String,
    child: Child,
    _data: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: u16) -> Prometheus {
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
            if ureq::get(&format!("{}/-/ready", self.url)).call().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Prometheus at {} was not ready within a minute", self.url);
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$PROMETHEUS`, else `prometheus` on the PATH.
fn binary() -> PathBuf {
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

/// The share of failed requests over the last 2 seconds.
const ERROR_RATE: &str = "sum(rate(app_requests_total{code=\"500\"}[2s])) / sum(rate(app_requests_total[2s]))";

fn check(server: &str, query: &str, analysis: Analysis) -> PrometheusCheck {
    PrometheusCheck {
        server: server.to_string(),
        query: query.to_string(),
        min: None,
        max: Some(0.05),
        analysis,
        timeout: Duration::from_secs(5),
    }
}

fn sleep(duration: Duration) {
    std::thread::sleep(duration);
}

/// Healthy while the service's error rate stays under `max`; failing once the test makes half
/// its requests fail; the failure names the value and the bound.
#[test]
fn a_real_prometheus_judges_the_error_rate_the_service_has() {
    let service = Service::start();
    let prometheus = Prometheus::start(service.port);
    // Until two scrapes are in, the ratio has no data: errors, which do not decide.
    let patient = Analysis {
        interval: Duration::from_millis(250),
        count: 200,
        failure_limit: 0,
        error_limit: 200,
        consecutive_successes: 3,
    };
    let healthy = verify_prometheus(&check(&prometheus.url, ERROR_RATE, patient), &mut sleep);
    assert!(healthy.passed, "{healthy:?}");
    assert!(healthy.summary.starts_with("3 consecutive successes after "), "{}", healthy.summary);

    service.fail(500);
    let watching = Analysis { consecutive_successes: 1000, ..patient };
    let failing = verify_prometheus(&check(&prometheus.url, ERROR_RATE, watching), &mut sleep);
    assert!(!failing.passed, "{failing:?}");
    assert!(failing.summary.starts_with("1 failure > limit 0: the query gave 0."), "{}", failing.summary);
    assert!(failing.summary.ends_with(" (max 0.05)"), "{}", failing.summary);
    let Some(Measurement::Failure { reason, .. }) = failing.measurements.last() else { panic!("{failing:?}") };
    let value: f64 = reason.trim_start_matches("the query gave ").trim_end_matches(" (max 0.05)").parse().unwrap();
    assert!(value > 0.05 && value <= 0.5, "{value}");

    // A query of several series cannot be judged: it fails at once, saying how to fix it.
    let once = Analysis { consecutive_successes: 1, ..patient };
    let series = verify_prometheus(&check(&prometheus.url, "app_requests_total", once), &mut sleep);
    assert!(!series.passed);
    assert_eq!(
        series.summary,
        format!(
            "Prometheus at {} the query returned 2 series, and a check needs one value (hint: aggregate it, e.g. sum(...))",
            prometheus.url
        )
    );
    // A query Prometheus cannot parse is refused at once too.
    let broken = verify_prometheus(&check(&prometheus.url, "sum(rate(", once), &mut sleep);
    assert!(!broken.passed);
    assert!(broken.summary.contains("refused the query (400): "), "{}", broken.summary);
    assert_eq!(broken.measurements.len(), 1);
}

/// A server that is not there is an error per measurement, up to the error limit.
#[test]
fn a_prometheus_that_does_not_answer_is_an_error_not_a_failure() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let analysis = Analysis {
        interval: Duration::from_millis(10),
        count: 5,
        failure_limit: 0,
        error_limit: 1,
        consecutive_successes: 1,
    };
    let verdict = verify_prometheus(&check(&format!("http://127.0.0.1:{port}"), ERROR_RATE, analysis), &mut sleep);
    assert!(!verdict.passed);
    assert_eq!(verdict.errors(), 2);
    assert!(verdict.summary.contains("could not be asked"), "{}", verdict.summary);
    assert!(verdict.summary.ends_with("(2 errors > limit 1)"), "{}", verdict.summary);
}
