use std::path::Path;

use release_config::Config;

use super::*;

fn discover_files(files: &[(&str, &str)], config: &str) -> Result<Workspace, WorkspaceError> {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, content).unwrap();
    }
    let config = Config::parse(Path::new("release.toml"), config).unwrap();
    let names: Vec<String> = files.iter().map(|(path, _)| path.to_string()).collect();
    discover(dir.path(), &config, &names)
}

fn summary(workspace: &Workspace) -> Vec<String> {
    workspace
        .packages
        .iter()
        .map(|package| {
            let version = package.version.as_ref().map_or("-".to_string(), ToString::to_string);
            let dependencies: Vec<String> = package
                .dependencies
                .iter()
                .map(|dependency| {
                    format!("{}{}", dependency.name, if dependency.kind.propagates() { "" } else { "(dev)" })
                })
                .collect();
            format!(
                "{} {} {} [{}] {}",
                package.name,
                package.path,
                version,
                dependencies.join(","),
                package.tag.as_str()
            )
        })
        .collect()
}

#[test]
fn cargo_workspace_with_inherited_versions_and_internal_dependencies() {
    let workspace = discover_files(
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n[workspace.package]\nversion = \"1.4.0\"\n[workspace.dependencies]\ncore = { path = \"crates/core\", version = \"1.4\" }\nserde = \"1\"\n",
            ),
            ("crates/core/Cargo.toml", "[package]\nname = \"core\"\nversion.workspace = true\n"),
            (
                "crates/cli/Cargo.toml",
                "[package]\nname = \"cli\"\nversion = \"0.3.0\"\n[dependencies]\ncore.workspace = true\nserde.workspace = true\n[target.'cfg(unix)'.dev-dependencies]\nhelpers = { path = \"../helpers\" }\n",
            ),
            ("crates/helpers/Cargo.toml", "[package]\nname = \"helpers\"\nversion = \"0.1.0\"\n"),
            ("crates/skip/Cargo.toml", "[package]\nname = \"skip\"\nversion = \"9.0.0\"\n"),
            ("crates/core/examples/demo/Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.0.1\"\n"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(
        summary(&workspace),
        [
            "cli crates/cli 0.3.0 [core,helpers(dev)] {name}-v{version}",
            "core crates/core 1.4.0 [] {name}-v{version}",
            "helpers crates/helpers 0.1.0 [] {name}-v{version}",
        ]
    );
    assert!(workspace.packages[1].version_inherited);
}

#[test]
fn npm_and_pnpm_workspaces() {
    let files = [
        ("package.json", "{\"name\": \"root\", \"private\": true, \"workspaces\": [\"apps/*\"]}"),
        ("pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n"),
        (
            "apps/web/package.json",
            "{\"name\": \"web\", \"version\": \"2.1.0\", \"private\": true, \"dependencies\": {\"ui\": \"workspace:*\", \"react\": \"^18\"}}",
        ),
        (
            "packages/ui/package.json",
            "{\"name\": \"ui\", \"version\": \"1.0.0\", \"peerDependencies\": {\"react\": \"^18\"}}",
        ),
        ("packages/ui/template/package.json", "{\"name\": \"not-a-member\", \"version\": \"1.0.0\"}"),
    ];
    let workspace = discover_files(&files, "").unwrap();
    assert_eq!(
        summary(&workspace),
        ["web apps/web 2.1.0 [ui] {name}-v{version}", "ui packages/ui 1.0.0 [] {name}-v{version}"]
    );
}

#[test]
fn python_projects_and_a_single_package_repository() {
    let workspace = discover_files(
        &[
            ("services/api/pyproject.toml", "[project]\nname = \"api_service\"\nversion = \"0.4.0\"\ndependencies = [\"Shared.Models>=0.1\", \"fastapi\"]\n"),
            ("libs/shared/pyproject.toml", "[tool.poetry]\nname = \"shared-models\"\nversion = \"0.1.2\"\n"),
            ("tools/pyproject.toml", "[tool.ruff]\nline-length = 100\n"),
            ("services/worker/pyproject.toml", "[project]\nname = \"worker\"\ndynamic = [\"version\"]\n"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(
        summary(&workspace),
        [
            "shared-models libs/shared 0.1.2 [] {name}-v{version}",
            "api_service services/api 0.4.0 [shared-models] {name}-v{version}",
            "worker services/worker - [] {name}-v{version}",
        ]
    );
    let single = discover_files(&[("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n")], "").unwrap();
    assert_eq!(summary(&single), ["tool . 1.0.0 [] v{version}"]);
}

#[test]
fn explicit_packages_add_manifestless_folders_and_override_discovered_ones() {
    let files = [
        ("apps/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}"),
        ("infrastructure/main.tf", "terraform {}"),
    ];
    let config = "[[package]]\nname = \"api\"\ninclude = [\"proto/**\"]\ntag = \"api@v{version}\"\n[[package]]\nname = \"infrastructure\"\npath = \"infrastructure\"\n";
    let workspace = discover_files(&files, config).unwrap();
    assert_eq!(
        summary(&workspace),
        ["api apps/api 1.0.0 [] api@v{version}", "infrastructure infrastructure - [] {name}-v{version}"]
    );
    assert_eq!(workspace.packages[0].include, ["proto/**"]);
    assert_eq!(workspace.packages[1].ecosystem, None);
}

#[test]
fn bad_manifests_and_entries_are_named() {
    let check = |files: &[(&str, &str)], config: &str, expected: &str| {
        let error = discover_files(files, config).unwrap_err().to_string();
        assert!(error.starts_with(expected), "expected: {expected}\n     got: {error}");
    };
    check(&[("a/Cargo.toml", "[package\nname = 1")], "", "a/Cargo.toml:1:9: cannot parse manifest");
    check(
        &[("a/package.json", "{\"name\": \"a\",\n \"version\": }")],
        "",
        "a/package.json:2:13: cannot parse manifest",
    );
    check(
        &[("a/package.json", "{\"name\": \"a\", \"version\": \"1.0\"}")],
        "",
        "a/package.json: `version` is `1.0`, which is not a semantic version",
    );
    check(
        &[("a/package.json", "{\"name\": \"x\"}"), ("b/Cargo.toml", "[package]\nname = \"x\"\n")],
        "",
        "two packages are named `x`: `b/Cargo.toml` and `a/package.json`",
    );
    check(
        &[],
        "[[package]]\nname = \"infra\"\npath = \"infrastructure\"\n",
        "release.toml:1:1: package `infra` has path `infrastructure`, which does not exist",
    );
    check(&[], "[[package]]\nname = \"infra\"\n", "release.toml:1:1: package `infra` has no `path`");
}
