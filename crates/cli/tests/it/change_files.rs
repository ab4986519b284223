//! Change files (changesets, covector) end to end: `release change` writes one, the plan takes it
//! as a reason, and `release cut` releases it and deletes it in the release commit.

use crate::release_cut::{commit, git, release_with, setup};

fn opt_in(work: &std::path::Path, sources: &str) {
    let path = work.join("release.toml");
    let mut config = fs_err::read_to_string(&path).unwrap_or_default();
    config.push_str(&format!("\n[versioning]\nsources = {sources}\n"));
    fs_err::write(&path, config).unwrap();
}

fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_change_file_is_planned_released_and_deleted_in_the_release_commit() {
    let setup = setup("single-package");
    let work = &setup.work;
    opt_in(work, "[\"commits\", \"changesets\"]");
    let message = "Add the `--json` flag";
    let written = json(&release_with(
        work,
        &["change", "--package", "tool", "--bump", "minor", "--message", message, "--format", "json"],
        &[],
    ));
    assert_eq!(written["path"], ".changeset/add-the-json-flag.md");
    assert_eq!(written["format"], "changesets");
    commit(work, "chore: add a change file");
    git(work, &["push", "--quiet"]);

    let plan = json(&release_with(work, &["plan", "--format", "json"], &[]));
    let tool = &plan["packages"][0];
    assert_eq!(tool["bump"], "minor", "{plan}");
    let reason = tool["reasons"].as_array().unwrap().iter().find(|reason| reason["kind"] == "change_file").unwrap();
    assert_eq!(reason["path"], ".changeset/add-the-json-flag.md");
    assert_eq!(reason["summary"], message);
    assert_eq!(plan["change_files"], serde_json::json!([".changeset/add-the-json-flag.md"]));
    let next = tool["next_version"].as_str().unwrap().to_string();

    let cut = release_with(work, &["cut", "--no-forge"], &[]);
    assert!(cut.status.success(), "{}", String::from_utf8_lossy(&cut.stderr));
    let files = git(work, &["show", "--name-status", "--format=", "HEAD"]);
    assert!(files.contains("D\t.changeset/add-the-json-flag.md"), "{files}");
    assert!(!work.join(".changeset/add-the-json-flag.md").exists());
    let changelog = fs_err::read_to_string(work.join("CHANGELOG.md")).unwrap();
    assert!(changelog.contains(&format!("## {next}")) || changelog.contains(&format!("[{next}]")), "{changelog}");
    assert!(changelog.contains("- Add the `--json` flag\n"), "{changelog}");
    let manifest = fs_err::read_to_string(work.join("Cargo.toml")).unwrap();
    assert!(manifest.contains(&format!("version = \"{next}\"")), "{manifest}");
    assert_eq!(git(work, &["status", "--porcelain"]), "");
    // Released: the next plan has nothing from it.
    let after = json(&release_with(work, &["plan", "--format", "json"], &[]));
    assert_eq!(after["packages"][0]["bump"], "none", "{after}");
}

#[test]
fn a_change_file_naming_an_unknown_package_stops_the_plan_and_names_the_file() {
    let setup = setup("single-package");
    let work = &setup.work;
    opt_in(work, "[\"commits\", \"covector\"]");
    fs_err::create_dir_all(work.join(".changes")).unwrap();
    fs_err::write(work.join(".changes/typo.md"), "---\n\"tol\": patch:bug\n---\n\nFix it\n").unwrap();
    let output = release_with(work, &["plan"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(".changes/typo.md: unknown package `tol` (hint: did you mean `tool`?"), "{stderr}");
}

#[test]
fn change_files_that_are_not_opted_into_are_a_warning_with_the_line_to_add() {
    let setup = setup("single-package");
    let work = &setup.work;
    fs_err::create_dir_all(work.join(".changeset")).unwrap();
    fs_err::write(work.join(".changeset/config.json"), "{}\n").unwrap();
    fs_err::write(work.join(".changeset/a.md"), "---\n\"tool\": major\n---\n\nBig\n").unwrap();
    let plan = json(&release_with(work, &["plan", "--format", "json"], &[]));
    assert_ne!(plan["packages"][0]["bump"], "major", "not read without the opt-in: {plan}");
    let warnings = plan["warnings"].to_string();
    assert!(warnings.contains("sources = [\\\"commits\\\", \\\"changesets\\\"]"), "{warnings}");
    // `release change` refuses to write a file that nothing would read.
    let output = release_with(work, &["change", "-p", "tool", "--bump", "patch", "-m", "x"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no change-file source is on"));
}

#[test]
fn release_change_says_what_it_wrote_and_the_plan_table_shows_the_file() {
    let setup = setup("single-package");
    let work = &setup.work;
    opt_in(work, "[\"covector\"]");
    let output = release_with(work, &["change", "-p", "tool", "--bump", "patch", "-m", "Fix the exit code"], &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!(
        String::from_utf8_lossy(&output.stdout),
        @"wrote .changes/fix-the-exit-code.md (tool patch, covector format)"
    );
    let text = fs_err::read_to_string(work.join(".changes/fix-the-exit-code.md")).unwrap();
    assert_eq!(text, "---\n\"tool\": patch\n---\n\nFix the exit code\n");
    let plan = release_with(work, &["plan"], &[]);
    let table = String::from_utf8_lossy(&plan.stdout);
    assert!(table.contains(".changes/fix-the-exit-code.md: Fix the exit code"), "{table}");
    // An unknown package is refused before anything is written.
    let output = release_with(work, &["change", "-p", "tol", "--bump", "patch", "-m", "x"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no package is named `tol` (hint: did you mean `tool`?)"));
    // Without a terminal nothing is asked: a missing flag is named.
    let output = release_with(work, &["change", "-p", "tool", "-m", "x"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`release change` needs `--bump`"), "{stderr}");
}

/// Regression (tauri-apps/plugins-workspace): covector names packages in `.changes/config.json`
/// (`fs-js` is the npm package in `plugins/fs`, beside the crate `fs`) and tags by those names,
/// and a change file for a private example app is no release: the plan failed with "unknown package `fs-js`".
#[test]
fn covector_package_names_are_read_from_its_config_and_private_apps_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write("release.toml", "[versioning]\nsources = [\"commits\", \"covector\"]\n");
    builder.write(
        ".changes/config.json",
        r#"{"packages": {"fs": {"path": "./plugins/fs", "manager": "rust"}, "fs-js": {"path": "./plugins/fs", "manager": "javascript"}, "app": {"path": "./examples/app", "manager": "javascript", "publish": false}}}"#,
    );
    builder.write("plugins/fs/Cargo.toml", "[package]\nname = \"tauri-plugin-fs\"\nversion = \"2.0.0\"\n");
    builder.write("plugins/fs/src/lib.rs", "");
    builder.write("plugins/fs/package.json", "{\"name\": \"@tauri-apps/plugin-fs\", \"version\": \"2.0.0\"}\n");
    builder.write("examples/app/package.json", "{\"name\": \"app\", \"private\": true}\n");
    builder.commit("feat: first").unwrap();
    // Tagged by covector's names, as covector does.
    builder.tag("fs-v2.0.0").unwrap();
    builder.tag("fs-js-v2.0.0").unwrap();
    builder.write(".changes/write-text.md", "---\n\"fs-js\": minor\n\"app\": patch\n---\n\nAdd `writeTextFile`.\n");
    builder.commit("chore: a change file").unwrap();
    builder.checkout().unwrap();
    let output = crate::release_cut::release_with(dir.path(), &["plan", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = |name: &str| {
        plan["packages"].as_array().unwrap().iter().find(|package| package["name"] == name).unwrap().clone()
    };
    assert_eq!(package("@tauri-apps/plugin-fs")["next_version"], "2.1.0", "{plan:#}");
    assert_eq!(package("@tauri-apps/plugin-fs")["previous_tag"], "fs-js-v2.0.0", "{plan:#}");
    assert_eq!(package("@tauri-apps/plugin-fs")["next_tag"], "fs-js-v2.1.0", "{plan:#}");
    assert_eq!(package("tauri-plugin-fs")["previous_tag"], "fs-v2.0.0", "{plan:#}");
    assert_eq!(package("tauri-plugin-fs")["next_version"], "2.0.0", "{plan:#}");
    let warnings = plan["warnings"].to_string();
    assert!(warnings.contains(".changes/write-text.md: package `app` is not released"), "{warnings}");
}
