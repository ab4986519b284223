//! The promotion stage end to end: a real HTTP service deployed by a real script, a real bare
//! remote holding the ledger, several clones acting as CI runners.

use std::path::Path;
use std::process::Output;

use release_test_support::service::{Deployments, deploy_script};

use crate::release_cut::{Setup, commit, git, release_with, setup};

const APPROVERS: &str = "[\"alice\", \"bob\", \"Release Bot\"]";

fn config(deployments: &Deployments, extra: &str, deploy: &str, approval: &str) -> String {
    format!(
        r#"

[promotion]
lock-timeout = "10m"
{extra}

[environments.staging]
deploy = ["./{deploy}", "staging"]
url = "{staging}"
verify = {{ http = "{{url}}/health", body-contains = "{{version}}", interval = "50ms", count = 8, consecutive-successes = 2, timeout = "1s" }}

[environments.prod]
deploy = ["./{deploy}", "prod"]
from = "staging"
url = "{prod}"
verify = {{ http = "{{url}}/health", body-contains = "{{version}}", interval = "50ms", count = 8, consecutive-successes = 2, timeout = "1s" }}
approval = {approval}
on-verify-failure = "rollback"
"#,
        staging = deployments.url("staging", ""),
        prod = deployments.url("prod", ""),
    )
}

/// The seeds' monorepo with environments; the deploy script committed beside release.toml.
pub(crate) fn promotion_setup(extra: &str, approval: &str) -> (Setup, Deployments) {
    promotion_setup_with(extra, approval, "deploy.sh")
}

/// [`promotion_setup`] whose deploy command is `deploy_script`: `deploy.sh`, or `slow-deploy.sh`
/// (two seconds, then `deploy.sh`), for a test that needs a deploy still running.
pub(crate) fn promotion_setup_with(extra: &str, approval: &str, deploy_script_name: &str) -> (Setup, Deployments) {
    let setup = setup("seeds-monorepo");
    let deployments = Deployments::new(&["staging", "prod"]);
    fs_err::copy(deploy_script(), setup.work.join("deploy.sh")).unwrap();
    fs_err::write(
        setup.work.join("slow-deploy.sh"),
        "#!/usr/bin/env bash\nset -euo pipefail\nsleep 2\nexec \"$(dirname \"$0\")/deploy.sh\" \"$@\"\n",
    )
    .unwrap();
    for script in ["deploy.sh", "slow-deploy.sh"] {
        fs_err::set_permissions(setup.work.join(script), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let mut text = fs_err::read_to_string(setup.work.join("release.toml")).unwrap();
    text.push_str(&config(&deployments, extra, deploy_script_name, approval));
    fs_err::write(setup.work.join("release.toml"), text).unwrap();
    commit(&setup.work, "ci: deploy with release");
    git(&setup.work, &["push", "--quiet", "origin", "main"]);
    (setup, deployments)
}

pub(crate) fn run(dir: &Path, deployments: &Deployments, actor: &str, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let variables = deployments.env();
    let mut env: Vec<(&str, &str)> = variables.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    env.push(("RELEASE_ACTOR", actor));
    env.extend_from_slice(extra);
    release_with(dir, args, &env)
}

/// A fake GitHub serving `acme/shop`, and the variables that point `release` at it.
pub(crate) fn fake_github() -> (release_test_support::github::FakeGitHub, Vec<(&'static str, String)>) {
    let fake = release_test_support::github::FakeGitHub::start("acme", "shop");
    let variables = vec![
        ("GITHUB_API_URL", fake.base_url()),
        ("GITHUB_TOKEN", "t".to_string()),
        ("GITHUB_REPOSITORY", "acme/shop".to_string()),
    ];
    (fake, variables)
}

pub(crate) fn borrowed<'v>(variables: &'v [(&'static str, String)]) -> Vec<(&'static str, &'v str)> {
    variables.iter().map(|(key, value)| (*key, value.as_str())).collect()
}

pub(crate) fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

pub(crate) fn says(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub(crate) fn status(dir: &Path, deployments: &Deployments) -> serde_json::Value {
    serde_json::from_slice(&run(dir, deployments, "alice", &["status", "--format", "json"], &[]).stdout).unwrap()
}

pub(crate) fn row(status: &serde_json::Value, environment: &str) -> String {
    let row = status.as_array().unwrap().iter().find(|row| row["environment"] == environment).unwrap();
    format!(
        "{} {} last-verified={} next={} waiting={}",
        row["version"].as_str().unwrap_or("-"),
        row["state"].as_str().unwrap(),
        row["last_verified"].as_str().unwrap_or("-"),
        row["next"].as_str().unwrap_or("-"),
        row["waiting"].as_str().unwrap_or("-")
    )
}

#[test]
fn the_seeds_flow_cut_staging_approve_prod_bad_release_rolled_back() {
    let approval = format!("{{ required = 1, approvers = {APPROVERS} }}");
    let (setup, deployments) = promotion_setup("", &approval);
    let work = &setup.work;

    // Cut and promote to staging in one go; the service answers with the new version.
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).contains("staging: promoted 3.0.0 (deployed and verified)"), "{}", says(&output));
    let health = ureq_get(&deployments.url("staging", "/health"));
    assert!(health.contains("\"version\":\"3.0.0\""), "{health}");

    // prod waits for an approval; the person who cut the release may not give it.
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 12, "{}", says(&output));
    assert_eq!(row(&status(work, &deployments), "prod"), "- empty last-verified=- next=3.0.0 waiting=approvals 0/1");
    let output = run(work, &deployments, "Release Bot", &["approve", "prod"], &[]);
    assert_eq!(code(&output), 19, "{}", says(&output));
    let output = run(work, &deployments, "mallory", &["approve", "prod"], &[]);
    assert_eq!(code(&output), 19, "{}", says(&output));
    let output = run(work, &deployments, "alice", &["approve", "prod"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(row(&status(work, &deployments), "prod"), "3.0.0 verified last-verified=3.0.0 next=- waiting=-");

    // A release that is healthy in staging but not in prod: rolled back automatically, held.
    fs_err::write(work.join("packages/macro-ai-api-client/src/index.ts"), "export const client = 2\n").unwrap();
    commit(work, "fix(client): retries");
    git(work, &["push", "--quiet", "origin", "main"]);
    let bad = Deployments::variable("SERVICE_MODE", "prod", Some("3.0.1"));
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(code(&run(work, &deployments, "bob", &["approve", "prod"], &[])), 0);
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[(&bad, "unhealthy")]);
    assert_eq!(code(&output), 16, "{}", says(&output));
    assert!(says(&output).contains("3.0.1 failed verification in `prod`"), "{}", says(&output));
    assert!(says(&output).contains("rolled back to 3.0.0"), "{}", says(&output));
    assert_eq!(
        row(&status(work, &deployments), "prod"),
        "3.0.0 rolled back, held last-verified=3.0.0 next=- waiting=-"
    );
    assert!(ureq_get(&deployments.url("prod", "/health")).contains("\"version\":\"3.0.0\""));
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 18, "automatic promotion is held: {}", says(&output));

    // Going back is only `rollback`; by hand, staging returns to the last verified release.
    let output = run(work, &deployments, "alice", &["promote", "staging", "--version", "3.0.0"], &[]);
    assert_eq!(code(&output), 13, "{}", says(&output));
    let output = run(work, &deployments, "alice", &["rollback", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(
        row(&status(work, &deployments), "staging"),
        "3.0.0 rolled back last-verified=3.0.0 next=3.0.1 waiting=ready"
    );

    assert_eq!(
        deployments.deployed(),
        [
            ("staging", "3.0.0"),
            ("prod", "3.0.0"),
            ("staging", "3.0.1"),
            ("prod", "3.0.1"),
            ("prod", "3.0.0"),
            ("staging", "3.0.0")
        ]
        .map(|(environment, version)| (environment.to_string(), version.to_string()))
    );
    let history = run(work, &deployments, "alice", &["history", "prod", "--format", "json"], &[]);
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let kinds: Vec<String> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| format!("{} {}", event["kind"].as_str().unwrap(), event["version"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            "approved 3.0.0",
            "started 3.0.0",
            "deployed 3.0.0",
            "verified 3.0.0",
            "approved 3.0.1",
            "started 3.0.1",
            "failed 3.0.1",
            // Recorded once the old release is back and verified, never before.
            "deployed 3.0.0",
            "verified 3.0.0",
            "rolled_back 3.0.0",
            "held 3.0.1",
        ]
    );
    // The ledger is on the remote, where other runners read it.
    let remote_tip = git(&setup.remote, &["rev-parse", "refs/heads/release-ledger"]);
    assert_eq!(remote_tip, git(work, &["rev-parse", "refs/heads/release-ledger"]));
}

fn ureq_get(url: &str) -> String {
    let output = std::process::Command::new("curl").args(["-s", "--max-time", "5", url]).output();
    match output {
        Ok(output) => String::from_utf8_lossy(&output.stdout).into_owned(),
        Err(_) => String::new(),
    }
}

#[test]
fn approvals_bind_to_the_release_expire_and_a_rejection_is_final() {
    let approval = format!("{{ required = 2, approvers = {APPROVERS}, expires = \"1s\" }}");
    let (setup, deployments) = promotion_setup("", &approval);
    let work = &setup.work;
    assert_eq!(code(&run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[])), 0);

    // Too few: one of two.
    assert_eq!(code(&run(work, &deployments, "alice", &["approve", "prod"], &[])), 0);
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 12);
    assert!(says(&output).contains("1/2"), "{}", says(&output));
    // The same person twice still counts once.
    assert_eq!(code(&run(work, &deployments, "alice", &["approve", "prod"], &[])), 0);
    assert_eq!(code(&run(work, &deployments, "alice", &["promote", "prod"], &[])), 12);
    // Expired: both approvals, after their second.
    assert_eq!(code(&run(work, &deployments, "bob", &["approve", "prod"], &[])), 0);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 12, "expired approvals do not count: {}", says(&output));

    // Approval of a different release does not carry over: a new release needs its own.
    fs_err::write(work.join("packages/ui-library/src/Button.tsx"), "export const Button = () => 2\n").unwrap();
    commit(work, "fix(ui): x");
    git(work, &["push", "--quiet", "origin", "main"]);
    assert_eq!(code(&run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[])), 0);
    assert_eq!(code(&run(work, &deployments, "alice", &["approve", "prod", "--version", "3.0.0"], &[])), 0);
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 12, "{}", says(&output));
    assert!(says(&output).contains("3.0.1 waits for approval"), "{}", says(&output));

    // A rejection blocks, whatever approvals come after.
    let output = run(work, &deployments, "bob", &["reject", "prod", "--reason", "breaks checkout"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(code(&run(work, &deployments, "alice", &["approve", "prod"], &[])), 0);
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 17, "{}", says(&output));
    assert!(says(&output).contains("rejected for `prod` by bob: breaks checkout"), "{}", says(&output));
}

#[test]
fn whoever_ran_the_cut_may_not_approve_it_even_when_a_bot_authored_the_commit() {
    let approval = format!("{{ required = 1, approvers = {APPROVERS} }}");
    let (setup, deployments) = promotion_setup("", &approval);
    let work = &setup.work;
    let output = run(work, &deployments, "alice", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(git(work, &["log", "-1", "--format=%an"]).trim(), "Release Bot", "CI commits as a bot");

    let output = run(work, &deployments, "alice", &["approve", "prod"], &[]);
    assert_eq!(code(&output), 19, "{}", says(&output));
    assert!(says(&output).contains("alice cut 3.0.0 and may not approve it"), "{}", says(&output));
    let output = run(work, &deployments, "Release Bot", &["approve", "prod"], &[]);
    assert_eq!(code(&output), 0, "the bot only authored the commit: {}", says(&output));
    let output = run(work, &deployments, "bob", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
}

/// Edits the committed release.toml, and pushes the change.
fn reconfigure(work: &Path, after: &str, insert: &str) {
    let path = work.join("release.toml");
    let text = fs_err::read_to_string(&path).unwrap();
    assert!(text.contains(after), "release.toml has no `{after}`");
    fs_err::write(&path, text.replacen(after, &format!("{after}\n{insert}"), 1)).unwrap();
    commit(work, "ci: change the promotion policy");
    git(work, &["push", "--quiet", "origin", "main"]);
}

#[test]
fn gates_stop_with_their_codes_status_says_why_and_skipping_one_is_explicit_and_recorded() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    reconfigure(work, "from = \"staging\"", "soak = \"1h\"");
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));

    // Verified in staging a moment ago: prod wants an hour of it first (exit 11).
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 11, "{}", says(&output));
    assert!(says(&output).contains("3.0.0 has been verified in `staging` for "), "{}", says(&output));
    assert!(says(&output).contains("`prod` wants 1h of soak (hint: try again in "), "{}", says(&output));
    let prod = row(&status(work, &deployments), "prod");
    assert!(
        prod.starts_with("- empty last-verified=- next=3.0.0 waiting=soak in staging ") && prod.ends_with("/1h"),
        "{prod}"
    );

    // A hotfix may skip the upstream gate: on purpose, naming the release, with a reason that is
    // recorded with who gave it. Approvals still apply.
    let output = run(work, &deployments, "alice", &["promote", "prod", "--skip", "upstream"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(
        says(&output).contains("skipping the upstream gate needs a reason (hint: add --reason"),
        "{}",
        says(&output)
    );
    let hotfix = ["promote", "prod", "--skip", "upstream", "--reason", "hotfix for the login bug"];
    let output = run(work, &deployments, "alice", &hotfix, &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(says(&output).contains("needs the release named (hint: add --version V)"), "{}", says(&output));
    let hotfix = [&hotfix[..], &["--version", "3.0.0"]].concat();
    assert_eq!(code(&run(work, &deployments, "alice", &hotfix, &[])), 12, "approvals are not skipped");
    assert_eq!(code(&run(work, &deployments, "alice", &["approve", "prod"], &[])), 0);
    let output = run(work, &deployments, "alice", &hotfix, &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).contains("bypassed upstream: hotfix for the login bug"), "{}", says(&output));
    let history = run(work, &deployments, "alice", &["history", "prod", "--format", "json"], &[]);
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let started = events.as_array().unwrap().iter().find(|event| event["kind"] == "started").unwrap();
    assert_eq!(started["actor"], "alice");
    assert_eq!(started["detail"], "bypassed upstream: hotfix for the login bug");

    // A release that was cut but never verified in staging cannot enter prod (exit 11).
    fs_err::write(work.join("packages/ui-library/src/Button.tsx"), "export const Button = () => 2\n").unwrap();
    commit(work, "fix(ui): x");
    git(work, &["push", "--quiet", "origin", "main"]);
    assert_eq!(code(&run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[])), 0);
    let output = run(work, &deployments, "alice", &["promote", "prod", "--version", "3.0.1"], &[]);
    assert_eq!(code(&output), 11, "{}", says(&output));
    assert!(
        says(&output).contains("3.0.1 is not verified in `staging` yet, so it cannot enter `prod` (hint: `release promote staging --version 3.0.1` first)"),
        "{}",
        says(&output)
    );

    // The deploy command fails (exit 15): nothing was touched, staging still runs 3.0.0, and
    // automatic promotion to staging is held (exit 18) until a release is named.
    let fail = Deployments::variable("SERVICE_DEPLOY_FAIL", "staging", None);
    let output = run(work, &deployments, "alice", &["promote", "staging"], &[(&fail, "1")]);
    assert_eq!(code(&output), 15, "{}", says(&output));
    assert!(
        says(&output).contains("deploying 3.0.1 to `staging` failed: `./deploy.sh` exited with 1"),
        "{}",
        says(&output)
    );
    assert!(ureq_get(&deployments.url("staging", "/health")).contains("\"version\":\"3.0.0\""));
    // The environment may be half-deployed: status shows the failed attempt, and what last passed.
    assert_eq!(row(&status(work, &deployments), "staging"), "3.0.1 failed, held last-verified=3.0.0 next=- waiting=-");
    assert_eq!(code(&run(work, &deployments, "alice", &["promote", "staging"], &[])), 18);
    // A newer release waits for the hold to be lifted, and status says so.
    fs_err::write(work.join("packages/ui-library/src/Button.tsx"), "export const Button = () => 3\n").unwrap();
    commit(work, "fix(ui): y");
    git(work, &["push", "--quiet", "origin", "main"]);
    assert_eq!(code(&run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[])), 0);
    assert_eq!(
        row(&status(work, &deployments), "staging"),
        "3.0.1 failed, held last-verified=3.0.0 next=3.0.2 waiting=held (promote it with --version)"
    );
    assert_eq!(code(&run(work, &deployments, "alice", &["promote", "staging"], &[])), 18);
    let output = run(work, &deployments, "alice", &["promote", "staging", "--version", "3.0.1"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));

    // A freeze window stops promotions (exit 10) and says until when, as release.toml wrote it;
    // rollbacks still go.
    reconfigure(
        work,
        "lock-timeout = \"10m\"",
        "freeze = [{ from = \"2000-01-01T00:00:00Z\", until = \"2999-01-01T00:00:00+01:00\", reason = \"holidays\" }]",
    );
    let output = run(work, &deployments, "alice", &["promote", "prod"], &[]);
    assert_eq!(code(&output), 10, "{}", says(&output));
    assert!(
        says(&output)
            .contains("`prod` is frozen until 2999-01-01T00:00:00+01:00: holidays (hint: rollbacks are still allowed; a change that cannot wait: `release promote prod --skip freeze --reason \"...\"`)"),
        "{}",
        says(&output)
    );
    let prod = row(&status(work, &deployments), "prod");
    assert_eq!(prod, "3.0.0 verified last-verified=3.0.0 next=3.0.1 waiting=frozen until 2999-01-01T00:00:00+01:00");
    // Skipping the freeze goes on to the next gate: 3.0.1 has not soaked in staging yet.
    let output =
        run(work, &deployments, "alice", &["promote", "prod", "--skip", "freeze", "--reason", "security fix"], &[]);
    assert_eq!(code(&output), 11, "{}", says(&output));
    assert!(says(&output).contains("3.0.1 has been verified in `staging` for"), "{}", says(&output));
    let output = run(work, &deployments, "alice", &["rollback", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(ureq_get(&deployments.url("staging", "/health")).contains("\"version\":\"3.0.0\""));

    // The history as text says what the JSON says, with times in UTC.
    let json = run(work, &deployments, "alice", &["history", "staging", "--format", "json"], &[]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let text = String::from_utf8(run(work, &deployments, "alice", &["history", "staging"], &[]).stdout).unwrap();
    let lines: Vec<(String, String)> = text
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let at = release_config::promotion::parse_time(fields[0]).expect("a UTC time first");
            (at.to_string(), format!("{} {}", fields[1], fields[2]))
        })
        .collect();
    let events: Vec<(String, String)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            (
                event["at"].to_string(),
                format!("{} {}", event["kind"].as_str().unwrap(), event["version"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(lines, events);
    assert!(events.iter().any(|(_, event)| event == "rolled_back 3.0.0"), "{events:?}");
    assert_eq!(
        deployments.deployed(),
        [("staging", "3.0.0"), ("prod", "3.0.0"), ("staging", "3.0.1"), ("staging", "3.0.0")]
            .map(|(environment, version)| (environment.to_string(), version.to_string()))
    );
}

#[test]
fn two_runners_promoting_at_once_exactly_one_wins() {
    let (setup, deployments) = promotion_setup_with("", "{ required = 1, approvers = [\"alice\"] }", "slow-deploy.sh");
    let output = run(&setup.work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let other = setup.work.parent().unwrap().join("runner-2");
    git(setup.work.parent().unwrap(), &["clone", "--quiet", setup.remote.to_str().unwrap(), other.to_str().unwrap()]);

    let spawn = |dir: &Path| {
        let variables = deployments.env();
        let mut env: Vec<(&str, &str)> = variables.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        env.push(("RELEASE_ACTOR", "ci"));
        let mut command = crate::command(dir, &["promote", "staging"], &env);
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    };
    let (first, second) = (spawn(&setup.work), spawn(&other));
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    let mut codes = [code(&first), code(&second)];
    codes.sort();
    assert_eq!(codes, [0, 14], "one wins, one is refused:\n{}\n{}", says(&first), says(&second));
    let loser = if code(&first) == 14 { &first } else { &second };
    assert!(says(loser).contains("is being promoted by another run"), "{}", says(loser));

    let history = run(&setup.work, &deployments, "alice", &["history", "staging", "--format", "json"], &[]);
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|event| event["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["started", "deployed", "verified"], "no lost or duplicated event");
    assert_eq!(deployments.deployed().len(), 1);
}

#[test]
fn a_crash_mid_promotion_shows_as_interrupted_and_the_next_command_resolves_it() {
    let (setup, deployments) = promotion_setup_with("", "{ required = 1, approvers = [\"alice\"] }", "slow-deploy.sh");
    assert_eq!(code(&run(&setup.work, &deployments, "Release Bot", &["cut", "--no-forge"], &[])), 0);
    let variables = deployments.env();
    let mut env: Vec<(&str, &str)> = variables.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    env.push(("RELEASE_ACTOR", "ci"));
    let mut command = crate::command(&setup.work, &["promote", "staging"], &env);
    let mut child = command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    // Wait until the run has taken the environment (its "started" is on the remote), then kill it.
    // (The ledger exists since the cut, which records itself there.)
    for _ in 0..100 {
        if git(&setup.remote, &["log", "--format=%s", "refs/heads/release-ledger", "--"]).contains("started staging") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(row(&status(&setup.work, &deployments), "staging").contains("interrupted (3.0.0)"));
    let output = run(&setup.work, &deployments, "ci", &["promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let history = run(&setup.work, &deployments, "alice", &["history", "staging", "--format", "json"], &[]);
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|event| event["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["started", "abandoned", "started", "deployed", "verified"]);
}

#[test]
fn bad_input_names_what_exists() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let unknown = run(work, &deployments, "alice", &["promote", "qa"], &[]);
    let never_cut = run(work, &deployments, "alice", &["promote", "staging", "--version", "9.9.9"], &[]);
    let mut text = fs_err::read_to_string(work.join("release.toml")).unwrap();
    text = text.replace("deploy = [\"./deploy.sh\", \"staging\"]", "deploy = [\"./scripts/missing.sh\", \"staging\"]");
    fs_err::write(work.join("release.toml"), text).unwrap();
    commit(work, "ci: typo");
    // Pushed, so the ledger records the cut: a release cut with --no-push is not promotable until
    // it is pushed and recorded.
    assert_eq!(code(&run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[])), 0);
    let not_found = run(work, &deployments, "alice", &["promote", "staging"], &[]);
    insta::assert_snapshot!(format!(
        "{}\n{}\n{}",
        crate::transcript(work, &unknown),
        crate::transcript(work, &never_cut),
        crate::transcript(work, &not_found)
    ));
}

#[test]
fn with_tag_on_prod_tags_and_releases_follow_prods_verification() {
    let (setup, deployments) = promotion_setup("tag-on = \"prod\"", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let (fake, github) = fake_github();
    let github = borrowed(&github);
    let tags = || git(&setup.remote, &["tag", "--list", "v3*"]);

    let output = run(work, &deployments, "Release Bot", &["cut", "--promote", "staging"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).contains("tags      skipped"), "{}", says(&output));
    assert_eq!(tags(), "", "no tag before prod is verified");
    assert!(fake.releases().is_empty());

    assert_eq!(code(&run(work, &deployments, "alice", &["approve", "prod"], &github)), 0);
    let output = run(work, &deployments, "alice", &["promote", "prod"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(tags(), "v3.0.0\n");
    let released: Vec<String> = fake.releases().iter().map(|release| release.tag_name.clone()).collect();
    assert_eq!(released.len(), 4, "{released:?}");
    assert!(released.contains(&"v3.0.0".to_string()));

    // Promoting again finishes nothing new, and does not fail.
    let again = run(work, &deployments, "alice", &["promote", "prod"], &github);
    assert_eq!(code(&again), 0, "{}", says(&again));
    assert!(says(&again).contains("already running"), "{}", says(&again));
    assert_eq!(fake.releases().len(), 4);
}

#[test]
fn a_protected_github_environment_approves_and_every_promotion_is_mirrored_as_a_deployment() {
    let approval =
        "{ source = \"github-environment\", environment = \"production\", approvers = [\"carol\", \"erin\"] }";
    let (setup, deployments) = promotion_setup("", approval);
    let work = &setup.work;
    let (fake, mut github) = fake_github();
    github.push(("GITHUB_SERVER_URL", "https://github.com".to_string()));
    let in_run = |run: &'static str| {
        let mut variables = borrowed(&github);
        if !run.is_empty() {
            variables.push(("GITHUB_RUN_ID", run));
        }
        variables
    };
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &in_run(""));
    assert_eq!(code(&output), 0, "{}", says(&output));

    // `release approve` is not how this environment is approved; outside a workflow run nothing is.
    let output = run(work, &deployments, "carol", &["approve", "prod"], &in_run(""));
    assert_eq!(code(&output), 19, "{}", says(&output));
    assert!(says(&output).contains("come from the protected GitHub Environment `production`"), "{}", says(&output));
    let output = run(work, &deployments, "carol", &["promote", "prod"], &in_run(""));
    assert_eq!(code(&output), 12, "{}", says(&output));
    assert!(says(&output).contains("in a GitHub Actions job with `environment: production`"), "{}", says(&output));

    // Run 40 was approved by someone not on the list, and for another environment: not enough.
    fake.add_run_approval(40, "production", "mallory", "approved", "");
    fake.add_run_approval(40, "staging", "carol", "approved", "");
    let output = run(work, &deployments, "mallory", &["promote", "prod"], &in_run("40"));
    assert_eq!(code(&output), 12, "{}", says(&output));
    assert!(says(&output).contains("0/1"), "{}", says(&output));
    assert!(says(&output).contains("too few approving reviews"), "{}", says(&output));

    // Run 41 was approved by carol: prod gets 3.0.0, and her review is in the history.
    fake.add_run_approval(41, "production", "carol", "approved", "ship it");
    let output = run(work, &deployments, "github-actions", &["promote", "prod"], &in_run("41"));
    assert_eq!(code(&output), 0, "{}", says(&output));
    let history = || {
        let output = run(work, &deployments, "alice", &["history", "prod", "--format", "json"], &[]);
        let events: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        events
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["kind"] == "approved" || event["kind"] == "rejected")
            .map(|event| {
                format!(
                    "{} {} by {}: {}",
                    event["kind"].as_str().unwrap(),
                    event["version"].as_str().unwrap(),
                    event["actor"].as_str().unwrap(),
                    event["detail"].as_str().unwrap()
                )
            })
            .collect::<Vec<String>>()
    };
    let recorded = [
        "approved 3.0.0 by mallory: GitHub Environment `production`, run 40",
        "approved 3.0.0 by carol: GitHub Environment `production`, run 41: ship it",
    ];
    assert_eq!(history(), recorded);
    // The same run again records nothing twice.
    let output = run(work, &deployments, "github-actions", &["promote", "prod"], &in_run("41"));
    assert!(says(&output).contains("already running"), "{}", says(&output));
    assert_eq!(history(), recorded);

    // 3.0.1 passes staging, is approved in run 42, fails in prod and is rolled back.
    fs_err::write(work.join("packages/macro-ai-api-client/src/index.ts"), "export const client = 2\n").unwrap();
    commit(work, "fix(client): retries");
    git(work, &["push", "--quiet", "origin", "main"]);
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &in_run(""));
    assert_eq!(code(&output), 0, "{}", says(&output));
    fake.add_run_approval(42, "production", "erin", "approved", "");
    let bad = Deployments::variable("SERVICE_MODE", "prod", Some("3.0.1"));
    let mut variables = in_run("42");
    variables.push((&bad, "unhealthy"));
    let output = run(work, &deployments, "github-actions", &["promote", "prod"], &variables);
    assert_eq!(code(&output), 16, "{}", says(&output));

    // A rejection in GitHub is final, as with `release reject`.
    fake.add_run_approval(43, "production", "carol", "rejected", "not again");
    let output = run(work, &deployments, "github-actions", &["promote", "prod", "--version", "3.0.1"], &in_run("43"));
    assert_eq!(code(&output), 17, "{}", says(&output));
    assert!(says(&output).contains("rejected for `prod` by carol"), "{}", says(&output));

    // The mirror: one GitHub Deployment per deployment, with the statuses of its life, in the
    // GitHub Environment whose reviewers approve prod.
    let mirrored: Vec<String> = fake
        .deployments()
        .iter()
        .map(|deployment| {
            let states: Vec<&str> = deployment.statuses.iter().map(|status| status.state.as_str()).collect();
            format!(
                "{} {}{} production={} [{}]",
                deployment.environment,
                deployment.payload["version"].as_str().unwrap(),
                if deployment.payload["rollback"] == true { " rollback" } else { "" },
                deployment.production_environment,
                states.join(", ")
            )
        })
        .collect();
    assert_eq!(
        mirrored,
        [
            "staging 3.0.0 production=false [in_progress, success, inactive]",
            "production 3.0.0 production=true [in_progress, success, inactive]",
            "staging 3.0.1 production=false [in_progress, success]",
            "production 3.0.1 production=true [in_progress, failure]",
            "production 3.0.0 rollback production=true [in_progress, success]",
        ]
    );
    let deployed = fake.deployments();
    let prod = &deployed[1];
    assert_eq!(prod.sha, git(work, &["rev-list", "-n1", "v3.0.0"]).trim());
    assert_eq!(prod.statuses[1].environment_url, deployments.url("prod", ""));
    assert_eq!(prod.statuses[1].log_url, "https://github.com/acme/shop/actions/runs/41");
    assert!(!deployed[3].statuses[1].description.is_empty(), "a failure says why");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn the_deployment_mirror_never_fails_a_promotion_and_can_be_turned_off() {
    // GitHub unreachable: the promotion succeeds, recorded in the ledger, with a warning.
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let closed = format!("http://127.0.0.1:{}", release_test_support::service::free_port());
    let unreachable = [
        ("GITHUB_API_URL", closed.as_str()),
        ("GITHUB_TOKEN", "t"),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("RELEASE_FORGE_BACKOFF_MS", "1"),
    ];
    let output =
        run(&setup.work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &unreachable);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(
        says(&output).contains("warning: GitHub Deployments: GitHub: listing the deployments to `staging`"),
        "{}",
        says(&output)
    );
    assert_eq!(
        row(&status(&setup.work, &deployments), "staging"),
        "3.0.0 verified last-verified=3.0.0 next=- waiting=-"
    );

    // `github-deployments = false`: a token is present, and GitHub hears nothing.
    let (setup, deployments) =
        promotion_setup("github-deployments = false", "{ required = 1, approvers = [\"alice\"] }");
    let (fake, github) = fake_github();
    let output = run(
        &setup.work,
        &deployments,
        "Release Bot",
        &["cut", "--no-forge", "--promote", "staging"],
        &borrowed(&github),
    );
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // `github-deployments = true` without a token: said once, and the promotion goes on.
    let (setup, deployments) =
        promotion_setup("github-deployments = true", "{ required = 1, approvers = [\"alice\"] }");
    let output = run(&setup.work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(
        says(&output).matches("`github-deployments = true`, but no GitHub token").count(),
        1,
        "{}",
        says(&output)
    );
}
