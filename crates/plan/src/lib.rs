//! Release planning: from commits (already walked) and packages (already discovered) to the next
//! version of every package and of the repository, with every reason for every bump.
//!
//! This crate is pure: plain data in, plain data out. It never touches git or the file system,
//! so every rule of the bump logic is tested with tables.
//!
//! ```
//! use release_plan::{bump_version, Bump};
//! let next = bump_version(&semver::Version::new(1, 2, 3), Bump::Minor);
//! assert_eq!(next.to_string(), "1.3.0");
//! ```

mod collect;
mod commit;
mod kept;
mod model;
mod route;
mod version;

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use collect::{Context, Target, apply_component_rules, collect_change_files, collect_reasons};
use release_commit_id::CommitId;
use release_config::{Config, Dependents, NonConventional};

pub use commit::{ParsedCommit, parse_message};
pub use kept::PARSER_VERSION;
pub use model::{
    ChangeEntry, ChangeFile, CommitEntry, CommitInput, PackageInput, PackagePlan, PackageSet, Plan, PlanInput, Reason,
    Release, RepoInput, RepoPlan, SCHEMA_VERSION, SkippedPackage, bump_name,
};
pub use release_config::Bump;
pub use route::{OwnedGlobs, RouteSpec, Router};
pub use semver::Version;
pub use version::{bump_version, classify, next_pre_release, zero_major};

/// Errors the planner finds in its input.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "commit {} is not a conventional commit: \"{summary}\" (hint: `non-conventional = \"error\"` is set in release.toml; reword the commit, or set it to \"ignore\" or \"patch\")",
        (.sha).short()
    )]
    NonConventional { sha: CommitId, summary: String },

    #[error("{location}: rule `{rule}` applies to unknown package `{name}`{}", hint(.suggestion))]
    UnknownPackage { location: release_config::Location, rule: String, name: String, suggestion: Option<String> },

    #[error("{path}: unknown package `{name}`{}", change_file_hint(.suggestion))]
    UnknownChangeFilePackage { path: String, name: String, suggestion: Option<String> },

    #[error("invalid glob: {0}")]
    Glob(#[from] globset::Error),
}

impl release_exit::Classify for PlanError {
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            PlanError::NonConventional { .. }
            | PlanError::UnknownPackage { .. }
            | PlanError::UnknownChangeFilePackage { .. }
            | PlanError::Glob(_) => release_exit::ExitClass::InvalidInput,
        }
    }
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|name| format!(" (hint: did you mean `{name}`?)")).unwrap_or_default()
}

fn change_file_hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => {
            format!(" (hint: did you mean `{name}`? a change file names packages as release.toml and the manifests do)")
        }
        None => " (hint: a change file names packages as release.toml and the manifests do; `release plan` lists them)"
            .into(),
    }
}

/// Computes the plan, in the order a release is decided: each commit's reasons and the rules it
/// triggers, the component rules over the whole range, propagation to dependents and version
/// groups, the versions, the shared version of each group, and the repository's version.
pub fn plan(input: &PlanInput<'_>) -> Result<Plan, PlanError> {
    let context = Context::new(input)?;
    let mut warnings = Vec::new();
    let mut targets = collect_reasons(&context, input, &mut warnings)?;
    collect_change_files(&context, input, &mut targets)?;
    apply_component_rules(input.config, &mut targets);
    propagate(input.config, input, &context.package_index, &mut targets.packages);
    let mut package_plans = compute_versions(&context, input, targets.packages);
    group_versions(input, &mut package_plans);
    let repo = repo_plan(input, targets.repo, &targets.repo_components, &package_plans);
    Ok(Plan {
        schema_version: SCHEMA_VERSION,
        head: input.head,
        packages: package_plans,
        repo,
        warnings,
        change_files: input.change_files.iter().map(|file| file.path.clone()).collect(),
        skipped: Vec::new(),
    })
}

/// Step 4: each package's next version from its reasons (after the 0.x rules), or its override.
fn compute_versions(context: &Context<'_>, input: &PlanInput<'_>, targets: Vec<Target>) -> Vec<PackagePlan> {
    let config = context.config;
    let mut package_plans = Vec::new();
    for ((package, mut target), current) in input.packages.iter().zip(targets).zip(context.currents.iter().cloned()) {
        if let Some((_, version)) = &target.override_version {
            for reason in &mut target.reasons {
                if let Reason::Override { bump, .. } = reason {
                    *bump = classify(&current, version);
                }
            }
        }
        let raw = raw_bump(&target);
        for reason in &mut target.reasons {
            reason.apply_zero_major(&config.versioning, &current);
        }
        Reason::sort(&mut target.reasons);
        let (next, bump) = next_version(
            config,
            &current,
            raw,
            target.override_version.as_ref(),
            &package.tagged_versions,
            input.pre.as_deref(),
        );
        let component_names = package_components(&package.path, &context.components)
            .into_iter()
            .map(|index| config.components[index].name.clone())
            .collect();
        package_plans.push(PackagePlan {
            name: package.name.clone(),
            path: package.path.clone(),
            components: component_names,
            next_tag: (next != current).then(|| package.tag.render(&package.name, &next.to_string())),
            current_version: current,
            next_version: next,
            bump,
            previous_tag: package.previous.as_ref().map(|release| release.tag.clone()),
            commits: target.commits,
            reasons: target.reasons,
            changes: target.changes,
        });
    }
    package_plans
}

/// Step 5: members of a version group share one version field, so they all take the highest
/// next version.
fn group_versions(input: &PlanInput<'_>, package_plans: &mut [PackagePlan]) {
    for (index, package) in input.packages.iter().enumerate() {
        let Some(group) = &package.version_group else {
            continue;
        };
        let highest = input
            .packages
            .iter()
            .zip(package_plans.iter())
            .filter(|(member, _)| member.version_group.as_ref() == Some(group))
            .map(|(_, plan)| &plan.next_version)
            .max()
            .cloned();
        let plan = &mut package_plans[index];
        if let Some(highest) = highest
            && plan.bump != Bump::None
            && highest != plan.next_version
        {
            plan.next_tag = Some(package.tag.render(&package.name, &highest.to_string()));
            plan.next_version = highest;
        }
    }
}

/// Step 6: the repository's version, when `[repo]` is configured: its own reasons, and its
/// packages' bumps when it follows them.
fn repo_plan(
    input: &PlanInput<'_>,
    mut repo: Target,
    repo_components: &BTreeSet<usize>,
    package_plans: &[PackagePlan],
) -> Option<RepoPlan> {
    let config = input.config;
    let (Some(repo_config), Some(repo_input)) = (&config.repo, &input.repo) else {
        return None;
    };
    if repo_config.packages {
        for plan in package_plans {
            if plan.bump > Bump::None {
                repo.reasons.push(Reason::Package { bump: plan.bump, package: plan.name.clone() });
            }
        }
    }
    let current = repo_input
        .previous
        .as_ref()
        .map_or_else(|| config.versioning.initial.clone(), |release| release.version.clone());
    let raw = raw_bump(&repo);
    for reason in &mut repo.reasons {
        reason.apply_zero_major(&config.versioning, &current);
    }
    Reason::sort(&mut repo.reasons);
    let (next, bump) = next_version(config, &current, raw, None, &repo_input.tagged_versions, input.pre.as_deref());
    Some(RepoPlan {
        next_tag: (next != current).then(|| repo_config.tag.render("", &next.to_string())),
        current_version: current,
        next_version: next,
        bump,
        previous_tag: repo_input.previous.as_ref().map(|release| release.tag.clone()),
        components: repo_components.iter().map(|&index| config.components[index].name.clone()).collect(),
        commits: repo.commits,
        reasons: repo.reasons,
    })
}

/// Step 3: Dependents follow their dependencies, and packages sharing a version field follow each
/// other, to a fixed point (bumps only grow, so it ends).
fn propagate(config: &Config, input: &PlanInput<'_>, package_index: &HashMap<&str, usize>, packages: &mut [Target]) {
    loop {
        let mut changed = false;
        if config.versioning.dependents != Dependents::None {
            let bumps: Vec<Bump> = packages.iter().map(raw_bump).collect();
            for (index, package) in input.packages.iter().enumerate() {
                for dependency in &package.dependencies {
                    let Some(&dependency_index) = package_index.get(dependency.as_str()) else {
                        continue;
                    };
                    if dependency_index == index || bumps[dependency_index] == Bump::None {
                        continue;
                    }
                    let bump = match config.versioning.dependents {
                        Dependents::Same => bumps[dependency_index],
                        _ => Bump::Patch,
                    };
                    changed |= raise(
                        &mut packages[index].reasons,
                        bump,
                        dependency,
                        |reason| matches!(reason, Reason::Dependency { package, .. } if package == dependency),
                        |bump, package| Reason::Dependency { bump, package },
                    );
                }
            }
        }
        let bumps: Vec<Bump> = packages.iter().map(raw_bump).collect();
        for (index, package) in input.packages.iter().enumerate() {
            let Some(group) = &package.version_group else {
                continue;
            };
            let leader = input
                .packages
                .iter()
                .enumerate()
                .filter(|(other, member)| *other != index && member.version_group.as_ref() == Some(group))
                .max_by_key(|(other, _)| (bumps[*other], Reverse(*other)));
            if let Some((leader, member)) = leader
                && bumps[leader] > bumps[index]
            {
                let name = member.name.clone();
                changed |= raise(
                    &mut packages[index].reasons,
                    bumps[leader],
                    &name,
                    |reason| matches!(reason, Reason::Group { .. }),
                    |bump, package| Reason::Group { bump, package },
                );
            }
        }
        if !changed {
            break;
        }
    }
}

/// Adds a reason, or raises the existing one of its kind; true when anything changed.
fn raise(
    reasons: &mut Vec<Reason>,
    bump: Bump,
    package: &str,
    is_same: impl Fn(&Reason) -> bool,
    make: impl Fn(Bump, String) -> Reason,
) -> bool {
    match reasons.iter().position(is_same) {
        Some(position) if reasons[position].bump() < bump => {
            reasons[position] = make(bump, package.to_string());
            true
        }
        Some(_) => false,
        None => {
            reasons.push(make(bump, package.to_string()));
            true
        }
    }
}

/// The bump a commit asks for, before the 0.x rules.
pub fn commit_bump(config: &Config, parsed: &ParsedCommit) -> Bump {
    match &parsed.kind {
        Some(_) if parsed.breaking => Bump::Major,
        Some(kind) => config.versioning.types.get(kind).copied().unwrap_or(Bump::None),
        None => match config.versioning.non_conventional {
            NonConventional::Patch => Bump::Patch,
            NonConventional::Ignore | NonConventional::Error => Bump::None,
        },
    }
}

fn raw_bump(target: &Target) -> Bump {
    target.reasons.iter().map(Reason::bump).max().unwrap_or(Bump::None)
}

fn next_version(
    config: &Config,
    current: &semver::Version,
    raw: Bump,
    override_version: Option<&(CommitId, semver::Version)>,
    tagged: &[semver::Version],
    pre: Option<&str>,
) -> (semver::Version, Bump) {
    let stable = match override_version {
        Some((_, version)) => version.clone(),
        None => {
            let bump = zero_major(&config.versioning, current, raw);
            if bump == Bump::None {
                return (current.clone(), Bump::None);
            }
            bump_version(current, bump)
        }
    };
    let bump = classify(current, &stable);
    let next = match pre {
        Some(label) => next_pre_release(&stable, label, tagged),
        None => stable,
    };
    (next, bump)
}

/// The version a package is at: its last release, else its manifest, else the initial version.
pub(crate) fn current_version(config: &Config, package: &PackageInput) -> semver::Version {
    match (&package.previous, &package.manifest_version) {
        (Some(release), _) => release.version.clone(),
        (None, Some(version)) => version.clone(),
        (None, None) => config.versioning.initial.clone(),
    }
}

pub(crate) fn record_override(
    target: &mut Target,
    commit: &CommitInput,
    package: &str,
    current: &semver::Version,
    warnings: &mut Vec<String>,
) {
    let Some(text) = &commit.parsed.release_as else {
        return;
    };
    if target.override_version.is_some() {
        return; // the newest Release-As wins; commits come newest first
    }
    match semver::Version::parse(text.trim_start_matches('v')) {
        // Versions only move forward: going back (or staying) would re-release or shadow an
        // existing version. Ignored like a malformed one, so the commits' own bump (or an older
        // `Release-As:` in the range) still applies.
        Ok(version) if &version <= current => warnings.push(format!(
            "commit {}: `Release-As: {text}` for {package} is not above its current version {current}; ignored, the commits' bump applies (hint: a `Release-As:` version must be higher than the current one)",
            commit.sha.short()
        )),
        Ok(version) => {
            // The bump is filled in once the current version is known.
            target.reasons.push(Reason::Override {
                bump: Bump::None,
                sha: commit.sha,
                version: version.to_string(),
            });
            target.override_version = Some((commit.sha, version));
        }
        Err(_) => warnings.push(format!(
            "commit {}: `Release-As: {text}` for {package} is not a semantic version; ignored",
            commit.sha.short()
        )),
    }
}

/// The components a package is in, by index, in order: those with a glob matching a file
/// directly in its folder.
fn package_components(path: &str, components: &OwnedGlobs) -> Vec<usize> {
    let probe = if path == "." { "__release_probe__".to_string() } else { format!("{path}/__release_probe__") };
    let mut indices = Vec::new();
    components.owners(&probe, &mut indices);
    indices
}

#[cfg(test)]
mod tests;
