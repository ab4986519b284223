//! Every path `release` writes stays inside the repository, symlinks included.

use std::path::{Component, Path, PathBuf};

use crate::ApplyError;

/// The absolute path of `relative` under `root`, refused when it is absolute, climbs out with
/// `..`, or goes through a symlink that points outside the repository.
pub fn inside(root: &Path, relative: &str) -> Result<PathBuf, ApplyError> {
    let escape = |via: Option<String>| ApplyError::Escape { path: relative.to_string(), via };
    let path = Path::new(relative);
    if path.components().any(|component| !matches!(component, Component::Normal(_) | Component::CurDir)) {
        return Err(escape(None));
    }
    // Git's own files are not the repository's: `.git/config` can hold a CI token, and a file
    // written there is no part of a release.
    if path.components().any(|component| component.as_os_str().eq_ignore_ascii_case(".git")) {
        return Err(ApplyError::GitDir { path: relative.to_string() });
    }
    let root = fs_err::canonicalize(root)?;
    let full = root.join(path);
    // The deepest part of the path that exists decides where it really goes.
    let mut existing = full.as_path();
    while !existing.exists() && existing.symlink_metadata().is_err() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => break,
        }
    }
    let resolved = existing.canonicalize().map_err(|_| escape(Some(existing.display().to_string())))?;
    if !resolved.starts_with(&root) {
        let via = existing.strip_prefix(&root).unwrap_or(existing).display().to_string();
        return Err(escape(Some(via)));
    }
    Ok(full)
}
