//! `release init`: the first five minutes on a repository that already has a history.

use crate::release_cut::release_with;

/// Two npm packages; `ui` tagged `ui@1.2.0` (not the default convention), a fix since.
fn repository(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("package.json", "{\"private\": true, \"workspaces\": [\"packages/*\"]}\n");
    builder.write("packages/ui/package.json", "{\"name\": \"@acme/ui\", \"version\": \"1.2.0\"}\n");
    builder.write("packages/api/package.json", "{\"name\": \"api\", \"version\": \"0.3.0\"}\n");
    for (path, text) in extra {
        builder.write(path, *text);
    }
    builder.commit("feat: first").unwrap();
    builder.tag("ui@1.2.0").unwrap();
    builder.write("packages/ui/index.js", "export const ui = 1;\n");
    builder.commit("fix(ui): focus ring").unwrap();
    builder.checkout().unwrap();
    dir
}

#[test]
fn init_writes_the_inferred_tags_and_shows_the_plan_it_yields() {
    let dir = repository(&[]);
    let output = release_with(dir.path(), &["init"], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let config = fs_err::read_to_string(dir.path().join("release.toml")).unwrap();
    assert!(config.contains("[[package]]\nname = \"@acme/ui\"\ntag = \"ui@{version}\"\n"), "{config}");
    assert!(!config.contains("name = \"api\""), "api keeps the default: {config}");
    assert!(stdout.contains("wrote release.toml"), "{stdout}");
    // The plan at the end uses the written configuration: the fix releases ui 1.2.1, tagged its way.
    assert!(stdout.contains("1.2.1"), "{stdout}");
    let plan = release_with(dir.path(), &["plan", "--format", "json"], &[]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let ui = plan["packages"].as_array().unwrap().iter().find(|package| package["name"] == "@acme/ui").unwrap();
    assert_eq!(ui["next_tag"], "ui@1.2.1", "{plan:#}");
    assert!(plan["warnings"].as_array().unwrap().is_empty(), "pinned now: {plan:#}");

    let again = release_with(dir.path(), &["init"], &[]);
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("`release.toml` exists (hint: pass `--force` to replace it"), "{stderr}");
    let forced = release_with(dir.path(), &["init", "--force", "--ci", "github", "--format", "json"], &[]);
    assert_eq!(forced.status.code(), Some(0), "{}", String::from_utf8_lossy(&forced.stderr));
    let report: serde_json::Value = serde_json::from_slice(&forced.stdout).unwrap();
    assert_eq!(report["files"].as_array().unwrap().len(), 4, "{report:#}");
    assert!(dir.path().join(".github/workflows/release-plan.yml").is_file());
}

#[test]
fn a_dry_run_writes_nothing_and_shows_the_file() {
    let dir = repository(&[]);
    let output = release_with(dir.path(), &["init", "--dry-run"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("would write release.toml") && stdout.contains("tag = \"ui@{version}\""), "{stdout}");
    assert!(!dir.path().join("release.toml").exists());
}

#[test]
fn release_please_and_release_plz_tag_formats_carry_over() {
    let please = r#"{"packages": {"packages/api": {"component": "backend"}, "packages/ui": {"include-v-in-tag": false}}, "tag-separator": "/"}"#;
    let dir = repository(&[("release-please-config.json", please)]);
    let output = release_with(dir.path(), &["init", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tag = |name: &str| {
        report["packages"].as_array().unwrap().iter().find(|package| package["name"] == name).unwrap()["tag"].clone()
    };
    assert_eq!(tag("api"), "backend/v{version}", "{report:#}");
    assert_eq!(tag("@acme/ui"), "ui/{version}", "{report:#}");
    assert_eq!(report["migrated_from"][0], "release-please-config.json");

    let plz = "[workspace]\ngit_tag_name = \"{{ package }}@v{{ version }}\"\n";
    let dir = repository(&[("release-plz.toml", plz)]);
    let output = release_with(dir.path(), &["init", "--format", "json"], &[]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["packages"][0]["tag"], "{name}@v{version}", "{report:#}");

    let dir = repository(&[("release-please-config.json", "{not json")]);
    let output = release_with(dir.path(), &["init"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read `release-please-config.json` to carry its settings over"), "{stderr}");
    assert!(!dir.path().join("release.toml").exists());
}

/// A Rust repository released with cargo-release already has a release.toml: cargo-release's.
/// Init leaves it alone, writes ours to `.config/release.toml`, and carries `tag-name` over.
#[test]
fn a_cargo_release_configuration_stays_and_its_tag_name_carries_over() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    builder.write("crates/core/Cargo.toml", "[package]\nname = \"core\"\nversion = \"0.4.0\"\n");
    builder.write("crates/core/src/lib.rs", "");
    let theirs = "tag-name = \"{{crate_name}}-{{version}}\"\nsign-commit = true\npre-release-hook = [\"true\"]\n";
    builder.write("release.toml", theirs);
    builder.commit("feat: first").unwrap();
    builder.checkout().unwrap();
    let output = release_with(dir.path(), &["init"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(fs_err::read_to_string(dir.path().join("release.toml")).unwrap(), theirs);
    let ours = fs_err::read_to_string(dir.path().join(".config/release.toml")).unwrap();
    assert!(ours.contains("name = \"core\"\ntag = \"{name}-{version}\""), "{ours}");
    let plan = release_with(dir.path(), &["plan", "--format", "json"], &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", String::from_utf8_lossy(&plan.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["packages"][0]["next_tag"], "core-0.4.1", "{plan:#}");
}

/// A repository set up for changesets gets the change files turned on: its maintainers' intent
/// is in them, not in the commits.
#[test]
fn a_changesets_repository_gets_its_change_files_read() {
    let dir = repository(&[(".changeset/config.json", "{}\n")]);
    let output = release_with(dir.path(), &["init"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let config = fs_err::read_to_string(dir.path().join("release.toml")).unwrap();
    assert!(config.contains("[versioning]\nsources = [\"commits\", \"changesets\"]\n"), "{config}");
    let plan = release_with(dir.path(), &["plan", "--format", "json"], &[]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert!(plan["warnings"].as_array().unwrap().is_empty(), "no hint to turn them on: {plan:#}");
}

/// bevy, pnpm and pydantic-ai tag one version for the whole repository (`v0.14.0`), not per
/// package: init gives the repository its version, so plans and backtests see those releases.
#[test]
fn repository_wide_version_tags_give_the_repository_its_version() {
    let dir = repository(&[]);
    crate::release_cut::git(dir.path(), &["tag", "v4.0.0", "HEAD~1"]);
    let output = release_with(dir.path(), &["init"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let config = fs_err::read_to_string(dir.path().join("release.toml")).unwrap();
    assert!(config.contains("[repo]\ntag = \"v{version}\"\n"), "{config}");
    let plan = release_with(dir.path(), &["plan", "--format", "json"], &[]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["repo"]["current_version"], "4.0.0", "{plan:#}");
}

/// cocogitto's monorepo packages carry over: `NAME{monorepo_version_separator}{tag_prefix}{version}`.
#[test]
fn cocogitto_packages_carry_over() {
    let cog = "tag_prefix = \"v\"\nmonorepo_version_separator = \"@\"\n\n[packages.backend]\npath = \"packages/api\"\n";
    let dir = repository(&[("cog.toml", cog)]);
    let output = release_with(dir.path(), &["init", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let api = report["packages"].as_array().unwrap().iter().find(|package| package["name"] == "api").unwrap();
    assert_eq!(
        (api["tag"].as_str(), api["source"].as_str()),
        (Some("backend@v{version}"), Some("cog.toml")),
        "{report:#}"
    );
}
