//! Hostile input to `release plan`: broken workspace files, manifests that are not UTF-8,
//! `Release-As:` going backwards, revisions that do not resolve, repositories without a work
//! tree or a commit. Each one used to be ignored, misdescribed or an "unexpected" exit 2; each is
//! now an error naming the file, line, value or ref (exit 1), or a warning in the plan.

use std::process::Command;

use release_test_support::RepoBuilder;

use crate::{release, repo, transcript};

const ROOT: (&str, &str) = ("package.json", "{\"name\": \"root\", \"private\": true}\n");
const MEMBER: (&str, &str) = ("packages/ui/package.json", "{\"name\": \"ui\", \"version\": \"1.0.0\"}\n");

fn plan(files: &[(&str, &str)], args: &[&str]) -> String {
    let (dir, _builder) = repo(files);
    transcript(dir.path(), &release(dir.path(), args))
}

#[test]
fn pnpm_workspace_yaml_that_does_not_parse() {
    insta::assert_snapshot!(plan(&[ROOT, MEMBER, ("pnpm-workspace.yaml", "packages:\n  - 'packages/*\n")], &["plan"]));
}

#[test]
fn pnpm_packages_written_as_a_string() {
    insta::assert_snapshot!(plan(&[ROOT, MEMBER, ("pnpm-workspace.yaml", "packages: packages/*\n")], &["plan"]));
}

#[test]
fn npm_workspaces_written_as_a_string() {
    insta::assert_snapshot!(plan(
        &[("package.json", "{\n  \"private\": true,\n  \"workspaces\": \"packages/*\"\n}\n"), MEMBER],
        &["plan"]
    ));
}

#[test]
fn package_json_name_that_is_a_number() {
    insta::assert_snapshot!(plan(
        &[("apps/web/package.json", "{\n  \"name\": 42,\n  \"version\": \"1.0.0\"\n}\n")],
        &["plan"]
    ));
}

#[test]
fn cargo_member_outside_the_repository() {
    insta::assert_snapshot!(plan(
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\n  \"crates/*\",\n  \"../vendored/*\",\n]\n"),
            ("crates/core/Cargo.toml", "[package]\nname = \"core\"\nversion = \"1.0.0\"\n"),
        ],
        &["plan"]
    ));
}

/// npm links a member outside the workspace root, so this is a warning, not an error: in the
/// text output and in the JSON.
#[test]
fn npm_member_outside_the_repository_is_a_warning_in_text_and_json() {
    let files = [("package.json", "{\"private\": true, \"workspaces\": [\"packages/*\", \"../shared/*\"]}\n"), MEMBER];
    let (dir, _builder) = repo(&files);
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
    let output = release(dir.path(), &["plan", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["warnings"],
        serde_json::json!([
            "package.json:1: workspace member `../shared/*` is outside the repository; skipped (release versions only packages tracked in this repository)"
        ])
    );
    assert_eq!(json["packages"][0]["name"], "ui");
}

/// Regression: this was an I/O error, exit 2 ("unexpected"), for what is bad input.
#[test]
fn manifests_that_are_not_utf8() {
    let mut transcripts = Vec::new();
    for (file, content) in [
        (
            "crates/core/Cargo.toml",
            &b"[package]\nname = \"core\"\nversion = \"1.0.0\"\ndescription = \"caf\xe9\"\n"[..],
        ),
        (
            "apps/web/package.json",
            &b"{\"name\": \"web\",\n \"version\": \"1.0.0\", \"description\": \"caf\xe9\"}\n"[..],
        ),
        ("services/api/pyproject.toml", &b"[project]\nname = \"api\"\nversion = \"1.0.0\"\n# caf\xe9\n"[..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut builder = RepoBuilder::init(dir.path()).unwrap();
        builder.write(file, content);
        builder.commit("chore: initial").unwrap();
        builder.checkout().unwrap();
        transcripts.push(transcript(dir.path(), &release(dir.path(), &["plan"])));
    }
    insta::assert_snapshot!(transcripts.join("\n"));
}

/// Regression: `Release-As: 0.0.0` on a package at 1.0.0 planned `next 0.0.0, bump none`, which
/// silently dropped the pending feature release.
#[test]
fn release_as_at_or_below_the_current_version_warns_and_keeps_the_commits_bump() {
    let (dir, mut builder) = repo(&[("package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}\n")]);
    builder.tag("v1.0.0").unwrap();
    builder.write("index.js", "1").commit("feat: add a thing\n\nRelease-As: 0.0.0").unwrap();
    builder.checkout().unwrap();
    let output = release(dir.path(), &["plan", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["packages"][0]["next_version"], "1.1.0");
    assert_eq!(json["packages"][0]["bump"], "minor");
    let warning = json["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("`Release-As: 0.0.0` for api is not above its current version 1.0.0; ignored"),
        "{warning}"
    );
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
}

/// Regression: `--base` was only read by `--format markdown` and `--comment`; in text and JSON a
/// ref that does not exist exited 0.
#[test]
fn revisions_that_do_not_resolve_are_named_with_their_flag() {
    let (dir, _builder) = repo(&[MEMBER]);
    let mut transcripts = Vec::new();
    for args in [
        &["plan", "--base", "does-not-exist"][..],
        &["plan", "--base", "does-not-exist", "--format", "json"],
        &["plan", "--base", "does-not-exist", "--format", "markdown"],
        &["plan", "--head", "release/next", "--format", "json"],
    ] {
        let output = release(dir.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing is printed on stdout");
        transcripts.push(format!("$ release {}\n{}", args.join(" "), transcript(dir.path(), &output)));
    }
    insta::assert_snapshot!(transcripts.join("\n"));
}

/// Flags that would be silently ignored are refused instead: `--base` where only one plan is
/// shown, `--pr` without `--comment`, a pull request numbered 0.
#[test]
fn plan_flags_that_would_be_ignored_are_refused() {
    let (dir, _builder) = repo(&[MEMBER]);
    let mut transcripts = Vec::new();
    for args in [
        &["plan", "--base", "HEAD", "--format", "json"][..],
        &["plan", "--base", "HEAD"],
        &["plan", "--pr", "7"],
        &["plan", "--comment", "--pr", "0"],
    ] {
        let output = release(dir.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        transcripts.push(format!("$ release {}\n{}", args.join(" "), transcript(dir.path(), &output)));
    }
    // `--base` with a revision that resolves still works where it means something.
    let output = release(dir.path(), &["plan", "--base", "HEAD", "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!(transcripts.join("\n"));
}

#[test]
fn empty_repository_names_its_unborn_branch() {
    let dir = tempfile::tempdir().unwrap();
    RepoBuilder::init(dir.path()).unwrap();
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan", "--head", "main"])));
}

/// Regression: an orphan branch in a repository with history was described as "the repository
/// has no commits yet".
#[test]
fn unborn_branch_in_a_repository_with_commits() {
    let (dir, _builder) = repo(&[MEMBER]);
    let status = Command::new("git")
        .args(["symbolic-ref", "HEAD", "refs/heads/fresh"])
        .current_dir(dir.path())
        .env("LC_ALL", "C")
        .status()
        .unwrap();
    assert!(status.success());
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
}

/// Regression: a bare repository was "not a git repository".
#[test]
fn bare_repository() {
    let (source, _builder) = repo(&[MEMBER]);
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.git");
    let status = Command::new("git")
        .args(["clone", "--quiet", "--bare"])
        .arg(source.path())
        .arg(&bare)
        .env("LC_ALL", "C")
        .status()
        .unwrap();
    assert!(status.success());
    insta::assert_snapshot!(transcript(dir.path(), &release(&bare, &["plan"])));
}
