//! `release status` and `release history`: what each environment runs, and what waits and why.

use serde::Serialize;

use crate::error::seconds;
use crate::gates::{self, Waiting};
use crate::ledger::Event;
use crate::releases::Release;
use crate::state::{EnvironmentState, fold};
use crate::{Context, PromoteError};
use release_config::promotion::Environment;
use std::collections::BTreeMap;

/// One row of `release status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub environment: String,
    pub version: Option<semver::Version>,
    pub state: String,
    pub since: Option<u64>,
    pub last_verified: Option<semver::Version>,
    pub next: Option<semver::Version>,
    pub waiting: Option<String>,
    /// The release's monitoring window, while it lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    /// Notifications of this environment's events that did not arrive yet (the next command
    /// retries them), as the ledger says it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undelivered: Vec<String>,
}

/// Where a release is in its monitoring window, and what its checks said.
#[derive(Debug, Clone, Serialize)]
pub struct Monitoring {
    /// Seconds since verification.
    pub elapsed: u64,
    /// Seconds the window lasts.
    pub window: u64,
    pub failed_checks: usize,
    pub failure_limit: u32,
    /// The newest failed check's summary.
    pub last_failure: Option<String>,
}

/// `release status`: per environment, what runs, since when, what waits and why.
pub fn status(context: &Context<'_>) -> Result<Vec<StatusRow>, PromoteError> {
    let ledger = context.load()?;
    let states = fold(&ledger.events);
    let mut rows = Vec::new();
    for environment in &context.config.environments {
        let state = states.get(&environment.name).cloned().unwrap_or_default();
        let next = context
            .candidate(&ledger.events, environment)
            .filter(|release| state.current.as_ref().is_none_or(|current| release.version > current.version));
        let waiting = next.map(|release| match waiting(context, &states, &ledger.events, environment, release) {
            Some(waiting) => waiting.to_string(),
            None => "ready".to_string(),
        });
        let monitoring = monitoring(environment, &state, (context.now)());
        let mut state_label = label(context, &state);
        if let Some(monitoring) = &monitoring
            && state_label == "verified"
        {
            state_label = monitoring_label(monitoring);
        }
        rows.push(StatusRow {
            environment: environment.name.clone(),
            version: state.current.as_ref().map(|current| current.version.clone()),
            state: state_label,
            since: state.current.as_ref().map(|current| current.since),
            last_verified: state.last_verified().map(|verified| verified.version.clone()),
            next: next.map(|release| release.version.clone()),
            waiting,
            monitoring,
            undelivered: crate::notify::undelivered(&ledger.events)
                .into_iter()
                .filter(|(delivery, _)| delivery.notice.environment == environment.name)
                .map(|(_, said)| said.to_string())
                .collect(),
        });
    }
    Ok(rows)
}

/// The window of the release `environment` runs, while it lasts (until `release watch` records
/// its end, or its time is up).
fn monitoring(environment: &Environment, state: &EnvironmentState, now: u64) -> Option<Monitoring> {
    let monitor = environment.monitor.as_ref()?;
    let current = state.current.as_ref().filter(|current| current.state == crate::State::Verified)?;
    let elapsed = now.saturating_sub(current.since);
    let window = monitor.window.as_secs();
    if state.monitored || elapsed >= window {
        return None;
    }
    Some(Monitoring {
        elapsed,
        window,
        failed_checks: state.failed_checks.len(),
        failure_limit: monitor.failure_limit,
        last_failure: state.failed_checks.last().map(|check| check.detail.clone()),
    })
}

/// `monitoring 12m/30m`, `monitoring 12m/30m (1 failed check, limit 2)`.
fn monitoring_label(monitoring: &Monitoring) -> String {
    let mut label = format!("monitoring {}/{}", seconds(monitoring.elapsed), seconds(monitoring.window));
    match monitoring.failed_checks {
        0 => {}
        1 => label.push_str(&format!(" (1 failed check, limit {})", monitoring.failure_limit)),
        count => label.push_str(&format!(" ({count} failed checks, limit {})", monitoring.failure_limit)),
    }
    label
}

/// The STATE column: `verified`, `promoting 3.0.1`, `interrupted (3.0.1)`, `failed, held`.
fn label(context: &Context<'_>, state: &EnvironmentState) -> String {
    let mut label = match &state.current {
        Some(current) => current.state.to_string(),
        None => "empty".to_string(),
    };
    if let Some(started) = &state.in_progress {
        label = if context.is_stale(started) {
            format!("interrupted ({})", started.version)
        } else {
            format!("promoting {}", started.version)
        };
    }
    if state.held.is_some() {
        label = format!("{label}, held");
    }
    label
}

/// The first gate `release promote ENV` would stop `release` at, in the order it checks them
/// (the lock aside).
fn waiting(
    context: &Context<'_>,
    states: &BTreeMap<String, EnvironmentState>,
    events: &[Event],
    environment: &Environment,
    release: &Release,
) -> Option<Waiting> {
    let now = (context.now)();
    let held = states.get(&environment.name).and_then(|state| state.held.clone());
    gates::frozen(&context.config.promotion.freeze, now)
        .or_else(|| held.map(|reason| Waiting::Held { reason }))
        .or_else(|| {
            let window = gates::upstream_window(&context.config.environments, environment);
            gates::upstream(states, environment, &release.version, now, window)
        })
        .or_else(|| gates::approval(events, environment, release, now, false))
}

/// `release history ENV`: the events of one environment, oldest first.
pub fn history(context: &Context<'_>, name: &str) -> Result<Vec<Event>, PromoteError> {
    context.environment(name)?;
    let ledger = context.load()?;
    Ok(ledger.events.into_iter().filter(|event| event.environment == name).collect())
}
