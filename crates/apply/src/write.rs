//! Atomic writes: every new content goes to a temporary file beside its target first; only when
//! all of them are written and on disk are they renamed over their targets. A failure before the
//! renames changes nothing; a rename is atomic, so each file is always either old or new.
//!
//! Durability costs one `syncfs` before the renames and one after, not an `fsync` per file: with a
//! thousand packages, per-file syncs took seconds (see docs/performance.md). Where there is no
//! `syncfs` (macOS, the BSDs, Windows) each file, and then each folder, is synced instead.
//! Creating and renaming thousands of files is bound by per-file system-call cost, so both run on
//! every core.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::{ApplyError, FileChange, inside};

struct Staged {
    temporary: PathBuf,
    target: PathBuf,
}

/// Writes every change under `root`.
pub fn write_all(root: &Path, changes: &[FileChange]) -> Result<(), ApplyError> {
    let results: Vec<Result<Staged, (Option<PathBuf>, ApplyError)>> =
        changes.par_iter().map(|change| stage(root, change)).collect();
    let mut staged: Vec<Staged> = Vec::with_capacity(changes.len());
    let mut failure = None;
    for result in results {
        match result {
            Ok(file) => staged.push(file),
            Err((temporary, error)) => {
                if let Some(temporary) = temporary {
                    let _ = fs_err::remove_file(temporary);
                }
                failure.get_or_insert(error);
            }
        }
    }
    if let Some(error) = failure {
        for file in &staged {
            let _ = fs_err::remove_file(&file.temporary);
        }
        return Err(error);
    }
    flush_files(&staged)?;
    staged.par_iter().try_for_each(|file| fs_err::rename(&file.temporary, &file.target))?;
    flush_renames(&staged)?;
    Ok(())
}

/// Puts the temporary files' content on disk: one `syncfs` of their file system on Linux, an
/// `fsync` of each file elsewhere.
fn flush_files(staged: &[Staged]) -> Result<(), ApplyError> {
    #[cfg(target_os = "linux")]
    if let Some(first) = staged.first() {
        syncfs(&first.temporary)?;
    }
    #[cfg(not(target_os = "linux"))]
    staged.par_iter().try_for_each(|file| fs_err::File::open(&file.temporary)?.sync_all())?;
    Ok(())
}

/// Puts the renames on disk: one `syncfs` on Linux, an `fsync` of each folder on other Unixes
/// (Windows cannot open a folder to sync it; its renames are journaled by NTFS).
fn flush_renames(staged: &[Staged]) -> Result<(), ApplyError> {
    #[cfg(target_os = "linux")]
    if let Some(first) = staged.first() {
        syncfs(&first.target)?;
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let folders: std::collections::BTreeSet<&Path> =
            staged.iter().filter_map(|file| file.target.parent()).collect();
        folders.into_iter().try_for_each(|folder| fs_err::File::open(folder)?.sync_all())?;
    }
    #[cfg(not(unix))]
    let _ = staged;
    Ok(())
}

/// Flushes the file system holding `path`.
#[cfg(target_os = "linux")]
fn syncfs(path: &Path) -> Result<(), ApplyError> {
    let file = fs_err::File::open(path)?;
    rustix::fs::syncfs(&file).map_err(|error| std::io::Error::from(error).into())
}

/// The temporary file [`write_all`] stages `name` in, for this process.
fn staging_name(name: &str) -> String {
    format!(".{name}.release-{}.tmp", std::process::id())
}

/// The file a temporary file of [`write_all`] (`.NAME.release-PID.tmp`, whatever its pid) was
/// staged for, or `None` when `path` (relative, `/`-separated) is not one: what a run killed
/// before its renames leaves behind.
pub fn staging_target(path: &str) -> Option<String> {
    let (folder, name) = match path.rsplit_once('/') {
        Some((folder, name)) => (Some(folder), name),
        None => (None, path),
    };
    let middle = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (target, pid) = middle.rsplit_once(".release-")?;
    if target.is_empty() || pid.is_empty() || !pid.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(match folder {
        Some(folder) => format!("{folder}/{target}"),
        None => target.to_string(),
    })
}

/// Writes one change to a temporary file beside its target; on failure, the temporary file
/// (if it was created) comes back with the error, for removal.
fn stage(root: &Path, change: &FileChange) -> Result<Staged, (Option<PathBuf>, ApplyError)> {
    let target = inside(root, &change.path).map_err(|error| (None, error))?;
    let folder = target.parent().expect("a file inside the root has a parent");
    fs_err::create_dir_all(folder).map_err(|error| (None, error.into()))?;
    let name = target.file_name().expect("a file has a name").to_string_lossy();
    let temporary = folder.join(staging_name(&name));
    let mut file = fs_err::File::create(&temporary).map_err(|error| (None, error.into()))?;
    let written = file.write_all(change.after.as_bytes()).and_then(|()| match fs_err::metadata(&target) {
        Ok(metadata) => fs_err::set_permissions(&temporary, metadata.permissions()),
        Err(_) => Ok(()),
    });
    match written {
        Ok(()) => Ok(Staged { temporary, target }),
        Err(error) => Err((Some(temporary), error.into())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn staging_leftovers_are_recognised_whatever_the_pid() {
        assert_eq!(super::staging_target(".CHANGELOG.md.release-19215.tmp").as_deref(), Some("CHANGELOG.md"));
        assert_eq!(
            super::staging_target("apps/api/.package.json.release-7.tmp").as_deref(),
            Some("apps/api/package.json")
        );
        assert_eq!(super::staging_target(&super::staging_name("Cargo.toml")).as_deref(), Some("Cargo.toml"));
        for other in [
            ".CHANGELOG.md.release-.tmp",
            ".release-12.tmp",
            "CHANGELOG.md.release-12.tmp",
            ".x.release-1a.tmp",
            "notes.tmp",
        ] {
            assert_eq!(super::staging_target(other), None, "{other}");
        }
    }
}
