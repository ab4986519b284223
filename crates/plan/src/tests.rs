//! Scenario tables for the planner: packages, commits and a config in, versions and reasons out.

use std::path::Path;

use release_config::{Config, TagTemplate};

use super::*;

/// A full commit id from its first hex digits (the rest zeros): `c2` is `c200000…`.
fn commit_id(start: &str) -> release_commit_id::CommitId {
    format!("{start:0<40}").parse().unwrap()
}

struct Scenario {
    config: Config,
    packages: Vec<PackageInput>,
    commits: Vec<CommitInput>,
    repo: Option<RepoInput>,
    pre: Option<String>,
    change_files: Vec<ChangeFile>,
}

fn scenario(config: &str, packages: &[(&str, &str, Option<&str>, &[&str])]) -> Scenario {
    let config = Config::parse(Path::new("release.toml"), config).unwrap();
    let packages = packages
        .iter()
        .map(|(name, path, previous, dependencies)| PackageInput {
            name: name.to_string(),
            path: path.to_string(),
            include: Vec::new(),
            exclude: Vec::new(),
            manifest_version: None,
            tag: TagTemplate::parse("{name}-v{version}").unwrap(),
            previous: previous.map(|version| Release {
                tag: format!("{name}-v{version}"),
                version: semver::Version::parse(version).unwrap(),
            }),
            tagged_versions: Vec::new(),
            version_group: None,
            dependencies: dependencies.iter().map(|name| name.to_string()).collect(),
        })
        .collect();
    let repo = config.repo.as_ref().map(|_| RepoInput { previous: None, tagged_versions: Vec::new() });
    Scenario { config, packages, commits: Vec::new(), repo, pre: None, change_files: Vec::new() }
}

impl Scenario {
    /// Adds a commit (call newest first) in every range; `sha` is the start of its id.
    fn commit(mut self, sha: &str, message: &str, paths: &[&str]) -> Self {
        let count = self.packages.len();
        self.commits.push(CommitInput {
            sha: commit_id(sha),
            parsed: parse_message(message),
            paths: paths.iter().map(|path| path.to_string()).collect(),
            is_merge: false,
            in_package_range: PackageSet::all(count),
            in_repo_range: true,
        });
        self
    }

    fn plan(&self) -> Result<Plan, PlanError> {
        plan(&PlanInput {
            config: &self.config,
            head: commit_id("ead"),
            packages: self.packages.clone(),
            repo: self.repo.clone(),
            commits: self.commits.clone(),
            pre: self.pre.clone(),
            change_files: self.change_files.clone(),
        })
    }

    /// `name current -> next (bump)` for each package, and the repo last.
    fn summary(&self) -> Vec<String> {
        let plan = self.plan().unwrap();
        let mut lines: Vec<String> = plan
            .packages
            .iter()
            .map(|package| {
                format!(
                    "{} {} -> {} ({})",
                    package.name,
                    package.current_version,
                    package.next_version,
                    bump_name(package.bump)
                )
            })
            .collect();
        if let Some(repo) = plan.repo {
            lines.push(format!("repo {} -> {} ({})", repo.current_version, repo.next_version, bump_name(repo.bump)));
        }
        lines
    }
}

#[test]
fn commits_release_the_packages_whose_paths_they_touch() {
    let s = scenario("", &[("api", "apps/api", Some("1.2.3"), &[]), ("web", "apps/web", Some("2.0.0"), &[])])
        .commit("c3", "chore: tidy\n", &["apps/web/a.ts"])
        .commit("c2", "fix(web): button\n", &["apps/web/b.ts"])
        .commit("c1", "feat(api): add /health (#12)\n", &["apps/api/src/health.ts"]);
    assert_eq!(s.summary(), ["api 1.2.3 -> 1.3.0 (minor)", "web 2.0.0 -> 2.0.1 (patch)"]);
    let plan = s.plan().unwrap();
    assert_eq!(plan.packages[0].commits[0].pr, Some(12));
    assert_eq!(plan.packages[0].next_tag.as_deref(), Some("api-v1.3.0"));
    assert_eq!(plan.packages[1].commits.len(), 2, "chore is listed but gives no reason");
    assert_eq!(plan.packages[1].reasons.len(), 1);
}

#[test]
fn breaking_changes_and_zero_major() {
    let s = scenario(
        "",
        &[("api", "api", Some("1.0.0"), &[]), ("lib", "lib", Some("0.3.1"), &[]), ("new", "new", None, &[])],
    )
    .commit("c2", "feat: x\n", &["lib/a", "new/a"])
    .commit("c1", "refactor: y\n\nBREAKING CHANGE: gone\n", &["api/a", "lib/a"]);
    assert_eq!(s.summary(), ["api 1.0.0 -> 2.0.0 (major)", "lib 0.3.1 -> 0.4.0 (minor)", "new 0.1.0 -> 0.1.1 (patch)"]);
}

#[test]
fn unchanged_packages_keep_their_version_and_have_no_next_tag() {
    let s = scenario("", &[("api", "api", Some("1.0.0"), &[])]).commit("c1", "docs: readme\n", &["api/README.md"]);
    let plan = s.plan().unwrap();
    assert_eq!(plan.packages[0].bump, Bump::None);
    assert_eq!(plan.packages[0].next_version.to_string(), "1.0.0");
    assert_eq!(plan.packages[0].next_tag, None);
}

#[test]
fn dependents_get_a_patch_transitively_with_the_edge_as_reason() {
    let s = scenario(
        "",
        &[
            ("ui", "ui", Some("1.0.0"), &[]),
            ("web", "web", Some("1.0.0"), &["ui"]),
            ("e2e", "e2e", Some("1.0.0"), &["web"]),
        ],
    )
    .commit("c1", "feat: new button\n", &["ui/button.tsx"]);
    assert_eq!(s.summary(), ["ui 1.0.0 -> 1.1.0 (minor)", "web 1.0.0 -> 1.0.1 (patch)", "e2e 1.0.0 -> 1.0.1 (patch)"]);
    let plan = s.plan().unwrap();
    assert_eq!(plan.packages[2].reasons, [Reason::Dependency { bump: Bump::Patch, package: "web".into() }]);

    let mut same = s;
    same.config.versioning.dependents = Dependents::Same;
    assert_eq!(
        same.summary(),
        ["ui 1.0.0 -> 1.1.0 (minor)", "web 1.0.0 -> 1.1.0 (minor)", "e2e 1.0.0 -> 1.1.0 (minor)"]
    );
    same.config.versioning.dependents = Dependents::None;
    assert_eq!(same.summary(), ["ui 1.0.0 -> 1.1.0 (minor)", "web 1.0.0 -> 1.0.0 (none)", "e2e 1.0.0 -> 1.0.0 (none)"]);
}

#[test]
fn packages_sharing_a_version_field_move_together() {
    let mut s = scenario(
        "",
        &[
            ("core", "core", Some("1.4.0"), &[]),
            ("cli", "cli", Some("1.4.0"), &[]),
            ("other", "other", Some("3.0.0"), &[]),
        ],
    )
    .commit("c1", "feat: faster\n", &["core/a"]);
    s.packages[0].version_group = Some("Cargo.toml".into());
    s.packages[1].version_group = Some("Cargo.toml".into());
    assert_eq!(
        s.summary(),
        ["core 1.4.0 -> 1.5.0 (minor)", "cli 1.4.0 -> 1.5.0 (minor)", "other 3.0.0 -> 3.0.0 (none)"]
    );
    assert_eq!(s.plan().unwrap().packages[1].reasons, [Reason::Group { bump: Bump::Minor, package: "core".into() }]);
}

#[test]
fn a_revert_in_the_range_cancels_the_commit_it_reverts() {
    let reverted = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let s = scenario("", &[("api", "api", Some("1.0.0"), &[])])
        .commit("c3", &format!("Revert \"feat: x\"\n\nThis reverts commit {reverted}.\n"), &["api/a"])
        .commit("c2", "fix: y\n", &["api/b"])
        .commit(reverted, "feat: x\n", &["api/a"]);
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.0.1 (patch)"]);
    assert_eq!(s.plan().unwrap().packages[0].commits.len(), 1);
}

#[test]
fn release_as_overrides_the_version_of_touched_packages() {
    let s = scenario("", &[("api", "api", Some("1.4.0"), &[]), ("web", "web", Some("1.0.0"), &[])]).commit(
        "c1",
        "feat: big\n\nRelease-As: 3.0.0\n",
        &["api/a"],
    );
    assert_eq!(s.summary(), ["api 1.4.0 -> 3.0.0 (major)", "web 1.0.0 -> 1.0.0 (none)"]);
    let reasons = &s.plan().unwrap().packages[0].reasons;
    assert!(matches!(&reasons[0], Reason::Override { bump: Bump::Major, version, .. } if version == "3.0.0"));
}

#[test]
fn merge_commits_count_only_with_a_conventional_message() {
    let mut s = scenario("", &[("api", "api", Some("1.0.0"), &[])]).commit("e1", "Merge branch 'x'\n", &["api/a"]);
    s.commits[0].is_merge = true;
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.0.0 (none)"]);
    s.config.versioning.non_conventional = NonConventional::Error;
    assert!(s.plan().is_ok(), "a merge commit's own message is never an error");
    s.commits[0].parsed = parse_message("feat: merged feature (#4)\n");
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.1.0 (minor)"]);
}

#[test]
fn non_conventional_policy() {
    let s = scenario("[versioning]\nnon-conventional = \"patch\"\n", &[("api", "api", Some("1.0.0"), &[])]).commit(
        "c1",
        "update things\n",
        &["api/a"],
    );
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.0.1 (patch)"]);
    let s = scenario("[versioning]\nnon-conventional = \"error\"\n", &[("api", "api", Some("1.0.0"), &[])]).commit(
        "0123456789",
        "update things\n",
        &["api/a"],
    );
    let error = s.plan().unwrap_err().to_string();
    assert!(error.starts_with("commit 0123456 is not a conventional commit: \"update things\""), "{error}");
}

#[test]
fn commits_outside_a_package_range_do_not_release_it() {
    let mut s = scenario("", &[("api", "api", Some("1.0.0"), &[]), ("web", "web", Some("1.0.0"), &[])]).commit(
        "c1",
        "feat: shared\n",
        &["api/a", "web/a"],
    );
    s.commits[0].in_package_range = [false, true].into_iter().collect();
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.0.0 (none)", "web 1.0.0 -> 1.1.0 (minor)"]);
}

#[test]
fn pre_releases_number_from_existing_tags_then_graduate() {
    let mut s = scenario("", &[("app", ".", Some("1.2.0"), &[])]).commit("c1", "feat: x\n", &["src/a"]);
    s.packages[0].tagged_versions = vec!["1.3.0-rc.1".parse().unwrap(), "1.2.0".parse().unwrap()];
    s.pre = Some("rc".into());
    assert_eq!(s.summary(), ["app 1.2.0 -> 1.3.0-rc.2 (minor)"]);
    s.pre = None;
    assert_eq!(s.summary(), ["app 1.2.0 -> 1.3.0 (minor)"]);
}

/// The policy of seed 003, written as rules: breaking => major; infrastructure => major; backend and
/// frontend together => minor; anything else => patch.
const SEED_POLICY: &str = r#"
[components]
backend = ["apps/express-api/**", "packages/macro-ai-api-client/**"]
frontend = ["apps/client-ui/**", "packages/ui-library/**"]
infra = ["infrastructure/**", ".github/workflows/**"]

[repo]
tag = "v{version}"
commits = false
packages = false

[[rule]]
name = "breaking changes"
breaking = true
bump = "major"
applies-to = "repo"

[[rule]]
name = "infrastructure changes break compatibility"
components = ["infra"]
bump = "major"
applies-to = "repo"

[[rule]]
name = "new features across the stack"
components = ["backend", "frontend"]
bump = "minor"
applies-to = "repo"

[[rule]]
name = "any other change"
paths = ["**"]
bump = "patch"
applies-to = "repo"
"#;

fn seed(commits: &[(&str, &[&str])]) -> String {
    let mut s = scenario(SEED_POLICY, &[("express-api", "apps/express-api", Some("1.0.0"), &[])]);
    s.repo = Some(RepoInput {
        previous: Some(Release { tag: "v1.0.0".into(), version: "1.0.0".parse().unwrap() }),
        tagged_versions: Vec::new(),
    });
    for (index, (message, paths)) in commits.iter().enumerate() {
        s = s.commit(&format!("c{index}"), message, paths);
    }
    s.summary().pop().unwrap()
}

#[test]
fn seed_policy_as_rules() {
    assert_eq!(seed(&[("feat!: drop v1\n", &["apps/express-api/a.ts"])]), "repo 1.0.0 -> 2.0.0 (major)");
    assert_eq!(seed(&[("chore: bump node\n", &["infrastructure/main.tf"])]), "repo 1.0.0 -> 2.0.0 (major)");
    assert_eq!(seed(&[("ci: cache\n", &[".github/workflows/ci.yml"])]), "repo 1.0.0 -> 2.0.0 (major)");
    assert_eq!(
        seed(&[("feat: a\n", &["apps/express-api/a.ts"]), ("feat: b\n", &["apps/client-ui/b.tsx"])]),
        "repo 1.0.0 -> 1.1.0 (minor)"
    );
    assert_eq!(seed(&[("feat: a\n", &["apps/express-api/a.ts"])]), "repo 1.0.0 -> 1.0.1 (patch)");
    assert_eq!(seed(&[("docs: a\n", &["README.md"])]), "repo 1.0.0 -> 1.0.1 (patch)");
    assert_eq!(seed(&[]), "repo 1.0.0 -> 1.0.0 (none)");
}

#[test]
fn reasons_are_strongest_first_and_name_rule_and_path() {
    let mut s = scenario(SEED_POLICY, &[("express-api", "apps/express-api", Some("1.0.0"), &[])])
        .commit("c2", "fix: x\n", &["apps/express-api/a.ts"])
        .commit("c1", "chore: y\n", &["infrastructure/main.tf"]);
    s.config.repo.as_mut().unwrap().commits = true;
    s.config.repo.as_mut().unwrap().packages = true;
    s.repo = Some(RepoInput {
        previous: Some(Release { tag: "v1.0.0".into(), version: "1.0.0".parse().unwrap() }),
        tagged_versions: Vec::new(),
    });
    let repo = s.plan().unwrap().repo.unwrap();
    let kinds: Vec<String> =
        repo.reasons.iter().map(|reason| format!("{} {}", bump_name(reason.bump()), reason.describe())).collect();
    assert_eq!(
        kinds,
        [
            "major rule \"infrastructure changes break compatibility\": touched infra",
            "patch c200000 fix: x",
            "patch rule \"any other change\": apps/express-api/a.ts (c200000)",
            "patch package express-api",
        ]
    );
}

#[test]
fn on_zero_major_reasons_show_the_bump_they_give() {
    let s = scenario("", &[("lib", "lib", Some("0.3.0"), &[])]).commit("c1", "feat!: drop x\n", &["lib/a"]);
    let plan = s.plan().unwrap();
    assert_eq!(plan.packages[0].next_version.to_string(), "0.4.0");
    assert_eq!(plan.packages[0].reasons[0].bump(), Bump::Minor);
    assert_eq!(plan.packages[0].commits[0].bump, Bump::Major, "the commit itself still asks for a major");
}

#[test]
fn rules_for_named_packages_and_owning_packages() {
    let config = r#"
[[rule]]
name = "proto changes break clients"
paths = ["proto/**"]
bump = "major"
applies-to = ["client"]

[[rule]]
name = "migrations are features"
paths = ["**/migrations/**"]
bump = "minor"
applies-to = "packages"
"#;
    let s = scenario(config, &[("api", "api", Some("1.0.0"), &[]), ("client", "client", Some("1.0.0"), &[])])
        .commit("c2", "chore: schema\n", &["proto/api.proto"])
        .commit("c1", "chore: add table\n", &["api/migrations/001.sql"]);
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.1.0 (minor)", "client 1.0.0 -> 2.0.0 (major)"]);

    let bad = scenario(&config.replace("[\"client\"]", "[\"clint\"]"), &[("client", "client", None, &[])]);
    let error = bad.plan().unwrap_err().to_string();
    assert!(
        error.ends_with(
            "rule `proto changes break clients` applies to unknown package `clint` (hint: did you mean `client`?)"
        ),
        "{error}"
    );
}

/// Regression: a `Release-As:` at or below the current version used to replace the next version
/// with it (`1.4.0 -> 0.0.0`, bump none), silently dropping the pending release.
#[test]
fn release_as_at_or_below_the_current_version_is_ignored_with_a_warning() {
    let check = |release_as: &str, expected: &[&str], warning: Option<&str>| {
        let s = scenario("", &[("api", "api", Some("1.4.0"), &[])]).commit("c2", "fix: y\n", &["api/b"]).commit(
            "c1abcdef99",
            &format!("feat: x\n\nRelease-As: {release_as}\n"),
            &["api/a"],
        );
        assert_eq!(s.summary(), expected, "Release-As: {release_as}");
        let plan = s.plan().unwrap();
        assert_eq!(plan.warnings.first().map(String::as_str), warning, "Release-As: {release_as}");
        let overridden = plan.packages[0].reasons.iter().any(|reason| matches!(reason, Reason::Override { .. }));
        assert_eq!(overridden, warning.is_none(), "Release-As: {release_as}");
    };
    let ignored = |value: &str| {
        format!(
            "commit c1abcde: `Release-As: {value}` for api is not above its current version 1.4.0; ignored, the commits' bump applies (hint: a `Release-As:` version must be higher than the current one)"
        )
    };
    check("0.0.0", &["api 1.4.0 -> 1.5.0 (minor)"], Some(&ignored("0.0.0")));
    check("1.4.0", &["api 1.4.0 -> 1.5.0 (minor)"], Some(&ignored("1.4.0")));
    check("v1.3.9", &["api 1.4.0 -> 1.5.0 (minor)"], Some(&ignored("v1.3.9")));
    check("1.4.0-rc.1", &["api 1.4.0 -> 1.5.0 (minor)"], Some(&ignored("1.4.0-rc.1")));
    check("1.4.1", &["api 1.4.0 -> 1.4.1 (patch)"], None);
    check("2.0.0", &["api 1.4.0 -> 2.0.0 (major)"], None);

    // The newest valid `Release-As:` wins over an ignored newer one.
    let s = scenario("", &[("api", "api", Some("1.4.0"), &[])])
        .commit("c2", "fix: y\n\nRelease-As: 1.0.0\n", &["api/b"])
        .commit("c1", "chore: x\n\nRelease-As: 3.0.0\n", &["api/a"]);
    assert_eq!(s.summary(), ["api 1.4.0 -> 3.0.0 (major)"]);

    // Without a previous release the manifest's version is the current one.
    let mut s = scenario("", &[("api", "api", None, &[])]).commit("c1", "fix: x\n\nRelease-As: 0.9.0\n", &["api/a"]);
    s.packages[0].manifest_version = Some("1.0.0".parse().unwrap());
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.0.1 (patch)"]);
}

/// `1.2.18446744073709551615` and a fix panicked (attempt to add with overflow).
#[test]
fn a_version_at_the_largest_number_does_not_overflow() {
    let max = u64::MAX;
    let current = semver::Version::new(1, 2, max);
    assert_eq!(crate::bump_version(&current, release_config::Bump::Patch), current);
    assert_eq!(crate::bump_version(&semver::Version::new(max, 0, 0), release_config::Bump::Major).major, max);
}

impl Scenario {
    fn change_file(mut self, path: &str, bumps: &[(&str, Bump)], summary: &str) -> Self {
        self.change_files.push(ChangeFile {
            path: path.to_string(),
            bumps: bumps.iter().map(|(name, bump)| (name.to_string(), *bump)).collect(),
            tag: None,
            summary: summary.to_string(),
        });
        self
    }
}

#[test]
fn change_files_are_reasons_that_merge_with_commits_highest_wins() {
    let s = scenario("", &[("api", "api", Some("1.2.3"), &[]), ("web", "web", Some("2.0.0"), &[])])
        .commit("c1", "fix(api): a bug\n", &["api/a.rs"])
        .change_file(".changeset/brave-cats.md", &[("api", Bump::Minor)], "Add the health route")
        .change_file(".changeset/quiet-dogs.md", &[("web", Bump::Patch)], "Fix the footer");
    assert_eq!(s.summary(), ["api 1.2.3 -> 1.3.0 (minor)", "web 2.0.0 -> 2.0.1 (patch)"]);
    let plan = s.plan().unwrap();
    assert_eq!(
        plan.packages[0].reasons[0],
        Reason::ChangeFile {
            bump: Bump::Minor,
            path: ".changeset/brave-cats.md".into(),
            summary: "Add the health route".into()
        }
    );
    assert_eq!(plan.packages[0].changes[0].summary, "Add the health route");
    assert_eq!(plan.change_files, [".changeset/brave-cats.md", ".changeset/quiet-dogs.md"]);
    let json = serde_json::to_value(&plan.packages[0].reasons[0]).unwrap();
    assert_eq!(json["kind"], "change_file");
}

#[test]
fn a_change_file_naming_an_unknown_package_names_the_file_and_the_closest_package() {
    let s = scenario("", &[("api-server", "api", Some("1.0.0"), &[])]).change_file(
        ".changes/x.md",
        &[("api-sever", Bump::Patch)],
        "x",
    );
    assert_eq!(
        s.plan().unwrap_err().to_string(),
        ".changes/x.md: unknown package `api-sever` (hint: did you mean `api-server`? a change file names packages as release.toml and the manifests do)"
    );
}

#[test]
fn without_commits_in_the_sources_only_change_files_bump() {
    let s = scenario("[versioning]\nsources = [\"changesets\"]\n", &[("api", "api", Some("1.0.0"), &[])]).commit(
        "c1",
        "feat(api): x\n",
        &["api/a.rs"],
    );
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.0.0 (none)"]);
    let s = s.change_file(".changeset/a.md", &[("api", Bump::Patch)], "x");
    assert_eq!(s.summary(), ["api 1.0.0 -> 1.0.1 (patch)"]);
}

#[test]
fn a_package_set_holds_the_packages_given_past_one_word() {
    let set: PackageSet = (0..130).map(|index| index % 3 == 0 || index == 129).collect();
    for index in 0..140 {
        assert_eq!(set.contains(index), index < 130 && (index % 3 == 0 || index == 129), "package {index}");
    }
    assert!(!set.is_empty());
    assert!(PackageSet::from_words(vec![0, 0]).is_empty());
    assert!(PackageSet::all(65).contains(64) && !PackageSet::all(65).contains(65));
    assert_eq!(PackageSet::from_words(vec![0b101]), [true, false, true].into_iter().collect());
}

/// Messages of every shape the parser knows, for the kept-bytes tests.
const MESSAGES: &[&str] = &[
    "feat: add a thing\n",
    "fix(api): handle nulls (#123)\n\nThe body says why.\n",
    "feat(web)!: drop the old route\n",
    "refactor: move code\n\nBREAKING CHANGE: the config moved\nRelease-As: 2.0.0\n",
    "chore(release): publish\r\n\r\nbody with a : colon\r\n",
    "Revert \"feat: add a thing\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n",
    "Merge pull request #7 from fork/branch\n\nfeat: merged\n",
    "update readme\n",
    "perf: faster\n\nfirst paragraph\n\nsecond # paragraph\n\nRefs: #12\nBREAKING-CHANGE: also breaking\n",
    "Feat(Scope): Capitalised type\n",
    "docs: ünïcödé summary\n",
    "",
];

#[test]
fn a_parsed_message_survives_its_kept_bytes_and_damaged_bytes_are_refused() {
    for message in MESSAGES {
        let parsed = parse_message(message);
        let kept = parsed.to_kept();
        assert_eq!(ParsedCommit::from_kept(&kept), Some(parsed), "{message:?}");
        assert_eq!(ParsedCommit::from_kept(&kept[..kept.len() - 1]), None, "truncated {message:?}");
        let mut longer = kept.clone();
        longer.push(0);
        assert_eq!(ParsedCommit::from_kept(&longer), None, "longer {message:?}");
        let mut other_version = kept;
        other_version[0] = PARSER_VERSION.wrapping_add(1);
        assert_eq!(ParsedCommit::from_kept(&other_version), None, "other version {message:?}");
    }
    assert_eq!(ParsedCommit::from_kept(&[]), None);
}

/// The commit cache keeps parsed messages under `PARSER_VERSION`: when the parser's results
/// change, cached ones must be refused, so the version must change with them. This fails when
/// the results on a fixed set of messages change and the version did not.
#[test]
fn the_parser_fingerprint_matches_its_version() {
    const FINGERPRINT: (u8, u64) = (1, 0xc45c_c447_ad4b_653d);
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for message in MESSAGES {
        for byte in format!("{:?}", parse_message(message)).bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    assert_eq!(
        (PARSER_VERSION, hash),
        FINGERPRINT,
        "parse_message's results changed: bump PARSER_VERSION in crates/plan/src/kept.rs, then set FINGERPRINT here to (the new version, {hash:#x})"
    );
}
