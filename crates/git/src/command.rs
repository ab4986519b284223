//! Writes and network operations through the `git` binary, so users' identity, signing
//! configuration (`commit.gpgSign`, `tag.gpgSign`), credential helpers, SSH agents and `insteadOf`
//! rules all apply. Always `LC_ALL=C`; decisions are made on exit status and on `--porcelain`
//! output (a machine format), never on human-readable stderr.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use release_commit_id::CommitId;

use crate::{GitError, Repo, commit_id, oid};

/// What `git push --porcelain` said about one ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    pub local: String,
    pub remote: String,
    pub status: PushStatus,
    /// The summary git gives, e.g. `[rejected] (non-fast-forward)`.
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushStatus {
    /// The ref was created or moved now.
    Pushed,
    /// The remote already had it.
    UpToDate,
    Rejected,
}

/// A push that git refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(
        "push to `{remote}` rejected: `{reference}` is behind the remote ({summary}) (hint: someone pushed first; `git pull --rebase`, then run the same command again)"
    )]
    NonFastForward { remote: String, reference: String, summary: String },
    #[error(
        "push to `{remote}` rejected for `{reference}`: {summary} (hint: check the remote's branch and tag protection rules)"
    )]
    Rejected { remote: String, reference: String, summary: String },
    #[error(
        "push to `{remote}` failed (exit status {status}): {stderr} (hint: check that you can push to `{remote}`: credentials, network, URL; a pull request from a fork gets a read-only GITHUB_TOKEN)"
    )]
    Failed { remote: String, status: i32, stderr: String },
    #[error(transparent)]
    Git(#[from] GitError),
}

impl release_exit::Classify for PushError {
    /// A push that fails is a state to fix (credentials, protection rules, a remote ahead),
    /// whatever step failed; this includes `Git`, which is 1 here and not 2 as on its own.
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            PushError::NonFastForward { .. }
            | PushError::Rejected { .. }
            | PushError::Failed { .. }
            | PushError::Git(_) => release_exit::ExitClass::InvalidInput,
        }
    }
}

pub(crate) fn git(root: &Path) -> Command {
    let mut command = Command::new("git");
    // Paths are paths, never pathspec magic: a file named `*` or `:(glob)x` means that file.
    command
        .current_dir(root)
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_LITERAL_PATHSPECS", "1")
        .stdin(Stdio::null());
    command
}

pub(crate) fn run_git(root: &Path, args: &[&str], operation: &str) -> Result<Output, GitError> {
    let output = git(root).args(args).output().map_err(|error| GitError::Command {
        operation: operation.to_string(),
        detail: format!("cannot run `git`: {error} (hint: install git and put it on PATH)"),
    })?;
    if !output.status.success() {
        return Err(GitError::Command {
            operation: operation.to_string(),
            detail: format!(
                "`git {}` exited with {}: {}",
                args.join(" "),
                output.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(output)
}

impl Repo {
    /// The branch HEAD points at, if any (not detached).
    pub fn current_branch(&self) -> Option<String> {
        let head = self.repository.head().ok()?;
        if !head.is_branch() {
            return None;
        }
        head.shorthand().ok().map(str::to_string)
    }

    /// The upstream of a branch: (remote name, upstream ref such as `refs/remotes/origin/main`).
    pub fn upstream(&self, branch: &str) -> Option<(String, String)> {
        let local = self.repository.find_branch(branch, git2::BranchType::Local).ok()?;
        let upstream = local.upstream().ok()?;
        let upstream_ref = upstream.get().name().ok()?.to_string();
        let remote = self.repository.branch_remote_name(&upstream_ref).ok()?;
        Some((String::from_utf8_lossy(&remote).into_owned(), upstream_ref))
    }

    /// How many commits `local` has that `upstream` has not, and the reverse.
    pub fn ahead_behind(&self, local: CommitId, upstream: CommitId) -> Result<(usize, usize), GitError> {
        crate::Context::context(self.repository.graph_ahead_behind(oid(local)?, oid(upstream)?), || {
            format!("comparing {local} with {upstream}")
        })
    }

    /// `git fetch --quiet REMOTE` (tags included by git's defaults).
    pub fn fetch(&self, remote: &str) -> Result<(), GitError> {
        run_git(&self.root, &["fetch", "--quiet", "--no-auto-gc", "--", remote], &format!("fetching `{remote}`"))?;
        Ok(())
    }

    /// Stages `paths` and commits them, and nothing else, with `message` (git's identity and
    /// signing settings apply). Whatever else the user had staged stays staged, out of the commit.
    pub fn commit_paths(&self, paths: &[String], message: &str) -> Result<CommitId, GitError> {
        if !paths.is_empty() {
            let mut args = vec!["add", "--"];
            args.extend(paths.iter().map(String::as_str));
            run_git(&self.root, &args, "staging the release files")?;
        }
        let message_file = self.repository.path().join("RELEASE_COMMIT_MSG");
        std::fs::write(&message_file, message).map_err(|error| GitError::Command {
            operation: "writing the commit message".into(),
            detail: format!("{}: {error}", message_file.display()),
        })?;
        let file = message_file.to_string_lossy().into_owned();
        let mut args = vec!["commit", "--quiet", "--no-verify", "--allow-empty", "-F", &file];
        if !paths.is_empty() {
            args.extend(["--only", "--"]);
            args.extend(paths.iter().map(String::as_str));
        }
        let result = run_git(&self.root, &args, "committing the release");
        let _ = std::fs::remove_file(&message_file);
        result?;
        self.resolve("HEAD")
    }

    /// The commit a tag names (peeled), if the tag exists.
    pub fn tag_commit(&self, name: &str) -> Option<CommitId> {
        let reference = self.repository.find_reference(&format!("refs/tags/{name}")).ok()?;
        reference.peel_to_commit().ok().map(|commit| commit_id(commit.id()))
    }

    /// An annotated tag at `commit` (`tag.gpgSign` makes git sign it).
    pub fn create_tag(&self, name: &str, commit: CommitId, message: &str) -> Result<(), GitError> {
        let message_file = self.repository.path().join("RELEASE_TAG_MSG");
        std::fs::write(&message_file, message).map_err(|error| GitError::Command {
            operation: "writing the tag message".into(),
            detail: format!("{}: {error}", message_file.display()),
        })?;
        let file = message_file.to_string_lossy().into_owned();
        let target = commit.to_string();
        let result = run_git(
            &self.root,
            &["tag", "--annotate", "--cleanup=verbatim", "-F", &file, "--", name, &target],
            &format!("creating tag `{name}`"),
        );
        let _ = std::fs::remove_file(&message_file);
        result.map(|_| ())
    }

    /// The message of a commit.
    pub fn commit_message(&self, commit: CommitId) -> Result<String, GitError> {
        let found =
            crate::Context::context(self.repository.find_commit(oid(commit)?), || format!("reading commit {commit}"))?;
        Ok(String::from_utf8_lossy(found.message_bytes()).into_owned())
    }

    /// The first parent of a commit.
    pub fn parent(&self, commit: CommitId) -> Option<CommitId> {
        self.repository.find_commit(oid(commit).ok()?).ok()?.parent_id(0).ok().map(commit_id)
    }

    /// `git push --atomic --porcelain REMOTE refspecs...`: all refs move, or none.
    pub fn push_atomic(&self, remote: &str, refspecs: &[String]) -> Result<Vec<PushedRef>, PushError> {
        let mut args = vec!["push", "--atomic", "--porcelain", "--", remote];
        args.extend(refspecs.iter().map(String::as_str));
        let output = git(&self.root).args(&args).output().map_err(|error| GitError::Command {
            operation: "pushing".into(),
            detail: format!("cannot run `git`: {error}"),
        })?;
        let refs = parse_porcelain(&String::from_utf8_lossy(&output.stdout));
        if output.status.success() {
            return Ok(refs);
        }
        if let Some(rejected) =
            refs.iter().find(|pushed| pushed.status == PushStatus::Rejected && !pushed.summary.contains("atomic"))
        {
            let error = if rejected.summary.contains("non-fast-forward") || rejected.summary.contains("fetch first") {
                PushError::NonFastForward {
                    remote: remote.to_string(),
                    reference: rejected.remote.clone(),
                    summary: rejected.summary.clone(),
                }
            } else {
                PushError::Rejected {
                    remote: remote.to_string(),
                    reference: rejected.remote.clone(),
                    summary: rejected.summary.clone(),
                }
            };
            return Err(error);
        }
        Err(PushError::Failed {
            remote: remote.to_string(),
            status: output.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

/// Parses `git push --porcelain`: `<flag>\t<from>:<to>\t<summary>` lines.
pub(crate) fn parse_porcelain(stdout: &str) -> Vec<PushedRef> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let flag = parts.next()?;
            let refs = parts.next()?;
            let summary = parts.next().unwrap_or("").to_string();
            let (local, remote) = refs.split_once(':')?;
            let status = match flag.trim() {
                "=" => PushStatus::UpToDate,
                "!" => PushStatus::Rejected,
                " " | "" | "+" | "-" | "*" => PushStatus::Pushed,
                _ => return None,
            };
            Some(PushedRef { local: local.to_string(), remote: remote.to_string(), status, summary })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn porcelain_lines() {
        let out = "To /tmp/remote.git\n=\trefs/heads/main:refs/heads/main\t[up to date]\n*\trefs/tags/v1.0.0:refs/tags/v1.0.0\t[new tag]\n!\trefs/heads/dev:refs/heads/dev\t[rejected] (non-fast-forward)\nDone\n";
        let refs = parse_porcelain(out);
        assert_eq!(refs.len(), 3);
        assert_eq!(refs[0].status, PushStatus::UpToDate);
        assert_eq!(refs[1].status, PushStatus::Pushed);
        assert_eq!(refs[2].status, PushStatus::Rejected);
        assert_eq!(refs[2].summary, "[rejected] (non-fast-forward)");
    }
}
