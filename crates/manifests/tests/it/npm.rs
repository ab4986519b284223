use std::collections::BTreeMap;

use release_manifests::{Version, edit_package_json, edit_package_lock};

use crate::golden::check;
use crate::{version, versions};

#[test]
fn package_json_prefixes_and_untouchable_ranges() {
    let versions = versions(&[
        ("@acme/ui", "1.3.0"),
        ("@acme/core", "2.0.0"),
        ("@acme/widgets", "1.5.0"),
        ("@acme/linked", "1.3.0"),
        ("@acme/remote", "1.3.0"),
        ("@acme/x", "1.3.0"),
    ]);
    check("npm_package", &[6, 7, 8, 11, 26], |text| {
        edit_package_json("packages/app/package.json", text, Some(&version("1.3.0")), &versions)
    });
}

#[test]
fn package_json_with_bom_crlf_tabs_and_comments() {
    let versions = versions(&[("core", "2.0.0"), ("shared", "1.3.0")]);
    check("npm_package_bom_crlf_tabs", &[3, 6, 9], |text| {
        edit_package_json("package.json", text, Some(&version("1.3.0")), &versions)
    });
}

fn folders(entries: &[(&str, &str, &str)]) -> BTreeMap<String, (String, Version)> {
    entries.iter().map(|(folder, name, new)| (folder.to_string(), (name.to_string(), version(new)))).collect()
}

#[test]
fn package_lock_leaves_installed_copies_alone() {
    let folders =
        folders(&[("", "acme", "1.3.0"), ("packages/ui", "@acme/ui", "1.3.0"), ("packages/app", "@acme/app", "1.2.4")]);
    check("npm_lock", &[3, 9, 14, 40, 42, 53], |text| edit_package_lock("package-lock.json", text, &folders));
}

#[test]
fn package_lock_v2_with_crlf_and_a_dotted_folder() {
    let folders = folders(&[("./packages/ui/", "ui", "1.3.0")]);
    check("npm_lock_v2_crlf", &[16], |text| edit_package_lock("package-lock.json", text, &folders));
}

#[test]
fn package_json_edits_in_one_line() {
    // (package.json, own, versions, expected)
    type Case<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case<'_>] = &[
        (r#"{"version":"1.0.0"}"#, None, &[], r#"{"version":"1.0.0"}"#),
        (r#"{"name":"a"}"#, None, &[("b", "2.0.0")], r#"{"name":"a"}"#),
        // Duplicate keys: whichever one a reader keeps holds the new value.
        (r#"{"version":"1.0.0","version":"1.0.0"}"#, Some("1.1.0"), &[], r#"{"version":"1.1.0","version":"1.1.0"}"#),
        // An escaped range is written back plainly.
        (r#"{"dependencies":{"b":"\u005e1.0.0"}}"#, None, &[("b", "1.1.0")], r#"{"dependencies":{"b":"^1.1.0"}}"#),
        // npm's `v` and spaces after the operator survive.
        (r#"{"dependencies":{"b":"~ v1.0.0"}}"#, None, &[("b", "1.1.0")], r#"{"dependencies":{"b":"~ v1.1.0"}}"#),
        // Only the four dependency sections are read.
        (r#"{"bundleDependencies":{"b":"1.0.0"}}"#, None, &[("b", "1.1.0")], r#"{"bundleDependencies":{"b":"1.0.0"}}"#),
    ];
    for (text, own, pairs, expected) in cases {
        let own = own.map(version);
        let edited = edit_package_json("package.json", text, own.as_ref(), &versions(pairs)).unwrap();
        assert_eq!(&edited, expected, "{text}");
    }
}
