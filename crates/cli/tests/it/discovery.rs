//! Discovery on repositories shaped like real monorepos: each test reproduces one way the first
//! `release plan` on a public monorepo went wrong (issue #11), with synthetic files.

use std::path::Path;

use crate::release_cut::{git, release_with};
use crate::{release, repo, transcript};

fn plan(dir: &Path) -> serde_json::Value {
    let output = release(dir, &["plan", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The packages planned, as `name path`.
fn planned(plan: &serde_json::Value) -> Vec<String> {
    let packages = plan["packages"].as_array().unwrap();
    packages
        .iter()
        .map(|package| format!("{} {}", package["name"].as_str().unwrap(), package["path"].as_str().unwrap()))
        .collect()
}

fn skipped(plan: &serde_json::Value) -> Vec<String> {
    let Some(skipped) = plan.get("skipped") else { return Vec::new() };
    skipped
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            format!(
                "{} {} ({})",
                package["name"].as_str().unwrap(),
                package["path"].as_str().unwrap(),
                package["reason"].as_str().unwrap()
            )
        })
        .collect()
}

fn warnings(plan: &serde_json::Value) -> Vec<String> {
    plan["warnings"].as_array().unwrap().iter().map(|warning| warning.as_str().unwrap().to_string()).collect()
}

const PNPM_ROOT: (&str, &str) = ("package.json", "{\"name\": \"monorepo\", \"private\": true}\n");

/// A pnpm monorepo's test fixture `package.json` starting with a BOM (and here broken too) is
/// outside the workspace's membership: it is never read, so it cannot fail the plan.
#[test]
fn a_broken_test_fixture_outside_membership_never_fails_the_plan() {
    let (dir, _) = repo(&[
        PNPM_ROOT,
        ("pnpm-workspace.yaml", "packages:\n  - 'packages/**'\n  - '!**/__tests__/**'\n"),
        ("packages/vite/package.json", "{\"name\": \"vite\", \"version\": \"6.0.0\"}\n"),
        ("packages/vite/src/__tests__/fixtures/bom/package.json", "\u{feff}{\"name\": \"bom\", \"version\": }\n"),
        ("examples/app/package.json", "{ not json\n"),
    ]);
    let plan = plan(dir.path());
    assert_eq!(planned(&plan), ["vite packages/vite"]);
}

/// Two private, versionless test packages of one name failed the plan with "two packages are
/// named"; a private, versionless docs package was planned `0.1.0 -> 0.2.0`. Neither can be
/// published: both are listed as not released, in text and in JSON.
#[test]
fn private_versionless_packages_are_listed_as_not_released() {
    let (dir, _) = repo(&[
        PNPM_ROOT,
        ("pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n  - 'playground/**'\n  - docs\n"),
        ("packages/vite/package.json", "{\"name\": \"vite\", \"version\": \"6.0.0\"}\n"),
        ("playground/alias/package.json", "{\"name\": \"@vitejs/test-dep\", \"private\": true}\n"),
        ("playground/ssr/package.json", "{\"name\": \"@vitejs/test-dep\", \"private\": true}\n"),
        (
            "docs/package.json",
            "{\"name\": \"docs\", \"private\": true, \"scripts\": {\"build\": \"vitepress build\"}}\n",
        ),
    ]);
    let plan = plan(dir.path());
    assert_eq!(planned(&plan), ["vite packages/vite"]);
    assert_eq!(
        skipped(&plan),
        [
            "@vitejs/test-dep playground/alias (private, no version)",
            "@vitejs/test-dep playground/ssr (private, no version)",
            "docs docs (private, no version)",
        ]
    );
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
    let output = release(dir.path(), &["plan", "--package", "docs"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: package `docs` at `docs` is not released: private, no version (hint: name it in a `[[package]]` entry of release.toml to release it)\n"
    );
}

/// A crate and its npm package in one folder, under one name, failed with "two packages are
/// named"; they are one package, and the cut writes the next version to both manifests.
#[test]
fn a_crate_and_its_npm_package_in_one_folder_are_one_package_cut_together() {
    let (dir, mut builder) = repo(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        ("crates/core/Cargo.toml", "[package]\nname = \"fast-core\"\nversion = \"0.4.0\"\n"),
        ("crates/core/package.json", "{\n  \"name\": \"fast-core\",\n  \"version\": \"0.4.0\"\n}\n"),
        ("crates/core/src/lib.rs", "\n"),
    ]);
    builder.write("crates/core/src/lib.rs", "pub fn fast() {}\n");
    builder.commit("feat: fast").unwrap();
    builder.checkout().unwrap();
    let plan = plan(dir.path());
    assert_eq!(planned(&plan), ["fast-core crates/core"]);
    assert_eq!(plan["packages"][0]["next_version"], "0.4.1");
    let output = release_with(dir.path(), &["cut", "--no-forge", "--no-push"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let read = |file: &str| fs_err::read_to_string(dir.path().join(file)).unwrap();
    assert!(read("crates/core/Cargo.toml").contains("version = \"0.4.1\""), "{}", read("crates/core/Cargo.toml"));
    assert!(
        read("crates/core/package.json").contains("\"version\": \"0.4.1\""),
        "{}",
        read("crates/core/package.json")
    );
    assert_eq!(git(dir.path(), &["tag", "--points-at", "HEAD"]), "v0.4.1\n");
}

/// A Tauri example app whose `package.json` and `src-tauri/Cargo.toml` are both named `api`
/// failed with "two packages are named `api`": it is one app.
#[test]
fn a_tauri_app_and_its_src_tauri_crate_are_one_package() {
    let (dir, _) = repo(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"plugins/*\", \"examples/*/src-tauri\"]\n"),
        ("plugins/fs/Cargo.toml", "[package]\nname = \"tauri-plugin-fs\"\nversion = \"2.0.0\"\n"),
        ("plugins/fs/package.json", "{\"name\": \"@tauri-apps/plugin-fs\", \"version\": \"2.0.0\"}\n"),
        ("examples/api/src-tauri/Cargo.toml", "[package]\nname = \"api\"\nversion = \"2.0.0\"\npublish = false\n"),
        ("examples/api/package.json", "{\"name\": \"api\", \"version\": \"2.0.0\", \"private\": true}\n"),
        PNPM_ROOT,
        ("pnpm-workspace.yaml", "packages:\n  - plugins/*\n  - examples/*\n"),
    ]);
    let plan = plan(dir.path());
    assert_eq!(planned(&plan), ["api examples/api", "tauri-plugin-fs plugins/fs", "@tauri-apps/plugin-fs plugins/fs"]);
}

/// A `[[package]]` with a discovered package's folder but its unscoped name made a second
/// package at the same path, and both were planned. It overrides that package.
#[test]
fn an_entry_with_a_discovered_folder_and_another_name_overrides_that_package() {
    let (dir, mut builder) = repo(&[
        PNPM_ROOT,
        ("pnpm-workspace.yaml", "packages:\n  - packages/*\n"),
        ("packages/plugin-legacy/package.json", "{\"name\": \"@vitejs/plugin-legacy\", \"version\": \"5.0.0\"}\n"),
        (
            "release.toml",
            "[[package]]\nname = \"plugin-legacy\"\npath = \"packages/plugin-legacy\"\ntag = \"plugin-legacy@{version}\"\n",
        ),
    ]);
    builder.write("packages/plugin-legacy/index.js", "export default {};\n");
    builder.commit("feat: legacy browsers").unwrap();
    builder.checkout().unwrap();
    let plan = plan(dir.path());
    assert_eq!(planned(&plan), ["plugin-legacy packages/plugin-legacy"]);
    assert_eq!(plan["packages"][0]["next_tag"], "plugin-legacy@5.1.0");
}

/// cargo-release's `release.toml` made every command fail: `unknown key pre-release-hook`. It
/// is recognised; the defaults apply with a warning, and `.config/release.toml` is read when
/// present.
#[test]
fn a_cargo_release_release_toml_is_not_an_error() {
    let cargo_release = "pre-release-hook = [\"./scripts/hook.sh\"]\ntag-name = \"v{{version}}\"\nshared-version = true\nsign-commit = true\n";
    let (dir, mut builder) =
        repo(&[("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n"), ("release.toml", cargo_release)]);
    let plan = plan(dir.path());
    assert_eq!(planned(&plan), ["tool ."]);
    assert_eq!(
        warnings(&plan)[0],
        "release.toml is cargo-release's configuration (keys `pre-release-hook`, `tag-name`, `shared-version`), not release's: using the defaults (hint: put release's configuration in .config/release.toml; cargo-release keeps release.toml)"
    );
    builder.write(".config/release.toml", "[[package]]\nname = \"tool\"\ntag = \"tool/{version}\"\n");
    builder.commit("fix: configure release").unwrap();
    builder.checkout().unwrap();
    let plan = self::plan(dir.path());
    assert_eq!(plan["packages"][0]["next_tag"], "tool/1.0.1");
    assert!(warnings(&plan).iter().all(|warning| !warning.contains("cargo-release")), "{:?}", warnings(&plan));
}

/// A Cargo monorepo whose `tests/fixtures/` hold small standalone workspaces: four of eleven
/// planned packages were fixtures, and the cut bumped their Cargo.toml and Cargo.lock. Outside
/// the root workspace they are not packages, and the cut leaves them alone.
#[test]
fn cargo_fixture_workspaces_under_tests_are_not_packages() {
    let fixture = "[workspace]\n\n[package]\nname = \"fixture-a\"\nversion = \"0.1.0\"\n";
    let (dir, mut builder) = repo(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        ("crates/tool/Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n"),
        ("tests/fixtures/a/Cargo.toml", fixture),
        ("tests/fixtures/a/Cargo.lock", "version = 3\n\n[[package]]\nname = \"fixture-a\"\nversion = \"0.1.0\"\n"),
        ("tests/fixtures/broken/Cargo.toml", "[package\n"),
    ]);
    builder.write("crates/tool/src/lib.rs", "pub fn tool() {}\n");
    builder.write("tests/fixtures/a/src/lib.rs", "pub fn a() {}\n");
    builder.commit("feat: tool and fixture").unwrap();
    builder.checkout().unwrap();
    let plan = plan(dir.path());
    assert_eq!(planned(&plan), ["tool crates/tool"]);
    let output = release_with(dir.path(), &["cut", "--no-forge", "--no-push"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(fs_err::read_to_string(dir.path().join("tests/fixtures/a/Cargo.toml")).unwrap(), fixture);
    let changed = git(dir.path(), &["show", "--name-only", "--format=", "HEAD"]);
    assert!(!changed.contains("tests/fixtures"), "{changed}");
}

/// Regression (googleapis/release-please): a single npm package whose test fixtures hold
/// package.json files, two of them with one name, failed every plan with "two packages are named".
/// A root that is a package of its own and no workspace is the repository's one package.
#[test]
fn a_single_package_repository_never_reads_its_fixtures_package_json_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("package.json", "{\"name\": \"tool\", \"version\": \"2.1.0\"}\n");
    builder.write("test/fixtures/node/package.json", "{\"name\": \"node-test-repo\", \"version\": \"1.0.0\"}\n");
    builder.write("test/fixtures/expo/package.json", "{\"name\": \"node-test-repo\", \"version\": \"1.0.0\"}\n");
    builder.write("test/fixtures/broken/package.json", "{ not json\n");
    builder.commit("feat: first").unwrap();
    builder.tag("v2.1.0").unwrap();
    builder.write("src/index.js", "export {};\n");
    builder.commit("fix: a bug").unwrap();
    builder.checkout().unwrap();
    let output = crate::release_cut::release_with(dir.path(), &["plan", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> =
        plan["packages"].as_array().unwrap().iter().map(|package| package["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["tool"], "{plan:#}");
    assert_eq!(plan["packages"][0]["next_version"], "2.1.1", "{plan:#}");
}

/// Regression (googleapis/release-please, astral-sh/ruff): with no workspace of their ecosystem,
/// manifests under test and fixture folders were packages (release-please's Cargo fixtures were
/// planned; ruff's deliberately invalid `pyproject.toml` fixture failed every plan). They are
/// fixtures; a root Python project without a workspace is the repository's one project.
#[test]
fn manifests_under_test_folders_and_below_a_root_project_are_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n");
    builder.write("src/lib.rs", "");
    builder.write("test/fixtures/ws/Cargo.toml", "[workspace]\nmembers = [\"a\"]\n");
    builder.write("test/fixtures/ws/a/Cargo.toml", "[package]\nname = \"pkgA\"\nversion = \"1.1.1\"\n");
    builder.write("pyproject.toml", "[project]\nname = \"tool-py\"\nversion = \"1.0.0\"\n");
    builder.write(
        "crates/linter/resources/test/fixtures/bad/pyproject.toml",
        "[project]\nname = \"x\"\nversion = \"...\"\n",
    );
    builder.write("scripts/pyproject.toml", "[project]\nname = \"scripts\"\nversion = \"0.0.1\"\n");
    builder.commit("feat: first").unwrap();
    builder.checkout().unwrap();
    let output = crate::release_cut::release_with(dir.path(), &["plan", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut names: Vec<&str> =
        plan["packages"].as_array().unwrap().iter().map(|package| package["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["tool", "tool-py"], "{plan:#}");
}

/// Regression (astral-sh/ruff): the root pyproject.toml is the wheel maturin builds from
/// `crates/ruff`, under the crate's name: "two packages are named `ruff`". They are one package
/// with two manifests.
#[test]
fn a_maturin_project_and_the_crate_it_builds_are_one_package() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    builder.write("crates/tool/Cargo.toml", "[package]\nname = \"tool\"\nversion = \"0.5.0\"\n");
    builder.write("crates/tool/src/main.rs", "fn main() {}\n");
    builder.write(
        "pyproject.toml",
        "[project]\nname = \"tool\"\nversion = \"0.5.0\"\n\n[tool.maturin]\nmanifest-path = \"crates/tool/Cargo.toml\"\n",
    );
    builder.commit("feat: first").unwrap();
    builder.checkout().unwrap();
    let output = crate::release_cut::release_with(dir.path(), &["cut", "--dry-run"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(diff.contains("+++ b/pyproject.toml") && diff.contains("+++ b/crates/tool/Cargo.toml"), "{diff}");
    assert!(diff.contains("+version = \"0.5.1\"") || diff.contains("+version = \"0.6.0\""), "{diff}");
}
