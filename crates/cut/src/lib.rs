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

mod lock;
mod record;

use std::path::Path;

use release_apply::{ApplyInput, FileChange};
use release_changelog::{Links, Release, Renderer};
use release_commit_id::CommitId;
use release_config::Config;
use release_forge::{Forge, NewRelease};
use release_git::{PushStatus, Repo};
use release_plan::Plan;
use release_workspace::Workspace;
use serde::Serialize;

pub use lock::{LockGuard, acquire as lock};
pub use record::{
    Journal, REPOSITORY, ReleaseRecord, commit_message, merged_records, parse_commit_actor, parse_commit_message, pin,
    records,
};

#[derive(Debug, thiserror::Error)]
pub enum CutError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Git(#[from] release_git::GitError),
    #[error(transparent)]
    Push(#[from] release_git::PushError),
    #[error(transparent)]
    Forge(#[from] release_forge::ForgeError),
    #[error(transparent)]
    Apply(#[from] release_apply::ApplyError),
    #[error(transparent)]
    Changelog(#[from] release_changelog::ChangelogError),

    #[error(
        "another `release cut` is running in this repository: process {pid}, started {} (hint: wait for it; if it is not running, remove `{path}`)", release_config::promotion::format_utc(*since as i64)
    )]
    Locked { pid: u32, since: u64, path: String },

    #[error(
        "releases are cut from {allowed}, not from `{branch}` (hint: switch branch, or add it to `[cut] branches` in release.toml)"
    )]
    Branch { branch: String, allowed: String },

    #[error("HEAD is detached (hint: check out the release branch, e.g. `git switch main`)")]
    Detached,

    #[error(
        "`{branch}` is {count} commit(s) behind `{upstream}` (hint: `git pull --rebase`, then run the same command again)"
    )]
    Behind { branch: String, upstream: String, count: usize },

    #[error(
        "tag `{tag}` already exists at {at}, not at the release commit {release} (hint: a release with this version was cut from other commits; delete the tag if it is wrong, or release a new version)"
    )]
    TagElsewhere { tag: String, at: CommitId, release: CommitId },

    #[error("the working tree has uncommitted changes: {files} (hint: commit or stash them, or pass `--allow-dirty`)")]
    Dirty { files: String },

    #[error(
        "the release writes files that have uncommitted changes: {files} (hint: commit or stash them; `--allow-dirty` allows changes to other files only, so the release commit never carries unreviewed edits)"
    )]
    DirtyReleaseFiles { files: String },

    #[error(
        "`{name}` {version} would be tagged `{tag}`, which is not a valid git tag name (hint: set a tag template without spaces or `~^:?*[\\` for it in release.toml, e.g. `[[package]] name = \"{name}\"` with `tag = \"...-v{{version}}\"`)"
    )]
    InvalidTag { name: String, version: semver::Version, tag: String },

    #[error(
        "HEAD {} looks like a release commit that the plan does not make: {why} (hint: if it was cut with `--pre`, run again with the same `--pre`; otherwise it is not a release this tool made: add a commit on top, or reset it)",
        .commit.short()
    )]
    Unverified { commit: CommitId, why: String },

    #[error("recording the release in the promotion history failed: {0}")]
    Record(#[source] release_exit::Classified),

    #[error("asset glob `{glob}` is invalid: {message} (hint: fix it in `assets` in release.toml)")]
    AssetGlob { glob: String, message: String },
}

impl release_exit::Classify for CutError {
    fn exit_class(&self) -> release_exit::ExitClass {
        use release_exit::ExitClass;
        match self {
            CutError::Io(_) => ExitClass::Unexpected,
            CutError::Git(error) => error.exit_class(),
            CutError::Record(error) => error.exit_class(),
            // A failed apply, even its I/O, is reported as a failed check during a cut: the
            // exit codes the tests pin.
            CutError::Push(_)
            | CutError::Forge(_)
            | CutError::Apply(_)
            | CutError::Changelog(_)
            | CutError::Locked { .. }
            | CutError::Branch { .. }
            | CutError::Detached
            | CutError::Behind { .. }
            | CutError::TagElsewhere { .. }
            | CutError::Dirty { .. }
            | CutError::DirtyReleaseFiles { .. }
            | CutError::InvalidTag { .. }
            | CutError::Unverified { .. }
            | CutError::AssetGlob { .. } => ExitClass::InvalidInput,
        }
    }
}

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

/// Where a previous run stopped, as far as the repository can tell.
#[derive(Debug, Clone)]
pub enum Resume {
    /// Nothing in progress.
    Fresh,
    /// Files were being written; the journal says which and for what release.
    Journal(Journal),
    /// HEAD is a release commit this tool made (the journal or its tags say so); what is left is
    /// tags, push, the ledger and forge.
    Committed { commit: CommitId, records: Vec<ReleaseRecord> },
    /// HEAD carries release trailers but nothing this tool wrote vouches for it. It is a release
    /// only if it is exactly what the plan at its parent would have cut ([`claim_holds`]).
    Claimed { commit: CommitId, records: Vec<ReleaseRecord> },
}

/// Finds out whether a previous run stopped half-way.
pub fn resume_state(repo: &Repo) -> Result<Resume, CutError> {
    let head = repo.resolve("HEAD")?;
    let journal = Journal::read(repo.git_dir());
    let message = repo.commit_message(head)?;
    if let Some(records) = parse_commit_message(&message) {
        // This clone's journal names the commit, or was written for exactly this commit just
        // before it was made (a run killed between the commit and the journal's update).
        let journaled = journal.as_ref().is_some_and(|journal| {
            journal.records == records
                && (journal.commit == Some(head)
                    || (journal.commit.is_none()
                        && journal.message.as_deref() == Some(message.as_str())
                        && repo.parent(head) == Some(journal.head)))
        });
        return Ok(if journaled {
            Resume::Committed { commit: head, records }
        } else {
            Resume::Claimed { commit: head, records }
        });
    }
    match journal {
        Some(journal) if journal.head == head && journal.commit.is_none() => Ok(Resume::Journal(journal)),
        Some(_) => {
            // Written for another HEAD: the files were committed or thrown away since.
            Journal::remove(repo.git_dir())?;
            Ok(Resume::Fresh)
        }
        None => Ok(Resume::Fresh),
    }
}

/// What a [`Resume::Claimed`] commit turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Exactly the release the plan at its parent makes, with every file it writes: resume it.
    Holds,
    /// Its files hold the release its trailers name, but the plan at its parent releases
    /// something else (another `--pre`, tags made since): stop rather than guess.
    Mismatch(String),
    /// Not a release: trailers over files that do not hold them (a squash-merge body is enough).
    /// It is planned as the ordinary commit it is.
    NotARelease(String),
}

/// Decides a [`Resume::Claimed`] commit with `plan` planned at its parent. A forged trailer can
/// then neither skip the release's files nor choose its tags.
pub fn claim_holds(
    cut: &Cut<'_>,
    plan: &Plan,
    commit: CommitId,
    claimed: &[ReleaseRecord],
    commit_day: &str,
) -> Result<Claim, CutError> {
    let claimed = sorted_by_tag(claimed.to_vec());
    let mut pinned = plan.clone();
    pin(&mut pinned, &claimed);
    if sorted_by_tag(records(&pinned)) != claimed {
        return Ok(Claim::NotARelease(format!(
            "its trailers name {}, which this repository cannot release",
            tag_list(&claimed)
        )));
    }
    if let Some(why) = not_newer(plan, &claimed) {
        return Ok(Claim::NotARelease(why));
    }
    if let Some(why) = files_differ(cut, &pinned, commit_day)? {
        return Ok(Claim::NotARelease(why));
    }
    if let Some(why) = foreign_files(cut, &pinned, commit)? {
        return Ok(Claim::NotARelease(why));
    }
    // Its annotated tags (as `release cut` makes them) already name it: a release that is done.
    if claimed
        .iter()
        .all(|record| cut.repo.tag_commit(&record.tag) == Some(commit) && cut.repo.is_annotated_tag(&record.tag))
    {
        return Ok(Claim::Holds);
    }
    let expected = sorted_by_tag(records(plan));
    if expected != claimed {
        return Ok(Claim::Mismatch(format!(
            "its trailers name {}, but the plan at its parent releases {}",
            tag_list(&claimed),
            tag_list(&expected)
        )));
    }
    Ok(Claim::Holds)
}

/// Records in tag order, so a claim compares with a plan whatever order its trailers list.
fn sorted_by_tag(mut records: Vec<ReleaseRecord>) -> Vec<ReleaseRecord> {
    records.sort_by(|a, b| a.tag.cmp(&b.tag));
    records
}

/// The tags of `records` for a message: `a-v1.0.0, b-v2.0.0`, or `nothing`.
fn tag_list(records: &[ReleaseRecord]) -> String {
    if records.is_empty() {
        return "nothing".into();
    }
    records.iter().map(|record| record.tag.as_str()).collect::<Vec<_>>().join(", ")
}

/// Why a claimed release is not newer than the last release of its package, if it is not. (The
/// working tree's manifests already hold the claimed versions, so only a tag tells what came
/// before.)
fn not_newer(plan: &Plan, claimed: &[ReleaseRecord]) -> Option<String> {
    let previous = |name: &str| -> Option<&semver::Version> {
        if name == REPOSITORY {
            plan.repo.as_ref().filter(|repo| repo.previous_tag.is_some()).map(|repo| &repo.current_version)
        } else {
            plan.packages
                .iter()
                .find(|package| package.name == name && package.previous_tag.is_some())
                .map(|package| &package.current_version)
        }
    };
    claimed.iter().find_map(|record| {
        let before = previous(&record.name)?;
        (record.version <= *before).then(|| {
            format!("its trailers name {} {}, not newer than the last release, {before}", record.name, record.version)
        })
    })
}

/// Why the working tree's files do not hold the pinned release, if they do not. The changelog's
/// dates are the day the release was cut: the commit's day, or today's.
fn files_differ(cut: &Cut<'_>, pinned: &Plan, commit_day: &str) -> Result<Option<String>, CutError> {
    let mut differing = Vec::new();
    for date in [cut.date, commit_day] {
        let changes = release_apply::changes(&apply_input(cut, pinned, date))?;
        if changes.is_empty() {
            return Ok(None);
        }
        differing = changes.into_iter().map(|change| change.path).collect();
    }
    Ok(Some(format!("its files do not hold the release its trailers name ({} would change)", differing.join(", "))))
}

/// Why the commit is more than the release, if it is: a file the release does not write (a
/// script slipped in beside the bump) makes it an ordinary commit.
fn foreign_files(cut: &Cut<'_>, pinned: &Plan, commit: CommitId) -> Result<Option<String>, CutError> {
    let targets = release_apply::targets(&apply_input(cut, pinned, cut.date))?;
    let foreign: Vec<String> = cut
        .repo
        .changed_paths(commit)?
        .into_iter()
        .filter(|path| !targets.contains(path) && !is_change_file(path))
        .take(5)
        .collect();
    Ok((!foreign.is_empty()).then(|| format!("it changes files the release does not write ({})", foreign.join(", "))))
}

/// Refuses, before anything irreversible, a release whose tags git could not make or would
/// misread (a package named `my pkg`, an npm name `bad name:`).
pub fn check_tags(records: &[ReleaseRecord]) -> Result<(), CutError> {
    match records.iter().find(|record| !release_git::is_valid_tag_name(&record.tag)) {
        Some(record) => Err(CutError::InvalidTag {
            name: record.name.clone(),
            version: record.version.clone(),
            tag: record.tag.clone(),
        }),
        None => Ok(()),
    }
}

/// The branch is one releases may be cut from.
pub fn check_branch(repo: &Repo, config: &Config) -> Result<String, CutError> {
    let branch = repo.current_branch().ok_or(CutError::Detached)?;
    if !config.cut.branches.iter().any(|allowed| allowed == &branch) {
        let allowed: Vec<String> = config.cut.branches.iter().map(|name| format!("`{name}`")).collect();
        return Err(CutError::Branch { branch, allowed: allowed.join(" or ") });
    }
    Ok(branch)
}

/// Fetches, then refuses a branch that is behind its upstream (a push would be rejected anyway,
/// after tags were made for commits the remote does not have).
pub fn check_upstream(repo: &Repo, branch: &str) -> Result<(), CutError> {
    let Some((remote, upstream)) = repo.upstream(branch) else { return Ok(()) };
    repo.fetch(&remote)?;
    let head = repo.resolve("HEAD")?;
    let upstream_commit = repo.resolve(&upstream)?;
    let (_, behind) = repo.ahead_behind(head, upstream_commit)?;
    if behind > 0 {
        let short = upstream.trim_start_matches("refs/remotes/").to_string();
        return Err(CutError::Behind { branch: branch.to_string(), upstream: short, count: behind });
    }
    Ok(())
}

/// Dirty files that are not this release's own half-written files. The temporary files of a run
/// killed while it wrote (`.NAME.release-PID.tmp`, whatever the pid) are removed first: the lock
/// is held, so no other run is writing them.
pub fn check_clean(repo: &Repo, resume: &Resume) -> Result<(), CutError> {
    let mut dirty = repo.dirty_files()?;
    // Staging happens after the journal is written: a leftover is one beside a file the journal
    // names (never a file of the user's that only looks like one).
    let journaled: Vec<String> = Journal::read(repo.git_dir()).map(|journal| journal.files).unwrap_or_default();
    let leftover =
        |file: &String| release_apply::staging_target(file).is_some_and(|target| journaled.contains(&target));
    for file in dirty.iter().filter(|file| leftover(file)) {
        match fs_err::remove_file(repo.root().join(file)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
            _ => {}
        }
    }
    dirty.retain(|file| !leftover(file));
    let own: &[String] = match resume {
        Resume::Journal(journal) => &journal.files,
        _ => &[],
    };
    let foreign: Vec<&String> = dirty.iter().filter(|file| !own.contains(file)).collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = foreign.iter().take(20).map(|file| file.as_str()).collect();
    let more =
        if foreign.len() > shown.len() { format!(" and {} more", foreign.len() - shown.len()) } else { String::new() };
    Err(CutError::Dirty { files: format!("{}{more}", shown.join(", ")) })
}

/// Refuses to write over uncommitted changes to the files the release writes (`--allow-dirty`
/// allows other dirty files, never these: the release commit would carry unreviewed edits). The
/// files of a run that stopped half-way (`own`) are the release's own.
pub fn check_release_files_clean(repo: &Repo, files: &[String], own: &[String]) -> Result<(), CutError> {
    let dirty = repo.dirty_files()?;
    let touched: Vec<&str> =
        files.iter().filter(|file| dirty.contains(file) && !own.contains(file)).map(String::as_str).take(20).collect();
    if touched.is_empty() { Ok(()) } else { Err(CutError::DirtyReleaseFiles { files: touched.join(", ") }) }
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
fn fault(point: &str) {
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
fn is_change_file(path: &str) -> bool {
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
fn apply_input<'a>(cut: &Cut<'a>, plan: &'a Plan, date: &'a str) -> ApplyInput<'a> {
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
fn record_into(
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

/// Tags, push and forge releases for a release commit that already exists: the second half of a
/// cut, run by the promotion stage when `tag-on = "prod"`. Safe to run again.
pub fn publish(cut: &Cut<'_>, plan: &Plan, records: &[ReleaseRecord], commit: CommitId) -> Result<Report, CutError> {
    let mut steps = Vec::new();
    let mut step = |name: &str, outcome: Outcome, detail: String| {
        steps.push(StepReport { step: name.to_string(), outcome, detail });
    };
    publish_into(cut, plan, records, commit, false, &mut step)?;
    Ok(Report { releases: records.to_vec(), commit: Some(commit), steps })
}

fn publish_into(
    cut: &Cut<'_>,
    plan: &Plan,
    records: &[ReleaseRecord],
    commit: CommitId,
    push_branch: bool,
    step: &mut impl FnMut(&str, Outcome, String),
) -> Result<(), CutError> {
    let repo = cut.repo;
    // Tags: one annotated tag per release, with the release notes as message.
    let mut created = 0;
    for record in records {
        match repo.tag_commit(&record.tag) {
            Some(at) if at == commit => {}
            Some(at) => {
                return Err(CutError::TagElsewhere { tag: record.tag.clone(), at, release: commit });
            }
            None => {
                let notes = notes(cut, plan, record)?;
                repo.create_tag(&record.tag, commit, &format!("{}\n\n{notes}", record.tag))?;
                created += 1;
                fault("tag");
            }
        }
    }
    let tags: Vec<&str> = records.iter().map(|record| record.tag.as_str()).collect();
    step(
        "tags",
        if created == 0 { Outcome::AlreadyDone } else { Outcome::DoneNow },
        format!("{} ({} new)", tags.join(", "), created),
    );

    // Push the branch and the tags together: all of them land, or none.
    let remote = &cut.config.cut.remote;
    let pushed = if cut.push {
        let mut refspecs = Vec::new();
        if push_branch {
            refspecs.push(format!("{commit}:refs/heads/{}", cut.branch));
        }
        refspecs.extend(records.iter().map(|record| format!("refs/tags/{0}:refs/tags/{0}", record.tag)));
        let result = repo.push_atomic(remote, &refspecs)?;
        let moved = result.iter().filter(|pushed| pushed.status == PushStatus::Pushed).count();
        step(
            "push",
            if moved == 0 { Outcome::AlreadyDone } else { Outcome::DoneNow },
            if push_branch {
                format!("`{remote}`: {} and {} tag(s), {moved} updated", cut.branch, records.len())
            } else {
                format!("`{remote}`: {} tag(s), {moved} updated", records.len())
            },
        );
        fault("push");
        true
    } else {
        step("push", Outcome::Skipped, "--no-push".into());
        false
    };
    if push_branch {
        record_into(cut, records, commit, step)?;
    }

    // Forge releases, after the push so the tags exist there.
    match (cut.forge, pushed) {
        (Some(forge), true) => forge_releases(cut, forge, plan, records, step)?,
        (Some(_), false) => step("releases", Outcome::Skipped, "the tags were not pushed (--no-push)".into()),
        (None, _) => step("releases", Outcome::Skipped, "--no-forge".into()),
    }

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

/// The release notes of one record, from the plan's commits for that package (or the repository).
fn notes(cut: &Cut<'_>, plan: &Plan, record: &ReleaseRecord) -> Result<String, CutError> {
    let empty = Vec::new();
    let (commits, previous) = if record.is_repository() {
        match &plan.repo {
            Some(repo) => (&repo.commits, repo.previous_tag.as_deref()),
            None => (&empty, None),
        }
    } else {
        match plan.packages.iter().find(|package| package.name == record.name) {
            Some(package) => (&package.commits, package.previous_tag.as_deref()),
            None => (&empty, None),
        }
    };
    let dependencies = plan
        .packages
        .iter()
        .find(|package| package.name == record.name)
        .map(|package| plan.released_dependencies(package))
        .unwrap_or_default();
    Ok(cut.renderer.release_notes(&Release {
        version: &record.version,
        date: cut.date,
        previous_tag: previous,
        tag: &record.tag,
        commits,
        changes: plan
            .packages
            .iter()
            .find(|package| !record.is_repository() && package.name == record.name)
            .map_or(&[], |package| package.changes.as_slice()),
        dependencies: &dependencies,
        links: cut.links,
    })?)
}

/// `make_latest` only for the highest stable repository-level version, or the one package of a
/// single-package repository.
fn make_latest(records: &[ReleaseRecord], record: &ReleaseRecord) -> bool {
    if record.is_prerelease() {
        return false;
    }
    let has_repository = records.iter().any(ReleaseRecord::is_repository);
    if has_repository { record.is_repository() } else { records.len() == 1 }
}

fn forge_releases(
    cut: &Cut<'_>,
    forge: &dyn Forge,
    plan: &Plan,
    records: &[ReleaseRecord],
    step: &mut impl FnMut(&str, Outcome, String),
) -> Result<(), CutError> {
    let (mut created, mut updated, mut unchanged, mut uploaded) = (0, 0, 0, 0);
    for record in records {
        let wanted = NewRelease {
            tag_name: record.tag.clone(),
            target_commitish: cut.branch.to_string(),
            name: record.tag.clone(),
            body: notes(cut, plan, record)?,
            draft: false,
            prerelease: record.is_prerelease(),
            make_latest: make_latest(records, record).to_string(),
        };
        let release = match forge.release_by_tag(&record.tag)? {
            None => {
                created += 1;
                let release = forge.create_release(&wanted)?;
                fault("release");
                release
            }
            Some(existing)
                if existing.body.as_deref().unwrap_or("") != wanted.body
                    || existing.name.as_deref() != Some(wanted.name.as_str())
                    || existing.prerelease != wanted.prerelease =>
            {
                updated += 1;
                forge.update_release(existing.id, &wanted)?
            }
            Some(existing) => {
                unchanged += 1;
                existing
            }
        };
        uploaded += upload_assets(cut, forge, record, &release)?;
    }
    let outcome = if created + updated + uploaded == 0 { Outcome::AlreadyDone } else { Outcome::DoneNow };
    step(
        "releases",
        outcome,
        format!("{created} created, {updated} updated, {unchanged} unchanged, {uploaded} asset(s) uploaded"),
    );
    Ok(())
}

/// Uploads the record's assets that the release does not have with the same size and checksum.
fn upload_assets(
    cut: &Cut<'_>,
    forge: &dyn Forge,
    record: &ReleaseRecord,
    release: &release_forge::RemoteRelease,
) -> Result<usize, CutError> {
    let globs: &[String] = if record.is_repository() {
        cut.config.repo.as_ref().map(|repo| repo.assets.as_slice()).unwrap_or_default()
    } else {
        cut.config
            .packages
            .iter()
            .find(|package| package.name == record.name)
            .map(|package| package.assets.as_slice())
            .unwrap_or_default()
    };
    if globs.is_empty() {
        return Ok(0);
    }
    let files = matching_files(cut.repo.root(), globs)?;
    let existing = forge.release_assets(release)?;
    let mut uploaded = 0;
    for path in files {
        let bytes = fs_err::read(cut.repo.root().join(&path))?;
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        let digest = release_forge::digest(&bytes);
        if let Some(asset) = existing.iter().find(|asset| asset.name == name) {
            let same = asset.size == bytes.len() as u64 && asset.digest.as_deref().is_none_or(|found| found == digest);
            if same {
                continue;
            }
            forge.delete_asset(asset.id)?;
        }
        forge.upload_asset(release, &name, &bytes)?;
        uploaded += 1;
    }
    Ok(uploaded)
}

/// Files under `root` matching any glob, sorted, `.git` excluded.
fn matching_files(root: &Path, globs: &[String]) -> Result<Vec<String>, CutError> {
    // Config refuses a glob that does not parse, so this is not reached from release.toml; it is
    // still the user's value, so it is reported (exit 1), never dropped.
    let set = release_config::glob::Globs::new(globs.iter().map(String::as_str)).map_err(|error| {
        CutError::AssetGlob { glob: error.glob().unwrap_or_default().to_string(), message: error.kind().to_string() }
    })?;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs_err::read_dir(&folder)? {
            let path = entry?.path();
            if path.file_name().is_some_and(|name| name == ".git") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                if set.is_match(&relative) {
                    out.push(relative);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use release_exit::{Classify, ExitClass};

    use super::*;

    /// An asset glob that does not build was reported as `CutError::Io` (exit 2, "unexpected")
    /// although it is the user's value from release.toml; a glob that failed alone was dropped.
    #[test]
    fn an_invalid_asset_glob_is_the_user_s_mistake() {
        let root = Path::new("/nonexistent/the glob fails before any folder is read");
        let error = matching_files(root, &["dist/*.tar.gz".into(), "dist/[".into()]).unwrap_err();
        assert!(matches!(&error, CutError::AssetGlob { glob, .. } if glob == "dist/["), "{error:?}");
        assert_eq!(error.exit_class(), ExitClass::InvalidInput);
        let message = error.to_string();
        assert!(message.starts_with("asset glob `dist/[` is invalid: unclosed character class"), "{message}");
        assert!(message.ends_with("(hint: fix it in `assets` in release.toml)"), "{message}");
    }
}
