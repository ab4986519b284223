//! Bad input: each gets a clear error (what, where, a hint) and exit code 1.

use std::process::Command;

use release_test_support::RepoBuilder;

use crate::{release, repo, transcript};

fn plan_error(files: &[(&str, &str)]) -> String {
    let (dir, _builder) = repo(files);
    let output = release(dir.path(), &["plan"]);
    transcript(dir.path(), &output)
}

const PACKAGE: (&str, &str) = ("apps/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}\n");

#[test]
fn invalid_toml() {
    insta::assert_snapshot!(plan_error(&[PACKAGE, ("release.toml", "[repo]\ntag = \"v{version}\n")]));
}

#[test]
fn unknown_key() {
    insta::assert_snapshot!(plan_error(&[
        PACKAGE,
        ("release.toml", "[versioning]\nzero-major-breaking = \"minor\"\nnon-conventinal = \"error\"\n")
    ]));
}

#[test]
fn glob_that_does_not_parse() {
    insta::assert_snapshot!(plan_error(&[PACKAGE, ("release.toml", "[components]\nbackend = [\"apps/{api\"]\n")]));
}

#[test]
fn package_path_that_does_not_exist() {
    insta::assert_snapshot!(plan_error(&[
        PACKAGE,
        ("release.toml", "[[package]]\nname = \"infrastructure\"\npath = \"infra\"\n")
    ]));
}

#[test]
fn two_packages_with_one_name() {
    insta::assert_snapshot!(plan_error(&[
        PACKAGE,
        ("services/api/pyproject.toml", "[project]\nname = \"api\"\nversion = \"0.1.0\"\n"),
    ]));
}

#[test]
fn tag_template_without_version() {
    insta::assert_snapshot!(plan_error(&[
        PACKAGE,
        ("release.toml", "[[package]]\nname = \"api\"\ntag = \"api-latest\"\n")
    ]));
}

#[test]
fn manifest_version_that_is_not_semver() {
    insta::assert_snapshot!(plan_error(&[(
        "crates/core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"1.2\"\n"
    )]));
}

#[test]
fn tag_that_matches_a_template_but_is_not_semver_is_skipped_with_a_warning() {
    let (dir, mut builder) = repo(&[PACKAGE]);
    // A single-package repository tags `v{version}`.
    builder.tag("v1.0").unwrap();
    builder.tag("v1.0.0").unwrap();
    builder.write("apps/api/index.js", "1").commit("fix(api): x").unwrap();
    builder.checkout().unwrap();
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
}

#[test]
fn not_a_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
}

#[test]
fn empty_repository() {
    let dir = tempfile::tempdir().unwrap();
    RepoBuilder::init(dir.path()).unwrap();
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
}

#[test]
fn shallow_clone() {
    let (source, mut builder) = repo(&[PACKAGE]);
    builder.write("apps/api/index.js", "1").commit("fix(api): x").unwrap();
    builder.checkout().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("clone");
    git_clone(source.path(), &clone, &["--depth", "1"]);
    insta::assert_snapshot!(transcript(&clone, &release(&clone, &["plan"])));
}

/// `git clone` of `source` over the file protocol (as from a server: depth and filters apply).
fn git_clone(source: &std::path::Path, clone: &std::path::Path, options: &[&str]) {
    let status = Command::new("git")
        .args(["clone", "--quiet"])
        .args(options)
        .arg(format!("file://{}", source.display()))
        .arg(clone)
        .env("LC_ALL", "C")
        .status()
        .unwrap();
    assert!(status.success(), "git clone {options:?}");
}

/// A partial clone (`--filter`, as actions/checkout can make): without blobs it plans the same as
/// a full clone; without trees (`tree:0`) the history's paths are not there, and it says how to
/// clone instead of failing inside git.
#[test]
fn partial_clones() {
    let (source, mut builder) = repo(&[PACKAGE]);
    builder.write("apps/api/index.js", "1").commit("fix(api): x").unwrap();
    builder.checkout().unwrap();
    for key in ["uploadpack.allowFilter", "uploadpack.allowAnySHA1InWant"] {
        let status = Command::new("git").current_dir(source.path()).args(["config", key, "true"]).status().unwrap();
        assert!(status.success());
    }
    let full = release(source.path(), &["plan", "--format", "json"]);
    assert!(full.status.success(), "{}", String::from_utf8_lossy(&full.stderr));
    let dir = tempfile::tempdir().unwrap();
    for filter in ["blob:none", "tree:0"] {
        let clone = dir.path().join(filter.replace(':', "-"));
        git_clone(source.path(), &clone, &["--no-local", &format!("--filter={filter}")]);
        let plan = release(&clone, &["plan", "--format", "json"]);
        if filter == "blob:none" {
            assert!(plan.status.success(), "{}", String::from_utf8_lossy(&plan.stderr));
            assert_eq!(plan.stdout, full.stdout, "a blob-less clone plans as the full one");
        } else {
            insta::assert_snapshot!(transcript(&clone, &plan));
        }
    }
}

#[test]
fn head_that_does_not_resolve() {
    let (dir, _builder) = repo(&[PACKAGE]);
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan", "--head", "release/next"])));
}

#[test]
fn commit_message_that_is_not_utf8_is_handled() {
    let (dir, builder) = repo(&[PACKAGE]);
    let repository = builder.repository();
    let parent = repository.head().unwrap().peel_to_commit().unwrap();
    let mut index = repository.index().unwrap();
    fs_err::write(dir.path().join("apps/api/index.js"), "latin-1").unwrap();
    index.add_path(std::path::Path::new("apps/api/index.js")).unwrap();
    index.write().unwrap();
    let tree = index.write_tree().unwrap();
    let mut raw = format!(
        "tree {tree}\nparent {}\nauthor a <a@example.com> 1735700000 +0000\ncommitter a <a@example.com> 1735700000 +0000\nencoding ISO-8859-1\n\nfix(api): caf",
        parent.id()
    )
    .into_bytes();
    raw.extend_from_slice(b"\xe9 au lait\n");
    let id = repository.odb().unwrap().write(git2::ObjectType::Commit, &raw).unwrap();
    repository.reference("refs/heads/main", id, true, "test").unwrap();
    let output = release(dir.path(), &["plan", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["packages"][0]["commits"][0]["summary"], "caf\u{fffd} au lait");
    assert_eq!(plan["packages"][0]["bump"], "patch");
}

#[test]
fn non_conventional_commit_when_they_are_errors() {
    let (dir, mut builder) = repo(&[PACKAGE, ("release.toml", "[versioning]\nnon-conventional = \"error\"\n")]);
    builder.write("apps/api/index.js", "1").commit("Update index.js").unwrap();
    builder.checkout().unwrap();
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
}

#[test]
fn unknown_package_filter_and_bad_pre_label() {
    let (dir, _builder) = repo(&[PACKAGE]);
    let unknown = release(dir.path(), &["plan", "--package", "apii"]);
    let bad_label = release(dir.path(), &["plan", "--pre", "rc.1"]);
    insta::assert_snapshot!(format!("{}\n{}", transcript(dir.path(), &unknown), transcript(dir.path(), &bad_label)));
}
