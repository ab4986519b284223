//! The plan's input and output: plain data, no git, no file system.

use release_commit_id::CommitId;
use release_config::Bump;
use serde::Serialize;

use crate::commit::ParsedCommit;

/// The version of the JSON document `release plan --format json` prints.
pub const SCHEMA_VERSION: u32 = 1;

/// A package as the planner sees it.
#[derive(Debug, Clone)]
pub struct PackageInput {
    pub name: String,
    /// Folder relative to the repository root; `.` for the root.
    pub path: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// The version the manifest states, if the package has a manifest with a version.
    pub manifest_version: Option<semver::Version>,
    pub tag: release_config::TagTemplate,
    /// The last stable release reachable from the head, if any.
    pub previous: Option<Release>,
    /// Versions of every tag of this package (pre-releases too), to number the next pre-release.
    pub tagged_versions: Vec<semver::Version>,
    /// Packages with the same group share one version field and move together.
    pub version_group: Option<String>,
    /// Names of the workspace packages this one depends on (not dev-dependencies).
    pub dependencies: Vec<String>,
}

/// A release found in the tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub tag: String,
    pub version: semver::Version,
}

/// The repository-level version, when `[repo]` is configured.
#[derive(Debug, Clone)]
pub struct RepoInput {
    pub previous: Option<Release>,
    pub tagged_versions: Vec<semver::Version>,
}

/// One commit of the walked history.
#[derive(Debug, Clone)]
pub struct CommitInput {
    pub sha: CommitId,
    pub parsed: ParsedCommit,
    /// Paths changed against the first parent.
    pub paths: Vec<String>,
    pub is_merge: bool,
    /// The packages whose range the commit is in (index = package index).
    pub in_package_range: PackageSet,
    pub in_repo_range: bool,
}

/// A set of package indexes, one bit each: a commit's [`CommitInput::in_package_range`]. A
/// whole history is tens of thousands of commits times hundreds of packages, so not a `Vec<bool>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageSet {
    words: Vec<u64>,
}

impl PackageSet {
    /// Packages `0..count`.
    pub fn all(count: usize) -> PackageSet {
        (0..count).map(|_| true).collect()
    }

    /// From words of 64 packages each, package `i` at bit `i % 64` of word `i / 64`.
    pub fn from_words(words: Vec<u64>) -> PackageSet {
        PackageSet { words }
    }

    pub fn contains(&self, index: usize) -> bool {
        self.words.get(index / 64).is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }
}

/// Package `i` is in the set when the `i`th item is `true`.
impl FromIterator<bool> for PackageSet {
    fn from_iter<I: IntoIterator<Item = bool>>(items: I) -> PackageSet {
        let mut words = Vec::new();
        for (index, inside) in items.into_iter().enumerate() {
            if index % 64 == 0 {
                words.push(0);
            }
            if inside {
                words[index / 64] |= 1 << (index % 64);
            }
        }
        PackageSet { words }
    }
}

/// A change file (changesets' `.changeset/*.md`, covector's `.changes/*.md`): a maintainer's
/// statement of what a release holds, read from the repository by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeFile {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// Package name and bump, in the file's order.
    pub bumps: Vec<(String, Bump)>,
    /// covector's tag (`patch:bug` gives `bug`), if any.
    pub tag: Option<String>,
    /// The text after the front matter, trimmed.
    pub summary: String,
}

/// Everything the planner needs.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    pub config: &'a release_config::Config,
    pub head: CommitId,
    pub packages: Vec<PackageInput>,
    pub repo: Option<RepoInput>,
    /// Newest first.
    pub commits: Vec<CommitInput>,
    /// `--pre LABEL`
    pub pre: Option<String>,
    /// Change files, when `[versioning] sources` lists them (in path order).
    pub change_files: Vec<ChangeFile>,
}

/// The plan, as printed by `release plan --format json`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Plan {
    pub schema_version: u32,
    pub head: CommitId,
    pub packages: Vec<PackagePlan>,
    pub repo: Option<RepoPlan>,
    pub warnings: Vec<String>,
    /// The change files this plan consumed: the release commit deletes them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub change_files: Vec<String>,
    /// Packages discovery found but does not release (they cannot be published, or
    /// `[workspace] private = "skip"`), with the reason; absent from the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedPackage>,
}

impl Plan {
    /// The released packages (bumped in this plan) whose release caused `package`'s, with their
    /// next versions: a changelog's and the release notes' "dependencies" list.
    pub fn released_dependencies(&self, package: &PackagePlan) -> Vec<(String, semver::Version)> {
        package
            .reasons
            .iter()
            .filter_map(|reason| match reason {
                crate::Reason::Dependency { package: name, .. } => self
                    .packages
                    .iter()
                    .find(|other| &other.name == name && other.bump != Bump::None)
                    .map(|other| (name.clone(), other.next_version.clone())),
                _ => None,
            })
            .collect()
    }
}

/// A package that is not released, and why (`private, no version`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SkippedPackage {
    pub name: String,
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PackagePlan {
    pub name: String,
    pub path: String,
    pub components: Vec<String>,
    pub current_version: semver::Version,
    pub next_version: semver::Version,
    #[serde(serialize_with = "serialize_bump")]
    pub bump: Bump,
    pub previous_tag: Option<String>,
    pub next_tag: Option<String>,
    pub commits: Vec<CommitEntry>,
    pub reasons: Vec<Reason>,
    /// What change files say about this package, for its changelog.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub changes: Vec<ChangeEntry>,
}

/// One change file's entry in one package's changelog.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChangeEntry {
    pub path: String,
    #[serde(serialize_with = "serialize_bump")]
    pub bump: Bump,
    pub tag: Option<String>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RepoPlan {
    pub current_version: semver::Version,
    pub next_version: semver::Version,
    #[serde(serialize_with = "serialize_bump")]
    pub bump: Bump,
    pub previous_tag: Option<String>,
    pub next_tag: Option<String>,
    /// Components touched by the commits in the repository's range.
    pub components: Vec<String>,
    /// Every commit in the repository's range (merge commits only when conventional).
    pub commits: Vec<CommitEntry>,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommitEntry {
    pub sha: CommitId,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub scope: Option<String>,
    pub breaking: bool,
    pub summary: String,
    pub pr: Option<u64>,
    #[serde(serialize_with = "serialize_bump")]
    pub bump: Bump,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaking_description: Option<String>,
}

/// Why a package or the repository gets its bump.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    Commit {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        sha: CommitId,
        #[serde(rename = "type")]
        kind: Option<String>,
        scope: Option<String>,
        breaking: bool,
        summary: String,
    },
    PathRule {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        rule: String,
        path: String,
        sha: CommitId,
    },
    ComponentRule {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        rule: String,
        components: Vec<String>,
    },
    Dependency {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        package: String,
    },
    Override {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        sha: CommitId,
        version: String,
    },
    /// A change file names the package.
    ChangeFile {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        path: String,
        summary: String,
    },
    /// The package shares its version field with another (Cargo `version.workspace = true`).
    Group {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        package: String,
    },
    /// The repository follows the bump of one of its packages.
    Package {
        #[serde(serialize_with = "serialize_bump")]
        bump: Bump,
        package: String,
    },
}

impl Reason {
    pub fn bump(&self) -> Bump {
        match self {
            Reason::Commit { bump, .. }
            | Reason::PathRule { bump, .. }
            | Reason::ComponentRule { bump, .. }
            | Reason::Dependency { bump, .. }
            | Reason::Override { bump, .. }
            | Reason::ChangeFile { bump, .. }
            | Reason::Group { bump, .. }
            | Reason::Package { bump, .. } => *bump,
        }
    }

    /// The bump as it applies to a version: on 0.x a breaking change or a feature counts less.
    pub(crate) fn apply_zero_major(&mut self, versioning: &release_config::Versioning, current: &semver::Version) {
        let effective = crate::zero_major(versioning, current, self.bump());
        match self {
            Reason::Override { .. } => {}
            Reason::Commit { bump, .. }
            | Reason::ChangeFile { bump, .. }
            | Reason::PathRule { bump, .. }
            | Reason::ComponentRule { bump, .. }
            | Reason::Dependency { bump, .. }
            | Reason::Group { bump, .. }
            | Reason::Package { bump, .. } => *bump = effective,
        }
    }

    /// Order among reasons of the same strength: what the user did before what follows from it.
    fn rank(&self) -> u8 {
        match self {
            Reason::Override { .. } => 0,
            Reason::Commit { .. } => 1,
            Reason::ChangeFile { .. } => 2,
            Reason::PathRule { .. } => 3,
            Reason::ComponentRule { .. } => 4,
            Reason::Dependency { .. } => 5,
            Reason::Group { .. } => 6,
            Reason::Package { .. } => 7,
        }
    }

    /// Sorts reasons strongest first, keeping the given order within equal ones.
    pub fn sort(reasons: &mut [Reason]) {
        reasons.sort_by(|a, b| b.bump().cmp(&a.bump()).then(a.rank().cmp(&b.rank())));
    }

    /// One line for a terminal.
    pub fn describe(&self) -> String {
        match self {
            Reason::Commit { sha, kind, scope, breaking, summary, .. } => {
                let kind = kind.as_deref().unwrap_or("commit");
                let scope = scope.as_ref().map(|scope| format!("({scope})")).unwrap_or_default();
                let mark = if *breaking { "!" } else { "" };
                format!("{} {kind}{scope}{mark}: {summary}", sha.short())
            }
            Reason::PathRule { rule, path, sha, .. } => format!("rule \"{rule}\": {path} ({})", sha.short()),
            Reason::ComponentRule { rule, components, .. } => {
                format!("rule \"{rule}\": touched {}", components.join(" + "))
            }
            Reason::ChangeFile { path, summary, .. } => {
                let first = summary.lines().next().unwrap_or_default();
                format!("{path}: {first}")
            }
            Reason::Dependency { package, .. } => format!("depends on {package}"),
            Reason::Group { package, .. } => format!("shares its version with {package}"),
            Reason::Override { sha, version, .. } => {
                format!("Release-As: {version} ({})", sha.short())
            }
            Reason::Package { package, .. } => format!("package {package}"),
        }
    }
}

pub fn bump_name(bump: Bump) -> &'static str {
    match bump {
        Bump::None => "none",
        Bump::Patch => "patch",
        Bump::Minor => "minor",
        Bump::Major => "major",
    }
}

fn serialize_bump<S: serde::Serializer>(bump: &Bump, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(bump_name(*bump))
}
