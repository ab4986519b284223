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
use release_config::{Config, Ecosystem, PackageConfig, PrivatePackages, TagTemplate};

/// A package of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The name plans, tags and release.toml use: the manifest's, unless a `[[package]]` entry
    /// with the package's path gives another.
    pub name: String,
    /// The name in the manifest when a `[[package]]` entry shows the package under another one
    /// (what dependents' manifests call it).
    pub manifest_name: Option<String>,
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
    /// Other manifests of the same package in the same folder (a crate's npm wrapper): their
    /// versions move with the package's.
    pub companions: Vec<Companion>,
    pub dependencies: Vec<Dependency>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub tag: TagTemplate,
}

impl Package {
    fn manifestless(name: &str, path: &str, tag: &TagTemplate) -> Package {
        Package {
            name: name.to_string(),
            manifest_name: None,
            path: path.to_string(),
            ecosystem: None,
            manifest: None,
            version: None,
            version_inherited: false,
            version_group: None,
            companions: Vec::new(),
            dependencies: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
            tag: tag.clone(),
        }
    }

    /// The name the package has in its manifests.
    pub fn manifest_name(&self) -> &str {
        self.manifest_name.as_deref().unwrap_or(&self.name)
    }
}

/// A second manifest of a package, of another ecosystem, in the package's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companion {
    pub ecosystem: Ecosystem,
    pub manifest: String,
    pub version: Option<semver::Version>,
}

/// A package discovery found but does not release, and why (`private, no version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub path: String,
    pub reason: String,
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
    /// Packages that are not released (they cannot be published, or `[workspace] private`
    /// says so), by name; the plan lists them so nothing disappears silently.
    pub skipped: Vec<Skipped>,
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

    #[error(
        "{location}: package `{name}` has path `{path}`, the folder of `{others}` too (hint: one entry per package: give the name of the one this entry is for, or another path)"
    )]
    SamePath { location: release_config::Location, name: String, path: String, others: String },

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
            | WorkspaceError::SamePath { .. }
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
    /// The manifest states a version of the package's own (or inherits one): without one, a
    /// private package can never be published.
    pub has_version: bool,
    /// npm `"private": true`, Cargo `publish = false` (or no version, which cargo treats so).
    pub private: bool,
    pub version_inherited: bool,
    pub version_group: Option<String>,
    pub dependencies: Vec<(String, DependencyKind)>,
    /// The folder of the crate a Python project builds (maturin's `manifest-path`): the two are
    /// one package, wherever they are.
    pub binds: Option<String>,
}

impl Found {
    /// Why the package is not released, if it is not: it can never be published, or it is
    /// private and `[workspace] private = "skip"` says to leave private packages alone.
    fn skip_reason(&self, policy: PrivatePackages) -> Option<&'static str> {
        match (self.ecosystem, self.private, self.has_version) {
            (Ecosystem::Cargo, true, false) => Some("publish = false, no version"),
            // Cargo reads a missing version as 0.0.0 with `publish = false`.
            (Ecosystem::Cargo, false, false) => Some("no version"),
            (_, true, false) => Some("private, no version"),
            (Ecosystem::Cargo, true, true) if policy == PrivatePackages::Skip => Some("publish = false"),
            (_, true, true) if policy == PrivatePackages::Skip => Some("private"),
            _ => None,
        }
    }

    fn into_package(self, tag: &TagTemplate) -> Package {
        Package {
            name: self.name,
            manifest_name: None,
            path: self.path,
            ecosystem: Some(self.ecosystem),
            manifest: Some(self.manifest),
            version: self.version,
            version_inherited: self.version_inherited,
            version_group: self.version_group,
            companions: Vec::new(),
            dependencies: self.dependencies.into_iter().map(|(name, kind)| Dependency { name, kind }).collect(),
            include: Vec::new(),
            exclude: Vec::new(),
            tag: tag.clone(),
        }
    }
}

/// The file names discovery reads: of the tracked files, only these matter (callers may pass just
/// them, as `Repo::tracked_files_named` lists them).
pub const MANIFEST_NAMES: &[&str] = &["Cargo.toml", "package.json", "pnpm-workspace.yaml", "pyproject.toml"];

/// Discovers the packages under `root` from the tracked `files`, then applies `release.toml`.
///
/// Each ecosystem decides membership first and reads only the manifests of its workspace roots
/// and members (see the modules); packages that cannot be released are set aside in
/// [`Workspace::skipped`]; a crate and an npm package of one name in one folder are one package.
/// Folders that hold tests and their fixtures: a manifest below one is a fixture, not a package,
/// unless a workspace lists it as a member or release.toml names its folder.
const TEST_FOLDERS: [&str; 9] =
    ["test", "tests", "__tests__", "fixtures", "__fixtures__", "testdata", "test-data", "test_data", "spec"];

/// Whether `manifest` is read when no workspace of its ecosystem decides membership: not below a
/// test or fixture folder, unless release.toml lists its folder.
pub(crate) fn outside_tests(manifest: &str, listed: &[String]) -> bool {
    let folder = parent(manifest);
    listed.iter().any(|path| path == folder) || !folder.split('/').any(|part| TEST_FOLDERS.contains(&part))
}

pub fn discover(root: &Path, config: &Config, files: &[String]) -> Result<Workspace, WorkspaceError> {
    let ignore = globs(&config.workspace.ignore, &config.file)?;
    let files: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|file| !file.split('/').any(|part| part == "node_modules"))
        .filter(|file| !ignore.is_match(file) && !ignore.is_match(parent(file)))
        .collect();
    let listed: Vec<String> = config.packages.iter().filter_map(|explicit| explicit.path.clone()).collect();

    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for ecosystem in &config.workspace.discover {
        match ecosystem {
            Ecosystem::Cargo => found.extend(cargo::discover(root, &files, &listed)?),
            Ecosystem::Npm => found.extend(npm::discover(root, &files, &listed, &mut warnings)?),
            Ecosystem::Python => found.extend(python::discover(root, &files, &listed)?),
        }
    }
    let (found, skipped) = set_aside(found, config, &listed);
    let found = merge_same_folder(found);
    for (lead, companions) in &found {
        for companion in companions.iter().filter(|companion| companion.version != lead.version) {
            let shown =
                |version: &Option<semver::Version>| version.as_ref().map_or("no version".into(), ToString::to_string);
            warnings.push(format!(
                "{}: `{}` says {} but `{}` says {}; a release sets both to the next version",
                lead.name,
                lead.manifest,
                shown(&lead.version),
                companion.manifest,
                shown(&companion.version)
            ));
        }
    }
    check_duplicates(&found, config)?;

    let single = found.len() + config.packages.iter().filter(|explicit| !is_discovered(explicit, &found)).count() == 1
        && config.repo.is_none();
    let default_tag = TagTemplate::parse(if single { "v{version}" } else { "{name}-v{version}" }).expect("valid");
    let mut packages: Vec<Package> = found
        .into_iter()
        .map(|(found, companions)| {
            let mut package = found.into_package(&default_tag);
            package.companions = companions;
            package
        })
        .collect();
    // Which entry each package took its settings from: two entries for one package is an error.
    let mut claimed: BTreeMap<usize, &str> = BTreeMap::new();
    for explicit in &config.packages {
        let index = apply_explicit(root, explicit, &mut packages, &default_tag)?;
        if let Some(first) = claimed.insert(index, &explicit.name) {
            return Err(WorkspaceError::SamePath {
                location: explicit.location.clone(),
                name: explicit.name.clone(),
                path: packages[index].path.clone(),
                others: first.to_string(),
            });
        }
    }
    check_names(&packages)?;
    link_dependencies(&mut packages);
    Ok(Workspace { packages, warnings, skipped })
}

/// Splits off the packages that are not released (see [`Found::skip_reason`]); a folder
/// `release.toml` lists with a `path` is always released.
fn set_aside(found: Vec<Found>, config: &Config, listed: &[String]) -> (Vec<Found>, Vec<Skipped>) {
    let mut kept = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    for package in found {
        let named = config.packages.iter().any(|explicit| explicit.name == package.name);
        let reason = package.skip_reason(config.workspace.private);
        match reason {
            Some(reason) if !named && !listed.contains(&package.path) => {
                // A crate and its npm wrapper: said once.
                if !skipped.iter().any(|other| other.name == package.name && other.path == package.path) {
                    skipped.push(Skipped { name: package.name, path: package.path, reason: reason.to_string() });
                }
            }
            _ => kept.push(package),
        }
    }
    skipped.sort_by(|a, b| (&a.name, &a.path).cmp(&(&b.name, &b.path)));
    (kept, skipped)
}

/// Two manifests of one name and of two ecosystems in one folder (a crate and its npm package),
/// or in a folder and its direct subfolder (a Tauri app's `package.json` and its
/// `src-tauri/Cargo.toml`), are one package whose versions move together: the first manifest (in
/// the order of `[workspace] discover`) leads, the others are its companions, and the package owns
/// the outer folder.
fn merge_same_folder(found: Vec<Found>) -> Vec<(Found, Vec<Companion>)> {
    let mut out: Vec<(Found, Vec<Companion>)> = Vec::new();
    for package in found {
        let lead = out.iter_mut().find(|(lead, _)| {
            let bound = package.binds.as_deref() == Some(lead.path.as_str())
                || lead.binds.as_deref() == Some(package.path.as_str());
            lead.name == package.name
                && lead.ecosystem != package.ecosystem
                && (lead.path == package.path
                    || parent(&lead.path) == package.path
                    || parent(&package.path) == lead.path
                    || bound)
        });
        match lead {
            Some((lead, companions)) => {
                if parent(&lead.path) == package.path && package.binds.is_none() {
                    lead.path = package.path.clone();
                }
                lead.dependencies.extend(package.dependencies);
                companions.push(Companion {
                    ecosystem: package.ecosystem,
                    manifest: package.manifest,
                    version: package.version,
                });
            }
            None => out.push((package, Vec::new())),
        }
    }
    out
}

/// Two packages of one name in different folders are an error naming both, unless release.toml
/// names one of them with the other's path (then the entry says which one it means).
fn check_duplicates(found: &[(Found, Vec<Companion>)], config: &Config) -> Result<(), WorkspaceError> {
    let mut by_name: BTreeMap<&str, &Found> = BTreeMap::new();
    for (package, _) in found {
        if let Some(first) = by_name.get(package.name.as_str()) {
            // An entry with the path of one of them tells them apart (by giving it another name);
            // whether it did is checked once the entries are applied.
            let explicit = config.packages.iter().any(|explicit| {
                explicit.path.as_deref().is_some_and(|path| path == package.path || path == first.path)
            });
            if !explicit {
                return Err(WorkspaceError::Duplicate {
                    name: package.name.clone(),
                    first: first.manifest.clone(),
                    second: package.manifest.clone(),
                });
            }
        }
        by_name.insert(&package.name, package);
    }
    Ok(())
}

/// After `release.toml` is applied, each name is one package's.
fn check_names(packages: &[Package]) -> Result<(), WorkspaceError> {
    let mut by_name: BTreeMap<&str, &Package> = BTreeMap::new();
    for package in packages {
        if let Some(first) = by_name.insert(&package.name, package) {
            let shown = |package: &Package| package.manifest.clone().unwrap_or_else(|| package.path.clone());
            return Err(WorkspaceError::Duplicate {
                name: package.name.clone(),
                first: shown(first),
                second: shown(package),
            });
        }
    }
    Ok(())
}

/// Whether a `[[package]]` entry names a discovered package (by its path, or by its name).
fn is_discovered(explicit: &PackageConfig, found: &[(Found, Vec<Companion>)]) -> bool {
    found.iter().any(|(package, _)| match &explicit.path {
        Some(path) => &package.path == path || package.name == explicit.name,
        None => package.name == explicit.name,
    })
}

/// Applies one `[[package]]` entry: it overrides the discovered package at its `path` (whatever
/// name it gives: that name is then the one shown and tagged), or else the one of its name, or
/// adds a package without a manifest.
fn apply_explicit(
    root: &Path,
    explicit: &PackageConfig,
    packages: &mut Vec<Package>,
    default_tag: &TagTemplate,
) -> Result<usize, WorkspaceError> {
    if let Some(path) = &explicit.path
        && !root.join(path).is_dir()
    {
        return Err(WorkspaceError::PathMissing {
            location: explicit.location.clone(),
            name: explicit.name.clone(),
            path: path.clone(),
        });
    }
    let index = match explicit_target(explicit, packages)? {
        Some(index) => index,
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
            packages.push(Package::manifestless(&explicit.name, path, default_tag));
            packages.len() - 1
        }
    };
    let package = &mut packages[index];
    if package.name != explicit.name {
        package.manifest_name.get_or_insert_with(|| package.name.clone());
        package.name = explicit.name.clone();
    }
    if let Some(path) = &explicit.path {
        package.path = path.clone();
    }
    package.include = explicit.include.clone();
    package.exclude = explicit.exclude.clone();
    if let Some(tag) = &explicit.tag {
        package.tag = tag.clone();
    }
    Ok(index)
}

/// The package a `[[package]]` entry overrides: the one at its path (the one of its name among
/// several there), else the one of its name. Another entry already at that path is an error.
fn explicit_target(explicit: &PackageConfig, packages: &[Package]) -> Result<Option<usize>, WorkspaceError> {
    let Some(path) = &explicit.path else {
        return Ok(packages.iter().position(|package| package.name == explicit.name));
    };
    let at_path: Vec<usize> = (0..packages.len()).filter(|index| &packages[*index].path == path).collect();
    let named = packages.iter().position(|package| package.name == explicit.name);
    match at_path.as_slice() {
        [] => Ok(named),
        [index] if packages[*index].manifest.is_some() || named == Some(*index) => Ok(Some(*index)),
        indexes => match indexes.iter().find(|index| packages[**index].name == explicit.name) {
            Some(index) => Ok(Some(*index)),
            None => Err(WorkspaceError::SamePath {
                location: explicit.location.clone(),
                name: explicit.name.clone(),
                path: path.clone(),
                others: indexes.iter().map(|index| packages[*index].name.clone()).collect::<Vec<_>>().join("`, `"),
            }),
        },
    }
}

/// Keeps the dependency edges that point at another package of the workspace, under the name
/// the package has after `release.toml` (which may rename it).
fn link_dependencies(packages: &mut [Package]) {
    let renamed: BTreeMap<String, String> = packages
        .iter()
        .filter_map(|package| package.manifest_name.clone().map(|old| (old, package.name.clone())))
        .collect();
    let names: std::collections::BTreeSet<String> = packages.iter().map(|package| package.name.clone()).collect();
    for package in packages.iter_mut() {
        let own = package.name.clone();
        let mut seen = std::collections::BTreeSet::new();
        package.dependencies = std::mem::take(&mut package.dependencies)
            .into_iter()
            .map(|dependency| match renamed.get(&dependency.name) {
                Some(name) => Dependency { name: name.clone(), kind: dependency.kind },
                None => dependency,
            })
            .filter(|dependency| names.contains(&dependency.name) && dependency.name != own)
            .filter(|dependency| seen.insert((dependency.name.clone(), dependency.kind as u8)))
            .collect();
    }
}

/// The folder of a `/`-separated path; `.` for a top-level file.
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map_or(".", |index| &path[..index])
}

/// Whether `folder` is `ancestor` or below it.
pub(crate) fn is_inside(folder: &str, ancestor: &str) -> bool {
    ancestor == "." || folder == ancestor || folder.starts_with(&format!("{ancestor}/"))
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
