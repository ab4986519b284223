//! `release watch`: the monitoring window after a verified deployment, end to end against the
//! real HTTP service deployed by the real deploy script, with the ledger on a real remote.

use std::time::Instant;

use release_test_support::service::Deployments;

use crate::promote::{code, promotion_setup, row, run, says, status};
use crate::release_cut::{commit, git};

/// The promotion setup, with staging watched for an hour after each verification and rolled
/// back when its window fails.
pub(crate) fn watched_setup(failure_limit: u32) -> (crate::release_cut::Setup, Deployments) {
    watched_with(&format!("{{ for = \"1h\", failure-limit = {failure_limit} }}"))
}

/// The promotion setup, with staging watched by `monitor` (an inline table) and rolled back when
/// its window fails.
fn watched_with(monitor: &str) -> (crate::release_cut::Setup, Deployments) {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let path = work.join("release.toml");
    let text = fs_err::read_to_string(&path).unwrap();
    let staging = "deploy = [\"./deploy.sh\", \"staging\"]";
    assert!(text.contains(staging));
    let monitor = format!("on-verify-failure = \"rollback\"\nmonitor = {monitor}");
    fs_err::write(&path, text.replacen(staging, &format!("{staging}\n{monitor}"), 1)).unwrap();
    commit(work, "ci: watch staging after each deployment");
    git(work, &["push", "--quiet", "origin", "main"]);
    (setup, deployments)
}

/// Cuts and promotes a second release to staging, whose service fails every request after the
/// two its verification makes.
fn promote_a_release_that_fails_after_verification(work: &std::path::Path, deployments: &Deployments) {
    fs_err::write(work.join("packages/macro-ai-api-client/src/index.ts"), "export const client = 2\n").unwrap();
    commit(work, "fix(client): retries");
    git(work, &["push", "--quiet", "origin", "main"]);
    let failing = Deployments::variable("SERVICE_MODE", "staging", Some("3.0.1"));
    let arguments = ["cut", "--no-forge", "--promote", "staging"];
    let output = run(work, deployments, "Release Bot", &arguments, &[(&failing, "fail-after:2")]);
    assert_eq!(code(&output), 0, "{}", says(&output));
}

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
    let (setup, deployments) = watched_setup(1);
    let work = &setup.work;

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
    promote_a_release_that_fails_after_verification(work, &deployments);

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
    insta::assert_snapshot!(crate::transcript(work, &output));
}

/// Two scheduled passes that overlap: both see the failing check, exactly one rolls back (exit
/// 16); the other records nothing and exits 0, whether it lost the push, found the rollback in
/// progress or found it done.
#[test]
fn two_overlapping_watch_runs_roll_back_once() {
    let (setup, deployments) = watched_setup(0);
    let work = &setup.work;
    assert_eq!(code(&run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[])), 0);
    promote_a_release_that_fails_after_verification(work, &deployments);
    let other = work.parent().unwrap().join("runner-2");
    git(work.parent().unwrap(), &["clone", "--quiet", setup.remote.to_str().unwrap(), other.to_str().unwrap()]);

    let spawn = |dir: &std::path::Path| {
        let variables = deployments.env();
        let mut env: Vec<(&str, &str)> = variables.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        env.push(("RELEASE_ACTOR", "ci"));
        let mut command = crate::command(dir, &["watch"], &env);
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    };
    let (first, second) = (spawn(work), spawn(&other));
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    let mut codes = [code(&first), code(&second)];
    codes.sort();
    assert_eq!(codes, [0, 16], "one rolls back, one does nothing:\n{}\n{}", says(&first), says(&second));
    let loser = if code(&first) == 0 { &first } else { &second };
    let said = says(loser);
    assert!(said.contains("did nothing") || said.contains("nothing to watch"), "{said}");

    let history = run(work, &deployments, "ci", &["history", "staging", "--format", "json"], &[]);
    let kinds = kinds(&history);
    let count = |kind: &str| kinds.iter().filter(|event| event.starts_with(kind)).count();
    assert_eq!((count("failed "), count("rolled_back "), count("held ")), (1, 1, 1), "{kinds:?}");
    assert_eq!(count("check_failed "), 1, "{kinds:?}");
}

/// A `prometheus` monitor, end to end: a real Prometheus scrapes a service whose error rate the
/// test raises after 3.0.1 is verified; `release watch` asks it, finds the rate above `max`, and
/// rolls staging back to 3.0.0.
#[test]
fn a_prometheus_monitor_rolls_back_when_the_error_rate_rises() {
    use release_test_support::prometheus::{ERROR_RATE, Metrics, Prometheus};
    let metrics = Metrics::start();
    let prometheus = Prometheus::start(metrics.port);
    prometheus.wait_for_data(ERROR_RATE);
    let monitor = format!(
        "{{ for = \"1h\", failure-limit = 0, prometheus = \"{}\", query = '{ERROR_RATE}', max = 0.05 }}",
        prometheus.url
    );
    let (setup, deployments) = watched_with(&monitor);
    let work = &setup.work;
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let output = run(work, &deployments, "ci", &["watch"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).starts_with("staging 3.0.0: healthy (monitoring "), "{}", says(&output));

    fs_err::write(work.join("packages/macro-ai-api-client/src/index.ts"), "export const client = 2\n").unwrap();
    commit(work, "fix(client): retries");
    git(work, &["push", "--quiet", "origin", "main"]);
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));

    // Half the requests fail from now on; the 2-second rate climbs past 5% within a few scrapes.
    metrics.fail(500);
    let mut passes = 0;
    let failed = loop {
        let output = run(work, &deployments, "ci", &["watch", "--format", "json"], &[]);
        passes += 1;
        if code(&output) == 16 || passes == 100 {
            break output;
        }
        assert_eq!(code(&output), 0, "{}", says(&output));
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(code(&failed), 16, "{}", says(&failed));
    let report: serde_json::Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(report[0]["rolled_back"], "3.0.0", "{report}");
    let summary = report[0]["summary"].as_str().unwrap();
    assert!(summary.contains("the query gave 0.") && summary.contains(" (max 0.05)"), "{summary}");
    assert_eq!(
        row(&status(work, &deployments), "staging"),
        "3.0.0 rolled back, held last-verified=3.0.0 next=- waiting=-"
    );
}
