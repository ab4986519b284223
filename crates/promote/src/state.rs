//! What each environment runs, folded from the ledger's events.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ledger::{Event, EventKind};

/// What an environment runs, folded from the events.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EnvironmentState {
    pub name: String,
    pub current: Option<Current>,
    /// Releases verified here, oldest first, with when.
    pub verified: Vec<Verified>,
    pub in_progress: Option<Event>,
    pub held: Option<String>,
    pub failed: Vec<semver::Version>,
    /// Releases whose last outcome here is a failure (a failed deploy, verification or
    /// monitoring window) and that were not verified again since.
    pub failing: Vec<semver::Version>,
    /// The failed checks of the release it runs, since it was verified (`release watch`).
    pub failed_checks: Vec<FailedCheck>,
    /// Whether the monitoring window of the release it runs ended (a `monitored` event).
    pub monitored: bool,
}

/// A failed check during a monitoring window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedCheck {
    /// Unix seconds.
    pub at: u64,
    pub detail: String,
}

/// A release verified in an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub version: semver::Version,
    pub commit: release_commit_id::CommitId,
    /// Unix seconds.
    pub at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Current {
    pub version: semver::Version,
    pub commit: release_commit_id::CommitId,
    pub state: State,
    pub since: u64,
}

/// How the release an environment runs got there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum State {
    #[serde(rename = "verified")]
    Verified,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "rolled back")]
    RolledBack,
}

impl State {
    /// As `release status` shows it: `rolled back`.
    pub fn name(self) -> &'static str {
        match self {
            State::Verified => "verified",
            State::Failed => "failed",
            State::RolledBack => "rolled back",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

impl EnvironmentState {
    pub fn last_verified(&self) -> Option<&Verified> {
        self.verified.last()
    }

    pub fn verified_at(&self, version: &semver::Version) -> Option<u64> {
        self.verified.iter().rev().find(|verified| &verified.version == version).map(|verified| verified.at)
    }
}

/// Every environment's state. `cut`, `voided` and notification events change no environment and
/// are skipped.
pub fn fold(events: &[Event]) -> BTreeMap<String, EnvironmentState> {
    let mut states: BTreeMap<String, EnvironmentState> = BTreeMap::new();
    for event in events.iter().filter(|event| !event.kind.is_bookkeeping()) {
        let state = states
            .entry(event.environment.clone())
            .or_insert_with(|| EnvironmentState { name: event.environment.clone(), ..EnvironmentState::default() });
        apply(state, event);
    }
    states
}

/// One event's effect on its environment. Its version is a version: the ledger checks every
/// environment's event when it reads it.
fn apply(state: &mut EnvironmentState, event: &Event) {
    let Ok(version) = semver::Version::parse(&event.version) else { return };
    let current = |state: State| Current { version: version.clone(), commit: event.commit, state, since: event.at };
    match event.kind {
        EventKind::Started => state.in_progress = Some(event.clone()),
        EventKind::Verified => {
            state.current = Some(current(if event.rollback { State::RolledBack } else { State::Verified }));
            state.verified.push(Verified { version: version.clone(), commit: event.commit, at: event.at });
            state.in_progress = None;
            state.failing.retain(|failing| failing != &version);
            state.failed_checks.clear();
            state.monitored = false;
            // Going back does not lift a hold: the release that failed is still waiting for a fix.
            if !event.rollback {
                state.held = None;
            }
        }
        EventKind::Failed => {
            state.current = Some(current(State::Failed));
            state.failed.push(version.clone());
            state.failing.push(version.clone());
            state.in_progress = None;
        }
        EventKind::CheckFailed | EventKind::Monitored
            if state.current.as_ref().is_some_and(|current| current.version == version) =>
        {
            if event.kind == EventKind::Monitored {
                state.monitored = true;
            } else {
                state
                    .failed_checks
                    .push(FailedCheck { at: event.at, detail: event.detail.clone().unwrap_or_default() });
            }
        }
        EventKind::Held => state.held = event.detail.clone().or_else(|| Some("held".into())),
        EventKind::Abandoned => state.in_progress = None,
        EventKind::Deployed
        | EventKind::Approved
        | EventKind::Rejected
        | EventKind::RolledBack
        | EventKind::Cut
        | EventKind::Voided
        | EventKind::Notified
        | EventKind::NotifyFailed
        | EventKind::CheckFailed
        | EventKind::Monitored => {}
    }
}
