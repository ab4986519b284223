//! What `release init` carries over from the tools users migrate from: each package's tag
//! format, from release-please's `release-please-config.json` and release-plz's
//! `release-plz.toml`. A file that does not read is named in an error: init must not quietly
//! drop a setting the user relies on.

use std::path::Path;

use release_workspace::Workspace;

use crate::EngineError;

/// Tag templates by package folder, and the files they came from.
#[derive(Debug, Default)]
pub(crate) struct Migrated {
    /// (package path, tag template, file)
    pub tags: Vec<(String, String, String)>,
    pub files: Vec<String>,
}

const RELEASE_PLEASE: &str = "release-please-config.json";
const RELEASE_PLZ: [&str; 2] = ["release-plz.toml", ".release-plz.toml"];
const COCOGITTO: &str = "cog.toml";

pub(crate) fn read(root: &Path, workspace: &Workspace) -> Result<Migrated, EngineError> {
    let mut migrated = Migrated::default();
    if let Some(text) = read_file(root, RELEASE_PLEASE)? {
        release_please(&text, workspace, &mut migrated)?;
        migrated.files.push(RELEASE_PLEASE.to_string());
    }
    if let Some(text) = read_file(root, COCOGITTO)? {
        cocogitto(&text, workspace, &mut migrated)?;
        migrated.files.push(COCOGITTO.to_string());
    }
    for file in RELEASE_PLZ {
        if let Some(text) = read_file(root, file)? {
            release_plz(file, &text, workspace, &mut migrated)?;
            migrated.files.push(file.to_string());
        }
    }
    Ok(migrated)
}

fn read_file(root: &Path, file: &str) -> Result<Option<String>, EngineError> {
    match fs_err::read_to_string(root.join(file)) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn unreadable(file: &str, why: impl std::fmt::Display) -> EngineError {
    EngineError::Migrate { file: file.to_string(), why: why.to_string() }
}

/// release-please: `{component}{tag-separator}v{version}`, each key per package or at the top.
fn release_please(text: &str, workspace: &Workspace, migrated: &mut Migrated) -> Result<(), EngineError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|error| unreadable(RELEASE_PLEASE, error))?;
    let Some(packages) = json.get("packages").and_then(serde_json::Value::as_object) else {
        return Err(unreadable(RELEASE_PLEASE, "it has no `packages` object"));
    };
    let setting = |package: &serde_json::Value, key: &str| package.get(key).or_else(|| json.get(key)).cloned();
    for (folder, package) in packages {
        let path = match folder.trim_start_matches("./").trim_matches('/') {
            "" | "." => ".".to_string(),
            folder => folder.to_string(),
        };
        let discovered = workspace.packages.iter().find(|found| found.path == path);
        let component = setting(package, "component")
            .or_else(|| setting(package, "package-name"))
            .and_then(|value| value.as_str().map(str::to_string))
            .or_else(|| discovered.map(|found| found.name.clone()))
            .map(|name| name.rsplit('/').next().unwrap_or(&name).to_string());
        let with_component =
            setting(package, "include-component-in-tag").and_then(|value| value.as_bool()).unwrap_or(true);
        let with_v = setting(package, "include-v-in-tag").and_then(|value| value.as_bool()).unwrap_or(true);
        let separator = setting(package, "tag-separator").and_then(|value| value.as_str().map(str::to_string));
        let version = if with_v { "v{version}" } else { "{version}" };
        let tag = match component.filter(|_| with_component) {
            Some(component) => format!("{component}{}{version}", separator.as_deref().unwrap_or("-")),
            None => version.to_string(),
        };
        migrated.tags.push((path, tag, RELEASE_PLEASE.to_string()));
    }
    Ok(())
}

/// cocogitto's monorepo: `[packages.NAME] path = "..."`, tagged
/// `NAME{monorepo_version_separator}{tag_prefix}{version}` (separator `-` by default).
fn cocogitto(text: &str, workspace: &Workspace, migrated: &mut Migrated) -> Result<(), EngineError> {
    let document: toml_edit::DocumentMut = text.parse().map_err(|error| unreadable(COCOGITTO, error))?;
    let string = |key: &str| document.get(key).and_then(|item| item.as_str()).unwrap_or_default().to_string();
    let prefix = string("tag_prefix");
    let separator = document.get("monorepo_version_separator").and_then(|item| item.as_str()).unwrap_or("-");
    let Some(packages) = document.get("packages").and_then(|item| item.as_table_like()) else { return Ok(()) };
    for (name, package) in packages.iter() {
        let Some(path) = package.get("path").and_then(|item| item.as_str()) else { continue };
        let path = path.trim_start_matches("./").trim_end_matches('/');
        let path = if path.is_empty() { "." } else { path };
        if workspace.packages.iter().any(|found| found.path == path) {
            let tag = format!("{name}{separator}{prefix}{{version}}");
            migrated.tags.push((path.to_string(), tag, COCOGITTO.to_string()));
        }
    }
    Ok(())
}

/// release-plz: `git_tag_name` per `[[package]]` or in `[workspace]`, with `{{ package }}` and
/// `{{ version }}`.
fn release_plz(file: &str, text: &str, workspace: &Workspace, migrated: &mut Migrated) -> Result<(), EngineError> {
    let document: toml_edit::DocumentMut = text.parse().map_err(|error| unreadable(file, error))?;
    let translate = |template: &str| {
        template
            .replace("{{ package }}", "{name}")
            .replace("{{package}}", "{name}")
            .replace("{{ version }}", "{version}")
            .replace("{{version}}", "{version}")
    };
    let shared =
        document.get("workspace").and_then(|workspace| workspace.get("git_tag_name")).and_then(|item| item.as_str());
    let mut named = Vec::new();
    if let Some(packages) = document.get("package").and_then(|item| item.as_array_of_tables()) {
        for package in packages {
            let (Some(name), Some(tag)) = (
                package.get("name").and_then(|item| item.as_str()),
                package.get("git_tag_name").and_then(|item| item.as_str()),
            ) else {
                continue;
            };
            named.push((name.to_string(), translate(tag)));
        }
    }
    for package in &workspace.packages {
        let tag = named
            .iter()
            .find(|(name, _)| *name == package.name)
            .map(|(_, tag)| tag.clone())
            .or_else(|| shared.map(translate));
        if let Some(tag) = tag {
            migrated.tags.push((package.path.clone(), tag, file.to_string()));
        }
    }
    Ok(())
}
