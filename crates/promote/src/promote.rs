//! `release promote ENV`: the environment lock, the gates in order, then deploy and verify.

use std::collections::BTreeMap;
use std::time::Duration;

use release_config::promotion::{Concurrency, Environment, format_utc};

use crate::deploy::{Target, deploy_and_verify};
use crate::gates::{self, Waiting};
use crate::ledger::{Event, EventKind, Ledger};
use crate::releases::Release;
use crate::state::{EnvironmentState, State, fold};
use crate::{Action, Bypass, Context, Outcome, PromoteError, run_id};

/// `release promote ENV [--version V]`.
pub fn promote(
    context: &Context<'_>,
    name: &str,
    version: Option<&str>,
    bypass: &Bypass,
) -> Result<Outcome, PromoteError> {
    let environment = context.environment(name)?;
    bypass.check(version)?;
    let run = run_id((context.now)());
    let mut ledger = context.load()?;
    let deadline = (context.now)() + context.config.promotion.lock_timeout.as_secs();
    loop {
        let states = fold(&ledger.events);
        let state = states.get(name).cloned().unwrap_or_default();
        let mut resolve = Vec::new();

        // Environment lock first among the cheap reads: a live run elsewhere decides everything.
        match lock(context, &state, &run, deadline)? {
            Lock::Free => {}
            Lock::Interrupted(abandoned) => resolve.push(abandoned),
            Lock::Queued => {
                std::thread::sleep(Duration::from_millis(500));
                ledger.reload()?;
                continue;
            }
        }
        if !bypass.freeze
            && let Some(frozen) = gates::frozen(&context.config.promotion.freeze, (context.now)())
        {
            return Err(frozen.into_error(name, version.unwrap_or_default()));
        }
        let release = choose(context, &ledger.events, environment, &state, version)?;
        pass_gates(context, &mut ledger, &states, environment, &release, bypass, &run)?;
        if let Some(running) = not_backwards(name, &state, &release)? {
            return Ok(running);
        }

        // Take the environment: the push of "started" is the lock between runners.
        let mut started = context.event(EventKind::Started, name, &release, &run);
        started.detail = bypass.describe();
        resolve.push(started);
        if !ledger.append(&resolve)? {
            ledger.reload()?;
            continue;
        }
        let target = Target { environment, release: &release, run: &run, before: &state };
        let mut outcome = deploy_and_verify(context, &mut ledger, &target, None)?;
        if let Some(bypassed) = bypass.describe() {
            outcome.detail = format!("{}; {bypassed}", outcome.detail);
        }
        return Ok(outcome);
    }
}

/// Who holds the environment.
enum Lock {
    Free,
    /// Another run's promotion whose process is gone or that outlived the lock timeout: this
    /// event resolves it.
    Interrupted(Event),
    /// A live run holds it, and `concurrency = "queue"` waits for it (until the lock timeout).
    Queued,
}

fn lock(context: &Context<'_>, state: &EnvironmentState, run: &str, deadline: u64) -> Result<Lock, PromoteError> {
    let Some(started) = &state.in_progress else { return Ok(Lock::Free) };
    if context.is_stale(started) {
        return Ok(Lock::Interrupted(context.abandon(started, run)));
    }
    if context.config.promotion.concurrency == Concurrency::Queue && (context.now)() < deadline {
        return Ok(Lock::Queued);
    }
    Err(PromoteError::Locked {
        environment: state.name.clone(),
        run: started.run.clone(),
        version: started.version.clone(),
        since: started.at,
    })
}

/// The release to promote: the one named, or the newest candidate unless automatic promotion is
/// held.
fn choose(
    context: &Context<'_>,
    events: &[Event],
    environment: &Environment,
    state: &EnvironmentState,
    version: Option<&str>,
) -> Result<Release, PromoteError> {
    let name = &environment.name;
    if let Some(version) = version {
        return Ok(context.named(version, events)?.clone());
    }
    if let Some(reason) = &state.held {
        return Err(Waiting::Held { reason: reason.clone() }.into_error(name, ""));
    }
    context.candidate(events, environment).cloned().ok_or_else(|| PromoteError::NothingToPromote {
        environment: name.clone(),
        why: match &environment.from {
            Some(upstream) => format!("no release is verified in `{upstream}` yet"),
            None => "no release was cut yet".into(),
        },
    })
}

/// The upstream gate (unless bypassed), then approvals (after recording a GitHub Environment's
/// reviews of this run).
fn pass_gates(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    states: &BTreeMap<String, EnvironmentState>,
    environment: &Environment,
    release: &Release,
    bypass: &Bypass,
    run: &str,
) -> Result<(), PromoteError> {
    let now = (context.now)();
    let fail = |waiting: Waiting| Err(waiting.into_error(&environment.name, &release.version.to_string()));
    if !bypass.upstream
        && let Some(waiting) = gates::upstream(
            states,
            environment,
            &release.version,
            now,
            gates::upstream_window(&context.config.environments, environment),
        )
    {
        return fail(waiting);
    }
    if let Some(policy) = &environment.approval {
        let reviewed = match &policy.github_environment {
            Some(_) => crate::review::record_reviews(context, ledger, environment, release, run)?,
            None => false,
        };
        if let Some(waiting) = gates::approval(&ledger.events, environment, release, now, reviewed) {
            return fail(waiting);
        }
    }
    Ok(())
}

/// Never backwards: going back is only `rollback`. `Some` when the release already runs there,
/// verified.
fn not_backwards(name: &str, state: &EnvironmentState, release: &Release) -> Result<Option<Outcome>, PromoteError> {
    let Some(current) = &state.current else { return Ok(None) };
    match release.version.cmp(&current.version) {
        std::cmp::Ordering::Less => Err(PromoteError::Older {
            environment: name.to_string(),
            version: release.version.to_string(),
            current: current.version.to_string(),
        }),
        std::cmp::Ordering::Equal if current.state == State::Verified => Ok(Some(Outcome {
            environment: name.to_string(),
            version: release.version.to_string(),
            action: Action::AlreadyRunning,
            detail: format!("verified since {}", format_utc(current.since as i64)),
        })),
        _ => Ok(None),
    }
}
