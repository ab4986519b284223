//! Cargo: workspaces (members and exclude globs, `[workspace.package]` versions,
//! `[workspace.dependencies]`) and standalone crates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use release_config::Ecosystem;
use toml_edit::{DocumentMut, Item};

use crate::{
    DependencyKind, Found, Step, WorkspaceError, describe_toml, members, parent, read_toml, toml_line, version,
};

struct Root {
    folder: String,
    manifest: String,
    members: Vec<String>,
    version: Option<String>,
    /// `[workspace.dependencies]` name -> (package name, has a path)
    dependencies: BTreeMap<String, (String, bool)>,
}

fn is_manifest(file: &str) -> bool {
    file == "Cargo.toml" || file.ends_with("/Cargo.toml")
}

pub(crate) fn discover(root: &Path, files: &[&str]) -> Result<Vec<Found>, WorkspaceError> {
    let manifests: Vec<&str> = files.iter().copied().filter(|file| is_manifest(file)).collect();
    let mut documents = BTreeMap::new();
    let mut texts = BTreeMap::new();
    for manifest in &manifests {
        let (document, text) = read_toml(root, manifest)?;
        documents.insert(manifest.to_string(), document);
        texts.insert(manifest.to_string(), text);
    }

    let mut roots = Vec::new();
    for (manifest, document) in &documents {
        let Some(workspace) = document.get("workspace").and_then(Item::as_table_like) else {
            continue;
        };
        let folder = parent(manifest).to_string();
        let path = PathBuf::from(manifest);
        let text = &texts[manifest];
        // Cargo refuses a `members` that is not a list of strings; so do we, rather than plan
        // without the members.
        let strings = |key: &str| -> Result<Vec<String>, WorkspaceError> {
            let Some(item) = workspace.get(key) else {
                return Ok(Vec::new());
            };
            let wrong = |found: &Item, steps: &[Step<'_>], expected: &str| WorkspaceError::WrongType {
                path: path.clone(),
                line: toml_line(text, steps),
                key: format!("workspace.{key}"),
                expected: expected.into(),
                found: describe_toml(found),
                hint: format!("cargo reads a list of paths or globs, e.g. `{key} = [\"crates/*\"]`"),
            };
            let Some(array) = item.as_array() else {
                return Err(wrong(item, &[Step::Key("workspace"), Step::Key(key)], "a list"));
            };
            let mut out = Vec::new();
            for (index, value) in array.iter().enumerate() {
                match value.as_str() {
                    Some(text) => out.push(text.to_string()),
                    None => {
                        let steps = [Step::Key("workspace"), Step::Key(key), Step::Index(index)];
                        return Err(wrong(&Item::Value(value.clone()), &steps, "a list of strings"));
                    }
                }
            }
            Ok(out)
        };
        let (patterns, excludes) = (strings("members")?, strings("exclude")?);
        let found = members(&folder, &patterns, &excludes, &manifests, "Cargo.toml", &path)?;
        // Cargo refuses members that are not below the workspace root; one outside the
        // repository cannot be released from it either.
        if let Some(&index) = found.outside.first() {
            return Err(WorkspaceError::OutsideRepository {
                line: toml_line(text, &[Step::Key("workspace"), Step::Key("members"), Step::Index(index)]),
                path,
                pattern: patterns[index].clone(),
                hint: "cargo requires members below the workspace root; move the crate into the repository, or remove the entry".into(),
            });
        }
        let mut member_folders = found.folders;
        if document.get("package").is_some() && !member_folders.contains(&folder) {
            member_folders.push(folder.clone());
        }
        let version = workspace
            .get("package")
            .and_then(|package| package.get("version"))
            .and_then(Item::as_str)
            .map(str::to_string);
        let mut dependencies = BTreeMap::new();
        if let Some(table) = workspace.get("dependencies").and_then(Item::as_table_like) {
            for (key, item) in table.iter() {
                let package = item.get("package").and_then(Item::as_str).unwrap_or(key).to_string();
                dependencies.insert(key.to_string(), (package, item.get("path").is_some()));
            }
        }
        roots.push(Root { folder, manifest: manifest.clone(), members: member_folders, version, dependencies });
    }

    let mut found = Vec::new();
    for (manifest, document) in &documents {
        let Some(package) = document.get("package").and_then(Item::as_table_like) else {
            continue;
        };
        let folder = parent(manifest).to_string();
        // The workspace this crate is a member of. A crate under a workspace folder that is not
        // a member (excluded, an example, a test fixture) is not a package of this repository;
        // a `[[package]]` entry with a path releases it by its tags if wanted.
        let enclosing = roots.iter().find(|root| root.members.contains(&folder));
        if enclosing.is_none() && roots.iter().any(|root| is_inside(&folder, &root.folder)) {
            continue;
        }
        let path = PathBuf::from(manifest);
        let name = match package.get("name") {
            Some(item) if item.as_str().is_some_and(|name| !name.trim().is_empty()) => item.as_str().expect("checked"),
            Some(item) => {
                return Err(WorkspaceError::WrongType {
                    line: toml_line(&texts[manifest], &[Step::Key("package"), Step::Key("name")]),
                    path,
                    key: "package.name".into(),
                    expected: "a non-empty string".into(),
                    found: describe_toml(item),
                    hint: "write the crate's name, e.g. `name = \"my-crate\"`".into(),
                });
            }
            None => {
                return Err(WorkspaceError::Missing {
                    path,
                    key: "package.name".into(),
                    hint: "a [package] needs a name".into(),
                });
            }
        };
        let (version_text, inherited) = match package.get("version") {
            Some(item) if item.get("workspace").and_then(Item::as_bool) == Some(true) => {
                match enclosing.and_then(|root| root.version.clone()) {
                    Some(version) => (Some(version), true),
                    None => {
                        return Err(WorkspaceError::Missing {
                            path,
                            key: "workspace.package.version".into(),
                            hint: format!("`{name}` inherits its version; set it in the workspace's Cargo.toml"),
                        });
                    }
                }
            }
            Some(item) => (item.as_str().map(str::to_string), false),
            None => (None, false),
        };
        let key = if inherited { "workspace.package.version" } else { "package.version" };
        let version = match &version_text {
            Some(text) => Some(version(&path, key, text)?),
            None => None,
        };
        found.push(Found {
            name: name.to_string(),
            path: folder,
            ecosystem: Ecosystem::Cargo,
            manifest: manifest.clone(),
            version,
            version_inherited: inherited,
            version_group: inherited.then(|| enclosing.map(|root| root.manifest.clone())).flatten(),
            dependencies: dependencies(document, enclosing),
        });
    }
    Ok(found)
}

fn is_inside(folder: &str, ancestor: &str) -> bool {
    ancestor == "." || folder == ancestor || folder.starts_with(&format!("{ancestor}/"))
}

/// Path and workspace dependencies of every kind, including `[target.*.dependencies]`.
fn dependencies(document: &DocumentMut, root: Option<&Root>) -> Vec<(String, DependencyKind)> {
    let mut out = Vec::new();
    let mut read = |table: Option<&Item>, kind: DependencyKind| {
        let Some(table) = table.and_then(Item::as_table_like) else {
            return;
        };
        for (key, item) in table.iter() {
            let from_workspace = item.get("workspace").and_then(Item::as_bool) == Some(true);
            let name = if from_workspace {
                match root.and_then(|root| root.dependencies.get(key)) {
                    Some((package, true)) => package.clone(),
                    _ => continue,
                }
            } else if item.get("path").is_some() {
                item.get("package").and_then(Item::as_str).unwrap_or(key).to_string()
            } else {
                continue;
            };
            out.push((name, kind));
        }
    };
    let kinds = [
        ("dependencies", DependencyKind::Normal),
        ("build-dependencies", DependencyKind::Build),
        ("dev-dependencies", DependencyKind::Dev),
    ];
    for (key, kind) in kinds {
        read(document.get(key), kind);
    }
    if let Some(targets) = document.get("target").and_then(Item::as_table_like) {
        for (_, target) in targets.iter() {
            for (key, kind) in kinds {
                read(target.get(key), kind);
            }
        }
    }
    out
}
