//! Plumbing for histories kept on a ref of their own (the promotion ledger): commits holding one
//! file, chained by first parent; a local compare-and-swap; a remote one through
//! `git push --force-with-lease`.

use git2::Signature;

use release_commit_id::CommitId;

use crate::command::{PushStatus, run_git};
use crate::{Context, GitError, PushError, Repo, commit_id, oid};

impl Repo {
    /// Where a ref points, if it exists.
    pub fn read_ref(&self, name: &str) -> Option<CommitId> {
        self.repository.find_reference(name).ok().and_then(|reference| reference.target()).map(commit_id)
    }

    /// A commit (with `parent`, or a root commit) whose tree holds only `path` with `content`.
    pub fn commit_file(
        &self,
        parent: Option<CommitId>,
        path: &str,
        content: &[u8],
        message: &str,
    ) -> Result<CommitId, GitError> {
        let blob = self.repository.blob(content).context(|| "writing a ledger entry".into())?;
        let mut builder = self.repository.treebuilder(None).context(|| "building a ledger tree".into())?;
        builder.insert(path, blob, 0o100644).context(|| "building a ledger tree".into())?;
        let tree = builder.write().context(|| "writing a ledger tree".into())?;
        let tree = self.repository.find_tree(tree).context(|| "reading a ledger tree".into())?;
        let signature = self
            .repository
            .signature()
            .or_else(|_| Signature::now("release", "release@localhost"))
            .context(|| "choosing an identity for the ledger".into())?;
        let parents = match parent {
            Some(parent) => {
                vec![self.repository.find_commit(oid(parent)?).context(|| format!("reading commit {parent}"))?]
            }
            None => Vec::new(),
        };
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repository
            .commit(None, &signature, &signature, message, &tree, &parent_refs)
            .map(commit_id)
            .context(|| "writing a ledger commit".into())
    }

    /// Moves `name` to `new` only if it is still at `expected` (`None`: must not exist).
    pub fn update_ref(&self, name: &str, new: CommitId, expected: Option<CommitId>) -> Result<bool, GitError> {
        let new = oid(new)?;
        let result = match expected.map(oid).transpose()? {
            Some(old) => self.repository.reference_matching(name, new, true, old, "release ledger"),
            None => self.repository.reference(name, new, false, "release ledger"),
        };
        match result {
            Ok(_) => Ok(true),
            Err(error) if matches!(error.code(), git2::ErrorCode::Modified | git2::ErrorCode::Exists) => Ok(false),
            Err(error) => Err(GitError::Git { operation: format!("updating {name}"), source: error }),
        }
    }

    /// The file at `path` in a commit's tree.
    pub fn file_at(&self, commit: CommitId, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let commit = self.repository.find_commit(oid(commit)?).context(|| format!("reading commit {commit}"))?;
        let tree = commit.tree().context(|| "reading a tree".into())?;
        match tree.get_path(std::path::Path::new(path)) {
            Ok(entry) => {
                let blob = self.repository.find_blob(entry.id()).context(|| format!("reading {path}"))?;
                Ok(Some(blob.content().to_vec()))
            }
            Err(_) => Ok(None),
        }
    }

    /// The files directly in `folder` of a commit's tree, `(name, text)`, text decoded lossily;
    /// none when the folder is not there.
    pub fn files_in(&self, commit: CommitId, folder: &str) -> Result<Vec<(String, String)>, GitError> {
        let commit = self.repository.find_commit(oid(commit)?).context(|| format!("reading commit {commit}"))?;
        let tree = commit.tree().context(|| "reading a tree".into())?;
        let Ok(entry) = tree.get_path(std::path::Path::new(folder)) else { return Ok(Vec::new()) };
        let Ok(folder_tree) = self.repository.find_tree(entry.id()) else { return Ok(Vec::new()) };
        let mut files = Vec::new();
        for entry in folder_tree.iter().filter(|entry| entry.kind() == Some(git2::ObjectType::Blob)) {
            let Ok(name) = entry.name() else { continue };
            let blob = self.repository.find_blob(entry.id()).context(|| format!("reading {folder}/{name}"))?;
            files.push((name.to_string(), String::from_utf8_lossy(blob.content()).into_owned()));
        }
        Ok(files)
    }

    /// Commits from the root to `tip` along first parents, oldest first.
    pub fn first_parent_chain(&self, tip: CommitId) -> Result<Vec<CommitId>, GitError> {
        let mut chain = Vec::new();
        let mut current = Some(oid(tip)?);
        while let Some(id) = current {
            chain.push(commit_id(id));
            let commit = self.repository.find_commit(id).context(|| format!("reading commit {id}"))?;
            current = commit.parent_id(0).ok();
        }
        chain.reverse();
        Ok(chain)
    }

    /// The author name of a commit.
    pub fn author(&self, commit: CommitId) -> Result<String, GitError> {
        let found = self.repository.find_commit(oid(commit)?).context(|| format!("reading commit {commit}"))?;
        Ok(found.author().name().unwrap_or("").to_string())
    }

    /// The paths a commit changed against its first parent (all of its paths for a root commit).
    pub fn changed_paths(&self, commit: CommitId) -> Result<Vec<String>, GitError> {
        let id = oid(commit)?;
        let found = self.repository.find_commit(id).context(|| format!("reading commit {commit}"))?;
        // The walk's reader, so a commit's paths are the same bytes in every command.
        let (mut reader, answers) = crate::paths::PathReader::spawn(self.repository.path())?;
        reader.request(crate::paths::Request::Commit { commit: id, first_parent: found.parent_id(0).ok() })?;
        reader.close()?;
        let answers: Result<Vec<_>, String> = answers.iter().collect();
        reader.finish()?;
        let failure = |detail: String| GitError::Command {
            operation: format!("reading the paths commit {commit} changed"),
            detail,
        };
        answers
            .map_err(failure)?
            .pop()
            .filter(|(answered, _)| *answered == id)
            .map(|(_, paths)| paths)
            .ok_or_else(|| failure("`git diff-tree` gave no answer".into()))
    }

    /// Whether the tag `name` is an annotated tag (a tag object, as `release cut` makes), not a
    /// lightweight one that any ref push can make.
    pub fn is_annotated_tag(&self, name: &str) -> bool {
        self.repository
            .find_reference(&format!("refs/tags/{name}"))
            .ok()
            .and_then(|reference| reference.target())
            .is_some_and(|target| self.repository.find_tag(target).is_ok())
    }

    /// When a commit was made: its committer time, in unix seconds.
    pub fn commit_time(&self, commit: CommitId) -> Result<i64, GitError> {
        let found = self.repository.find_commit(oid(commit)?).context(|| format!("reading commit {commit}"))?;
        Ok(found.committer().when().seconds())
    }

    /// Whether a remote is configured.
    pub fn has_remote(&self, name: &str) -> bool {
        self.repository.find_remote(name).is_ok()
    }

    /// Where `name` (a full ref) is on `remote` now, read without fetching (`git ls-remote`);
    /// `None` when the remote does not have it (`--exit-code` answers 2).
    pub fn remote_ref(&self, remote: &str, name: &str) -> Result<Option<CommitId>, GitError> {
        let output =
            crate::command::git(&self.root).args(["ls-remote", "--exit-code", "--", remote, name]).output().map_err(
                |error| GitError::Command { operation: format!("listing `{remote}`"), detail: error.to_string() },
            )?;
        match output.status.code() {
            Some(0) => {}
            Some(2) => return Ok(None),
            _ => {
                return Err(GitError::Command {
                    operation: format!("listing `{name}` on `{remote}`"),
                    detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
                });
            }
        }
        // `ls-remote` matches patterns by their tail: keep the line of exactly this ref.
        let listed = String::from_utf8_lossy(&output.stdout);
        let found = listed.lines().find_map(|line| {
            let (id, reference) = line.split_once('\t')?;
            (reference == name).then(|| CommitId::parse(id).ok()).flatten()
        });
        Ok(found)
    }

    /// Fetches one ref of a remote into `local` (forced), or returns `None` when the remote does
    /// not have it.
    pub fn fetch_ref(&self, remote: &str, name: &str, local: &str) -> Result<Option<CommitId>, GitError> {
        if self.remote_ref(remote, name)?.is_none() {
            return Ok(None);
        }
        let refspec = format!("+{name}:{local}");
        run_git(
            &self.root,
            &["fetch", "--quiet", "--no-auto-gc", "--", remote, &refspec],
            &format!("fetching `{name}`"),
        )?;
        Ok(self.read_ref(local))
    }

    /// Pushes `new` to `name` on the remote only if the remote still has `expected` there (`None`:
    /// the ref must not exist). `Ok(false)` when someone else moved it first.
    pub fn push_with_lease(
        &self,
        remote: &str,
        new: CommitId,
        name: &str,
        expected: Option<CommitId>,
    ) -> Result<bool, PushError> {
        let expected = expected.map(|id| id.to_string()).unwrap_or_default();
        self.leased_push(remote, name, &expected, &format!("{new}:{name}"), "pushing the ledger")
    }

    /// `git push --force-with-lease=NAME:EXPECTED REMOTE REFSPEC`: `Ok(false)` when the remote
    /// refused because the ref moved (the lease was lost), an error for any other failure.
    pub(crate) fn leased_push(
        &self,
        remote: &str,
        name: &str,
        expected: &str,
        refspec: &str,
        operation: &str,
    ) -> Result<bool, PushError> {
        let lease = format!("--force-with-lease={name}:{expected}");
        let output = crate::command::git(&self.root)
            .args(["push", "--porcelain", &lease, "--", remote, refspec])
            .output()
            .map_err(|error| GitError::Command { operation: operation.to_string(), detail: error.to_string() })?;
        if output.status.success() {
            return Ok(true);
        }
        let refs = crate::command::parse_porcelain(&String::from_utf8_lossy(&output.stdout));
        if refs.iter().any(|pushed| pushed.status == PushStatus::Rejected) {
            return Ok(false);
        }
        Err(PushError::Failed {
            remote: remote.to_string(),
            status: output.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}
