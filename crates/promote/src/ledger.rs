//! The promotion history: an append-only chain of commits on its own ref, one event per commit,
//! pushed with a compare-and-swap so two runners cannot both win.

use release_commit_id::CommitId;
use release_git::Repo;
use serde::{Deserialize, Serialize};

use release_config::Config;

use crate::{PromoteError, run_id};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Started,
    Deployed,
    Verified,
    Failed,
    Approved,
    Rejected,
    RolledBack,
    Held,
    /// An interrupted promotion, resolved by the next command.
    Abandoned,
    /// `release cut` made this release (no environment): the evidence promotion trusts, where
    /// the release commit's trailers are only text.
    Cut,
    /// An operator set an unreadable or impossible entry aside (`release ledger void`): its
    /// `detail` names the entry's commit. The entry stays in the history.
    Voided,
    /// A check of `release watch` failed during the release's monitoring window; `detail` says
    /// why. Healthy checks are not recorded.
    CheckFailed,
    /// The release's monitoring window ended without failing; `detail` counts its failed checks.
    Monitored,
    /// A `[[notify]]` target got a notification: `delivery` says which (schema 2).
    Notified,
    /// A notification did not arrive (a warning, retried by the next command): `detail` says why.
    NotifyFailed,
}

impl EventKind {
    /// The name the ledger and `--format json` use: `rolled_back`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::Deployed => "deployed",
            EventKind::Verified => "verified",
            EventKind::Failed => "failed",
            EventKind::Approved => "approved",
            EventKind::Rejected => "rejected",
            EventKind::RolledBack => "rolled_back",
            EventKind::Held => "held",
            EventKind::Abandoned => "abandoned",
            EventKind::Cut => "cut",
            EventKind::Voided => "voided",
            EventKind::CheckFailed => "check_failed",
            EventKind::Monitored => "monitored",
            EventKind::Notified => "notified",
            EventKind::NotifyFailed => "notify_failed",
        }
    }

    /// Kinds that belong to no environment's state: the cut, voids, and notification records.
    pub fn is_bookkeeping(self) -> bool {
        matches!(self, EventKind::Cut | EventKind::Voided | EventKind::Notified | EventKind::NotifyFailed)
    }
}

/// The shape of the events this version writes. Events written before the field existed read as
/// 0: [`Event::upgrade`] turns what they said in text into the typed fields. 2 added the
/// notification records (`notified`, `notify_failed` and their `delivery`) and marks a
/// rollback's `started` with `rollback`.
pub const SCHEMA: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// [`SCHEMA`] when written by this version; 0 when absent (an older event).
    #[serde(default)]
    pub schema: u32,
    pub kind: EventKind,
    pub environment: String,
    pub version: String,
    pub commit: CommitId,
    pub actor: String,
    /// Unix seconds.
    pub at: u64,
    /// The run that wrote it: `host:pid:time`, then `:start` (its process's start, see
    /// `release_git::process_start`) where the system says.
    pub run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For a rollback: the version rolled back from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<String>,
    /// A "deployed" or "verified" event of a rollback: the environment went back to this
    /// release, which does not lift a hold. On a "started" event (schema 2): the deployment
    /// that begins is a rollback's.
    #[serde(default, skip_serializing_if = "is_false")]
    pub rollback: bool,
    /// A `notified` or `notify_failed` event: what was sent to whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Box<crate::notify::Delivery>>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// What events before [`SCHEMA`] 1 wrote in `detail` to mark a rollback's deploy and verify.
/// This version still writes it beside `rollback`, so older readers of a shared ledger agree.
pub(crate) const ROLLBACK_DETAIL: &str = "rollback";

impl Event {
    /// An event as this version writes it.
    pub fn new(
        kind: EventKind,
        environment: &str,
        version: &str,
        commit: CommitId,
        actor: &str,
        at: u64,
        run: &str,
    ) -> Event {
        Event {
            schema: SCHEMA,
            kind,
            environment: environment.to_string(),
            version: version.to_string(),
            commit,
            actor: actor.to_string(),
            at,
            run: run.to_string(),
            detail: None,
            from_version: None,
            rollback: false,
            delivery: None,
        }
    }

    /// An event as read, in the shape of [`SCHEMA`]: before it, a rollback's "deployed" and
    /// "verified" said so only by `detail = "rollback"`.
    pub fn upgrade(mut self) -> Event {
        if self.schema == 0
            && matches!(self.kind, EventKind::Deployed | EventKind::Verified)
            && self.detail.as_deref() == Some(ROLLBACK_DETAIL)
        {
            self.rollback = true;
        }
        self
    }
}

const FILE: &str = "event.json";

pub struct Ledger<'r> {
    repo: &'r Repo,
    reference: String,
    remote: Option<String>,
    tip: Option<CommitId>,
    /// Unix seconds now: an event dated after now (and a day of clock skew) is refused.
    now: u64,
    pub events: Vec<Event>,
}

/// How far ahead of this machine's clock another runner's clock may be.
const CLOCK_SKEW: u64 = 10 * 60;

/// One commit of the ledger, and its event or why it cannot be used.
type Entry = (CommitId, Result<Event, String>);

/// The entries that `voided` events set aside (their `detail` starts with the entry's id).
fn voided(entries: &[Entry]) -> Vec<CommitId> {
    entries
        .iter()
        .filter_map(|(_, event)| event.as_ref().ok())
        .filter(|event| event.kind == EventKind::Voided)
        .filter_map(|event| CommitId::parse(event.detail.as_deref()?.split_whitespace().next()?).ok())
        .collect()
}

/// Why an entry of the ledger cannot be used, or `None`.
fn invalid(event: &Event, now: u64) -> Option<String> {
    let global = event.kind.is_bookkeeping();
    if event.schema > SCHEMA {
        return Some(format!(
            "it is written by a newer release (schema {}, this one reads up to {SCHEMA}; hint: upgrade release)",
            event.schema
        ));
    }
    if event.at > now.saturating_add(CLOCK_SKEW) {
        return Some(format!("it is dated in the future (`at` = {})", event.at));
    }
    if !global && event.environment.trim().is_empty() {
        return Some("it names no environment".into());
    }
    if !global && semver::Version::parse(&event.version).is_err() {
        return Some(format!("its version `{}` is not a version", event.version));
    }
    None
}

/// Why an entry does not parse: written by a newer release (a kind or field this one does not
/// know), which its `schema` says, a `commit` that is no commit id, or broken.
fn unparsed(bytes: &[u8], error: &serde_json::Error) -> String {
    let value = serde_json::from_slice::<serde_json::Value>(bytes).ok();
    let schema = value
        .as_ref()
        .and_then(|value| value.get("schema").and_then(serde_json::Value::as_u64))
        .filter(|schema| *schema > u64::from(SCHEMA));
    let commit = value
        .as_ref()
        .and_then(|value| value.get("commit").and_then(serde_json::Value::as_str))
        .filter(|commit| CommitId::parse(commit).is_err());
    match (schema, commit) {
        (Some(schema), _) => format!(
            "it is written by a newer release (schema {schema}, this one reads up to {SCHEMA}; hint: upgrade release)"
        ),
        (None, Some(commit)) => format!("its commit `{commit}` is not a commit id"),
        (None, None) => format!("it does not parse: {error}"),
    }
}

impl<'r> Ledger<'r> {
    /// Reads the history, from the remote when there is one (it is the truth shared by runners).
    pub fn load(repo: &'r Repo, reference: &str, remote: &str, now: u64) -> Result<Ledger<'r>, PromoteError> {
        let remote = repo.has_remote(remote).then(|| remote.to_string());
        let mut ledger = Ledger { repo, reference: reference.to_string(), remote, tip: None, now, events: Vec::new() };
        ledger.reload()?;
        Ok(ledger)
    }

    pub fn reload(&mut self) -> Result<(), PromoteError> {
        let tip = self.fetch_tip()?;
        self.tip = tip;
        self.events = match tip {
            Some(tip) => self.read(tip)?,
            None => Vec::new(),
        };
        Ok(())
    }

    /// The tip of the history: the remote's when there is one (the local ref follows it).
    fn fetch_tip(&self) -> Result<Option<CommitId>, PromoteError> {
        let Some(remote) = &self.remote else { return Ok(self.repo.read_ref(&self.reference)) };
        let mirror = format!("refs/release/{remote}/{}", self.reference.trim_start_matches("refs/"));
        let tip = self.repo.fetch_ref(remote, &self.reference, &mirror)?;
        if let Some(tip) = tip {
            let local = self.repo.read_ref(&self.reference);
            self.repo.update_ref(&self.reference, tip, local)?;
        }
        Ok(tip)
    }

    /// Every entry with what reading it gave, oldest first. A commit without an `event.json` is
    /// no ledger entry: the ref is not a promotion history (`[promotion] ledger` naming a branch
    /// of the project would otherwise be appended to, and its files dropped at the tip).
    fn entries(&self, tip: CommitId) -> Result<Vec<Entry>, PromoteError> {
        let mut entries = Vec::new();
        for commit in self.repo.first_parent_chain(tip)? {
            let Some(bytes) = self.repo.file_at(commit, FILE)? else {
                return Err(PromoteError::Ledger {
                    detail: format!(
                        "`{}` is not a promotion history: its commit {commit} holds no `{FILE}` (hint: `[promotion] ledger` must name a ref that only release writes, such as the default `refs/heads/release-ledger`)",
                        self.reference
                    ),
                });
            };
            let event = serde_json::from_slice::<Event>(&bytes)
                .map(Event::upgrade)
                .map_err(|error| unparsed(&bytes, &error))
                .and_then(|event| match invalid(&event, self.now) {
                    Some(why) => Err(why),
                    None => Ok(event),
                });
            entries.push((commit, event));
        }
        Ok(entries)
    }

    /// Every entry, oldest first. An entry that does not parse or cannot be true (dated in the
    /// future, no environment, no version) stops every command, naming it, until an operator
    /// voids it; a voided entry is skipped.
    fn read(&self, tip: CommitId) -> Result<Vec<Event>, PromoteError> {
        let entries = self.entries(tip)?;
        let voided = voided(&entries);
        let mut events = Vec::with_capacity(entries.len());
        for (id, event) in entries {
            if voided.contains(&id) {
                continue;
            }
            match event {
                Ok(event) => events.push(event),
                Err(why) => {
                    return Err(PromoteError::Ledger {
                        detail: format!(
                            "entry {id} of `{}`: {why} (hint: look at it with `git show {id}`; if it is wrong, `release ledger void {id} --reason \"...\"` sets it aside and keeps it in the history)",
                            self.reference
                        ),
                    });
                }
            }
        }
        Ok(events)
    }

    /// Appends events on top of the history as it was read. `Ok(false)`: someone appended first;
    /// reload and decide again.
    pub fn append(&mut self, events: &[Event]) -> Result<bool, PromoteError> {
        let mut tip = self.tip;
        for event in events {
            let json = serde_json::to_vec_pretty(event).expect("events serialize");
            let words = [event.kind.name(), &event.environment, &event.version];
            let message = words.into_iter().filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ");
            tip = Some(self.repo.commit_file(tip, FILE, &json, &message)?);
        }
        let Some(new) = tip else { return Ok(true) };
        if let Some(remote) = &self.remote
            && !self.repo.push_with_lease(remote, new, &self.reference, self.tip)?
        {
            return Ok(false);
        }
        if !self.repo.update_ref(&self.reference, new, self.tip)? && self.remote.is_none() {
            return Ok(false);
        }
        if self.remote.is_some() {
            // The remote accepted it: the local ref follows whatever it was.
            let local = self.repo.read_ref(&self.reference);
            self.repo.update_ref(&self.reference, new, local)?;
        }
        self.tip = Some(new);
        self.events.extend(events.iter().cloned());
        Ok(true)
    }

    /// Appends, re-reading and retrying when another runner appended in between (for events that
    /// do not depend on the state, like the outcome of a deployment this run holds the lock for).
    pub fn append_retrying(&mut self, events: &[Event]) -> Result<(), PromoteError> {
        for _ in 0..20 {
            if self.append(events)? {
                return Ok(());
            }
            self.reload()?;
        }
        Err(PromoteError::Ledger { detail: format!("could not append to `{}` after 20 tries", self.reference) })
    }
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
        return Err(PromoteError::Void {
            detail: "voiding an entry needs a reason (hint: add --reason \"...\"; it is recorded with your name)"
                .into(),
        });
    }
    let commit = CommitId::parse(entry).map_err(|_| PromoteError::Void {
        detail: format!(
            "`{entry}` is not an entry's full commit id (hint: the error that stopped the command names it; `git log {}` lists them)",
            config.promotion.ledger
        ),
    })?;
    let mut event = Event::new(EventKind::Voided, "", "", commit, actor, now, &run_id(now));
    event.detail = Some(format!("{commit} {}", reason.trim()));
    let reference = &config.promotion.ledger;
    let remote = repo.has_remote(&config.cut.remote).then(|| config.cut.remote.clone());
    let mut ledger = Ledger { repo, reference: reference.clone(), remote, tip: None, now, events: Vec::new() };
    for _ in 0..20 {
        ledger.tip = ledger.fetch_tip()?;
        let entries = match ledger.tip {
            Some(tip) => ledger.entries(tip)?,
            None => Vec::new(),
        };
        // Only an entry that stops the commands: a healthy one (an approval, a rejection) is
        // history, and the way to answer it is another event, never its removal.
        match entries.iter().find(|(id, _)| *id == commit) {
            None => {
                return Err(PromoteError::Void {
                    detail: format!(
                        "`{entry}` is not an entry of `{reference}` (hint: void only the entry an error names)"
                    ),
                });
            }
            Some((_, Ok(_))) => {
                return Err(PromoteError::Void {
                    detail: format!(
                        "entry {entry} of `{reference}` reads as it should; only an entry that does not read or cannot be true is voided (hint: answer an approval with `release reject`, a bad release with `release rollback`)"
                    ),
                });
            }
            Some(_) if voided(&entries).contains(&commit) => return Ok(()),
            Some(_) => {}
        }
        if ledger.append(std::slice::from_ref(&event))? {
            return Ok(());
        }
    }
    Err(PromoteError::Ledger { detail: format!("could not append to `{reference}` after 20 tries") })
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn event_names_are_the_ledgers_spelling() {
        let kinds = [
            EventKind::Started,
            EventKind::Deployed,
            EventKind::Verified,
            EventKind::Failed,
            EventKind::Approved,
            EventKind::Rejected,
            EventKind::RolledBack,
            EventKind::Held,
            EventKind::Abandoned,
            EventKind::Cut,
            EventKind::Voided,
            EventKind::CheckFailed,
            EventKind::Monitored,
        ];
        for kind in kinds {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name(), "{kind:?}");
        }
    }
}
