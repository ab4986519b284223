//! The Prometheus check against a real Prometheus server (Debian's `prometheus`; `.ci/run`
//! installs it), started by the test and scraping, every 200 ms, a real service on loopback whose
//! error rate the test sets.

use std::net::TcpListener;
use std::time::Duration;

use release_test_support::prometheus::{ERROR_RATE, Metrics, Prometheus};
use release_verify::{Analysis, Measurement, PrometheusCheck, verify_prometheus};

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
    let service = Metrics::start();
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
