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

mod commit;
mod model;
mod route;
mod version;

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use release_config::{AppliesTo, ComponentMatch, Config, Dependents, NonConventional, RuleSelector};

pub use commit::{ParsedCommit, parse_message};
pub use model::{
    CommitEntry, CommitInput, PackageInput, PackagePlan, Plan, PlanInput, Reason, Release, RepoInput, RepoPlan,
    SCHEMA_VERSION, SkippedPackage, bump_name, short,
};
pub use release_config::Bump;
pub use route::{OwnedGlobs, RouteSpec, Router};
pub use version::{bump_version, classify, next_pre_release, zero_major};

/// Errors the planner finds in its input.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "commit {} is not a conventional commit: \"{summary}\" (hint: `non-conventional = \"error\"` is set in release.toml; reword the commit, or set it to \"ignore\" or \"patch\")",
        short(.sha)
    )]
    NonConventional { sha: String, summary: String },

    #[error("{location}: rule `{rule}` applies to unknown package `{name}`{}", hint(.suggestion))]
    UnknownPackage { location: release_config::Location, rule: String, name: String, suggestion: Option<String> },

    #[error("invalid glob: {0}")]
    Glob(#[from] globset::Error),
}

impl release_exit::Classify for PlanError {
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            PlanError::NonConventional { .. } | PlanError::UnknownPackage { .. } | PlanError::Glob(_) => {
                release_exit::ExitClass::InvalidInput
            }
        }
    }
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|name| format!(" (hint: did you mean `{name}`?)")).unwrap_or_default()
}

/// Where the reasons of one target (a package, or the repository) are collected.
#[derive(Default)]
struct Target {
    reasons: Vec<Reason>,
    commits: Vec<CommitEntry>,
    /// Rules already recorded (one reason per rule).
    rules_seen: BTreeSet<usize>,
    /// Per component rule: the components touched so far.
    touched: HashMap<usize, BTreeSet<usize>>,
    override_version: Option<(String, semver::Version)>,
}

/// Computes the plan.
pub fn plan(input: &PlanInput<'_>) -> Result<Plan, PlanError> {
    let config = input.config;
    let router = Router::new(input.packages.iter().map(|package| RouteSpec {
        path: &package.path,
        include: &package.include,
        exclude: &package.exclude,
    }))?;
    let components = OwnedGlobs::new(
        config
            .components
            .iter()
            .enumerate()
            .flat_map(|(index, component)| component.globs.iter().map(move |glob| (index, glob.as_str()))),
    )?;
    let rule_globs: Vec<Option<OwnedGlobs>> = config
        .rules
        .iter()
        .map(|rule| match &rule.selector {
            RuleSelector::Paths(globs) => OwnedGlobs::new(globs.iter().map(|glob| (0, glob.as_str()))).map(Some),
            _ => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    let package_index: HashMap<&str, usize> =
        input.packages.iter().enumerate().map(|(index, package)| (package.name.as_str(), index)).collect();
    for rule in &config.rules {
        if let AppliesTo::Names(names) = &rule.applies_to {
            for name in names {
                if !package_index.contains_key(name.as_str()) {
                    return Err(PlanError::UnknownPackage {
                        location: rule.location.clone(),
                        rule: rule.name.clone(),
                        name: name.clone(),
                        suggestion: release_config::suggest::closest(
                            name,
                            input.packages.iter().map(|package| package.name.as_str()),
                        )
                        .map(str::to_string),
                    });
                }
            }
        }
    }

    let currents: Vec<semver::Version> =
        input.packages.iter().map(|package| current_version(config, package)).collect();
    let cancelled = cancelled_by_reverts(&input.commits);
    let mut warnings = Vec::new();
    let mut packages: Vec<Target> = input.packages.iter().map(|_| Target::default()).collect();
    let mut repo = Target::default();
    let mut repo_components = BTreeSet::new();
    let (mut scratch, mut owners, mut component_hits) = (Vec::new(), Vec::new(), Vec::new());

    for (commit_index, commit) in input.commits.iter().enumerate() {
        if cancelled.contains(&commit_index) {
            continue;
        }
        let parsed = &commit.parsed;
        // A merge commit counts only when its own message is conventional; the commits it brings
        // in are walked themselves.
        if commit.is_merge && !parsed.is_conventional() {
            continue;
        }
        let in_any_range = commit.in_repo_range || commit.in_package_range.iter().any(|&inside| inside);
        if !in_any_range {
            continue;
        }
        let bump = commit_bump(config, parsed);
        if !parsed.is_conventional() && config.versioning.non_conventional == NonConventional::Error {
            return Err(PlanError::NonConventional { sha: commit.sha.clone(), summary: parsed.summary.clone() });
        }
        let entry = CommitEntry {
            sha: commit.sha.clone(),
            kind: parsed.kind.clone(),
            scope: parsed.scope.clone(),
            breaking: parsed.breaking,
            summary: parsed.summary.clone(),
            pr: parsed.pr,
            bump,
            breaking_description: parsed.breaking_description.clone(),
        };
        let commit_reason = Reason::Commit {
            bump,
            sha: commit.sha.clone(),
            kind: parsed.kind.clone(),
            scope: parsed.scope.clone(),
            breaking: parsed.breaking,
            summary: parsed.summary.clone(),
        };

        // Which packages and components the commit touches, within their ranges.
        let mut touched_packages = BTreeSet::new();
        let mut touched_components = BTreeSet::new();
        for path in &commit.paths {
            router.route(path, &mut scratch, &mut owners);
            touched_packages.extend(owners.iter().copied().filter(|&owner| commit.in_package_range[owner]));
            components.owners(path, &mut component_hits);
            touched_components.extend(component_hits.iter().copied());
        }

        for &index in &touched_packages {
            let target = &mut packages[index];
            target.commits.push(entry.clone());
            if bump > Bump::None {
                target.reasons.push(commit_reason.clone());
            }
            record_override(target, commit, &input.packages[index].name, &currents[index], &mut warnings);
        }
        if commit.in_repo_range {
            repo_components.extend(touched_components.iter().copied());
            repo.commits.push(entry.clone());
            if bump > Bump::None && config.repo.as_ref().is_some_and(|repo| repo.commits) {
                repo.reasons.push(commit_reason.clone());
            }
        }

        for (rule_index, rule) in config.rules.iter().enumerate() {
            if rule.breaking && !parsed.breaking {
                continue;
            }
            match &rule.selector {
                RuleSelector::Components { .. } => {
                    let add = |target: &mut Target| {
                        target.touched.entry(rule_index).or_default().extend(touched_components.iter().copied());
                    };
                    match &rule.applies_to {
                        AppliesTo::Repo if commit.in_repo_range => add(&mut repo),
                        AppliesTo::Names(names) => {
                            for name in names {
                                let index = package_index[name.as_str()];
                                if commit.in_package_range[index] {
                                    add(&mut packages[index]);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                RuleSelector::Paths(_) | RuleSelector::Any => {
                    let globs = rule_globs[rule_index].as_ref();
                    for path in &commit.paths {
                        if globs.is_some_and(|globs| !globs.is_match(path)) {
                            continue;
                        }
                        let reason = || Reason::PathRule {
                            bump: rule.bump,
                            rule: rule.name.clone(),
                            path: path.clone(),
                            sha: commit.sha.clone(),
                        };
                        let add = |target: &mut Target| {
                            if target.rules_seen.insert(rule_index) {
                                target.reasons.push(reason());
                            }
                        };
                        match &rule.applies_to {
                            AppliesTo::Repo if commit.in_repo_range => add(&mut repo),
                            AppliesTo::Repo => {}
                            AppliesTo::Packages => {
                                router.route(path, &mut scratch, &mut owners);
                                for &owner in &owners {
                                    if commit.in_package_range[owner] {
                                        add(&mut packages[owner]);
                                    }
                                }
                            }
                            AppliesTo::Names(names) => {
                                for name in names {
                                    let index = package_index[name.as_str()];
                                    if commit.in_package_range[index] {
                                        add(&mut packages[index]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // Component rules are decided over the whole range.
    for target in packages.iter_mut().chain(std::iter::once(&mut repo)) {
        for (&rule_index, touched) in &target.touched {
            let rule = &config.rules[rule_index];
            let RuleSelector::Components { names, match_ } = &rule.selector else {
                continue;
            };
            let wanted: Vec<usize> = names
                .iter()
                .filter_map(|name| config.components.iter().position(|component| &component.name == name))
                .collect();
            let hit: Vec<String> = wanted
                .iter()
                .filter(|index| touched.contains(index))
                .map(|&index| config.components[index].name.clone())
                .collect();
            let matched = match match_ {
                ComponentMatch::All => hit.len() == wanted.len(),
                ComponentMatch::Any => !hit.is_empty(),
            };
            if matched {
                target.reasons.push(Reason::ComponentRule {
                    bump: rule.bump,
                    rule: rule.name.clone(),
                    components: hit,
                });
            }
        }
    }

    propagate(config, input, &package_index, &mut packages);

    let mut package_plans = Vec::new();
    for ((package, mut target), current) in input.packages.iter().zip(packages).zip(currents) {
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
        let component_names = package_components(&package.path, &components)
            .into_iter()
            .map(|index| config.components[index].name.clone())
            .collect();
        package_plans.push(PackagePlan {
            name: package.name.clone(),
            path: package.path.clone(),
            components: component_names,
            current_version: current.to_string(),
            next_version: next.to_string(),
            bump,
            previous_tag: package.previous.as_ref().map(|release| release.tag.clone()),
            next_tag: (next != current).then(|| package.tag.render(&package.name, &next.to_string())),
            commits: target.commits,
            reasons: target.reasons,
        });
    }

    // Members of a version group share one version field: they all take the highest next version.
    for (index, package) in input.packages.iter().enumerate() {
        let Some(group) = &package.version_group else {
            continue;
        };
        let highest = input
            .packages
            .iter()
            .zip(&package_plans)
            .filter(|(member, _)| member.version_group.as_ref() == Some(group))
            .filter_map(|(_, plan)| semver::Version::parse(&plan.next_version).ok())
            .max();
        let plan = &mut package_plans[index];
        if let Some(highest) = highest
            && plan.bump != Bump::None
            && highest.to_string() != plan.next_version
        {
            plan.next_version = highest.to_string();
            plan.next_tag = Some(package.tag.render(&package.name, &plan.next_version));
        }
    }

    let repo_plan = match (&config.repo, &input.repo) {
        (Some(repo_config), Some(repo_input)) => {
            if repo_config.packages {
                for plan in &package_plans {
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
            let (next, bump) =
                next_version(config, &current, raw, None, &repo_input.tagged_versions, input.pre.as_deref());
            Some(RepoPlan {
                current_version: current.to_string(),
                next_version: next.to_string(),
                bump,
                previous_tag: repo_input.previous.as_ref().map(|release| release.tag.clone()),
                next_tag: (next != current).then(|| repo_config.tag.render("", &next.to_string())),
                components: repo_components.iter().map(|&index| config.components[index].name.clone()).collect(),
                commits: repo.commits,
                reasons: repo.reasons,
            })
        }
        _ => None,
    };

    Ok(Plan {
        schema_version: SCHEMA_VERSION,
        head: input.head.clone(),
        packages: package_plans,
        repo: repo_plan,
        warnings,
        skipped: Vec::new(),
    })
}

/// Dependents follow their dependencies, and packages sharing a version field follow each
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
    override_version: Option<&(String, semver::Version)>,
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
fn current_version(config: &Config, package: &PackageInput) -> semver::Version {
    match (&package.previous, &package.manifest_version) {
        (Some(release), _) => release.version.clone(),
        (None, Some(version)) => version.clone(),
        (None, None) => config.versioning.initial.clone(),
    }
}

fn record_override(
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
            short(&commit.sha)
        )),
        Ok(version) => {
            // The bump is filled in once the current version is known.
            target.reasons.push(Reason::Override {
                bump: Bump::None,
                sha: commit.sha.clone(),
                version: version.to_string(),
            });
            target.override_version = Some((commit.sha.clone(), version));
        }
        Err(_) => warnings.push(format!(
            "commit {}: `Release-As: {text}` for {package} is not a semantic version; ignored",
            short(&commit.sha)
        )),
    }
}

/// Reverts inside the history cancel the commit they revert, and themselves. Newest first, so a
/// revert of a revert brings the original back.
fn cancelled_by_reverts(commits: &[CommitInput]) -> BTreeSet<usize> {
    let mut cancelled = BTreeSet::new();
    for (index, commit) in commits.iter().enumerate() {
        if cancelled.contains(&index) {
            continue;
        }
        let Some(target) = &commit.parsed.reverts else {
            continue;
        };
        if let Some(reverted) =
            commits.iter().enumerate().skip(index + 1).find(|(_, other)| other.sha.starts_with(target.as_str()))
        {
            cancelled.insert(index);
            cancelled.insert(reverted.0);
        }
    }
    cancelled
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
