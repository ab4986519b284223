//! Deploying a release: the deploy (or rollback) command, verification, the records of both, and
//! rollback, by hand (`release rollback`) or automatic after a failed verification.

use std::path::Path;
use std::process::Command;

use release_config::promotion::{Environment, OnVerifyFailure};

use crate::ledger::{EventKind, Ledger, ROLLBACK_DETAIL};
use crate::releases::Release;
use crate::state::{EnvironmentState, fold};
use crate::{Action, Change, Context, Outcome, PromoteError, run_id};

/// A rollback being deployed: recorded as `rolled_back` only once it is deployed and verified.
pub(crate) struct RollingBack {
    /// The version rolled back from.
    pub(crate) from: Option<String>,
    /// `by hand`, `automatic, after a failed verification`.
    pub(crate) why: &'static str,
}

/// What is being deployed where, by which run, over which state.
pub(crate) struct Target<'t> {
    pub(crate) environment: &'t Environment,
    pub(crate) release: &'t Release,
    pub(crate) run: &'t str,
    /// The environment before this run took it.
    pub(crate) before: &'t EnvironmentState,
}

/// Why a deployment failed. A command that is not there is a failed deploy too, recorded like
/// one, so no "started" is left without an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    NotFound { program: String },
    Exited { program: String, status: i32 },
    Verify { summary: String },
}

impl Failure {
    /// The line the ledger records.
    fn summary(&self) -> String {
        match self {
            Failure::NotFound { program } => format!("`{program}` not found"),
            Failure::Exited { program, status } => format!("`{program}` exited with {status}"),
            Failure::Verify { summary } => summary.clone(),
        }
    }

    fn into_error(self, environment: &str, version: &str, rolled_back: Option<String>) -> PromoteError {
        let (environment, version) = (environment.to_string(), version.to_string());
        match self {
            Failure::NotFound { program } => PromoteError::CommandNotFound { environment, program },
            Failure::Exited { program, status } => {
                PromoteError::DeployFailed { environment, version, command: program, status, rolled_back }
            }
            Failure::Verify { summary } => PromoteError::VerifyFailed { environment, version, summary, rolled_back },
        }
    }
}

/// Deploys, verifies, records; on failure rolls back when configured.
pub(crate) fn deploy_and_verify(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    target: &Target<'_>,
    rolling_back: Option<RollingBack>,
) -> Result<Outcome, PromoteError> {
    let (environment, release) = (target.environment, target.release);
    context.hooks.changed(environment, Change::Started { release, rollback: rolling_back.is_some() });
    match deploy(context, environment, release, rolling_back.is_some()) {
        Ok(()) => succeeded(context, ledger, target, rolling_back.as_ref()),
        Err(failure) if rolling_back.is_some() => {
            // A rollback is never itself rolled back, nor held.
            let events = [failed_event(context, target, &failure)];
            ledger.append_retrying(&events)?;
            let summary = failure.summary();
            context.hooks.changed(environment, Change::Failed { release, summary: &summary });
            Err(failure.into_error(&environment.name, &release.version.to_string(), None))
        }
        Err(failure) => failed(context, ledger, target, failure),
    }
}

/// Runs the deploy (or rollback) command, then the verification.
fn deploy(context: &Context<'_>, environment: &Environment, release: &Release, rollback: bool) -> Result<(), Failure> {
    let command =
        if rollback { environment.rollback.as_ref().unwrap_or(&environment.deploy) } else { &environment.deploy };
    run_command(context, environment, command, release)?;
    if let Some(verify) = &environment.verify {
        let (passed, summary) = check(context, environment, release, verify);
        if !passed {
            return Err(Failure::Verify { summary });
        }
    }
    Ok(())
}

/// Runs a check of `release` in `environment`: `(passed, summary)`.
pub(crate) fn check(
    context: &Context<'_>,
    environment: &Environment,
    release: &Release,
    verify: &release_config::promotion::Verify,
) -> (bool, String) {
    let target = crate::CheckTarget {
        url: environment.url.as_deref().unwrap_or_default(),
        version: &release.version.to_string(),
        directory: context.repo.root(),
        variables: release_variables(environment, release),
    };
    (context.verifier)(verify, &target)
}

/// The release as deploy commands and command checks get it: RELEASE_VERSION, RELEASE_TAG,
/// RELEASE_ENV, RELEASE_COMMIT, RELEASE_URL and RELEASE_VERSION_<NAME> per package.
pub(crate) fn release_variables(environment: &Environment, release: &Release) -> Vec<(String, String)> {
    let mut variables = vec![
        ("RELEASE_VERSION".to_string(), release.version.to_string()),
        ("RELEASE_TAG".to_string(), release.tag.clone()),
        ("RELEASE_ENV".to_string(), environment.name.clone()),
        ("RELEASE_COMMIT".to_string(), release.commit.to_string()),
    ];
    if let Some(url) = &environment.url {
        variables.push(("RELEASE_URL".to_string(), url.clone()));
    }
    for (package, version, _) in &release.packages {
        variables.push((format!("RELEASE_VERSION_{}", variable_suffix(package)), version.to_string()));
    }
    variables
}

/// Records "deployed" and "verified" (and, for a rollback, "rolled_back"), then mirrors it.
fn succeeded(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    target: &Target<'_>,
    rolling_back: Option<&RollingBack>,
) -> Result<Outcome, PromoteError> {
    let Target { environment, release, run, before } = *target;
    let name = &environment.name;
    let mut deployed = context.event(EventKind::Deployed, name, release, run);
    let mut verified = context.event(EventKind::Verified, name, release, run);
    let mut events = Vec::new();
    if let Some(rolling_back) = rolling_back {
        for event in [&mut deployed, &mut verified] {
            event.rollback = true;
            // Still written for the readers of a shared ledger that predate `rollback`.
            event.detail = Some(ROLLBACK_DETAIL.into());
        }
        let mut marker = context.event(EventKind::RolledBack, name, release, run);
        marker.from_version = rolling_back.from.clone();
        marker.detail = Some(rolling_back.why.into());
        events.extend([deployed, verified, marker]);
    } else {
        events.extend([deployed, verified]);
    }
    ledger.append_retrying(&events)?;
    let replaced = before.current.as_ref().and_then(|current| context.release(&current.version, &ledger.events).ok());
    context.hooks.changed(environment, Change::Succeeded { release, replaced });
    Ok(Outcome {
        environment: name.clone(),
        version: release.version.to_string(),
        action: if rolling_back.is_some() { Action::RolledBack } else { Action::Promoted },
        detail: "deployed and verified".into(),
    })
}

fn failed_event(context: &Context<'_>, target: &Target<'_>, failure: &Failure) -> crate::Event {
    let mut failed = context.event(EventKind::Failed, &target.environment.name, target.release, target.run);
    failed.detail = Some(failure.summary());
    failed
}

/// Records "failed", rolls back to the last verified release when configured, then holds
/// automatic promotion.
fn failed(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    target: &Target<'_>,
    failure: Failure,
) -> Result<Outcome, PromoteError> {
    let Target { environment, release, run, before } = *target;
    let summary = failure.summary();
    let mut events = vec![failed_event(context, target, &failure)];
    let mut held = context.event(EventKind::Held, &environment.name, release, run);
    held.detail = Some(format!("{} failed: {summary}", release.version));
    let mut reported = false;
    let mut rolled_back = None;
    if environment.on_verify_failure == OnVerifyFailure::Rollback
        && let Some(last) = before.last_verified()
        && let Ok(back_to) = context.release(&last.version, &ledger.events)
    {
        // The failure is recorded (and mirrored) before the rollback's own events.
        ledger.append_retrying(&events)?;
        events.clear();
        context.hooks.changed(environment, Change::Failed { release, summary: &summary });
        reported = true;
        let back_to = back_to.clone();
        let back =
            RollingBack { from: Some(release.version.to_string()), why: "automatic, after a failed verification" };
        let rollback = Target { release: &back_to, ..*target };
        if deploy_and_verify(context, ledger, &rollback, Some(back)).is_ok() {
            rolled_back = Some(back_to.version.to_string());
        }
    }
    events.push(held);
    ledger.append_retrying(&events)?;
    if !reported {
        context.hooks.changed(environment, Change::Failed { release, summary: &summary });
    }
    Err(failure.into_error(&environment.name, &release.version.to_string(), rolled_back))
}

/// Runs an argv from the repository root with the release in environment variables, never in
/// the command line.
fn run_command(
    context: &Context<'_>,
    environment: &Environment,
    argv: &[String],
    release: &Release,
) -> Result<(), Failure> {
    let root = context.repo.root();
    // release.toml refuses an empty command; never index one all the same.
    let Some((program, arguments)) = argv.split_first().filter(|(program, _)| !program.is_empty()) else {
        return Err(Failure::NotFound { program: String::new() });
    };
    let resolved = if program.contains('/') { root.join(program) } else { Path::new(program).to_path_buf() };
    let mut command = Command::new(&resolved);
    command.args(arguments).current_dir(root).envs(release_variables(environment, release));
    if context.quiet_commands {
        command.stdout(std::process::Stdio::null());
    }
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Failure::Exited { program: program.clone(), status: status.code().unwrap_or(-1) }),
        Err(_) => Err(Failure::NotFound { program: program.clone() }),
    }
}

/// `@acme/ui-library` -> `_ACME_UI_LIBRARY`: a package name as an environment variable's suffix.
fn variable_suffix(package: &str) -> String {
    package
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() { character.to_ascii_uppercase() } else { '_' })
        .collect()
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
        let current = state.current.as_ref().map(|current| current.version.to_string());
        let version = match to {
            Some(named) => {
                let version = context.named(named, &ledger.events)?.version.clone();
                rollback_target_allowed(name, &state, &version)?;
                if let Some(rejected) = rejected_in(&ledger.events, name, &version) {
                    return Err(PromoteError::Rejected {
                        environment: name.to_string(),
                        version: version.to_string(),
                        actor: rejected.actor.clone(),
                        reason: rejected.detail.clone().unwrap_or_default(),
                    });
                }
                version
            }
            None => last_good(name, &state, &ledger.events)?,
        };
        let release = context.release(&version, &ledger.events)?.clone();
        let mut started = context.event(EventKind::Started, name, &release, &run);
        started.rollback = true;
        events.push(started);
        if !ledger.append(&events)? {
            ledger.reload()?;
            continue;
        }
        let back = RollingBack { from: current, why: "by hand" };
        let target = Target { environment, release: &release, run: &run, before: &state };
        return deploy_and_verify(context, &mut ledger, &target, Some(back));
    }
}

/// A rejection of `version` for `environment`: final there, for a rollback too.
fn rejected_in<'e>(
    events: &'e [crate::Event],
    environment: &str,
    version: &semver::Version,
) -> Option<&'e crate::Event> {
    let version = version.to_string();
    events
        .iter()
        .find(|event| event.kind == EventKind::Rejected && event.environment == environment && event.version == version)
}

/// The newest release verified in the environment that is not what it runs, never failed there
/// and was not rejected there since.
pub(crate) fn last_good(
    name: &str,
    state: &EnvironmentState,
    events: &[crate::Event],
) -> Result<semver::Version, PromoteError> {
    let current = state.current.as_ref().map(|current| &current.version);
    state
        .verified
        .iter()
        .rev()
        .map(|verified| &verified.version)
        .find(|version| {
            Some(*version) != current && !state.failed.contains(version) && rejected_in(events, name, version).is_none()
        })
        .cloned()
        .ok_or_else(|| PromoteError::NoRollbackTarget {
            environment: name.to_string(),
            why: "no verified release before the current one".into(),
        })
}

/// `--to V`: a release older than what `environment` runs, verified there before.
pub(crate) fn rollback_target_allowed(
    name: &str,
    state: &EnvironmentState,
    target: &semver::Version,
) -> Result<(), PromoteError> {
    let refuse = |why: String| Err(PromoteError::NoRollbackTarget { environment: name.to_string(), why });
    let Some(current) = &state.current else {
        return refuse(format!("it runs nothing yet (hint: `release promote {name} --version {target}`)"));
    };
    if target >= &current.version {
        return refuse(format!(
            "{target} is not older than {}, which it runs (hint: going forward is `release promote {name} --version {target}`, through every gate)",
            current.version
        ));
    }
    if state.verified_at(target).is_none() {
        let verified: Vec<String> = state.verified.iter().map(|verified| verified.version.to_string()).collect();
        return refuse(format!(
            "{target} was never verified in `{name}` (hint: roll back to one that was: {})",
            if verified.is_empty() { "none".to_string() } else { verified.join(", ") }
        ));
    }
    Ok(())
}
