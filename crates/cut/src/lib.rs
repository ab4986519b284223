//! `release cut`: apply the plan, one release commit, annotated tags, one atomic push, a forge
//! release per tag. Safe to run again after a failure at any point: every step first looks at
//! the real state (is the commit there? the tag? at which commit? the release? its notes? the
//! asset?) and does only what is missing, never a step twice.
//!
//! What a release is gets recorded before anything irreversible happens: in a journal in the git
//! directory while files are being written, then in the release commit's trailers. A rerun reads
//! those instead of re-planning, so it releases exactly what the first run decided.
//!
//! Never prints; reports what each step did. Never talks HTTP itself: the forge is a trait.
//!
//! ```no_run
//! # fn demo(cut: release_cut::Cut<'_>, plan: release_plan::Plan, resume: release_cut::Resume) {
//! let report = release_cut::execute(&cut, &plan, &resume).unwrap();
//! for step in &report.steps {
//!     println!("{:<8} {:?} {}", step.step, step.outcome, step.detail);
//! }
//! # }
//! ```

mod checks;
mod error;
mod lock;
mod publish;
mod record;
mod resume;

use std::path::Path;

use release_apply::{ApplyInput, FileChange};
use release_changelog::{Links, Renderer};
use release_commit_id::CommitId;
use release_config::Config;
use release_forge::Forge;
use release_git::{PushStatus, Repo};
use release_plan::Plan;
use release_workspace::Workspace;
use serde::Serialize;

pub use checks::{check_branch, check_clean, check_release_files_clean, check_tags, check_upstream};
pub use error::CutError;
pub use lock::{LockGuard, acquire as lock};
pub use publish::publish;
use publish::publish_into;
pub use record::{
    Journal, REPOSITORY, ReleaseRecord, commit_message, merged_records, parse_commit_actor, parse_commit_message, pin,
    records,
};
pub use resume::{Claim, Resume, claim_holds, resume_state};

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    DoneNow,
    AlreadyDone,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub step: String,
    pub outcome: Outcome,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub releases: Vec<ReleaseRecord>,
    pub commit: Option<CommitId>,
    pub steps: Vec<StepReport>,
}

/// Records a cut release where the promotion stage looks for releases (the ledger), once the
/// release commit is where promotion will read it. `Ok(true)` when recorded now, `Ok(false)` when
/// it already was. The error carries its own exit class (a promotion gate keeps its code).
pub type Recorder<'a> = dyn Fn(CommitId, &[ReleaseRecord]) -> Result<bool, release_exit::Classified> + 'a;

/// Everything a cut needs besides the plan.
pub struct Cut<'a> {
    pub repo: &'a Repo,
    pub config: &'a Config,
    pub workspace: &'a Workspace,
    pub renderer: &'a Renderer,
    pub links: Option<&'a Links>,
    pub date: &'a str,
    pub branch: &'a str,
    /// `None` with `--no-forge`.
    pub forge: Option<&'a dyn Forge>,
    pub push: bool,
    /// `[promotion] tag-on = "prod"`: push the release commit only; tags and forge releases are
    /// made by [`publish`] once the last environment has verified the release.
    pub defer_tags: bool,
    /// Who runs the cut, recorded in the release commit: approvals may not come from them.
    pub actor: Option<&'a str>,
    /// With environments to promote to: records the release in the ledger.
    pub record: Option<&'a Recorder<'a>>,
}

/// A test-only crash point: in debug builds, `RELEASE_FAULT=<point>` aborts the process right
/// after that point, so tests can check that a rerun finishes the job. Release builds ignore it.
pub(crate) fn fault(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("RELEASE_FAULT").is_ok_and(|value| value == point) {
        eprintln!("release: fault injected after `{point}`");
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

/// Deletes the change files a plan consumed from the working tree (`changeset version` does the
/// same): the release holds what they said, and a second plan must not count them again. A file
/// already gone is fine (a rerun).
pub fn remove_change_files(root: &Path, paths: &[String]) -> Result<(), CutError> {
    for path in paths {
        let full = release_apply::inside(root, path)?;
        match fs_err::remove_file(full) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
            _ => {}
        }
    }
    Ok(())
}

/// Whether a path is a change file (changesets or covector): a release commit deletes them.
pub(crate) fn is_change_file(path: &str) -> bool {
    let in_folder = path.starts_with(".changeset/") || path.starts_with(".changes/");
    in_folder && path.ends_with(".md") && path.matches('/').count() == 1 && !path.ends_with("/README.md")
}

/// Runs the steps from wherever the last run stopped.
pub fn execute(cut: &Cut<'_>, plan: &Plan, resume: &Resume) -> Result<Report, CutError> {
    let mut steps = Vec::new();
    let mut step = |name: &str, outcome: Outcome, detail: String| {
        steps.push(StepReport { step: name.to_string(), outcome, detail });
    };
    let (commit, records) = match resume {
        Resume::Claimed { commit, .. } => {
            return Err(CutError::Unverified { commit: *commit, why: "nothing this tool wrote vouches for it".into() });
        }
        Resume::Committed { commit, records } => {
            step("apply", Outcome::AlreadyDone, "the files are in the release commit".into());
            step("commit", Outcome::AlreadyDone, format!("release commit {}", commit.short()));
            (*commit, records.clone())
        }
        Resume::Fresh | Resume::Journal(_) => apply_and_commit(cut, plan, resume, &mut step)?,
    };
    if cut.defer_tags {
        push_deferred(cut, &records, commit, &mut step)?;
    } else {
        publish_into(cut, plan, &records, commit, true, &mut step)?;
    }
    if cut.push {
        // Done: nothing is left for a rerun (with --no-push the push is still to do).
        Journal::remove(cut.repo.git_dir())?;
    }
    Ok(Report { releases: records, commit: Some(commit), steps })
}

/// What release-apply needs to compute a plan's files in this cut's repository, for `date`.
pub(crate) fn apply_input<'a>(cut: &Cut<'a>, plan: &'a Plan, date: &'a str) -> ApplyInput<'a> {
    ApplyInput {
        root: cut.repo.root(),
        config: cut.config,
        workspace: cut.workspace,
        plan,
        date,
        links: cut.links,
        renderer: cut.renderer,
    }
}

/// The first half of a cut: writes the release's files and commits them, journaling each
/// point so that a run stopped anywhere resumes without writing or committing twice.
fn apply_and_commit(
    cut: &Cut<'_>,
    plan: &Plan,
    resume: &Resume,
    step: &mut impl FnMut(&str, Outcome, String),
) -> Result<(CommitId, Vec<ReleaseRecord>), CutError> {
    let repo = cut.repo;
    let records = match resume {
        Resume::Journal(journal) => journal.records.clone(),
        _ => records(plan),
    };
    check_tags(&records)?;
    let changes = release_apply::changes(&apply_input(cut, plan, cut.date))?;
    let files = commit_files(cut, plan, resume, &changes)?;
    let head = repo.resolve("HEAD")?;
    let mut journal = Journal { head, files: files.clone(), records: records.clone(), commit: None, message: None };
    journal.write(repo.git_dir())?;
    release_apply::write_all(repo.root(), &changes)?;
    let outcome = if changes.is_empty() && matches!(resume, Resume::Journal(_)) {
        Outcome::AlreadyDone
    } else {
        Outcome::DoneNow
    };
    step("apply", outcome, describe_files(&changes, files.len()));
    fault("apply");
    let commit = commit_journaled(cut, plan, &mut journal)?;
    step("commit", Outcome::DoneNow, format!("release commit {}", commit.short()));
    fault("commit");
    Ok((commit, records))
}

/// The files the release commit holds (sorted): the plan's changes, the consumed change files,
/// and whatever a stopped run already wrote; refuses files the user has edited meanwhile.
fn commit_files(cut: &Cut<'_>, plan: &Plan, resume: &Resume, changes: &[FileChange]) -> Result<Vec<String>, CutError> {
    let repo = cut.repo;
    let mut files: Vec<String> = changes.iter().map(|change| change.path.clone()).collect();
    // Consumed change files leave in the release commit: their deletion is one of its files.
    files.extend(plan.change_files.iter().filter(|path| repo.in_head(path)).cloned());
    let own: &[String] = match resume {
        Resume::Journal(journal) => &journal.files,
        _ => &[],
    };
    check_release_files_clean(repo, &files, own)?;
    if let Resume::Journal(journal) = resume {
        // Files written by the run that stopped are already new: they still belong in the commit.
        for file in &journal.files {
            if !files.contains(file) {
                files.push(file.clone());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Makes the release commit of the journal's files, writing the message to the journal before
/// and the commit after, so a run killed in between still recognises its own commit.
fn commit_journaled(cut: &Cut<'_>, plan: &Plan, journal: &mut Journal) -> Result<CommitId, CutError> {
    let repo = cut.repo;
    let message = commit_message(&cut.config.cut.commit_message, &journal.records, cut.actor);
    journal.message = Some(message.clone());
    journal.write(repo.git_dir())?;
    // Last before the commit: a run stopped earlier still plans with them on its rerun.
    remove_change_files(repo.root(), &plan.change_files)?;
    let commit = repo.commit_paths(&journal.files, &message)?;
    fault("commit-made");
    journal.commit = Some(commit);
    journal.write(repo.git_dir())?;
    Ok(commit)
}

/// With `tag-on = "prod"` a cut ends at the branch: it pushes the release commit and records the
/// cut; tags and forge releases wait for [`publish`].
fn push_deferred(
    cut: &Cut<'_>,
    records: &[ReleaseRecord],
    commit: CommitId,
    step: &mut impl FnMut(&str, Outcome, String),
) -> Result<(), CutError> {
    step(
        "tags",
        Outcome::Skipped,
        "tag-on = \"prod\": tags and releases follow the last environment's verification".into(),
    );
    if cut.push {
        let remote = &cut.config.cut.remote;
        let result = cut.repo.push_atomic(remote, &[format!("{commit}:refs/heads/{}", cut.branch)])?;
        let moved = result.iter().filter(|pushed| pushed.status == PushStatus::Pushed).count();
        step(
            "push",
            if moved == 0 { Outcome::AlreadyDone } else { Outcome::DoneNow },
            format!("`{remote}`: {}", cut.branch),
        );
        fault("push");
    } else {
        step("push", Outcome::Skipped, "--no-push".into());
    }
    record_into(cut, records, commit, step)?;
    step("releases", Outcome::Skipped, "tag-on = \"prod\"".into());
    Ok(())
}

/// The ledger step: after the push, so the ledger never names a commit the remote lacks.
pub(crate) fn record_into(
    cut: &Cut<'_>,
    records: &[ReleaseRecord],
    commit: CommitId,
    step: &mut impl FnMut(&str, Outcome, String),
) -> Result<(), CutError> {
    let Some(record) = cut.record else { return Ok(()) };
    if !cut.push && cut.repo.has_remote(&cut.config.cut.remote) {
        step("ledger", Outcome::Skipped, "--no-push: recorded when the release is pushed".into());
        return Ok(());
    }
    let now = record(commit, records).map_err(CutError::Record)?;
    step(
        "ledger",
        if now { Outcome::DoneNow } else { Outcome::AlreadyDone },
        format!("`{}`: cut {}", cut.config.promotion.ledger, commit.short()),
    );
    fault("ledger");
    Ok(())
}

fn describe_files(changes: &[FileChange], total: usize) -> String {
    if changes.is_empty() {
        format!("{total} file(s) already written")
    } else {
        let names: Vec<&str> = changes.iter().take(5).map(|change| change.path.as_str()).collect();
        let more = if changes.len() > names.len() {
            format!(" and {} more", changes.len() - names.len())
        } else {
            String::new()
        };
        format!("{} file(s): {}{more}", changes.len(), names.join(", "))
    }
}
