//! The verify crate's one integration test binary: analyses against real HTTP servers on
//! 127.0.0.1 (the `release-test-service` binary, or a scripted server in this process), and the
//! promotion fixture's deploy script.

mod analysis;
mod command;
mod deploy;
mod prometheus;
mod server;

use std::time::Duration;

use release_verify::{Analysis, HttpCheck, Verdict, verify};

/// A check with limits that never decide on their own: tests set what they exercise.
fn check(url: &str) -> HttpCheck {
    HttpCheck {
        url: url.to_string(),
        status: 200,
        body_contains: None,
        analysis: Analysis {
            interval: Duration::from_secs(1),
            count: 10,
            failure_limit: 100,
            error_limit: 100,
            consecutive_successes: 1,
        },
        timeout: Duration::from_secs(5),
    }
}

/// Runs the analysis with a sleep that records instead of waiting.
fn run(check: &HttpCheck) -> (Verdict, Vec<Duration>) {
    let mut slept = Vec::new();
    let verdict = verify(check, &mut |duration| slept.push(duration));
    (verdict, slept)
}
