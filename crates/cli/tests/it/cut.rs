//! `release cut --dry-run` and `--no-commit`: the diff, the files, idempotence, bad input.

use std::path::Path;

use release_test_support::Fixture;

use crate::release_cut::git;
use crate::{repo, transcript};

/// 2025-01-01, so changelog dates are pinned.
const EPOCH: &str = "1735689600";

fn cut(dir: &Path, args: &[&str]) -> std::process::Output {
    crate::release_with(dir, &[&["cut"], args].concat(), &[("SOURCE_DATE_EPOCH", EPOCH)])
}

/// Every file of the work tree (not .git), path -> bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs_err::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|name| name == ".git") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(relative, fs_err::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn dry_run_diff_equals_what_no_commit_writes_and_a_second_run_changes_nothing() {
    for name in Fixture::names().unwrap() {
        let fixture = Fixture::load(&name).unwrap();
        let (dry, written) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        fixture.build(dry.path()).unwrap();
        fixture.build(written.path()).unwrap();

        let output = cut(dry.path(), &["--dry-run"]);
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let patch = String::from_utf8(output.stdout).unwrap();
        insta::assert_snapshot!(format!("cut_dry_run_{}", name.replace('-', "_")), patch);
        assert!(tree(dry.path()) == tree(written.path()), "{name}: --dry-run changed files");

        // The diff is a real patch: `git apply` of it gives exactly what --no-commit writes.
        let patch_file = dry.path().join(".git/release.patch");
        fs_err::write(&patch_file, &patch).unwrap();
        git(dry.path(), &["apply", "-p1", patch_file.to_str().unwrap()]);
        let output = cut(written.path(), &["--no-commit"]);
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(tree(dry.path()) == tree(written.path()), "{name}: --no-commit wrote something else than the diff");

        let again = cut(written.path(), &["--no-commit", "--allow-dirty"]);
        assert_eq!(
            String::from_utf8_lossy(&again.stdout),
            "nothing to change: the files already match the plan\n",
            "{name}: a second --no-commit changed files"
        );
    }
}

#[test]
fn json_report_lists_the_files() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::load("pnpm-workspace").unwrap().build(dir.path()).unwrap();
    let output = cut(dir.path(), &["--dry-run", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["written"], false);
    let files: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| format!("{} {}", file["status"].as_str().unwrap(), file["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        files,
        [
            "added apps/admin/CHANGELOG.md",
            "modified apps/admin/package.json",
            "added apps/web/CHANGELOG.md",
            "modified apps/web/package.json",
            "added packages/ui/CHANGELOG.md",
            "modified packages/ui/package.json",
        ]
    );
    assert_eq!(report["plan"]["packages"][2]["next_version"], "4.0.0");
}

#[test]
fn a_dirty_tree_is_refused_with_its_files() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::load("single-package").unwrap().build(dir.path()).unwrap();
    fs_err::write(dir.path().join("src/main.rs"), "fn main() { /* wip */ }\n").unwrap();
    fs_err::write(dir.path().join("notes.txt"), "todo\n").unwrap();
    insta::assert_snapshot!(transcript(dir.path(), &cut(dir.path(), &["--no-commit"])));
}

const API: (&str, &str) = ("apps/api/package.json", "{\n  \"name\": \"api\",\n  \"version\": \"1.0.0\"\n}\n");

fn cut_error(files: &[(&str, &str)], message: &str) -> String {
    let (dir, mut builder) = repo(files);
    builder.write("apps/api/index.js", "1").commit(message).unwrap();
    builder.checkout().unwrap();
    transcript(dir.path(), &cut(dir.path(), &["--dry-run"]))
}

#[test]
fn a_manifest_without_the_version_it_needs() {
    // Not private: a private package without a version is not released at all.
    insta::assert_snapshot!(cut_error(&[("apps/api/package.json", "{\"name\": \"api\"}\n")], "fix(api): x"));
}

#[test]
fn a_version_file_marker_that_matches_no_line_or_two() {
    let config = "[[package]]\nname = \"api\"\nversion-files = [{ path = \"deploy/Chart.yaml\", marker = \"x-release-version\" }]\n";
    let none = cut_error(&[API, ("release.toml", config), ("deploy/Chart.yaml", "version: 1.0.0\n")], "fix(api): x");
    let two = cut_error(
        &[
            API,
            ("release.toml", config),
            ("deploy/Chart.yaml", "version: 1.0.0 # x-release-version\nappVersion: 1.0.0 # x-release-version\n"),
        ],
        "fix(api): x",
    );
    insta::assert_snapshot!(format!("{none}\n{two}"));
}

#[test]
fn a_changelog_template_that_does_not_parse_or_uses_an_unknown_variable() {
    let config = "[templates]\nchangelog = \"release/changelog.md.j2\"\n";
    let syntax =
        cut_error(&[API, ("release.toml", config), ("release/changelog.md.j2", "## {{ version }\n")], "fix(api): x");
    let undefined = cut_error(
        &[API, ("release.toml", config), ("release/changelog.md.j2", "## {{ version }}\n{{ author }}\n")],
        "fix(api): x",
    );
    insta::assert_snapshot!(format!("{syntax}\n{undefined}"));
}

#[test]
fn a_changelog_with_a_malformed_section_header_is_left_alone() {
    let changelog = "# Changelog\n\n## [1.0] - 2024-01-01\n\n- first\n";
    insta::assert_snapshot!(cut_error(&[API, ("apps/api/CHANGELOG.md", changelog)], "fix(api): x"));
}

#[test]
fn paths_in_release_toml_that_leave_the_repository() {
    let outside = tempfile::tempdir().unwrap();
    let (dir, mut builder) =
        repo(&[API, ("release.toml", "[[package]]\nname = \"api\"\nchangelog = \"docs/CHANGELOG.md\"\n")]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("docs")).unwrap();
    builder.write("apps/api/index.js", "1").commit("fix(api): x").unwrap();
    builder.checkout().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("docs")).ok();
    let output = cut(dir.path(), &["--no-commit", "--allow-dirty"]);
    insta::assert_snapshot!(transcript(dir.path(), &output));
    assert!(fs_err::read_dir(outside.path()).unwrap().next().is_none(), "nothing may be written outside");
}

#[test]
fn cut_without_dry_run_or_no_commit_says_what_exists() {
    let (dir, _builder) = repo(&[API]);
    insta::assert_snapshot!(transcript(dir.path(), &cut(dir.path(), &[])));
}
