//! `release watch [ENV...]`: one pass of checks over every environment whose release is inside
//! its monitoring window (`[environments.NAME.monitor]`). A scheduled CI job runs it every few
//! minutes, so no job stays alive for the whole window.
//!
//! Healthy checks leave no trace; a failed check is one `check_failed` event, the end of a window
//! one `monitored` event. Once failed checks exceed the window's `failure-limit`, the release is
//! recorded as failed, rolled back (or not) as `on-verify-failure` says, and the environment is
//! held, exactly as after a failed verification. Every write goes through the ledger's
//! compare-and-swap, so when two runs overlap the loser records nothing and says so.

use serde::Serialize;

use release_config::promotion::{Environment, Monitor, OnVerifyFailure, Verify, format_duration};

use crate::deploy::{RollingBack, Target, check, deploy_and_verify, last_good};
use crate::ledger::{Event, EventKind, Ledger};
use crate::state::{EnvironmentState, State, fold};
use crate::{Change, Context, PromoteError, run_id};

/// What one pass did in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Watched {
    pub environment: String,
    /// The release watched, if any.
    pub version: Option<semver::Version>,
    #[serde(flatten)]
    pub result: WatchResult,
}

/// The outcome of one environment's pass, serialized with its `result` name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum WatchResult {
    /// Nothing to watch: no window configured, no release verified, or its window is over.
    Idle { why: String },
    /// The check passed; nothing was recorded.
    Healthy { elapsed: u64, window: u64, failed_checks: usize },
    /// The check failed, within the limit.
    CheckFailed { failed_checks: usize, failure_limit: u32, summary: String },
    /// The window ended; recorded.
    WindowPassed { failed_checks: usize },
    /// Failed checks exceeded the limit: the release failed, was rolled back to `rolled_back`
    /// (when configured and possible), and the environment is held.
    Failed { summary: String, rolled_back: Option<String> },
    /// Another run got there first (or is promoting); this one did nothing.
    Busy { why: String },
}

impl Watched {
    /// Whether the pass failed a release (the CLI exits non-zero then).
    pub fn failed(&self) -> bool {
        matches!(self.result, WatchResult::Failed { .. })
    }
}

/// One pass over `names` (every environment with a monitoring window when empty).
pub fn watch(context: &Context<'_>, names: &[String]) -> Result<Vec<Watched>, PromoteError> {
    let mut chosen = Vec::new();
    for name in names {
        chosen.push(context.environment(name)?);
    }
    if names.is_empty() {
        chosen = context.config.environments.iter().filter(|environment| environment.monitor.is_some()).collect();
    }
    let run = run_id((context.now)());
    let mut ledger = context.load()?;
    let mut watched = Vec::new();
    for environment in chosen {
        ledger.reload()?;
        watched.push(watch_one(context, &mut ledger, environment, &run)?);
    }
    Ok(watched)
}

/// One environment: the window's end, or one check and what it calls for.
fn watch_one(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    environment: &Environment,
    run: &str,
) -> Result<Watched, PromoteError> {
    let state = fold(&ledger.events).remove(&environment.name).unwrap_or_default();
    let version = state.current.as_ref().map(|current| current.version.clone());
    let done =
        |result: WatchResult| Ok(Watched { environment: environment.name.clone(), version: version.clone(), result });
    let Some(monitor) = &environment.monitor else {
        return done(WatchResult::Idle { why: "no monitoring window is configured".into() });
    };
    if let Some(started) = &state.in_progress {
        return done(WatchResult::Busy { why: format!("run {} is promoting {}", started.run, started.version) });
    }
    let current = match state.current.clone() {
        Some(current) if current.state == State::Verified => current,
        Some(current) if current.state == State::RolledBack => {
            return done(WatchResult::Idle { why: "it was rolled back, and a rollback is not monitored".into() });
        }
        Some(_) => return done(WatchResult::Idle { why: "its release failed".into() }),
        None => return done(WatchResult::Idle { why: "nothing is deployed there yet".into() }),
    };
    if state.monitored {
        return done(WatchResult::Idle { why: format!("the monitoring window of {} is over", current.version) });
    }
    let release = context.release(&current.version, &ledger.events)?.clone();
    let now = (context.now)();
    let elapsed = now.saturating_sub(current.since);
    let failed_checks = state.failed_checks.len();
    if elapsed >= monitor.window.as_secs() {
        let mut event = context.event(EventKind::Monitored, &environment.name, &release, run);
        event.detail = Some(format!("{} window passed, {}", format_duration(monitor.window), checks(failed_checks)));
        if !ledger.append(&[event])? {
            return done(busy());
        }
        return done(WatchResult::WindowPassed { failed_checks });
    }
    let (passed, summary) = check(context, environment, &release, &single_check(monitor));
    if passed {
        return done(WatchResult::Healthy { elapsed, window: monitor.window.as_secs(), failed_checks });
    }
    let mut failed_check = context.event(EventKind::CheckFailed, &environment.name, &release, run);
    failed_check.detail = Some(summary.clone());
    let failed_checks = failed_checks + 1;
    if failed_checks <= monitor.failure_limit as usize {
        if !ledger.append(&[failed_check])? {
            return done(busy());
        }
        return done(WatchResult::CheckFailed { failed_checks, failure_limit: monitor.failure_limit, summary });
    }
    let summary = format!(
        "monitoring: {} > limit {} ({} of {}), last: {summary}",
        checks(failed_checks),
        monitor.failure_limit,
        format_duration(std::time::Duration::from_secs(elapsed)),
        format_duration(monitor.window)
    );
    let window = Window { environment, state: &state, release: &release, run };
    done(fail_window(context, ledger, &window, failed_check, summary)?)
}

/// The release that failed its window, where, and over which state.
struct Window<'w> {
    environment: &'w Environment,
    state: &'w EnvironmentState,
    release: &'w crate::Release,
    run: &'w str,
}

/// The window failed: records the failure, rolls back as `on-verify-failure` says, and holds.
/// The first write (the failed check, the failure and the rollback's start together) is the
/// lease: a run that loses it does nothing.
fn fail_window(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    window: &Window<'_>,
    failed_check: Event,
    summary: String,
) -> Result<WatchResult, PromoteError> {
    let Window { environment, state, release, run } = *window;
    let name = &environment.name;
    let mut failed = context.event(EventKind::Failed, name, release, run);
    failed.detail = Some(summary.clone());
    let mut events = vec![failed_check, failed];
    let back_to = match environment.on_verify_failure {
        OnVerifyFailure::Rollback => last_good(name, state, &ledger.events)
            .ok()
            .and_then(|version| context.release(&version, &ledger.events).ok().cloned()),
        OnVerifyFailure::Hold => None,
    };
    if let Some(back_to) = &back_to {
        let mut started = context.event(EventKind::Started, name, back_to, run);
        started.rollback = true;
        events.push(started);
    }
    if !ledger.append(&events)? {
        return Ok(busy());
    }
    context.hooks.changed(environment, Change::Failed { release, summary: &summary });
    let mut rolled_back = None;
    if let Some(back_to) = &back_to {
        let after = fold(&ledger.events).remove(name).unwrap_or_default();
        let target = Target { environment, release: back_to, run, before: &after };
        let back =
            RollingBack { from: Some(release.version.to_string()), why: "automatic, after a failed monitoring window" };
        if deploy_and_verify(context, ledger, &target, Some(back)).is_ok() {
            rolled_back = Some(back_to.version.to_string());
        }
    }
    let mut held = context.event(EventKind::Held, name, release, run);
    held.detail = Some(format!("{} failed: {summary}", release.version));
    ledger.append_retrying(&[held])?;
    Ok(WatchResult::Failed { summary, rolled_back })
}

/// The monitor's check, once: one measurement decides.
fn single_check(monitor: &Monitor) -> Verify {
    Verify {
        probe: monitor.probe.clone(),
        interval: std::time::Duration::ZERO,
        count: 1,
        failure_limit: 0,
        error_limit: 0,
        consecutive_successes: 1,
        timeout: monitor.timeout,
    }
}

fn busy() -> WatchResult {
    WatchResult::Busy { why: "another run recorded this pass first".into() }
}

fn checks(count: usize) -> String {
    if count == 1 { "1 failed check".into() } else { format!("{count} failed checks") }
}
