//! `release cut` after a release pull request merged: the release is already in the files, so
//! the cut only tags, pushes the tags, creates the GitHub releases and relabels the pull request.
//!
//! What is pending is read from the files, not from commit wording (which a squash rewrites): a
//! package whose manifest version is ahead of its highest tag is a release to finish, as
//! release-plz does. The release commit's trailers, where they survived the merge, cross-check
//! it: they must agree with the manifests, and only they name a package's first release (no tag
//! yet) or the repository's version (no manifest). Trailers alone never make a release.

use release_commit_id::CommitId;
use release_cut::{REPOSITORY, ReleaseRecord};
use release_forge::Forge;
use release_git::Repo;

use crate::cut::CutOptions;
use crate::session::{Planned, Session};
use crate::{CutReport, EngineError, now};

/// How far back from HEAD the release commit's trailers are looked for.
const TRAILER_SEARCH: usize = 200;

impl Session<'_> {
    /// The releases a merged release pull request applied at `head` and no tag records yet.
    pub(crate) fn applied_releases(&self, head: CommitId) -> Result<Vec<ReleaseRecord>, EngineError> {
        let config = self.config()?;
        let catalog = self.catalog()?;
        let claimed = self.trailers_since_tags(head)?;
        let mut records = Vec::new();
        for (index, package) in catalog.workspace.packages.iter().enumerate() {
            let Some(version) = &package.version else { continue };
            let tagged = catalog.releases[index].first().map(|(_, tagged, _)| tagged);
            let claim = claimed.iter().find(|record| record.name == package.name);
            let ahead = match tagged {
                Some(tagged) => version > tagged,
                // A first release: only the release commit says the manifest's version is new.
                None => claim.is_some_and(|claim| &claim.version == version),
            };
            if !ahead {
                continue;
            }
            if let Some(claim) = claim.filter(|claim| &claim.version != version) {
                return Err(EngineError::TrailerDisagrees {
                    name: package.name.clone(),
                    trailer: claim.version.to_string(),
                    manifest: version.to_string(),
                });
            }
            let tag = package.tag.render(&package.name, &version.to_string());
            records.push(ReleaseRecord { name: package.name.clone(), version: version.clone(), tag });
        }
        // The repository's version has no manifest: the trailers name it, and count only beside
        // packages the manifests vouch for.
        if let (Some(repo_config), false) = (&config.repo, records.is_empty()) {
            let tagged = catalog.releases.get(catalog.workspace.packages.len()).and_then(|tags| tags.first());
            if let Some(claim) = claimed.iter().find(|record| record.name == REPOSITORY)
                && tagged.is_none_or(|(_, tagged, _)| &claim.version > tagged)
            {
                let tag = repo_config.tag.render("", &claim.version.to_string());
                records.push(ReleaseRecord { name: REPOSITORY.into(), version: claim.version.clone(), tag });
            }
        }
        Ok(records)
    }

    /// Release trailers in the history of `head` since the newest tag: of a merged release
    /// commit, a rebased one, or a squash commit's message (indented lines too).
    fn trailers_since_tags(&self, head: CommitId) -> Result<Vec<ReleaseRecord>, EngineError> {
        let repo = self.repo();
        let tagged: Vec<CommitId> = self.tags()?.iter().filter_map(|tag| repo.peel_tag(tag)).collect();
        let mut queue = vec![head];
        let mut seen = std::collections::HashSet::new();
        while let Some(commit) = queue.pop() {
            if !seen.insert(commit) || seen.len() > TRAILER_SEARCH || tagged.contains(&commit) {
                continue;
            }
            let message = repo.commit_message(commit)?;
            let trimmed: String = message.lines().map(|line| format!("{}\n", line.trim())).collect();
            if let Some(records) = release_cut::parse_commit_message(&trimmed) {
                return Ok(records);
            }
            queue.extend(repo.parents(commit));
        }
        Ok(Vec::new())
    }

    /// Tags, pushes, creates the releases, and relabels the merged pull request.
    pub(crate) fn finish_merged(
        &self,
        options: &CutOptions,
        records: Vec<ReleaseRecord>,
        branch: &str,
        github: Option<&release_forge::GitHub>,
    ) -> Result<CutReport, EngineError> {
        let repo = self.repo();
        let config = self.config()?;
        let head = repo.resolve("HEAD")?;
        release_cut::check_tags(&records)?;
        let own_tags: Vec<String> = records.iter().map(|record| record.tag.clone()).collect();
        let Planned { mut plan, workspace } = self.plan_finishing(head, options.pre.clone(), &own_tags)?;
        release_cut::pin(&mut plan, &records);
        // What is being finished is recorded before the first tag: once a tag exists the files
        // no longer say the release is pending, and a rerun after a kill reads it from here.
        merged_journal(head, &records).write(repo.git_dir())?;
        let rendering = self.rendering()?;
        let forge = github.map(|github| github as &dyn Forge);
        let cut =
            release_cut::Cut { forge, push: !options.no_push, ..self.cut_of(config, &workspace, &rendering, branch) };
        let mut report = if cut.defer_tags {
            release_cut::Report { releases: records.clone(), commit: Some(head), steps: Vec::new() }
        } else {
            release_cut::publish(&cut, &plan, &records, head)?
        };
        if !config.environments.is_empty() && !options.no_push {
            let actor = crate::actor(repo);
            release_promote::record_cut(repo, config, head, &records, &actor, now())
                .map_err(release_exit::Classified::new)
                .map_err(release_cut::CutError::Record)?;
        }
        if let Some(github) = github
            && let Some(step) = self.relabel_step(github, &records)?
        {
            report.steps.push(step);
        }
        if !options.no_push {
            // Done: nothing is left for a rerun (with --no-push the push is still to do).
            release_cut::Journal::remove(repo.git_dir())?;
        }
        Ok(CutReport { plan, files: Vec::new(), written: true, diff: String::new(), steps: Some(report) })
    }

    /// The releases a cut after a merged release pull request was finishing at HEAD when it
    /// stopped (killed after its first tag, say), from its journal; `None` when there is none.
    pub(crate) fn merged_in_progress(&self) -> Result<Option<Vec<ReleaseRecord>>, EngineError> {
        let repo = self.repo();
        let head = repo.resolve("HEAD")?;
        let Some(journal) = release_cut::Journal::read(repo.git_dir()) else { return Ok(None) };
        // A cut's own release commit at HEAD carries trailers and resumes as a release commit;
        // this journal is for a HEAD without them (a merge or squash commit).
        let ours = journal == merged_journal(head, &journal.records)
            && release_cut::parse_commit_message(&repo.commit_message(head)?).is_none();
        Ok(ours.then_some(journal.records))
    }

    /// The `pr` step of a cut: a merged release pull request relabelled, when there is one to.
    pub(crate) fn relabel_step(
        &self,
        github: &release_forge::GitHub,
        records: &[ReleaseRecord],
    ) -> Result<Option<release_cut::StepReport>, EngineError> {
        let head = self.repo().resolve("HEAD")?;
        Ok(self.relabel_merged(github, head, records)?.map(|detail| release_cut::StepReport {
            step: "pr".into(),
            outcome: release_cut::Outcome::DoneNow,
            detail,
        }))
    }

    /// The merged release pull request whose merge is in HEAD's history gets the tagged label
    /// and one comment linking the releases. `None` when there was nothing to do.
    fn relabel_merged(
        &self,
        github: &dyn Forge,
        head: CommitId,
        records: &[ReleaseRecord],
    ) -> Result<Option<String>, EngineError> {
        let repo = self.repo();
        let pr = &self.config()?.pr;
        let merged = github.pull_requests(&pr.branch, "closed")?.into_iter().find(|pull| {
            crate::pr::has_marker(pull, crate::PR_MARKER)
                && pull
                    .merge_commit_sha
                    .as_deref()
                    .and_then(|sha| CommitId::parse(sha).ok())
                    .is_some_and(|sha| repo_has(repo, sha) && repo.is_ancestor(sha, head))
        });
        let Some(pull) = merged.filter(|pull| !pull.has_label(&pr.tagged_label)) else { return Ok(None) };
        // The comment comes before the label: a run stopped between them finds its comment by
        // the marker and does not write it twice.
        let commented = github.comments(pull.number)?.iter().any(|comment| {
            comment.body.as_deref().is_some_and(|body| body.lines().any(|line| line.trim() == RELEASED_MARKER))
        });
        if !commented {
            self.comment_released(github, pull.number, records)?;
        }
        for label in pr.pending_labels.iter().filter(|label| pull.has_label(label)) {
            github.remove_label(pull.number, label)?;
        }
        github.add_labels(pull.number, std::slice::from_ref(&pr.tagged_label))?;
        Ok(Some(format!("#{} labelled `{}`", pull.number, pr.tagged_label)))
    }

    /// One comment on the merged release pull request linking the releases.
    fn comment_released(&self, github: &dyn Forge, number: u64, records: &[ReleaseRecord]) -> Result<(), EngineError> {
        let mut lines = vec![RELEASED_MARKER.to_string(), "Released:".to_string()];
        for record in records {
            let url = github.release_by_tag(&record.tag)?.map(|release| release.html_url);
            lines.push(match url {
                Some(url) => format!("- [`{}`]({url})", record.tag),
                None => format!("- `{}`", record.tag),
            });
        }
        github.create_comment(number, &(lines.join("\n") + "\n"))?;
        Ok(())
    }
}

/// The hidden line of the comment that links a merged release pull request to its releases.
const RELEASED_MARKER: &str = "<!-- release:released -->";

/// The journal of a cut after a merged release pull request: the records it finishes at `head`,
/// which is their commit; no files, no message (nothing is committed).
fn merged_journal(head: CommitId, records: &[ReleaseRecord]) -> release_cut::Journal {
    release_cut::Journal { head, files: Vec::new(), records: records.to_vec(), commit: Some(head), message: None }
}

fn repo_has(repo: &Repo, commit: CommitId) -> bool {
    repo.commit_message(commit).is_ok()
}
