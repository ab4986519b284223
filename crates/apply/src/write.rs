//! Atomic writes: every new content goes to a temporary file beside its target first; only when
//! all of them are written and on disk are they renamed over their targets. A failure before the
//! renames changes nothing; a rename is atomic, so each file is always either old or new.
//!
//! Durability costs one `syncfs` before the renames and one after, not an `fsync` per file: with a
//! thousand packages, per-file syncs took seconds (see docs/performance.md). Creating and renaming
//! thousands of files is bound by per-file system-call cost, so both run on every core.

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
    if let Some(first) = staged.first() {
        sync_filesystem(&first.temporary)?;
    }
    staged.par_iter().try_for_each(|file| fs_err::rename(&file.temporary, &file.target))?;
    if let Some(first) = staged.first() {
        sync_filesystem(&first.target)?;
    }
    Ok(())
}

/// Flushes the file system holding `path` (the temporary files, then the renames).
fn sync_filesystem(path: &Path) -> Result<(), ApplyError> {
    let file = fs_err::File::open(path)?;
    rustix::fs::syncfs(&file).map_err(|error| std::io::Error::from(error).into())
}

/// Writes one change to a temporary file beside its target; on failure, the temporary file
/// (if it was created) comes back with the error, for removal.
fn stage(root: &Path, change: &FileChange) -> Result<Staged, (Option<PathBuf>, ApplyError)> {
    let target = inside(root, &change.path).map_err(|error| (None, error))?;
    let folder = target.parent().expect("a file inside the root has a parent");
    fs_err::create_dir_all(folder).map_err(|error| (None, error.into()))?;
    let name = target.file_name().expect("a file has a name").to_string_lossy();
    let temporary = folder.join(format!(".{name}.release-{}.tmp", std::process::id()));
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
