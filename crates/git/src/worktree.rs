//! A second work tree for writing a commit on another branch without touching the user's
//! checkout (the release pull request's branch), and the few operations that go with it.

use std::path::{Path, PathBuf};

use git2::Oid;

use crate::command::{git, run_git};
use crate::{GitError, PushError, Repo, commit_id, oid};
use release_commit_id::CommitId;

/// A linked work tree checked out (detached) at one commit; removed when dropped.
pub struct Worktree {
    path: PathBuf,
    main_root: PathBuf,
}

impl Worktree {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        remove(&self.main_root, &self.path);
    }
}

/// Removes a work tree and what git remembers of it; a missing one is fine.
fn remove(main_root: &Path, path: &Path) {
    let path_text = path.to_string_lossy().into_owned();
    let _ = git(main_root).args(["worktree", "remove", "--force", "--force", &path_text]).output();
    if path.exists() {
        let _ = std::fs::remove_dir_all(path);
    }
    let _ = git(main_root).args(["worktree", "prune"]).output();
}

impl Repo {
    /// Checks out `commit` (detached) in a new work tree at `path`, first removing one a killed
    /// run left there.
    pub fn add_worktree(&self, path: &Path, commit: CommitId) -> Result<Worktree, GitError> {
        remove(&self.root, path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| GitError::Command {
                operation: "creating a work tree".into(),
                detail: format!("{}: {error}", parent.display()),
            })?;
        }
        let path_text = path.to_string_lossy().into_owned();
        let commit_text = commit.to_string();
        run_git(
            &self.root,
            &["worktree", "add", "--quiet", "--detach", &path_text, &commit_text],
            "creating a work tree for the release branch",
        )?;
        Ok(Worktree { path: path.to_path_buf(), main_root: self.root.clone() })
    }

    /// Whether two commits record the same tree (the same files, whatever their history).
    pub fn same_tree(&self, one: CommitId, other: CommitId) -> Result<bool, GitError> {
        let tree = |commit: CommitId| -> Result<Oid, GitError> {
            let found = crate::Context::context(self.repository.find_commit(oid(commit)?), || {
                format!("reading commit {commit}")
            })?;
            Ok(found.tree_id())
        };
        Ok(tree(one)? == tree(other)?)
    }

    /// When a commit was written: its author time, in unix seconds. A rebase or cherry-pick keeps
    /// it (the committer time is the rebase's).
    pub fn author_time(&self, commit: CommitId) -> Result<i64, GitError> {
        let found =
            crate::Context::context(self.repository.find_commit(oid(commit)?), || format!("reading commit {commit}"))?;
        Ok(found.author().when().seconds())
    }

    /// The parents of a commit, first parent first.
    pub fn parents(&self, commit: CommitId) -> Vec<CommitId> {
        let Ok(commit) = oid(commit) else { return Vec::new() };
        self.repository.find_commit(commit).map(|found| found.parent_ids().map(commit_id).collect()).unwrap_or_default()
    }

    /// Whether `ancestor` is in the history of `descendant` (or is it).
    pub fn is_ancestor(&self, ancestor: CommitId, descendant: CommitId) -> bool {
        let (Ok(ancestor_oid), Ok(descendant_oid)) = (oid(ancestor), oid(descendant)) else { return false };
        ancestor == descendant || self.repository.graph_descendant_of(descendant_oid, ancestor_oid).unwrap_or(false)
    }

    /// Applies the changes from `from` to `to` onto this work tree's index and files, merging
    /// three ways where the files moved on. `Ok(false)` when they do not apply (nothing changed).
    pub fn apply_changes(&self, from: CommitId, to: CommitId) -> Result<bool, GitError> {
        let patch = run_git(
            &self.root,
            &["diff", "--binary", "--no-color", "--no-ext-diff", &from.to_string(), &to.to_string()],
            "reading the edits on the release branch",
        )?
        .stdout;
        if patch.is_empty() {
            return Ok(true);
        }
        let file = self.repository.path().join("RELEASE_EDITS.patch");
        std::fs::write(&file, &patch).map_err(|error| GitError::Command {
            operation: "writing the edits".into(),
            detail: format!("{}: {error}", file.display()),
        })?;
        let file_text = file.to_string_lossy().into_owned();
        let applied = git(&self.root).args(["apply", "--3way", "--index", "--whitespace=nowarn", &file_text]).output();
        let _ = std::fs::remove_file(&file);
        let applied = applied.map_err(|error| GitError::Command {
            operation: "applying the edits".into(),
            detail: format!("cannot run `git`: {error}"),
        })?;
        if !applied.status.success() {
            // A conflict leaves markers behind: back to the commit, as if never tried.
            run_git(&self.root, &["reset", "--quiet", "--hard", "HEAD"], "undoing edits that did not apply")?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Deletes branch `name` (a full ref) on `remote` if it is still at `expected`. `Ok(false)`
    /// when someone moved it first.
    pub fn delete_remote_ref(&self, remote: &str, name: &str, expected: CommitId) -> Result<bool, PushError> {
        self.leased_push(remote, name, &expected.to_string(), &format!(":{name}"), &format!("deleting `{name}`"))
    }
}
