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
    let mut workspace = release_workspace::discover(&root, &config, &files)?;
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
    // The other tag conventions of packages whose template release.toml does not set: one pass
    // over the tags matches them all.
    let conventions = other_conventions(&config, &workspace);
    let configured = targets.len();
    targets.extend(
        conventions.iter().map(|(package, template)| (workspace.packages[*package].name.clone(), template.clone())),
    );
    let mut releases = releases_by_target(&targets, &tags, configured, &mut warnings);
    let inferred = releases.split_off(configured);
    infer_tags(&mut workspace, &mut releases, &conventions, inferred, &mut warnings);
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

    // Change files are read from the working tree, so only for a plan of it (not `--head`).
    let changes = match options.head {
        None => release_changes::read(&root, &config.versioning.sources)?,
        Some(_) => release_changes::Found::default(),
    };
    warnings.extend(changes.warnings);
    let input = PlanInput {
        config: &config,
        head: head.to_string(),
        packages,
        repo: repo_input,
        commits,
        pre: options.pre.clone(),
        change_files: changes.files,
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

/// The tags of one target that parse under its template: (name, version, tag), newest first.
type Tagged<'t> = Vec<(String, semver::Version, &'t Tag)>;

/// The tag conventions repositories already use, besides the one a package has, for every
/// package whose tag template release.toml does not set: `{name}-v{version}`, `{name}@{version}`,
/// `{name}@v{version}`, the same with the npm scope removed, and for a single package
/// `v{version}` and `{version}`. `(package index, template)`.
fn other_conventions(config: &Config, workspace: &Workspace) -> Vec<(usize, TagTemplate)> {
    let single = workspace.packages.len() == 1 && config.repo.is_none();
    let mut out = Vec::new();
    for (index, package) in workspace.packages.iter().enumerate() {
        let explicit = config.packages.iter().any(|entry| entry.name == package.name && entry.tag.is_some());
        if explicit {
            continue;
        }
        let mut texts: Vec<String> =
            ["{name}-v{version}", "{name}@{version}", "{name}@v{version}"].map(String::from).to_vec();
        if let Some((_, unscoped)) = package.name.split_once('/').filter(|_| package.name.starts_with('@')) {
            texts.extend([
                format!("{unscoped}-v{{version}}"),
                format!("{unscoped}@{{version}}"),
                format!("{unscoped}@v{{version}}"),
            ]);
        }
        if single {
            texts.extend(["v{version}".to_string(), "{version}".to_string()]);
        }
        for text in texts {
            let Ok(template) = TagTemplate::parse(&text) else { continue };
            let same = template.affixes(&package.name) == package.tag.affixes(&package.name);
            if !same
                && !out.iter().any(|(other, existing): &(usize, TagTemplate)| {
                    *other == index && existing.affixes(&package.name) == template.affixes(&package.name)
                })
            {
                out.push((index, template));
            }
        }
    }
    out
}

/// Chooses each unconfigured package's convention from the tags it already has: its default when
/// only that matches (or none does), the one that matches otherwise, and when several do, the
/// one with the newest release, with a warning that names them. Each choice that is not the
/// default is said in the warnings with the line that pins it in release.toml.
fn infer_tags<'t>(
    workspace: &mut Workspace,
    releases: &mut [Tagged<'t>],
    conventions: &[(usize, TagTemplate)],
    mut inferred: Vec<Tagged<'t>>,
    warnings: &mut Vec<String>,
) {
    for (index, package) in workspace.packages.iter_mut().enumerate() {
        // (template, its tags), the package's own first.
        let mut matching: Vec<(TagTemplate, Tagged<'t>)> = Vec::new();
        if !releases[index].is_empty() {
            matching.push((package.tag.clone(), std::mem::take(&mut releases[index])));
        }
        for (found, (_, template)) in inferred.iter_mut().zip(conventions).filter(|(_, (owner, _))| *owner == index) {
            if !found.is_empty() {
                matching.push((template.clone(), std::mem::take(found)));
            }
        }
        let newest = |tags: &[(String, semver::Version, &Tag)]| tags.first().map(|(_, version, _)| version.clone());
        let Some(best) =
            (0..matching.len()).max_by(|&a, &b| newest(&matching[a].1).cmp(&newest(&matching[b].1)).then(b.cmp(&a)))
        else {
            continue;
        };
        let pin = |template: &TagTemplate| {
            format!("a `[[package]]` entry with name = \"{}\" and tag = \"{}\"", package.name, template.as_str())
        };
        if matching.len() > 1 {
            let examples: Vec<String> = matching.iter().map(|(_, tags)| format!("`{}`", tags[0].0)).collect();
            warnings.push(format!(
                "package `{}` has tags of {} conventions ({}); the newest, `{}`, is used (hint: choose one in release.toml: {})",
                package.name,
                matching.len(),
                examples.join(", "),
                matching[best].0.as_str(),
                pin(&matching[best].0)
            ));
        } else if matching[best].0.as_str() != package.tag.as_str() {
            warnings.push(format!(
                "package `{}` has no tags like `{}`; its tags look like `{}`, so `{}` is used (hint: pin it in release.toml: {})",
                package.name,
                package.tag.render(&package.name, "1.0.0"),
                matching[best].1[0].0,
                matching[best].0.as_str(),
                pin(&matching[best].0)
            ));
        }
        let (template, tags) = matching.swap_remove(best);
        package.tag = template;
        releases[index] = tags;
    }
}

/// Per target (a package, or the repository as the last target), every tag of its template
/// that parses as semver, highest version first. Only the first `warn_for` targets (the
/// configured ones, not conventions being tried) warn about tags they cannot read.
fn releases_by_target<'t>(
    targets: &[(String, TagTemplate)],
    tags: &'t [Tag],
    warn_for: usize,
    warnings: &mut Vec<String>,
) -> Vec<Tagged<'t>> {
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
                    if index < warn_for && !claimed && looks_versioned && warned.insert(tag.name.clone()) {
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
