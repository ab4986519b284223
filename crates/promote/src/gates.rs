//! The gates a release passes to enter an environment, as plain functions of plain data: the
//! freeze window, verified upstream and its soak, approvals, and which release is next. Each
//! returns what the release waits for, a [`Waiting`]; `promote` turns it into its error (and
//! exit code), `status` into a few words.

use std::collections::BTreeMap;

use release_config::promotion::{ApprovalSource, Environment, Freeze};

use crate::PromoteError;
use crate::error::seconds;
use crate::ledger::{Event, EventKind};
use crate::releases::Release;
use crate::state::{EnvironmentState, fold};

/// What a release waits for before it may enter an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// Inside a `[promotion] freeze` window.
    Frozen { until: String, reason: Option<String> },
    /// Automatic promotion is held after a failure (a fixed release goes in with `--version`).
    Held { reason: String },
    /// Not verified in the upstream environment.
    NotVerifiedUpstream { upstream: String },
    /// Verified upstream `elapsed` seconds ago, of the `soak` seconds wanted.
    Soaking { upstream: String, elapsed: u64, soak: u64 },
    /// Too few valid approvals; `hint` says where they come from.
    Approvals { have: usize, need: usize, hint: String },
    /// Rejected by `by`.
    Rejected { by: String, reason: String },
}

impl Waiting {
    /// The gate's error, for `release promote ENV` on `version`.
    pub fn into_error(self, environment: &str, version: &str) -> PromoteError {
        let environment = environment.to_string();
        let version = version.to_string();
        match self {
            Waiting::Frozen { until, reason } => PromoteError::Frozen { environment, until, reason },
            Waiting::Held { reason } => PromoteError::Held { environment, reason },
            Waiting::NotVerifiedUpstream { upstream } => {
                PromoteError::NotVerifiedUpstream { environment, upstream, version }
            }
            Waiting::Soaking { upstream, elapsed, soak } => {
                PromoteError::Soaking { environment, upstream, version, elapsed, soak }
            }
            Waiting::Approvals { have, need, hint } => {
                PromoteError::WaitingForApproval { environment, version, have, need, hint }
            }
            Waiting::Rejected { by, reason } => PromoteError::Rejected { environment, version, actor: by, reason },
        }
    }
}

/// As `release status` says it: `approvals 0/1`.
impl std::fmt::Display for Waiting {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Waiting::Frozen { until, .. } => write!(formatter, "frozen until {until}"),
            Waiting::Held { .. } => formatter.write_str("held (promote it with --version)"),
            Waiting::NotVerifiedUpstream { upstream } => write!(formatter, "not verified in {upstream}"),
            Waiting::Soaking { upstream, elapsed, soak } => {
                write!(formatter, "soak in {upstream} {}/{}", seconds(*elapsed), seconds(*soak))
            }
            Waiting::Approvals { have, need, .. } => write!(formatter, "approvals {have}/{need}"),
            Waiting::Rejected { by, .. } => write!(formatter, "rejected by {by}"),
        }
    }
}

/// The freeze gate: no promotion while `now` is inside a window (`from` included, `until` not).
pub(crate) fn frozen(freeze: &[Freeze], now: u64) -> Option<Waiting> {
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    freeze
        .iter()
        .find(|window| window.from <= now && now < window.until)
        .map(|window| Waiting::Frozen { until: window.until_text.clone(), reason: window.reason.clone() })
}

/// The upstream gate: `version` is verified in the environment's `from`, and did not fail there
/// since, for `soak` at least after the end of the upstream's monitoring window (`window`
/// seconds after its verification): the wait shows as one soak of `window + soak`.
pub(crate) fn upstream(
    states: &BTreeMap<String, EnvironmentState>,
    environment: &Environment,
    version: &semver::Version,
    now: u64,
    window: u64,
) -> Option<Waiting> {
    let upstream = environment.from.as_ref()?;
    let state = states.get(upstream);
    let Some(verified_at) = state
        .filter(|state| !state.failing.iter().any(|failing| failing == version))
        .and_then(|state| state.verified_at(version))
    else {
        return Some(Waiting::NotVerifiedUpstream { upstream: upstream.clone() });
    };
    let elapsed = now.saturating_sub(verified_at);
    let soak = window.saturating_add(environment.soak.as_secs());
    (elapsed < soak).then(|| Waiting::Soaking { upstream: upstream.clone(), elapsed, soak })
}

/// The monitoring window of `environment`'s upstream, in seconds (0 without one).
pub(crate) fn upstream_window(environments: &[Environment], environment: &Environment) -> u64 {
    let Some(upstream) = &environment.from else { return 0 };
    environments
        .iter()
        .find(|candidate| &candidate.name == upstream)
        .and_then(|upstream| upstream.monitor.as_ref())
        .map_or(0, |monitor| monitor.window.as_secs())
}

/// Valid approvals of a release for an environment: distinct allowed approvers, bound to the
/// release's version and commit, not expired, not by who cut it (unless allowed); a rejection
/// of it wins over any number of approvals.
pub(crate) fn approvals(
    events: &[Event],
    environment: &Environment,
    release: &Release,
    now: u64,
) -> Result<Vec<String>, Waiting> {
    let Some(policy) = &environment.approval else { return Ok(Vec::new()) };
    let mut approvers: Vec<String> = Vec::new();
    let version = release.version.to_string();
    for event in events.iter().filter(|event| {
        event.environment == environment.name && event.version == version && event.commit == release.commit
    }) {
        match event.kind {
            EventKind::Rejected => {
                return Err(Waiting::Rejected {
                    by: event.actor.clone(),
                    reason: event.detail.clone().unwrap_or_default(),
                });
            }
            EventKind::Approved => {
                let expired = policy.expires.is_some_and(|expires| now.saturating_sub(event.at) > expires.as_secs());
                // From a GitHub Environment, GitHub's protection rules decide who may review;
                // a listed `approvers` narrows it further.
                let allowed = policy.approvers.contains(&event.actor)
                    || (policy.source == ApprovalSource::GithubEnvironment && policy.approvers.is_empty());
                let self_approved = event.actor == crate::releases::author_of(release, events) && !policy.allow_self;
                if !expired && allowed && !self_approved && !approvers.contains(&event.actor) {
                    approvers.push(event.actor.clone());
                }
            }
            _ => {}
        }
    }
    Ok(approvers)
}

/// The approval gate: enough valid approvals of `release` for `environment`. `reviewed` says
/// whether this run read a GitHub Environment's reviews, for the hint.
pub(crate) fn approval(
    events: &[Event],
    environment: &Environment,
    release: &Release,
    now: u64,
    reviewed: bool,
) -> Option<Waiting> {
    let policy = environment.approval.as_ref()?;
    let have = match approvals(events, environment, release, now) {
        Ok(have) => have.len(),
        Err(rejected) => return Some(rejected),
    };
    let need = policy.required as usize;
    if have >= need {
        return None;
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
    Some(Waiting::Approvals { have, need, hint })
}

fn listed(names: &[String], prefix: &str) -> String {
    if names.is_empty() { String::new() } else { format!("{prefix}{}", names.join(", ")) }
}

/// The newest of the `cut` releases (oldest first) that may enter `environment`: verified
/// upstream when it has one, and never one that failed here.
pub(crate) fn candidate<'r>(cut: &[&'r Release], events: &[Event], environment: &Environment) -> Option<&'r Release> {
    let states = fold(events);
    let failed_here = states.get(&environment.name).map(|state| state.failed.as_slice()).unwrap_or_default();
    cut.iter().rev().copied().find(|release| {
        !failed_here.contains(&release.version)
            && match &environment.from {
                Some(upstream) => states.get(upstream).is_some_and(|state| {
                    state.verified_at(&release.version).is_some() && !state.failing.contains(&release.version)
                }),
                None => true,
            }
    })
}
