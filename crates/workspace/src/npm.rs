//! npm, pnpm, yarn and bun: `workspaces` in package.json (array or `{ packages }`),
//! `pnpm-workspace.yaml`, and standalone packages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use release_config::Ecosystem;
use serde_json::Value;

use crate::{DependencyKind, Found, WorkspaceError, members, parent, version};

fn is_named(file: &str, name: &str) -> bool {
    file == name || file.ends_with(&format!("/{name}"))
}

fn read_json(root: &Path, manifest: &str) -> Result<Value, WorkspaceError> {
    let text = fs_err::read_to_string(root.join(manifest))?;
    serde_json::from_str(&text).map_err(|error| WorkspaceError::Parse {
        path: PathBuf::from(manifest),
        line: error.line(),
        column: error.column(),
        message: error.to_string().split(" at line ").next().unwrap_or("").to_string(),
    })
}

/// The `packages:` list of a pnpm-workspace.yaml (the only key we need; a list of strings).
fn pnpm_packages(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t', '-']) {
            inside = trimmed.starts_with("packages:");
            continue;
        }
        if inside && let Some(item) = trimmed.strip_prefix('-') {
            let item = item.split(" #").next().unwrap_or("").trim().trim_matches(|c| c == '\'' || c == '"');
            if !item.is_empty() {
                out.push(item.to_string());
            }
        }
    }
    out
}

pub(crate) fn discover(root: &Path, files: &[&str]) -> Result<Vec<Found>, WorkspaceError> {
    let manifests: Vec<&str> = files.iter().copied().filter(|file| is_named(file, "package.json")).collect();
    let pnpm_files: std::collections::HashSet<&str> =
        files.iter().copied().filter(|file| is_named(file, "pnpm-workspace.yaml")).collect();
    let mut documents = BTreeMap::new();
    for manifest in &manifests {
        documents.insert(manifest.to_string(), read_json(root, manifest)?);
    }

    // Workspace roots and their members.
    let mut roots: Vec<(String, Vec<String>)> = Vec::new();
    for (manifest, document) in &documents {
        let folder = parent(manifest).to_string();
        let mut patterns: Vec<String> = match document.get("workspaces") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Some(Value::Object(object)) => object
                .get("packages")
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let pnpm =
            if folder == "." { "pnpm-workspace.yaml".to_string() } else { format!("{folder}/pnpm-workspace.yaml") };
        if pnpm_files.contains(pnpm.as_str()) {
            patterns.extend(pnpm_packages(&fs_err::read_to_string(root.join(&pnpm))?));
        }
        if patterns.is_empty() {
            continue;
        }
        let (excludes, includes): (Vec<String>, Vec<String>) =
            patterns.into_iter().partition(|pattern| pattern.starts_with('!'));
        let excludes: Vec<String> = excludes.iter().map(|pattern| pattern[1..].to_string()).collect();
        let member_folders =
            members(&folder, &includes, &excludes, &manifests, "package.json", &PathBuf::from(manifest))?;
        roots.push((folder, member_folders));
    }

    let mut found = Vec::new();
    for (manifest, document) in &documents {
        let folder = parent(manifest).to_string();
        let is_root = roots.iter().any(|(root, _)| root == &folder);
        let is_member = roots.iter().any(|(_, members)| members.contains(&folder));
        let inside_root = roots.iter().any(|(root, _)| root == "." || folder.starts_with(&format!("{root}/")));
        let private = document.get("private").and_then(Value::as_bool) == Some(true);
        let Some(name) = document.get("name").and_then(Value::as_str) else {
            continue;
        };
        // A workspace root is a package only when it is published; a package.json under a
        // workspace that is not a member (a template, a test fixture) is not a package.
        if (is_root && (private || document.get("version").is_none())) || (!is_root && !is_member && inside_root) {
            continue;
        }
        let path = PathBuf::from(manifest);
        let version = match document.get("version") {
            Some(Value::String(text)) => Some(version(&path, "version", text)?),
            Some(other) => {
                return Err(WorkspaceError::Version { path, key: "version".into(), value: other.to_string() });
            }
            None => None,
        };
        let mut dependencies = Vec::new();
        for (key, kind) in [
            ("dependencies", DependencyKind::Normal),
            ("devDependencies", DependencyKind::Dev),
            ("peerDependencies", DependencyKind::Peer),
            ("optionalDependencies", DependencyKind::Optional),
        ] {
            if let Some(Value::Object(table)) = document.get(key) {
                dependencies.extend(table.keys().map(|name| (name.clone(), kind)));
            }
        }
        found.push(Found {
            name: name.to_string(),
            path: folder,
            ecosystem: Ecosystem::Npm,
            manifest: manifest.clone(),
            version,
            version_inherited: false,
            version_group: None,
            dependencies,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pnpm_workspace_packages() {
        let yaml = "packages:\n  - 'apps/*'\n  - \"packages/**\" # all\n  - '!**/test/**'\ncatalog:\n  react: ^18\n";
        assert_eq!(super::pnpm_packages(yaml), ["apps/*", "packages/**", "!**/test/**"]);
    }
}
