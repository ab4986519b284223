//! Where a previous run stopped, and whether a release commit at HEAD that this tool's journal
//! does not vouch for is exactly the release its parent plans (a claim), or text anyone wrote.

use release_commit_id::CommitId;
use release_git::Repo;
use release_plan::Plan;

use crate::{
    Cut, CutError, Journal, REPOSITORY, ReleaseRecord, apply_input, is_change_file, parse_commit_message, pin, records,
};

/// Where a previous run stopped, as far as the repository can tell.
#[derive(Debug, Clone)]
pub enum Resume {
    /// Nothing in progress.
    Fresh,
    /// Files were being written; the journal says which and for what release.
    Journal(Journal),
    /// HEAD is a release commit this tool made (the journal or its tags say so); what is left is
    /// tags, push, the ledger and forge.
    Committed { commit: CommitId, records: Vec<ReleaseRecord> },
    /// HEAD carries release trailers but nothing this tool wrote vouches for it. It is a release
    /// only if it is exactly what the plan at its parent would have cut ([`claim_holds`]).
    Claimed { commit: CommitId, records: Vec<ReleaseRecord> },
}

/// Finds out whether a previous run stopped half-way.
pub fn resume_state(repo: &Repo) -> Result<Resume, CutError> {
    let head = repo.resolve("HEAD")?;
    let journal = Journal::read(repo.git_dir());
    let message = repo.commit_message(head)?;
    if let Some(records) = parse_commit_message(&message) {
        // This clone's journal names the commit, or was written for exactly this commit just
        // before it was made (a run killed between the commit and the journal's update).
        let journaled = journal.as_ref().is_some_and(|journal| {
            journal.records == records
                && (journal.commit == Some(head)
                    || (journal.commit.is_none()
                        && journal.message.as_deref() == Some(message.as_str())
                        && repo.parent(head) == Some(journal.head)))
        });
        return Ok(if journaled {
            Resume::Committed { commit: head, records }
        } else {
            Resume::Claimed { commit: head, records }
        });
    }
    match journal {
        Some(journal) if journal.head == head && journal.commit.is_none() => Ok(Resume::Journal(journal)),
        Some(_) => {
            // Written for another HEAD: the files were committed or thrown away since.
            Journal::remove(repo.git_dir())?;
            Ok(Resume::Fresh)
        }
        None => Ok(Resume::Fresh),
    }
}

/// What a [`Resume::Claimed`] commit turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Exactly the release the plan at its parent makes, with every file it writes: resume it.
    Holds,
    /// Its files hold the release its trailers name, but the plan at its parent releases
    /// something else (another `--pre`, tags made since): stop rather than guess.
    Mismatch(String),
    /// Not a release: trailers over files that do not hold them (a squash-merge body is enough).
    /// It is planned as the ordinary commit it is.
    NotARelease(String),
}

/// Decides a [`Resume::Claimed`] commit with `plan` planned at its parent. A forged trailer can
/// then neither skip the release's files nor choose its tags.
pub fn claim_holds(
    cut: &Cut<'_>,
    plan: &Plan,
    commit: CommitId,
    claimed: &[ReleaseRecord],
    commit_day: &str,
) -> Result<Claim, CutError> {
    let claimed = sorted_by_tag(claimed.to_vec());
    let mut pinned = plan.clone();
    pin(&mut pinned, &claimed);
    if sorted_by_tag(records(&pinned)) != claimed {
        return Ok(Claim::NotARelease(format!(
            "its trailers name {}, which this repository cannot release",
            tag_list(&claimed)
        )));
    }
    if let Some(why) = not_newer(plan, &claimed) {
        return Ok(Claim::NotARelease(why));
    }
    if let Some(why) = files_differ(cut, &pinned, commit_day)? {
        return Ok(Claim::NotARelease(why));
    }
    if let Some(why) = foreign_files(cut, &pinned, commit)? {
        return Ok(Claim::NotARelease(why));
    }
    // Its annotated tags (as `release cut` makes them) already name it: a release that is done.
    if claimed
        .iter()
        .all(|record| cut.repo.tag_commit(&record.tag) == Some(commit) && cut.repo.is_annotated_tag(&record.tag))
    {
        return Ok(Claim::Holds);
    }
    let expected = sorted_by_tag(records(plan));
    if expected != claimed {
        return Ok(Claim::Mismatch(format!(
            "its trailers name {}, but the plan at its parent releases {}",
            tag_list(&claimed),
            tag_list(&expected)
        )));
    }
    Ok(Claim::Holds)
}

/// Records in tag order, so a claim compares with a plan whatever order its trailers list.
fn sorted_by_tag(mut records: Vec<ReleaseRecord>) -> Vec<ReleaseRecord> {
    records.sort_by(|a, b| a.tag.cmp(&b.tag));
    records
}

/// The tags of `records` for a message: `a-v1.0.0, b-v2.0.0`, or `nothing`.
fn tag_list(records: &[ReleaseRecord]) -> String {
    if records.is_empty() {
        return "nothing".into();
    }
    records.iter().map(|record| record.tag.as_str()).collect::<Vec<_>>().join(", ")
}

/// Why a claimed release is not newer than the last release of its package, if it is not. (The
/// working tree's manifests already hold the claimed versions, so only a tag tells what came
/// before.)
fn not_newer(plan: &Plan, claimed: &[ReleaseRecord]) -> Option<String> {
    let previous = |name: &str| -> Option<&semver::Version> {
        if name == REPOSITORY {
            plan.repo.as_ref().filter(|repo| repo.previous_tag.is_some()).map(|repo| &repo.current_version)
        } else {
            plan.packages
                .iter()
                .find(|package| package.name == name && package.previous_tag.is_some())
                .map(|package| &package.current_version)
        }
    };
    claimed.iter().find_map(|record| {
        let before = previous(&record.name)?;
        (record.version <= *before).then(|| {
            format!("its trailers name {} {}, not newer than the last release, {before}", record.name, record.version)
        })
    })
}

/// Why the working tree's files do not hold the pinned release, if they do not. The changelog's
/// dates are the day the release was cut: the commit's day, or today's.
fn files_differ(cut: &Cut<'_>, pinned: &Plan, commit_day: &str) -> Result<Option<String>, CutError> {
    let mut differing = Vec::new();
    for date in [cut.date, commit_day] {
        let changes = release_apply::changes(&apply_input(cut, pinned, date))?;
        if changes.is_empty() {
            return Ok(None);
        }
        differing = changes.into_iter().map(|change| change.path).collect();
    }
    Ok(Some(format!("its files do not hold the release its trailers name ({} would change)", differing.join(", "))))
}

/// Why the commit is more than the release, if it is: a file the release does not write (a
/// script slipped in beside the bump) makes it an ordinary commit.
fn foreign_files(cut: &Cut<'_>, pinned: &Plan, commit: CommitId) -> Result<Option<String>, CutError> {
    let targets = release_apply::targets(&apply_input(cut, pinned, cut.date))?;
    let foreign: Vec<String> = cut
        .repo
        .changed_paths(commit)?
        .into_iter()
        .filter(|path| !targets.contains(path) && !is_change_file(path))
        .take(5)
        .collect();
    Ok((!foreign.is_empty()).then(|| format!("it changes files the release does not write ({})", foreign.join(", "))))
}
