//! The first steps of the planner: each commit's reasons, then the rules (paths, components).
//!
//! Commits come newest first. For each commit in some range: the packages and components its
//! paths touch, a commit reason for each touched package (and the repository), its `Release-As:`
//! override, and every path rule that matches one of its paths. Component rules only record what
//! was touched here; they are decided over the whole range in [`apply_component_rules`].

use std::collections::{BTreeSet, HashMap};

use release_config::{AppliesTo, ComponentMatch, Config, NonConventional, Rule, RuleSelector, Source};

use crate::model::{ChangeEntry, CommitEntry, CommitInput, PlanInput, Reason};
use crate::route::{OwnedGlobs, RouteSpec, Router};
use crate::{Bump, PlanError, commit_bump, record_override};

/// Where the reasons of one target (a package, or the repository) are collected.
#[derive(Default)]
pub(crate) struct Target {
    pub(crate) reasons: Vec<Reason>,
    pub(crate) commits: Vec<CommitEntry>,
    /// Rules already recorded (one reason per rule).
    rules_seen: BTreeSet<usize>,
    /// Per component rule: the components touched so far.
    touched: HashMap<usize, BTreeSet<usize>>,
    pub(crate) override_version: Option<(release_commit_id::CommitId, semver::Version)>,
    /// What change files say about the package.
    pub(crate) changes: Vec<ChangeEntry>,
}

/// Every target: one per package (same index as the input), and the repository.
pub(crate) struct Targets {
    pub(crate) packages: Vec<Target>,
    pub(crate) repo: Target,
    /// Components touched by the commits in the repository's range.
    pub(crate) repo_components: BTreeSet<usize>,
}

/// What the planner compiles once from its input: routing, globs, names and current versions.
pub(crate) struct Context<'a> {
    pub(crate) config: &'a Config,
    router: Router,
    pub(crate) components: OwnedGlobs,
    /// Per rule: its path globs, when it is a path rule.
    rule_globs: Vec<Option<OwnedGlobs>>,
    pub(crate) package_index: HashMap<&'a str, usize>,
    /// The version each package is at (same index as the input).
    pub(crate) currents: Vec<semver::Version>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(input: &'a PlanInput<'a>) -> Result<Context<'a>, PlanError> {
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
        let rule_globs = config
            .rules
            .iter()
            .map(|rule| match &rule.selector {
                RuleSelector::Paths(globs) => OwnedGlobs::new(globs.iter().map(|glob| (0, glob.as_str()))).map(Some),
                _ => Ok(None),
            })
            .collect::<Result<_, _>>()?;
        let package_index =
            input.packages.iter().enumerate().map(|(index, package)| (package.name.as_str(), index)).collect();
        let context = Context {
            config,
            router,
            components,
            rule_globs,
            package_index,
            currents: input.packages.iter().map(|package| crate::current_version(config, package)).collect(),
        };
        context.check_rule_names(input)?;
        Ok(context)
    }

    /// A rule that names packages names packages that exist.
    fn check_rule_names(&self, input: &PlanInput<'_>) -> Result<(), PlanError> {
        for rule in &self.config.rules {
            let AppliesTo::Names(names) = &rule.applies_to else {
                continue;
            };
            if let Some(name) = names.iter().find(|name| !self.package_index.contains_key(name.as_str())) {
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
        Ok(())
    }
}

/// Buffers reused from path to path, so routing allocates once per plan.
#[derive(Default)]
struct Buffers {
    scratch: Vec<usize>,
    owners: Vec<usize>,
    component_hits: Vec<usize>,
}

/// One commit as the rules see it.
struct Touch<'c> {
    commit: &'c CommitInput,
    packages: BTreeSet<usize>,
    components: BTreeSet<usize>,
}

/// Step 1 and 2: every commit's reasons, its override, and the rules it triggers.
pub(crate) fn collect_reasons(
    context: &Context<'_>,
    input: &PlanInput<'_>,
    warnings: &mut Vec<String>,
) -> Result<Targets, PlanError> {
    let mut targets = Targets {
        packages: input.packages.iter().map(|_| Target::default()).collect(),
        repo: Target::default(),
        repo_components: BTreeSet::new(),
    };
    let cancelled = cancelled_by_reverts(&input.commits);
    let mut buffers = Buffers::default();
    for (commit_index, commit) in input.commits.iter().enumerate() {
        if cancelled.contains(&commit_index) || !counts(commit) {
            continue;
        }
        let touch = touch(context, commit, &mut buffers);
        record_commit(context, input, &touch, &mut targets, warnings)?;
        apply_rules(context, &touch, &mut targets, &mut buffers);
    }
    Ok(targets)
}

/// Whether a commit can give reasons: it is in some range, and a merge commit counts only when its
/// own message is conventional (the commits it brings in are walked themselves).
fn counts(commit: &CommitInput) -> bool {
    if commit.is_merge && !commit.parsed.is_conventional() {
        return false;
    }
    commit.in_repo_range || !commit.in_package_range.is_empty()
}

/// Which packages and components the commit touches, within their ranges.
fn touch<'c>(context: &Context<'_>, commit: &'c CommitInput, buffers: &mut Buffers) -> Touch<'c> {
    let mut packages = BTreeSet::new();
    let mut components = BTreeSet::new();
    for path in &commit.paths {
        context.router.route(path, &mut buffers.scratch, &mut buffers.owners);
        packages.extend(buffers.owners.iter().copied().filter(|&owner| commit.in_package_range.contains(owner)));
        context.components.owners(path, &mut buffers.component_hits);
        components.extend(buffers.component_hits.iter().copied());
    }
    Touch { commit, packages, components }
}

/// The commit's entry and reason in every package it touches, and in the repository.
fn record_commit(
    context: &Context<'_>,
    input: &PlanInput<'_>,
    touch: &Touch<'_>,
    targets: &mut Targets,
    warnings: &mut Vec<String>,
) -> Result<(), PlanError> {
    let config = context.config;
    let commit = touch.commit;
    let parsed = &commit.parsed;
    // With `sources` not listing commits, commits are listed in the changelog but bump nothing.
    let bump =
        if config.versioning.sources.contains(&Source::Commits) { commit_bump(config, parsed) } else { Bump::None };
    if !parsed.is_conventional() && config.versioning.non_conventional == NonConventional::Error {
        return Err(PlanError::NonConventional { sha: commit.sha, summary: parsed.summary.clone() });
    }
    let entry = CommitEntry {
        sha: commit.sha,
        kind: parsed.kind.clone(),
        scope: parsed.scope.clone(),
        breaking: parsed.breaking,
        summary: parsed.summary.clone(),
        pr: parsed.pr,
        bump,
        breaking_description: parsed.breaking_description.clone(),
    };
    let reason = Reason::Commit {
        bump,
        sha: commit.sha,
        kind: parsed.kind.clone(),
        scope: parsed.scope.clone(),
        breaking: parsed.breaking,
        summary: parsed.summary.clone(),
    };
    for &index in &touch.packages {
        let target = &mut targets.packages[index];
        target.commits.push(entry.clone());
        if bump > Bump::None {
            target.reasons.push(reason.clone());
        }
        record_override(target, commit, &input.packages[index].name, &context.currents[index], warnings);
    }
    if commit.in_repo_range {
        targets.repo_components.extend(touch.components.iter().copied());
        targets.repo.commits.push(entry);
        if bump > Bump::None && config.repo.as_ref().is_some_and(|repo| repo.commits) {
            targets.repo.reasons.push(reason);
        }
    }
    Ok(())
}

/// Every rule the commit triggers: path rules give their reason now, component rules record the
/// components touched.
fn apply_rules(context: &Context<'_>, touch: &Touch<'_>, targets: &mut Targets, buffers: &mut Buffers) {
    for (rule_index, rule) in context.config.rules.iter().enumerate() {
        if rule.breaking && !touch.commit.parsed.breaking {
            continue;
        }
        match &rule.selector {
            RuleSelector::Components { .. } => {
                for_rule_targets(context, rule, touch.commit, targets, |target| {
                    target.touched.entry(rule_index).or_default().extend(touch.components.iter().copied());
                });
            }
            RuleSelector::Paths(_) | RuleSelector::Any => {
                apply_path_rule(context, rule_index, touch.commit, targets, buffers);
            }
        }
    }
}

/// The targets a component rule applies to, within the commit's ranges (component rules apply to
/// the repository or to named packages).
fn for_rule_targets(
    context: &Context<'_>,
    rule: &Rule,
    commit: &CommitInput,
    targets: &mut Targets,
    mut add: impl FnMut(&mut Target),
) {
    match &rule.applies_to {
        AppliesTo::Repo if commit.in_repo_range => add(&mut targets.repo),
        AppliesTo::Names(names) => {
            for name in names {
                let index = context.package_index[name.as_str()];
                if commit.in_package_range.contains(index) {
                    add(&mut targets.packages[index]);
                }
            }
        }
        _ => {}
    }
}

/// A path rule (or a rule on any path): one reason per target, from the first matching path.
fn apply_path_rule(
    context: &Context<'_>,
    rule_index: usize,
    commit: &CommitInput,
    targets: &mut Targets,
    buffers: &mut Buffers,
) {
    let rule = &context.config.rules[rule_index];
    let globs = context.rule_globs[rule_index].as_ref();
    for path in &commit.paths {
        if globs.is_some_and(|globs| !globs.is_match(path)) {
            continue;
        }
        let add = |target: &mut Target| {
            if target.rules_seen.insert(rule_index) {
                target.reasons.push(Reason::PathRule {
                    bump: rule.bump,
                    rule: rule.name.clone(),
                    path: path.clone(),
                    sha: commit.sha,
                });
            }
        };
        match &rule.applies_to {
            AppliesTo::Packages => {
                context.router.route(path, &mut buffers.scratch, &mut buffers.owners);
                for &owner in &buffers.owners {
                    if commit.in_package_range.contains(owner) {
                        add(&mut targets.packages[owner]);
                    }
                }
            }
            _ => for_rule_targets(context, rule, commit, targets, add),
        }
    }
}

/// Step 1, continued: each change file is a reason for every package it names, highest bump
/// winning with the commits' as any reason does.
pub(crate) fn collect_change_files(
    context: &Context<'_>,
    input: &PlanInput<'_>,
    targets: &mut Targets,
) -> Result<(), PlanError> {
    for file in &input.change_files {
        for (name, bump) in &file.bumps {
            let Some(&index) = context.package_index.get(name.as_str()) else {
                return Err(PlanError::UnknownChangeFilePackage {
                    path: file.path.clone(),
                    name: name.clone(),
                    suggestion: release_config::suggest::closest(
                        name,
                        input.packages.iter().map(|package| package.name.as_str()),
                    )
                    .map(str::to_string),
                });
            };
            let target = &mut targets.packages[index];
            if *bump > Bump::None {
                target.reasons.push(Reason::ChangeFile {
                    bump: *bump,
                    path: file.path.clone(),
                    summary: file.summary.clone(),
                });
            }
            target.changes.push(ChangeEntry {
                path: file.path.clone(),
                bump: *bump,
                tag: file.tag.clone(),
                summary: file.summary.clone(),
            });
        }
    }
    Ok(())
}

/// Step 2, continued: component rules are decided over the whole range.
pub(crate) fn apply_component_rules(config: &Config, targets: &mut Targets) {
    for target in targets.packages.iter_mut().chain(std::iter::once(&mut targets.repo)) {
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
            commits.iter().enumerate().skip(index + 1).find(|(_, other)| other.sha.has_prefix(target))
        {
            cancelled.insert(index);
            cancelled.insert(reverted.0);
        }
    }
    cancelled
}
