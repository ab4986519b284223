//! Python: `pyproject.toml` with a PEP 621 `[project]` table or `[tool.poetry]`.

use std::path::{Path, PathBuf};

use release_config::Ecosystem;
use toml_edit::Item;

use crate::{DependencyKind, Found, Step, WorkspaceError, describe_toml, parent, read_toml, toml_line, version};

pub(crate) fn discover(root: &Path, files: &[&str]) -> Result<Vec<Found>, WorkspaceError> {
    let mut found = Vec::new();
    let mut manifests: Vec<&str> =
        files.iter().copied().filter(|file| *file == "pyproject.toml" || file.ends_with("/pyproject.toml")).collect();
    manifests.sort_unstable();
    for manifest in manifests {
        let (document, text) = read_toml(root, manifest)?;
        let path = PathBuf::from(manifest);
        let project = document.get("project").and_then(Item::as_table_like);
        let poetry = document.get("tool").and_then(|tool| tool.get("poetry")).and_then(Item::as_table_like);
        let (table, prefix) = match (project, poetry) {
            (Some(project), _) if project.get("name").is_some() => (project, "project"),
            (_, Some(poetry)) => (poetry, "tool.poetry"),
            _ => continue, // a pyproject.toml that only configures tools
        };
        let name = match table.get("name") {
            None => continue,
            Some(item) if item.as_str().is_some_and(|name| !name.trim().is_empty()) => item.as_str().expect("checked"),
            // pip and poetry refuse a project whose name is not a string.
            Some(item) => {
                let steps: Vec<Step<'_>> = prefix.split('.').map(Step::Key).chain([Step::Key("name")]).collect();
                return Err(WorkspaceError::WrongType {
                    line: toml_line(&text, &steps),
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
        found.push(Found {
            name: name.to_string(),
            path: parent(manifest).to_string(),
            ecosystem: Ecosystem::Python,
            manifest: manifest.to_string(),
            version,
            version_inherited: false,
            version_group: None,
            dependencies,
        });
    }
    // Requirements name distributions in normalised form; point them at the packages' own names.
    let names: std::collections::BTreeMap<String, String> =
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
