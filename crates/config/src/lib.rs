//! `release.toml`: parsed once into wire structs that reject unknown keys, then validated and
//! resolved into the typed [`Config`] the rest of the pipeline reads.
//!
//! This crate never looks at git or at manifests: it only knows the file. Every error names the
//! file, the line and the key, and suggests a fix where it can.
//!
//! ```
//! let config = release_config::Config::parse(
//!     std::path::Path::new("release.toml"),
//!     "[repo]\ntag = \"v{version}\"\n",
//! )
//! .unwrap();
//! assert_eq!(config.repo.unwrap().tag.render("", "1.2.3"), "v1.2.3");
//! ```

pub mod cargo_release;
mod check;
mod environments;
mod error;
pub mod glob;
pub mod notify;
mod pr;
pub mod promotion;
mod resolve;
pub mod suggest;
mod tag;
pub mod wire;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::{ConfigError, Location};
pub use tag::{TagTemplate, TagTemplateError};
pub use wire::{Bump, ChangelogStyle, ComponentMatch, Dependents, Ecosystem, NonConventional, PrivatePackages, Source};

pub use pr::PrConfig;

use error::line_column;
use resolve::{Resolver, Step};
use suggest::closest;
use wire::ConfigWire;

/// The file name `release` looks for at the repository root.
pub const FILE_NAME: &str = "release.toml";

/// The second place, read when the root `release.toml` is cargo-release's (or absent).
pub const SECOND_PLACE: &str = ".config/release.toml";

/// The resolved, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from (for messages); `release.toml` even when the file is absent.
    pub file: PathBuf,
    /// What loading found worth saying (a root release.toml that is cargo-release's).
    pub warnings: Vec<String>,
    pub versioning: Versioning,
    pub workspace: Workspace,
    pub packages: Vec<PackageConfig>,
    /// Components in the order of the file (alphabetical: TOML tables carry no order we keep).
    pub components: Vec<Component>,
    pub repo: Option<RepoConfig>,
    pub rules: Vec<Rule>,
    pub changelog: ChangelogConfig,
    pub templates: Templates,
    pub cut: CutConfig,
    pub pr: PrConfig,
    pub promotion: promotion::Promotion,
    /// Upstream environments before the ones promoted from them.
    pub environments: Vec<promotion::Environment>,
    /// `[[notify]]` targets, in the order of the file.
    pub notify: Vec<notify::NotifyTarget>,
}

#[derive(Debug, Clone)]
pub struct CutConfig {
    pub branches: Vec<String>,
    pub remote: String,
    /// With `{summary}` somewhere in it.
    pub commit_message: String,
}

impl Default for CutConfig {
    fn default() -> Self {
        CutConfig {
            branches: vec!["main".into(), "master".into()],
            remote: "origin".into(),
            commit_message: "chore(release): {summary}".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ChangelogConfig {
    pub packages: bool,
    /// The repository-level changelog, when `[repo]` is configured.
    pub root: Option<String>,
    /// Extra sections: commit type -> title.
    pub types: Vec<(String, String)>,
    pub repository_url: Option<String>,
    /// `None`: each file's own style (see `release_changelog::Style::detect`).
    pub style: Option<ChangelogStyle>,
}

impl Default for ChangelogConfig {
    fn default() -> Self {
        ChangelogConfig {
            packages: true,
            root: Some("CHANGELOG.md".into()),
            types: Vec::new(),
            repository_url: None,
            style: None,
        }
    }
}

/// Template overrides, as paths relative to the repository root.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub changelog: Option<String>,
    pub release_notes: Option<String>,
    pub plan_comment: Option<String>,
}

/// A file carrying a package's version besides its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFile {
    pub path: String,
    /// `None`: the whole file is the version.
    pub marker: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Versioning {
    pub initial: semver::Version,
    /// On 0.x, the bump a breaking change gives (`Minor` or `Major`).
    pub zero_major_breaking: Bump,
    /// On 0.x, the bump a feature gives (`Patch` or `Minor`).
    pub zero_major_feature: Bump,
    pub non_conventional: NonConventional,
    /// Commit type (lowercase) -> bump; types not listed bump nothing.
    pub types: BTreeMap<String, Bump>,
    pub dependents: Dependents,
    /// Where bumps come from, in a fixed order, without duplicates (default: commits only).
    pub sources: Vec<Source>,
}

impl Default for Versioning {
    fn default() -> Self {
        Versioning {
            initial: semver::Version::new(0, 1, 0),
            zero_major_breaking: Bump::Minor,
            zero_major_feature: Bump::Patch,
            non_conventional: NonConventional::Ignore,
            types: default_types(),
            dependents: Dependents::Patch,
            sources: vec![Source::Commits],
        }
    }
}

fn default_types() -> BTreeMap<String, Bump> {
    [("feat", Bump::Minor), ("fix", Bump::Patch), ("perf", Bump::Patch)]
        .into_iter()
        .map(|(name, bump)| (name.to_string(), bump))
        .collect()
}

#[derive(Debug, Clone)]
pub struct Workspace {
    pub discover: Vec<Ecosystem>,
    /// Globs of paths that discovery skips.
    pub ignore: Vec<String>,
    /// Whether private packages with a version are released.
    pub private: PrivatePackages,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            discover: vec![Ecosystem::Cargo, Ecosystem::Npm, Ecosystem::Python],
            ignore: Vec::new(),
            private: PrivatePackages::default(),
        }
    }
}

/// An explicit `[[package]]` entry.
#[derive(Debug, Clone)]
pub struct PackageConfig {
    pub name: String,
    pub path: Option<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub tag: Option<TagTemplate>,
    /// `Some(None)`: turned off; `None`: the default `<path>/CHANGELOG.md`.
    pub changelog: Option<Option<String>>,
    pub version_files: Vec<VersionFile>,
    /// Globs of files attached to the package's forge release.
    pub assets: Vec<String>,
    /// Where the entry is, for errors found later (a path that does not exist).
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub globs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RepoConfig {
    pub tag: TagTemplate,
    /// Conventional commits anywhere in the range bump the repository.
    pub commits: bool,
    /// The repository's bump is at least the highest bump of its packages.
    pub packages: bool,
    /// Globs of files attached to the repository's forge release.
    pub assets: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub selector: RuleSelector,
    /// Only breaking commits count.
    pub breaking: bool,
    pub bump: Bump,
    pub applies_to: AppliesTo,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub enum RuleSelector {
    /// Any changed path matching one of the globs.
    Paths(Vec<String>),
    /// The named components were touched: all of them, or any of them.
    Components { names: Vec<String>, match_: ComponentMatch },
    /// Any change at all (a rule with only `breaking = true`).
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppliesTo {
    Repo,
    /// The packages owning the matched paths.
    Packages,
    Names(Vec<String>),
}

impl Config {
    /// Whether `environment` ends a promotion chain: nothing promotes from it, and it has an
    /// upstream; or, when no environment has one, every environment is a chain of its own. With
    /// `tag-on = "prod"` its verification publishes the release; a side environment (a `preview`
    /// beside `staging -> prod`) never does.
    pub fn ends_a_chain(&self, environment: &str) -> bool {
        let Some(found) = self.environments.iter().find(|candidate| candidate.name == environment) else {
            return false;
        };
        let downstream = self.environments.iter().any(|other| other.from.as_deref() == Some(environment));
        let chains = self.environments.iter().any(|other| other.from.is_some());
        !downstream && (found.from.is_some() || !chains)
    }

    /// Reads the configuration: `release.toml` at the repository root, or `.config/release.toml`
    /// when that exists (it is the place to use when the root `release.toml` is cargo-release's;
    /// both being ours is an error). A root file that is cargo-release's, with no
    /// `.config/release.toml`, is the default configuration with a warning; no file at all is the
    /// default configuration.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let file = root.join(FILE_NAME);
        let second = root.join(SECOND_PLACE);
        let root_text = read(&file)?;
        let cargo_release = root_text.as_deref().and_then(cargo_release::detect_text);
        if let Some(text) = read(&second)? {
            if root_text.is_some() && cargo_release.is_none() {
                return Err(ConfigError::TwoPlaces { first: file, second });
            }
            return Config::parse(&second, &text);
        }
        match (root_text, cargo_release) {
            (Some(_), Some(found)) => {
                let mut config = Config::parse(&file, "")?;
                config.warnings.push(format!(
                    "{FILE_NAME} is cargo-release's configuration (keys `{}`), not release's: using the defaults (hint: put release's configuration in {SECOND_PLACE}; cargo-release keeps {FILE_NAME})",
                    found.keys.iter().take(3).cloned().collect::<Vec<_>>().join("`, `")
                ));
                Ok(config)
            }
            (Some(text), None) => Config::parse(&file, &text),
            (None, _) => Config::parse(&file, ""),
        }
    }

    /// Parses and validates the text of a `release.toml`; `file` is used in messages only.
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let wire: ConfigWire = toml_edit::de::from_str(text).map_err(|error| deserialize_error(file, text, &error))?;
        let document = toml_edit::Document::parse(text.to_string()).ok();
        let resolver = Resolver { file, text, document: document.as_ref() };
        resolver.resolve(wire)
    }
}

/// The text of a configuration file; `None` when it does not exist. One that is not a regular
/// file, or not UTF-8, is an error naming it.
fn read(file: &Path) -> Result<Option<String>, ConfigError> {
    match fs_err::metadata(file) {
        // Not reading it: a directory cannot be read, and a FIFO would wait for a writer.
        Ok(metadata) if !metadata.is_file() => {
            let kind = if metadata.is_dir() { "a directory" } else { "a FIFO, socket or device" };
            return Err(ConfigError::NotAFile { file: file.to_path_buf(), kind });
        }
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(ConfigError::Io(error)),
    }
    let bytes = fs_err::read(file)?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let prefix = std::str::from_utf8(&error.as_bytes()[..valid]).unwrap_or_default();
        let (line, column) = line_column(prefix, valid);
        let location = Location { file: file.to_path_buf(), line: Some(line), column: Some(column) };
        ConfigError::NotUtf8 { location, byte: error.as_bytes()[valid] }
    })?;
    Ok(Some(text))
}

/// The JSON Schema of `release.toml`, as written to `docs/release.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ConfigWire);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

fn deserialize_error(file: &Path, text: &str, error: &toml_edit::de::Error) -> ConfigError {
    let (line, column) = match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            (Some(line), Some(column))
        }
        None => (None, None),
    };
    let location = Location { file: file.to_path_buf(), line, column };
    let message = error.message().trim().to_string();
    if let Some((key, expected)) = parse_unknown_field(&message) {
        // A cargo-release key at the top of a file that also has keys of ours.
        let top_level = expected.iter().any(|expected| expected == "versioning");
        let monitor = expected.iter().any(|expected| expected == "for");
        let hint = (top_level && cargo_release::KEYS.contains(&key.as_str()))
            .then(|| format!("`{key}` is a cargo-release key: cargo-release's configuration stays in {FILE_NAME}, release's goes in {SECOND_PLACE}"))
            .or_else(|| (monitor && key == "every").then(|| "how often the monitor checks is the schedule that runs `release watch` (its cron), not a key here".to_string()))
            .or_else(|| closest(&key, expected.iter().map(String::as_str)).map(|candidate| format!("did you mean `{candidate}`?")))
            .or_else(|| Some(format!("valid keys here: {}", expected.join(", "))));
        return ConfigError::UnknownKey { location, key, hint };
    }
    ConfigError::Syntax { location, message }
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" into the key and the valid keys.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((key.to_string(), expected))
}

/// `./apps/api/` -> `apps/api`; the root is `.`.
pub fn normalize_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty() && *part != ".").collect();
    if parts.is_empty() { ".".to_string() } else { parts.join("/") }
}

#[cfg(test)]
mod tests;
