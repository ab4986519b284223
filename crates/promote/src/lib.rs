//! The promotion stage: deploy a cut release to an environment, verify it, gate it on upstream
//! verification and approvals, roll it back; with a durable, shared history (the ledger).
//!
//! Gates run in a fixed order, each with its own error (and exit code in the CLI): freeze window
//! -> verified upstream (+ soak) -> approvals -> not older than what the environment runs ->
//! environment lock; then deploy -> verify -> record. "Deployed" is recorded only after
//! verification passes. A release is immutable: rollback promotes an older release again.
//!
//! Deploy commands are argv lists; the release reaches them only through environment variables,
//! never spliced into a command line. Verification is injected (the CLI passes HTTP checks), so
//! this crate does no network I/O except through `git`; a command check runs with the deploy
//! command's RELEASE_* variables ([`CheckTarget`]).
//!
//! The modules follow a promotion: `releases` (what may be deployed, and the evidence that
//! `release cut` made it), `ledger` (the history and its events) and `state` (`fold`: what each
//! environment runs), `gates` (pure functions of that data, each answering with a [`Waiting`]),
//! `promote` (lock, choose, gates, take the environment), `deploy` (deploy, verify, record,
//! roll back), `review` (approvals), `status` and `watch` (the monitoring window after a
//! verified deployment: one pass of checks, and the rollback when they fail).
//!
//! ```no_run
//! # fn show(context: &release_promote::Context<'_>) -> Result<(), release_promote::PromoteError> {
//! let outcome = release_promote::promote(context, "staging", None, &release_promote::Bypass::default())?;
//! assert_eq!(outcome.action, release_promote::Action::Promoted);
//! # Ok(()) }
//! ```

mod deploy;
mod error;
mod exit;
mod gates;
mod ledger;
mod notify;
mod promote;
mod releases;
mod review;
mod state;
mod status;
#[cfg(test)]
mod tests;
mod watch;

use release_config::Config;
use release_config::promotion::{Environment, Verify};
use release_git::Repo;
use serde::Serialize;

pub use deploy::rollback;
pub use error::{PromoteError, ReviewsError};
pub use gates::Waiting;
pub use ledger::{Event, EventKind, Ledger, SCHEMA, void};
pub use notify::{Delivery, MAX_ATTEMPTS, Notice, NotifyReport, Outbox, Send, notify};
pub use promote::promote;
pub use releases::{Release, cut_release, record_cut, releases, was_cut};
pub use review::review;
pub use state::{Current, EnvironmentState, FailedCheck, State, Verified, fold};
pub use status::{Monitoring, StatusRow, history, status};
pub use watch::{WatchResult, Watched, watch};

use crate::releases::evident;

/// Gates a promotion skips on purpose: explicit, with a reason, and recorded with who did it on
/// the promotion's "started" event. Approvals are a policy, not a gate to skip.
#[derive(Debug, Clone, Default)]
pub struct Bypass {
    /// The freeze window.
    pub freeze: bool,
    /// Verified upstream, and its soak time (a hotfix that cannot wait for staging).
    pub upstream: bool,
    pub reason: String,
}

impl Bypass {
    fn gates(&self) -> Option<String> {
        let gates: Vec<&str> = [(self.freeze, "freeze"), (self.upstream, "upstream")]
            .into_iter()
            .filter_map(|(skipped, gate)| skipped.then_some(gate))
            .collect();
        (!gates.is_empty()).then(|| gates.join(" and "))
    }

    /// Refuses a bypass without a reason, and an upstream bypass without a named release.
    fn check(&self, version: Option<&str>) -> Result<(), PromoteError> {
        let Some(gates) = self.gates() else { return Ok(()) };
        if self.reason.trim().is_empty() {
            return Err(PromoteError::BypassWithoutReason { gates });
        }
        if self.upstream && version.is_none() {
            return Err(PromoteError::BypassWithoutVersion);
        }
        Ok(())
    }

    /// What the history records: `bypassed upstream: hotfix for CVE-2025-1234`.
    fn describe(&self) -> Option<String> {
        self.gates().map(|gates| format!("bypassed {gates}: {}", self.reason.trim()))
    }
}

/// The environment `name` of release.toml, or an error that lists the others.
pub fn environment<'c>(config: &'c Config, name: &str) -> Result<&'c Environment, PromoteError> {
    config.environments.iter().find(|environment| environment.name == name).ok_or_else(|| {
        let known: Vec<&str> = config.environments.iter().map(|environment| environment.name.as_str()).collect();
        PromoteError::UnknownEnvironment {
            name: name.to_string(),
            known: if known.is_empty() {
                "none ([environments.NAME] in release.toml)".into()
            } else {
                known.join(", ")
            },
        }
    })
}

/// A review of the running job's deployment, from outside the ledger (a protected GitHub
/// Environment's required reviewers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub reviewer: String,
    pub approved: bool,
    pub comment: String,
    /// Where it came from, recorded with the event: "GitHub Environment `production`, run 77".
    pub origin: String,
}

/// A change in what an environment runs, for a mirror such as GitHub Deployments.
#[derive(Debug, Clone, Copy)]
pub enum Change<'r> {
    /// Deployment of `release` begins (a rollback target too).
    Started { release: &'r Release, rollback: bool },
    /// `release` is deployed and verified; it replaced `replaced` (what the environment ran before).
    Succeeded { release: &'r Release, replaced: Option<&'r Release> },
    /// Deploying or verifying `release` failed.
    Failed { release: &'r Release, summary: &'r str },
}

/// What the promotion stage asks of, and reports to, the world outside the ledger. The ledger
/// stays the truth: a mirror that fails reports it itself and never fails a promotion.
pub trait Hooks {
    /// Reviews of the running job's deployment to `environment`; `Ok(None)` when no job is known.
    fn reviews(&self, _environment: &Environment) -> Result<Option<Vec<Review>>, ReviewsError> {
        Ok(None)
    }
    /// Called after each change is recorded in the ledger.
    fn changed(&self, _environment: &Environment, _change: Change<'_>) {}
}

/// What a check looks at: the environment's address and the release, for `{url}` and
/// `{version}` in an HTTP check, and the directory and RELEASE_* variables a command check
/// runs with (the deploy command's).
#[derive(Debug, Clone)]
pub struct CheckTarget<'a> {
    pub url: &'a str,
    pub version: &'a str,
    pub directory: &'a std::path::Path,
    pub variables: Vec<(String, String)>,
}

/// How a deployment is checked: `(passed, one-line summary)`.
pub type Verifier<'a> = dyn Fn(&Verify, &CheckTarget<'_>) -> (bool, String) + 'a;

pub struct Context<'a> {
    pub repo: &'a Repo,
    pub config: &'a Config,
    pub releases: Vec<Release>,
    pub actor: String,
    /// Unix seconds, for gates and records.
    pub now: fn() -> u64,
    pub verifier: &'a Verifier<'a>,
    pub hooks: &'a dyn Hooks,
    /// Where deploy commands print (the CLI sends them to stderr in JSON mode).
    pub quiet_commands: bool,
}

/// What a command did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub environment: String,
    pub version: String,
    pub action: Action,
    pub detail: String,
}

/// What a command did to an environment, serialized as it reads: `already running`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    #[serde(rename = "promoted")]
    Promoted,
    /// The release asked for runs there already, verified.
    #[serde(rename = "already running")]
    AlreadyRunning,
    #[serde(rename = "rolled back")]
    RolledBack,
    #[serde(rename = "approved")]
    Approved,
    #[serde(rename = "rejected")]
    Rejected,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Promoted => "promoted",
            Action::AlreadyRunning => "already running",
            Action::RolledBack => "rolled back",
            Action::Approved => "approved",
            Action::Rejected => "rejected",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// `version ... was never cut`, with the releases that were.
fn never_cut(version: &dyn std::fmt::Display, cut: &[&Release]) -> PromoteError {
    let known: Vec<String> = cut.iter().map(|release| release.version.to_string()).collect();
    PromoteError::NeverCut {
        version: version.to_string(),
        known: if known.is_empty() { "none yet (`release cut`)".into() } else { known.join(", ") },
    }
}

/// `host:pid:time:start`: who writes an event, and (where the system says) when its process
/// started, so a later process with the same id is not taken for it.
fn run_id(now: u64) -> String {
    let start = release_git::process_start().map(|start| format!(":{start}")).unwrap_or_default();
    format!("{}:{}:{now}{start}", release_git::host(), std::process::id())
}

impl<'a> Context<'a> {
    fn environment(&self, name: &str) -> Result<&'a Environment, PromoteError> {
        environment(self.config, name)
    }

    /// The releases `release cut` made, oldest first: a release commit the ledger names (its `cut`
    /// event, or any promotion of it; a `voided` event names a ledger entry, never a release), or
    /// whose annotated tag names it. A commit that only says it is a release (a forged
    /// `Release-Tag:` trailer, a squash-merge body), even with a lightweight tag, is not one.
    pub fn cut_releases(&self, events: &[Event]) -> Vec<&Release> {
        self.releases.iter().filter(|release| evident(release, events)).collect()
    }

    fn release(&self, version: &semver::Version, events: &[Event]) -> Result<&Release, PromoteError> {
        let cut = self.cut_releases(events);
        cut.iter().rev().find(|release| &release.version == version).copied().ok_or_else(|| never_cut(version, &cut))
    }

    /// The cut release a person named (`--version`, `--to`): text that may be no version at all.
    fn named(&self, version: &str, events: &[Event]) -> Result<&Release, PromoteError> {
        match semver::Version::parse(version.trim()) {
            Ok(parsed) => self.release(&parsed, events),
            Err(_) => Err(never_cut(&version, &self.cut_releases(events))),
        }
    }

    fn event(&self, kind: EventKind, environment: &str, release: &Release, run: &str) -> Event {
        Event::new(kind, environment, &release.version.to_string(), release.commit, &self.actor, (self.now)(), run)
    }

    /// The newest cut release that may enter `environment` now (see [`gates::candidate`]).
    fn candidate(&self, events: &[Event], environment: &Environment) -> Option<&Release> {
        gates::candidate(&self.cut_releases(events), events, environment)
    }

    fn load(&self) -> Result<Ledger<'a>, PromoteError> {
        Ledger::load(self.repo, &self.config.promotion.ledger, &self.config.cut.remote, (self.now)())
    }

    /// Resolves another run's interrupted promotion.
    fn abandon(&self, started: &Event, run: &str) -> Event {
        let mut abandoned = started.clone();
        abandoned.schema = SCHEMA;
        abandoned.kind = EventKind::Abandoned;
        abandoned.actor = self.actor.clone();
        abandoned.at = (self.now)();
        abandoned.run = run.to_string();
        abandoned.detail = Some(format!("interrupted run {}", started.run));
        abandoned
    }

    /// An in-progress promotion of another run: stale (its process is gone, or it is older than
    /// the lock timeout) or live.
    fn is_stale(&self, started: &Event) -> bool {
        let mut parts = started.run.split(':');
        let (host, pid) = (parts.next().unwrap_or(""), parts.next().and_then(|pid| pid.parse::<u32>().ok()));
        // `host:pid:time[:start]`: the process's start, where recorded, tells it from a later one
        // that got its id.
        let start = parts.nth(1).and_then(|start| start.parse::<u64>().ok());
        // On this host the process answers for itself: a live run is never taken over, however
        // long its deploy takes; elsewhere only the lock timeout can tell.
        if host == release_git::host()
            && let Some(pid) = pid
        {
            return !release_git::holds_lock(pid, start);
        }
        (self.now)().saturating_sub(started.at) > self.config.promotion.lock_timeout.as_secs()
    }
}
