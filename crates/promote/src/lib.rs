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
//! this crate does no network I/O except through `git`.

mod ledger;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use release_config::Config;
use release_config::promotion::format_duration;
use release_config::promotion::{ApprovalSource, Concurrency, Environment, OnVerifyFailure, Verify, format_utc};
use release_git::{Oid, Repo};
use serde::Serialize;

pub use ledger::{Current, EnvironmentState, Event, EventKind, Ledger, fold};

#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    #[error(transparent)]
    Git(#[from] release_git::GitError),
    #[error(transparent)]
    Push(#[from] release_git::PushError),
    #[error("the promotion history is unreadable: {detail}")]
    Ledger { detail: String },

    #[error("no environment is named `{name}` (hint: the environments are: {known})")]
    UnknownEnvironment { name: String, known: String },
    #[error("version `{version}` was never cut (hint: the releases are: {known})")]
    NeverCut { version: String, known: String },
    #[error("nothing to promote to `{environment}`: {why}")]
    NothingToPromote { environment: String, why: String },
    #[error(
        "promotion needs one version per release: add `[repo]` to release.toml, or release a single package (this release has {count} package versions and no repository version)"
    )]
    NoReleaseVersion { count: usize },

    #[error("`{environment}` is frozen until {until}{} (hint: rollbacks are still allowed; a change that cannot wait: `release promote {environment} --skip freeze --reason \"...\"`)", reason.as_ref().map(|reason| format!(": {reason}")).unwrap_or_default())]
    Frozen { environment: String, until: String, reason: Option<String> },
    #[error(
        "{version} is not verified in `{upstream}` yet, so it cannot enter `{environment}` (hint: `release promote {upstream} --version {version}` first)"
    )]
    NotVerifiedUpstream { environment: String, upstream: String, version: String },
    #[error(
        "{version} has been verified in `{upstream}` for {}; `{environment}` wants {} of soak (hint: try again in {})", seconds(*elapsed), seconds(*soak), seconds(soak - elapsed)
    )]
    Soaking { environment: String, upstream: String, version: String, elapsed: u64, soak: u64 },
    #[error("{version} waits for approval to enter `{environment}`: {have}/{need} (hint: {hint})")]
    WaitingForApproval { environment: String, version: String, have: usize, need: usize, hint: String },
    #[error("reading the reviews of `{environment}` from GitHub failed: {detail}")]
    Reviews { environment: String, detail: String },
    #[error(
        "approvals for `{environment}` come from the protected GitHub Environment `{github_environment}` (hint: approve the workflow run's deployment in GitHub; `release approve` is for `source = \"release\"`)"
    )]
    ApprovalsFromGitHub { environment: String, github_environment: String },
    #[error("{version} was rejected for `{environment}` by {actor}: {reason}")]
    Rejected { environment: String, version: String, actor: String, reason: String },
    #[error(
        "`{environment}` runs {current}, newer than {version} (hint: going back is `release rollback {environment} --to {version}`)"
    )]
    Older { environment: String, version: String, current: String },
    #[error(
        "`{environment}` is being promoted by another run ({run}, {version}, started at {}) (hint: wait for it, or set `[promotion] concurrency = \"queue\"` to wait in order)", format_utc(*since as i64)
    )]
    Locked { environment: String, run: String, version: String, since: u64 },
    #[error(
        "automatic promotion to `{environment}` is held: {reason} (hint: promote a fixed release explicitly with `--version`)"
    )]
    Held { environment: String, reason: String },

    #[error(
        "the deploy command for `{environment}` is not found: `{program}` (hint: commands run from the repository root; check the path and that it is executable)"
    )]
    CommandNotFound { environment: String, program: String },
    #[error("deploying {version} to `{environment}` failed: `{command}` exited with {status}{}", rolled_back.as_ref().map(|back| format!("; rolled back to {back}")).unwrap_or_default())]
    DeployFailed { environment: String, version: String, command: String, status: i32, rolled_back: Option<String> },
    #[error("{version} failed verification in `{environment}`: {summary}{}", outcome(rolled_back))]
    VerifyFailed { environment: String, version: String, summary: String, rolled_back: Option<String> },

    #[error("{actor} may not approve for `{environment}` (hint: the approvers are: {approvers})")]
    NotAnApprover { environment: String, actor: String, approvers: String },
    #[error("{actor} cut {version} and may not approve it (hint: another approver must, or set `allow-self = true`)")]
    SelfApproval { actor: String, version: String },
    #[error("nothing to roll back to in `{environment}`: {why}")]
    NoRollbackTarget { environment: String, why: String },
    #[error(
        "skipping the {gates} gate needs a reason (hint: add --reason \"...\"; it is recorded with your name in the history)"
    )]
    BypassWithoutReason { gates: String },
    #[error("skipping the upstream gate needs the release named (hint: add --version V)")]
    BypassWithoutVersion,
}

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

    /// What the history records: `bypassed upstream: hotfix for CVE-2025-1234`.
    fn describe(&self) -> Option<String> {
        self.gates().map(|gates| format!("bypassed {gates}: {}", self.reason.trim()))
    }
}

/// Seconds as release.toml writes durations: `1h30m`.
fn seconds(seconds: u64) -> String {
    format_duration(std::time::Duration::from_secs(seconds))
}

fn outcome(rolled_back: &Option<String>) -> String {
    match rolled_back {
        Some(version) => format!("; rolled back to {version}, and automatic promotion is held"),
        None => "; automatic promotion is held".into(),
    }
}

impl PromoteError {
    /// The documented exit code of each gate (see docs/promotion.md); 1 for other bad input.
    pub fn exit_code(&self) -> u8 {
        match self {
            PromoteError::Frozen { .. } => 10,
            PromoteError::NotVerifiedUpstream { .. } | PromoteError::Soaking { .. } => 11,
            PromoteError::WaitingForApproval { .. } => 12,
            PromoteError::Older { .. } => 13,
            PromoteError::Locked { .. } => 14,
            PromoteError::DeployFailed { .. } => 15,
            PromoteError::VerifyFailed { .. } => 16,
            PromoteError::Rejected { .. } => 17,
            PromoteError::Held { .. } => 18,
            PromoteError::NotAnApprover { .. }
            | PromoteError::SelfApproval { .. }
            | PromoteError::ApprovalsFromGitHub { .. } => 19,
            PromoteError::Git(release_git::GitError::Git { .. }) => 2,
            _ => 1,
        }
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

/// A cut release, as its release commit records it.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub version: String,
    pub commit: String,
    /// The tag of the release version (the repository's, or the single package's).
    pub tag: String,
    /// (package, version, tag) of every tag the release made.
    pub packages: Vec<(String, String, String)>,
    /// Who cut it: the release commit's `Release-Actor:` trailer, or its git author.
    pub author: String,
    /// Its tag exists and names this commit: evidence, besides the ledger, that `release cut`
    /// made it (see [`Context::cut_releases`]).
    #[serde(skip)]
    pub tagged: bool,
}

/// Every commit in the history of `head` whose trailers say it is a release, oldest first. The
/// trailers are text anyone can write: commands trust only those with evidence
/// ([`Context::cut_releases`]).
pub fn releases(repo: &Repo, head: Oid) -> Result<Vec<Release>, PromoteError> {
    let mut out = Vec::new();
    for commit in repo.first_parent_chain(head)? {
        let message = repo.commit_message(commit)?;
        let Some(records) = release_cut::parse_commit_message(&message) else { continue };
        let main = match records.iter().find(|record| record.is_repository()) {
            Some(record) => record.clone(),
            None if records.len() == 1 => records[0].clone(),
            None => return Err(PromoteError::NoReleaseVersion { count: records.len() }),
        };
        let tagged = repo.tag_commit(&main.tag) == Some(commit);
        out.push(Release {
            version: main.version,
            commit: commit.to_string(),
            tag: main.tag,
            packages: records.into_iter().map(|record| (record.name, record.version, record.tag)).collect(),
            author: match release_cut::parse_commit_actor(&message) {
                Some(actor) => actor,
                None => repo.author(commit)?,
            },
            tagged,
        });
    }
    Ok(out)
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
    fn reviews(&self, _environment: &Environment) -> Result<Option<Vec<Review>>, String> {
        Ok(None)
    }
    /// Called after each change is recorded in the ledger.
    fn changed(&self, _environment: &Environment, _change: Change<'_>) {}
}

/// How a deployment is checked: `(passed, one-line summary)`.
pub type Verifier<'a> = dyn Fn(&Verify, &str, &str) -> (bool, String) + 'a;

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
    /// `promoted`, `already running`, `rolled back`, `approved`, `rejected`.
    pub action: String,
    pub detail: String,
}

fn run_id(now: u64) -> String {
    format!("{}:{}:{now}", release_git::host(), std::process::id())
}

impl<'a> Context<'a> {
    fn environment(&self, name: &str) -> Result<&'a Environment, PromoteError> {
        environment(self.config, name)
    }

    /// The releases `release cut` made, oldest first: a release commit whose tag names it, or that
    /// the ledger names (its `cut` event, or any promotion of it). A commit that only says it is a
    /// release (a forged `Release-Tag:` trailer, a squash-merge body) is not one.
    pub fn cut_releases(&self, events: &[Event]) -> Vec<&Release> {
        self.releases.iter().filter(|release| evident(release, events)).collect()
    }

    fn release(&self, version: &str, events: &[Event]) -> Result<&Release, PromoteError> {
        let cut = self.cut_releases(events);
        cut.iter().rev().find(|release| release.version == version).copied().ok_or_else(|| {
            let known: Vec<&str> = cut.iter().map(|release| release.version.as_str()).collect();
            PromoteError::NeverCut {
                version: version.to_string(),
                known: if known.is_empty() { "none yet (`release cut`)".into() } else { known.join(", ") },
            }
        })
    }

    fn event(&self, kind: EventKind, environment: &str, release: &Release, run: &str) -> Event {
        Event {
            kind,
            environment: environment.to_string(),
            version: release.version.clone(),
            commit: release.commit.clone(),
            actor: self.actor.clone(),
            at: (self.now)(),
            run: run.to_string(),
            detail: None,
            from_version: None,
        }
    }

    fn load(&self) -> Result<Ledger<'a>, PromoteError> {
        Ledger::load(self.repo, &self.config.promotion.ledger, &self.config.cut.remote, (self.now)())
    }

    /// Resolves another run's interrupted promotion.
    fn abandon(&self, started: &Event, run: &str) -> Event {
        let mut abandoned = started.clone();
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
        if host == release_git::host() && pid.is_some_and(|pid| !release_git::process_alive(pid)) {
            return true;
        }
        (self.now)().saturating_sub(started.at) > self.config.promotion.lock_timeout.as_secs()
    }
}

/// Valid approvals of a release for an environment: distinct allowed approvers, bound to the
/// release's version and commit, not expired; `Err` when it was rejected.
fn approvals(
    context: &Context<'_>,
    events: &[Event],
    environment: &Environment,
    release: &Release,
) -> Result<Vec<String>, PromoteError> {
    let Some(policy) = &environment.approval else { return Ok(Vec::new()) };
    let now = (context.now)();
    let mut approvers: Vec<String> = Vec::new();
    for event in events.iter().filter(|event| {
        event.environment == environment.name && event.version == release.version && event.commit == release.commit
    }) {
        match event.kind {
            EventKind::Rejected => {
                return Err(PromoteError::Rejected {
                    environment: environment.name.clone(),
                    version: release.version.clone(),
                    actor: event.actor.clone(),
                    reason: event.detail.clone().unwrap_or_default(),
                });
            }
            EventKind::Approved => {
                let expired = policy.expires.is_some_and(|expires| now.saturating_sub(event.at) > expires.as_secs());
                // From a GitHub Environment, GitHub's protection rules decide who may review;
                // a listed `approvers` narrows it further.
                let allowed = policy.approvers.contains(&event.actor)
                    || (policy.source == ApprovalSource::GithubEnvironment && policy.approvers.is_empty());
                let self_approved = event.actor == release.author && !policy.allow_self;
                if !expired && allowed && !self_approved && !approvers.contains(&event.actor) {
                    approvers.push(event.actor.clone());
                }
            }
            _ => {}
        }
    }
    Ok(approvers)
}

fn listed(names: &[String], prefix: &str) -> String {
    if names.is_empty() { String::new() } else { format!("{prefix}{}", names.join(", ")) }
}

/// Records the reviews of the running job (a protected GitHub Environment) as approvals and
/// rejections of `release`, once each. `Ok(false)` when no job is known.
fn record_reviews(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    environment: &Environment,
    release: &Release,
    run: &str,
) -> Result<bool, PromoteError> {
    let reviews = context
        .hooks
        .reviews(environment)
        .map_err(|detail| PromoteError::Reviews { environment: environment.name.clone(), detail })?;
    let Some(reviews) = reviews else { return Ok(false) };
    let mut events = Vec::new();
    for review in reviews {
        let kind = if review.approved { EventKind::Approved } else { EventKind::Rejected };
        let detail = if review.comment.trim().is_empty() {
            review.origin.clone()
        } else {
            format!("{}: {}", review.origin, review.comment.trim())
        };
        let known = ledger.events.iter().chain(&events).any(|event| {
            event.kind == kind
                && event.environment == environment.name
                && event.version == release.version
                && event.commit == release.commit
                && event.actor == review.reviewer
                && event.detail.as_deref() == Some(detail.as_str())
        });
        if !known {
            let mut event = context.event(kind, &environment.name, release, run);
            event.actor = review.reviewer;
            event.detail = Some(detail);
            events.push(event);
        }
    }
    if !events.is_empty() {
        ledger.append_retrying(&events)?;
    }
    Ok(true)
}

/// The newest release that may enter `environment` now (verified upstream, not failed here).
fn candidate<'c>(context: &'c Context<'_>, events: &[Event], environment: &Environment) -> Option<&'c Release> {
    let states = fold(events);
    let failed_here = states.get(&environment.name).map(|state| state.failed.clone()).unwrap_or_default();
    context.cut_releases(events).into_iter().rev().find(|release| {
        !failed_here.contains(&release.version)
            && match &environment.from {
                Some(upstream) => {
                    states.get(upstream).is_some_and(|state| state.verified_at(&release.version).is_some())
                }
                None => true,
            }
    })
}

fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// The freeze gate: no promotion while now is inside a `[promotion] freeze` window.
fn not_frozen(context: &Context<'_>, name: &str) -> Result<(), PromoteError> {
    let now = (context.now)() as i64;
    match context.config.promotion.freeze.iter().find(|window| window.from <= now && now < window.until) {
        Some(window) => Err(PromoteError::Frozen {
            environment: name.to_string(),
            until: window.until_text.clone(),
            reason: window.reason.clone(),
        }),
        None => Ok(()),
    }
}

/// The upstream gate: `release` is verified in `from`, for `soak` at least.
fn upstream_soaked(
    context: &Context<'_>,
    states: &BTreeMap<String, EnvironmentState>,
    environment: &Environment,
    release: &Release,
) -> Result<(), PromoteError> {
    let Some(upstream) = &environment.from else { return Ok(()) };
    let Some(verified_at) = states.get(upstream).and_then(|state| state.verified_at(&release.version)) else {
        return Err(PromoteError::NotVerifiedUpstream {
            environment: environment.name.clone(),
            upstream: upstream.clone(),
            version: release.version.clone(),
        });
    };
    let elapsed = (context.now)().saturating_sub(verified_at);
    if elapsed < environment.soak.as_secs() {
        return Err(PromoteError::Soaking {
            environment: environment.name.clone(),
            upstream: upstream.clone(),
            version: release.version.clone(),
            elapsed,
            soak: environment.soak.as_secs(),
        });
    }
    Ok(())
}

/// The approval gate: enough valid approvals of `release` for `environment`. `reviewed` says
/// whether this run read a GitHub Environment's reviews, for the hint.
fn approved(
    context: &Context<'_>,
    events: &[Event],
    environment: &Environment,
    release: &Release,
    reviewed: bool,
) -> Result<(), PromoteError> {
    let Some(policy) = &environment.approval else { return Ok(()) };
    let have = approvals(context, events, environment, release)?;
    if have.len() >= policy.required as usize {
        return Ok(());
    }
    let name = &environment.name;
    let hint = match &policy.github_environment {
        Some(github) if reviewed => format!(
            "this workflow run has too few approving reviews for the GitHub Environment `{github}`; require {} reviewer(s) in its protection rules{}",
            policy.required,
            listed(&policy.approvers, " from: ")
        ),
        Some(github) => format!(
            "run `release promote {name}` in a GitHub Actions job with `environment: {github}`, protected by required reviewers"
        ),
        None => {
            format!("`release approve {name} --version {}` by one of: {}", release.version, policy.approvers.join(", "))
        }
    };
    Err(PromoteError::WaitingForApproval {
        environment: name.clone(),
        version: release.version.clone(),
        have: have.len(),
        need: policy.required as usize,
        hint,
    })
}

/// `release promote ENV [--version V]`.
pub fn promote(
    context: &Context<'_>,
    name: &str,
    version: Option<&str>,
    bypass: &Bypass,
) -> Result<Outcome, PromoteError> {
    let environment = context.environment(name)?;
    if let Some(gates) = bypass.gates() {
        if bypass.reason.trim().is_empty() {
            return Err(PromoteError::BypassWithoutReason { gates });
        }
        if bypass.upstream && version.is_none() {
            return Err(PromoteError::BypassWithoutVersion);
        }
    }
    let run = run_id((context.now)());
    let mut ledger = context.load()?;
    let deadline = (context.now)() + context.config.promotion.lock_timeout.as_secs();
    loop {
        let states = fold(&ledger.events);
        let state = states.get(name).cloned().unwrap_or_default();
        let mut resolve = Vec::new();

        // Environment lock first among the cheap reads: a live run elsewhere decides everything.
        if let Some(started) = &state.in_progress {
            if context.is_stale(started) {
                resolve.push(context.abandon(started, &run));
            } else if context.config.promotion.concurrency == Concurrency::Queue && (context.now)() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(500));
                ledger.reload()?;
                continue;
            } else {
                return Err(PromoteError::Locked {
                    environment: name.to_string(),
                    run: started.run.clone(),
                    version: started.version.clone(),
                    since: started.at,
                });
            }
        }

        if !bypass.freeze {
            not_frozen(context, name)?;
        }

        // Which release.
        let release = match version {
            Some(version) => context.release(version, &ledger.events)?.clone(),
            None => {
                if let Some(reason) = &state.held {
                    return Err(PromoteError::Held { environment: name.to_string(), reason: reason.clone() });
                }
                match candidate(context, &ledger.events, environment) {
                    Some(release) => release.clone(),
                    None => {
                        return Err(PromoteError::NothingToPromote {
                            environment: name.to_string(),
                            why: match &environment.from {
                                Some(upstream) => format!("no release is verified in `{upstream}` yet"),
                                None => "no release was cut yet".into(),
                            },
                        });
                    }
                }
            }
        };

        if !bypass.upstream {
            upstream_soaked(context, &states, environment, &release)?;
        }
        if let Some(policy) = &environment.approval {
            let reviewed = match &policy.github_environment {
                Some(_) => record_reviews(context, &mut ledger, environment, &release, &run)?,
                None => false,
            };
            approved(context, &ledger.events, environment, &release, reviewed)?;
        }

        // Never backwards: going back is only `rollback`.
        if let Some(current) = &state.current {
            match compare(&release.version, &current.version) {
                std::cmp::Ordering::Less => {
                    return Err(PromoteError::Older {
                        environment: name.to_string(),
                        version: release.version.clone(),
                        current: current.version.clone(),
                    });
                }
                std::cmp::Ordering::Equal if current.state == "verified" => {
                    return Ok(Outcome {
                        environment: name.to_string(),
                        version: release.version.clone(),
                        action: "already running".into(),
                        detail: format!("verified since {}", format_utc(current.since as i64)),
                    });
                }
                _ => {}
            }
        }

        // Take the environment: the push of "started" is the lock between runners.
        let mut started = context.event(EventKind::Started, name, &release, &run);
        started.detail = bypass.describe();
        resolve.push(started);
        if !ledger.append(&resolve)? {
            ledger.reload()?;
            continue;
        }
        let mut outcome = deploy_and_verify(context, &mut ledger, environment, &release, &run, &state, None)?;
        if let Some(bypassed) = bypass.describe() {
            outcome.detail = format!("{}; {bypassed}", outcome.detail);
        }
        return Ok(outcome);
    }
}

/// A rollback being deployed: recorded as `rolled_back` only once it is deployed and verified.
struct RollingBack {
    /// The version rolled back from.
    from: Option<String>,
    /// `by hand`, `automatic, after a failed verification`.
    why: &'static str,
}

/// Deploys, verifies, records; on failure rolls back when configured.
fn deploy_and_verify(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    environment: &Environment,
    release: &Release,
    run: &str,
    before: &EnvironmentState,
    rolling_back: Option<RollingBack>,
) -> Result<Outcome, PromoteError> {
    let name = &environment.name;
    let is_rollback = rolling_back.is_some();
    context.hooks.changed(environment, Change::Started { release, rollback: is_rollback });
    let command =
        if is_rollback { environment.rollback.as_ref().unwrap_or(&environment.deploy) } else { &environment.deploy };
    // (summary, the deploy's exit status, the program); a command that is not there is a failed
    // deploy too, recorded like one, so no "started" is left without an outcome.
    let failure = match run_command(context, environment, command, release) {
        Err(PromoteError::CommandNotFound { program, .. }) => Some((format!("`{program}` not found"), None, program)),
        Err(error) => return Err(error),
        Ok(Err((program, status))) => Some((format!("`{program}` exited with {status}"), Some(status), program)),
        Ok(Ok(())) => match &environment.verify {
            Some(verify) => {
                let url = environment.url.clone().unwrap_or_default();
                let (passed, summary) = (context.verifier)(verify, &url, &release.version);
                if passed { None } else { Some((summary, None, String::new())) }
            }
            None => None,
        },
    };
    let Some((summary, deploy_status, program)) = failure else {
        let mut deployed = context.event(EventKind::Deployed, name, release, run);
        let mut verified = context.event(EventKind::Verified, name, release, run);
        let mut events = Vec::new();
        if let Some(rolling_back) = &rolling_back {
            deployed.detail = Some("rollback".into());
            verified.detail = Some("rollback".into());
            let mut marker = context.event(EventKind::RolledBack, name, release, run);
            marker.from_version = rolling_back.from.clone();
            marker.detail = Some(rolling_back.why.into());
            events.extend([deployed, verified, marker]);
        } else {
            events.extend([deployed, verified]);
        }
        ledger.append_retrying(&events)?;
        let replaced =
            before.current.as_ref().and_then(|current| context.release(&current.version, &ledger.events).ok());
        context.hooks.changed(environment, Change::Succeeded { release, replaced });
        return Ok(Outcome {
            environment: name.clone(),
            version: release.version.clone(),
            action: if is_rollback { "rolled back".into() } else { "promoted".into() },
            detail: "deployed and verified".into(),
        });
    };

    let mut failed = context.event(EventKind::Failed, name, release, run);
    failed.detail = Some(summary.clone());
    let mut events = vec![failed];
    let mut reported = false;
    let mut rolled_back = None;
    // A rollback is never itself rolled back.
    if !is_rollback {
        let mut held = context.event(EventKind::Held, name, release, run);
        held.detail = Some(format!("{} failed: {summary}", release.version));
        if environment.on_verify_failure == OnVerifyFailure::Rollback
            && let Some((version, _, _)) = before.last_verified()
            && let Ok(target) = context.release(version, &ledger.events)
        {
            ledger.append_retrying(&events)?;
            events.clear();
            context.hooks.changed(environment, Change::Failed { release, summary: &summary });
            reported = true;
            let target = target.clone();
            let back =
                RollingBack { from: Some(release.version.clone()), why: "automatic, after a failed verification" };
            let back = deploy_and_verify(context, ledger, environment, &target, run, before, Some(back));
            if back.is_ok() {
                rolled_back = Some(target.version.clone());
            }
        }
        events.push(held);
    }
    ledger.append_retrying(&events)?;
    if !reported {
        context.hooks.changed(environment, Change::Failed { release, summary: &summary });
    }
    match deploy_status {
        Some(status) => Err(PromoteError::DeployFailed {
            environment: name.clone(),
            version: release.version.clone(),
            command: program,
            status,
            rolled_back,
        }),
        None if !program.is_empty() => Err(PromoteError::CommandNotFound { environment: name.clone(), program }),
        None => Err(PromoteError::VerifyFailed {
            environment: name.clone(),
            version: release.version.clone(),
            summary,
            rolled_back,
        }),
    }
}

/// Runs an argv with the release in environment variables. `Ok(Err(program, status))` when it
/// ran and failed.
fn run_command(
    context: &Context<'_>,
    environment: &Environment,
    argv: &[String],
    release: &Release,
) -> Result<Result<(), (String, i32)>, PromoteError> {
    let root = context.repo.root();
    // release.toml refuses an empty command; never index one all the same.
    let Some((program, arguments)) = argv.split_first().filter(|(program, _)| !program.is_empty()) else {
        return Err(PromoteError::CommandNotFound { environment: environment.name.clone(), program: String::new() });
    };
    let resolved = if program.contains('/') { root.join(program) } else { Path::new(program).to_path_buf() };
    let mut command = Command::new(&resolved);
    command
        .args(arguments)
        .current_dir(root)
        .env("RELEASE_VERSION", &release.version)
        .env("RELEASE_TAG", &release.tag)
        .env("RELEASE_ENV", &environment.name)
        .env("RELEASE_COMMIT", &release.commit);
    if let Some(url) = &environment.url {
        command.env("RELEASE_URL", url);
    }
    for (package, version, _) in &release.packages {
        let key: String = package
            .chars()
            .map(|character| if character.is_ascii_alphanumeric() { character.to_ascii_uppercase() } else { '_' })
            .collect();
        command.env(format!("RELEASE_VERSION_{key}"), version);
    }
    if context.quiet_commands {
        command.stdout(std::process::Stdio::null());
    }
    match command.status() {
        Ok(status) if status.success() => Ok(Ok(())),
        Ok(status) => Ok(Err((program.clone(), status.code().unwrap_or(-1)))),
        Err(_) => {
            Err(PromoteError::CommandNotFound { environment: environment.name.clone(), program: program.clone() })
        }
    }
}

/// `release rollback ENV [--to V]`: back to the last verified release before the current one, or
/// to `V`, which must be older than the current release and verified in `ENV` before: a rollback
/// is no way around the gates of a promotion.
pub fn rollback(context: &Context<'_>, name: &str, to: Option<&str>) -> Result<Outcome, PromoteError> {
    let environment = context.environment(name)?;
    let run = run_id((context.now)());
    let mut ledger = context.load()?;
    loop {
        let states = fold(&ledger.events);
        let state = states.get(name).cloned().unwrap_or_default();
        let mut events = Vec::new();
        if let Some(started) = &state.in_progress {
            if !context.is_stale(started) {
                return Err(PromoteError::Locked {
                    environment: name.to_string(),
                    run: started.run.clone(),
                    version: started.version.clone(),
                    since: started.at,
                });
            }
            events.push(context.abandon(started, &run));
        }
        let current = state.current.as_ref().map(|current| current.version.clone());
        let target = match to {
            Some(version) => {
                let target = context.release(version, &ledger.events)?.clone();
                rollback_target_allowed(name, &state, &target)?;
                target
            }
            None => {
                let version = state
                    .verified
                    .iter()
                    .rev()
                    .map(|(version, _, _)| version)
                    .find(|version| Some(*version) != current.as_ref() && !state.failed.contains(version))
                    .cloned()
                    .ok_or_else(|| PromoteError::NoRollbackTarget {
                        environment: name.to_string(),
                        why: "no verified release before the current one".into(),
                    })?;
                context.release(&version, &ledger.events)?.clone()
            }
        };
        events.push(context.event(EventKind::Started, name, &target, &run));
        if !ledger.append(&events)? {
            ledger.reload()?;
            continue;
        }
        let back = RollingBack { from: current, why: "by hand" };
        return deploy_and_verify(context, &mut ledger, environment, &target, &run, &state, Some(back));
    }
}

/// `--to V`: a release older than what `environment` runs, verified there before.
fn rollback_target_allowed(name: &str, state: &EnvironmentState, target: &Release) -> Result<(), PromoteError> {
    let refuse = |why: String| Err(PromoteError::NoRollbackTarget { environment: name.to_string(), why });
    let Some(current) = &state.current else {
        return refuse(format!("it runs nothing yet (hint: `release promote {name} --version {}`)", target.version));
    };
    if compare(&target.version, &current.version).is_ge() {
        return refuse(format!(
            "{} is not older than {}, which it runs (hint: going forward is `release promote {name} --version {}`, through every gate)",
            target.version, current.version, target.version
        ));
    }
    if state.verified_at(&target.version).is_none() {
        let verified: Vec<&str> = state.verified.iter().map(|(version, _, _)| version.as_str()).collect();
        return refuse(format!(
            "{} was never verified in `{name}` (hint: roll back to one that was: {})",
            target.version,
            if verified.is_empty() { "none".to_string() } else { verified.join(", ") }
        ));
    }
    Ok(())
}

/// `release approve ENV [--version V]` and `release reject ENV --reason ...`.
pub fn review(
    context: &Context<'_>,
    name: &str,
    version: Option<&str>,
    reject: Option<&str>,
) -> Result<Outcome, PromoteError> {
    let environment = context.environment(name)?;
    let run = run_id((context.now)());
    let mut ledger = context.load()?;
    let release = match version {
        Some(version) => context.release(version, &ledger.events)?.clone(),
        None => candidate(context, &ledger.events, environment).cloned().ok_or_else(|| {
            PromoteError::NothingToPromote { environment: name.to_string(), why: "no release waits to enter it".into() }
        })?,
    };
    let policy = environment.approval.as_ref();
    if let Some(github) = policy.and_then(|policy| policy.github_environment.as_ref()) {
        return Err(PromoteError::ApprovalsFromGitHub {
            environment: name.to_string(),
            github_environment: github.clone(),
        });
    }
    let approvers = policy.map(|policy| policy.approvers.clone()).unwrap_or_default();
    if !approvers.contains(&context.actor) {
        return Err(PromoteError::NotAnApprover {
            environment: name.to_string(),
            actor: context.actor.clone(),
            approvers: if approvers.is_empty() { "none configured".into() } else { approvers.join(", ") },
        });
    }
    if reject.is_none() && release.author == context.actor && !policy.is_some_and(|policy| policy.allow_self) {
        return Err(PromoteError::SelfApproval { actor: context.actor.clone(), version: release.version.clone() });
    }
    let mut event =
        context.event(if reject.is_some() { EventKind::Rejected } else { EventKind::Approved }, name, &release, &run);
    event.detail = reject.map(str::to_string);
    ledger.append_retrying(&[event])?;
    Ok(Outcome {
        environment: name.to_string(),
        version: release.version.clone(),
        action: if reject.is_some() { "rejected".into() } else { "approved".into() },
        detail: format!("by {}", context.actor),
    })
}

/// One row of `release status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub environment: String,
    pub version: Option<String>,
    pub state: String,
    pub since: Option<u64>,
    pub last_verified: Option<String>,
    pub next: Option<String>,
    pub waiting: Option<String>,
}

/// `release status`: per environment, what runs, since when, what waits and why.
pub fn status(context: &Context<'_>) -> Result<Vec<StatusRow>, PromoteError> {
    let ledger = context.load()?;
    let states = fold(&ledger.events);
    let mut rows = Vec::new();
    for environment in &context.config.environments {
        let state = states.get(&environment.name).cloned().unwrap_or_default();
        let (version, mut label, since) = match &state.current {
            Some(current) => (Some(current.version.clone()), current.state.clone(), Some(current.since)),
            None => (None, "empty".to_string(), None),
        };
        if let Some(started) = &state.in_progress {
            label = if context.is_stale(started) {
                format!("interrupted ({})", started.version)
            } else {
                format!("promoting {}", started.version)
            };
        }
        if let Some(reason) = &state.held {
            label = format!("{label}, held");
            let _ = reason;
        }
        let next = candidate(context, &ledger.events, environment).filter(|release| {
            state.current.as_ref().is_none_or(|current| compare(&release.version, &current.version).is_gt())
        });
        // What `release promote ENV` would stop at, in the order it checks (the lock aside).
        let waiting = next.map(|release| {
            let gates = not_frozen(context, &environment.name)
                .and_then(|()| match &state.held {
                    Some(_) => Err(PromoteError::Held { environment: environment.name.clone(), reason: String::new() }),
                    None => Ok(()),
                })
                .and_then(|()| upstream_soaked(context, &states, environment, release))
                .and_then(|()| approved(context, &ledger.events, environment, release, false));
            match gates {
                Ok(()) => "ready".to_string(),
                Err(PromoteError::Frozen { until, .. }) => format!("frozen until {until}"),
                Err(PromoteError::Held { .. }) => "held (promote it with --version)".into(),
                Err(PromoteError::Soaking { upstream, elapsed, soak, .. }) => {
                    format!("soak in {upstream} {}/{}", seconds(elapsed), seconds(soak))
                }
                Err(PromoteError::WaitingForApproval { have, need, .. }) => format!("approvals {have}/{need}"),
                Err(PromoteError::Rejected { actor, .. }) => format!("rejected by {actor}"),
                Err(_) => "unknown".into(),
            }
        });
        rows.push(StatusRow {
            environment: environment.name.clone(),
            version,
            state: label,
            since,
            last_verified: state.last_verified().map(|(version, _, _)| version.clone()),
            next: next.map(|release| release.version.clone()),
            waiting,
        });
    }
    Ok(rows)
}

/// `release history ENV`: the events of one environment, oldest first.
pub fn history(context: &Context<'_>, name: &str) -> Result<Vec<Event>, PromoteError> {
    context.environment(name)?;
    let ledger = context.load()?;
    Ok(ledger.events.into_iter().filter(|event| event.environment == name).collect())
}

fn recorded_cut(events: &[Event], commit: &str) -> bool {
    events.iter().any(|event| event.kind == EventKind::Cut && event.commit == commit)
}

/// The release `version` that `release cut` made, as [`Context::cut_releases`] knows releases:
/// tagged, or named by the ledger; never one that only claims to be it.
pub fn cut_release(
    repo: &Repo,
    config: &Config,
    head: Oid,
    version: &str,
    now: u64,
) -> Result<Option<Release>, PromoteError> {
    let ledger = Ledger::load(repo, &config.promotion.ledger, &config.cut.remote, now)?;
    Ok(releases(repo, head)?
        .into_iter()
        .rev()
        .find(|release| release.version == version && evident(release, &ledger.events)))
}

/// Whether something `release cut` wrote vouches for a release commit: its tag, or the ledger.
fn evident(release: &Release, events: &[Event]) -> bool {
    release.tagged || events.iter().any(|event| event.commit == release.commit)
}

/// Whether the ledger records that `release cut` made the release at `commit`.
pub fn was_cut(repo: &Repo, config: &Config, commit: Oid, now: u64) -> Result<bool, PromoteError> {
    let ledger = Ledger::load(repo, &config.promotion.ledger, &config.cut.remote, now)?;
    Ok(recorded_cut(&ledger.events, &commit.to_string()))
}

/// Records in the ledger that `release cut` made the release at `commit`: the evidence that
/// promotion trusts. `Ok(false)` when it already was.
pub fn record_cut(
    repo: &Repo,
    config: &Config,
    commit: Oid,
    records: &[release_cut::ReleaseRecord],
    actor: &str,
    now: u64,
) -> Result<bool, PromoteError> {
    let mut ledger = Ledger::load(repo, &config.promotion.ledger, &config.cut.remote, now)?;
    let id = commit.to_string();
    if recorded_cut(&ledger.events, &id) {
        return Ok(false);
    }
    let main = records.iter().find(|record| record.is_repository()).or(match records {
        [single] => Some(single),
        _ => None,
    });
    let tags: Vec<&str> = records.iter().map(|record| record.tag.as_str()).collect();
    let event = Event {
        kind: EventKind::Cut,
        environment: String::new(),
        version: main.map(|record| record.version.clone()).unwrap_or_default(),
        commit: id,
        actor: actor.to_string(),
        at: now,
        run: run_id(now),
        detail: Some(tags.join(", ")),
        from_version: None,
    };
    ledger.append_retrying(&[event])?;
    Ok(true)
}

/// `release ledger void ENTRY --reason ...`: sets an unreadable or impossible entry of the ledger
/// aside, so the commands that stopped on it work again. The entry stays in the history, and so
/// does who voided it and why.
pub fn void(
    repo: &Repo,
    config: &Config,
    entry: &str,
    reason: &str,
    actor: &str,
    now: u64,
) -> Result<(), PromoteError> {
    if reason.trim().is_empty() {
        return Err(PromoteError::Ledger {
            detail: "voiding an entry needs a reason (hint: add --reason \"...\"; it is recorded with your name)"
                .into(),
        });
    }
    let commit = Oid::from_str(entry).ok().filter(|_| entry.len() == 40).ok_or_else(|| PromoteError::Ledger {
        detail: format!(
            "`{entry}` is not an entry's full commit id (hint: the error that stopped the command names it; `git log {}` lists them)",
            config.promotion.ledger
        ),
    })?;
    let event = Event {
        kind: EventKind::Voided,
        environment: String::new(),
        version: String::new(),
        commit: commit.to_string(),
        actor: actor.to_string(),
        at: now,
        run: run_id(now),
        detail: Some(format!("{commit} {}", reason.trim())),
        from_version: None,
    };
    Ledger::append_unread(repo, &config.promotion.ledger, &config.cut.remote, &[event])
}
