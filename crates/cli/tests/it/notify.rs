//! `[[notify]]` end to end: real HTTP receivers on loopback (one that accepts, one that fails,
//! one that hangs) and the fake GitHub hear of each step of the after-deploy path; what did not
//! arrive is recorded in the ledger and delivered once by the next command.

use std::path::Path;

use release_test_support::receiver::{Mode, Receiver};
use release_test_support::service::Deployments;

use crate::promote::{borrowed, code, fake_github, promotion_setup, run, says};
use crate::release_cut::{commit, git};

/// Appends `targets` to release.toml, committed and pushed.
fn notify(work: &Path, targets: &str) {
    let path = work.join("release.toml");
    let text = fs_err::read_to_string(&path).unwrap();
    fs_err::write(&path, format!("{text}\n{targets}")).unwrap();
    commit(work, "ci: notifications");
    git(work, &["push", "--quiet", "origin", "main"]);
}

/// `event version environment` of each request, oldest first.
fn heard(receiver: &Receiver) -> Vec<String> {
    receiver
        .received()
        .iter()
        .map(|received| {
            let body = &received.body;
            format!(
                "{} {} {}",
                body["event"].as_str().unwrap_or("?"),
                body["version"].as_str().unwrap_or("?"),
                body["environment"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

fn kinds(work: &Path, deployments: &Deployments, environment: &str) -> Vec<String> {
    let history = run(work, deployments, "ci", &["history", environment, "--format", "json"], &[]);
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    events.as_array().unwrap().iter().map(|event| event["kind"].as_str().unwrap().to_string()).collect()
}

/// The whole after-deploy path: promotion, verification, a monitoring window that fails,
/// automatic rollback and hold; `chat` hears all of it, `pager` (failures only, staging only)
/// fails at first, and the next `release watch` delivers what it missed, once, with the same
/// idempotency keys.
#[test]
fn each_step_of_the_after_deploy_path_is_notified_once_and_failed_deliveries_are_retried() {
    let chat = Receiver::start(Mode::Accept);
    let pager = Receiver::start(Mode::Fail(500));
    let (setup, deployments) = crate::watch::watched_setup(1);
    let work = &setup.work;
    notify(
        work,
        r#"[[notify]]
kind = "webhook"
name = "chat"
url-env = "CHAT_WEBHOOK"

[[notify]]
kind = "webhook"
name = "pager"
url-env = "PAGER_WEBHOOK"
events = ["verification-failed", "rolled-back", "held"]
environments = ["staging"]
timeout = "2s"
"#,
    );
    let hooks = [("CHAT_WEBHOOK", chat.url.as_str()), ("PAGER_WEBHOOK", pager.url.as_str())];
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &hooks);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(heard(&chat), ["released 3.0.0 -", "promoted 3.0.0 staging", "verified 3.0.0 staging"]);

    // 3.0.1 passes its verification, then fails every request.
    fs_err::write(work.join("packages/macro-ai-api-client/src/index.ts"), "export const client = 2\n").unwrap();
    commit(work, "fix(client): retries");
    git(work, &["push", "--quiet", "origin", "main"]);
    let failing = Deployments::variable("SERVICE_MODE", "staging", Some("3.0.1"));
    let mut env = hooks.to_vec();
    env.push((&failing, "fail-after:2"));
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &env);
    assert_eq!(code(&output), 0, "{}", says(&output));

    assert_eq!(code(&run(work, &deployments, "ci", &["watch"], &hooks)), 0, "one failed check is within the limit");
    let output = run(work, &deployments, "ci", &["watch"], &hooks);
    assert_eq!(code(&output), 16, "a notification never changes the outcome: {}", says(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("notification `verification-failed` of 3.0.1 to `pager` not delivered: the receiver answered 500 (recorded; the next command retries it)"),
        "{stderr}"
    );
    assert_eq!(
        heard(&chat)[3..],
        [
            "released 3.0.1 -",
            "promoted 3.0.1 staging",
            "verified 3.0.1 staging",
            "verification-failed 3.0.1 staging",
            "rolled-back 3.0.0 staging",
            "held 3.0.1 staging",
        ]
    );
    // A failing target is tried once per command: the rest waits for the next.
    assert_eq!(heard(&pager), ["verification-failed 3.0.1 staging"]);
    // `release status` shows what did not arrive yet, in text and JSON.
    let status = crate::promote::status(work, &deployments);
    let staging = status.as_array().unwrap().iter().find(|row| row["environment"] == "staging").unwrap();
    let undelivered: Vec<&str> =
        staging["undelivered"].as_array().unwrap().iter().map(|said| said.as_str().unwrap()).collect();
    assert_eq!(undelivered.len(), 3, "{undelivered:?}");
    assert!(
        undelivered[0].starts_with(
            "verification-failed pager: the receiver answered 500 (attempt 1, retried by the next command)"
        ),
        "{undelivered:?}"
    );
    let text = run(work, &deployments, "ci", &["status"], &[]);
    assert!(
        says(&text).contains("staging: notification not delivered yet: rolled-back pager: not tried: an earlier delivery in this run failed"),
        "{}",
        says(&text)
    );
    let rolled_back = &chat.received()[7].body;
    assert_eq!(rolled_back["from_version"], "3.0.1");
    assert_eq!(rolled_back["actor"], "ci");
    assert_eq!(
        rolled_back["text"],
        "staging rolled back from 3.0.1 to 3.0.0 (automatic, after a failed monitoring window)"
    );
    assert_eq!(rolled_back["commit"].as_str().unwrap().len(), 40);
    assert_eq!(rolled_back["attempt"], 1);
    assert_eq!(chat.received()[7].key.as_deref(), rolled_back["key"].as_str(), "the header carries the key");

    // The next command delivers what pager missed, once, under the keys of the first attempt.
    pager.set_mode(Mode::Accept);
    let output = run(work, &deployments, "ci", &["watch"], &hooks);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("not delivered"), "{}", says(&output));
    let received = pager.received();
    assert_eq!(
        heard(&pager),
        [
            "verification-failed 3.0.1 staging",
            "verification-failed 3.0.1 staging",
            "rolled-back 3.0.0 staging",
            "held 3.0.1 staging"
        ]
    );
    assert_eq!(received[0].key, received[1].key, "a retry carries the first attempt's key");
    assert_eq!(received[1].body["attempt"], 2);
    assert_eq!(chat.received().len(), 9, "nothing is sent twice to a target that got it");

    let status = crate::promote::status(work, &deployments);
    assert!(status.as_array().unwrap().iter().all(|row| row.get("undelivered").is_none()), "{status}");

    // And nothing is left to send.
    assert_eq!(code(&run(work, &deployments, "ci", &["watch"], &hooks)), 0);
    assert_eq!((chat.received().len(), pager.received().len()), (9, 4));
    let kinds = kinds(work, &deployments, "staging");
    assert_eq!(kinds.iter().filter(|kind| *kind == "notify_failed").count(), 3, "{kinds:?}");
    // chat's 7 of staging (its 2 `released` belong to no environment), and pager's 3 retries.
    assert_eq!(kinds.iter().filter(|kind| *kind == "notified").count(), 7 + 3, "{kinds:?}");
}

/// A receiver that never answers costs the command one timeout, not one per event; the
/// approval the promotion waits for is announced once, however often it is tried.
#[test]
fn a_hanging_receiver_costs_one_timeout_and_the_approval_needed_is_sent_once() {
    let chat = Receiver::start(Mode::Hang);
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    notify(
        work,
        r#"[[notify]]
kind = "webhook"
url-env = "CHAT_WEBHOOK"
events = ["verified", "approval-needed"]
timeout = "1s"
"#,
    );
    let hooks = [("CHAT_WEBHOOK", chat.url.as_str())];
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &hooks);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("to `webhook CHAT_WEBHOOK` not delivered: no answer within 1s"), "{stderr}");
    assert_eq!(heard(&chat), ["verified 3.0.0 staging"]);

    chat.set_mode(Mode::Accept);
    let output = run(work, &deployments, "bob", &["promote", "prod"], &hooks);
    assert_eq!(code(&output), 12, "{}", says(&output));
    assert_eq!(heard(&chat), ["verified 3.0.0 staging", "verified 3.0.0 staging", "approval-needed 3.0.0 prod"]);
    let approval = &chat.received()[2].body;
    assert!(
        approval["text"].as_str().unwrap().starts_with("3.0.0 waits for approval to enter prod: approvals 0/1"),
        "{approval}"
    );
    let output = run(work, &deployments, "bob", &["promote", "prod"], &hooks);
    assert_eq!(code(&output), 12, "{}", says(&output));
    assert_eq!(chat.received().len(), 3, "the same approval is announced once");
}

/// A webhook whose variable is not set is a failed delivery, retried once it is set; the URL is
/// never in release.toml.
#[test]
fn an_unset_webhook_variable_is_retried_when_a_later_command_has_it() {
    let chat = Receiver::start(Mode::Accept);
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    notify(work, "[[notify]]\nkind = \"webhook\"\nurl-env = \"CHAT_WEBHOOK\"\nevents = [\"verified\"]\n");
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(
        says(&output).contains(
            "the environment variable `CHAT_WEBHOOK` that holds its URL is not set (hint: set it from a CI secret)"
        ),
        "{}",
        says(&output)
    );
    let output = run(work, &deployments, "alice", &["approve", "prod"], &[("CHAT_WEBHOOK", &chat.url)]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(heard(&chat), ["verified 3.0.0 staging"]);
}

/// The GitHub target comments on the release's commit (no pull request merged it here), once,
/// through the fake GitHub that checks every request against GitHub's REST description.
#[test]
fn the_github_target_comments_on_the_release_commit_once() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    notify(work, "[[notify]]\nkind = \"github\"\nevents = [\"verified\", \"rolled-back\"]\n");
    let (fake, github) = fake_github();
    let github = borrowed(&github);
    let output = run(work, &deployments, "Release Bot", &["cut", "--promote", "staging"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let release = git(work, &["rev-parse", "HEAD"]);
    let release = release.trim();
    let comments = fake.commit_comments(release);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        comments[0].body.starts_with("**release: verified**\n\n3.0.0 is deployed and verified in staging\n"),
        "{}",
        comments[0].body
    );
    assert!(comments[0].body.contains("<!-- release:notify "), "{}", comments[0].body);

    // Promoting again records nothing new and comments nothing new.
    let output = run(work, &deployments, "Release Bot", &["promote", "staging"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(fake.commit_comments(release).len(), 1);
    assert!(fake.take_violations().is_empty());
}

/// The comment goes on the pull request GitHub associates with the release commit.
#[test]
fn the_github_target_comments_on_the_release_pull_request() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    notify(work, "[[notify]]\nkind = \"github\"\nevents = [\"promoted\"]\n");
    let (fake, github) = fake_github();
    let github = borrowed(&github);
    let output = run(work, &deployments, "Release Bot", &["cut"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let release = git(work, &["rev-parse", "HEAD"]);
    fake.add_pull(7, "0000000000000000000000000000000000000007", "release/main", "main", "chore: release");
    fake.merge_pull(7, release.trim());
    let output = run(work, &deployments, "Release Bot", &["promote", "staging"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let comments = fake.comments(7);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].body.contains("3.0.0 is being deployed to staging by Release Bot"), "{}", comments[0].body);
    assert!(fake.commit_comments(release.trim()).is_empty());
    assert!(fake.take_violations().is_empty());
}
