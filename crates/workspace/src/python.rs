//! Python: `pyproject.toml` with a PEP 621 `[project]` table or `[tool.poetry]`, and uv
//! workspaces (`[tool.uv.workspace]` members and exclude globs).
//!
//! When the repository root is a uv workspace, only its root and members are read; otherwise
//! every tracked `pyproject.toml` is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use release_config::Ecosystem;
use toml_edit::{DocumentMut, Item, TableLike};

use crate::{
    DependencyKind, Found, Step, WorkspaceError, describe_toml, join, members, parent, read_toml, toml_line, version,
};

/// The projects of the repository; `listed` are the folders `release.toml` names with a `path`,
/// which are read even outside the root workspace.
pub(crate) fn discover(root: &Path, files: &[&str], listed: &[String]) -> Result<Vec<Found>, WorkspaceError> {
    let mut manifests: Vec<&str> =
        files.iter().copied().filter(|file| *file == "pyproject.toml" || file.ends_with("/pyproject.toml")).collect();
    manifests.sort_unstable();
    let mut documents: BTreeMap<String, (DocumentMut, String)> = BTreeMap::new();
    if manifests.contains(&"pyproject.toml") {
        documents.insert("pyproject.toml".to_string(), read_toml(root, "pyproject.toml")?);
    }
    let root_members = match documents.get("pyproject.toml") {
        Some((document, text)) => uv_members(document, text, &manifests)?,
        None => None,
    };
    let root_is_a_project = documents.get("pyproject.toml").is_some_and(|(document, _)| {
        document.get("project").and_then(|project| project.get("name")).is_some()
            || document.get("tool").and_then(|tool| tool.get("poetry")).and_then(|poetry| poetry.get("name")).is_some()
    });
    let wanted: Vec<String> = match root_members {
        Some(members) => members.iter().chain(listed).filter_map(|folder| join(folder, "pyproject.toml")).collect(),
        // A root project without a workspace is the repository's one Python project: the
        // pyproject.toml files below it are fixtures and tools, never read.
        None if root_is_a_project => std::iter::once(".")
            .chain(listed.iter().map(String::as_str))
            .filter_map(|folder| join(folder, "pyproject.toml"))
            .collect(),
        None => manifests
            .iter()
            .filter(|manifest| crate::outside_tests(manifest, listed))
            .map(|manifest| manifest.to_string())
            .collect(),
    };
    for manifest in wanted {
        if manifests.contains(&manifest.as_str()) && !documents.contains_key(&manifest) {
            let document = read_toml(root, &manifest)?;
            documents.insert(manifest, document);
        }
    }
    let mut found = Vec::new();
    for (manifest, (document, text)) in &documents {
        if let Some(project) = project(manifest, document, text)? {
            found.push(project);
        }
    }
    // Requirements name distributions in normalised form; point them at the packages' own names.
    let names: BTreeMap<String, String> =
        found.iter().map(|package| (normalize(&package.name), package.name.clone())).collect();
    for package in &mut found {
        for (name, _) in &mut package.dependencies {
            if let Some(original) = names.get(name.as_str()) {
                *name = original.clone();
            }
        }
    }
    Ok(found)
}

/// The member folders of the uv workspace the root pyproject.toml declares, if it does one.
fn uv_members(document: &DocumentMut, text: &str, manifests: &[&str]) -> Result<Option<Vec<String>>, WorkspaceError> {
    let Some(workspace) = document.get("tool").and_then(|tool| tool.get("uv")).and_then(|uv| uv.get("workspace"))
    else {
        return Ok(None);
    };
    let path = PathBuf::from("pyproject.toml");
    let strings = |key: &str| -> Result<Vec<String>, WorkspaceError> {
        let Some(item) = workspace.get(key) else { return Ok(Vec::new()) };
        let values = item.as_array().map(|array| array.iter().map(|value| value.as_str()).collect::<Option<Vec<_>>>());
        match values.flatten() {
            Some(values) => Ok(values.into_iter().map(str::to_string).collect()),
            None => Err(WorkspaceError::WrongType {
                line: toml_line(text, &[Step::Key("tool"), Step::Key("uv"), Step::Key("workspace"), Step::Key(key)]),
                path: path.clone(),
                key: format!("tool.uv.workspace.{key}"),
                expected: "a list of strings".into(),
                found: describe_toml(item),
                hint: format!("uv reads a list of paths or globs, e.g. `{key} = [\"packages/*\"]`"),
            }),
        }
    };
    let found = members(".", &strings("members")?, &strings("exclude")?, manifests, "pyproject.toml", &path)?;
    let mut folders = found.folders;
    if !folders.iter().any(|folder| folder == ".") {
        folders.push(".".to_string());
    }
    Ok(Some(folders))
}

/// The project a pyproject.toml declares, if it declares one (it may only configure tools).
fn project(manifest: &str, document: &DocumentMut, text: &str) -> Result<Option<Found>, WorkspaceError> {
    let path = PathBuf::from(manifest);
    let project = document.get("project").and_then(Item::as_table_like);
    let poetry = document.get("tool").and_then(|tool| tool.get("poetry")).and_then(Item::as_table_like);
    let (table, prefix) = match (project, poetry) {
        (Some(project), _) if project.get("name").is_some() => (project, "project"),
        (_, Some(poetry)) => (poetry, "tool.poetry"),
        _ => return Ok(None), // a pyproject.toml that only configures tools
    };
    let name = match table.get("name") {
        None => return Ok(None),
        Some(item) if item.as_str().is_some_and(|name| !name.trim().is_empty()) => item.as_str().expect("checked"),
        // pip and poetry refuse a project whose name is not a string.
        Some(item) => {
            let steps: Vec<Step<'_>> = prefix.split('.').map(Step::Key).chain([Step::Key("name")]).collect();
            return Err(WorkspaceError::WrongType {
                line: toml_line(text, &steps),
                path,
                key: format!("{prefix}.name"),
                expected: "a non-empty string".into(),
                found: describe_toml(item),
                hint: "write the distribution's name, e.g. `name = \"my-package\"`".into(),
            });
        }
    };
    let dynamic = table
        .get("dynamic")
        .and_then(Item::as_array)
        .is_some_and(|array| array.iter().any(|value| value.as_str() == Some("version")));
    let version = match table.get("version").and_then(Item::as_str) {
        Some(text) if !dynamic => Some(version(&path, &format!("{prefix}.version"), text)?),
        _ => None,
    };
    Ok(Some(Found {
        name: name.to_string(),
        path: parent(manifest).to_string(),
        ecosystem: Ecosystem::Python,
        manifest: manifest.to_string(),
        // A dynamic version is still a version: the build backend computes it.
        has_version: version.is_some() || dynamic,
        private: false,
        version,
        version_inherited: false,
        version_group: None,
        dependencies: dependencies(project, poetry),
        binds: maturin_crate(manifest, document),
    }))
}

/// The folder of the crate maturin builds this project from (`[tool.maturin] manifest-path`).
fn maturin_crate(manifest: &str, document: &DocumentMut) -> Option<String> {
    let path = document.get("tool")?.get("maturin")?.get("manifest-path")?.as_str()?;
    let cargo = crate::join(parent(manifest), path)?;
    Some(parent(&cargo).to_string())
}

/// Requirements of `[project]` and dependencies of `[tool.poetry]`, by normalised name.
fn dependencies(project: Option<&dyn TableLike>, poetry: Option<&dyn TableLike>) -> Vec<(String, DependencyKind)> {
    let mut dependencies = Vec::new();
    if let Some(project) = project {
        let mut read = |item: Option<&Item>, kind| {
            for requirement in item.and_then(Item::as_array).into_iter().flatten() {
                if let Some(name) = requirement.as_str().map(requirement_name) {
                    dependencies.push((name, kind));
                }
            }
        };
        read(project.get("dependencies"), DependencyKind::Normal);
        if let Some(optional) = project.get("optional-dependencies").and_then(Item::as_table_like) {
            for (_, group) in optional.iter() {
                read(Some(group), DependencyKind::Optional);
            }
        }
    }
    if let Some(poetry) = poetry {
        let mut read = |item: Option<&Item>, kind| {
            for (key, _) in item.and_then(Item::as_table_like).into_iter().flat_map(|table| table.iter()) {
                if key != "python" {
                    dependencies.push((normalize(key), kind));
                }
            }
        };
        read(poetry.get("dependencies"), DependencyKind::Normal);
        read(poetry.get("dev-dependencies"), DependencyKind::Dev);
        if let Some(groups) = poetry.get("group").and_then(Item::as_table_like) {
            for (_, group) in groups.iter() {
                read(group.get("dependencies"), DependencyKind::Dev);
            }
        }
    }
    dependencies
}

/// The distribution name of a PEP 508 requirement (`name[extra]>=1.0; marker`), normalised.
fn requirement_name(requirement: &str) -> String {
    let end = requirement
        .find(|character: char| !(character.is_ascii_alphanumeric() || "-_.".contains(character)))
        .unwrap_or(requirement.len());
    normalize(&requirement[..end])
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for character in name.trim().chars() {
        if "-_.".contains(character) {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(character.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn requirement_names_are_normalised() {
        assert_eq!(super::requirement_name("Shared_Models[extra]>=1.0; python_version>'3.8'"), "shared-models");
        assert_eq!(super::requirement_name("requests"), "requests");
        assert_eq!(super::normalize("My.Package__Name"), "my-package-name");
    }
}
