//! Workspace discovery: which packages a repository holds, where, at which version, and which
//! of them depend on which.
//!
//! Packages come from Cargo workspaces, npm/pnpm/yarn/bun workspaces, Python projects, and the
//! explicit `[[package]]` entries of `release.toml` (which also override discovered packages of
//! the same name, and may have no manifest at all). This crate reads manifests; it never writes
//! them and never touches git: the caller passes the list of tracked files.
//!
//! ```no_run
//! let root = std::path::Path::new(".");
//! let config = release_config::Config::load(root).unwrap();
//! let files = vec!["Cargo.toml".to_string()];
//! let workspace = release_workspace::discover(root, &config, &files).unwrap();
//! for package in &workspace.packages {
//!     println!("{} at {}", package.name, package.path);
//! }
//! ```

mod cargo;
mod npm;
mod python;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use release_config::{Config, Ecosystem, TagTemplate};

/// A package of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    /// Folder relative to the repository root, `/`-separated; `.` for the root.
    pub path: String,
    /// `None` for a package declared only in `release.toml`, versioned by its tags.
    pub ecosystem: Option<Ecosystem>,
    /// The manifest, relative to the root.
    pub manifest: Option<String>,
    /// The version the manifest states (inherited from the workspace for Cargo).
    pub version: Option<semver::Version>,
    /// Cargo: `version.workspace = true`.
    pub version_inherited: bool,
    /// Packages sharing one version field (Cargo members inheriting `[workspace.package].version`)
    /// have the same group, named by the manifest that holds the version.
    pub version_group: Option<String>,
    pub dependencies: Vec<Dependency>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub tag: TagTemplate,
}

/// An edge to another package of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub kind: DependencyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyKind {
    Normal,
    Build,
    Dev,
    Peer,
    Optional,
}

impl DependencyKind {
    /// Whether a new version of the dependency means a new version of the dependent. A
    /// dev-dependency is not part of what the dependent ships.
    pub fn propagates(self) -> bool {
        !matches!(self, DependencyKind::Dev)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub packages: Vec<Package>,
}

/// Errors from reading manifests and merging them with `release.toml`.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Io(#[from] std::io::Error),

    #[error("{}:{line}:{column}: cannot parse manifest: {message}", path.display())]
    Parse { path: PathBuf, line: usize, column: usize, message: String },

    #[error("{}: `{key}` is `{value}`, which is not a semantic version (hint: write a full version such as \"1.2.3\")", path.display())]
    Version { path: PathBuf, key: String, value: String },

    #[error("{}: `{key}` is missing (hint: {hint})", path.display())]
    Missing { path: PathBuf, key: String, hint: String },

    #[error(
        "{location}: package `{name}` has path `{path}`, which does not exist (hint: paths are relative to the repository root)"
    )]
    PathMissing { location: release_config::Location, name: String, path: String },

    #[error(
        "{location}: package `{name}` has no `path` and no manifest with that name was discovered (hint: add `path = \"...\"`{})",
        suggestion.as_ref().map(|name| format!(", or did you mean `{name}`?")).unwrap_or_default()
    )]
    Unmatched { location: release_config::Location, name: String, suggestion: Option<String> },

    #[error(
        "two packages are named `{name}`: `{first}` and `{second}` (hint: give one a `[[package]]` entry with another name, or skip one with `[workspace] ignore`)"
    )]
    Duplicate { name: String, first: String, second: String },

    #[error("invalid glob `{glob}` in {}: {message}", path.display())]
    Glob { path: PathBuf, glob: String, message: String },
}

/// A package as one ecosystem's reader found it, before `release.toml` is applied.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub name: String,
    pub path: String,
    pub ecosystem: Ecosystem,
    pub manifest: String,
    pub version: Option<semver::Version>,
    pub version_inherited: bool,
    pub version_group: Option<String>,
    pub dependencies: Vec<(String, DependencyKind)>,
}

/// The file names discovery reads: of the tracked files, only these matter (callers may pass just
/// them, as `Repo::tracked_files_named` lists them).
pub const MANIFEST_NAMES: &[&str] = &["Cargo.toml", "package.json", "pnpm-workspace.yaml", "pyproject.toml"];

/// Discovers the packages under `root` from the tracked `files`, then applies `release.toml`.
pub fn discover(root: &Path, config: &Config, files: &[String]) -> Result<Workspace, WorkspaceError> {
    let ignore = globs(&config.workspace.ignore, &config.file)?;
    let files: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|file| !file.split('/').any(|part| part == "node_modules"))
        .filter(|file| !ignore.is_match(file) && !ignore.is_match(parent(file)))
        .collect();

    let mut found = Vec::new();
    for ecosystem in &config.workspace.discover {
        match ecosystem {
            Ecosystem::Cargo => found.extend(cargo::discover(root, &files)?),
            Ecosystem::Npm => found.extend(npm::discover(root, &files)?),
            Ecosystem::Python => found.extend(python::discover(root, &files)?),
        }
    }

    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (index, package) in found.iter().enumerate() {
        if let Some(&first) = by_name.get(&package.name) {
            let explicit = config.packages.iter().any(|explicit| explicit.name == package.name);
            if !explicit || found[first].path != package.path {
                return Err(WorkspaceError::Duplicate {
                    name: package.name.clone(),
                    first: found[first].manifest.clone(),
                    second: package.manifest.clone(),
                });
            }
        }
        by_name.insert(package.name.clone(), index);
    }

    let single = found.len() + config.packages.iter().filter(|explicit| !by_name.contains_key(&explicit.name)).count()
        == 1
        && config.repo.is_none();
    let default_tag = TagTemplate::parse(if single { "v{version}" } else { "{name}-v{version}" }).expect("valid");

    let mut packages: Vec<Package> = found
        .iter()
        .map(|found| Package {
            name: found.name.clone(),
            path: found.path.clone(),
            ecosystem: Some(found.ecosystem),
            manifest: Some(found.manifest.clone()),
            version: found.version.clone(),
            version_inherited: found.version_inherited,
            version_group: found.version_group.clone(),
            dependencies: found
                .dependencies
                .iter()
                .filter(|(name, _)| by_name.contains_key(name) && name != &found.name)
                .map(|(name, kind)| Dependency { name: name.clone(), kind: *kind })
                .collect(),
            include: Vec::new(),
            exclude: Vec::new(),
            tag: default_tag.clone(),
        })
        .collect();

    for explicit in &config.packages {
        let existing = packages.iter().position(|package| package.name == explicit.name);
        let package = match existing {
            Some(index) => &mut packages[index],
            None => {
                let Some(path) = &explicit.path else {
                    return Err(WorkspaceError::Unmatched {
                        location: explicit.location.clone(),
                        name: explicit.name.clone(),
                        suggestion: closest(&explicit.name, packages.iter().map(|package| package.name.as_str())),
                    });
                };
                packages.push(Package {
                    name: explicit.name.clone(),
                    path: path.clone(),
                    ecosystem: None,
                    manifest: None,
                    version: None,
                    version_inherited: false,
                    version_group: None,
                    dependencies: Vec::new(),
                    include: Vec::new(),
                    exclude: Vec::new(),
                    tag: default_tag.clone(),
                });
                packages.last_mut().expect("just pushed")
            }
        };
        if let Some(path) = &explicit.path {
            if !root.join(path).is_dir() {
                return Err(WorkspaceError::PathMissing {
                    location: explicit.location.clone(),
                    name: explicit.name.clone(),
                    path: path.clone(),
                });
            }
            package.path = path.clone();
        }
        package.include = explicit.include.clone();
        package.exclude = explicit.exclude.clone();
        if let Some(tag) = &explicit.tag {
            package.tag = tag.clone();
        }
    }
    Ok(Workspace { packages })
}

fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .filter(|candidate| {
            let (a, b) = (name.to_ascii_lowercase(), candidate.to_ascii_lowercase());
            a.contains(&b) || b.contains(&a)
        })
        .map(str::to_string)
        .next()
}

/// The folder of a `/`-separated path; `.` for a top-level file.
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map_or(".", |index| &path[..index])
}

/// `base` joined with a relative `/`-separated path, normalised.
pub(crate) fn join(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = if base == "." { Vec::new() } else { base.split('/').collect() };
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

pub(crate) fn globs(patterns: &[String], file: &Path) -> Result<globset::GlobSet, WorkspaceError> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern).literal_separator(true).build().map_err(|error| {
            WorkspaceError::Glob { path: file.to_path_buf(), glob: pattern.clone(), message: error.kind().to_string() }
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|error| WorkspaceError::Glob {
        path: file.to_path_buf(),
        glob: patterns.join(", "),
        message: error.to_string(),
    })
}

/// Parses a version field, naming the file and key when it is not semver.
pub(crate) fn version(path: &Path, key: &str, value: &str) -> Result<semver::Version, WorkspaceError> {
    semver::Version::parse(value.trim()).map_err(|_| WorkspaceError::Version {
        path: path.to_path_buf(),
        key: key.to_string(),
        value: value.to_string(),
    })
}

/// Reads and parses a TOML manifest, with line and column on error.
pub(crate) fn read_toml(root: &Path, manifest: &str) -> Result<toml_edit::DocumentMut, WorkspaceError> {
    let path = root.join(manifest);
    let text = fs_err::read_to_string(&path)?;
    text.parse::<toml_edit::DocumentMut>().map_err(|error| {
        let (line, column) = error.span().map(|span| line_column(&text, span.start)).unwrap_or((1, 1));
        WorkspaceError::Parse { path: PathBuf::from(manifest), line, column, message: first_line(error.message()) }
    })
}

pub(crate) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}

pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[start..].chars().count() + 1)
}

/// Folders (relative to `base`) matched by workspace member globs, among the folders that hold
/// `manifest_name`.
pub(crate) fn members(
    base: &str,
    patterns: &[String],
    excludes: &[String],
    manifests: &[&str],
    manifest_name: &str,
    file: &Path,
) -> Result<Vec<String>, WorkspaceError> {
    let relative = |pattern: &String| {
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        join(base, pattern)
    };
    let include = globs(&patterns.iter().map(relative).collect::<Vec<_>>(), file)?;
    let exclude = globs(&excludes.iter().map(relative).collect::<Vec<_>>(), file)?;
    let mut out = Vec::new();
    for manifest in manifests {
        if !manifest.ends_with(manifest_name) {
            continue;
        }
        let folder = parent(manifest);
        if include.is_match(folder) && !exclude.is_match(folder) {
            out.push(folder.to_string());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
