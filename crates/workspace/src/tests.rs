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

/// Regression: each of these used to be skipped without a word, so the plan silently lost
/// packages (or, for `../` members, matched a folder of the same name inside the repository).
/// Each ecosystem's own tool refuses them, so they are errors naming the file and line.
#[test]
fn manifests_their_tools_refuse_are_errors_with_file_and_line() {
    let check = |files: &[(&str, &str)], expected: &str| {
        let error = discover_files(files, "").unwrap_err();
        assert!(!matches!(error, WorkspaceError::Io(_)), "{error:?} is not bad input");
        let error = error.to_string();
        assert!(error.starts_with(expected), "expected: {expected}\n     got: {error}");
    };
    let member = ("packages/a/package.json", "{\"name\": \"a\", \"version\": \"1.0.0\"}");
    let root = ("package.json", "{\"name\": \"root\", \"private\": true}");
    check(
        &[root, ("pnpm-workspace.yaml", "packages:\n  - 'packages/*\n"), member],
        "pnpm-workspace.yaml:2:5: cannot parse",
    );
    check(
        &[root, ("pnpm-workspace.yaml", "packages: packages/*\n"), member],
        "pnpm-workspace.yaml:1: `packages` must be a list, not the string \"packages/*\"",
    );
    check(
        &[("package.json", "{\"private\": true,\n \"workspaces\": \"packages/*\"}"), member],
        "package.json:2: `workspaces` must be a list, not the string \"packages/*\" (hint: npm reads",
    );
    check(
        &[("package.json", "{\"workspaces\": {\"packages\": [\"a\",\n 7]}}"), member],
        "package.json:2: `workspaces.packages` must be a list of non-empty strings, not the number 7",
    );
    check(
        &[("apps/web/package.json", "{\n  \"version\": \"1.0.0\",\n  \"name\": 5\n}")],
        "apps/web/package.json:3: `name` must be a non-empty string, not the number 5 (hint:",
    );
    check(
        &[("a/package.json", "{\"name\": [\"a\"]}")],
        "a/package.json:1: `name` must be a non-empty string, not a list",
    );
    check(
        &[("a/package.json", "{\"name\": \"\"}")],
        "a/package.json:1: `name` must be a non-empty string, not an empty string",
    );
    check(
        &[("a/Cargo.toml", "[package]\nversion = \"1.0.0\"\nname = 5\n")],
        "a/Cargo.toml:3: `package.name` must be a non-empty string, not the integer 5",
    );
    check(
        &[("a/pyproject.toml", "[project]\nname = true\n")],
        "a/pyproject.toml:2: `project.name` must be a non-empty string, not the boolean true",
    );
    check(
        &[("Cargo.toml", "[workspace]\nmembers = \"crates/*\"\n")],
        "Cargo.toml:2: `workspace.members` must be a list, not the string \"crates/*\" (hint: cargo reads",
    );
    check(
        &[("Cargo.toml", "[workspace]\nmembers = [\n  \"crates/*\",\n  \"../outside\",\n]\n")],
        "Cargo.toml:4: workspace member `../outside` is outside the repository (hint: cargo requires",
    );
    check(
        &[("rust/Cargo.toml", "[workspace]\nmembers = [\"../../x\"]\n")],
        "rust/Cargo.toml:2: workspace member `../../x` is outside the repository",
    );
    check(
        &[("Cargo.toml", "[workspace]\nmembers = [\"/opt/x\"]\n")],
        "Cargo.toml:2: workspace member `/opt/x` is outside",
    );
}

/// Regression: a manifest that is not UTF-8 was an I/O error (exit 2, "unexpected") instead of
/// bad input naming the file.
#[test]
fn a_manifest_that_is_not_utf8_is_bad_input_with_its_line() {
    for (file, content) in [
        ("a/package.json", &b"{\"name\": \"a\",\n \"description\": \"caf\xe9\"}"[..]),
        ("a/Cargo.toml", &b"[package]\nname = \"caf\xe9\"\n"[..]),
        ("a/pyproject.toml", &b"[project]\nname = \"caf\xe9\"\n"[..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(dir.path().join("a")).unwrap();
        fs_err::write(dir.path().join(file), content).unwrap();
        let config = Config::parse(Path::new("release.toml"), "").unwrap();
        let error = discover(dir.path(), &config, &[file.to_string()]).unwrap_err();
        assert!(matches!(error, WorkspaceError::NotUtf8 { line: 2, .. }), "{file}: {error:?}");
        assert!(error.to_string().starts_with(&format!("{file}:2:")), "{error}");
    }
}

/// npm and pnpm link a member outside the workspace root, so one outside the repository is
/// not an error; it cannot be released from here, so it is a warning naming file and line.
#[test]
fn npm_and_pnpm_members_outside_the_repository_are_warnings() {
    let files = [
        ("package.json", "{\"private\": true,\n \"workspaces\": [\"apps/*\",\n  \"../shared/*\"]}"),
        ("pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n  - '../../vendor/*'\n"),
        ("apps/web/package.json", "{\"name\": \"web\", \"version\": \"1.0.0\"}"),
        // `../shared/*` used to lose its `..` at the root and match this folder.
        ("shared/lib/package.json", "{\"name\": \"lib\", \"version\": \"1.0.0\"}"),
    ];
    let workspace = discover_files(&files, "").unwrap();
    assert_eq!(summary(&workspace), ["web apps/web 1.0.0 [] v{version}"]);
    assert_eq!(
        workspace.warnings,
        [
            "package.json:3: workspace member `../shared/*` is outside the repository; skipped (release versions only packages tracked in this repository)",
            "pnpm-workspace.yaml:3: workspace member `../../vendor/*` is outside the repository; skipped (release versions only packages tracked in this repository)",
        ]
    );
    // Inside the repository `..` is fine.
    let files = [
        ("web/pnpm-workspace.yaml", "packages:\n  - '../libs/*'\n"),
        ("web/package.json", "{\"name\": \"root\", \"private\": true}"),
        ("libs/ui/package.json", "{\"name\": \"ui\", \"version\": \"1.0.0\"}"),
    ];
    let workspace = discover_files(&files, "").unwrap();
    assert_eq!(summary(&workspace), ["ui libs/ui 1.0.0 [] v{version}"]);
    assert!(workspace.warnings.is_empty());
}

/// A test fixture's package.json that starts with a UTF-8 BOM failed the whole plan
/// (`cannot parse manifest: expected value`); npm reads it.
#[test]
fn a_package_json_with_a_byte_order_mark_is_read() {
    let workspace = discover_files(
        &[
            ("package.json", "{\"private\": true, \"workspaces\": [\"packages/*\"]}\n"),
            ("packages/ui/package.json", "\u{feff}{\"name\": \"ui\", \"version\": \"1.2.0\"}\n"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(summary(&workspace), ["ui packages/ui 1.2.0 [] v{version}"]);
}
