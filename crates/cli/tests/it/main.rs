//! The `release` binary, end to end, on repositories built in temp dirs.

mod backtest;
mod cache;
mod change_files;
mod cut;
mod discovery;
mod errors;
mod exit_classes;
mod fixtures;
mod github;
mod hostile_config;
mod hostile_input;
mod hostile_text;
mod init;
mod kill;
mod notify;
mod output;
mod promote;
mod release_cut;
mod release_pr;
mod tags;
mod trust;
mod watch;

use std::path::Path;
use std::process::Output;

use release_test_support::RepoBuilder;

/// The one way the tests start `release`: in `dir`, with a clean environment (no GitHub
/// variables, no fault injection, no colour, no system git config), pinned dates (changelog
/// previews carry the date; commit and tag ids follow the git dates) and a pinned identity (who
/// cuts goes into the release commit), then `env` on top.
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("release"));
    command
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("SOURCE_DATE_EPOCH", "1740787200") // 2025-03-01
        .env("GIT_AUTHOR_DATE", "2025-03-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2025-03-01T00:00:00Z")
        .env("GIT_AUTHOR_NAME", "Release Bot")
        .env("GIT_AUTHOR_EMAIL", "bot@example.com")
        .env("GIT_COMMITTER_NAME", "Release Bot")
        .env("GIT_COMMITTER_EMAIL", "bot@example.com")
        .env("RELEASE_ACTOR", "Release Bot")
        .env_remove("GITHUB_ACTOR")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_API_URL")
        .env_remove("RELEASE_FAULT");
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Runs [`command`] to its end; a hang fails the test instead of hanging the suite.
pub fn release_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    assert_cmd::Command::from_std(command(dir, args, env))
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

/// [`release_with`] and no variables of the test's own.
pub fn release(dir: &Path, args: &[&str]) -> Output {
    release_with(dir, args, &[])
}

/// Exit code, stdout and stderr in one text, with the temp dir replaced, for snapshots.
pub fn transcript(dir: &Path, output: &Output) -> String {
    let clean = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let canonical = dir.canonicalize().unwrap_or(dir.to_path_buf());
        text.replace(&canonical.display().to_string(), "[REPO]").replace(&dir.display().to_string(), "[REPO]")
    };
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        clean(&output.stdout),
        clean(&output.stderr)
    )
}

/// A repository with one commit holding `files`.
pub fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, RepoBuilder) {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    for (path, content) in files {
        builder.write(path, content);
    }
    builder.commit("chore: initial").unwrap();
    builder.checkout().unwrap();
    (dir, builder)
}
