//! Approvals and rejections: `release approve` / `release reject`, and the reviews of a
//! protected GitHub Environment, recorded in the ledger as the same events.

use crate::ledger::{Event, EventKind, Ledger};
use crate::releases::Release;
use crate::{Action, Context, Outcome, PromoteError, run_id};
use release_config::promotion::Environment;

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
        Some(version) => context.named(version, &ledger.events)?.clone(),
        None => context.candidate(&ledger.events, environment).cloned().ok_or_else(|| {
            PromoteError::NothingToPromote { environment: name.to_string(), why: "no release waits to enter it".into() }
        })?,
    };
    may_review(context, environment, &release, &ledger.events, reject.is_some())?;
    let kind = if reject.is_some() { EventKind::Rejected } else { EventKind::Approved };
    let mut event = context.event(kind, name, &release, &run);
    event.detail = reject.map(str::to_string);
    ledger.append_retrying(&[event])?;
    Ok(Outcome {
        environment: name.to_string(),
        version: release.version.to_string(),
        action: if reject.is_some() { Action::Rejected } else { Action::Approved },
        detail: format!("by {}", context.actor),
    })
}

/// Whether the actor may approve (or reject) `release` for `environment` through the ledger.
fn may_review(
    context: &Context<'_>,
    environment: &Environment,
    release: &Release,
    events: &[crate::ledger::Event],
    reject: bool,
) -> Result<(), PromoteError> {
    let name = &environment.name;
    let policy = environment.approval.as_ref();
    if let Some(github) = policy.and_then(|policy| policy.github_environment.as_ref()) {
        return Err(PromoteError::ApprovalsFromGitHub {
            environment: name.clone(),
            github_environment: github.clone(),
        });
    }
    let approvers = policy.map(|policy| policy.approvers.clone()).unwrap_or_default();
    if !approvers.contains(&context.actor) {
        return Err(PromoteError::NotAnApprover {
            environment: name.clone(),
            actor: context.actor.clone(),
            approvers: if approvers.is_empty() { "none configured".into() } else { approvers.join(", ") },
        });
    }
    if !reject
        && crate::releases::author_of(release, events) == context.actor
        && !policy.is_some_and(|policy| policy.allow_self)
    {
        return Err(PromoteError::SelfApproval { actor: context.actor.clone(), version: release.version.to_string() });
    }
    Ok(())
}

/// Records the reviews of the running job (a protected GitHub Environment) as approvals and
/// rejections of `release`, once each. `Ok(false)` when no job is known.
pub(crate) fn record_reviews(
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
    let mut events: Vec<Event> = Vec::new();
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
                && event.version == release.version.to_string()
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
