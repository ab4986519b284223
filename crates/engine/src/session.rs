//! One session per run: the repository opened once, release.toml read once, discovery and the
//! tags read once, and every plan computed once per (head, pre-release label), whatever number
//! of commands and steps ask for it.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use release_commit_id::CommitId;
use release_config::Config;
use release_git::{Repo, Tag};
use release_plan::Plan;
use release_workspace::Workspace;

use crate::EngineError;
use crate::planner::ChangeFiles;
use crate::tags::{self, Catalog};

/// What a plan was asked for.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Plan as if this revision were the head (default `HEAD`).
    pub head: Option<String>,
    /// Keep only these packages in the result (the plan still accounts for all of them).
    pub packages: Vec<String>,
    /// Plan pre-releases with this label.
    pub pre: Option<String>,
}

/// A plan and the workspace it was computed from (tag templates as inferred).
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    pub workspace: Workspace,
}

/// Reports long work as it happens; the CLI draws it, a library never prints.
pub trait Progress {
    /// Work called `label` starts; [`Progress::finish`] ends it.
    fn start(&self, label: &'static str);
    /// Work called `label` that goes item by item (`unit`: "commits") starts;
    /// [`Progress::finish`] ends it. The [`Counter`] is told of each item done, from any thread.
    /// By default this is [`Progress::start`] and a counter that tells no one.
    fn count(&self, label: &'static str, unit: &'static str) -> Counter {
        self.start(label);
        let _ = unit;
        Counter::default()
    }
    fn finish(&self);
    /// Something the user should know that does not stop the run.
    fn warn(&self, message: &str);
}

/// Told of each item a [`Progress::count`] is done with; costs one branch when nothing listens.
#[derive(Clone, Default)]
pub struct Counter(Option<Arc<dyn Fn(u64) + Send + Sync>>);

impl Counter {
    /// A counter that hands each count to `add`.
    pub fn new(add: impl Fn(u64) + Send + Sync + 'static) -> Counter {
        Counter(Some(Arc::new(add)))
    }

    /// `done` more items are done.
    pub fn add(&self, done: u64) {
        if let Some(add) = &self.0 {
            add(done);
        }
    }
}

/// Reports nothing (tests, benchmarks, JSON-only callers).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &'static str) {}
    fn finish(&self) {}
    fn warn(&self, _: &str) {}
}

/// A plan is the same for the same head, pre-release label, and whether it read the working
/// tree's change files (a plan of the checkout, not of `--head`).
type PlanKey = (CommitId, Option<String>, crate::planner::ChangeFiles);

/// The run's shared state. Everything is read on first use and kept.
pub struct Session<'p> {
    repo: Repo,
    root: PathBuf,
    progress: &'p dyn Progress,
    config: OnceCell<Config>,
    tags: OnceCell<Vec<Tag>>,
    catalog: OnceCell<Catalog>,
    plans: RefCell<HashMap<PlanKey, Rc<Planned>>>,
    /// Parsed messages kept across plans, when a command makes many (a backtest): each commit's
    /// message is parsed once per run instead of once per plan that walks it.
    parsed: Option<std::sync::RwLock<HashMap<CommitId, release_plan::ParsedCommit>>>,
}

impl<'p> Session<'p> {
    /// Opens the repository containing `directory` and checks that its history is whole.
    pub fn open(directory: &Path, progress: &'p dyn Progress) -> Result<Session<'p>, EngineError> {
        let repo = Repo::open(directory)?;
        repo.check_history()?;
        let root = repo.root().to_path_buf();
        Ok(Session {
            repo,
            root,
            progress,
            config: OnceCell::new(),
            tags: OnceCell::new(),
            catalog: OnceCell::new(),
            plans: RefCell::new(HashMap::new()),
            parsed: None,
        })
    }

    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// The work tree's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn progress(&self) -> &dyn Progress {
        self.progress
    }

    /// release.toml, read on first use: a command that fails on its arguments first says so
    /// before any word about the configuration.
    pub fn config(&self) -> Result<&Config, EngineError> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let config = Config::load(&self.root)?;
        Ok(self.config.get_or_init(|| config))
    }

    /// Uses `config` instead of release.toml (`release init` plans on the defaults). Only
    /// before the configuration was first used.
    pub(crate) fn use_config(&self, config: Config) {
        let _ = self.config.set(config);
    }

    /// Every tag, read once.
    pub fn tags(&self) -> Result<&[Tag], EngineError> {
        if let Some(tags) = self.tags.get() {
            return Ok(tags);
        }
        let tags = self.repo.tags()?;
        Ok(self.tags.get_or_init(|| tags))
    }

    /// The packages with their tag conventions settled and their tagged versions: the same at
    /// every head, so computed once.
    pub(crate) fn catalog(&self) -> Result<&Catalog, EngineError> {
        if let Some(catalog) = self.catalog.get() {
            return Ok(catalog);
        }
        let config = self.config()?;
        let files = self.repo.tracked_files_named(release_workspace::MANIFEST_NAMES)?;
        let workspace = release_workspace::discover(&self.root, config, &files)?;
        let covector = release_changes::covector_names(&self.root);
        let catalog = tags::catalog(config, workspace, self.tags()?, &covector);
        Ok(self.catalog.get_or_init(|| catalog))
    }

    /// Keeps parsed commit messages across the plans of this session (for commands that plan
    /// many heads over one history).
    pub fn keep_parsed_messages(&mut self) {
        self.parsed.get_or_insert_with(Default::default);
    }

    pub(crate) fn parsed_messages(&self) -> Option<&std::sync::RwLock<HashMap<CommitId, release_plan::ParsedCommit>>> {
        self.parsed.as_ref()
    }

    /// The packages, with their tag conventions settled.
    pub fn workspace(&self) -> Result<&Workspace, EngineError> {
        Ok(&self.catalog()?.workspace)
    }

    /// Checks that every revision given on the command line resolves, before any work: a typo
    /// in `--base` or `--head` is named with its flag, never ignored.
    pub fn check_revisions(&self, revisions: &[(&str, Option<&str>)]) -> Result<(), EngineError> {
        for (flag, revision) in revisions {
            let Some(revision) = revision else { continue };
            if self.repo.resolve(revision).is_err() {
                return Err(EngineError::Revision { flag: flag.to_string(), revision: revision.to_string() });
            }
        }
        Ok(())
    }

    /// The plan at `options.head`, computed once per head and label in this session.
    pub fn plan(&self, options: &PlanOptions) -> Result<Rc<Planned>, EngineError> {
        if let Some(label) = &options.pre {
            check_pre_label(label)?;
        }
        let revision = options.head.as_deref().unwrap_or("HEAD");
        // Change files are read from the working tree, so only for a plan of it (not `--head`).
        let changes = if options.head.is_none() { ChangeFiles::WorkingTree } else { ChangeFiles::None };
        // git starts (exec, configuration) while discovery and the tags run; errors are
        // reported in their usual order below.
        if let Ok(head) = self.repo.resolve(revision)
            && !self.plans.borrow().contains_key(&(head, options.pre.clone(), changes))
        {
            self.repo.prepare_walk(head);
        }
        self.check_packages(&options.packages)?;
        let head = self.repo.resolve(revision)?;
        let key = (head, options.pre.clone(), changes);
        let cached = self.plans.borrow().get(&key).cloned();
        let planned = match cached {
            Some(planned) => planned,
            None => {
                let planned = Rc::new(self.plan_at(head, options.pre.clone(), changes)?);
                self.plans.borrow_mut().insert(key, planned.clone());
                planned
            }
        };
        if options.packages.is_empty() {
            return Ok(planned);
        }
        let mut filtered = (*planned).clone();
        filtered.plan.packages.retain(|package| options.packages.contains(&package.name));
        Ok(Rc::new(filtered))
    }
}

impl Session<'_> {
    /// Every name given on the command line is a package's.
    pub(crate) fn check_packages(&self, names: &[String]) -> Result<(), EngineError> {
        let workspace = &self.catalog()?.workspace;
        for name in names {
            if workspace.packages.iter().any(|package| &package.name == name) {
                continue;
            }
            if let Some(skipped) = workspace.skipped.iter().find(|skipped| &skipped.name == name) {
                return Err(EngineError::NotReleased {
                    name: name.clone(),
                    path: skipped.path.clone(),
                    reason: skipped.reason.clone(),
                });
            }
            let known: Vec<&str> = workspace.packages.iter().map(|package| package.name.as_str()).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            return Err(EngineError::UnknownPackage { name: name.clone(), known });
        }
        Ok(())
    }

    /// The plan at `head`, computed now (not memoised), with the change files `changes` says.
    pub(crate) fn plan_at(
        &self,
        head: CommitId,
        pre: Option<String>,
        changes: ChangeFiles,
    ) -> Result<Planned, EngineError> {
        crate::planner::plan(self, self.config()?, self.catalog()?, head, pre, changes, &[])
    }

    /// The plan of the release being finished at `head` whose tags `own_tags` may exist already
    /// (a rerun): as if they did not, so it is the plan the first run had (not memoised).
    pub(crate) fn plan_finishing(
        &self,
        head: CommitId,
        pre: Option<String>,
        own_tags: &[String],
    ) -> Result<Planned, EngineError> {
        crate::planner::plan(self, self.config()?, self.catalog()?, head, pre, ChangeFiles::WorkingTree, own_tags)
    }
}

/// A pre-release label (`--pre`): letters, digits and `-`, not only digits.
pub fn check_pre_label(label: &str) -> Result<(), EngineError> {
    let valid = !label.is_empty()
        && label.chars().all(|character| character.is_ascii_alphanumeric() || character == '-')
        && !label.chars().all(|character| character.is_ascii_digit());
    if valid { Ok(()) } else { Err(EngineError::PreLabel { label: label.to_string() }) }
}
