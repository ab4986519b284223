//! The wire format of `release.toml`: exactly what a user may write, nothing more.
//!
//! Every struct denies unknown fields, so a typo is an error that names the key. No `flatten`:
//! it silently turns `deny_unknown_fields` off.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// The whole `release.toml`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "release.toml")]
pub struct ConfigWire {
    /// How commits turn into version bumps.
    pub versioning: Option<VersioningWire>,
    /// Which ecosystems packages are discovered from.
    pub workspace: Option<WorkspaceWire>,
    /// Explicit packages; an entry also overrides a discovered package of the same name.
    #[serde(default)]
    pub package: Vec<PackageWire>,
    /// Named groups of paths (globs), used by rules and shown in the plan.
    #[serde(default)]
    pub components: BTreeMap<String, Vec<String>>,
    /// Present when the repository has a version and a tag of its own.
    pub repo: Option<RepoWire>,
    /// Path rules: a minimum bump for packages or the repository.
    #[serde(default)]
    pub rule: Vec<RuleWire>,
    /// Changelog files and their sections.
    pub changelog: Option<ChangelogWire>,
    /// Replacements for the default templates (paths relative to the repository root).
    pub templates: Option<TemplatesWire>,
    /// How `release cut` commits, tags and pushes.
    pub cut: Option<CutWire>,
    /// The release pull request (`release pr`).
    pub pr: Option<PrWire>,
    /// The promotion stage: history, tagging, concurrency, freeze windows.
    pub promotion: Option<crate::promotion::PromotionWire>,
    /// Where releases are deployed, verified, approved and rolled back.
    #[serde(default)]
    pub environments: crate::promotion::EnvironmentsWire,
    /// Who hears about promotions, rollbacks and releases: webhooks and GitHub comments.
    #[serde(default)]
    pub notify: Vec<crate::notify::NotifyWire>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CutWire {
    /// Branches a release may be cut from (default `["main", "master"]`).
    pub branches: Option<Vec<String>>,
    /// The remote to push to (default `origin`).
    pub remote: Option<String>,
    /// The release commit's subject; `{summary}` lists the versions
    /// (default `chore(release): {summary}`).
    pub commit_message: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PrWire {
    /// The branch the release pull request merges into (default: the first `[cut] branches`).
    pub base: Option<String>,
    /// git-flow: plan the state of this branch into `base` (default: `base` itself).
    pub from: Option<String>,
    /// The branch the tool writes the release commit to (default `release/next`).
    pub branch: Option<String>,
    /// The pull request's title; `{summary}` is `v3.0.0` for one version, `3 packages` otherwise
    /// (default `release: {summary}`).
    pub title: Option<String>,
    /// Labels of an open release pull request (default `["release: pending"]`).
    pub pending_labels: Option<Vec<String>>,
    /// The label a merged release pull request gets once `release cut` has tagged it (default
    /// `release: tagged`).
    pub tagged_label: Option<String>,
}

/// A path, or `false` to turn the file off.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PathOrOff {
    Path(String),
    Off(bool),
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ChangelogWire {
    /// Write a `CHANGELOG.md` in each released package's folder (default true).
    pub packages: Option<bool>,
    /// The repository-level changelog (with `[repo]`): a path, or `false` (default `CHANGELOG.md`).
    pub root: Option<PathOrOff>,
    /// Extra sections, commit type -> title, after the defaults (feat, fix, perf).
    #[serde(default)]
    pub types: BTreeMap<String, String>,
    /// The repository's web address for links; default: derived from the `origin` remote.
    pub repository_url: Option<String>,
    /// How new sections are written; default: the style the file already has, else conventional.
    pub style: Option<ChangelogStyle>,
}

/// A changelog style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChangelogStyle {
    /// `## 1.2.0 - date`; Breaking changes, Features, Bug fixes, Performance.
    Conventional,
    /// keepachangelog.com: `## [1.2.0] - date`; Added, Changed, Fixed; compare links at the bottom.
    KeepAChangelog,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TemplatesWire {
    /// A version section of a changelog (default `templates/changelog.md.j2` of `release`).
    pub changelog: Option<String>,
    /// The body of a forge release and of an annotated tag.
    pub release_notes: Option<String>,
    /// The pull-request comment of `release plan --format markdown`.
    pub plan_comment: Option<String>,
}

/// A file that carries a package's version besides its manifest.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum VersionFileWire {
    /// A plain version file: its whole content is the version (`VERSION`).
    Plain(String),
    /// The one line containing `marker` carries the version (`# x-release-version`).
    Marked(MarkedVersionFile),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkedVersionFile {
    pub path: String,
    pub marker: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VersioningWire {
    /// Version of a package that has never been released and has no version in a manifest.
    pub initial: Option<String>,
    /// On 0.x, what a breaking change bumps.
    pub zero_major_breaking: Option<ZeroMajorBreaking>,
    /// On 0.x, what a feature bumps.
    pub zero_major_feature: Option<ZeroMajorFeature>,
    /// What a commit that is not a conventional commit does.
    pub non_conventional: Option<NonConventional>,
    /// Commit type -> bump. Defaults: feat = minor, fix = patch, perf = patch, others none.
    #[serde(default)]
    pub types: BTreeMap<String, Bump>,
    /// What the dependents of a bumped package get.
    pub dependents: Option<Dependents>,
    /// Where bumps come from: commits (the default), change files of changesets
    /// (`.changeset/*.md`) or of covector (`.changes/*.md`).
    pub sources: Option<Vec<Source>>,
}

/// A place the plan reads the intent of a release from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Conventional commits.
    Commits,
    /// changesets files: `.changeset/*.md`.
    Changesets,
    /// covector files: `.changes/*.md`.
    Covector,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ZeroMajorBreaking {
    Minor,
    Major,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ZeroMajorFeature {
    Patch,
    Minor,
}

/// What a commit that does not follow Conventional Commits does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NonConventional {
    /// It releases nothing.
    Ignore,
    /// It is a patch for the packages it touches.
    Patch,
    /// `release plan` fails and names the commit.
    Error,
}

/// What the dependents of a bumped package get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Dependents {
    None,
    Patch,
    Same,
}

/// A semantic version bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

/// A package ecosystem that `release` can discover packages from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    Cargo,
    Npm,
    Python,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WorkspaceWire {
    /// Ecosystems to discover packages from; `[]` turns discovery off.
    pub discover: Option<Vec<Ecosystem>>,
    /// Globs of manifests or folders that discovery skips (vendored code, examples).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Private packages that have a version (npm `"private": true`, Cargo `publish = false`):
    /// `"release"` (the default) plans them like any other, `"skip"` lists them as not released.
    /// Private packages without a version are never released.
    pub private: Option<PrivatePackages>,
}

/// What discovery does with private packages that have a version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PrivatePackages {
    /// Plan them like any other package: a private app or service still gets versions, tags and
    /// changelogs.
    #[default]
    Release,
    /// List them as not released.
    Skip,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PackageWire {
    /// The package name; matches a discovered package of the same name.
    pub name: String,
    /// The folder the package owns (`path/**`), relative to the repository root.
    pub path: Option<String>,
    /// Extra paths (globs) that also release this package, such as shared code.
    #[serde(default)]
    pub include: Vec<String>,
    /// Paths (globs) inside the package that do not release it.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Tag template; default `{name}-v{version}`, or `v{version}` for a single-package repository.
    pub tag: Option<String>,
    /// The package's changelog: a path relative to the repository root, or `false`
    /// (default `<path>/CHANGELOG.md`).
    pub changelog: Option<PathOrOff>,
    /// Other files that carry the version: `"VERSION"` or `{ path = "Chart.yaml", marker = "x-release-version" }`.
    #[serde(default)]
    pub version_files: Vec<VersionFileWire>,
    /// Files (globs) attached to the package's GitHub release.
    #[serde(default)]
    pub assets: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RepoWire {
    /// Tag template of the repository-level version; default `v{version}`.
    pub tag: Option<String>,
    /// Whether conventional commits anywhere in the repository bump its version directly
    /// (default true). Set `commits = false` and `packages = false` when only rules decide.
    pub commits: Option<bool>,
    /// Whether the repository's bump is at least the highest bump of its packages (default true).
    pub packages: Option<bool>,
    /// Files (globs) attached to the repository's GitHub release.
    #[serde(default)]
    pub assets: Vec<String>,
}

/// A rule's target: the repository, the packages owning the matched paths, or named packages.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AppliesToWire {
    /// `"repo"` or `"packages"`.
    Keyword(String),
    /// Package names.
    Names(Vec<String>),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleWire {
    /// Shown as the reason of the bump.
    pub name: String,
    /// The rule matches when a commit in the range changes a path matching one of these globs.
    pub paths: Option<Vec<String>>,
    /// The rule matches when these components were all (or any, see `match`) touched in the range.
    pub components: Option<Vec<String>>,
    /// For `components`: `"all"` (default) or `"any"`.
    #[serde(rename = "match")]
    pub match_: Option<ComponentMatch>,
    /// Only breaking commits count for this rule.
    pub breaking: Option<bool>,
    /// The minimum bump the rule gives.
    pub bump: Bump,
    /// `"repo"`, `"packages"` (those owning the matched paths), or a list of package names.
    pub applies_to: AppliesToWire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentMatch {
    All,
    Any,
}
