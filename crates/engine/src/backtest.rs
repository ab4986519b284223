//! `release backtest`: how would `release` have done on this history? At each of the last
//! releases of every package, the plan is rebuilt as it would have been computed then (at the
//! release commit's parent, so only the tags before it count, with today's config, and the change
//! files that were there) and its next version is compared with the one that shipped.
//!
//! Several packages released at one commit are one release point and one plan; each plan walks
//! only the ranges since the previous releases (the session's commit reading is shared).

use std::collections::{BTreeMap, BTreeSet};

use release_commit_id::CommitId;
use release_plan::{Bump, Reason};
use serde::Serialize;

use crate::EngineError;
use crate::session::Session;

/// The name the repository-level version goes by in reports.
pub const REPOSITORY: &str = "(repository)";

#[derive(Debug, Clone)]
pub struct BacktestOptions {
    /// Release points per package, newest first.
    pub releases: usize,
    /// Only these packages (all when empty).
    pub packages: Vec<String>,
}

/// How the plan at a release point compares with what shipped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The plan gives the version that shipped.
    Agree,
    /// The plan releases the package, with another version.
    Disagree,
    /// A version shipped; the plan would not have released the package.
    Missed,
    /// The plan would have released the package; nothing shipped at this point.
    Unshipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub package: String,
    /// The release commit.
    pub commit: CommitId,
    /// The tag that shipped, if one did.
    pub tag: Option<String>,
    pub shipped: Option<String>,
    /// The version the plan gives (`None`: it would not have released the package).
    pub planned: Option<String>,
    /// The version the plan started from.
    pub current: String,
    pub verdict: Verdict,
    /// The plan's reasons (for anything but agreement).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

/// Per package: agreement over its release points.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    pub package: String,
    /// Release points where the package shipped.
    pub shipped: usize,
    pub agree: usize,
    pub disagree: usize,
    pub missed: usize,
    /// Release points of other packages where the plan would also have released this one.
    pub unshipped: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    /// Distinct release commits planned.
    pub points: usize,
    pub scores: Vec<Score>,
    /// Every comparison that is not agreement, newest first.
    pub disagreements: Vec<Comparison>,
}

/// One package (or the repository) in the plan at a release point.
struct Target<'p> {
    name: &'p str,
    current: &'p semver::Version,
    next: &'p semver::Version,
    bump: Bump,
    first: bool,
    reasons: &'p [Reason],
}

/// One release commit and what shipped there: package -> (tag, version).
struct Point {
    commit: CommitId,
    shipped: BTreeMap<String, (String, semver::Version)>,
}

impl Session<'_> {
    pub fn backtest(&self, options: &BacktestOptions) -> Result<Backtest, EngineError> {
        self.check_packages(&options.packages)?;
        let points = self.release_points(options)?;
        let wanted = |name: &str| options.packages.is_empty() || options.packages.iter().any(|wanted| wanted == name);
        let mut scores: BTreeMap<String, Score> = BTreeMap::new();
        let mut disagreements = Vec::new();
        for point in &points {
            for comparison in self.compare(point)? {
                if !wanted(&comparison.package) {
                    continue;
                }
                let score = scores.entry(comparison.package.clone()).or_default();
                score.package.clone_from(&comparison.package);
                if comparison.shipped.is_some() {
                    score.shipped += 1;
                }
                match comparison.verdict {
                    Verdict::Agree => score.agree += 1,
                    Verdict::Disagree => score.disagree += 1,
                    Verdict::Missed => score.missed += 1,
                    Verdict::Unshipped => score.unshipped += 1,
                }
                if comparison.verdict != Verdict::Agree {
                    disagreements.push(comparison);
                }
            }
        }
        Ok(Backtest { points: points.len(), scores: scores.into_values().collect(), disagreements })
    }

    /// The last `options.releases` stable releases of each package (and of the repository)
    /// reachable from HEAD, grouped by commit, newest first.
    fn release_points(&self, options: &BacktestOptions) -> Result<Vec<Point>, EngineError> {
        let catalog = self.catalog()?;
        let tags = self.tags()?;
        let repo = self.repo();
        let mut reach = repo.reachability(repo.resolve("HEAD")?)?;
        let names: Vec<&str> = catalog
            .workspace
            .packages
            .iter()
            .map(|package| package.name.as_str())
            .chain(self.config()?.repo.as_ref().map(|_| REPOSITORY))
            .collect();
        let mut by_commit: BTreeMap<CommitId, Point> = BTreeMap::new();
        for (name, releases) in names.iter().zip(&catalog.releases) {
            let mut taken = 0;
            for (tag, version, position) in releases.iter().filter(|(_, version, _)| version.pre.is_empty()) {
                if taken == options.releases {
                    break;
                }
                let Some(commit) = repo.peel_tag(&tags[*position]) else { continue };
                if !reach.reaches(commit)? {
                    continue;
                }
                taken += 1;
                by_commit
                    .entry(commit)
                    .or_insert_with(|| Point { commit, shipped: BTreeMap::new() })
                    .shipped
                    .insert(name.to_string(), (tag.clone(), version.clone()));
            }
        }
        let mut points: Vec<Point> = by_commit.into_values().collect();
        let mut times = BTreeMap::new();
        for point in &points {
            times.insert(point.commit, repo.commit_time(point.commit)?);
        }
        points.sort_by_key(|point| std::cmp::Reverse(times[&point.commit]));
        Ok(points)
    }

    /// The plan at the point's parent, package by package, against what shipped.
    fn compare(&self, point: &Point) -> Result<Vec<Comparison>, EngineError> {
        let commit = point.commit;
        let Some(parent) = self.repo().parent(point.commit) else {
            // A root commit has no history before it to plan.
            return Ok(Vec::new());
        };
        // Not memoised: a backtest plans each point once, and keeping them all costs memory.
        let planned = self.plan_at(parent, None, crate::planner::ChangeFiles::At(parent))?;
        let mut targets: Vec<Target<'_>> = planned
            .plan
            .packages
            .iter()
            .map(|package| Target {
                name: &package.name,
                current: &package.current_version,
                next: &package.next_version,
                bump: package.bump,
                first: package.previous_tag.is_none(),
                reasons: &package.reasons,
            })
            .collect();
        if let Some(repo) = &planned.plan.repo {
            targets.push(Target {
                name: REPOSITORY,
                current: &repo.current_version,
                next: &repo.next_version,
                bump: repo.bump,
                first: repo.previous_tag.is_none(),
                reasons: &repo.reasons,
            });
        }
        let seen: BTreeSet<&str> = targets.iter().map(|target| target.name).collect();
        let mut out = Vec::new();
        // A first release ships whatever its manifest said then, which today's manifest does
        // not tell: it is not compared.
        for Target { name, current, next, bump, reasons, .. } in targets.into_iter().filter(|target| !target.first) {
            let shipped = point.shipped.get(name);
            let planned = (bump != Bump::None).then(|| next.to_string());
            let verdict = match (shipped, &planned) {
                (Some((_, version)), Some(planned)) if *planned == version.to_string() => Verdict::Agree,
                (Some(_), Some(_)) => Verdict::Disagree,
                (Some(_), None) => Verdict::Missed,
                (None, Some(_)) => Verdict::Unshipped,
                (None, None) => continue,
            };
            out.push(Comparison {
                package: name.to_string(),
                commit,
                tag: shipped.map(|(tag, _)| tag.clone()),
                shipped: shipped.map(|(_, version)| version.to_string()),
                planned,
                current: current.to_string(),
                verdict,
                reasons: if verdict == Verdict::Agree { Vec::new() } else { reasons.to_vec() },
            });
        }
        debug_assert!(point.shipped.keys().all(|name| seen.contains(name.as_str())), "shipped packages are planned");
        Ok(out)
    }
}
