//! Atomic writes: every new content goes to a temporary file beside its target first; only when
//! all of them are written and on disk are they renamed over their targets. A failure before the
//! renames changes nothing; a rename is atomic, so each file is always either old or new.
//!
//! Durability costs one `syncfs` before the renames and one after, not an `fsync` per file: with a
//! thousand packages, per-file syncs took seconds (see docs/performance.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{ApplyError, FileChange, inside};

struct Staged {
    temporary: PathBuf,
    target: PathBuf,
}

/// Writes every change under `root`.
pub fn write_all(root: &Path, changes: &[FileChange]) -> Result<(), ApplyError> {
    let mut staged: Vec<Staged> = Vec::with_capacity(changes.len());
    let result = stage(root, changes, &mut staged);
    if let Err(error) = result {
        for file in &staged {
            let _ = fs_err::remove_file(&file.temporary);
        }
        return Err(error);
    }
    if let Some(first) = staged.first() {
        sync_filesystem(&first.temporary)?;
    }
    for file in &staged {
        fs_err::rename(&file.temporary, &file.target)?;
    }
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

fn stage(root: &Path, changes: &[FileChange], staged: &mut Vec<Staged>) -> Result<(), ApplyError> {
    for change in changes {
        let target = inside(root, &change.path)?;
        let folder = target.parent().expect("a file inside the root has a parent");
        fs_err::create_dir_all(folder)?;
        let name = target.file_name().expect("a file has a name").to_string_lossy();
        let temporary = folder.join(format!(".{name}.release-{}.tmp", std::process::id()));
        let mut file = fs_err::File::create(&temporary)?;
        staged.push(Staged { temporary: temporary.clone(), target: target.clone() });
        file.write_all(change.after.as_bytes())?;
        if let Ok(metadata) = fs_err::metadata(&target) {
            fs_err::set_permissions(&temporary, metadata.permissions())?;
        }
    }
    Ok(())
}
