//! `release cut`: apply the plan to the files (`--dry-run` shows the diff, `--no-commit` writes).

use std::path::Path;

use anyhow::{Context, Result, bail};
use release_apply::{ApplyInput, FileChange};
use release_changelog::{Groups, Renderer, Template};
use release_config::Config;
use release_git::Repo;
use serde::Serialize;

use crate::UsageError;
use crate::engine::{self, PlanOptions, Planned};
use crate::progress::Progress;

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

pub fn cut(directory: &Path, options: &CutOptions, progress: &Progress) -> Result<CutReport> {
    if !options.dry_run && !options.no_commit {
        return full_cut(directory, options, progress);
    }
    let repo = Repo::open(directory)?;
    let _lock = if options.dry_run { None } else { Some(release_cut::lock(repo.git_dir())?.0) };
    // Files an earlier `--no-commit` wrote at this HEAD: the same release, not a second bump of
    // the versions it already wrote (a package without tags is versioned by its manifest).
    let journal = match release_cut::resume_state(&repo)? {
        release_cut::Resume::Journal(journal) => {
            // Thrown away since (`git checkout .`): a new release, planned afresh.
            let dirty = repo.dirty_files()?;
            journal.files.iter().any(|file| dirty.contains(file)).then_some(journal)
        }
        _ => None,
    };
    if !options.allow_dirty && !options.dry_run {
        let resume = journal.clone().map_or(release_cut::Resume::Fresh, release_cut::Resume::Journal);
        release_cut::check_clean(&repo, &resume)?;
    }
    let Planned { mut plan, config, workspace } =
        engine::plan(directory, &PlanOptions { head: None, packages: Vec::new(), pre: options.pre.clone() }, progress)?;
    if let Some(journal) = &journal {
        release_cut::pin(&mut plan, &journal.records);
    }
    let root = repo.root().to_path_buf();
    let Rendering { renderer, links, date } = rendering(&root, &config, &repo)?;
    let changes = release_apply::changes(&ApplyInput {
        root: &root,
        config: &config,
        workspace: &workspace,
        plan: &plan,
        date: &date,
        links: links.as_ref(),
        renderer: &renderer,
    })?;
    let diff = release_apply::unified_diff(&changes);
    if !options.dry_run {
        let paths: Vec<String> = changes.iter().map(|change| change.path.clone()).collect();
        let own = journal.as_ref().map(|journal| journal.files.as_slice()).unwrap_or_default();
        release_cut::check_release_files_clean(&repo, &paths, own)?;
    }
    if !options.dry_run && (journal.is_some() || !changes.is_empty()) {
        let mut files: Vec<String> = changes.iter().map(|change| change.path.clone()).collect();
        files.extend(journal.iter().flat_map(|journal| journal.files.iter().cloned()));
        files.extend(plan.change_files.iter().filter(|path| repo.in_head(path)).cloned());
        files.sort();
        files.dedup();
        let records = journal.map_or_else(|| release_cut::records(&plan), |journal| journal.records);
        let head = repo.resolve("HEAD")?.to_string();
        release_cut::Journal { head, files, records, commit: None, message: None }.write(repo.git_dir())?;
        release_apply::write_all(&root, &changes)?;
        release_cut::remove_change_files(&root, &plan.change_files)?;
    }
    Ok(CutReport { plan, files: changes.iter().map(report).collect(), written: !options.dry_run, diff, steps: None })
}

/// Apply, commit, tag, push, forge releases: from wherever the last run stopped.
fn full_cut(directory: &Path, options: &CutOptions, progress: &Progress) -> Result<CutReport> {
    let repo = Repo::open(directory)?;
    repo.check_history()?;
    let (_lock, stale) = release_cut::lock(repo.git_dir())?;
    if let Some(warning) = stale {
        eprintln!("warning: {warning}");
    }
    let root = repo.root().to_path_buf();
    let config = Config::load(&root)?;
    let branch = release_cut::check_branch(&repo, &config)?;
    if !options.no_push {
        release_cut::check_upstream(&repo, &branch)?;
    }
    let resume = release_cut::resume_state(&repo)?;
    if !options.allow_dirty {
        release_cut::check_clean(&repo, &resume)?;
    }
    // A forge that cannot work is found out before anything is written.
    // --no-push creates no forge releases (the tags are not on the remote), so needs no token.
    let github = if options.no_forge || options.no_push {
        None
    } else {
        let origin = repo.remote_url(&config.cut.remote);
        let github_config = release_forge::GitHubConfig::from_env(origin.as_deref(), true)?;
        Some(release_forge::GitHub::new(github_config)?)
    };

    let mut resume = resume;
    let Rendering { renderer, links, date } = rendering(&root, &config, &repo)?;
    let actor = crate::promote::actor(&repo);
    let mut plan = None;
    if let release_cut::Resume::Claimed { commit, records } = &resume
        && !config.environments.is_empty()
        && release_promote::was_cut(&repo, &config, *commit, crate::promote::now())?
    {
        // The ledger says this run's predecessor made it (tag-on = "prod" pushes no tags).
        resume = release_cut::Resume::Committed { commit: *commit, records: records.clone() };
    }
    if let release_cut::Resume::Claimed { commit, records } = &resume {
        // Trailers alone are text anyone can write: the commit is a release only if it is exactly
        // the one the plan at its parent makes.
        let parent = repo.parent(*commit).context("the release commit has no parent")?;
        let planned = engine::plan(
            directory,
            &PlanOptions { head: Some(parent.to_string()), packages: Vec::new(), pre: options.pre.clone() },
            progress,
        )?;
        let cut =
            cut_of(&repo, &config, &planned.workspace, &renderer, links.as_ref(), &date, &branch, None, options, None);
        let commit_day = commit_day(&repo, *commit)?;
        match release_cut::claim_holds(&cut, &planned.plan, *commit, records, &commit_day)? {
            release_cut::Claim::Holds => {
                resume = release_cut::Resume::Committed { commit: *commit, records: records.clone() };
                plan = Some(planned);
            }
            release_cut::Claim::Mismatch(why) => {
                return Err(
                    release_cut::CutError::Unverified { commit: commit.to_string()[..7].to_string(), why }.into()
                );
            }
            release_cut::Claim::NotARelease(why) => {
                eprintln!(
                    "warning: HEAD {} carries release trailers but is not a release commit: {why}; it is planned as an ordinary commit",
                    &commit.to_string()[..7]
                );
                resume = release_cut::Resume::Fresh;
            }
        }
    }
    let Planned { mut plan, workspace, .. } = match plan {
        Some(planned) => planned,
        None => {
            let head = match &resume {
                release_cut::Resume::Committed { commit, .. } => {
                    Some(repo.parent(*commit).context("the release commit has no parent")?.to_string())
                }
                _ => None,
            };
            engine::plan(directory, &PlanOptions { head, packages: Vec::new(), pre: options.pre.clone() }, progress)?
        }
    };
    match &resume {
        release_cut::Resume::Committed { records, .. } => release_cut::pin(&mut plan, records),
        release_cut::Resume::Journal(journal) => release_cut::pin(&mut plan, &journal.records),
        release_cut::Resume::Claimed { .. } => unreachable!("a claim is decided above"),
        release_cut::Resume::Fresh => {
            if release_cut::records(&plan).is_empty() {
                return Ok(CutReport { plan, files: Vec::new(), written: false, diff: String::new(), steps: None });
            }
        }
    }
    // With environments to promote to, the ledger records the cut: the evidence promotion trusts.
    let recorder = |commit: release_git::Oid, records: &[release_cut::ReleaseRecord]| {
        release_promote::record_cut(&repo, &config, commit, records, &actor, crate::promote::now())
            .map_err(release_exit::Classified::new)
    };
    let record: Option<&release_cut::Recorder<'_>> = (!config.environments.is_empty()).then_some(&recorder as _);
    let forge = github.as_ref().map(|github| github as &dyn release_forge::Forge);
    let cut = cut_of(&repo, &config, &workspace, &renderer, links.as_ref(), &date, &branch, forge, options, record);
    let cut = release_cut::Cut { actor: Some(&actor), ..cut };
    let report = release_cut::execute(&cut, &plan, &resume)?;
    Ok(CutReport { plan, files: Vec::new(), written: true, diff: String::new(), steps: Some(report) })
}

/// The parts of a cut every step shares.
#[allow(clippy::too_many_arguments)]
fn cut_of<'a>(
    repo: &'a Repo,
    config: &'a Config,
    workspace: &'a release_workspace::Workspace,
    renderer: &'a Renderer,
    links: Option<&'a release_changelog::Links>,
    date: &'a str,
    branch: &'a str,
    forge: Option<&'a dyn release_forge::Forge>,
    options: &CutOptions,
    record: Option<&'a release_cut::Recorder<'a>>,
) -> release_cut::Cut<'a> {
    release_cut::Cut {
        repo,
        config,
        workspace,
        renderer,
        links,
        date,
        branch,
        forge,
        push: !options.no_push,
        defer_tags: defers_tags(config),
        actor: None,
        record,
    }
}

/// The UTC day a commit was made, as changelog headers write it.
fn commit_day(repo: &Repo, commit: release_git::Oid) -> Result<String> {
    let mut day = release_config::promotion::format_utc(repo.commit_time(commit)?);
    day.truncate("YYYY-MM-DD".len());
    Ok(day)
}

/// `[promotion] tag-on = "prod"` with environments to promote through.
fn defers_tags(config: &Config) -> bool {
    config.promotion.tag_on == release_config::promotion::TagOn::Prod && !config.environments.is_empty()
}

/// After a verified promotion to the end of a promotion chain ([`Config::ends_a_chain`]) with
/// `tag-on = "prod"`: the release's tags, their push and its GitHub releases.
pub fn publish_after_promotion(
    directory: &Path,
    environment: &str,
    version: &str,
    progress: &Progress,
) -> Result<Option<release_cut::Report>> {
    let repo = Repo::open(directory)?;
    let config = Config::load(repo.root())?;
    if !defers_tags(&config) || !config.ends_a_chain(environment) {
        return Ok(None);
    }
    let head = repo.resolve("HEAD")?;
    let release = release_promote::cut_release(&repo, &config, head, version, crate::promote::now())?
        .context("the promoted release is not in the history of HEAD")?;
    let commit = release_git::Oid::from_str(&release.commit).context("a release commit id")?;
    let records = release_cut::parse_commit_message(&repo.commit_message(commit)?).context("a release commit")?;
    let parent = repo.parent(commit).context("the release commit has no parent")?;
    let Planned { mut plan, workspace, .. } = engine::plan(
        directory,
        &PlanOptions { head: Some(parent.to_string()), packages: Vec::new(), pre: None },
        progress,
    )?;
    release_cut::pin(&mut plan, &records);
    let root = repo.root().to_path_buf();
    let Rendering { renderer, links, date } = rendering(&root, &config, &repo)?;
    // GitHub releases when a token is there; the tags are pushed either way.
    let github = match release_forge::GitHubConfig::from_env(repo.remote_url(&config.cut.remote).as_deref(), true) {
        Ok(github_config) => Some(release_forge::GitHub::new(github_config)?),
        Err(release_forge::ForgeError::NoToken) => None,
        Err(error) => return Err(error.into()),
    };
    let branch = repo.current_branch().unwrap_or_else(|| config.cut.branches[0].clone());
    let cut = release_cut::Cut {
        repo: &repo,
        config: &config,
        workspace: &workspace,
        renderer: &renderer,
        links: links.as_ref(),
        date: &date,
        branch: &branch,
        forge: github.as_ref().map(|github| github as &dyn release_forge::Forge),
        push: repo.has_remote(&config.cut.remote),
        defer_tags: false,
        actor: None, // the release commit exists; publishing makes no commit
        record: None,
    };
    Ok(Some(release_cut::publish(&cut, &plan, &records, commit)?))
}

/// One line per step: what it did now, or that it was already done.
pub fn summary(report: &release_cut::Report) -> String {
    let mut out = String::new();
    let tags: Vec<&str> = report.releases.iter().map(|record| record.tag.as_str()).collect();
    out.push_str(&format!("released {}\n", tags.join(", ")));
    for step in &report.steps {
        let outcome = match step.outcome {
            release_cut::Outcome::DoneNow => "done now",
            release_cut::Outcome::AlreadyDone => "already done",
            release_cut::Outcome::Skipped => "skipped",
        };
        out.push_str(&format!("  {:<9} {:<13} {}\n", step.step, outcome, step.detail));
    }
    out
}

fn report(change: &FileChange) -> FileReport {
    FileReport { path: change.path.clone(), status: if change.before.is_some() { "modified" } else { "added" } }
}

/// What writing about a release needs: the templates, where links point, the date in headers.
struct Rendering {
    renderer: release_changelog::Renderer,
    links: Option<release_changelog::Links>,
    date: String,
}

fn rendering(root: &Path, config: &Config, repo: &Repo) -> Result<Rendering> {
    Ok(Rendering { renderer: renderer(root, config)?, links: crate::links(config, repo), date: release_date()? })
}

/// The templates, with the overrides of `[templates]` read from the repository.
pub fn renderer(root: &Path, config: &Config) -> Result<Renderer> {
    let changelog = template(
        root,
        "changelog",
        config.templates.changelog.as_deref(),
        Template::builtin("changelog.md.j2", release_changelog::CHANGELOG_TEMPLATE),
    )?;
    let notes = template(
        root,
        "release-notes",
        config.templates.release_notes.as_deref(),
        Template::builtin("release-notes.md.j2", release_changelog::RELEASE_NOTES_TEMPLATE),
    )?;
    let mut groups = Groups::default();
    for (kind, title) in &config.changelog.types {
        match groups.types.iter_mut().find(|(existing, _)| existing == kind) {
            Some(entry) => entry.1 = title.clone(),
            None => groups.types.push((kind.clone(), title.clone())),
        }
    }
    Ok(Renderer::new(changelog, notes, groups)?)
}

/// The template that release.toml `[templates] <key>` names, or the built-in one. Its errors
/// carry the configured path, so they point at the file the user wrote.
pub(crate) fn template(root: &Path, key: &str, path: Option<&str>, builtin: Template) -> Result<Template> {
    let Some(path) = path else { return Ok(builtin) };
    let full = release_apply::inside(root, path)?;
    let problem = match fs_err::read_to_string(&full) {
        Ok(source) => return Ok(Template::configured(path, source)),
        Err(error) => match error.kind() {
            std::io::ErrorKind::NotFound => {
                "does not exist (hint: add the file, or remove the key to use the built-in template)"
            }
            std::io::ErrorKind::IsADirectory => "is a directory, not a file (hint: name the template file itself)",
            std::io::ErrorKind::InvalidData => "is not UTF-8 text (hint: save it as UTF-8)",
            _ => return Err(error).with_context(|| format!("reading the template `{path}` named in release.toml")),
        },
    };
    bail!(UsageError(format!("the template `{path}` named in release.toml `[templates] {key}` {problem}")))
}

/// Today (UTC) as `YYYY-MM-DD`, or the day of `SOURCE_DATE_EPOCH` for reproducible output.
pub fn release_date() -> Result<String> {
    // Empty is unset, as the reproducible-builds specification says; a date past 9999 or before
    // 1970 is no release date.
    let seconds = match std::env::var("SOURCE_DATE_EPOCH").ok().filter(|value| !value.trim().is_empty()) {
        Some(value) => value.trim().parse::<i64>().ok().filter(|seconds| (0..253_402_300_800).contains(seconds)).ok_or_else(|| {
            UsageError(format!(
                "SOURCE_DATE_EPOCH is `{value}`, not a number of seconds between 1970 and 9999 (hint: unset it, or use `date +%s`)"
            ))
        })?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|duration| duration.as_secs() as i64)
            .unwrap_or(0),
    };
    let mut date = release_config::promotion::format_utc(seconds);
    date.truncate("YYYY-MM-DD".len());
    Ok(date)
}
