//! `release pr`: the release pull request. The plan of the `from` branch's head (the base's,
//! without git-flow) is written as one release commit on the tool's own branch (`[pr] branch`),
//! in a temporary work tree under `.git` so the user's checkout is never touched, pushed with
//! `--force-with-lease`, and shown in one pull request found again by a hidden marker. Commits
//! reviewers added on the branch are carried over when the versions did not change.
//! `release pr --back-merge` opens the pull request that brings the base back into `from`.

use std::path::PathBuf;

use release_apply::ApplyInput;
use release_commit_id::CommitId;
use release_cut::ReleaseRecord;
use release_forge::{Forge, NewPullRequest, PullRequest, PullRequestUpdate};
use release_git::Repo;
use release_plan::Plan;
use serde::Serialize;

use crate::session::{PlanOptions, Session};
use crate::{EngineError, FileReport};

/// The hidden line a release pull request's body is recognised by (never its title).
pub const PR_MARKER: &str = "<!-- release:pr -->";
/// The hidden line of the comment `release pr` leaves on the release pull request it closes.
const CLOSED_MARKER: &str = "<!-- release:closed -->";
/// The hidden line of the back-merge pull request.
pub const BACK_MERGE_MARKER: &str = "<!-- release:back-merge -->";

#[derive(Debug, Clone, Default)]
pub struct PrOptions {
    /// Compute and show; push nothing, talk to no forge.
    pub dry_run: bool,
    /// The pull request from the base back into `from` (git-flow).
    pub back_merge: bool,
}

/// What `release pr` did.
#[derive(Debug, Serialize)]
pub struct PrReport {
    /// `created`, `updated`, `unchanged`, `closed`, `nothing` (no plan and no pull request),
    /// `awaiting-cut` (a merged release is not tagged yet), or `would-push` for `--dry-run`.
    pub action: &'static str,
    pub base: String,
    pub head: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub title: String,
    /// The release commit pushed (or that would be).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitId>,
    pub releases: Vec<ReleaseRecord>,
    pub files: Vec<FileReport>,
    /// Reviewers' commits carried over onto the new release commit, and those that were not.
    pub kept_edits: Vec<String>,
    pub dropped_edits: Vec<String>,
    #[serde(skip)]
    pub diff: String,
    #[serde(skip)]
    pub body: String,
}

/// Renders the pull request's body from the plan (the CLI's plan-comment renderer).
pub type BodyRenderer<'a> = dyn Fn(&Session<'_>, &Plan) -> Result<String, EngineError> + 'a;

/// How many tips of the `from` branch one run plans before it gives up on a branch that keeps
/// moving.
const BASE_ATTEMPTS: usize = 3;

/// What one attempt at one tip of the `from` branch came to.
enum Attempt {
    Done(Box<PrReport>),
    /// The branch moved away from the tip planned (`to`: where it is now, `None`: deleted).
    BaseMoved {
        from: CommitId,
        to: Option<CommitId>,
    },
}

/// The release commit as built in the work tree.
struct Built {
    commit: CommitId,
    records: Vec<ReleaseRecord>,
    files: Vec<FileReport>,
    diff: String,
    body: String,
    kept: Vec<String>,
    dropped: Vec<String>,
}

impl Session<'_> {
    /// `release pr` (or `release pr --back-merge`).
    pub fn release_pr(&self, options: &PrOptions, render: &BodyRenderer<'_>) -> Result<PrReport, EngineError> {
        if options.back_merge {
            return self.back_merge(options);
        }
        let config = self.config()?;
        // A missing token is found out before anything is pushed.
        let github = if options.dry_run { None } else { Some(self.github(true)?) };
        let repo = self.repo();
        // One run at a time per clone: the work tree under .git is shared (a cut waits too).
        let (_lock, stale) = release_cut::lock(repo.git_dir())?;
        if let Some(warning) = stale {
            self.progress().warn(&warning.to_string());
        }
        // Someone may push to the branch the release is planned from while this runs: the
        // release branch would then propose a stale release. Each attempt plans one tip and
        // checks, before and after its push, that the tip is still there.
        let mut seen = Vec::new();
        loop {
            match self.release_pr_at_one_tip(github.as_ref(), render)? {
                Attempt::Done(report) => return Ok(*report),
                Attempt::BaseMoved { from, to } => {
                    seen.push(from.short());
                    if seen.len() >= BASE_ATTEMPTS {
                        return Err(EngineError::BaseMoved {
                            branch: config.pr.from.clone(),
                            attempts: seen.len(),
                            tips: seen.join(", "),
                            now: to.map_or_else(|| "deleted".to_string(), |to| to.short()),
                        });
                    }
                    self.progress().warn(&format!(
                        "`{}` moved from {} to {} while `release pr` ran: planning again from the new tip",
                        config.pr.from,
                        from.short(),
                        to.map_or_else(|| "nothing (deleted)".to_string(), |to| to.short())
                    ));
                }
            }
        }
    }

    /// One attempt of `release pr`: plans the `from` branch's tip as read now, and writes
    /// (pushes, opens or closes) only while that tip is still the remote's.
    fn release_pr_at_one_tip(
        &self,
        github: Option<&release_forge::GitHub>,
        render: &BodyRenderer<'_>,
    ) -> Result<Attempt, EngineError> {
        let config = self.config()?;
        let pr = &config.pr;
        let remote = config.cut.remote.clone();
        let repo = self.repo();
        let from_tip = self.branch_tip(&remote, &pr.from)?;
        let release_ref = format!("refs/heads/{}", pr.branch);
        let old_tip = if repo.has_remote(&remote) {
            repo.fetch_ref(&remote, &release_ref, &format!("refs/remotes/{remote}/{}", pr.branch))?
        } else {
            repo.read_ref(&release_ref)
        };
        let worktree = repo.add_worktree(&self.worktree_path(), from_tip)?;
        let inner = Session::open(worktree.path(), self.progress())?;
        // A merged release not tagged yet: `release cut` finishes it; planning now would
        // propose the same release again.
        let applied = inner.applied_releases(from_tip)?;
        let built = if applied.is_empty() { inner.build_release_commit(old_tip, from_tip, render)? } else { None };
        let mut report = PrReport {
            action: if applied.is_empty() { "nothing" } else { "awaiting-cut" },
            base: pr.base.clone(),
            head: pr.branch.clone(),
            number: None,
            url: None,
            title: String::new(),
            commit: None,
            releases: Vec::new(),
            files: Vec::new(),
            kept_edits: Vec::new(),
            dropped_edits: Vec::new(),
            diff: String::new(),
            body: String::new(),
        };
        let Some(built) = built else {
            drop(worktree);
            if !applied.is_empty() {
                report.releases = applied;
                return Ok(Attempt::Done(Box::new(report)));
            }
            let Some(github) = github else { return Ok(Attempt::Done(Box::new(report))) };
            // An empty plan of a tip that is gone says nothing about the new one.
            if let Some(moved) = self.base_moved(from_tip)? {
                return Ok(moved);
            }
            return self.close_empty(github, old_tip, report).map(|report| Attempt::Done(Box::new(report)));
        };
        report.title = title(&pr.title, &built.records);
        report.body = built.body.clone();
        report.releases = built.records.clone();
        report.files = built.files;
        report.diff = built.diff;
        report.kept_edits = built.kept;
        report.dropped_edits = built.dropped;
        let Some(github) = github else {
            report.action = "would-push";
            report.commit = Some(built.commit);
            return Ok(Attempt::Done(Box::new(report)));
        };
        if let Some(moved) = self.base_moved(from_tip)? {
            return Ok(moved);
        }
        let pushed = self.push_release_branch(old_tip, from_tip, built.commit)?;
        drop(worktree);
        // Moved during the push: the branch now holds a stale release, replaced by the next
        // attempt (its lease is on what was just pushed, so nothing of anyone else's is lost).
        if let Some(moved) = self.base_moved(from_tip)? {
            return Ok(moved);
        }
        report.commit = Some(pushed);
        self.open_or_update(github, report).map(|report| Attempt::Done(Box::new(report)))
    }

    /// `Some` when the remote's `from` branch is no longer at `planned`. Without a remote there
    /// is nothing to race with.
    fn base_moved(&self, planned: CommitId) -> Result<Option<Attempt>, EngineError> {
        let config = self.config()?;
        let remote = &config.cut.remote;
        if !self.repo().has_remote(remote) {
            return Ok(None);
        }
        let now = self.repo().remote_ref(remote, &format!("refs/heads/{}", config.pr.from))?;
        Ok((now != Some(planned)).then_some(Attempt::BaseMoved { from: planned, to: now }))
    }

    /// `.git/release/pr-worktree`: inside the repository's own git directory, never the checkout.
    fn worktree_path(&self) -> PathBuf {
        let repo = self.repo();
        let common = repo.git_dir().join("commondir");
        let git_dir = match fs_err::read_to_string(&common) {
            Ok(relative) => repo.git_dir().join(relative.trim()),
            Err(_) => repo.git_dir().to_path_buf(),
        };
        git_dir.join("release").join("pr-worktree")
    }

    /// The tip of `branch` on the remote (fetched now), or the local branch without a remote.
    pub(crate) fn branch_tip(&self, remote: &str, branch: &str) -> Result<CommitId, EngineError> {
        let repo = self.repo();
        let name = format!("refs/heads/{branch}");
        let tip = if repo.has_remote(remote) {
            repo.fetch_ref(remote, &name, &format!("refs/remotes/{remote}/{branch}"))?
        } else {
            repo.read_ref(&name)
        };
        tip.ok_or_else(|| EngineError::NoBranch { branch: branch.to_string(), remote: remote.to_string() })
    }

    /// In the work tree (this session): apply the plan, commit it with the release trailers, and
    /// carry reviewers' edits over. `None` when the plan releases nothing.
    fn build_release_commit(
        &self,
        old_tip: Option<CommitId>,
        from_tip: CommitId,
        render: &BodyRenderer<'_>,
    ) -> Result<Option<Built>, EngineError> {
        let planned = self.plan(&PlanOptions::default())?;
        let records = release_cut::records(&planned.plan);
        if records.is_empty() {
            return Ok(None);
        }
        let config = self.config()?;
        let rendering = self.rendering()?;
        let changes = release_apply::changes(&ApplyInput {
            root: self.root(),
            config,
            workspace: &planned.workspace,
            plan: &planned.plan,
            date: &rendering.date,
            links: rendering.links.as_ref(),
            renderer: &rendering.renderer,
        })?;
        release_apply::write_all(self.root(), &changes)?;
        let paths: Vec<String> = changes.iter().map(|change| change.path.clone()).collect();
        let actor = crate::actor(self.repo());
        let message = release_cut::commit_message(&config.cut.commit_message, &records, Some(&actor));
        let commit = self.repo().commit_paths(&paths, &message)?;
        let (commit, kept, dropped) = self.carry_edits(old_tip, from_tip, commit, &records)?;
        let mut body = render(self, &planned.plan)?;
        body.push_str(&edits_note(&kept, &dropped));
        Ok(Some(Built {
            commit,
            records,
            files: changes.iter().map(crate::cut::report).collect(),
            diff: release_apply::unified_diff(&changes),
            body: format!("{PR_MARKER}\n{body}"),
            kept,
            dropped,
        }))
    }

    /// Reviewers' commits on the old release branch, after the tool's own commit, are applied on
    /// top of the new one when the versions did not change; otherwise they are named as dropped.
    fn carry_edits(
        &self,
        old_tip: Option<CommitId>,
        from_tip: CommitId,
        commit: CommitId,
        records: &[ReleaseRecord],
    ) -> Result<(CommitId, Vec<String>, Vec<String>), EngineError> {
        let repo = self.repo();
        let Some(old_tip) = old_tip else { return Ok((commit, Vec::new(), Vec::new())) };
        let (tool_commit, edits) = own_commit(repo, old_tip, from_tip, &self.config()?.pr.branch)?;
        if edits.is_empty() {
            return Ok((commit, Vec::new(), Vec::new()));
        }
        let old_records = release_cut::parse_commit_message(&repo.commit_message(tool_commit)?).unwrap_or_default();
        let names: Vec<String> = edits.iter().map(|edit| edit.short()).collect();
        if old_records != records {
            return Ok((commit, Vec::new(), names));
        }
        if !repo.apply_changes(tool_commit, old_tip)? {
            return Ok((commit, Vec::new(), names));
        }
        let message =
            format!("chore(release): keep the edits made on the release branch\n\nKept from: {}\n", names.join(", "));
        let kept = repo.commit_paths(&[], &message)?;
        Ok((kept, names, Vec::new()))
    }

    /// Pushes the new release commit with a lease on what was read. When the branch already holds
    /// the same files on the same base, it stays as it is (no needless force-push).
    fn push_release_branch(
        &self,
        old_tip: Option<CommitId>,
        from_tip: CommitId,
        new_tip: CommitId,
    ) -> Result<CommitId, EngineError> {
        let repo = self.repo();
        let config = self.config()?;
        if let Some(old) = old_tip
            && repo.same_tree(old, new_tip)?
            && repo.is_ancestor(from_tip, old)
            && own_commit(repo, old, from_tip, &config.pr.branch)?.1.is_empty()
        {
            return Ok(old);
        }
        let name = format!("refs/heads/{}", config.pr.branch);
        if !repo.has_remote(&config.cut.remote) {
            return Err(EngineError::NoRemote { remote: config.cut.remote.clone() });
        }
        if !repo.push_with_lease(&config.cut.remote, new_tip, &name, old_tip)? {
            return Err(EngineError::ReleaseBranchMoved { branch: config.pr.branch.clone() });
        }
        Ok(new_tip)
    }

    /// Opens the one release pull request, or updates the one found by its marker.
    fn open_or_update(&self, github: &dyn Forge, mut report: PrReport) -> Result<PrReport, EngineError> {
        let pr = &self.config()?.pr;
        let existing = find_marked(github, &pr.branch, PR_MARKER)?;
        let pull = match existing {
            Some(pull) if pull.title == report.title && pull.body.as_deref() == Some(report.body.as_str()) => {
                report.action = "unchanged";
                pull
            }
            Some(pull) => {
                report.action = "updated";
                let update = PullRequestUpdate {
                    title: Some(report.title.clone()),
                    body: Some(report.body.clone()),
                    state: None,
                };
                github.update_pull_request(pull.number, &update)?
            }
            None => {
                report.action = "created";
                github.create_pull_request(&NewPullRequest {
                    title: report.title.clone(),
                    head: pr.branch.clone(),
                    base: pr.base.clone(),
                    body: report.body.clone(),
                })?
            }
        };
        let missing: Vec<String> = pr.pending_labels.iter().filter(|label| !pull.has_label(label)).cloned().collect();
        if !missing.is_empty() {
            github.add_labels(pull.number, &missing)?;
        }
        report.number = Some(pull.number);
        report.url = Some(pull.html_url);
        Ok(report)
    }

    /// Nothing to release: the open release pull request is closed with a comment, the branch deleted.
    fn close_empty(
        &self,
        github: &dyn Forge,
        old_tip: Option<CommitId>,
        mut report: PrReport,
    ) -> Result<PrReport, EngineError> {
        let config = self.config()?;
        if let Some(pull) = find_marked(github, &config.pr.branch, PR_MARKER)? {
            // A run stopped between the comment and the close finds its comment by the marker.
            let commented = github.comments(pull.number)?.iter().any(|comment| {
                comment.body.as_deref().is_some_and(|body| body.lines().any(|line| line.trim() == CLOSED_MARKER))
            });
            if !commented {
                let comment = format!(
                    "{CLOSED_MARKER}\nNothing is left to release on this base: the release pull request is \
                     closed. `release pr` opens a new one when there is.\n"
                );
                github.create_comment(pull.number, &comment)?;
            }
            let update = PullRequestUpdate { state: Some("closed".into()), ..PullRequestUpdate::default() };
            github.update_pull_request(pull.number, &update)?;
            report.action = "closed";
            report.number = Some(pull.number);
            report.url = Some(pull.html_url);
        }
        if let Some(old) = old_tip {
            let name = format!("refs/heads/{}", config.pr.branch);
            if !self.repo().delete_remote_ref(&config.cut.remote, &name, old)? {
                return Err(EngineError::ReleaseBranchMoved { branch: config.pr.branch.clone() });
            }
        }
        Ok(report)
    }

    /// `release pr --back-merge`: the pull request from the base back into `from`.
    fn back_merge(&self, options: &PrOptions) -> Result<PrReport, EngineError> {
        let config = self.config()?;
        let pr = &config.pr;
        if !pr.is_git_flow() {
            return Err(EngineError::NoGitFlow);
        }
        let github = if options.dry_run { None } else { Some(self.github(true)?) };
        let base_tip = self.branch_tip(&config.cut.remote, &pr.base)?;
        let from_tip = self.branch_tip(&config.cut.remote, &pr.from)?;
        let title = format!("release: merge {} back into {}", pr.base, pr.from);
        let body = format!(
            "{BACK_MERGE_MARKER}\nBrings the release on `{}` back into `{}`, so the next release starts from it.\n",
            pr.base, pr.from
        );
        let mut report = PrReport {
            action: "nothing",
            base: pr.from.clone(),
            head: pr.base.clone(),
            number: None,
            url: None,
            title,
            commit: Some(base_tip),
            releases: Vec::new(),
            files: Vec::new(),
            kept_edits: Vec::new(),
            dropped_edits: Vec::new(),
            diff: String::new(),
            body,
        };
        if self.repo().is_ancestor(base_tip, from_tip) {
            return Ok(report);
        }
        let Some(github) = github else {
            report.action = "would-push";
            return Ok(report);
        };
        let existing = find_marked(&github, &pr.base, BACK_MERGE_MARKER)?;
        let pull = match existing {
            Some(pull) => {
                report.action = "unchanged";
                pull
            }
            None => {
                report.action = "created";
                github.create_pull_request(&NewPullRequest {
                    title: report.title.clone(),
                    head: pr.base.clone(),
                    base: pr.from.clone(),
                    body: report.body.clone(),
                })?
            }
        };
        report.number = Some(pull.number);
        report.url = Some(pull.html_url);
        Ok(report)
    }
}

/// The open pull request from `head` whose body carries `marker` on a line of its own.
pub(crate) fn find_marked(github: &dyn Forge, head: &str, marker: &str) -> Result<Option<PullRequest>, EngineError> {
    Ok(github.pull_requests(head, "open")?.into_iter().find(|pull| has_marker(pull, marker)))
}

pub(crate) fn has_marker(pull: &PullRequest, marker: &str) -> bool {
    pull.body.as_deref().is_some_and(|body| body.lines().any(|line| line.trim() == marker))
}

/// The tool's release commit on the old release branch and the commits after it (newest first).
/// A branch whose commits since the base hold no release commit was rewritten by hand.
fn own_commit(
    repo: &Repo,
    old_tip: CommitId,
    from_tip: CommitId,
    branch: &str,
) -> Result<(CommitId, Vec<CommitId>), EngineError> {
    let mut after = Vec::new();
    for commit in repo.first_parent_chain(old_tip)?.into_iter().rev().take(100) {
        if repo.is_ancestor(commit, from_tip) {
            break;
        }
        if release_cut::parse_commit_message(&repo.commit_message(commit)?).is_some() {
            return Ok((commit, after));
        }
        after.push(commit);
    }
    Err(EngineError::HandRewritten { branch: branch.to_string(), tip: old_tip })
}

/// `[pr] title` with `{summary}`: the repository's version, one package's, or a count.
fn title(template: &str, records: &[ReleaseRecord]) -> String {
    let summary = match (records.iter().find(|record| record.is_repository()), records) {
        (Some(repository), _) => format!("v{}", repository.version),
        (None, [one]) => format!("{} v{}", one.name, one.version),
        (None, many) => format!("{} packages", many.len()),
    };
    template.replace("{summary}", &summary)
}

fn edits_note(kept: &[String], dropped: &[String]) -> String {
    let mut note = String::new();
    if !kept.is_empty() {
        note.push_str(&format!("\n> Edits made on the release branch were kept: {}.\n", kept.join(", ")));
    }
    if !dropped.is_empty() {
        note.push_str(&format!(
            "\n> **Edits not kept**: {} (the versions changed, or they no longer apply); make them again if they still matter.\n",
            dropped.join(", ")
        ));
    }
    note
}
