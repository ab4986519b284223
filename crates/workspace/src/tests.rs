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
        &[("a/package.json", "{\"name\": \"x\"}"), ("b/Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\n")],
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

/// The packages, skipped packages and companions of a discovery, as lines.
fn outline(workspace: &Workspace) -> Vec<String> {
    let mut out = summary(workspace);
    for package in &workspace.packages {
        for companion in &package.companions {
            out.push(format!("{} also {}", package.name, companion.manifest));
        }
        if let Some(manifest_name) = &package.manifest_name {
            out.push(format!("{} is {manifest_name} in its manifest", package.name));
        }
    }
    out.extend(
        workspace
            .skipped
            .iter()
            .map(|skipped| format!("skipped {} {} ({})", skipped.name, skipped.path, skipped.reason)),
    );
    out
}

fn check(files: &[(&str, &str)], config: &str, expected: &[&str]) {
    let workspace = discover_files(files, config).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(outline(&workspace), expected);
}

/// A manifest that is not a member of the root workspace is never parsed: this one is broken.
const BROKEN_TOML: &str = "[package\nname = ";
const BROKEN_JSON: &str = "\u{feff}{\"name\": ";

/// Membership first: when the root is a workspace, only its members (and release.toml's listed
/// folders) are read. Regression: a test fixture's standalone Cargo workspace under
/// `tests/fixtures/` was planned (and its Cargo.toml bumped), and a broken manifest anywhere
/// failed the plan.
#[test]
fn membership_rules() {
    let root = ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/old\"]\n");
    let a = (
        "crates/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"1.0.0\"\n[dependencies]\nhelper = { path = \"../../tools/helper\" }\n",
    );
    // A path dependency inside the workspace folder is a member (cargo's rule).
    let helper = ("tools/helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n");
    let fixture = ("tests/fixtures/ws/Cargo.toml", "[workspace]\n[package]\nname = \"fixture\"\nversion = \"0.0.1\"\n");
    check(
        &[
            root,
            a,
            helper,
            fixture,
            ("crates/old/Cargo.toml", BROKEN_TOML),
            ("tests/fixtures/bad/Cargo.toml", BROKEN_TOML),
        ],
        "",
        &["a crates/a 1.0.0 [helper] {name}-v{version}", "helper tools/helper 0.1.0 [] {name}-v{version}"],
    );
    // Listed in release.toml, a fixture outside membership is a package.
    check(
        &[root, a, helper, fixture],
        "[[package]]\nname = \"fixture\"\npath = \"tests/fixtures/ws\"\n",
        &[
            "a crates/a 1.0.0 [helper] {name}-v{version}",
            "fixture tests/fixtures/ws 0.0.1 [] {name}-v{version}",
            "helper tools/helper 0.1.0 [] {name}-v{version}",
        ],
    );
    // npm workspaces (array or object), pnpm with `!` negations: nothing else is read.
    let member = ("packages/ui/package.json", "{\"name\": \"ui\", \"version\": \"1.0.0\"}");
    let in_tests = ("packages/ui/__tests__/fixture/package.json", BROKEN_JSON);
    let playground = ("playground/demo/package.json", BROKEN_JSON);
    let expected = ["ui packages/ui 1.0.0 [] v{version}"];
    check(
        &[("package.json", "{\"private\": true, \"workspaces\": [\"packages/*\"]}"), member, playground],
        "",
        &expected,
    );
    check(
        &[
            ("package.json", "{\"private\": true, \"workspaces\": {\"packages\": [\"packages/*\"]}}"),
            member,
            playground,
        ],
        "",
        &expected,
    );
    check(
        &[
            ("pnpm-workspace.yaml", "packages:\n  - 'packages/**'\n  - '!**/__tests__/**'\n"),
            member,
            in_tests,
            playground,
        ],
        "",
        &expected,
    );
    // uv workspace members and excludes; a virtual root is no package.
    let pyproject = |name: &str| format!("[project]\nname = \"{name}\"\nversion = \"0.2.0\"\n");
    let (core, legacy) = (pyproject("core"), pyproject("legacy"));
    check(
        &[
            ("pyproject.toml", "[tool.uv.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/legacy\"]\n"),
            ("packages/core/pyproject.toml", core.as_str()),
            ("packages/legacy/pyproject.toml", legacy.as_str()),
            ("examples/app/pyproject.toml", BROKEN_TOML),
        ],
        "",
        &["core packages/core 0.2.0 [] v{version}"],
    );
    // No root workspace: every manifest is read, as before (nested workspaces keep their rules).
    check(
        &[
            ("rust/Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
            ("rust/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"1.0.0\"\n"),
            ("rust/a/fixture/Cargo.toml", "[package]\nname = \"fixture\"\nversion = \"1.0.0\"\n"),
            ("web/package.json", "{\"name\": \"web\", \"version\": \"2.0.0\"}"),
        ],
        "",
        &["a rust/a 1.0.0 [] {name}-v{version}", "web web 2.0.0 [] {name}-v{version}"],
    );
}

/// A member's broken manifest still fails, with file, line and column.
#[test]
fn a_members_broken_manifest_still_fails() {
    let error = discover_files(
        &[("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"), ("crates/a/Cargo.toml", BROKEN_TOML)],
        "",
    )
    .unwrap_err();
    assert!(error.to_string().starts_with("crates/a/Cargo.toml:1:9: cannot parse manifest"), "{error}");
}

/// Packages that can never be published are not released, and are listed with the reason.
/// Regression: a private, versionless docs package was planned `0.1.0 -> 0.2.0`, and two
/// private, versionless test packages sharing a name failed the plan.
#[test]
fn skip_rules() {
    let root = ("package.json", "{\"private\": true, \"workspaces\": [\"*\", \"tests/*\"]}");
    let docs = ("docs/package.json", "{\"name\": \"docs\", \"private\": true}");
    let app = ("app/package.json", "{\"name\": \"app\", \"private\": true, \"version\": \"3.0.0\"}");
    let first = ("tests/one/package.json", "{\"name\": \"test-utils\", \"private\": true}");
    let second = ("tests/two/package.json", "{\"name\": \"test-utils\", \"private\": true}");
    check(
        &[root, docs, app, first, second],
        "",
        &[
            "app app 3.0.0 [] v{version}",
            "skipped docs docs (private, no version)",
            "skipped test-utils tests/one (private, no version)",
            "skipped test-utils tests/two (private, no version)",
        ],
    );
    check(
        &[root, docs, app],
        "[workspace]\nprivate = \"skip\"\n",
        &["skipped app app (private)", "skipped docs docs (private, no version)"],
    );
    // Named in release.toml, a private package is released.
    check(&[root, docs], "[[package]]\nname = \"docs\"\n", &["docs docs - [] v{version}"]);
    let cargo_root =
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nversion = \"2.0.0\"\n");
    check(
        &[
            cargo_root,
            ("crates/bench/Cargo.toml", "[package]\nname = \"bench\"\npublish = false\n"),
            ("crates/xtask/Cargo.toml", "[package]\nname = \"xtask\"\n"),
            ("crates/cli/Cargo.toml", "[package]\nname = \"cli\"\npublish = false\nversion.workspace = true\n"),
            ("crates/core/Cargo.toml", "[package]\nname = \"core\"\npublish = []\nversion = \"1.0.0\"\n"),
        ],
        "",
        &[
            "cli crates/cli 2.0.0 [] {name}-v{version}",
            "core crates/core 1.0.0 [] {name}-v{version}",
            "skipped bench crates/bench (publish = false, no version)",
            "skipped xtask crates/xtask (no version)",
        ],
    );
    // Two unrelated packages of one name stay an error when either can be released.
    let error = discover_files(
        &[root, first, ("tests/two/package.json", "{\"name\": \"test-utils\", \"version\": \"1.0.0\"}")],
        "",
    )
    .map(|workspace| outline(&workspace));
    assert!(error.is_ok(), "the private, versionless one is not a package: {error:?}");
    let error = discover_files(
        &[
            root,
            ("tests/one/package.json", "{\"name\": \"test-utils\", \"version\": \"1.0.0\"}"),
            ("tests/two/package.json", "{\"name\": \"test-utils\", \"version\": \"1.0.0\"}"),
        ],
        "",
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "two packages are named `test-utils`: `tests/one/package.json` and `tests/two/package.json` (hint: give one a `[[package]]` entry with another name, or skip one with `[workspace] ignore`)"
    );
}

/// A crate and its npm package in one folder, or a Tauri app and its `src-tauri` crate, are
/// one package with two manifests. Regression: "two packages are named ..." until the user
/// ignored files one by one.
#[test]
fn same_name_manifests_in_one_folder_are_one_package() {
    check(
        &[
            ("bindings/Cargo.toml", "[package]\nname = \"fast\"\nversion = \"1.2.0\"\n"),
            ("bindings/package.json", "{\"name\": \"fast\", \"version\": \"1.2.0\"}"),
        ],
        "",
        &["fast bindings 1.2.0 [] v{version}", "fast also bindings/package.json"],
    );
    check(
        &[
            ("examples/api/src-tauri/Cargo.toml", "[package]\nname = \"api\"\nversion = \"2.0.0\"\npublish = false\n"),
            ("examples/api/package.json", "{\"name\": \"api\", \"version\": \"2.0.0\", \"private\": true}"),
            ("plugins/fs/Cargo.toml", "[package]\nname = \"fs\"\nversion = \"2.1.0\"\n"),
        ],
        "",
        &[
            "api examples/api 2.0.0 [] {name}-v{version}",
            "fs plugins/fs 2.1.0 [] {name}-v{version}",
            "api also examples/api/package.json",
        ],
    );
    // Different names in one folder stay two packages.
    check(
        &[
            ("native/Cargo.toml", "[package]\nname = \"native-core\"\nversion = \"1.0.0\"\n"),
            ("native/package.json", "{\"name\": \"@acme/native\", \"version\": \"1.0.0\"}"),
        ],
        "",
        &["native-core native 1.0.0 [] {name}-v{version}", "@acme/native native 1.0.0 [] {name}-v{version}"],
    );
    let workspace = discover_files(
        &[
            ("bindings/Cargo.toml", "[package]\nname = \"fast\"\nversion = \"1.2.0\"\n"),
            ("bindings/package.json", "{\"name\": \"fast\", \"version\": \"1.1.0\"}"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(
        workspace.warnings,
        [
            "fast: `bindings/Cargo.toml` says 1.2.0 but `bindings/package.json` says 1.1.0; a release sets both to the next version"
        ]
    );
}

/// A `[[package]]` entry with a discovered package's path overrides it, whatever name it
/// gives. Regression: `plugin-legacy` beside `@vitejs/plugin-legacy` made a second package at
/// the same path, and both were planned.
#[test]
fn an_entry_with_a_discovered_path_overrides_that_package() {
    let files = [
        ("package.json", "{\"private\": true, \"workspaces\": [\"packages/*\"]}"),
        ("packages/plugin-legacy/package.json", "{\"name\": \"@vitejs/plugin-legacy\", \"version\": \"5.0.0\"}"),
        (
            "packages/vite/package.json",
            "{\"name\": \"vite\", \"version\": \"6.0.0\", \"devDependencies\": {\"@vitejs/plugin-legacy\": \"workspace:*\"}}",
        ),
    ];
    let entry =
        "[[package]]\nname = \"plugin-legacy\"\npath = \"packages/plugin-legacy\"\ntag = \"plugin-legacy@{version}\"\n";
    check(
        &files,
        entry,
        &[
            "plugin-legacy packages/plugin-legacy 5.0.0 [] plugin-legacy@{version}",
            "vite packages/vite 6.0.0 [plugin-legacy(dev)] {name}-v{version}",
            "plugin-legacy is @vitejs/plugin-legacy in its manifest",
        ],
    );
    let error =
        discover_files(&files, &format!("{entry}[[package]]\nname = \"legacy\"\npath = \"packages/plugin-legacy\"\n"))
            .unwrap_err();
    assert_eq!(
        error.to_string(),
        "release.toml:5:1: package `legacy` has path `packages/plugin-legacy`, the folder of `plugin-legacy` too (hint: one entry per package: give the name of the one this entry is for, or another path)"
    );
}

/// Cargo makes the path dependencies of members members too, also through
/// `[workspace.dependencies]`; outside the workspace's folder or excluded, they stay outside.
#[test]
fn cargo_path_dependencies_of_members_are_members() {
    check(
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/cli\"]\nexclude = [\"vendor/*\"]\n[workspace.dependencies]\nmacros = { path = \"tools/macros\" }\n",
            ),
            (
                "crates/cli/Cargo.toml",
                "[package]\nname = \"cli\"\nversion = \"1.0.0\"\n[dependencies]\nmacros.workspace = true\npatched = { path = \"../../vendor/patched\" }\n",
            ),
            ("tools/macros/Cargo.toml", "[package]\nname = \"macros\"\nversion = \"0.2.0\"\n"),
            ("vendor/patched/Cargo.toml", BROKEN_TOML),
        ],
        "",
        &["cli crates/cli 1.0.0 [macros] {name}-v{version}", "macros tools/macros 0.2.0 [] {name}-v{version}"],
    );
}
