//! `release init`: inspect the repository and write a release.toml that says only what the
//! defaults do not: the packages whose tags follow another convention (found from the tags the
//! repository already has, or carried over from release-please's or release-plz's
//! configuration), and nothing else. `--ci github` adds the shipped workflows.

use std::path::Path;

use release_apply::FileChange;
use release_config::{Config, FILE_NAME};
use serde::Serialize;

use crate::EngineError;
use crate::session::Session;

/// Where init writes when the root release.toml is cargo-release's (docs/config.md).
const CARGO_RELEASE_PLACE: &str = ".config/release.toml";

/// Where the workflows go and what they are, as shipped in `templates/ci/github/`.
const WORKFLOWS: [(&str, &str); 3] = [
    (".github/workflows/release-plan.yml", include_str!("../../../templates/ci/github/plan.yml")),
    (".github/workflows/release.yml", include_str!("../../../templates/ci/github/release.yml")),
    (".github/workflows/release-promote.yml", include_str!("../../../templates/ci/github/promote.yml")),
];

#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Replace files that exist.
    pub force: bool,
    /// Also write the GitHub Actions workflows.
    pub github_workflows: bool,
    /// Show what would be written; write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Serialize)]
pub struct InitReport {
    /// Every file written (or, with `--dry-run`, that would be).
    pub files: Vec<String>,
    pub written: bool,
    /// The release.toml text.
    pub config: String,
    /// Each package and the tag template it gets.
    pub packages: Vec<InitPackage>,
    /// The configurations of other tools read (`release-please-config.json`, ...).
    pub migrated_from: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct InitPackage {
    pub name: String,
    pub path: String,
    pub tag: String,
    /// Why the tag is not the default: `tags` (the repository's tags follow it) or the file it
    /// was carried over from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Session<'_> {
    /// Writes release.toml (and the workflows): never over an existing file without `force`.
    pub fn init(&self, options: &InitOptions) -> Result<InitReport, EngineError> {
        let root = self.root();
        // A cargo-release release.toml stays where cargo-release reads it; ours goes to the
        // second place release.toml is read from.
        let cargo_release = release_config::cargo_release::detect(&root.join(FILE_NAME));
        let file = if cargo_release.is_some() { CARGO_RELEASE_PLACE } else { FILE_NAME };
        let mut paths = vec![file.to_string()];
        if options.github_workflows {
            paths.extend(WORKFLOWS.iter().map(|(path, _)| path.to_string()));
        }
        if !options.force
            && let Some(existing) = paths.iter().find(|path| root.join(path).exists())
        {
            return Err(EngineError::InitExists { path: existing.clone() });
        }
        // Today's release.toml (if any) is what init replaces: discovery runs on the defaults.
        self.use_config(Config::parse(&root.join(file), "")?);
        let (packages, migrated_from) = self.init_packages(cargo_release.as_ref())?;
        let sources = change_file_sources(root);
        let repo_tags = self.repository_version_tags(&packages)?;
        let mut config = render(&packages, cargo_release.as_ref(), &sources);
        if repo_tags > 0 {
            config.push_str(&format!(
                "\n# The repository has {repo_tags} tags like `v1.2.3` for more than one package: one version for\n\
                 # the whole repository, which its releases carry.\n[repo]\ntag = \"v{{version}}\"\n"
            ));
        }
        // What init writes must load: checked before anything is written.
        Config::parse(&root.join(file), &config)?;
        let mut changes = vec![change(root, file, &config)?];
        if options.github_workflows {
            for (path, text) in WORKFLOWS {
                changes.push(change(root, path, text)?);
            }
        }
        if !options.dry_run {
            release_apply::write_all(root, &changes)?;
        }
        Ok(InitReport { files: paths, written: !options.dry_run, config, packages, migrated_from })
    }

    /// Stable `v1.2.3` tags in a repository of several packages: the repository's own version
    /// (bevy, pnpm, pydantic-ai tag this way), which `[repo]` carries.
    fn repository_version_tags(&self, packages: &[InitPackage]) -> Result<usize, EngineError> {
        if packages.len() < 2 || packages.iter().any(|package| package.tag.starts_with("v{")) {
            return Ok(0);
        }
        let versioned = |name: &str| {
            name.strip_prefix('v')
                .and_then(|version| semver::Version::parse(version).ok())
                .is_some_and(|version| version.pre.is_empty())
        };
        Ok(self.tags()?.iter().filter(|tag| versioned(&tag.name)).count())
    }

    /// Every discovered package with the tag template it gets: a peer tool's configuration
    /// first, then the convention its tags follow, else the default.
    fn init_packages(
        &self,
        cargo_release: Option<&release_config::cargo_release::CargoRelease>,
    ) -> Result<(Vec<InitPackage>, Vec<String>), EngineError> {
        let files = self.repo().tracked_files_named(release_workspace::MANIFEST_NAMES)?;
        let defaults = release_workspace::discover(self.root(), self.config()?, &files)?;
        let catalog = self.catalog()?;
        let mut migrated = crate::migrate::read(self.root(), &defaults)?;
        if let Some(template) = cargo_release.and_then(|found| found.tag_template()) {
            let source = format!("{FILE_NAME} (cargo-release's `tag-name`)");
            for package in defaults
                .packages
                .iter()
                .filter(|package| package.manifest.as_deref().is_some_and(|manifest| manifest.ends_with("Cargo.toml")))
            {
                migrated.tags.push((package.path.clone(), template.clone(), source.clone()));
            }
            migrated.files.push(format!("{FILE_NAME} (cargo-release)"));
        }
        let mut packages = Vec::new();
        for (default, inferred) in defaults.packages.iter().zip(&catalog.workspace.packages) {
            let carried = migrated.tags.iter().find(|(path, _, _)| *path == inferred.path);
            let (tag, source) = match carried {
                Some((_, tag, file)) => (tag.clone(), Some(file.clone())),
                None if inferred.tag.as_str() != default.tag.as_str() => {
                    (inferred.tag.as_str().to_string(), Some("tags".to_string()))
                }
                None => (default.tag.as_str().to_string(), None),
            };
            packages.push(InitPackage { name: inferred.name.clone(), path: inferred.path.clone(), tag, source });
        }
        Ok((packages, migrated.files))
    }
}

/// release.toml: a commented header, and a `[[package]]` entry for each package whose tag is not
/// the default.
/// The change-file tools the repository is set up for (their `config.json`): their files
/// decide versions beside the commits.
fn change_file_sources(root: &Path) -> Vec<&'static str> {
    [(".changeset/config.json", "changesets"), (".changes/config.json", "covector")]
        .into_iter()
        .filter(|(file, _)| root.join(file).is_file())
        .map(|(_, source)| source)
        .collect()
}

fn render(
    packages: &[InitPackage],
    cargo_release: Option<&release_config::cargo_release::CargoRelease>,
    sources: &[&str],
) -> String {
    let mut out = String::from(
        "# release.toml: written by `release init`. Every key is optional; what is not here is the\n\
         # default (docs/config.md). `release plan` shows what this configuration releases and why.\n",
    );
    if let Some(found) = cargo_release {
        out.push_str(&format!(
            "#\n# The repository root's release.toml is cargo-release's, so this file is {CARGO_RELEASE_PLACE}.\n"
        ));
        if found.shared_version.is_some() {
            out.push_str(
                "# cargo-release's `shared-version`: crates that inherit `[workspace.package].version`\n\
                 # already move together here (a version group); crates with their own version do not.\n",
            );
        }
    }
    if !sources.is_empty() {
        let quoted: Vec<String> = sources.iter().map(|source| format!("\"{source}\"")).collect();
        out.push_str(&format!(
            "\n# The repository keeps change files ({}): they decide versions beside the commits.\n\
             [versioning]\nsources = [\"commits\", {}]\n",
            sources.join(", "),
            quoted.join(", ")
        ));
    }
    let listed: Vec<&InitPackage> = packages.iter().filter(|package| package.source.is_some()).collect();
    if listed.is_empty() {
        out.push_str(&format!(
            "#\n# {} package(s) discovered, all with the default tags (`{{name}}-v{{version}}`).\n",
            packages.len()
        ));
    }
    for package in listed {
        let why = match package.source.as_deref() {
            Some("tags") => "its existing tags follow this convention".to_string(),
            Some(file) => format!("carried over from {file}"),
            None => unreachable!("filtered"),
        };
        out.push_str(&format!(
            "\n# {why}\n[[package]]\nname = {}\ntag = {}\n",
            toml_string(&package.name),
            toml_string(&package.tag)
        ));
    }
    out
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            character if character.is_control() => out.push_str(&format!("\\u{:04X}", character as u32)),
            character => out.push(character),
        }
    }
    out.push('"');
    out
}

fn change(root: &Path, path: &str, text: &str) -> Result<FileChange, EngineError> {
    let before = match fs_err::read_to_string(root.join(path)) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error.into()),
    };
    Ok(FileChange { path: path.to_string(), before, after: text.to_string() })
}
