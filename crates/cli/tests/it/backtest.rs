//! `release backtest`: at each past release, the plan as it would have been computed then,
//! against what shipped.

use crate::release_cut::release_with;

/// Two npm packages: `api` released four times (agree, disagree, missed after its first), `ui`
/// released once and changed since without a release.
fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("package.json", "{\"private\": true, \"workspaces\": [\"packages/*\"]}\n");
    builder.write("packages/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}\n");
    builder.write("packages/ui/package.json", "{\"name\": \"ui\", \"version\": \"1.0.0\"}\n");
    builder.commit("feat: first").unwrap();
    builder.tag("api-v1.0.0").unwrap();
    builder.tag("ui-v1.0.0").unwrap();
    release(&mut builder, "fix: a bug", "1.0.1"); // agrees: a fix is a patch
    builder.write("packages/ui/index.js", "// ui\n");
    builder.commit("fix(ui): unreleased").unwrap();
    release(&mut builder, "feat: a feature", "1.0.2"); // disagrees: a feature is a minor
    release(&mut builder, "docs: words", "1.0.3"); // missed: docs release nothing
    builder.checkout().unwrap();
    dir
}

/// A change to `api`, then its release commit, tagged.
fn release(builder: &mut release_test_support::RepoBuilder, change: &str, version: &str) {
    builder.write("packages/api/index.js", format!("// {change}\n"));
    builder.commit(change).unwrap();
    builder.write("packages/api/package.json", format!("{{\"name\": \"api\", \"version\": \"{version}\"}}\n"));
    builder.commit(&format!("chore: release api {version}")).unwrap();
    builder.tag(&format!("api-v{version}")).unwrap();
}

#[test]
fn each_release_is_replanned_and_compared_with_what_shipped() {
    let dir = history();
    let output = release_with(dir.path(), &["backtest", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["points"], 4, "{report:#}");
    let api = report["scores"].as_array().unwrap().iter().find(|score| score["package"] == "api").unwrap();
    // The first release is not compared: it ships whatever its manifest said then.
    assert_eq!((api["shipped"].as_u64(), api["agree"].as_u64()), (Some(3), Some(1)), "{api:#}");
    assert_eq!((api["disagree"].as_u64(), api["missed"].as_u64()), (Some(1), Some(1)), "{api:#}");
    let ui = report["scores"].as_array().unwrap().iter().find(|score| score["package"] == "ui").unwrap();
    // At the releases of api after the ui fix, the plan would have released ui too.
    assert_eq!(ui["unshipped"].as_u64(), Some(2), "{ui:#}");
    let disagreement = report["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|comparison| comparison["verdict"] == "disagree")
        .unwrap();
    assert_eq!(disagreement["shipped"], "1.0.2");
    assert_eq!(disagreement["planned"], "1.1.0");
    assert_eq!(disagreement["reasons"][0]["summary"], "a feature", "{disagreement:#}");

    let output = release_with(dir.path(), &["backtest", "--releases", "1"], &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("agreement: 0 of 1 shipped releases (0%)"), "{text}");
    assert!(text.contains("api at "), "{text}");
    assert!(text.contains("shipped 1.0.3, the plan would not have released it"), "{text}");
}

#[test]
fn an_unknown_package_is_named_with_the_known_ones() {
    let dir = history();
    let output = release_with(dir.path(), &["backtest", "--package", "apx"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no package is named `apx` (hint: the packages are: api, ui)"), "{stderr}");
}

/// A repository that decides versions with change files: each release commit deletes them, so a
/// backtest reads those that were there at the release commit's parent (changesets/changesets
/// agreed on 15 of 338 releases while it read commits only).
#[test]
fn change_files_of_the_past_count_at_each_release_point() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("release.toml", "[versioning]\nsources = [\"commits\", \"changesets\"]\n");
    builder.write("packages/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}\n");
    builder.write("packages/ui/package.json", "{\"name\": \"ui\", \"version\": \"1.0.0\"}\n");
    builder.commit("chore: first").unwrap();
    builder.tag("api-v1.0.0").unwrap();
    builder.write("packages/api/index.js", "// more\n");
    builder.write(".changeset/brave-lions.md", "---\n\"api\": minor\n---\n\nA new endpoint.\n");
    builder.commit("chore: work (no conventional bump)").unwrap();
    builder.delete(".changeset/brave-lions.md");
    builder.write("packages/api/package.json", "{\"name\": \"api\", \"version\": \"1.1.0\"}\n");
    builder.commit("chore: version packages").unwrap();
    builder.tag("api-v1.1.0").unwrap();
    builder.checkout().unwrap();
    let output = release_with(dir.path(), &["backtest", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let api = report["scores"].as_array().unwrap().iter().find(|score| score["package"] == "api").unwrap();
    assert_eq!((api["shipped"].as_u64(), api["agree"].as_u64()), (Some(1), Some(1)), "{report:#}");
}
