//! Cargo: workspaces (members and exclude globs, path dependencies inside the workspace,
//! `[workspace.package]` versions, `[workspace.dependencies]`) and standalone crates.
//!
//! When the repository root is a Cargo workspace, only its root and members are read: a
//! `Cargo.toml` elsewhere (a test fixture, a standalone example workspace) is never parsed and is
//! not a package unless `release.toml` lists its folder. Without a root workspace every tracked
//! `Cargo.toml` is read, and crates under a nested workspace that are not its members are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use release_config::Ecosystem;
use toml_edit::{DocumentMut, Item, TableLike};

use crate::{
    DependencyKind, Found, Step, WorkspaceError, describe_toml, is_inside, join, members, parent, read_toml, toml_line,
    version,
};

struct Root {
    folder: String,
    manifest: String,
    members: Vec<String>,
    excludes: Vec<String>,
    version: Option<String>,
    /// `[workspace.dependencies]` name -> (package name, its path if it has one)
    dependencies: BTreeMap<String, (String, Option<String>)>,
}

/// Parsed manifests by path, with their text (for the line of a later complaint).
type Documents = BTreeMap<String, (DocumentMut, String)>;

fn is_manifest(file: &str) -> bool {
    file == "Cargo.toml" || file.ends_with("/Cargo.toml")
}

/// The crates of the repository; `listed` are the folders `release.toml` names with a `path`,
/// which are read even outside the root workspace.
pub(crate) fn discover(root: &Path, files: &[&str], listed: &[String]) -> Result<Vec<Found>, WorkspaceError> {
    let manifests: Vec<&str> = files.iter().copied().filter(|file| is_manifest(file)).collect();
    let mut documents = Documents::new();
    let mut roots = Vec::new();
    let root_workspace = if manifests.contains(&"Cargo.toml") {
        let (document, text) = read_toml(root, "Cargo.toml")?;
        let found = workspace_root("Cargo.toml", &document, &text, &manifests)?;
        documents.insert("Cargo.toml".to_string(), (document, text));
        found
    } else {
        None
    };
    if let Some(workspace) = root_workspace {
        roots.push(workspace);
        read_members(root, &manifests, &mut documents, &mut roots[0])?;
        read_listed(root, &manifests, listed, &mut documents)?;
    } else {
        for manifest in manifests.iter().filter(|manifest| crate::outside_tests(manifest, listed)) {
            if !documents.contains_key(*manifest) {
                documents.insert(manifest.to_string(), read_toml(root, manifest)?);
            }
        }
    }
    for (manifest, (document, text)) in &documents {
        let already = roots.iter().any(|root| &root.manifest == manifest);
        if !already && let Some(found) = workspace_root(manifest, document, text, &manifests)? {
            roots.push(found);
        }
    }
    let mut found = Vec::new();
    for (manifest, (document, text)) in &documents {
        let folder = parent(manifest);
        let is_listed = listed.iter().any(|path| path == folder);
        if let Some(package) = package(manifest, document, text, &roots, is_listed)? {
            found.push(package);
        }
    }
    Ok(found)
}

/// Reads the members of the root workspace, and the crates they depend on by path inside the
/// workspace folder: cargo makes those members too.
fn read_members(
    root: &Path,
    manifests: &[&str],
    documents: &mut Documents,
    workspace: &mut Root,
) -> Result<(), WorkspaceError> {
    let excludes = crate::globs(&workspace.excludes, Path::new(&workspace.manifest))?;
    let mut queue: Vec<String> = workspace.members.clone();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    while let Some(folder) = queue.pop() {
        let manifest = join(&folder, "Cargo.toml").unwrap_or_default();
        if !documents.contains_key(&manifest) {
            documents.insert(manifest.clone(), read_toml(root, &manifest)?);
        }
        let (document, _) = &documents[&manifest];
        for target in path_dependencies(&folder, document, workspace) {
            let has_manifest = manifests.contains(&join(&target, "Cargo.toml").unwrap_or_default().as_str());
            if has_manifest
                && is_inside(&target, &workspace.folder)
                && !excludes.is_match(&target)
                && seen.insert(target.clone())
            {
                workspace.members.push(target.clone());
                queue.push(target);
            }
        }
    }
    workspace.members.sort();
    Ok(())
}

/// Reads the manifests of the folders `release.toml` lists.
fn read_listed(
    root: &Path,
    manifests: &[&str],
    listed: &[String],
    documents: &mut Documents,
) -> Result<(), WorkspaceError> {
    for folder in listed {
        let Some(manifest) = join(folder, "Cargo.toml") else { continue };
        if manifests.contains(&manifest.as_str()) && !documents.contains_key(&manifest) {
            documents.insert(manifest.clone(), read_toml(root, &manifest)?);
        }
    }
    Ok(())
}

/// The folders of the path dependencies of a crate in `folder`, of every kind (including
/// `[target.*.dependencies]`, and `workspace = true` ones whose workspace entry has a path).
fn path_dependencies(folder: &str, document: &DocumentMut, workspace: &Root) -> Vec<String> {
    let mut out = Vec::new();
    let mut read = |table: Option<&Item>| {
        for (key, item) in table.and_then(Item::as_table_like).into_iter().flat_map(TableLike::iter) {
            let target = match item.get("path").and_then(Item::as_str) {
                Some(path) => join(folder, path),
                None if item.get("workspace").and_then(Item::as_bool) == Some(true) => {
                    let path = workspace.dependencies.get(key).and_then(|(_, path)| path.as_deref());
                    path.and_then(|path| join(&workspace.folder, path))
                }
                None => None,
            };
            out.extend(target);
        }
    };
    for key in ["dependencies", "build-dependencies", "dev-dependencies"] {
        read(document.get(key));
        for (_, target) in document.get("target").and_then(Item::as_table_like).into_iter().flat_map(TableLike::iter) {
            read(target.get(key));
        }
    }
    out
}

/// A list of strings under `[workspace]`. Cargo refuses a `members` that is not one; so do we,
/// rather than plan without the members.
fn strings(path: &Path, text: &str, workspace: &dyn TableLike, key: &str) -> Result<Vec<String>, WorkspaceError> {
    let Some(item) = workspace.get(key) else {
        return Ok(Vec::new());
    };
    let wrong = |found: &Item, steps: &[Step<'_>], expected: &str| WorkspaceError::WrongType {
        path: path.to_path_buf(),
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
}

/// The workspace a manifest declares, if it has a `[workspace]`.
fn workspace_root(
    manifest: &str,
    document: &DocumentMut,
    text: &str,
    manifests: &[&str],
) -> Result<Option<Root>, WorkspaceError> {
    let Some(workspace) = document.get("workspace").and_then(Item::as_table_like) else {
        return Ok(None);
    };
    let folder = parent(manifest).to_string();
    let path = PathBuf::from(manifest);
    let (patterns, excludes) =
        (strings(&path, text, workspace, "members")?, strings(&path, text, workspace, "exclude")?);
    let found = members(&folder, &patterns, &excludes, manifests, "Cargo.toml", &path)?;
    // Cargo refuses members that are not below the workspace root; one outside the repository
    // cannot be released from it either.
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
    let version =
        workspace.get("package").and_then(|package| package.get("version")).and_then(Item::as_str).map(str::to_string);
    let mut dependencies = BTreeMap::new();
    for (key, item) in workspace.get("dependencies").and_then(Item::as_table_like).into_iter().flat_map(TableLike::iter)
    {
        let package = item.get("package").and_then(Item::as_str).unwrap_or(key).to_string();
        let path = item.get("path").and_then(Item::as_str).map(str::to_string);
        dependencies.insert(key.to_string(), (package, path));
    }
    let excludes = excludes.iter().filter_map(|pattern| join(&folder, pattern.trim_end_matches('/'))).collect();
    Ok(Some(Root { folder, manifest: manifest.to_string(), members: member_folders, excludes, version, dependencies }))
}

/// The crate a manifest declares, if it has a `[package]` and is a package of this repository:
/// a member of its workspace, or outside every workspace, or `listed` in release.toml.
fn package(
    manifest: &str,
    document: &DocumentMut,
    text: &str,
    roots: &[Root],
    listed: bool,
) -> Result<Option<Found>, WorkspaceError> {
    let Some(package) = document.get("package").and_then(Item::as_table_like) else {
        return Ok(None);
    };
    let folder = parent(manifest).to_string();
    // The workspace this crate is a member of. A crate under a workspace folder that is not a
    // member (excluded, an example, a test fixture) is not a package of this repository; a
    // `[[package]]` entry with its path makes it one.
    let enclosing = roots.iter().find(|root| root.members.contains(&folder));
    if enclosing.is_none() && !listed && roots.iter().any(|root| is_inside(&folder, &root.folder)) {
        return Ok(None);
    }
    let path = PathBuf::from(manifest);
    let name = crate_name(&path, text, package)?;
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
    let version = version_text.as_deref().map(|text| version(&path, key, text)).transpose()?;
    // `publish = false` or `publish = []`: no registry may have it.
    let private = match package.get("publish") {
        Some(item) => item.as_bool() == Some(false) || item.as_array().is_some_and(|array| array.is_empty()),
        None => false,
    };
    Ok(Some(Found {
        name,
        path: folder,
        ecosystem: Ecosystem::Cargo,
        manifest: manifest.to_string(),
        has_version: version_text.is_some(),
        private,
        version,
        version_inherited: inherited,
        version_group: inherited.then(|| enclosing.map(|root| root.manifest.clone())).flatten(),
        dependencies: dependencies(document, enclosing),
        binds: None,
    }))
}

fn crate_name(path: &Path, text: &str, package: &dyn TableLike) -> Result<String, WorkspaceError> {
    match package.get("name") {
        Some(item) if item.as_str().is_some_and(|name| !name.trim().is_empty()) => {
            Ok(item.as_str().expect("checked").to_string())
        }
        Some(item) => Err(WorkspaceError::WrongType {
            line: toml_line(text, &[Step::Key("package"), Step::Key("name")]),
            path: path.to_path_buf(),
            key: "package.name".into(),
            expected: "a non-empty string".into(),
            found: describe_toml(item),
            hint: "write the crate's name, e.g. `name = \"my-crate\"`".into(),
        }),
        None => Err(WorkspaceError::Missing {
            path: path.to_path_buf(),
            key: "package.name".into(),
            hint: "a [package] needs a name".into(),
        }),
    }
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
                    Some((package, Some(_))) => package.clone(),
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
