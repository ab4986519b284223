//! `release watch`: the monitoring window after a verified deployment, end to end against the
//! real HTTP service deployed by the real deploy script, with the ledger on a real remote.

use std::time::Instant;

use release_test_support::service::Deployments;

use crate::promote::{code, promotion_setup, row, run, says, status};
use crate::release_cut::{commit, git};

/// Staging watched for an hour after each verification; a failed window rolls back.
const MONITOR: &str = "on-verify-failure = \"rollback\"\nmonitor = { for = \"1h\", failure-limit = 1 }";

fn kinds(history: &std::process::Output) -> Vec<String> {
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let events = events.as_array().unwrap();
    events
        .iter()
        .map(|event| format!("{} {}", event["kind"].as_str().unwrap(), event["version"].as_str().unwrap()))
        .collect()
}

/// The whole after-deploy path: deploy, verify, monitoring, the service starts failing,
/// `release watch` records each failed check, rolls back past the limit and holds; the old
/// release is verified again. Prints the time from the first failing check to the old release
/// verified again (docs/promotion.md quotes it).
#[test]
fn a_release_that_fails_during_its_monitoring_window_is_rolled_back_by_watch() {
    let (setup, deployments, _state) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let path = work.join("release.toml");
    let text = fs_err::read_to_string(&path).unwrap();
    let staging = "deploy = [\"./deploy.sh\", \"staging\"]";
    assert!(text.contains(staging));
    fs_err::write(&path, text.replacen(staging, &format!("{staging}\n{MONITOR}"), 1)).unwrap();
    commit(work, "ci: watch staging after each deployment");
    git(work, &["push", "--quiet", "origin", "main"]);

    // 3.0.0 is verified, then monitored: a healthy pass records nothing.
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let staging_row = row(&status(work, &deployments), "staging");
    assert!(staging_row.starts_with("3.0.0 monitoring ") && staging_row.contains("/1h "), "{staging_row}");
    let prod_row = row(&status(work, &deployments), "prod");
    assert!(
        prod_row.contains("waiting=soak in staging ") && prod_row.ends_with("/1h"),
        "soak counts from the window's end: {prod_row}"
    );
    let output = run(work, &deployments, "ci", &["watch"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).starts_with("staging 3.0.0: healthy (monitoring "), "{}", says(&output));

    // 3.0.1 passes its verification (two answers), then its service fails every request.
    fs_err::write(work.join("packages/macro-ai-api-client/src/index.ts"), "export const client = 2\n").unwrap();
    commit(work, "fix(client): retries");
    git(work, &["push", "--quiet", "origin", "main"]);
    let failing = Deployments::variable("SERVICE_MODE", "staging", Some("3.0.1"));
    let output = run(
        work,
        &deployments,
        "Release Bot",
        &["cut", "--no-forge", "--promote", "staging"],
        &[(&failing, "fail-after:2")],
    );
    assert_eq!(code(&output), 0, "{}", says(&output));

    let first_failing_check = Instant::now();
    let output = run(work, &deployments, "ci", &["watch", "staging"], &[]);
    assert_eq!(code(&output), 0, "one failed check is within the limit: {}", says(&output));
    assert!(says(&output).starts_with("staging 3.0.1: check failed (1 of at most 1): "), "{}", says(&output));
    let staging_row = row(&status(work, &deployments), "staging");
    assert!(staging_row.contains(" (1 failed check, limit 1) "), "{staging_row}");

    let output = run(work, &deployments, "ci", &["watch", "--format", "json"], &[]);
    let rolled_back_after = first_failing_check.elapsed();
    assert_eq!(code(&output), 16, "{}", says(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report[0]["result"], "failed", "{report}");
    assert_eq!(report[0]["rolled_back"], "3.0.0", "{report}");
    let summary = report[0]["summary"].as_str().unwrap();
    assert!(summary.starts_with("monitoring: 2 failed checks > limit 1 ("), "{summary}");
    assert!(summary.contains("status 500 (expected 200)"), "{summary}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("3.0.1 failed verification in `staging`: monitoring: "));
    eprintln!("first failing check to the old release verified again: {rolled_back_after:?}");

    assert_eq!(
        row(&status(work, &deployments), "staging"),
        "3.0.0 rolled back, held last-verified=3.0.0 next=- waiting=-"
    );
    let history = run(work, &deployments, "ci", &["history", "staging", "--format", "json"], &[]);
    let kinds = kinds(&history);
    assert_eq!(
        kinds[kinds.len() - 9..],
        [
            "verified 3.0.1",
            "check_failed 3.0.1",
            "check_failed 3.0.1",
            "failed 3.0.1",
            "started 3.0.0",
            "deployed 3.0.0",
            "verified 3.0.0",
            "rolled_back 3.0.0",
            "held 3.0.1",
        ]
    );
    // The rolled-back release is not watched again: a rollback is never itself rolled back.
    let output = run(work, &deployments, "ci", &["watch"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).contains("staging 3.0.0: nothing to watch"), "{}", says(&output));
}
