//! `verify` against real servers: the service binary for whole behaviours, the scripted server
//! for exact sequences.

use std::time::Duration;

use release_test_support::service::{Service, free_port};
use release_verify::{BODY_LIMIT, Measurement, verify};

use crate::server::{Reply, Scripted, answer};
use crate::{check, run};

fn success() -> Measurement {
    Measurement::Success { status: 200 }
}

fn status_500() -> Measurement {
    Measurement::Failure { status: 500, reason: "status 500 (expected 200)".into() }
}

#[test]
fn passes_as_soon_as_enough_checks_in_a_row_succeed() {
    let service = Service::start("1.2.3", "healthy");
    let mut check = check(&service.url("/health"));
    check.analysis.consecutive_successes = 3;
    check.body_contains = Some("\"version\":\"1.2.3\"".into());

    let (verdict, slept) = run(&check);

    assert!(verdict.passed, "{verdict:?}");
    assert_eq!(verdict.measurements, [success(), success(), success()]);
    assert_eq!(verdict.summary, "3 consecutive successes after 3 checks");
    assert_eq!(slept, [Duration::from_secs(1); 2]);
}

#[test]
fn a_failure_restarts_the_run_of_successes() {
    let server = Scripted::start(vec![answer(200), answer(500), answer(200), answer(200), answer(200)]);
    let mut check = check(&server.url());
    check.analysis.consecutive_successes = 3;
    check.analysis.failure_limit = 1;

    let (verdict, _) = run(&check);

    assert!(verdict.passed, "{verdict:?}");
    assert_eq!(verdict.measurements, [success(), status_500(), success(), success(), success()]);
    assert_eq!(verdict.summary, "3 consecutive successes after 5 checks");
    assert_eq!(server.served(), 5, "one connection per measurement, and none after the verdict");
}

#[test]
fn fails_when_failures_exceed_the_limit() {
    let service = Service::start("1.2.3", "unhealthy");
    let mut check = check(&service.url("/health"));
    check.analysis.failure_limit = 1;

    let (verdict, slept) = run(&check);

    assert!(!verdict.passed);
    assert_eq!(verdict.measurements, [status_500(), status_500()]);
    assert_eq!(verdict.summary, "2 failures > limit 1: status 500 (expected 200)");
    assert_eq!(slept.len(), 1);
}

#[test]
fn a_body_without_the_expected_text_is_a_failure() {
    let service = Service::start("1.2.3", "healthy");
    let mut check = check(&service.url("/health"));
    check.body_contains = Some("\"version\":\"2.0.0\"".into());
    check.analysis.failure_limit = 0;

    let (verdict, slept) = run(&check);

    assert!(!verdict.passed);
    let reason = "status 200 but the body does not contain \"\\\"version\\\":\\\"2.0.0\\\"\"";
    assert_eq!(verdict.measurements, [Measurement::Failure { status: 200, reason: reason.into() }]);
    assert_eq!(verdict.summary, format!("1 failure > limit 0: {reason}"));
    assert!(slept.is_empty());
}

#[test]
fn the_body_is_searched_in_its_first_64_kib_only() {
    let mut body = "x".repeat(BODY_LIMIT - 2);
    body.push_str("ok");
    let late = format!("{body}ok-but-too-late");
    let server = Scripted::start(vec![Reply::Answer(200, body), Reply::Answer(200, late)]);
    let mut check = check(&server.url());
    check.body_contains = Some("ok".into());
    check.analysis.consecutive_successes = 1;
    assert!(run(&check).0.passed, "the text ends exactly at the limit");

    check.body_contains = Some("ok-but".into());
    check.analysis.failure_limit = 0;
    let (verdict, _) = run(&check);
    assert!(!verdict.passed);
    assert!(verdict.summary.ends_with("does not contain \"ok-but\" in its first 64 KiB"), "{}", verdict.summary);
}

#[test]
fn a_closed_port_is_an_error_counted_apart_from_failures() {
    let url = format!("http://127.0.0.1:{}/health", free_port());
    let mut check = check(&url);
    check.analysis.failure_limit = 0;
    check.analysis.error_limit = 2;

    let (verdict, slept) = run(&check);

    assert!(!verdict.passed);
    let refused = Measurement::Error { reason: "refused the connection".into() };
    assert_eq!(verdict.measurements, [refused.clone(), refused.clone(), refused]);
    assert_eq!(verdict.summary, format!("{url} refused the connection (3 errors > limit 2)"));
    assert_eq!(slept.len(), 2);
}

#[test]
fn errors_and_failures_have_their_own_limits() {
    let server = Scripted::start(vec![Reply::Close, answer(500)]);
    let mut check = check(&server.url());
    check.analysis.failure_limit = 1;
    check.analysis.error_limit = 1;

    let (verdict, _) = run(&check);

    assert!(!verdict.passed);
    let closed = Measurement::Error { reason: "closed the connection without a complete answer".into() };
    assert_eq!(verdict.measurements, [closed.clone(), status_500(), closed]);
    assert_eq!((verdict.failures(), verdict.errors()), (1, 2));
    assert!(verdict.summary.ends_with("(2 errors > limit 1)"), "{}", verdict.summary);
}

#[test]
fn a_service_that_hangs_past_the_timeout_is_an_error() {
    let service = Service::start("1.2.3", "hang");
    let mut check = check(&service.url("/health"));
    check.timeout = Duration::from_millis(200);
    check.analysis.error_limit = 0;

    let (verdict, slept) = run(&check);

    assert!(!verdict.passed);
    assert_eq!(verdict.measurements, [Measurement::Error { reason: "did not answer within 200ms".into() }]);
    assert_eq!(verdict.summary, format!("{} did not answer within 200ms (1 error > limit 0)", service.url("/health")));
    assert!(slept.is_empty());
}

#[test]
fn a_service_that_comes_up_then_fails_does_not_pass() {
    let service = Service::start("1.2.3", "fail-after:2");
    let mut check = check(&service.url("/health"));
    check.analysis.consecutive_successes = 3;
    check.analysis.failure_limit = 0;

    let (verdict, slept) = run(&check);

    assert!(!verdict.passed);
    assert_eq!(verdict.measurements, [success(), success(), status_500()]);
    assert_eq!(verdict.summary, "1 failure > limit 0: status 500 (expected 200)");
    assert_eq!(slept.len(), 2);
}

#[test]
fn fails_when_the_checks_run_out() {
    let server = Scripted::start(vec![answer(200), answer(500)]);
    let mut check = check(&server.url());
    check.analysis.count = 5;
    check.analysis.consecutive_successes = 2;

    let (verdict, _) = run(&check);

    assert!(!verdict.passed);
    assert_eq!(verdict.measurements, [success(), status_500(), success(), status_500(), success()]);
    assert_eq!(
        verdict.summary,
        "ran 5 checks without 2 consecutive successes (last problem: status 500 (expected 200))"
    );
}

#[test]
fn sleeps_the_interval_between_measurements_never_after_the_last() {
    let service = Service::start("1.2.3", "unhealthy");
    let mut check = check(&service.url("/health"));
    check.analysis.interval = Duration::from_millis(1234);
    check.analysis.count = 3;

    let (verdict, slept) = run(&check);

    assert_eq!(verdict.measurements.len(), 3);
    assert_eq!(slept, [Duration::from_millis(1234); 2]);
    assert_eq!(verdict.summary, "ran 3 checks without a success (last problem: status 500 (expected 200))");
}

#[test]
fn no_checks_means_no_pass() {
    let mut check = check("http://127.0.0.1:9/health");
    check.analysis.count = 0;
    let (verdict, slept) = run(&check);
    assert!(!verdict.passed);
    assert!(verdict.measurements.is_empty() && slept.is_empty());
    assert_eq!(verdict.summary, "no checks to run (count is 0)");
}

#[test]
fn redirects_are_not_followed() {
    let server = Scripted::start(vec![Reply::Answer(302, String::new())]);
    let mut check = check(&server.url());
    check.analysis.failure_limit = 0;
    let (verdict, _) = run(&check);
    assert_eq!(
        verdict.measurements,
        [Measurement::Failure { status: 302, reason: "status 302 (expected 200)".into() }]
    );
}

#[test]
fn a_url_that_cannot_be_requested_fails_at_once() {
    let mut check = check("127.0.0.1:8080/health");
    check.analysis.error_limit = 5;
    let (verdict, slept) = run(&check);
    assert!(!verdict.passed);
    assert_eq!(verdict.measurements.len(), 1, "{verdict:?}");
    assert!(slept.is_empty());
    assert!(
        verdict.summary.starts_with("127.0.0.1:8080/health is not a URL that can be requested"),
        "{}",
        verdict.summary
    );
}

#[test]
fn credentials_in_the_url_stay_out_of_the_summary() {
    let url = format!("http://user:secret@127.0.0.1:{}/health", free_port());
    let mut check = check(&url);
    check.analysis.error_limit = 0;
    let (verdict, _) = run(&check);
    assert!(!verdict.summary.contains("secret"), "{}", verdict.summary);
    assert!(verdict.summary.starts_with("http://***@127.0.0.1:"), "{}", verdict.summary);
}

#[test]
fn a_verdict_serializes_for_the_json_output() {
    let service = Service::start("1.2.3", "healthy");
    let verdict = verify(&check(&service.url("/health")), &mut |_| {});
    assert_eq!(
        serde_json::to_value(&verdict).unwrap(),
        serde_json::json!({
            "passed": true,
            "measurements": [{"outcome": "success", "status": 200}],
            "summary": "1 success after 1 check",
        })
    );
    let failure = serde_json::to_value(status_500()).unwrap();
    assert_eq!(
        failure,
        serde_json::json!({"outcome": "failure", "status": 500, "reason": "status 500 (expected 200)"})
    );
}

/// TLS is compiled in (rustls with ring): an https URL gets a handshake, which a plain-text
/// server fails. There is no certificate to test a successful handshake with, offline.
#[test]
fn an_https_url_gets_a_tls_handshake() {
    let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = std::io::Write::write_all(&mut stream, b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let mut check = check(&format!("https://127.0.0.1:{port}/health"));
    check.analysis.error_limit = 0;

    let (verdict, _) = run(&check);

    let [Measurement::Error { reason }] = verdict.measurements.as_slice() else { panic!("{verdict:?}") };
    assert!(reason.starts_with("failed the TLS handshake: "), "{reason}");
}
