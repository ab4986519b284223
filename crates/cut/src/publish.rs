//! The second half of a cut, for a release commit that exists: annotated tags, the push, and
//! a forge release per tag with its notes and assets.

use std::path::Path;

use release_changelog::Release;
use release_commit_id::CommitId;
use release_forge::{Forge, NewRelease};
use release_git::PushStatus;
use release_plan::Plan;

use crate::{Cut, CutError, Outcome, ReleaseRecord, Report, StepReport, fault, record_into};

/// Tags, push and forge releases for a release commit that already exists: the second half of a
/// cut, run by the promotion stage when `tag-on = "prod"`. Safe to run again.
pub fn publish(cut: &Cut<'_>, plan: &Plan, records: &[ReleaseRecord], commit: CommitId) -> Result<Report, CutError> {
    let mut steps = Vec::new();
    let mut step = |name: &str, outcome: Outcome, detail: String| {
        steps.push(StepReport { step: name.to_string(), outcome, detail });
    };
    publish_into(cut, plan, records, commit, false, &mut step)?;
    Ok(Report { releases: records.to_vec(), commit: Some(commit), steps })
}

pub(crate) fn publish_into(
    cut: &Cut<'_>,
    plan: &Plan,
    records: &[ReleaseRecord],
    commit: CommitId,
    push_branch: bool,
    step: &mut impl FnMut(&str, Outcome, String),
) -> Result<(), CutError> {
    let repo = cut.repo;
    // Tags: one annotated tag per release, with the release notes as message.
    let mut created = 0;
    for record in records {
        match repo.tag_commit(&record.tag) {
            Some(at) if at == commit => {}
            Some(at) => {
                return Err(CutError::TagElsewhere { tag: record.tag.clone(), at, release: commit });
            }
            None => {
                let notes = notes(cut, plan, record)?;
                repo.create_tag(&record.tag, commit, &format!("{}\n\n{notes}", record.tag))?;
                created += 1;
                fault("tag");
            }
        }
    }
    let tags: Vec<&str> = records.iter().map(|record| record.tag.as_str()).collect();
    step(
        "tags",
        if created == 0 { Outcome::AlreadyDone } else { Outcome::DoneNow },
        format!("{} ({} new)", tags.join(", "), created),
    );

    // Push the branch and the tags together: all of them land, or none.
    let remote = &cut.config.cut.remote;
    let pushed = if cut.push {
        let mut refspecs = Vec::new();
        if push_branch {
            refspecs.push(format!("{commit}:refs/heads/{}", cut.branch));
        }
        refspecs.extend(records.iter().map(|record| format!("refs/tags/{0}:refs/tags/{0}", record.tag)));
        let result = repo.push_atomic(remote, &refspecs)?;
        let moved = result.iter().filter(|pushed| pushed.status == PushStatus::Pushed).count();
        step(
            "push",
            if moved == 0 { Outcome::AlreadyDone } else { Outcome::DoneNow },
            if push_branch {
                format!("`{remote}`: {} and {} tag(s), {moved} updated", cut.branch, records.len())
            } else {
                format!("`{remote}`: {} tag(s), {moved} updated", records.len())
            },
        );
        fault("push");
        true
    } else {
        step("push", Outcome::Skipped, "--no-push".into());
        false
    };
    if push_branch {
        record_into(cut, records, commit, step)?;
    }

    // Forge releases, after the push so the tags exist there.
    match (cut.forge, pushed) {
        (Some(forge), true) => forge_releases(cut, forge, plan, records, step)?,
        (Some(_), false) => step("releases", Outcome::Skipped, "the tags were not pushed (--no-push)".into()),
        (None, _) => step("releases", Outcome::Skipped, "--no-forge".into()),
    }

    Ok(())
}

/// The release notes of one record, from the plan's commits for that package (or the repository).
fn notes(cut: &Cut<'_>, plan: &Plan, record: &ReleaseRecord) -> Result<String, CutError> {
    let empty = Vec::new();
    let (commits, previous) = if record.is_repository() {
        match &plan.repo {
            Some(repo) => (&repo.commits, repo.previous_tag.as_deref()),
            None => (&empty, None),
        }
    } else {
        match plan.packages.iter().find(|package| package.name == record.name) {
            Some(package) => (&package.commits, package.previous_tag.as_deref()),
            None => (&empty, None),
        }
    };
    let dependencies = plan
        .packages
        .iter()
        .find(|package| package.name == record.name)
        .map(|package| plan.released_dependencies(package))
        .unwrap_or_default();
    Ok(cut.renderer.release_notes(&Release {
        version: &record.version,
        date: cut.date,
        previous_tag: previous,
        tag: &record.tag,
        commits,
        changes: plan
            .packages
            .iter()
            .find(|package| !record.is_repository() && package.name == record.name)
            .map_or(&[], |package| package.changes.as_slice()),
        dependencies: &dependencies,
        links: cut.links,
    })?)
}

/// `make_latest` only for the highest stable repository-level version, or the one package of a
/// single-package repository.
fn make_latest(records: &[ReleaseRecord], record: &ReleaseRecord) -> bool {
    if record.is_prerelease() {
        return false;
    }
    let has_repository = records.iter().any(ReleaseRecord::is_repository);
    if has_repository { record.is_repository() } else { records.len() == 1 }
}

fn forge_releases(
    cut: &Cut<'_>,
    forge: &dyn Forge,
    plan: &Plan,
    records: &[ReleaseRecord],
    step: &mut impl FnMut(&str, Outcome, String),
) -> Result<(), CutError> {
    let (mut created, mut updated, mut unchanged, mut uploaded) = (0, 0, 0, 0);
    for record in records {
        let wanted = NewRelease {
            tag_name: record.tag.clone(),
            target_commitish: cut.branch.to_string(),
            name: record.tag.clone(),
            body: notes(cut, plan, record)?,
            draft: false,
            prerelease: record.is_prerelease(),
            make_latest: make_latest(records, record).to_string(),
        };
        let release = match forge.release_by_tag(&record.tag)? {
            None => {
                created += 1;
                let release = forge.create_release(&wanted)?;
                fault("release");
                release
            }
            Some(existing)
                if existing.body.as_deref().unwrap_or("") != wanted.body
                    || existing.name.as_deref() != Some(wanted.name.as_str())
                    || existing.prerelease != wanted.prerelease =>
            {
                updated += 1;
                forge.update_release(existing.id, &wanted)?
            }
            Some(existing) => {
                unchanged += 1;
                existing
            }
        };
        uploaded += upload_assets(cut, forge, record, &release)?;
    }
    let outcome = if created + updated + uploaded == 0 { Outcome::AlreadyDone } else { Outcome::DoneNow };
    step(
        "releases",
        outcome,
        format!("{created} created, {updated} updated, {unchanged} unchanged, {uploaded} asset(s) uploaded"),
    );
    Ok(())
}

/// Uploads the record's assets that the release does not have with the same size and checksum.
fn upload_assets(
    cut: &Cut<'_>,
    forge: &dyn Forge,
    record: &ReleaseRecord,
    release: &release_forge::RemoteRelease,
) -> Result<usize, CutError> {
    let globs: &[String] = if record.is_repository() {
        cut.config.repo.as_ref().map(|repo| repo.assets.as_slice()).unwrap_or_default()
    } else {
        cut.config
            .packages
            .iter()
            .find(|package| package.name == record.name)
            .map(|package| package.assets.as_slice())
            .unwrap_or_default()
    };
    if globs.is_empty() {
        return Ok(0);
    }
    let files = matching_files(cut.repo.root(), globs)?;
    let existing = forge.release_assets(release)?;
    let mut uploaded = 0;
    for path in files {
        let bytes = fs_err::read(cut.repo.root().join(&path))?;
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        let digest = release_forge::digest(&bytes);
        if let Some(asset) = existing.iter().find(|asset| asset.name == name) {
            let same = asset.size == bytes.len() as u64 && asset.digest.as_deref().is_none_or(|found| found == digest);
            if same {
                continue;
            }
            forge.delete_asset(asset.id)?;
        }
        forge.upload_asset(release, &name, &bytes)?;
        uploaded += 1;
    }
    Ok(uploaded)
}

/// Files under `root` matching any glob, sorted, `.git` excluded.
fn matching_files(root: &Path, globs: &[String]) -> Result<Vec<String>, CutError> {
    // Config refuses a glob that does not parse, so this is not reached from release.toml; it is
    // still the user's value, so it is reported (exit 1), never dropped.
    let set = release_config::glob::Globs::new(globs.iter().map(String::as_str)).map_err(|error| {
        CutError::AssetGlob { glob: error.glob().unwrap_or_default().to_string(), message: error.kind().to_string() }
    })?;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs_err::read_dir(&folder)? {
            let path = entry?.path();
            if path.file_name().is_some_and(|name| name == ".git") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                if set.is_match(&relative) {
                    out.push(relative);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use release_exit::{Classify, ExitClass};

    use super::*;

    /// An asset glob that does not build was reported as `CutError::Io` (exit 2, "unexpected")
    /// although it is the user's value from release.toml; a glob that failed alone was dropped.
    #[test]
    fn an_invalid_asset_glob_is_the_user_s_mistake() {
        let root = Path::new("/nonexistent/the glob fails before any folder is read");
        let error = matching_files(root, &["dist/*.tar.gz".into(), "dist/[".into()]).unwrap_err();
        assert!(matches!(&error, CutError::AssetGlob { glob, .. } if glob == "dist/["), "{error:?}");
        assert_eq!(error.exit_class(), ExitClass::InvalidInput);
        let message = error.to_string();
        assert!(message.starts_with("asset glob `dist/[` is invalid: unclosed character class"), "{message}");
        assert!(message.ends_with("(hint: fix it in `assets` in release.toml)"), "{message}");
    }
}
