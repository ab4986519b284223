//! `release cache clear`: removes the commit cache that makes repeated plans fast (see
//! `release_git::Repo::walk`). Clearing is never needed for correctness; it frees the space and
//! makes the next plan read the whole history again.

use anyhow::Result;
use serde::Serialize;

/// What `release cache clear` did.
#[derive(Debug, Serialize)]
pub(crate) struct Cleared {
    /// The cache file, relative to the work tree's root when it is inside it (`.git/...`).
    pub path: String,
    pub removed: bool,
    /// The size of the file removed (0 when there was none).
    pub bytes: u64,
}

/// Removes the commit cache of the repository.
pub(crate) fn clear(repo: &release_git::Repo) -> Result<Cleared> {
    let file = release_git::Repo::cache_path(repo).unwrap_or_else(|| repo.git_dir().join("release/commit-cache"));
    let path = file.strip_prefix(repo.root()).unwrap_or(&file).display().to_string();
    let removed = repo.clear_cache()?;
    Ok(Cleared { path, removed: removed.is_some(), bytes: removed.unwrap_or(0) })
}

/// One line for a person.
pub(crate) fn text(cleared: &Cleared) -> String {
    if cleared.removed {
        format!("removed the commit cache `{}` ({} bytes)\n", cleared.path, cleared.bytes)
    } else {
        format!("no commit cache to remove at `{}`\n", cleared.path)
    }
}
