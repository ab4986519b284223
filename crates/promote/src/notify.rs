//! Notifications: what the `[[notify]]` targets hear of a command's events, and the ledger's
//! record of each delivery.
//!
//! After a command, [`notify`] sends every target the events this process recorded that the
//! target wants, the notices that have no ledger event of their own (approval needed, released),
//! and the deliveries that failed before. Each outcome is recorded in one append: `notified`, or
//! `notify_failed` (a warning, retried by the next command up to [`MAX_ATTEMPTS`] times). A
//! delivery carries an idempotency key, the same on every attempt, and a key the ledger records
//! as delivered (or failed) is never sent fresh again. A target that fails once is not tried
//! again in the same run: one hanging receiver costs one timeout, however many events there are.
//! Sending is the caller's ([`Send`]): this crate does no network I/O.

use std::collections::{BTreeMap, BTreeSet};

use release_config::notify::{NotifyEvent, NotifyTarget};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::ledger::{Event, EventKind, Ledger};
use crate::{Context, PromoteError, run_id};

/// How many times a delivery is tried (the first time and the retries of later commands).
pub const MAX_ATTEMPTS: u32 = 5;

/// What a notification says, the same for every target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// As release.toml names it: `rolled-back`.
    pub event: String,
    /// Empty for `released`, which belongs to no environment.
    pub environment: String,
    pub version: String,
    /// The release's tag(s), comma-separated, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub commit: release_commit_id::CommitId,
    /// Who did it.
    pub actor: String,
    /// Unix seconds of the event.
    pub at: u64,
    /// Why: the failed check, the reason for a hold, the approvals still missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For a rollback: the version rolled back from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<String>,
    /// One line for people (a Slack-compatible `text`).
    pub text: String,
    /// What makes two notices the same one (the ledger event's time, or none for a notice that
    /// repeats, such as an approval still needed).
    #[serde(default)]
    pub occurrence: u64,
}

/// One notice for one target, as sent and as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The target's `name`.
    pub target: String,
    /// The idempotency key: the same on every attempt, different per target.
    pub key: String,
    /// 1 for the first try.
    pub attempt: u32,
    pub notice: Notice,
}

/// Sends one delivery to one target: `Err` says why it did not arrive. Called from one thread
/// per target.
pub type Send<'s> = dyn Fn(&NotifyTarget, &Delivery) -> Result<(), String> + Sync + 's;

/// What a command's notifications did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NotifyReport {
    pub delivered: Vec<Delivery>,
    /// With why each failed.
    pub failed: Vec<(Delivery, String)>,
}

impl Notice {
    /// The notice a ledger event makes, if it is one a target can choose.
    pub fn of_event(event: &Event, tag: Option<&str>) -> Option<(NotifyEvent, Notice)> {
        let (version, environment) = (&event.version, &event.environment);
        let detail = event.detail.as_deref().filter(|detail| !detail.is_empty());
        let (kind, text) = match event.kind {
            EventKind::Started if !event.rollback => {
                (NotifyEvent::Promoted, format!("{version} is being deployed to {environment} by {}", event.actor))
            }
            EventKind::Verified if !event.rollback => {
                (NotifyEvent::Verified, format!("{version} is deployed and verified in {environment}"))
            }
            EventKind::Monitored => (
                NotifyEvent::Monitored,
                format!("{version} passed its monitoring window in {environment}{}", suffix(detail)),
            ),
            EventKind::Failed => (
                NotifyEvent::VerificationFailed,
                format!("{version} failed in {environment}: {}", detail.unwrap_or("no detail")),
            ),
            EventKind::RolledBack => (
                NotifyEvent::RolledBack,
                format!(
                    "{environment} rolled back {}to {version}{}",
                    event.from_version.as_deref().map(|from| format!("from {from} ")).unwrap_or_default(),
                    suffix(detail)
                ),
            ),
            EventKind::Held => (
                NotifyEvent::Held,
                format!("automatic promotion to {environment} is held: {}", detail.unwrap_or("held")),
            ),
            _ => return None,
        };
        Some((kind, Notice::new(kind, event, tag, text)))
    }

    fn new(kind: NotifyEvent, event: &Event, tag: Option<&str>, text: String) -> Notice {
        Notice {
            event: kind.name().into(),
            environment: event.environment.clone(),
            version: event.version.clone(),
            tag: tag.map(str::to_string),
            commit: event.commit,
            actor: event.actor.clone(),
            at: event.at,
            detail: event.detail.clone().filter(|detail| !detail.is_empty()),
            from_version: event.from_version.clone(),
            text,
            occurrence: event.at,
        }
    }

    /// `release promote ENV` stopped at the approvals gate. Sent once per release and
    /// environment, however often the promotion is tried again.
    pub fn approval_needed(environment: &str, release: &crate::Release, actor: &str, at: u64, waiting: &str) -> Notice {
        Notice {
            event: NotifyEvent::ApprovalNeeded.name().into(),
            environment: environment.into(),
            version: release.version.to_string(),
            tag: Some(release.tag.clone()),
            commit: release.commit,
            actor: actor.into(),
            at,
            detail: Some(waiting.into()),
            from_version: None,
            text: format!("{} waits for approval to enter {environment}: {waiting}", release.version),
            occurrence: 0,
        }
    }

    /// The release's tags are pushed. Sent once per release commit.
    pub fn released(
        version: &str,
        commit: release_commit_id::CommitId,
        tags: &[String],
        actor: &str,
        at: u64,
    ) -> Notice {
        Notice {
            event: NotifyEvent::Released.name().into(),
            environment: String::new(),
            version: version.into(),
            tag: (!tags.is_empty()).then(|| tags.join(", ")),
            commit,
            actor: actor.into(),
            at,
            detail: None,
            from_version: None,
            text: if tags.is_empty() { format!("released {version}") } else { format!("released {}", tags.join(", ")) },
            occurrence: 0,
        }
    }

    fn kind(&self) -> Option<NotifyEvent> {
        NotifyEvent::parse(&self.event)
    }

    /// The idempotency key of this notice for `target`.
    fn key(&self, target: &str) -> String {
        let mut hash = sha2::Sha256::new();
        // The id as text, so keys stay what earlier versions sent (targets deduplicate on them).
        let commit = self.commit.to_string();
        for part in [target, &self.event, &self.environment, &self.version, &commit] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.update(self.occurrence.to_be_bytes());
        hash.finalize().iter().take(16).map(|byte| format!("{byte:02x}")).collect()
    }
}

fn suffix(detail: Option<&str>) -> String {
    detail.map(|detail| format!(" ({detail})")).unwrap_or_default()
}

/// What this process's run has to send.
pub struct Outbox {
    /// The run ids this process writes start with this (`host:pid:`).
    pub process: String,
    /// Events recorded at or after this (unix seconds) by this process are this run's.
    pub since: u64,
    /// Notices that have no ledger event: approval needed, released.
    pub extra: Vec<Notice>,
}

impl Outbox {
    /// This process, from `since` on.
    pub fn of_this_process(since: u64) -> Outbox {
        Outbox { process: format!("{}:{}:", release_git::host(), std::process::id()), since, extra: Vec::new() }
    }

    fn is_mine(&self, event: &Event) -> bool {
        event.run.starts_with(&self.process) && event.at >= self.since
    }
}

/// A delivery to make now, and its target.
struct Due<'t> {
    target: &'t NotifyTarget,
    delivery: Delivery,
}

/// What the ledger says of each (target, key): its newest outcome, in the order the keys were
/// first recorded.
struct Records<'e> {
    /// (delivered, the delivery, what the ledger said of it).
    newest: BTreeMap<(&'e str, &'e str), (bool, &'e Delivery, &'e str)>,
    order: Vec<(&'e str, &'e str)>,
}

impl<'e> Records<'e> {
    fn read(events: &'e [Event]) -> Records<'e> {
        let mut records = Records { newest: BTreeMap::new(), order: Vec::new() };
        for event in events {
            let (EventKind::Notified | EventKind::NotifyFailed, Some(delivery)) =
                (event.kind, event.delivery.as_deref())
            else {
                continue;
            };
            let id = (delivery.target.as_str(), delivery.key.as_str());
            let outcome = (event.kind == EventKind::Notified, delivery, event.detail.as_deref().unwrap_or_default());
            if records.newest.insert(id, outcome).is_none() {
                records.order.push(id);
            }
        }
        records
    }

    fn knows(&self, target: &str, key: &str) -> bool {
        self.newest.contains_key(&(target, key))
    }

    /// The failed deliveries to `target` to try again, oldest first: still wanted, not given up.
    fn retries<'s>(&'s self, target: &'s NotifyTarget) -> impl Iterator<Item = Delivery> + 's {
        self.order.iter().filter_map(move |id| {
            let (delivered, delivery, _) = self.newest[id];
            let wanted = delivery.notice.kind().is_some_and(|kind| target.wants(kind, &delivery.notice.environment));
            (!delivered && id.0 == target.name && delivery.attempt < MAX_ATTEMPTS && wanted)
                .then(|| Delivery { attempt: delivery.attempt + 1, ..delivery.clone() })
        })
    }
}

/// The notifications whose last attempt failed, oldest first, each with what the ledger said of
/// it (`rolled-back pager: the receiver answered 500 (attempt 1, retried by the next command)`):
/// `release status` shows them until they arrive.
pub(crate) fn undelivered(events: &[Event]) -> Vec<(&Delivery, &str)> {
    let records = Records::read(events);
    records
        .order
        .iter()
        .map(|id| records.newest[id])
        .filter(|(delivered, _, _)| !delivered)
        .map(|(_, delivery, said)| (delivery, said))
        .collect()
}

/// Every delivery to make now, per target: the retries, then this run's notices in the order
/// of its events.
fn due<'t>(context: &Context<'_>, targets: &'t [NotifyTarget], events: &[Event], outbox: &Outbox) -> Vec<Due<'t>> {
    let records = Records::read(events);
    let tag = |event: &Event| {
        context.releases.iter().find(|release| release.commit == event.commit).map(|release| release.tag.clone())
    };
    let fresh: Vec<Notice> = events
        .iter()
        .filter(|event| outbox.is_mine(event))
        .filter_map(|event| Notice::of_event(event, tag(event).as_deref()).map(|(_, notice)| notice))
        .chain(outbox.extra.iter().cloned())
        .collect();
    let mut due = Vec::new();
    for target in targets {
        due.extend(records.retries(target).map(|delivery| Due { target, delivery }));
        let mut keys = BTreeSet::new();
        for notice in &fresh {
            let key = notice.key(&target.name);
            let wanted = notice.kind().is_some_and(|kind| target.wants(kind, &notice.environment));
            if wanted && !records.knows(&target.name, &key) && keys.insert(key.clone()) {
                let delivery = Delivery { target: target.name.clone(), key, attempt: 1, notice: notice.clone() };
                due.push(Due { target, delivery });
            }
        }
    }
    due
}

/// Sends what this run has to send (see the module's documentation) and records each outcome in
/// the ledger. Never fails for a delivery: only for the ledger.
pub fn notify(context: &Context<'_>, outbox: &Outbox, send: &Send<'_>) -> Result<NotifyReport, PromoteError> {
    let targets = &context.config.notify;
    if targets.is_empty() {
        return Ok(NotifyReport::default());
    }
    let mut ledger = context.load()?;
    let due = due(context, targets, &ledger.events, outbox);
    if due.is_empty() {
        return Ok(NotifyReport::default());
    }
    let outcomes = deliver(targets, due, send);
    record(context, &mut ledger, outcomes)
}

/// Delivers each target's list on a thread of its own, in order; after a failure the rest of
/// that target's list is not tried.
fn deliver(targets: &[NotifyTarget], due: Vec<Due<'_>>, send: &Send<'_>) -> Vec<(Delivery, Result<(), String>)> {
    let mut lists: Vec<Vec<Delivery>> = targets.iter().map(|_| Vec::new()).collect();
    for item in due {
        let index = targets.iter().position(|target| target.name == item.target.name).expect("a configured target");
        lists[index].push(item.delivery);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .zip(lists)
            .filter(|(_, list)| !list.is_empty())
            .map(|(target, list)| {
                scope.spawn(move || {
                    let mut failure: Option<String> = None;
                    let mut outcomes = Vec::new();
                    for delivery in list {
                        let outcome = match &failure {
                            Some(first) => Err(format!("not tried: an earlier delivery in this run failed ({first})")),
                            None => send(target, &delivery),
                        };
                        if let (None, Err(why)) = (&failure, &outcome) {
                            failure = Some(why.clone());
                        }
                        outcomes.push((delivery, outcome));
                    }
                    outcomes
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().expect("a delivery thread does not panic")).collect()
    })
}

/// One append with every outcome: `notified`, or `notify_failed` with why.
fn record(
    context: &Context<'_>,
    ledger: &mut Ledger<'_>,
    outcomes: Vec<(Delivery, Result<(), String>)>,
) -> Result<NotifyReport, PromoteError> {
    let now = (context.now)();
    let run = run_id(now);
    let mut report = NotifyReport::default();
    let mut events = Vec::new();
    for (delivery, outcome) in outcomes {
        let notice = &delivery.notice;
        let kind = if outcome.is_ok() { EventKind::Notified } else { EventKind::NotifyFailed };
        let mut event =
            Event::new(kind, &notice.environment, &notice.version, notice.commit, &context.actor, now, &run);
        event.detail = Some(match &outcome {
            Ok(()) => format!("{} {}: {}", notice.event, delivery.target, notice.text),
            Err(why) if delivery.attempt >= MAX_ATTEMPTS => {
                format!("{} {}: {why} (attempt {}, given up)", notice.event, delivery.target, delivery.attempt)
            }
            Err(why) => format!(
                "{} {}: {why} (attempt {}, retried by the next command)",
                notice.event, delivery.target, delivery.attempt
            ),
        });
        event.delivery = Some(Box::new(delivery.clone()));
        events.push(event);
        match outcome {
            Ok(()) => report.delivered.push(delivery),
            Err(why) => report.failed.push((delivery, why)),
        }
    }
    ledger.append_retrying(&events)?;
    Ok(report)
}
