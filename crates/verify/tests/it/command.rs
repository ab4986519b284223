//! Command checks: real processes, run with the release's variables, their own timeout, and
//! output kept short.

use std::time::Duration;

use release_verify::{Analysis, CommandCheck, Measurement, verify_command};

fn check(script: &str) -> CommandCheck {
    CommandCheck {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        directory: std::env::temp_dir(),
        variables: vec![("RELEASE_VERSION".into(), "1.2.3".into())],
        analysis: Analysis {
            interval: Duration::from_secs(1),
            count: 1,
            failure_limit: 0,
            error_limit: 0,
            consecutive_successes: 1,
        },
        timeout: Duration::from_secs(20),
    }
}

fn never_sleep(_: Duration) {}

#[test]
fn a_command_passes_on_exit_0_and_sees_the_release_variables() {
    let verdict = verify_command(&check("test \"$RELEASE_VERSION\" = 1.2.3"), &mut never_sleep);
    assert!(verdict.passed, "{}", verdict.summary);
    assert_eq!(verdict.measurements, [Measurement::Success { status: 0 }]);
}

#[test]
fn a_failing_command_is_a_failure_with_its_output_kept_short() {
    // One stream: stdout and stderr are read side by side, so their order between them is not
    // fixed.
    let script = "exec 2>&1; for i in $(seq 1 500); do echo \"line $i\"; done; echo oops >&2; exit 3";
    let verdict = verify_command(&check(script), &mut never_sleep);
    assert!(!verdict.passed);
    assert!(
        verdict.summary.starts_with("1 failure > limit 0: exited with 3: line 1 | line 2 | line 3 | ("),
        "{}",
        verdict.summary
    );
    assert!(verdict.summary.ends_with("line 499 | line 500 | oops"), "{}", verdict.summary);
    assert!(verdict.summary.len() < 1000, "{}", verdict.summary.len());

    let verdict = verify_command(&check("echo 'migration 42 pending' >&2; exit 1"), &mut never_sleep);
    assert_eq!(verdict.summary, "1 failure > limit 0: exited with 1: migration 42 pending", "stderr is kept too");
}

#[test]
fn a_command_that_runs_too_long_is_killed_and_counts_as_an_error() {
    let mut slow = check("sleep 30");
    slow.timeout = Duration::from_millis(300);
    let verdict = verify_command(&slow, &mut never_sleep);
    assert!(!verdict.passed);
    assert_eq!(verdict.summary, "`sh` did not finish within 300ms (1 error > limit 0)");
}

#[test]
fn a_command_that_is_not_there_fails_at_once() {
    let mut missing = check("");
    missing.argv = vec!["./no-such-check".into()];
    missing.analysis.count = 5;
    missing.analysis.error_limit = 4;
    let verdict = verify_command(&missing, &mut never_sleep);
    assert!(!verdict.passed);
    assert_eq!(verdict.measurements.len(), 1, "waiting does not make a program appear");
    assert_eq!(verdict.summary, "`./no-such-check` was not found");
}
