//! Atomic writes: every new content goes to a temporary file beside its target first; only when
//! all of them are written and synced are they renamed over their targets. A failure before the
//! renames changes nothing; a rename is atomic, so each file is always either old or new.

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
    for file in &staged {
        fs_err::rename(&file.temporary, &file.target)?;
    }
    Ok(())
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
        file.sync_all()?;
        if let Ok(metadata) = fs_err::metadata(&target) {
            fs_err::set_permissions(&temporary, metadata.permissions())?;
        }
    }
    Ok(())
}
