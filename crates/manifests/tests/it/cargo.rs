use release_manifests::{edit_cargo_lock, edit_cargo_toml};

use crate::golden::check;
use crate::{version, versions};

#[test]
fn member_manifest() {
    let versions = versions(&[("ui", "1.3.0"), ("core", "2.0.0"), ("widgets", "1.5.0"), ("ui-v0", "0.2.0")]);
    check("cargo_member", &[4, 8, 10, 14, 22, 25, 28, 31, 34], |text| {
        edit_cargo_toml("app/Cargo.toml", text, Some(&version("1.3.0")), None, &versions)
    });
}

#[test]
fn workspace_root_with_crlf_and_no_final_newline() {
    // The root package inherits the workspace version: `own` is given and must not error.
    let versions = versions(&[("ui", "1.3.0"), ("core", "1.3.0"), ("root", "1.3.0")]);
    check("cargo_workspace_crlf", &[6, 10, 11], |text| {
        edit_cargo_toml("Cargo.toml", text, Some(&version("1.3.0")), Some(&version("1.3.0")), &versions)
    });
}

#[test]
fn lockfile_members_and_same_name_registry_package() {
    // `serde` is in the map but comes from a registry: it is not ours to move.
    let versions = versions(&[("app", "1.3.0"), ("ui", "1.3.0"), ("core", "2.0.0"), ("serde", "9.9.9")]);
    check("cargo_lock", &[7, 10, 15, 40], |text| edit_cargo_lock("Cargo.lock", text, &versions));
}

#[test]
fn lockfile_with_crlf_and_no_final_newline() {
    let versions = versions(&[("app", "0.5.0")]);
    check("cargo_lock_crlf", &[5], |text| edit_cargo_lock("Cargo.lock", text, &versions));
}

#[test]
fn manifest_edits_in_one_line() {
    // (manifest, own, workspace version, versions, expected)
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case<'_>] = &[
        // Nothing asked, nothing changed, even a manifest without any version.
        ("[package]\nname = \"a\"\n", None, None, &[], "[package]\nname = \"a\"\n"),
        ("[package]\nversion = \"1.0.0\"\n", None, None, &[], "[package]\nversion = \"1.0.0\"\n"),
        // The inherited version, inline-table spelling.
        (
            "[package]\nversion = { workspace = true }\n",
            Some("2.0.0"),
            None,
            &[],
            "[package]\nversion = { workspace = true }\n",
        ),
        // Multi-line strings keep their delimiters.
        ("[package]\nversion = '''1.0.0'''\n", Some("2.0.0"), None, &[], "[package]\nversion = '''2.0.0'''\n"),
        // An escaped version is written back plainly.
        ("[package]\nversion = \"\\u0031.0.0\"\n", Some("2.0.0"), None, &[], "[package]\nversion = \"2.0.0\"\n"),
        // Build metadata is part of the own version, never of a requirement.
        (
            "[package]\nversion = \"1.0.0\"\n[dependencies]\nb = \"1.0.0\"\n",
            Some("1.1.0+build.5"),
            None,
            &[("b", "1.1.0+build.5")],
            "[package]\nversion = \"1.1.0+build.5\"\n[dependencies]\nb = \"1.1.0\"\n",
        ),
        // Legacy underscore tables and target-specific build dependencies.
        (
            "[dev_dependencies]\nb = \"1\"\n[target.'cfg(windows)'.build-dependencies.b]\nversion = \"1.0\"\n",
            None,
            None,
            &[("b", "2.1.0")],
            "[dev_dependencies]\nb = \"2\"\n[target.'cfg(windows)'.build-dependencies.b]\nversion = \"2.1\"\n",
        ),
        // A pre-release is written in full whatever the precision.
        ("[dependencies]\nb = \"1.2\"\n", None, None, &[("b", "2.0.0-rc.1")], "[dependencies]\nb = \"2.0.0-rc.1\"\n"),
        // A UTF-8 byte order mark stays.
        (
            "\u{feff}[package]\nversion = \"1.0.0\"\n",
            Some("1.0.1"),
            None,
            &[],
            "\u{feff}[package]\nversion = \"1.0.1\"\n",
        ),
    ];
    for (text, own, workspace, pairs, expected) in cases {
        let own = own.map(version);
        let workspace = workspace.map(version);
        let edited = edit_cargo_toml("Cargo.toml", text, own.as_ref(), workspace.as_ref(), &versions(pairs)).unwrap();
        assert_eq!(&edited, expected, "{text:?}");
    }
}
