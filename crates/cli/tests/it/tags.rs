//! Tags as repositories already have them: with no template in release.toml, a package's
//! previous release is found under the usual conventions, and the plan says which it used.

use crate::release_cut::{git, release_with};

/// A repository with two npm packages, the tags given (at the first commit), then a fix to each.
fn repository(tags: &[&str], config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("package.json", "{\"private\": true, \"workspaces\": [\"packages/*\"]}\n");
    builder.write("packages/ui/package.json", "{\"name\": \"@acme/ui\", \"version\": \"0.0.0\"}\n");
    builder.write("packages/api/package.json", "{\"name\": \"api\", \"version\": \"0.0.0\"}\n");
    if let Some(config) = config {
        builder.write("release.toml", config);
    }
    builder.commit("feat: first").unwrap();
    for tag in tags {
        builder.tag(tag).unwrap();
    }
    builder.write("packages/ui/index.js", "export const ui = 1;\n");
    builder.write("packages/api/index.js", "export const api = 1;\n");
    builder.commit("fix: both").unwrap();
    builder.checkout().unwrap();
    dir
}

fn plan(dir: &std::path::Path) -> serde_json::Value {
    let output = release_with(dir, &["plan", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn package<'p>(plan: &'p serde_json::Value, name: &str) -> &'p serde_json::Value {
    plan["packages"].as_array().unwrap().iter().find(|package| package["name"] == name).unwrap()
}

fn warnings(plan: &serde_json::Value) -> Vec<String> {
    plan["warnings"].as_array().unwrap().iter().map(|warning| warning.as_str().unwrap().to_string()).collect()
}

/// Scoped packages got `@scope/name-v1.2.3` tags by default, and with no tag matching, the plan
/// silently started from the manifest and walked the whole history.
#[test]
fn a_package_tagged_under_another_convention_is_found_and_the_plan_says_so() {
    let dir = repository(&["ui@1.2.0", "api@v2.0.0"], None);
    let plan = plan(dir.path());
    let ui = package(&plan, "@acme/ui");
    assert_eq!((ui["current_version"].as_str(), ui["next_version"].as_str()), (Some("1.2.0"), Some("1.2.1")));
    assert_eq!(ui["next_tag"], "ui@1.2.1");
    let api = package(&plan, "api");
    assert_eq!((api["current_version"].as_str(), api["next_tag"].as_str()), (Some("2.0.0"), Some("api@v2.0.1")));
    let warnings = warnings(&plan);
    assert!(
        warnings.iter().any(|warning| warning.contains("package `@acme/ui` has no tags like `@acme/ui-v1.0.0`; its tags look like `ui@1.2.0`, so `ui@{version}` is used (hint: pin it in release.toml: a `[[package]]` entry with name = \"@acme/ui\" and tag = \"ui@{version}\")")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|warning| warning.contains("its tags look like `api@v2.0.0`, so `{name}@v{version}` is used")),
        "{warnings:#?}"
    );

    // What the plan says is what the cut tags.
    let output = release_with(dir.path(), &["cut", "--no-forge", "--no-push"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(git(dir.path(), &["tag", "--points-at", "HEAD"]), "api@v2.0.1\nui@1.2.1\n");
}

#[test]
fn two_conventions_are_a_warning_and_the_newest_wins() {
    let dir = repository(&["api-v1.0.0", "api@1.1.0"], None);
    let plan = plan(dir.path());
    assert_eq!(package(&plan, "api")["current_version"], "1.1.0");
    assert_eq!(package(&plan, "api")["next_tag"], "api@1.1.1");
    let warnings = warnings(&plan);
    assert!(
        warnings.iter().any(|warning| warning
            .contains("package `api` has tags of 2 conventions (`api-v1.0.0`, `api@1.1.0`); the newest, `{name}@{version}`, is used")),
        "{warnings:#?}"
    );
}

#[test]
fn an_explicit_template_always_wins_and_the_default_says_nothing() {
    let config = "[[package]]\nname = \"api\"\ntag = \"api-v{version}\"\n";
    let dir = repository(&["api@9.0.0", "@acme/ui-v1.0.0"], Some(config));
    let plan = plan(dir.path());
    assert_eq!(package(&plan, "api")["current_version"], "0.0.0", "the configured template has no tag yet");
    assert_eq!(package(&plan, "@acme/ui")["current_version"], "1.0.0");
    assert!(warnings(&plan).iter().all(|warning| !warning.contains("convention") && !warning.contains("look like")));
}
