//! The plan at one head: previous releases reachable from it, the history since them, the
//! planner's input, the plan, and what the manifests say beside it.

use std::collections::BTreeSet;

use release_commit_id::CommitId;
use release_config::Config;
use release_git::{Repo, Tag};
use release_plan::{CommitInput, PackageInput, PackageSet, PlanInput, Release, RepoInput};
use release_workspace::Workspace;

use crate::EngineError;
use crate::session::{Planned, Session};
use crate::tags::Catalog;

/// Where a plan's change files come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ChangeFiles {
    /// None (a plan of `--head`: the working tree is not that commit).
    None,
    /// The checkout's.
    WorkingTree,
    /// As they were in a commit's tree (a backtest's release points).
    At(CommitId),
}

/// A target's previous release and the commit it tags.
type Previous = Option<(Release, CommitId)>;

/// The plan at `head`. `own_tags` are the tags of the release being finished at `head` (a cut
/// after a merged release pull request that a rerun resumes): they are not previous releases,
/// so the plan, and the release notes from it, are the same before and after they exist.
pub(crate) fn plan(
    session: &Session<'_>,
    config: &Config,
    catalog: &Catalog,
    head: CommitId,
    pre: Option<String>,
    changes: ChangeFiles,
    own_tags: &[String],
) -> Result<Planned, EngineError> {
    let repo = session.repo();
    // git starts while the tags are matched and the previous releases found.
    repo.prepare_walk(head);
    let tags = session.tags()?;
    let previous = previous_releases(repo, tags, catalog, head, own_tags)?;
    let commits = history(session, config, &catalog.workspace, head, &previous)?;
    let changes = match changes {
        ChangeFiles::None => release_changes::Found::default(),
        ChangeFiles::WorkingTree => {
            let mut found = release_changes::read(session.root(), &config.versioning.sources)?;
            resolve_aliases(&mut found, &catalog.workspace);
            found
        }
        ChangeFiles::At(commit) => {
            let list = |folder: &str| repo.files_in(commit, folder).unwrap_or_default();
            let mut found = release_changes::read_past(session.root(), &config.versioning.sources, &list);
            resolve_aliases(&mut found, &catalog.workspace);
            // Packages renamed or removed since: the past names them, today does not.
            for file in &mut found.files {
                file.bumps.retain(|(name, _)| catalog.workspace.packages.iter().any(|package| &package.name == name));
            }
            found
        }
    };
    let input = PlanInput {
        config,
        head,
        packages: package_inputs(catalog, &previous),
        repo: config.repo.as_ref().map(|_| repo_input(catalog, &previous)),
        commits,
        pre,
        change_files: changes.files,
    };
    let mut plan = release_plan::plan(&input)?;
    drop_in_background(input.commits);
    let mut warnings = catalog.warnings.clone();
    warnings.extend(changes.warnings);
    warnings.extend(manifest_warnings(&catalog.workspace, &previous, &plan));
    warnings.append(&mut plan.warnings);
    plan.warnings = warnings;
    plan.skipped = skipped(&catalog.workspace);
    Ok(Planned { plan, workspace: catalog.workspace.clone() })
}

/// Frees `value` on a thread of its own: a whole history's commits are some hundred thousand
/// allocations, a tenth of a warm plan's CPU, freed while the caller renders the plan instead of
/// before. Inline when no thread can be started.
fn drop_in_background<T: Send + 'static>(value: T) {
    // When the thread cannot start, `spawn` drops the closure, and with it the value, here.
    let _ = std::thread::Builder::new().name("drop".into()).spawn(move || drop(value));
}

/// Per target, the highest stable tagged version whose commit the head reaches.
fn previous_releases(
    repo: &Repo,
    tags: &[Tag],
    catalog: &Catalog,
    head: CommitId,
    own_tags: &[String],
) -> Result<Vec<Previous>, EngineError> {
    let mut reach = repo.reachability(head)?;
    let mut previous = Vec::with_capacity(catalog.releases.len());
    for candidates in &catalog.releases {
        let mut found = None;
        let earlier = candidates.iter().filter(|(tag, version, _)| version.pre.is_empty() && !own_tags.contains(tag));
        for (tag, version, position) in earlier {
            // Only the tags actually considered are peeled (usually one per package).
            let Some(commit) = repo.peel_tag(&tags[*position]) else { continue };
            if reach.reaches(commit)? {
                found = Some((Release { tag: tag.clone(), version: version.clone() }, commit));
                break;
            }
        }
        previous.push(found);
    }
    Ok(previous)
}

/// The commits since each target's previous release, read in one walk.
fn history(
    session: &Session<'_>,
    config: &Config,
    workspace: &Workspace,
    head: CommitId,
    previous: &[Previous],
) -> Result<Vec<CommitInput>, EngineError> {
    let bases: Vec<Option<CommitId>> = previous.iter().map(|found| found.as_ref().map(|(_, commit)| *commit)).collect();
    let counter = session.progress().count("reading history", "commits");
    let memo = session.parsed_messages();
    let map = |commit: release_git::CommitData<'_>| {
        counter.add(1);
        let known = memo.and_then(|memo| memo.read().ok()?.get(&commit.id).cloned());
        // The parsed message an earlier run kept in the commit cache, unless its parser differs.
        let kept = || commit.kept.and_then(release_plan::ParsedCommit::from_kept);
        let parsed = known.or_else(kept).unwrap_or_else(|| release_plan::parse_message(commit.message));
        (parsed, commit.paths, commit.parent_count > 1)
    };
    let keep = |(parsed, _, _): &(release_plan::ParsedCommit, Vec<String>, bool)| parsed.to_kept();
    let walked = session.repo().walk_keeping(head, &bases, map, keep);
    session.progress().finish();
    let walked = walked?;
    if let Some(mut memo) = memo.and_then(|memo| memo.write().ok()) {
        for walked in &walked {
            memo.entry(walked.id).or_insert_with(|| walked.data.0.clone());
        }
    }
    let package_count = workspace.packages.len();
    Ok(walked
        .into_iter()
        .map(|walked| {
            let in_package_range = PackageSet::from_words(walked.included_words(package_count));
            let in_repo_range = config.repo.is_some() && walked.in_range(package_count);
            let (parsed, paths, is_merge) = walked.data;
            CommitInput { sha: walked.id, parsed, paths, is_merge, in_package_range, in_repo_range }
        })
        .collect())
}

fn package_inputs(catalog: &Catalog, previous: &[Previous]) -> Vec<PackageInput> {
    catalog
        .workspace
        .packages
        .iter()
        .zip(previous)
        .zip(&catalog.releases)
        .map(|((package, previous), candidates)| PackageInput {
            name: package.name.clone(),
            path: package.path.clone(),
            include: package.include.clone(),
            exclude: package.exclude.clone(),
            manifest_version: package.version.clone(),
            tag: package.tag.clone(),
            previous: previous.as_ref().map(|(release, _)| release.clone()),
            tagged_versions: candidates.iter().map(|(_, version, _)| version.clone()).collect(),
            version_group: package.version_group.clone(),
            dependencies: package
                .dependencies
                .iter()
                .filter(|dependency| dependency.kind.propagates())
                .map(|dependency| dependency.name.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
        .collect()
}

/// The repository-level version's input: the target after the packages.
fn repo_input(catalog: &Catalog, previous: &[Previous]) -> RepoInput {
    let index = catalog.workspace.packages.len();
    RepoInput {
        previous: previous[index].as_ref().map(|(release, _)| release.clone()),
        tagged_versions: catalog.releases[index].iter().map(|(_, version, _)| version.clone()).collect(),
    }
}

/// A manifest that disagrees with its last tag is news, unless it already says the version the
/// plan gives (files written by `release cut --no-commit`), or is a pre-release between a
/// pre-release and its stable release.
fn manifest_warnings(workspace: &Workspace, previous: &[Previous], plan: &release_plan::Plan) -> Vec<String> {
    let mut warnings = Vec::new();
    for ((package, previous), planned) in workspace.packages.iter().zip(previous).zip(&plan.packages) {
        if let (Some(manifest_version), Some((release, _))) = (&package.version, previous)
            && manifest_version != &release.version
            && manifest_version.pre.is_empty()
            && manifest_version != &planned.next_version
        {
            warnings.push(format!(
                "{}: manifest `{}` says {manifest_version} but the last release tag is `{}` ({})",
                package.name,
                package.manifest.as_deref().unwrap_or("?"),
                release.tag,
                release.version
            ));
        }
    }
    warnings
}

/// What discovery set aside, for the plan's `not released` line.
fn skipped(workspace: &Workspace) -> Vec<release_plan::SkippedPackage> {
    workspace
        .skipped
        .iter()
        .map(|package| release_plan::SkippedPackage {
            name: package.name.clone(),
            path: package.path.clone(),
            reason: package.reason.clone(),
        })
        .collect()
}

/// covector names packages in its own `config.json` (`fs-js` for the npm package in
/// `plugins/fs`): each such name in a change file becomes the package's own name.
fn resolve_aliases(changes: &mut release_changes::Found, workspace: &Workspace) {
    for (alias, name) in crate::tags::covector_targets(&changes.aliases, workspace, true) {
        for file in &mut changes.files {
            for (named, _) in &mut file.bumps {
                if *named == alias {
                    named.clone_from(&name);
                }
            }
        }
    }
    drop_unreleased(changes, workspace);
}

/// A change file may name a package that is not released (a private example app): that entry is
/// said in the warnings and left out, never an error.
fn drop_unreleased(changes: &mut release_changes::Found, workspace: &Workspace) {
    for file in &mut changes.files {
        let path = &file.path;
        file.bumps.retain(|(name, _)| {
            let skipped = workspace.skipped.iter().find(|skipped| &skipped.name == name);
            if let Some(skipped) = skipped
                && !workspace.packages.iter().any(|package| &package.name == name)
            {
                changes.warnings.push(format!(
                    "{path}: package `{name}` is not released ({}); its entry is ignored",
                    skipped.reason
                ));
                return false;
            }
            true
        });
    }
}
