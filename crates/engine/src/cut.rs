//! `release cut`: apply the plan to the files (`--dry-run` computes the diff, `--no-commit`
//! writes), or the whole release: commit, tags, push, forge releases, from wherever the last
//! run stopped.

use release_apply::{ApplyInput, FileChange};
use release_commit_id::CommitId;
use release_config::Config;
use release_cut::{Claim, Resume};
use release_git::Repo;
use serde::Serialize;

use crate::render::Rendering;
use crate::session::{PlanOptions, Planned, Session};
use crate::{EngineError, now};

#[derive(Debug, Clone, Default)]
pub struct CutOptions {
    pub pre: Option<String>,
    pub dry_run: bool,
    pub no_commit: bool,
    pub allow_dirty: bool,
    pub no_push: bool,
    pub no_forge: bool,
}

/// What `release cut` did, for text and JSON output.
#[derive(Debug, Serialize)]
pub struct CutReport {
    /// The plan that was applied.
    pub plan: release_plan::Plan,
    pub files: Vec<FileReport>,
    /// Whether the files were written (false for `--dry-run`).
    pub written: bool,
    /// The unified diff of every file.
    #[serde(skip)]
    pub diff: String,
    /// For a full cut: what each step did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<release_cut::Report>,
}

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    /// `added` or `modified`.
    pub status: &'static str,
}

impl Session<'_> {
    /// `release cut`: the files only (`dry_run`, `no_commit`), or the whole release.
    pub fn cut(&self, options: &CutOptions) -> Result<CutReport, EngineError> {
        if options.dry_run || options.no_commit { self.cut_files(options) } else { self.full_cut(options) }
    }

    fn cut_files(&self, options: &CutOptions) -> Result<CutReport, EngineError> {
        let repo = self.repo();
        let _lock = if options.dry_run { None } else { Some(release_cut::lock(repo.git_dir())?.0) };
        let journal = self.live_journal()?;
        if !options.allow_dirty && !options.dry_run {
            let resume = journal.clone().map_or(Resume::Fresh, Resume::Journal);
            release_cut::check_clean(repo, &resume)?;
        }
        let Planned { mut plan, workspace } = self.fresh_plan(None, options)?;
        if let Some(journal) = &journal {
            release_cut::pin(&mut plan, &journal.records);
        }
        let config = self.config()?;
        let Rendering { renderer, links, date } = self.rendering()?;
        let changes = release_apply::changes(&ApplyInput {
            root: self.root(),
            config,
            workspace: &workspace,
            plan: &plan,
            date: &date,
            links: links.as_ref(),
            renderer: &renderer,
        })?;
        let diff = release_apply::unified_diff(&changes);
        if !options.dry_run {
            self.write_files(&plan, &changes, journal)?;
        }
        Ok(CutReport {
            plan,
            files: changes.iter().map(report).collect(),
            written: !options.dry_run,
            diff,
            steps: None,
        })
    }

    /// Files an earlier `--no-commit` wrote at this HEAD: the same release, not a second bump of
    /// the versions it already wrote (a package without tags is versioned by its manifest).
    /// Thrown away since (`git checkout .`), it is a new release, planned afresh.
    fn live_journal(&self) -> Result<Option<release_cut::Journal>, EngineError> {
        let repo = self.repo();
        Ok(match release_cut::resume_state(repo)? {
            Resume::Journal(journal) => {
                let dirty = repo.dirty_files()?;
                journal.files.iter().any(|file| dirty.contains(file)).then_some(journal)
            }
            _ => None,
        })
    }

    /// Journals, then writes the changed files (atomically, all or none).
    fn write_files(
        &self,
        plan: &release_plan::Plan,
        changes: &[FileChange],
        journal: Option<release_cut::Journal>,
    ) -> Result<(), EngineError> {
        let repo = self.repo();
        let paths: Vec<String> = changes.iter().map(|change| change.path.clone()).collect();
        let own = journal.as_ref().map(|journal| journal.files.as_slice()).unwrap_or_default();
        release_cut::check_release_files_clean(repo, &paths, own)?;
        if journal.is_none() && changes.is_empty() {
            return Ok(());
        }
        let mut files = paths;
        files.extend(journal.iter().flat_map(|journal| journal.files.iter().cloned()));
        files.extend(plan.change_files.iter().filter(|path| repo.in_head(path)).cloned());
        files.sort();
        files.dedup();
        let records = journal.map_or_else(|| release_cut::records(plan), |journal| journal.records);
        let head = repo.resolve("HEAD")?;
        release_cut::Journal { head, files, records, commit: None, message: None }.write(repo.git_dir())?;
        release_apply::write_all(self.root(), changes)?;
        release_cut::remove_change_files(self.root(), &plan.change_files)?;
        Ok(())
    }

    /// Apply, commit, tag, push, forge releases: from wherever the last run stopped.
    fn full_cut(&self, options: &CutOptions) -> Result<CutReport, EngineError> {
        let repo = self.repo();
        let (_lock, stale) = release_cut::lock(repo.git_dir())?;
        if let Some(warning) = stale {
            self.progress().warn(&warning.to_string());
        }
        let config = self.config()?;
        let branch = release_cut::check_branch(repo, config)?;
        if !options.no_push {
            release_cut::check_upstream(repo, &branch)?;
        }
        // Read before `resume_state`, which sets aside a journal that is not a release commit's.
        let merged = self.merged_in_progress()?;
        let resume = release_cut::resume_state(repo)?;
        if !options.allow_dirty {
            release_cut::check_clean(repo, &resume)?;
        }
        // A forge that cannot work is found out before anything is written. --no-push creates
        // no forge releases (the tags are not on the remote), so needs no token.
        let github = if options.no_forge || options.no_push { None } else { Some(self.github(true)?) };
        if matches!(resume, Resume::Fresh) {
            // A merged release pull request: the files hold the release, the tags do not yet (or
            // a run finishing it stopped after its first tag: its journal says what it was). A
            // release commit at HEAD (a rebase merge) is checked as a claim below, like any other.
            let applied = match merged {
                Some(records) => records,
                None => self.applied_releases(repo.resolve("HEAD")?)?,
            };
            if !applied.is_empty() {
                return self.finish_merged(options, applied, &branch, github.as_ref());
            }
        }
        let rendering = self.rendering()?;
        let (resume, planned) = self.settle_claim(resume, options, &rendering, &branch)?;
        let Planned { mut plan, workspace } = match planned {
            Some(planned) => planned,
            None => self.fresh_plan(committed_parent(repo, &resume)?, options)?,
        };
        match &resume {
            Resume::Committed { records, .. } => release_cut::pin(&mut plan, records),
            Resume::Journal(journal) => release_cut::pin(&mut plan, &journal.records),
            Resume::Claimed { .. } => unreachable!("a claim is settled above"),
            Resume::Fresh if release_cut::records(&plan).is_empty() => {
                return Ok(CutReport { plan, files: Vec::new(), written: false, diff: String::new(), steps: None });
            }
            Resume::Fresh => {}
        }
        let actor = crate::actor(repo);
        // With environments to promote to, the ledger records the cut: the evidence promotion trusts.
        let recorder = |commit: CommitId, records: &[release_cut::ReleaseRecord]| {
            release_promote::record_cut(repo, config, commit, records, &actor, now())
                .map_err(release_exit::Classified::new)
        };
        let record: Option<&release_cut::Recorder<'_>> = (!config.environments.is_empty()).then_some(&recorder as _);
        let forge = github.as_ref().map(|github| github as &dyn release_forge::Forge);
        let cut = release_cut::Cut {
            forge,
            push: !options.no_push,
            actor: Some(&actor),
            record,
            ..self.cut_of(config, &workspace, &rendering, &branch)
        };
        let mut report = release_cut::execute(&cut, &plan, &resume)?;
        if let Some(github) = &github
            && let Some(step) = self.relabel_step(github, &report.releases)?
        {
            report.steps.push(step);
        }
        Ok(CutReport { plan, files: Vec::new(), written: true, diff: String::new(), steps: Some(report) })
    }

    /// A HEAD whose trailers claim it is a release commit: trailers alone are text anyone can
    /// write, so the commit is a release only if the ledger recorded it, or it is exactly the one
    /// the plan at its parent makes. Returns the settled state and, when the claim was checked,
    /// the plan that checked it.
    fn settle_claim(
        &self,
        resume: Resume,
        options: &CutOptions,
        rendering: &Rendering,
        branch: &str,
    ) -> Result<(Resume, Option<Planned>), EngineError> {
        let Resume::Claimed { commit, records } = resume else { return Ok((resume, None)) };
        let repo = self.repo();
        let config = self.config()?;
        if !config.environments.is_empty() && release_promote::was_cut(repo, config, commit, now())? {
            // The ledger says this run's predecessor made it (tag-on = "prod" pushes no tags).
            return Ok((Resume::Committed { commit, records }, None));
        }
        let parent = parent_of(repo, commit)?;
        let planned = self.fresh_plan(Some(parent), options)?;
        let cut = self.cut_of(config, &planned.workspace, rendering, branch);
        let day = commit_day(repo, commit)?;
        match release_cut::claim_holds(&cut, &planned.plan, commit, &records, &day)? {
            Claim::Holds => Ok((Resume::Committed { commit, records }, Some(planned))),
            Claim::Mismatch(why) => Err(release_cut::CutError::Unverified { commit, why }.into()),
            Claim::NotARelease(why) => {
                self.progress().warn(&format!(
                    "HEAD {} carries release trailers but is not a release commit: {why}; it is planned as an ordinary commit",
                    commit.short()
                ));
                Ok((Resume::Fresh, None))
            }
        }
    }

    /// The plan at `head` (default HEAD) with the cut's pre-release label, as a value to pin.
    pub(crate) fn fresh_plan(&self, head: Option<CommitId>, options: &CutOptions) -> Result<Planned, EngineError> {
        let options =
            PlanOptions { head: head.map(|head| head.to_string()), packages: Vec::new(), pre: options.pre.clone() };
        Ok((*self.plan(&options)?).clone())
    }

    /// The parts of a cut every step shares, pushing nothing and talking to no forge.
    pub(crate) fn cut_of<'a>(
        &'a self,
        config: &'a Config,
        workspace: &'a release_workspace::Workspace,
        rendering: &'a Rendering,
        branch: &'a str,
    ) -> release_cut::Cut<'a> {
        release_cut::Cut {
            repo: self.repo(),
            config,
            workspace,
            renderer: &rendering.renderer,
            links: rendering.links.as_ref(),
            date: &rendering.date,
            branch,
            forge: None,
            push: false,
            defer_tags: defers_tags(config),
            actor: None,
            record: None,
        }
    }

    /// After a verified promotion to the end of a promotion chain ([`Config::ends_a_chain`]) with
    /// `tag-on = "prod"`: the release's tags, their push and its GitHub releases.
    pub fn publish_after_promotion(
        &self,
        environment: &str,
        version: &str,
    ) -> Result<Option<release_cut::Report>, EngineError> {
        let repo = self.repo();
        let config = self.config()?;
        if !defers_tags(config) || !config.ends_a_chain(environment) {
            return Ok(None);
        }
        let head = repo.resolve("HEAD")?;
        let release = release_promote::cut_release(repo, config, head, version, now())?
            .ok_or_else(|| EngineError::NotInHistory { version: version.to_string() })?;
        let not_a_release = || EngineError::NotAReleaseCommit { commit: release.commit, version: version.to_string() };
        let commit = release.commit;
        let records = release_cut::merged_records(repo, commit).ok_or_else(not_a_release)?;
        let Planned { mut plan, workspace } =
            self.fresh_plan(Some(parent_of(repo, commit)?), &CutOptions::default())?;
        release_cut::pin(&mut plan, &records);
        let rendering = self.rendering()?;
        // GitHub releases when a token is there; the tags are pushed either way.
        let github = match self.github(true) {
            Ok(github) => Some(github),
            Err(EngineError::Forge(release_forge::ForgeError::NoToken)) => None,
            Err(error) => return Err(error),
        };
        let branch = repo.current_branch().unwrap_or_else(|| config.cut.branches[0].clone());
        let cut = release_cut::Cut {
            forge: github.as_ref().map(|github| github as &dyn release_forge::Forge),
            push: repo.has_remote(&config.cut.remote),
            defer_tags: false,
            ..self.cut_of(config, &workspace, &rendering, &branch)
        };
        Ok(Some(release_cut::publish(&cut, &plan, &records, commit)?))
    }
}

/// A resumed release commit is planned at its parent: the history it releases.
fn committed_parent(repo: &Repo, resume: &Resume) -> Result<Option<CommitId>, EngineError> {
    match resume {
        Resume::Committed { commit, .. } => Ok(Some(parent_of(repo, *commit)?)),
        _ => Ok(None),
    }
}

fn parent_of(repo: &Repo, commit: CommitId) -> Result<CommitId, EngineError> {
    repo.parent(commit).ok_or_else(|| EngineError::NoParent { commit })
}

/// The UTC day a commit was written, as changelog headers write it.
fn commit_day(repo: &Repo, commit: CommitId) -> Result<String, EngineError> {
    // The author time: a release pull request's commit, rebased onto the base when merged, keeps
    // the day its changelogs were written.
    let mut day = release_config::promotion::format_utc(repo.author_time(commit)?);
    day.truncate("YYYY-MM-DD".len());
    Ok(day)
}

/// `[promotion] tag-on = "prod"` with environments to promote through.
fn defers_tags(config: &Config) -> bool {
    config.promotion.tag_on == release_config::promotion::TagOn::Prod && !config.environments.is_empty()
}

pub(crate) fn report(change: &FileChange) -> FileReport {
    FileReport { path: change.path.clone(), status: if change.before.is_some() { "modified" } else { "added" } }
}
