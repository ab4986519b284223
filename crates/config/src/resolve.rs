//! From the wire structs to the typed [`Config`]: the `Resolver` walks what the file said,
//! section by section, validating each value and resolving defaults, and locates every error at
//! its line through the `toml_edit` document (`Step` is one key or index of the path to it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::line_column;
use crate::suggest::closest;
use crate::wire::{self, AppliesToWire, ConfigWire, ZeroMajorBreaking, ZeroMajorFeature};
use crate::{
    AppliesTo, Bump, ChangelogConfig, Component, ComponentMatch, Config, ConfigError, CutConfig, Location,
    PackageConfig, RepoConfig, Rule, RuleSelector, TagTemplate, Templates, VersionFile, Versioning, Workspace, check,
    glob, normalize_path, promotion,
};

/// One step of a key path inside the document, used to find the line of a value.
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

pub(crate) struct Resolver<'a> {
    pub(crate) file: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) document: Option<&'a toml_edit::Document<String>>,
}

impl Resolver<'_> {
    pub(crate) fn locate(&self, steps: &[Step<'_>]) -> Location {
        let mut span = None;
        if let Some(document) = self.document {
            let mut item: Option<&toml_edit::Item> = Some(document.as_item());
            let mut steps = steps.iter().peekable();
            while let (Some(step), Some(current)) = (steps.next(), item) {
                item = match step {
                    Step::Key(key) => current.get(key),
                    Step::Index(index) => match current {
                        toml_edit::Item::ArrayOfTables(tables) => {
                            // A table in an array has no item of its own: take its span, then
                            // step into it with the next key.
                            let table = tables.get(*index);
                            span = table.and_then(toml_edit::Table::span).or(span);
                            match (table, steps.next()) {
                                (Some(table), Some(Step::Key(key))) => table.get(key),
                                _ => None,
                            }
                        }
                        other => other.get(*index),
                    },
                };
                if let Some(found_span) = item.and_then(toml_edit::Item::span) {
                    span = Some(found_span);
                }
            }
        }
        let (line, column) = match span {
            Some(span) => {
                let (line, column) = line_column(self.text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        Location { file: self.file.to_path_buf(), line, column }
    }

    pub(crate) fn invalid(&self, steps: &[Step<'_>], key: &str, message: String, hint: Option<String>) -> ConfigError {
        ConfigError::Invalid { location: self.locate(steps), key: key.to_string(), message, hint }
    }

    pub(crate) fn check_globs(&self, steps: &[Step<'_>], key: &str, globs: &[String]) -> Result<(), ConfigError> {
        for (index, glob) in globs.iter().enumerate() {
            if let Err(error) = glob::Glob::new(glob) {
                let mut at: Vec<Step<'_>> = steps.iter().map(Step::copy).collect();
                at.push(Step::Index(index));
                return Err(self.invalid(
                    &at,
                    key,
                    format!("invalid glob `{glob}`: {}", error.kind()),
                    Some("globs use `*` within a folder and `**` across folders, e.g. `apps/api/**`".into()),
                ));
            }
            if glob.starts_with('/') || glob.split('/').any(|part| part == "..") {
                let mut at: Vec<Step<'_>> = steps.iter().map(Step::copy).collect();
                at.push(Step::Index(index));
                return Err(self.invalid(
                    &at,
                    key,
                    format!("glob `{glob}` leaves the repository"),
                    Some("globs are relative to the repository root, without `/` or `..` at the start".into()),
                ));
            }
        }
        Ok(())
    }

    /// A path relative to the repository root, refused when it would leave the repository.
    pub(crate) fn relative_path(&self, steps: &[Step<'_>], key: &str, path: &str) -> Result<String, ConfigError> {
        if path.starts_with('/') || path.split(['/', '\\']).any(|part| part == "..") || path.contains(':') {
            return Err(self.invalid(
                steps,
                key,
                format!("path `{path}` leaves the repository"),
                Some("paths are relative to the repository root, without `..`".into()),
            ));
        }
        Ok(normalize_path(path))
    }

    pub(crate) fn tag_template(&self, steps: &[Step<'_>], key: &str, text: &str) -> Result<TagTemplate, ConfigError> {
        TagTemplate::parse(text).map_err(|error| self.invalid(steps, key, error.message, Some(error.hint.into())))
    }

    /// The wire config, resolved section by section, each one validated.
    pub(crate) fn resolve(&self, wire: ConfigWire) -> Result<Config, ConfigError> {
        let versioning = self.versioning(wire.versioning.unwrap_or_default())?;
        let workspace = self.workspace(wire.workspace)?;
        let packages = self.packages(wire.package)?;
        let components = self.components(wire.components)?;
        let repo = self.repo(wire.repo)?;
        let rules = self.rules(wire.rule, &components)?;
        let changelog = self.changelog(wire.changelog)?;
        let templates = self.templates(wire.templates)?;
        let cut = self.cut(wire.cut)?;
        let pr = self.pr(wire.pr, &cut)?;
        let promotion = self.promotion_of(wire.promotion, &cut)?;
        let environments = self.environments(wire.environments)?;
        let notify = self.notify(wire.notify, &environments)?;

        Ok(Config {
            notify,
            warnings: Vec::new(),
            cut,
            pr,
            promotion,
            environments,
            file: self.file.to_path_buf(),
            versioning,
            workspace,
            packages,
            components,
            repo,
            rules,
            changelog,
            templates,
        })
    }

    /// `[workspace]`: discovery and the ignored globs.
    pub(crate) fn workspace(&self, wire: Option<wire::WorkspaceWire>) -> Result<Workspace, ConfigError> {
        Ok(match wire {
            Some(workspace) => {
                self.check_globs(
                    &[Step::Key("workspace"), Step::Key("ignore")],
                    "workspace.ignore",
                    &workspace.ignore,
                )?;
                Workspace {
                    discover: workspace.discover.unwrap_or_else(|| Workspace::default().discover),
                    ignore: workspace.ignore,
                    private: workspace.private.unwrap_or_default(),
                }
            }
            None => Workspace::default(),
        })
    }

    /// `[[package]]` entries: unique names, paths inside the repository, valid globs and tags.
    pub(crate) fn packages(&self, wire: Vec<wire::PackageWire>) -> Result<Vec<PackageConfig>, ConfigError> {
        let mut packages: Vec<PackageConfig> = Vec::new();
        let mut names = BTreeSet::new();
        for (index, package) in wire.into_iter().enumerate() {
            let at = |key| [Step::Key("package"), Step::Index(index), Step::Key(key)];
            if package.name.trim().is_empty() {
                return Err(self.invalid(&at("name"), "package.name", "package name is empty".into(), None));
            }
            if !names.insert(package.name.clone()) {
                return Err(self.invalid(
                    &at("name"),
                    "package.name",
                    format!("two packages are named `{}`", package.name),
                    Some("package names must be unique; merge the two entries or rename one".into()),
                ));
            }
            if let Some(path) = &package.path
                && (path.starts_with('/') || path.split('/').any(|part| part == ".."))
            {
                return Err(self.invalid(
                    &at("path"),
                    "package.path",
                    format!("path `{path}` leaves the repository"),
                    Some("paths are relative to the repository root".into()),
                ));
            }
            self.check_globs(&at("include"), "package.include", &package.include)?;
            self.check_globs(&at("exclude"), "package.exclude", &package.exclude)?;
            let tag = match &package.tag {
                Some(tag) => Some(self.tag_template(&at("tag"), "package.tag", tag)?),
                None => None,
            };
            let changelog = match &package.changelog {
                None => None,
                Some(wire::PathOrOff::Off(false)) => Some(None),
                Some(wire::PathOrOff::Off(true)) => None,
                Some(wire::PathOrOff::Path(path)) => {
                    Some(Some(self.relative_path(&at("changelog"), "package.changelog", path)?))
                }
            };
            let mut version_files = Vec::new();
            for file in &package.version_files {
                let (path, marker) = match file {
                    wire::VersionFileWire::Plain(path) => (path, None),
                    wire::VersionFileWire::Marked(marked) => (&marked.path, Some(marked.marker.clone())),
                };
                let path = self.relative_path(&at("version-files"), "package.version-files", path)?;
                version_files.push(VersionFile { path, marker });
            }
            self.check_globs(&at("assets"), "package.assets", &package.assets)?;
            packages.push(PackageConfig {
                location: self.locate(&[Step::Key("package"), Step::Index(index)]),
                changelog,
                version_files,
                assets: package.assets,
                name: package.name,
                path: package.path.map(|path| normalize_path(&path)),
                include: package.include,
                exclude: package.exclude,
                tag,
            });
        }
        Ok(packages)
    }

    /// `[components]`: named globs.
    pub(crate) fn components(&self, wire: BTreeMap<String, Vec<String>>) -> Result<Vec<Component>, ConfigError> {
        let mut components = Vec::new();
        for (name, globs) in wire {
            self.check_globs(&[Step::Key("components"), Step::Key(&name)], &format!("components.{name}"), &globs)?;
            components.push(Component { name, globs });
        }
        Ok(components)
    }

    /// `[repo]`: the repository-level version.
    pub(crate) fn repo(&self, wire: Option<wire::RepoWire>) -> Result<Option<RepoConfig>, ConfigError> {
        Ok(match wire {
            Some(repo) => Some(RepoConfig {
                assets: {
                    self.check_globs(&[Step::Key("repo"), Step::Key("assets")], "repo.assets", &repo.assets)?;
                    repo.assets.clone()
                },
                tag: {
                    let steps = [Step::Key("repo"), Step::Key("tag")];
                    let text = repo.tag.as_deref().unwrap_or("v{version}");
                    // The repository has no package name: `{name}/v{version}` would tag `/v1.0.0`.
                    if text.contains("{name}") {
                        return Err(self.invalid(
                            &steps,
                            "repo.tag",
                            format!(
                                "tag template `{text}` has `{{name}}`, but the repository-level version has no name"
                            ),
                            Some(
                                "write the repository's tags without it, e.g. `v{version}` or `release-{version}`"
                                    .into(),
                            ),
                        ));
                    }
                    self.tag_template(&steps, "repo.tag", text)?
                },
                commits: repo.commits.unwrap_or(true),
                packages: repo.packages.unwrap_or(true),
            }),
            None => None,
        })
    }

    /// `[[rule]]` entries: what each matches and what it applies to.
    pub(crate) fn rules(&self, wire: Vec<wire::RuleWire>, components: &[Component]) -> Result<Vec<Rule>, ConfigError> {
        let mut rules = Vec::new();
        for (index, rule) in wire.into_iter().enumerate() {
            let at = |key| [Step::Key("rule"), Step::Index(index), Step::Key(key)];
            let selector = self.rule_selector(index, &rule, components)?;
            if rule.match_.is_some() && !matches!(selector, RuleSelector::Components { .. }) {
                return Err(self.invalid(
                    &at("match"),
                    "rule.match",
                    "`match` only applies to `components`".into(),
                    None,
                ));
            }
            let applies_to = match rule.applies_to {
                AppliesToWire::Keyword(keyword) => match keyword.as_str() {
                    "repo" => AppliesTo::Repo,
                    "packages" => AppliesTo::Packages,
                    other => {
                        return Err(self.invalid(
                            &at("applies-to"),
                            "rule.applies-to",
                            format!("`{other}` is not a target"),
                            Some("use \"repo\", \"packages\", or a list of package names like [\"api\"]".into()),
                        ));
                    }
                },
                AppliesToWire::Names(names) => AppliesTo::Names(names),
            };
            if applies_to == AppliesTo::Packages && matches!(selector, RuleSelector::Components { .. }) {
                return Err(self.invalid(
                    &at("applies-to"),
                    "rule.applies-to",
                    "a components rule cannot apply to \"packages\": it matches no single path".into(),
                    Some("use \"repo\" or a list of package names".into()),
                ));
            }
            rules.push(Rule {
                location: self.locate(&[Step::Key("rule"), Step::Index(index)]),
                name: rule.name,
                selector,
                breaking: rule.breaking.unwrap_or(false),
                bump: rule.bump,
                applies_to,
            });
        }
        Ok(rules)
    }

    /// What a rule matches: paths, components, or any change when it is for breaking changes.
    pub(crate) fn rule_selector(
        &self,
        index: usize,
        rule: &wire::RuleWire,
        components: &[Component],
    ) -> Result<RuleSelector, ConfigError> {
        let at = |key| [Step::Key("rule"), Step::Index(index), Step::Key(key)];
        let selector = match (rule.paths.clone(), rule.components.clone()) {
            (Some(_), Some(_)) => {
                return Err(self.invalid(
                    &at("components"),
                    "rule.components",
                    format!("rule `{}` has both `paths` and `components`", rule.name),
                    Some("split it into two rules".into()),
                ));
            }
            (Some(paths), None) => {
                self.check_globs(&at("paths"), "rule.paths", &paths)?;
                RuleSelector::Paths(paths)
            }
            (None, Some(names)) => {
                for name in &names {
                    if !components.iter().any(|component| &component.name == name) {
                        let known: Vec<&str> = components.iter().map(|component| component.name.as_str()).collect();
                        let hint = match closest(name, known.iter().copied()) {
                            Some(candidate) => format!("did you mean `{candidate}`?"),
                            None if known.is_empty() => "define it under [components]".to_string(),
                            None => format!("components defined: {}", known.join(", ")),
                        };
                        return Err(self.invalid(
                            &at("components"),
                            "rule.components",
                            format!("unknown component `{name}`"),
                            Some(hint),
                        ));
                    }
                }
                RuleSelector::Components { names, match_: rule.match_.unwrap_or(ComponentMatch::All) }
            }
            (None, None) if rule.breaking == Some(true) => RuleSelector::Any,
            (None, None) => {
                return Err(self.invalid(
                    &[Step::Key("rule"), Step::Index(index)],
                    "rule",
                    format!("rule `{}` matches nothing", rule.name),
                    Some("add `paths = [..]`, `components = [..]` or `breaking = true`".into()),
                ));
            }
        };
        Ok(selector)
    }

    /// `[changelog]`.
    pub(crate) fn changelog(&self, wire: Option<wire::ChangelogWire>) -> Result<ChangelogConfig, ConfigError> {
        Ok(match wire {
            Some(changelog) => ChangelogConfig {
                packages: changelog.packages.unwrap_or(true),
                root: match &changelog.root {
                    None | Some(wire::PathOrOff::Off(true)) => Some("CHANGELOG.md".into()),
                    Some(wire::PathOrOff::Off(false)) => None,
                    Some(wire::PathOrOff::Path(path)) => Some(self.relative_path(
                        &[Step::Key("changelog"), Step::Key("root")],
                        "changelog.root",
                        path,
                    )?),
                },
                types: changelog.types.into_iter().map(|(kind, title)| (kind.to_ascii_lowercase(), title)).collect(),
                repository_url: changelog.repository_url,
                style: changelog.style,
            },
            None => ChangelogConfig::default(),
        })
    }

    /// `[templates]`: paths inside the repository.
    pub(crate) fn templates(&self, wire: Option<wire::TemplatesWire>) -> Result<Templates, ConfigError> {
        Ok(match wire {
            Some(templates) => {
                let path = |key: &str, value: Option<String>| match value {
                    Some(value) => self
                        .relative_path(&[Step::Key("templates"), Step::Key(key)], &format!("templates.{key}"), &value)
                        .map(Some),
                    None => Ok(None),
                };
                Templates {
                    changelog: path("changelog", templates.changelog)?,
                    release_notes: path("release-notes", templates.release_notes)?,
                    plan_comment: path("plan-comment", templates.plan_comment)?,
                }
            }
            None => Templates::default(),
        })
    }

    /// `[cut]`: the commit message, the release branches and the remote.
    pub(crate) fn cut(&self, wire: Option<wire::CutWire>) -> Result<CutConfig, ConfigError> {
        Ok(match wire {
            Some(cut) => {
                let defaults = CutConfig::default();
                let commit_message = cut.commit_message.unwrap_or(defaults.commit_message);
                if !commit_message.contains("{summary}") || commit_message.trim().is_empty() {
                    return Err(self.invalid(
                        &[Step::Key("cut"), Step::Key("commit-message")],
                        "cut.commit-message",
                        format!("`{commit_message}` has no `{{summary}}`"),
                        Some("e.g. \"chore(release): {summary}\"".into()),
                    ));
                }
                if let Some(character) = commit_message.chars().find(|character| character.is_control()) {
                    // A line break would let the subject write trailers of its own, and the
                    // trailers are what a rerun trusts.
                    return Err(self.invalid(
                        &[Step::Key("cut"), Step::Key("commit-message")],
                        "cut.commit-message",
                        format!("`{}` contains the control character {character:?}", commit_message.escape_debug()),
                        Some("the commit message is the release commit's one-line subject".into()),
                    ));
                }
                let branches = cut.branches.unwrap_or(defaults.branches);
                if branches.is_empty() {
                    return Err(self.invalid(
                        &[Step::Key("cut"), Step::Key("branches")],
                        "cut.branches",
                        "no branch is listed, so no release could ever be cut".into(),
                        Some("list the branches releases are cut from, e.g. branches = [\"main\"], or remove the key for the default".into()),
                    ));
                }
                if let Some(index) = branches.iter().position(|branch| branch.trim().is_empty()) {
                    return Err(self.invalid(
                        &[Step::Key("cut"), Step::Key("branches"), Step::Index(index)],
                        "cut.branches",
                        "a branch name is empty".into(),
                        Some("list the branches releases are cut from, e.g. branches = [\"main\"]".into()),
                    ));
                }
                let remote = cut.remote.unwrap_or(defaults.remote);
                if let Some(problem) = check::remote_name_problem(&remote) {
                    return Err(self.invalid(
                        &[Step::Key("cut"), Step::Key("remote")],
                        "cut.remote",
                        format!("`{}` {problem}", remote.escape_debug()),
                        Some("name a remote of the repository, as `git remote` lists them, e.g. \"origin\"".into()),
                    ));
                }
                CutConfig { branches, remote, commit_message }
            }
            None => CutConfig::default(),
        })
    }

    /// `[promotion]`, whose ledger must not be a release branch.
    pub(crate) fn promotion_of(
        &self,
        wire: Option<promotion::PromotionWire>,
        cut: &CutConfig,
    ) -> Result<promotion::Promotion, ConfigError> {
        let promotion = self.promotion(wire.unwrap_or_default())?;
        // The ledger is a history of its own: on a release branch its commits would replace the
        // project's files at the tip.
        if let Some(branch) = cut.branches.iter().find(|branch| promotion.ledger == format!("refs/heads/{branch}")) {
            return Err(self.invalid(
                &[Step::Key("promotion"), Step::Key("ledger")],
                "promotion.ledger",
                format!("`{}` is the release branch `{branch}`", promotion.ledger),
                Some("the ledger needs a ref of its own, e.g. the default \"refs/heads/release-ledger\"".into()),
            ));
        }
        Ok(promotion)
    }

    pub(crate) fn duration(
        &self,
        steps: &[Step<'_>],
        key: &str,
        text: &str,
    ) -> Result<std::time::Duration, ConfigError> {
        promotion::parse_duration(text).map_err(|error| self.invalid(steps, key, error.to_string(), None))
    }

    pub(crate) fn promotion(&self, wire: promotion::PromotionWire) -> Result<promotion::Promotion, ConfigError> {
        let defaults = promotion::Promotion::default();
        let mut freeze = Vec::new();
        for (index, window) in wire.freeze.iter().enumerate() {
            let at = |key| [Step::Key("promotion"), Step::Key("freeze"), Step::Index(index), Step::Key(key)];
            let time = |key: &'static str, text: &str| {
                promotion::parse_time(text).map_err(|error| {
                    self.invalid(&at(key), &format!("promotion.freeze.{key}"), error.to_string(), None)
                })
            };
            let (from, until) = (time("from", &window.from)?, time("until", &window.until)?);
            if until <= from {
                return Err(self.invalid(
                    &at("until"),
                    "promotion.freeze.until",
                    "the window ends before it starts".into(),
                    None,
                ));
            }
            freeze.push(promotion::Freeze {
                from,
                until,
                until_text: window.until.trim().to_string(),
                reason: window.reason.clone(),
            });
        }
        let lock_timeout = match &wire.lock_timeout {
            Some(text) => {
                self.duration(&[Step::Key("promotion"), Step::Key("lock-timeout")], "promotion.lock-timeout", text)?
            }
            None => defaults.lock_timeout,
        };
        let ledger = wire.ledger.unwrap_or(defaults.ledger);
        let problem = match check::ref_name_problem(&ledger) {
            None if !ledger.starts_with("refs/") => Some("is not a full ref name".to_string()),
            // A tag does not move; a remote-tracking ref is git's, not ours to push.
            None if !ledger.starts_with("refs/heads/") => Some("is not a branch (`refs/heads/...`)".to_string()),
            problem => problem,
        };
        if let Some(problem) = problem {
            return Err(self.invalid(
                &[Step::Key("promotion"), Step::Key("ledger")],
                "promotion.ledger",
                format!("`{}` {problem}", ledger.escape_debug()),
                Some("write a full ref name, e.g. \"refs/heads/release-ledger\"".into()),
            ));
        }
        Ok(promotion::Promotion {
            tag_on: wire.tag_on.unwrap_or(defaults.tag_on),
            ledger,
            concurrency: wire.concurrency.unwrap_or(defaults.concurrency),
            lock_timeout,
            freeze,
            github_deployments: wire.github_deployments,
        })
    }

    pub(crate) fn versioning(&self, wire: wire::VersioningWire) -> Result<Versioning, ConfigError> {
        let mut versioning = Versioning::default();
        if let Some(initial) = wire.initial {
            versioning.initial = semver::Version::parse(&initial).map_err(|error| {
                self.invalid(
                    &[Step::Key("versioning"), Step::Key("initial")],
                    "versioning.initial",
                    format!("`{initial}` is not a semantic version: {error}"),
                    Some("write a full version such as \"0.1.0\"".into()),
                )
            })?;
        }
        if let Some(breaking) = wire.zero_major_breaking {
            versioning.zero_major_breaking = match breaking {
                ZeroMajorBreaking::Minor => Bump::Minor,
                ZeroMajorBreaking::Major => Bump::Major,
            };
        }
        if let Some(feature) = wire.zero_major_feature {
            versioning.zero_major_feature = match feature {
                ZeroMajorFeature::Patch => Bump::Patch,
                ZeroMajorFeature::Minor => Bump::Minor,
            };
        }
        if let Some(non_conventional) = wire.non_conventional {
            versioning.non_conventional = non_conventional;
        }
        for (name, bump) in wire.types {
            versioning.types.insert(name.to_ascii_lowercase(), bump);
        }
        if let Some(dependents) = wire.dependents {
            versioning.dependents = dependents;
        }
        if let Some(mut sources) = wire.sources {
            if sources.is_empty() {
                return Err(self.invalid(
                    &[Step::Key("versioning"), Step::Key("sources")],
                    "versioning.sources",
                    "no source is listed, so nothing could ever be released".into(),
                    Some("list at least one of \"commits\", \"changesets\", \"covector\", or remove the key for the default".into()),
                ));
            }
            sources.sort();
            sources.dedup();
            versioning.sources = sources;
        }
        Ok(versioning)
    }
}

impl Step<'_> {
    pub(crate) fn copy(&self) -> Step<'_> {
        match self {
            Step::Key(key) => Step::Key(key),
            Step::Index(index) => Step::Index(*index),
        }
    }
}
