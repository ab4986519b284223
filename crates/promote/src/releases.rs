//! The releases promotion may deploy: release commits found by their trailers, trusted only with
//! evidence that `release cut` made them (their tag, or the ledger), and the `cut` event that
//! records it.

use release_commit_id::CommitId;
use release_config::Config;
use release_git::Repo;
use serde::Serialize;

use crate::ledger::{Event, EventKind, Ledger};
use crate::{PromoteError, run_id};

/// A cut release, as its release commit records it.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub version: semver::Version,
    pub commit: CommitId,
    /// The tag of the release version (the repository's, or the single package's).
    pub tag: String,
    /// (package, version, tag) of every tag the release made.
    pub packages: Vec<(String, semver::Version, String)>,
    /// Who cut it: the release commit's `Release-Actor:` trailer, or its git author; the
    /// ledger's `cut` event overrides both (see `author_of`).
    pub author: String,
    /// Its annotated tag (as `release cut` makes it) names this commit: evidence besides the
    /// ledger, for releases cut before environments were configured. A lightweight tag is not.
    #[serde(skip)]
    pub tagged: bool,
}

/// Every commit in the history of `head` whose trailers say it is a release, oldest first. The
/// trailers are text anyone can write: commands trust only those with evidence
/// ([`Context::cut_releases`]).
pub fn releases(repo: &Repo, head: CommitId) -> Result<Vec<Release>, PromoteError> {
    let mut out = Vec::new();
    for commit in repo.first_parent_chain(head)? {
        let message = repo.commit_message(commit)?;
        // A release pull request's merge commit or squash commit records the release too: still
        // a claim, trusted only with the ledger's or an annotated tag's word (`evident`).
        let Some(records) = release_cut::merged_records(repo, commit) else { continue };
        let main = match records.iter().find(|record| record.is_repository()) {
            Some(record) => record.clone(),
            None if records.len() == 1 => records[0].clone(),
            // A release `release cut` made (its annotated tags name it) cannot be promoted without
            // one version: say so. Trailers nothing vouches for are skipped, so a forged commit
            // cannot stop every promotion command.
            None if records
                .iter()
                .all(|record| repo.tag_commit(&record.tag) == Some(commit) && repo.is_annotated_tag(&record.tag)) =>
            {
                return Err(PromoteError::NoReleaseVersion { count: records.len() });
            }
            None => continue,
        };
        let tagged = repo.tag_commit(&main.tag) == Some(commit) && repo.is_annotated_tag(&main.tag);
        out.push(Release {
            version: main.version,
            commit,
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

/// Whether the ledger's `cut` events name the release commit `commit`.
fn recorded_cut(events: &[Event], commit: CommitId) -> bool {
    events.iter().any(|event| event.kind == EventKind::Cut && event.commit == commit)
}

/// The release `version` that `release cut` made, as [`Context::cut_releases`] knows releases:
/// named by the ledger; never one that only claims to be it.
pub fn cut_release(
    repo: &Repo,
    config: &Config,
    head: CommitId,
    version: &str,
    now: u64,
) -> Result<Option<Release>, PromoteError> {
    let ledger = Ledger::load(repo, &config.promotion.ledger, &config.cut.remote, now)?;
    Ok(releases(repo, head)?
        .into_iter()
        .rev()
        .find(|release| release.version.to_string() == version && evident(release, &ledger.events)))
}

/// Whether something `release cut` wrote vouches for a release commit: its tag, or the ledger.
pub(crate) fn evident(release: &Release, events: &[Event]) -> bool {
    release.tagged || events.iter().any(|event| event.kind != EventKind::Voided && event.commit == release.commit)
}

/// Who cut `release`: the actor of its ledger `cut` event (the run that made or verified the
/// commit), else its `Release-Actor:` trailer. Approvals may not come from them.
pub(crate) fn author_of<'a>(release: &'a Release, events: &'a [Event]) -> &'a str {
    events
        .iter()
        .find(|event| event.kind == EventKind::Cut && event.commit == release.commit)
        .map_or(release.author.as_str(), |event| event.actor.as_str())
}

/// Whether the ledger records that `release cut` made the release at `commit`.
pub fn was_cut(repo: &Repo, config: &Config, commit: CommitId, now: u64) -> Result<bool, PromoteError> {
    let ledger = Ledger::load(repo, &config.promotion.ledger, &config.cut.remote, now)?;
    Ok(recorded_cut(&ledger.events, commit))
}

/// Records in the ledger that `release cut` made the release at `commit`: the evidence that
/// promotion trusts. `Ok(false)` when it already was.
pub fn record_cut(
    repo: &Repo,
    config: &Config,
    commit: CommitId,
    records: &[release_cut::ReleaseRecord],
    actor: &str,
    now: u64,
) -> Result<bool, PromoteError> {
    let mut ledger = Ledger::load(repo, &config.promotion.ledger, &config.cut.remote, now)?;
    if recorded_cut(&ledger.events, commit) {
        return Ok(false);
    }
    let main = records.iter().find(|record| record.is_repository()).or(match records {
        [single] => Some(single),
        _ => None,
    });
    let tags: Vec<&str> = records.iter().map(|record| record.tag.as_str()).collect();
    let version = main.map(|record| record.version.to_string()).unwrap_or_default();
    let mut event = Event::new(EventKind::Cut, "", &version, commit, actor, now, &run_id(now));
    event.detail = Some(tags.join(", "));
    ledger.append_retrying(&[event])?;
    Ok(true)
}
