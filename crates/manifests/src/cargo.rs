//! Cargo: `Cargo.toml` and `Cargo.lock`.

use std::collections::BTreeMap;

use semver::Version;
use toml_edit::{Item, TableLike};

use crate::Versions;
use crate::edit::{Edits, split_bom};
use crate::error::{ManifestError, missing, not_semver};
use crate::requirement::bump_requirement;
use crate::toml::{parse, set_version, string, table_at};

/// The dependency tables of a manifest, also under `[target.<cfg>]`. Cargo still reads the
/// underscore spellings of older editions, so they are edited too.
const DEPENDENCY_TABLES: [&str; 5] =
    ["dependencies", "dev-dependencies", "build-dependencies", "dev_dependencies", "build_dependencies"];

/// Edits a `Cargo.toml`:
///
/// - `[package].version` is set to `own` when it is `Some`. A manifest without that field is an
///   error then, except when it inherits the workspace's (`version.workspace = true`), which is
///   left alone: `workspace_version` moves it.
/// - `[workspace.package].version` is set to `workspace_version` when it is `Some` (an error when
///   there is no such field).
/// - The version requirement of every dependency on a package in `versions` is moved with
///   [`bump_requirement`], in `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`,
///   their `[target.<cfg>.*]` forms and `[workspace.dependencies]`, whether written as
///   `name = "1.2"`, an inline table or a table. A dependency is named by its `package = "..."`
///   when it is renamed, by its key otherwise. Entries without a version requirement (path-only,
///   `workspace = true`) are left alone.
///
/// Only the bytes of the changed string literals change; their quote style is kept.
pub fn edit_cargo_toml(
    path: &str,
    text: &str,
    own: Option<&Version>,
    workspace_version: Option<&Version>,
    versions: &Versions,
) -> Result<String, ManifestError> {
    let (bom, body) = split_bom(text);
    let document = parse(path, body)?;
    let root: &dyn TableLike = document.as_table();
    let mut edits = Edits::new(body);

    if let Some(own) = own {
        let Some(package) = table_at(root, &["package"]) else {
            return Err(missing(
                path,
                "package.version",
                "a manifest without [package] is a virtual workspace: version its members, or [workspace.package]",
            ));
        };
        let inherited = package
            .get("version")
            .and_then(Item::as_table_like)
            .and_then(|version| version.get("workspace"))
            .and_then(Item::as_bool)
            == Some(true);
        if !inherited && !set_version(&mut edits, path, body, package, "version", "package.version", own)? {
            return Err(missing(
                path,
                "package.version",
                format!("add `version = \"{own}\"` under [package], or inherit it with `version.workspace = true`"),
            ));
        }
    }

    if let Some(version) = workspace_version {
        let found = match table_at(root, &["workspace", "package"]) {
            Some(table) => set_version(&mut edits, path, body, table, "version", "workspace.package.version", version)?,
            None => false,
        };
        if !found {
            return Err(missing(
                path,
                "workspace.package.version",
                format!("add `version = \"{version}\"` under [workspace.package]"),
            ));
        }
    }

    let mut tables: Vec<&dyn TableLike> = Vec::new();
    for kind in DEPENDENCY_TABLES {
        tables.extend(table_at(root, &[kind]));
    }
    if let Some(targets) = table_at(root, &["target"]) {
        for (_, target) in targets.iter() {
            for kind in DEPENDENCY_TABLES {
                tables.extend(target.as_table_like().and_then(|target| table_at(target, &[kind])));
            }
        }
    }
    tables.extend(table_at(root, &["workspace", "dependencies"]));
    for table in tables {
        for (key, item) in table.iter() {
            let (name, requirement) = match item.as_table_like() {
                Some(detail) => {
                    let name = detail.get("package").and_then(Item::as_str).unwrap_or(key);
                    (name, detail.get("version").and_then(string))
                }
                None => (key, string(item)),
            };
            if let (Some(new), Some((requirement, span))) = (versions.get(name), requirement) {
                if let Some(bumped) = bump_requirement(requirement, new) {
                    edits.replace_string(span, requirement, &bumped);
                }
            }
        }
    }
    Ok(format!("{bom}{}", edits.apply()))
}

/// Edits a `Cargo.lock` without resolving anything: every `[[package]]` named in `versions` that
/// has no `source` (a workspace member, or a path dependency) gets its `version` set. Where the
/// lockfile had to spell a dependency as `"name old-version"` (another package has the same
/// name), that reference is moved to the new version too, so the lockfile stays consistent.
pub fn edit_cargo_lock(path: &str, text: &str, versions: &Versions) -> Result<String, ManifestError> {
    let (bom, body) = split_bom(text);
    let document = parse(path, body)?;
    let mut edits = Edits::new(body);
    let packages = document.get("package").and_then(Item::as_array_of_tables);
    // "name old" -> "name new", for the dependency lists.
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    for package in packages.into_iter().flatten() {
        let Some(name) = package.get("name").and_then(Item::as_str) else {
            continue;
        };
        let Some(new) = versions.get(name).filter(|_| !package.contains_key("source")) else {
            continue;
        };
        let key = format!("package.{name}.version");
        let Some((key_node, item)) = package.get_key_value("version") else {
            return Err(missing(path, key, "the lockfile is damaged: run `cargo generate-lockfile`"));
        };
        let Some((old, span)) = string(item) else {
            let offset = item.span().or(key_node.span()).map_or(0, |span| span.start);
            return Err(not_semver(path, body, offset, &key, item.to_string().trim()));
        };
        if old != new.to_string() {
            moved.insert(format!("{name} {old}"), format!("{name} {new}"));
        }
        edits.replace_string(span, old, &new.to_string());
    }
    if !moved.is_empty() {
        for package in packages.into_iter().flatten() {
            let dependencies = package.get("dependencies").and_then(Item::as_array);
            for value in dependencies.into_iter().flatten() {
                if let (Some(old), Some(span)) = (value.as_str(), value.span()) {
                    if let Some(new) = moved.get(old) {
                        edits.replace_string(span, old, new);
                    }
                }
            }
        }
    }
    Ok(format!("{bom}{}", edits.apply()))
}
