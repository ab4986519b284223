//! `release cut` end to end: a real bare remote, real `git` for push, crashes at every step
//! boundary followed by a rerun that must end in the same state as an uninterrupted run.

use std::path::{Path, PathBuf};
use std::process::Command;

use release_test_support::Fixture;

use crate::transcript;

/// A fixture repository whose `main` tracks `origin`, a bare repository beside it.
pub struct Setup {
    pub _dir: tempfile::TempDir,
    pub work: PathBuf,
    pub remote: PathBuf,
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git").current_dir(dir).args(args).env("LC_ALL", "C").output().unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Stages everything and commits it as a fixed identity (empty commits allowed), as a developer
/// working in the clone would.
pub fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "--all"]);
    git(
        dir,
        &["-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "--quiet", "--allow-empty", "-m", message],
    );
}

pub fn setup(fixture: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let remote = dir.path().join("remote.git");
    Fixture::load(fixture).unwrap().build(&work).unwrap();
    git(dir.path(), &["init", "--quiet", "--bare", "--initial-branch=main", remote.to_str().unwrap()]);
    git(&work, &["remote", "add", "origin", remote.to_str().unwrap()]);
    git(&work, &["push", "--quiet", "--set-upstream", "origin", "main", "--tags"]);
    Setup { _dir: dir, work, remote }
}

pub use crate::{command as release_process, release_with};

/// Everything a release leaves behind, in comparable form: local and remote refs (with ids),
/// and the release commit's message.
pub fn state(setup: &Setup) -> String {
    let local = git(
        &setup.work,
        &["for-each-ref", "--format=%(refname) %(objectname) %(*objectname)", "refs/heads", "refs/tags"],
    );
    let remote = git(
        &setup.remote,
        &["for-each-ref", "--format=%(refname) %(objectname) %(*objectname)", "refs/heads", "refs/tags"],
    );
    let message = git(&setup.work, &["log", "-1", "--format=%B"]);
    let status = git(&setup.work, &["status", "--porcelain"]);
    format!("local:\n{local}remote:\n{remote}head message:\n{message}status:\n{status}")
}

#[test]
fn a_cut_commits_tags_and_pushes_atomically() {
    let setup = setup("seeds-monorepo");
    let output = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    insta::assert_snapshot!(transcript(&setup.work, &output));
    let tags = git(&setup.remote, &["tag", "--points-at", "main"]);
    assert_eq!(tags, "client-ui-v2.0.1\nexpress-api@v1.3.0\nui-library-v0.4.1\nv3.0.0\n");
    // Annotated, with the release notes as the message.
    let message = git(&setup.work, &["tag", "-l", "--format=%(contents)", "express-api@v1.3.0"]);
    assert!(message.starts_with("express-api@v1.3.0\n\n### Features\n"), "{message}");
    // The plan after the release is empty.
    let plan = release_with(&setup.work, &["plan", "--format", "json"], &[]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert!(plan["packages"].as_array().unwrap().iter().all(|package| package["bump"] == "none"), "{plan}");
}

#[test]
fn a_crash_at_any_step_is_finished_by_running_the_same_command_again() {
    let reference = setup("seeds-monorepo");
    let output = release_with(&reference.work, &["cut", "--no-forge"], &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let expected = state(&reference);

    // `commit-made`: after the commit, before the journal names it.
    for point in ["apply", "commit-made", "commit", "tag", "push"] {
        let setup = setup("seeds-monorepo");
        let crashed = release_with(&setup.work, &["cut", "--no-forge"], &[("RELEASE_FAULT", point)]);
        assert!(!crashed.status.success(), "{point}: the fault must stop the process");
        assert!(String::from_utf8_lossy(&crashed.stderr).contains(&format!("fault injected after `{point}`")));
        let rerun = release_with(&setup.work, &["cut", "--no-forge"], &[]);
        assert!(rerun.status.success(), "{point}: {}", String::from_utf8_lossy(&rerun.stderr));
        let text = String::from_utf8_lossy(&rerun.stdout);
        assert!(text.contains("already done"), "{point}: the rerun should find work done\n{text}");
        assert_eq!(state(&setup), expected, "after a crash at `{point}` and a rerun");
        // A third run finds everything done and changes nothing.
        let third = release_with(&setup.work, &["cut", "--no-forge"], &[]);
        assert!(
            !String::from_utf8_lossy(&third.stdout).contains("done now"),
            "{point}: {}",
            String::from_utf8_lossy(&third.stdout)
        );
        assert_eq!(state(&setup), expected);
    }
}

#[test]
fn a_tag_for_the_new_version_at_another_commit_is_a_hard_error() {
    let setup = setup("single-package");
    // Someone tagged v1.2.0 on a branch that was never merged: not a base, but the name is taken.
    git(&setup.work, &["switch", "--quiet", "-c", "hotfix", "HEAD~1"]);
    commit(&setup.work, "fix: hotfix");
    git(&setup.work, &["tag", "v1.2.0"]);
    git(&setup.work, &["switch", "--quiet", "main"]);
    let output = release_with(&setup.work, &["cut", "--no-forge", "--no-push"], &[]);
    let text = transcript(&setup.work, &output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("tag `v1.2.0` already exists at"), "{text}");
    assert!(text.contains("not at the release commit"), "{text}");
}

#[test]
fn wrong_branch_behind_upstream_and_held_lock() {
    let setup = setup("single-package");
    git(&setup.work, &["switch", "--quiet", "-c", "topic"]);
    let wrong = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    git(&setup.work, &["switch", "--quiet", "main"]);

    // Another clone pushes first: this one is behind.
    let other = setup.work.parent().unwrap().join("other");
    git(setup.work.parent().unwrap(), &["clone", "--quiet", setup.remote.to_str().unwrap(), other.to_str().unwrap()]);
    fs_err::write(other.join("NOTES.md"), "notes\n").unwrap();
    commit(&other, "x");
    commit(&other, "docs: notes");
    git(&other, &["push", "--quiet", "origin", "main"]);
    let behind = release_with(&setup.work, &["cut", "--no-forge"], &[]);

    // A live process holds the lock (this test's own process).
    fs_err::write(setup.work.join(".git/release-cut.lock"), format!("{} 1700000000\n", std::process::id())).unwrap();
    let locked = release_with(&setup.work, &["cut", "--no-forge", "--no-push"], &[]);
    fs_err::remove_file(setup.work.join(".git/release-cut.lock")).unwrap();

    let text = format!(
        "{}\n{}\n{}",
        transcript(&setup.work, &wrong),
        transcript(&setup.work, &behind),
        transcript(&setup.work, &locked).replace(&std::process::id().to_string(), "[PID]")
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_push_the_remote_rejects_is_reported_and_the_rerun_finishes() {
    let setup = setup("single-package");
    // The remote refuses everything until the hook is removed.
    let hook = setup.remote.join("hooks/pre-receive");
    fs_err::write(&hook, "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n").unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(&mut fs_err::metadata(&hook).unwrap().permissions(), 0o755);
    fs_err::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let rejected = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    let text = transcript(&setup.work, &rejected);
    assert_eq!(rejected.status.code(), Some(1), "{text}");
    assert!(text.contains("push to `origin` rejected"), "{text}");
    assert_eq!(git(&setup.remote, &["tag", "--points-at", "main"]), "", "atomic: no tag may land without the branch");

    fs_err::remove_file(&hook).unwrap();
    let rerun = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
    assert_eq!(git(&setup.remote, &["tag", "--points-at", "main"]), "v1.2.0\n");
}

#[test]
fn a_diverged_remote_without_upstream_tracking_is_a_non_fast_forward() {
    let setup = setup("single-package");
    git(&setup.work, &["branch", "--quiet", "--unset-upstream"]);
    let other = setup.work.parent().unwrap().join("other");
    git(setup.work.parent().unwrap(), &["clone", "--quiet", setup.remote.to_str().unwrap(), other.to_str().unwrap()]);
    commit(&other, "x");
    git(&other, &["push", "--quiet", "origin", "main"]);
    let output = release_with(&setup.work, &["cut", "--no-forge"], &[]);
    let text = transcript(&setup.work, &output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("is behind the remote") && text.contains("git pull --rebase"), "{text}");
}

#[test]
fn forge_steps_need_a_token_and_a_github_remote() {
    let setup = setup("single-package");
    let no_token = release_with(&setup.work, &["cut"], &[]);
    let not_github = release_with(&setup.work, &["cut"], &[("GITHUB_TOKEN", "secret-value")]);
    let text = format!("{}\n{}", transcript(&setup.work, &no_token), transcript(&setup.work, &not_github));
    assert!(!text.contains("secret-value"));
    let remote = setup.remote.display().to_string();
    insta::assert_snapshot!(text.replace(&remote, "[REMOTE]"));
    assert_eq!(git(&setup.work, &["log", "-1", "--format=%s"]), "tweak the readme\n", "nothing happened");
}
