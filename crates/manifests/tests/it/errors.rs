//! Every error, with its exact message.

use std::collections::BTreeMap;

use release_manifests::{
    ManifestError, Versions, edit_cargo_lock, edit_cargo_toml, edit_package_json, edit_package_lock, edit_pyproject,
    edit_version_file,
};

use crate::version;

fn message(result: Result<String, ManifestError>) -> String {
    match result {
        Ok(text) => panic!("expected an error, got {text:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn messages() {
    let none = Versions::new();
    let new = version("1.3.0");
    let old = version("1.2.3");
    let cargo = |text: &str| message(edit_cargo_toml("a/Cargo.toml", text, Some(&new), None, &none));
    let workspace = |text: &str| message(edit_cargo_toml("Cargo.toml", text, None, Some(&new), &none));
    let lock = |text: &str| message(edit_cargo_lock("Cargo.lock", text, &Versions::from([("a".into(), new.clone())])));
    let npm = |text: &str| message(edit_package_json("package.json", text, Some(&new), &none));
    let folders = BTreeMap::from([("packages/ui".to_string(), ("ui".to_string(), new.clone()))]);
    let npm_lock = |text: &str| message(edit_package_lock("package-lock.json", text, &folders));
    let python = |text: &str| message(edit_pyproject("pyproject.toml", text, Some(&new), &none));
    let plain = |text: &str| message(edit_version_file("VERSION", text, None, &old, &new));
    let marked = |text: &str| message(edit_version_file("README.md", text, Some("x-release"), &old, &new));

    let cases: Vec<(String, &str)> = vec![
        // Parse errors.
        (cargo("[package\nname = \"a\"\n"), "a/Cargo.toml:1:9: invalid TOML: unclosed table, expected `]`"),
        (
            npm("{\n  \"version\": \"1.2.3\",\n  \"name\" \"a\"\n}"),
            "package.json:3:10: invalid JSON: expected colon after the string or word in object property",
        ),
        (npm("[1, 2]"), "package.json:1:1: invalid JSON: expected an object at the top level, found an array"),
        (npm(""), "package.json:1:1: invalid JSON: expected an object at the top level, found nothing"),
        // Cargo.toml.
        (
            cargo("[package]\nname = \"a\"\n"),
            "a/Cargo.toml: no `package.version` to set (hint: add `version = \"1.3.0\"` under [package], or inherit it with `version.workspace = true`)",
        ),
        (
            cargo("[workspace]\nmembers = [\"a\"]\n"),
            "a/Cargo.toml: no `package.version` to set (hint: a manifest without [package] is a virtual workspace: version its members, or [workspace.package])",
        ),
        (
            cargo("[package]\nversion = 1\n"),
            "a/Cargo.toml:2:11: `package.version` is 1, not a version string (hint: write it as a string like \"1.2.3\")",
        ),
        (
            cargo("[package]\nversion = { workspace = false }\n"),
            "a/Cargo.toml:2:11: `package.version` is { workspace = false }, not a version string (hint: write it as a string like \"1.2.3\")",
        ),
        (
            workspace("[workspace]\nmembers = [\"a\"]\n"),
            "Cargo.toml: no `workspace.package.version` to set (hint: add `version = \"1.3.0\"` under [workspace.package])",
        ),
        (
            workspace("[workspace.package]\nedition = \"2024\"\n"),
            "Cargo.toml: no `workspace.package.version` to set (hint: add `version = \"1.3.0\"` under [workspace.package])",
        ),
        // Cargo.lock.
        (
            lock("[[package]]\nname = \"a\"\n"),
            "Cargo.lock: no `package.a.version` to set (hint: the lockfile is damaged: run `cargo generate-lockfile`)",
        ),
        (
            lock("[[package]]\nname = \"a\"\nversion = 3\n"),
            "Cargo.lock:3:11: `package.a.version` is 3, not a version string (hint: write it as a string like \"1.2.3\")",
        ),
        // package.json.
        (
            npm("{ \"name\": \"a\" }"),
            "package.json: no `version` to set (hint: add `\"version\": \"1.3.0\"` to the top-level object)",
        ),
        (
            npm("{\n  \"version\": 1.2\n}"),
            "package.json:2:14: `version` is 1.2, not a version string (hint: write it as a string like \"1.2.3\")",
        ),
        // package-lock.json.
        (
            npm_lock("{ \"lockfileVersion\": 1, \"dependencies\": {} }"),
            "package-lock.json: `lockfileVersion` is 1, expected 2 or 3 (hint: run `npm install` with npm 7 or later to upgrade the lockfile)",
        ),
        (
            npm_lock("{ \"name\": \"a\" }"),
            "package-lock.json: `lockfileVersion` is absent, expected 2 or 3 (hint: run `npm install` with npm 7 or later to upgrade the lockfile)",
        ),
        (
            npm_lock("{ \"lockfileVersion\": 3 }"),
            "package-lock.json: no `packages` to set (hint: run `npm install` with npm 7 or later to write the `packages` section)",
        ),
        (
            npm_lock("{ \"lockfileVersion\": 3, \"packages\": { \"\": {} } }"),
            "package-lock.json: no `packages[\"packages/ui\"]` to set (hint: run `npm install` to add the workspace package to the lockfile)",
        ),
        (
            npm_lock("{ \"lockfileVersion\": 3, \"packages\": { \"packages/ui\": { \"name\": \"ui\" } } }"),
            "package-lock.json: no `packages[\"packages/ui\"].version` to set (hint: run `npm install` to refresh the lockfile)",
        ),
        (
            npm_lock("{ \"lockfileVersion\": 3, \"packages\": { \"packages/ui\": { \"version\": null } } }"),
            "package-lock.json:1:67: `packages[\"packages/ui\"].version` is null, not a version string (hint: write it as a string like \"1.2.3\")",
        ),
        // pyproject.toml.
        (
            python("[project]\nname = \"a\"\n"),
            "pyproject.toml: no `project.version` to set (hint: add `version = \"1.3.0\"` under [project], or list \"version\" in `dynamic`)",
        ),
        (
            python("[tool.poetry]\nname = \"a\"\n"),
            "pyproject.toml: no `tool.poetry.version` to set (hint: add `version = \"1.3.0\"` under [tool.poetry])",
        ),
        (
            python("[tool.ruff]\nline-length = 100\n"),
            "pyproject.toml: no `project.version` to set (hint: add a [project] table with a `name` and `version = \"1.3.0\"`)",
        ),
        (
            python("[project]\nname = \"a\"\nversion = [1, 2]\n"),
            "pyproject.toml:3:11: `project.version` is [1, 2], not a version string (hint: write it as a string like \"1.2.3\")",
        ),
        // Version files.
        (
            plain("1.0.0\n"),
            "VERSION: holds \"1.0.0\", expected \"1.2.3\" (hint: the file must hold only the current version; the plan was made for \"1.2.3\")",
        ),
        (
            plain("version: 1.2.3\n"),
            "VERSION: holds \"version: 1.2.3\", expected \"1.2.3\" (hint: the file must hold only the current version; the plan was made for \"1.2.3\")",
        ),
        (
            marked("# App\n\nversion 1.2.3\n"),
            "README.md: no line contains the marker \"x-release\" (hint: put the marker on the line that holds the version, e.g. in a comment)",
        ),
        (
            marked("1.2.3 <!-- x-release -->\n\n1.2.3 <!-- x-release -->\n"),
            "README.md: 2 lines (1, 3) contain the marker \"x-release\", expected exactly one (hint: make the marker unique to the version line)",
        ),
        (
            marked("# App\nversion 1.2.30 <!-- x-release -->\n"),
            "README.md:2: the line with marker \"x-release\" holds neither \"1.2.3\" nor \"1.3.0\" (hint: write the current version \"1.2.3\" on that line)",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(actual, expected)| actual != expected)
        .map(|(actual, expected)| format!("expected: {expected}\n  actual: {actual}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
