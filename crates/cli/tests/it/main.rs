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

/// Runs `release` in `dir` with a clean, pinned environment (the date too: changelog previews
/// carry it).
pub fn release(dir: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("release")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1740787200") // 2025-03-01
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GITHUB_REPOSITORY")
        // A hang fails the test instead of hanging the suite (templates loop, checks wait).
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
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
