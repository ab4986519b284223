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

use release_config::glob::Globs;
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
    /// What discovery skipped and the user should hear about (each names its file and line);
    /// the plan shows them with its own warnings.
    pub warnings: Vec<String>,
}

/// Errors from reading manifests and merging them with `release.toml`.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Io(#[from] std::io::Error),

    #[error("{}:{line}:{column}: cannot parse manifest: {message}", path.display())]
    Parse { path: PathBuf, line: usize, column: usize, message: String },

    #[error("{}:{line}:{column}: the file is not valid UTF-8 (hint: save it as UTF-8, as cargo, npm and pip require)", path.display())]
    NotUtf8 { path: PathBuf, line: usize, column: usize },

    #[error("{}:{line}: `{key}` must be {expected}, not {found} (hint: {hint})", path.display())]
    WrongType { path: PathBuf, line: usize, key: String, expected: String, found: String, hint: String },

    #[error(
        "{}:{line}: workspace member `{pattern}` is outside the repository (hint: {hint})", path.display()
    )]
    OutsideRepository { path: PathBuf, line: usize, pattern: String, hint: String },

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

impl release_exit::Classify for WorkspaceError {
    fn exit_class(&self) -> release_exit::ExitClass {
        use release_exit::ExitClass;
        match self {
            WorkspaceError::Io(_) => ExitClass::Unexpected,
            WorkspaceError::Parse { .. }
            | WorkspaceError::NotUtf8 { .. }
            | WorkspaceError::WrongType { .. }
            | WorkspaceError::OutsideRepository { .. }
            | WorkspaceError::Version { .. }
            | WorkspaceError::Missing { .. }
            | WorkspaceError::PathMissing { .. }
            | WorkspaceError::Unmatched { .. }
            | WorkspaceError::Duplicate { .. }
            | WorkspaceError::Glob { .. } => ExitClass::InvalidInput,
        }
    }
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
    let mut warnings = Vec::new();
    for ecosystem in &config.workspace.discover {
        match ecosystem {
            Ecosystem::Cargo => found.extend(cargo::discover(root, &files)?),
            Ecosystem::Npm => found.extend(npm::discover(root, &files, &mut warnings)?),
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
                        suggestion: release_config::suggest::closest(
                            &explicit.name,
                            packages.iter().map(|package| package.name.as_str()),
                        )
                        .map(str::to_string),
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
    Ok(Workspace { packages, warnings })
}

/// The folder of a `/`-separated path; `.` for a top-level file.
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map_or(".", |index| &path[..index])
}

/// `base` joined with a relative `/`-separated path, normalised; `None` when the path is absolute
/// or climbs above the repository root (nothing there is tracked here).
pub(crate) fn join(base: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') || relative.starts_with('\\') {
        return None;
    }
    let mut parts: Vec<&str> = if base == "." { Vec::new() } else { base.split('/').collect() };
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(if parts.is_empty() { ".".into() } else { parts.join("/") })
}

/// `patterns` compiled the way every glob in release.toml is; an error names the file and glob.
pub(crate) fn globs(patterns: &[String], file: &Path) -> Result<Globs, WorkspaceError> {
    Globs::new(patterns.iter().map(String::as_str)).map_err(|error| WorkspaceError::Glob {
        path: file.to_path_buf(),
        glob: error.glob().map_or_else(|| patterns.join(", "), str::to_string),
        message: match error.glob() {
            Some(_) => error.kind().to_string(),
            None => error.to_string(),
        },
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

/// Reads a manifest as text. A file that is not UTF-8 is bad input (named, with the line of the
/// first bad byte), not an I/O failure.
pub(crate) fn read_text(root: &Path, manifest: &str) -> Result<String, WorkspaceError> {
    let bytes = fs_err::read(root.join(manifest))?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let (line, column) = line_column(std::str::from_utf8(valid).unwrap_or_default(), valid.len());
        WorkspaceError::NotUtf8 { path: PathBuf::from(manifest), line, column }
    })
}

/// Reads and parses a TOML manifest, with line and column on error. The text comes back too, for
/// the line of a later complaint.
pub(crate) fn read_toml(root: &Path, manifest: &str) -> Result<(toml_edit::DocumentMut, String), WorkspaceError> {
    let text = read_text(root, manifest)?;
    match text.parse::<toml_edit::DocumentMut>() {
        Ok(document) => Ok((document, text)),
        Err(error) => {
            let (line, column) = error.span().map(|span| line_column(&text, span.start)).unwrap_or((1, 1));
            Err(WorkspaceError::Parse {
                path: PathBuf::from(manifest),
                line,
                column,
                message: first_line(error.message()),
            })
        }
    }
}

/// One step of a key path inside a manifest, to find the line of a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The line of the value at `steps` in a TOML text (of the deepest step found; 1 when none is).
/// Only called on the way to an error, so the text is parsed again, this time keeping spans.
pub(crate) fn toml_line(text: &str, steps: &[Step<'_>]) -> usize {
    let Ok(document) = toml_edit::Document::parse(text) else {
        return 1;
    };
    // Tables are items; what is inside an array or an inline table is a value.
    let mut item = Some(document.as_item());
    let mut value: Option<&toml_edit::Value> = None;
    let mut span = None;
    for step in steps {
        let current = match item {
            Some(item) => item.as_value(),
            None => value,
        };
        match (step, item, current) {
            (Step::Key(key), Some(table), _) if table.is_table_like() => {
                item = table.get(key);
                value = None;
                span = item.and_then(toml_edit::Item::span).or(span);
            }
            (Step::Key(key), _, Some(toml_edit::Value::InlineTable(table))) => {
                value = table.get(key);
                item = None;
                span = value.and_then(toml_edit::Value::span).or(span);
            }
            (Step::Index(index), _, Some(toml_edit::Value::Array(array))) => {
                value = array.get(*index);
                item = None;
                span = value.and_then(toml_edit::Value::span).or(span);
            }
            _ => break,
        }
        if item.is_none() && value.is_none() {
            break;
        }
    }
    span.map_or(1, |span| line_column(text, span.start).0)
}

/// The line of the value at `steps` in a JSON text (of the deepest step found; 1 when none is).
pub(crate) fn json_line(text: &str, steps: &[Step<'_>]) -> usize {
    use jsonc_parser::ast::Value;
    use jsonc_parser::common::Ranged;
    let Ok(parsed) = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default()) else {
        return 1;
    };
    let mut value = parsed.value;
    let mut start = value.as_ref().map(|value| value.range().start);
    for step in steps {
        let next = match (step, value) {
            (Step::Key(key), Some(Value::Object(mut object))) => object.take(key).map(|property| property.value),
            (Step::Index(index), Some(Value::Array(array))) => array.elements.into_iter().nth(*index),
            _ => None,
        };
        let Some(next) = next else { break };
        start = Some(next.range().start);
        value = Some(next);
    }
    start.map_or(1, |start| line_column(text, start).0)
}

/// What a JSON value is, for a message: `the number 5`, `a list`.
pub(crate) fn describe_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(value) => format!("the boolean {value}"),
        serde_json::Value::Number(value) => format!("the number {value}"),
        serde_json::Value::String(value) if value.is_empty() => "an empty string".into(),
        serde_json::Value::String(value) => format!("the string {value:?}"),
        serde_json::Value::Array(_) => "a list".into(),
        serde_json::Value::Object(_) => "an object".into(),
    }
}

/// What a TOML item is, for a message.
pub(crate) fn describe_toml(item: &toml_edit::Item) -> String {
    use toml_edit::Value;
    match item {
        toml_edit::Item::Value(Value::String(value)) if value.value().is_empty() => "an empty string".into(),
        toml_edit::Item::Value(Value::String(value)) => format!("the string {:?}", value.value()),
        toml_edit::Item::Value(Value::Integer(value)) => format!("the integer {}", value.value()),
        toml_edit::Item::Value(Value::Float(value)) => format!("the number {}", value.value()),
        toml_edit::Item::Value(Value::Boolean(value)) => format!("the boolean {}", value.value()),
        toml_edit::Item::Value(Value::Datetime(value)) => format!("the date {}", value.value()),
        toml_edit::Item::Value(Value::Array(_)) | toml_edit::Item::ArrayOfTables(_) => "a list".into(),
        toml_edit::Item::Value(Value::InlineTable(_)) | toml_edit::Item::Table(_) => "a table".into(),
        toml_edit::Item::None => "nothing".into(),
    }
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

/// The folders (relative to `base`) matched by workspace member globs, among the folders that
/// hold `manifest_name`, and the indexes of the patterns that point outside the repository (the
/// caller decides, as its ecosystem's tool would, whether that is an error or a warning).
pub(crate) struct Members {
    pub folders: Vec<String>,
    pub outside: Vec<usize>,
}

pub(crate) fn members(
    base: &str,
    patterns: &[String],
    excludes: &[String],
    manifests: &[&str],
    manifest_name: &str,
    file: &Path,
) -> Result<Members, WorkspaceError> {
    let relative = |pattern: &String| join(base, pattern.trim_start_matches("./").trim_end_matches('/'));
    let mut outside = Vec::new();
    let mut inside = Vec::new();
    for (index, pattern) in patterns.iter().enumerate() {
        match relative(pattern) {
            Some(pattern) => inside.push(pattern),
            None => outside.push(index),
        }
    }
    let include = globs(&inside, file)?;
    // An exclusion outside the repository excludes nothing here.
    let exclude = globs(&excludes.iter().filter_map(relative).collect::<Vec<_>>(), file)?;
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
    Ok(Members { folders: out, outside })
}

#[cfg(test)]
mod tests;
