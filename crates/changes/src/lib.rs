//! Change files: a maintainer's statement of what the next release holds, kept beside the code
//! until the release consumes it. Two formats are read, each opted into with release.toml
//! `[versioning] sources`:
//!
//! - changesets, `.changeset/*.md` (but `README.md`): YAML front matter mapping package names to
//!   `major`, `minor` or `patch`, then the summary;
//! - covector, `.changes/*.md`: the same, where a bump may carry a tag (`patch:bug`).
//!
//! This crate reads and writes those files and nothing else: it never touches git, and it
//! never decides a version (the planner takes the files as data). It never prints.
//!
//! ```
//! use release_changes::{Format, parse};
//! let file = parse(Format::Changesets, ".changeset/a.md", "---\n\"api\": minor\n---\n\nAdd a route\n").unwrap();
//! assert_eq!(file.bumps, [("api".to_string(), release_plan::Bump::Minor)]);
//! assert_eq!(file.summary, "Add a route");
//! ```

use std::path::Path;

use release_config::Source;
use release_plan::{Bump, ChangeFile};
use yaml_rust2::{Yaml, YamlLoader};

/// A change-file format, and the folder its files live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Changesets,
    Covector,
}

impl Format {
    pub fn folder(self) -> &'static str {
        match self {
            Format::Changesets => ".changeset",
            Format::Covector => ".changes",
        }
    }

    fn source(self) -> Source {
        match self {
            Format::Changesets => Source::Changesets,
            Format::Covector => Source::Covector,
        }
    }

    fn source_name(self) -> &'static str {
        match self {
            Format::Changesets => "changesets",
            Format::Covector => "covector",
        }
    }

    const ALL: [Format; 2] = [Format::Changesets, Format::Covector];
}

#[derive(Debug, thiserror::Error)]
pub enum ChangesError {
    #[error(
        "{path}: no front matter (hint: a change file starts with `---`, one `\"package\": bump` line per package, `---`, then the summary)"
    )]
    NoFrontMatter { path: String },

    #[error("{path}: the front matter is not YAML: {message} (hint: write one `\"package\": bump` line per package)")]
    Yaml { path: String, message: String },

    #[error("{path}: `{package}: {value}` is not a bump (hint: use {expected})")]
    Bump { path: String, package: String, value: String, expected: &'static str },

    #[error("{path}: names no package (hint: write one `\"package\": bump` line per package between the `---` lines)")]
    Empty { path: String },

    #[error(
        "no change-file source is on, so the file would never be read (hint: add `sources = [\"commits\", \"changesets\"]` under `[versioning]` in release.toml)"
    )]
    NoSource,

    #[error("the message is empty (hint: say what changed, e.g. --message \"Add the health route\")")]
    EmptyMessage,

    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl release_exit::Classify for ChangesError {
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            ChangesError::NoFrontMatter { .. }
            | ChangesError::Yaml { .. }
            | ChangesError::Bump { .. }
            | ChangesError::Empty { .. }
            | ChangesError::NoSource
            | ChangesError::EmptyMessage => release_exit::ExitClass::InvalidInput,
            ChangesError::Io(_) => release_exit::ExitClass::Unexpected,
        }
    }
}

/// The change files of the enabled sources, and warnings for those present but not enabled.
#[derive(Debug, Default)]
pub struct Found {
    /// In path order.
    pub files: Vec<ChangeFile>,
    pub warnings: Vec<String>,
    /// covector's package names (`.changes/config.json` `packages`), which need not be the
    /// manifests' names: name -> (folder, manager: `rust`, `javascript`, ...).
    pub aliases: Vec<(String, String, Option<String>)>,
}

/// Reads every change file of the sources `release.toml` lists. A folder of a source that is
/// not listed is not read, but its `config.json` (which changesets and covector keep) is worth
/// a warning with the line that turns it on.
pub fn read(root: &Path, sources: &[Source]) -> Result<Found, ChangesError> {
    let mut found = Found::default();
    for format in Format::ALL {
        let folder = root.join(format.folder());
        if !sources.contains(&format.source()) {
            if folder.join("config.json").is_file() {
                found.warnings.push(not_enabled(format, sources));
            }
            continue;
        }
        if format == Format::Covector {
            found.aliases = covector_names(root);
        }
        for name in markdown_files(&folder)? {
            let path = format!("{}/{name}", format.folder());
            let text = fs_err::read_to_string(folder.join(&name))?;
            found.files.push(parse(format, &path, &text)?);
        }
    }
    Ok(found)
}

/// The change files of the enabled sources as they were in a commit, for a plan of the past (a
/// backtest): `list(folder)` gives the files directly in a folder, `(name, text)`. A file that
/// does not parse is a warning here, never an error: the past cannot be fixed.
pub fn read_past(root: &Path, sources: &[Source], list: &dyn Fn(&str) -> Vec<(String, String)>) -> Found {
    let mut found = Found::default();
    for format in Format::ALL.into_iter().filter(|format| sources.contains(&format.source())) {
        if format == Format::Covector {
            found.aliases = covector_names(root);
        }
        let mut files = list(format.folder());
        files.retain(|(name, _)| name.ends_with(".md") && !name.eq_ignore_ascii_case("README.md"));
        files.sort();
        for (name, text) in files {
            let path = format!("{}/{name}", format.folder());
            match parse(format, &path, &text) {
                Ok(file) => found.files.push(file),
                Err(error) => found.warnings.push(format!("{error} (skipped)")),
            }
        }
    }
    found
}

/// The `packages` of covector's `.changes/config.json`: each name with its folder
/// (`./plugins/fs` read as `plugins/fs`) and manager. A missing or unreadable file gives none:
/// then the names in the change files must be the manifests' own, and an unknown one is an
/// error that says so.
pub fn covector_names(root: &Path) -> Vec<(String, String, Option<String>)> {
    let config = root.join(Format::Covector.folder()).join("config.json");
    let Ok(text) = fs_err::read_to_string(config) else { return Vec::new() };
    let Ok(document) = serde_json::from_str::<serde_json::Value>(&text) else { return Vec::new() };
    let Some(packages) = document.get("packages").and_then(serde_json::Value::as_object) else { return Vec::new() };
    packages
        .iter()
        .filter_map(|(name, package)| {
            let path = package.get("path")?.as_str()?;
            let folder = path.trim_start_matches("./").trim_end_matches('/');
            let folder = if folder.is_empty() { "." } else { folder };
            let manager = package.get("manager").and_then(serde_json::Value::as_str).map(str::to_string);
            Some((name.clone(), folder.to_string(), manager))
        })
        .collect()
}

fn not_enabled(format: Format, sources: &[Source]) -> String {
    let mut names: Vec<&str> = sources
        .iter()
        .map(|source| match source {
            Source::Commits => "commits",
            Source::Changesets => "changesets",
            Source::Covector => "covector",
        })
        .collect();
    names.push(format.source_name());
    let list = names.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ");
    format!(
        "`{}/config.json` is here but {} files are not read (hint: add `sources = [{list}]` under `[versioning]` in release.toml)",
        format.folder(),
        format.source_name()
    )
}

/// The `*.md` files of a folder but its README, sorted; none when the folder does not exist.
fn markdown_files(folder: &Path) -> Result<Vec<String>, ChangesError> {
    let entries = match fs_err::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error.into()),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if name.ends_with(".md") && !name.eq_ignore_ascii_case("README.md") && entry.file_type()?.is_file() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Parses one change file; `path` is where it is, for errors and for the plan's reasons.
pub fn parse(format: Format, path: &str, text: &str) -> Result<ChangeFile, ChangesError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let no_front_matter = || ChangesError::NoFrontMatter { path: path.to_string() };
    let rest = text.strip_prefix("---\n").ok_or_else(no_front_matter)?;
    let (front, summary) = match rest.find("\n---") {
        Some(end) => (&rest[..end], rest[end + 4..].split_once('\n').map_or("", |(_, after)| after)),
        None if rest.starts_with("---") => ("", rest[3..].split_once('\n').map_or("", |(_, after)| after)),
        None => return Err(no_front_matter()),
    };
    let documents = YamlLoader::load_from_str(front)
        .map_err(|error| ChangesError::Yaml { path: path.to_string(), message: error.to_string() })?;
    let mut bumps = Vec::new();
    let mut tag = None;
    if let Some(Yaml::Hash(map)) = documents.first() {
        for (key, value) in map {
            let (Some(package), Some(value)) = (scalar(key), scalar(value)) else {
                return Err(ChangesError::Yaml {
                    path: path.to_string(),
                    message: "a package or a bump is not a plain value".into(),
                });
            };
            let (bump, found_tag) = bump(format, path, &package, &value)?;
            tag = tag.or(found_tag);
            bumps.push((package, bump));
        }
    } else if documents.first().is_some_and(|document| !document.is_null()) {
        return Err(ChangesError::Yaml { path: path.to_string(), message: "it is not a mapping".into() });
    }
    if bumps.is_empty() {
        return Err(ChangesError::Empty { path: path.to_string() });
    }
    Ok(ChangeFile { path: path.to_string(), bumps, tag, summary: summary.trim().to_string() })
}

fn scalar(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(number) => Some(number.to_string()),
        Yaml::Boolean(value) => Some(value.to_string()),
        _ => None,
    }
}

/// A bump as the format writes it: `minor`, or covector's `patch:bug`.
fn bump(format: Format, path: &str, package: &str, value: &str) -> Result<(Bump, Option<String>), ChangesError> {
    let (word, tag) = match (format, value.split_once(':')) {
        (Format::Covector, Some((word, tag))) => (word.trim(), Some(tag.trim().to_string())),
        _ => (value.trim(), None),
    };
    let bump = match word {
        "major" => Bump::Major,
        "minor" => Bump::Minor,
        "patch" => Bump::Patch,
        "none" => Bump::None,
        _ => {
            return Err(ChangesError::Bump {
                path: path.to_string(),
                package: package.to_string(),
                value: value.to_string(),
                expected: match format {
                    Format::Changesets => "major, minor, patch or none",
                    Format::Covector => "major, minor or patch, optionally with a tag: patch:bug",
                },
            });
        }
    };
    Ok((bump, tag))
}

/// The format `release change` writes: changesets' when that source is on, else covector's.
pub fn format_for(sources: &[Source]) -> Result<Format, ChangesError> {
    Format::ALL.into_iter().find(|format| sources.contains(&format.source())).ok_or(ChangesError::NoSource)
}

/// The text of a change file for one package.
pub fn render(package: &str, bump: Bump, message: &str) -> String {
    let bump = match bump {
        Bump::None => "none",
        Bump::Patch => "patch",
        Bump::Minor => "minor",
        Bump::Major => "major",
    };
    // A JSON string is a YAML double-quoted scalar: any package name stays one key.
    let key = serde_json::to_string(package).expect("a string serialises");
    format!("---\n{key}: {bump}\n---\n\n{}\n", message.trim())
}

/// Writes a change file for one package into the format's folder, named after the message's
/// first words (`-2`, `-3`... when taken), never over an existing file. Returns its path,
/// relative to `root`.
pub fn write(root: &Path, format: Format, package: &str, bump: Bump, message: &str) -> Result<String, ChangesError> {
    if message.trim().is_empty() {
        return Err(ChangesError::EmptyMessage);
    }
    let folder = root.join(format.folder());
    fs_err::create_dir_all(&folder)?;
    let stem = slug(message);
    let text = render(package, bump, message);
    for attempt in 1.. {
        let name = if attempt == 1 { format!("{stem}.md") } else { format!("{stem}-{attempt}.md") };
        let target = folder.join(&name);
        if target.exists() {
            continue;
        }
        // Written beside its target and renamed without replacing: a reader never sees half a
        // file, and a file that appeared meanwhile is kept.
        let mut temporary = tempfile::Builder::new().prefix(".release-change").tempfile_in(&folder)?;
        std::io::Write::write_all(&mut temporary, text.as_bytes())?;
        match temporary.persist_noclobber(&target) {
            Ok(_) => return Ok(format!("{}/{name}", format.folder())),
            Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(fs_err_io(error.error, &target)),
        }
    }
    unreachable!("the attempts never end")
}

fn fs_err_io(error: std::io::Error, path: &Path) -> ChangesError {
    ChangesError::Io(std::io::Error::new(error.kind(), format!("{error}: {}", path.display())))
}

/// Up to five words of the message, lowercase ASCII letters and digits joined by `-`.
fn slug(message: &str) -> String {
    let words: Vec<String> = message
        .split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(5)
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() { "change".to_string() } else { words.join("-") }
}

#[cfg(test)]
mod tests;
