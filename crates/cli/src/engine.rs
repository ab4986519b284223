//! The pipeline behind `release plan`: config -> discovery -> tags -> history -> plan.
//!
//! Every step is a library call; this module only wires them and turns their results into the
//! plan's input.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Result, bail};
use release_config::{Config, TagTemplate};
use release_git::{Oid, Repo, Tag};
use release_plan::{CommitInput, PackageInput, Plan, PlanInput, Release, RepoInput};
use release_workspace::Workspace;

use crate::UsageError;
use crate::progress::Progress;

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub head: Option<String>,
    pub packages: Vec<String>,
    pub pre: Option<String>,
}

/// What the later stages need besides the plan itself.
pub struct Planned {
    pub plan: Plan,
    pub config: Config,
    pub workspace: Workspace,
}

/// Plans the repository containing `directory`.
pub fn plan(directory: &Path, options: &PlanOptions, progress: &Progress) -> Result<Planned> {
    if let Some(label) = &options.pre {
        check_pre_label(label)?;
    }
    let repo = Repo::open(directory)?;
    repo.check_history()?;
    let root = repo.root().to_path_buf();
    let config = Config::load(&root)?;
    let files = repo.tracked_files_named(release_workspace::MANIFEST_NAMES)?;
    let workspace = release_workspace::discover(&root, &config, &files)?;
    for name in &options.packages {
        if !workspace.packages.iter().any(|package| &package.name == name) {
            let known: Vec<&str> = workspace.packages.iter().map(|package| package.name.as_str()).collect();
            bail!(UsageError(format!(
                "no package is named `{name}` (hint: the packages are: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )));
        }
    }
    let head_rev = options.head.as_deref().unwrap_or("HEAD");
    let head = repo.resolve(head_rev)?;

    // What discovery skipped comes first: it is about the files the rest is computed from.
    let mut warnings = workspace.warnings.clone();
    let tags = repo.tags()?;
    let mut reach = repo.reachability(head)?;
    let mut targets: Vec<(String, TagTemplate)> =
        workspace.packages.iter().map(|package| (package.name.clone(), package.tag.clone())).collect();
    if let Some(repo_config) = &config.repo {
        targets.push((String::new(), repo_config.tag.clone()));
    }
    let mut releases = releases_by_target(&targets, &tags, &mut warnings);
    let mut previous = Vec::with_capacity(releases.len());
    for candidates in &mut releases {
        let mut found = None;
        for (tag, version, target) in candidates.iter().filter(|(_, version, _)| version.pre.is_empty()) {
            // Only the tags actually considered are peeled (usually one per package).
            let Some(commit) = repo.peel_tag(target) else { continue };
            if reach.reaches(commit)? {
                found = Some((Release { tag: tag.clone(), version: version.clone() }, commit));
                break;
            }
        }
        previous.push(found);
    }
    drop(reach);

    let bases: Vec<Option<Oid>> = previous.iter().map(|found| found.as_ref().map(|(_, commit)| *commit)).collect();
    let spinner = progress.spinner("reading history");
    let walked = repo.walk(head, &bases, |commit| {
        let parsed = release_plan::parse_message(commit.message);
        (parsed, commit.paths, commit.parent_count > 1)
    })?;
    spinner.finish();

    let package_count = workspace.packages.len();
    let commits = walked
        .into_iter()
        .map(|walked| {
            let in_package_range = (0..package_count).map(|index| walked.in_range(index)).collect();
            let in_repo_range = config.repo.is_some() && walked.in_range(package_count);
            let (parsed, paths, is_merge) = walked.data;
            CommitInput { sha: walked.id.to_string(), parsed, paths, is_merge, in_package_range, in_repo_range }
        })
        .collect();

    let packages = workspace
        .packages
        .iter()
        .zip(&previous)
        .zip(&releases)
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
        .collect();
    let repo_input = config.repo.as_ref().map(|_| RepoInput {
        previous: previous[package_count].as_ref().map(|(release, _)| release.clone()),
        tagged_versions: releases[package_count].iter().map(|(_, version, _)| version.clone()).collect(),
    });

    let input = PlanInput {
        config: &config,
        head: head.to_string(),
        packages,
        repo: repo_input,
        commits,
        pre: options.pre.clone(),
    };
    let mut plan = release_plan::plan(&input)?;
    // A manifest that disagrees with its last tag is news, unless it already says the version
    // the plan gives (files written by `release cut --no-commit`), or is a pre-release between a
    // pre-release and its stable release.
    for ((package, previous), planned) in workspace.packages.iter().zip(&previous).zip(&plan.packages) {
        if let (Some(manifest_version), Some((release, _))) = (&package.version, previous)
            && manifest_version != &release.version
            && manifest_version.pre.is_empty()
            && manifest_version.to_string() != planned.next_version
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
    warnings.append(&mut plan.warnings);
    plan.warnings = warnings;
    if !options.packages.is_empty() {
        plan.packages.retain(|package| options.packages.contains(&package.name));
    }
    Ok(Planned { plan, config, workspace })
}

/// Per target (a package, or the repository as the last target), every tag of its template
/// that parses as semver, highest version first.
fn releases_by_target<'t>(
    targets: &[(String, TagTemplate)],
    tags: &'t [Tag],
    warnings: &mut Vec<String>,
) -> Vec<Vec<(String, semver::Version, &'t Tag)>> {
    let affixes: Vec<(String, String)> = targets.iter().map(|(name, template)| template.affixes(name)).collect();
    // Targets by their exact prefix: a tag is looked up once per distinct prefix length, so
    // thousands of tags against hundreds of templates stay linear in the tags.
    let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, (prefix, _)) in affixes.iter().enumerate() {
        by_prefix.entry(prefix.as_str()).or_default().push(index);
    }
    let mut lengths: Vec<usize> = by_prefix.keys().map(|prefix| prefix.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut out: Vec<Vec<(String, semver::Version, &Tag)>> = vec![Vec::new(); targets.len()];
    let mut warned = BTreeSet::new();
    for tag in tags {
        let candidates = lengths
            .iter()
            .filter_map(|&length| tag.name.get(..length))
            .filter_map(|prefix| by_prefix.get(prefix))
            .flatten();
        for &index in candidates {
            let (prefix, suffix) = &affixes[index];
            let Some(middle) =
                tag.name.strip_prefix(prefix.as_str()).and_then(|rest| rest.strip_suffix(suffix.as_str()))
            else {
                continue;
            };
            match semver::Version::parse(middle) {
                Ok(version) => out[index].push((tag.name.clone(), version, tag)),
                Err(_) => {
                    // `{name}-v{version}` of package `a` also matches tag `a-b-v1.0.0` of package `a-b`
                    // at the prefix; only warn when no other target claims the tag.
                    let claimed = affixes.iter().any(|(other_prefix, other_suffix)| {
                        tag.name
                            .strip_prefix(other_prefix.as_str())
                            .and_then(|rest| rest.strip_suffix(other_suffix.as_str()))
                            .is_some_and(|middle| semver::Version::parse(middle).is_ok())
                    });
                    let looks_versioned = middle.starts_with(|character: char| character.is_ascii_digit());
                    if !claimed && looks_versioned && warned.insert(tag.name.clone()) {
                        warnings.push(format!(
                            "tag `{}` matches the template `{}` but `{middle}` is not a semantic version; skipped",
                            tag.name,
                            targets[index].1.as_str()
                        ));
                    }
                }
            }
        }
    }
    for releases in &mut out {
        releases.sort_by(|a, b| b.1.cmp(&a.1));
    }
    out
}

/// Checks that every revision given on the command line resolves, before any work: a typo in
/// `--base` or `--head` is named with its flag, never ignored. The repository is checked first, so
/// an unborn branch is described as such rather than as a revision that does not resolve.
pub fn check_revisions(directory: &Path, revisions: &[(&str, Option<&str>)]) -> Result<()> {
    if revisions.iter().all(|(_, revision)| revision.is_none()) {
        return Ok(());
    }
    let repo = Repo::open(directory)?;
    repo.check_history()?;
    for (flag, revision) in revisions {
        let Some(revision) = revision else { continue };
        if repo.resolve(revision).is_err() {
            bail!(UsageError(format!(
                "`{flag} {revision}` does not resolve to a commit (hint: name a branch, a tag or a commit id, e.g. `{flag} origin/main`; in CI, fetch it first, e.g. `fetch-depth: 0` in actions/checkout)"
            )));
        }
    }
    Ok(())
}

fn check_pre_label(label: &str) -> Result<()> {
    let valid = !label.is_empty()
        && label.chars().all(|character| character.is_ascii_alphanumeric() || character == '-')
        && !label.chars().all(|character| character.is_ascii_digit());
    if !valid {
        bail!(UsageError(format!(
            "`--pre {label}` is not a pre-release label (hint: use letters, digits and `-`, e.g. `rc`, `beta`)"
        )));
    }
    Ok(())
}
