//! npm: `package.json` and `package-lock.json`, through jsonc-parser's AST ranges.

use std::collections::BTreeMap;

use jsonc_parser::ast::{Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use semver::Version;

use crate::Versions;
use crate::edit::{Edits, split_bom};
use crate::error::{ManifestError, missing, not_semver, parse_error};
use crate::requirement::bump_requirement;

const DEPENDENCY_SECTIONS: [&str; 4] = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

/// Edits a `package.json`: the top-level `"version"` is set to `own` when it is `Some` (an error
/// when there is none), and the range of every dependency on a package in `versions`, in
/// `dependencies`, `devDependencies`, `peerDependencies` and `optionalDependencies`, is moved
/// with [`bump_requirement`]: `^`, `~` and exact ranges keep their prefix; `workspace:`, `file:`,
/// `link:`, `*`, git and URL specifiers, and ranges with `||`, spaces or hyphens are left alone.
///
/// Only the bytes of the changed string literals change: nothing is re-serialised.
pub fn edit_package_json(
    path: &str,
    text: &str,
    own: Option<&Version>,
    versions: &Versions,
) -> Result<String, ManifestError> {
    let (bom, body) = split_bom(text);
    let value = parse(path, body)?;
    let root = top_object(path, body, &value)?;
    let mut edits = Edits::new(body);
    if let Some(own) = own {
        if !set_versions(&mut edits, path, body, root, "version", "version", own)? {
            return Err(missing(path, "version", format!("add `\"version\": \"{own}\"` to the top-level object")));
        }
    }
    bump_ranges(&mut edits, root, &|name| versions.get(name));
    Ok(format!("{bom}{}", edits.apply()))
}

/// Edits a `package-lock.json` (lockfileVersion 2 or 3) without resolving anything.
///
/// `workspace_folders` maps a workspace package's folder (`"packages/ui"`, `""` for the root) to
/// its name and new version. Each folder's entry in `"packages"` gets its `"version"` set (an
/// error when the entry or its version is missing: the lockfile is stale), and for the root also
/// the legacy top-level `"version"`. In the entries of workspace folders (every key without a
/// `node_modules` segment) the dependency ranges on those packages are moved exactly as
/// [`edit_package_json`] moves them, so the lockfile keeps mirroring the `package.json` files
/// (`npm ci` checks that). Installed packages (`node_modules/...`, nested or not) never change.
pub fn edit_package_lock(
    path: &str,
    text: &str,
    workspace_folders: &BTreeMap<String, (String, Version)>,
) -> Result<String, ManifestError> {
    let (bom, body) = split_bom(text);
    let value = parse(path, body)?;
    let root = top_object(path, body, &value)?;
    match root.get("lockfileVersion").map(|property| &property.value) {
        Some(Value::NumberLit(number)) if matches!(number.value, "2" | "3") => {}
        Some(other) => {
            return Err(ManifestError::UnsupportedLockfile { path: path.to_string(), found: other.text(body).into() });
        }
        None => return Err(ManifestError::UnsupportedLockfile { path: path.to_string(), found: "absent".into() }),
    }
    let Some(packages) = root.get_object("packages") else {
        return Err(missing(path, "packages", "run `npm install` with npm 7 or later to write the `packages` section"));
    };

    let mut edits = Edits::new(body);
    for (folder, (_, version)) in workspace_folders {
        let folder = normalize_folder(folder);
        let key = format!("packages[\"{folder}\"]");
        let mut entries = objects_named(packages, folder).peekable();
        if entries.peek().is_none() {
            return Err(missing(path, key, "run `npm install` to add the workspace package to the lockfile"));
        }
        for entry in entries {
            let full_key = format!("{key}.version");
            if !set_versions(&mut edits, path, body, entry, "version", &full_key, version)? {
                return Err(missing(path, full_key, "run `npm install` to refresh the lockfile"));
            }
        }
        if folder.is_empty() {
            // The legacy top-level copy of the root version: set when present, never added.
            set_versions(&mut edits, path, body, root, "version", "version", version)?;
        }
    }

    let names: BTreeMap<&str, &Version> =
        workspace_folders.values().map(|(name, version)| (name.as_str(), version)).collect();
    for property in &packages.properties {
        let workspace_entry = !property.name.as_str().split('/').any(|segment| segment == "node_modules");
        if let (true, Value::Object(entry)) = (workspace_entry, &property.value) {
            bump_ranges(&mut edits, entry, &|name| names.get(name).copied());
        }
    }
    Ok(format!("{bom}{}", edits.apply()))
}

fn parse<'t>(path: &str, text: &'t str) -> Result<Option<Value<'t>>, ManifestError> {
    let result = parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
        .map_err(|error| parse_error(path, "JSON", text, error.range().start, &error.kind().to_string()))?;
    Ok(result.value)
}

fn top_object<'v, 't>(path: &str, text: &str, value: &'v Option<Value<'t>>) -> Result<&'v Object<'t>, ManifestError> {
    let found = match value {
        Some(Value::Object(object)) => return Ok(object),
        Some(Value::Array(_)) => "an array",
        Some(Value::StringLit(_)) => "a string",
        Some(Value::NumberLit(_)) => "a number",
        Some(Value::BooleanLit(_)) => "a boolean",
        Some(Value::NullKeyword(_)) => "null",
        None => "nothing",
    };
    let offset = value.as_ref().map_or(0, |value| value.start());
    Err(parse_error(path, "JSON", text, offset, &format!("expected an object at the top level, found {found}")))
}

/// Every property `name` of `object` (JSON allows duplicates; whichever one a reader keeps, it
/// holds the new value).
fn properties<'o, 't>(object: &'o Object<'t>, name: &'o str) -> impl Iterator<Item = &'o ObjectProp<'t>> + 'o {
    object.properties.iter().filter(move |property| property.name.as_str() == name)
}

fn objects_named<'o, 't>(object: &'o Object<'t>, name: &'o str) -> impl Iterator<Item = &'o Object<'t>> + 'o {
    properties(object, name).filter_map(|property| property.value.as_object())
}

/// Sets every string property `key` of `object` to `new`; `false` when there is none.
fn set_versions(
    edits: &mut Edits<'_>,
    path: &str,
    text: &str,
    object: &Object<'_>,
    key: &str,
    full_key: &str,
    new: &Version,
) -> Result<bool, ManifestError> {
    let mut found = false;
    for property in properties(object, key) {
        match &property.value {
            Value::StringLit(string) => {
                edits.replace_string(string.start()..string.end(), &string.value, &new.to_string())
            }
            other => return Err(not_semver(path, text, other.start(), full_key, other.text(text))),
        }
        found = true;
    }
    Ok(found)
}

fn bump_ranges<'v>(edits: &mut Edits<'_>, object: &Object<'_>, version_of: &dyn Fn(&str) -> Option<&'v Version>) {
    for section in DEPENDENCY_SECTIONS {
        for dependencies in objects_named(object, section) {
            for dependency in &dependencies.properties {
                let (Some(new), Value::StringLit(range)) = (version_of(dependency.name.as_str()), &dependency.value)
                else {
                    continue;
                };
                if let Some(bumped) = bump_requirement(&range.value, new) {
                    edits.replace_string(range.start()..range.end(), &range.value, &bumped);
                }
            }
        }
    }
}

/// `./packages/ui/` and `packages/ui` name the same entry; `.` is the root, `""`.
fn normalize_folder(folder: &str) -> &str {
    let folder = folder.strip_prefix("./").unwrap_or(folder).trim_end_matches('/');
    if folder == "." { "" } else { folder }
}
