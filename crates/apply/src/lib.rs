//! Applying a plan to the files people read: every manifest that carries a version, every
//! internal dependency requirement, lock files, version files and changelogs.
//!
//! [`changes`] computes the new content of every file from the plan, without writing anything
//! (that is `release cut --dry-run`); [`write_all`] writes them atomically (that is
//! `--no-commit`). The edits themselves are pure functions in `release-manifests` and
//! `release-changelog`; this crate reads the current files, calls them, and guards the writes:
//! no path leaves the repository, and every file ends up either old or new, never truncated.
//!
//! ```no_run
//! # fn demo(input: release_apply::ApplyInput<'_>) -> Result<(), release_apply::ApplyError> {
//! let changes = release_apply::changes(&input)?;
//! print!("{}", release_apply::unified_diff(&changes));
//! release_apply::write_all(input.root, &changes)?;
//! # Ok(()) }
//! ```

mod paths;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;
use release_changelog::{Links, Release, Renderer};
use release_config::{Config, Ecosystem};
use release_plan::{Bump, PackagePlan, Plan};
use release_workspace::{Package, Workspace};
use semver::Version;

pub use paths::inside;
pub use write::{staging_target, write_all};

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Io(#[from] std::io::Error),

    #[error(transparent)]
    Manifest(#[from] release_manifests::ManifestError),

    #[error(transparent)]
    Changelog(#[from] release_changelog::ChangelogError),

    #[error("`{path}` leaves the repository{} (hint: every path release writes must be inside the repository)", via.as_ref().map(|via| format!(" through the symlink `{via}`")).unwrap_or_default())]
    Escape { path: String, via: Option<String> },

    #[error(
        "`{path}` is inside `.git`, git's own files (hint: every path release reads or writes is a file of the repository, outside `.git`)"
    )]
    GitDir { path: String },

    #[error(
        "`{path}` is a directory, but release needs to read and write it as a file (hint: move the directory, or name another file in release.toml, e.g. `changelog = \"...\"`)"
    )]
    NotAFile { path: String },
}

impl release_exit::Classify for ApplyError {
    fn exit_class(&self) -> release_exit::ExitClass {
        use release_exit::ExitClass;
        match self {
            ApplyError::Io(_) => ExitClass::Unexpected,
            ApplyError::Manifest(_)
            | ApplyError::Changelog(_)
            | ApplyError::Escape { .. }
            | ApplyError::GitDir { .. }
            | ApplyError::NotAFile { .. } => ExitClass::InvalidInput,
        }
    }
}

/// A file's content before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// `None` for a new file.
    pub before: Option<String>,
    pub after: String,
}

/// Everything needed to apply a plan.
pub struct ApplyInput<'a> {
    pub root: &'a Path,
    pub config: &'a Config,
    pub workspace: &'a Workspace,
    pub plan: &'a Plan,
    /// `YYYY-MM-DD`, for changelog headers.
    pub date: &'a str,
    pub links: Option<&'a Links>,
    pub renderer: &'a Renderer,
}

/// Files read once and edited in memory, possibly several times (a Cargo.toml that is both a
/// package manifest and its workspace root).
struct Files<'a> {
    root: &'a Path,
    /// path -> (content on disk, new content once edited).
    contents: BTreeMap<String, (Option<String>, Option<String>)>,
}

impl Files<'_> {
    fn exists(&self, path: &str) -> bool {
        self.contents.contains_key(path) || self.root.join(path).is_file()
    }

    fn read(&self, path: &str) -> Result<Option<String>, ApplyError> {
        let full = inside(self.root, path)?;
        match fs_err::read_to_string(&full) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) if error.kind() == std::io::ErrorKind::IsADirectory => {
                Err(ApplyError::NotAFile { path: path.to_string() })
            }
            Err(error) => Err(error.into()),
        }
    }

    fn edit(
        &mut self,
        path: &str,
        edit: impl FnOnce(Option<&str>) -> Result<String, ApplyError>,
    ) -> Result<(), ApplyError> {
        if !self.contents.contains_key(path) {
            let before = self.read(path)?;
            self.contents.insert(path.to_string(), (before, None));
        }
        let (before, after) = self.contents.get_mut(path).expect("inserted above");
        let current = after.as_deref().or(before.as_deref());
        *after = Some(edit(current)?);
        Ok(())
    }

    fn into_changes(self) -> Vec<FileChange> {
        self.contents
            .into_iter()
            .filter_map(|(path, (before, after))| {
                let after = after?;
                (before.as_deref() != Some(after.as_str())).then_some(FileChange { path, before, after })
            })
            .collect()
    }
}

fn join(folder: &str, file: &str) -> String {
    if folder == "." { file.to_string() } else { format!("{folder}/{file}") }
}

/// The manifests of `ecosystem` a package has: its own, and its companions' (a crate's npm
/// package in the same folder).
fn manifests_of(package: &Package, ecosystem: Ecosystem) -> Vec<&str> {
    let own = package.manifest.as_deref().filter(|_| package.ecosystem == Some(ecosystem));
    let companions = package.companions.iter().filter(|companion| companion.ecosystem == ecosystem);
    own.into_iter().chain(companions.map(|companion| companion.manifest.as_str())).collect()
}

/// Every manifest of `ecosystem` in the workspace, with its package.
fn all_manifests(workspace: &Workspace, ecosystem: Ecosystem) -> impl Iterator<Item = (&Package, &str)> {
    workspace
        .packages
        .iter()
        .flat_map(move |package| manifests_of(package, ecosystem).into_iter().map(move |manifest| (package, manifest)))
}

/// The folder of a `/`-separated file path; `.` at the root.
fn folder_of(file: &str) -> &str {
    file.rfind('/').map_or(".", |index| &file[..index])
}

/// Folders from `folder` up to the root: `a/b`, `a`, `.`.
fn ancestors(folder: &str) -> Vec<String> {
    let mut out = vec![folder.to_string()];
    let mut current = folder;
    while current != "." {
        current = current.rfind('/').map_or(".", |index| &current[..index]);
        out.push(current.to_string());
    }
    out
}

/// Computes every file change the plan implies; reads files, writes nothing.
pub fn changes(input: &ApplyInput<'_>) -> Result<Vec<FileChange>, ApplyError> {
    Ok(edits(input)?.into_changes())
}

/// Every file the plan writes, whether or not its content changes (sorted): what a release
/// commit may touch.
pub fn targets(input: &ApplyInput<'_>) -> Result<Vec<String>, ApplyError> {
    let files = edits(input)?;
    Ok(files.contents.into_iter().filter(|(_, (_, after))| after.is_some()).map(|(path, _)| path).collect())
}

/// Released packages by name: the workspace package, its current version and its next version.
type Released<'a> = BTreeMap<&'a str, (&'a Package, Version, Version)>;

/// Every edit the plan implies, in memory.
fn edits<'a>(input: &ApplyInput<'a>) -> Result<Files<'a>, ApplyError> {
    let mut files = Files { root: input.root, contents: BTreeMap::new() };
    let released = released(input);
    edit_cargo(input, &released, &mut files)?;
    edit_npm(input, &released, &mut files)?;
    edit_python(input, &released, &mut files)?;
    let changelogs = version_files_and_changelogs(input, &released, &mut files)?;
    upsert_package_changelogs(input, &changelogs, &mut files)?;
    upsert_root_changelog(input, &mut files)?;
    Ok(files)
}

/// The packages the plan bumps, with their versions, so every edit below agrees.
fn released<'a>(input: &ApplyInput<'a>) -> Released<'a> {
    input
        .plan
        .packages
        .iter()
        .filter(|plan| plan.bump != Bump::None)
        .filter_map(|plan| {
            let package = input.workspace.packages.iter().find(|package| package.name == plan.name)?;
            Some((plan.name.as_str(), (package, plan.current_version.clone(), plan.next_version.clone())))
        })
        .collect()
}

/// The next version of each released package with a manifest of `ecosystem`, keyed by the name
/// its manifests use: what dependents' requirements are rewritten to.
fn versions_of(released: &Released<'_>, ecosystem: Ecosystem) -> release_manifests::Versions {
    released
        .values()
        .filter(|(package, _, _)| !manifests_of(package, ecosystem).is_empty())
        .map(|(package, _, next)| (package.manifest_name().to_string(), next.clone()))
        .collect()
}

/// Cargo: every crate's manifest (dependents' requirements change too), workspace roots, locks.
fn edit_cargo(input: &ApplyInput<'_>, released: &Released<'_>, files: &mut Files<'_>) -> Result<(), ApplyError> {
    let cargo_versions = versions_of(released, Ecosystem::Cargo);
    if cargo_versions.is_empty() {
        return Ok(());
    }
    let CargoFiles { manifests, locks, group_versions } = cargo_files(input, released, files);
    for manifest in &manifests {
        let own = all_manifests(input.workspace, Ecosystem::Cargo)
            .find(|(package, own)| {
                *own == manifest.as_str()
                    && !(package.version_inherited && package.manifest.as_deref() == Some(manifest.as_str()))
            })
            .and_then(|(package, _)| released.get(package.name.as_str()))
            .map(|(_, _, next)| next.clone());
        let workspace_version = group_versions.get(manifest).cloned();
        files.edit(manifest, |text| {
            Ok(release_manifests::edit_cargo_toml(
                manifest,
                text.unwrap_or_default(),
                own.as_ref(),
                workspace_version.as_ref(),
                &cargo_versions,
            )?)
        })?;
    }
    for lock in &locks {
        files.edit(lock, |text| {
            Ok(release_manifests::edit_cargo_lock(lock, text.unwrap_or_default(), &cargo_versions)?)
        })?;
    }
    Ok(())
}

/// The Cargo files a release may touch, and the version each workspace root's group moves to.
struct CargoFiles {
    manifests: BTreeSet<String>,
    locks: BTreeSet<String>,
    /// Version group (a workspace root manifest) -> the highest next version among its crates.
    group_versions: BTreeMap<String, Version>,
}

/// Finds every crate manifest, every `Cargo.toml` and `Cargo.lock` above one, and each version
/// group's new version: a workspace root is edited once, however many crates share it.
fn cargo_files(input: &ApplyInput<'_>, released: &Released<'_>, files: &Files<'_>) -> CargoFiles {
    let mut found = CargoFiles { manifests: BTreeSet::new(), locks: BTreeSet::new(), group_versions: BTreeMap::new() };
    for (package, manifest) in all_manifests(input.workspace, Ecosystem::Cargo) {
        found.manifests.insert(manifest.to_string());
        for folder in ancestors(folder_of(manifest)) {
            let manifest = join(&folder, "Cargo.toml");
            if files.exists(&manifest) {
                found.manifests.insert(manifest);
            }
            let lock = join(&folder, "Cargo.lock");
            if files.exists(&lock) {
                found.locks.insert(lock);
            }
        }
        if let (Some(group), Some((_, _, next))) = (&package.version_group, released.get(package.name.as_str())) {
            let entry = found.group_versions.entry(group.clone()).or_insert_with(|| next.clone());
            if next > entry {
                *entry = next.clone();
            }
        }
    }
    found
}

/// npm, pnpm, yarn, bun: package.json files and package-lock.json.
fn edit_npm(input: &ApplyInput<'_>, released: &Released<'_>, files: &mut Files<'_>) -> Result<(), ApplyError> {
    let npm_versions = versions_of(released, Ecosystem::Npm);
    if npm_versions.is_empty() {
        return Ok(());
    }
    let mut locks: BTreeSet<String> = BTreeSet::new();
    for (package, manifest) in all_manifests(input.workspace, Ecosystem::Npm) {
        let own = released.get(package.name.as_str()).map(|(_, _, next)| next.clone());
        files.edit(manifest, |text| {
            Ok(release_manifests::edit_package_json(manifest, text.unwrap_or_default(), own.as_ref(), &npm_versions)?)
        })?;
        for folder in ancestors(folder_of(manifest)) {
            let lock = join(&folder, "package-lock.json");
            if files.exists(&lock) {
                locks.insert(lock);
            }
        }
    }
    for lock in &locks {
        let folders = lock_folders(released, lock);
        files.edit(lock, |text| Ok(release_manifests::edit_package_lock(lock, text.unwrap_or_default(), &folders)?))?;
    }
    Ok(())
}

/// The released npm packages a `package-lock.json` lists, keyed by their folder relative to the
/// lock's folder (empty for the lock's own package), as the lock file names them.
fn lock_folders(released: &Released<'_>, lock: &str) -> BTreeMap<String, (String, Version)> {
    let lock_folder = lock.rfind('/').map_or(".", |index| &lock[..index]);
    released
        .iter()
        .filter_map(|(_, (package, _, next))| {
            let name = package.manifest_name();
            let manifest = manifests_of(package, Ecosystem::Npm).into_iter().next()?;
            let path = folder_of(manifest);
            let relative = if lock_folder == "." {
                if path == "." { String::new() } else { path.to_string() }
            } else if path == lock_folder {
                String::new()
            } else {
                path.strip_prefix(&format!("{lock_folder}/"))?.to_string()
            };
            Some((relative, (name.to_string(), next.clone())))
        })
        .collect()
}

/// Python: each package's pyproject.toml.
fn edit_python(input: &ApplyInput<'_>, released: &Released<'_>, files: &mut Files<'_>) -> Result<(), ApplyError> {
    let python_versions = versions_of(released, Ecosystem::Python);
    if python_versions.is_empty() {
        return Ok(());
    }
    for (package, manifest) in all_manifests(input.workspace, Ecosystem::Python) {
        let own = released.get(package.name.as_str()).map(|(_, _, next)| next.clone());
        files.edit(manifest, |text| {
            Ok(release_manifests::edit_pyproject(manifest, text.unwrap_or_default(), own.as_ref(), &python_versions)?)
        })?;
    }
    Ok(())
}

/// Edits the version files of released packages and lists their changelogs, which are rendered
/// afterwards, all together, so they can run in parallel.
fn version_files_and_changelogs<'p>(
    input: &ApplyInput<'p>,
    released: &'p Released<'p>,
    files: &mut Files<'_>,
) -> Result<Vec<Changelog<'p>>, ApplyError> {
    let mut changelogs: Vec<Changelog<'p>> = Vec::new();
    for plan in input.plan.packages.iter().filter(|plan| plan.bump != Bump::None) {
        let Some((package, current, next)) = released.get(plan.name.as_str()) else { continue };
        let explicit = input.config.packages.iter().find(|explicit| explicit.name == plan.name);
        for version_file in explicit.map(|explicit| explicit.version_files.as_slice()).unwrap_or_default() {
            files.edit(&version_file.path, |text| {
                Ok(release_manifests::edit_version_file(
                    &version_file.path,
                    text.unwrap_or_default(),
                    version_file.marker.as_deref(),
                    current,
                    next,
                )?)
            })?;
        }
        let changelog = match explicit.and_then(|explicit| explicit.changelog.clone()) {
            Some(path) => path,
            None if input.config.changelog.packages => Some(join(&package.path, "CHANGELOG.md")),
            None => None,
        };
        if let Some(path) = changelog {
            changelogs.push(Changelog { plan, path, next, dependencies: input.plan.released_dependencies(plan) });
        }
    }
    Ok(changelogs)
}

/// Changelogs are the bulk of the work (each is rewritten with the new section on top), so they
/// are rendered in parallel when every changelog is its own file that nothing else edits, and in
/// order otherwise.
fn upsert_package_changelogs(
    input: &ApplyInput<'_>,
    changelogs: &[Changelog<'_>],
    files: &mut Files<'_>,
) -> Result<(), ApplyError> {
    let mut paths: Vec<&str> = changelogs.iter().map(|changelog| changelog.path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    let independent = paths.len() == changelogs.len() && paths.iter().all(|path| !files.contents.contains_key(*path));
    if !independent {
        for Changelog { plan, path, next, dependencies } in changelogs {
            upsert_changelog(files, input, path, next, &release_of(input, plan, dependencies))?;
        }
        return Ok(());
    }
    let computed: Vec<(String, Option<String>, String)> = changelogs
        .par_iter()
        .map(|Changelog { plan, path, next, dependencies }| {
            let before = files.read(path)?;
            let release = release_of(input, plan, dependencies);
            let after = input.renderer.upsert_into(before.as_deref(), path, next, &release, style(input.config))?;
            Ok((path.clone(), before, after))
        })
        .collect::<Result<_, ApplyError>>()?;
    for (path, before, after) in computed {
        files.contents.insert(path, (before, Some(after)));
    }
    Ok(())
}

/// The repository's own changelog (`changelog.root`), when the plan releases the repository.
fn upsert_root_changelog(input: &ApplyInput<'_>, files: &mut Files<'_>) -> Result<(), ApplyError> {
    let (Some(repo), Some(path)) = (&input.plan.repo, &input.config.changelog.root) else { return Ok(()) };
    if repo.bump == Bump::None {
        return Ok(());
    }
    let next = &repo.next_version;
    let release = Release {
        version: &repo.next_version,
        date: input.date,
        previous_tag: repo.previous_tag.as_deref(),
        tag: repo.next_tag.as_deref().unwrap_or_default(),
        commits: &repo.commits,
        changes: &[],
        dependencies: &[],
        links: input.links,
    };
    upsert_changelog(files, input, path, next, &release)
}

/// A package changelog to upsert: the package's plan, the file, the new version, and the
/// dependencies whose release caused it.
struct Changelog<'p> {
    plan: &'p PackagePlan,
    path: String,
    next: &'p Version,
    dependencies: Vec<(String, Version)>,
}

/// The changelog release section of one package: its plan's commits, changes and tags.
fn release_of<'r>(
    input: &'r ApplyInput<'_>,
    plan: &'r PackagePlan,
    dependencies: &'r [(String, Version)],
) -> Release<'r> {
    Release {
        version: &plan.next_version,
        date: input.date,
        previous_tag: plan.previous_tag.as_deref(),
        tag: plan.next_tag.as_deref().unwrap_or_default(),
        commits: &plan.commits,
        changes: &plan.changes,
        dependencies,
        links: input.links,
    }
}

/// Puts a release's section into a changelog already read or edited, in the configured style.
fn upsert_changelog(
    files: &mut Files<'_>,
    input: &ApplyInput<'_>,
    path: &str,
    version: &Version,
    release: &Release<'_>,
) -> Result<(), ApplyError> {
    files.edit(path, |text| Ok(input.renderer.upsert_into(text, path, version, release, style(input.config))?))
}

/// The changelog style release.toml sets, if any (else each file's own).
fn style(config: &Config) -> Option<release_changelog::Style> {
    config.changelog.style.map(|style| match style {
        release_config::ChangelogStyle::Conventional => release_changelog::Style::Conventional,
        release_config::ChangelogStyle::KeepAChangelog => release_changelog::Style::KeepAChangelog,
    })
}

/// A unified diff of every change, `git diff` style, in path order.
pub fn unified_diff(changes: &[FileChange]) -> String {
    let mut out = String::new();
    for change in changes {
        let before = change.before.as_deref().unwrap_or("");
        let old_header = if change.before.is_some() { format!("a/{}", change.path) } else { "/dev/null".to_string() };
        let diff = similar::TextDiff::from_lines(before, change.after.as_str());
        out.push_str(&format!("diff --release a/{0} b/{0}\n", change.path));
        out.push_str(
            &diff.unified_diff().context_radius(3).header(&old_header, &format!("b/{}", change.path)).to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests;
