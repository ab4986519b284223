//! Recognising a `release.toml` that belongs to cargo-release, which uses the same file name.
//!
//! A Rust repository released with cargo-release already has a `release.toml` of flat keys
//! (`pre-release-hook`, `tag-name`, `shared-version`, ...). It is not an error: it is recognised by
//! its keys, this tool's configuration is then read from `.config/release.toml`, and `release init`
//! can carry over what maps ([`CargoRelease::tag_name`], [`CargoRelease::shared_version`]).
//!
//! ```
//! let text = "tag-name = \"{{crate_name}}-v{{version}}\"\nshared-version = true\nsign-commit = true\n";
//! let found = release_config::cargo_release::detect_text(text).unwrap();
//! assert_eq!(found.tag_name.as_deref(), Some("{{crate_name}}-v{{version}}"));
//! assert_eq!(found.tag_template().as_deref(), Some("{name}-v{version}"));
//! ```

use std::path::Path;

/// The keys of cargo-release's configuration (current and older releases).
pub const KEYS: &[&str] = &[
    "allow-branch",
    "certs-source",
    "consolidate-commits",
    "consolidate-pushes",
    "dependent-version",
    "dev-version",
    "dev-version-ext",
    "disable-publish",
    "disable-push",
    "disable-release",
    "disable-tag",
    "doc-branch",
    "doc-commit-message",
    "enable-all-features",
    "enable-features",
    "metadata",
    "no-dev-version",
    "owners",
    "post-release-commit-message",
    "post-release-replacements",
    "pre-release-commit-message",
    "pre-release-hook",
    "pre-release-replacements",
    "publish",
    "push",
    "push-options",
    "push-remote",
    "rate-limit",
    "registry",
    "release",
    "shared-version",
    "sign-commit",
    "sign-tag",
    "tag",
    "tag-message",
    "tag-name",
    "tag-prefix",
    "target",
    "upload-doc",
    "verify",
];

/// The top-level keys of this tool's `release.toml`.
const OURS: &[&str] = &[
    "versioning",
    "workspace",
    "package",
    "components",
    "repo",
    "rule",
    "changelog",
    "templates",
    "cut",
    "promotion",
    "environments",
];

/// What a cargo-release `release.toml` says that carries over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoRelease {
    /// Its cargo-release keys, in file order.
    pub keys: Vec<String>,
    /// `tag-name`, cargo-release's tag template (`{{crate_name}}-v{{version}}`).
    pub tag_name: Option<String>,
    /// `tag-prefix`, put before `v{{version}}` by cargo-release's default `tag-name`.
    pub tag_prefix: Option<String>,
    /// `shared-version`: `true` (all crates share one version) or the name of a group.
    pub shared_version: Option<SharedVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedVersion {
    All,
    Group(String),
}

impl CargoRelease {
    /// `tag-name` in this tool's template syntax, when it uses only what maps (`{{crate_name}}`,
    /// `{{version}}`, `{{prefix}}` with `tag-prefix`); `None` when it is unset or uses more.
    pub fn tag_template(&self) -> Option<String> {
        let text = self.tag_name.as_ref()?;
        let prefix = self.tag_prefix.clone().unwrap_or_default();
        let mapped =
            text.replace("{{prefix}}", &prefix).replace("{{crate_name}}", "{name}").replace("{{version}}", "{version}");
        (!mapped.contains("{{")).then_some(mapped)
    }
}

/// Reads `path` and recognises it as cargo-release's; `None` when it is not (or cannot be read:
/// then the usual loading reports why).
pub fn detect(path: &Path) -> Option<CargoRelease> {
    detect_text(&fs_err::read_to_string(path).ok()?)
}

/// Recognises cargo-release's configuration by its keys: none of this tool's top-level keys, and
/// at least half of its keys are cargo-release's.
pub fn detect_text(text: &str) -> Option<CargoRelease> {
    let document = text.parse::<toml_edit::DocumentMut>().ok()?;
    let keys: Vec<&str> = document.iter().map(|(key, _)| key).collect();
    if keys.is_empty() || keys.iter().any(|key| OURS.contains(key)) {
        return None;
    }
    let theirs: Vec<String> = keys.iter().filter(|key| KEYS.contains(key)).map(|key| key.to_string()).collect();
    if theirs.len() * 2 < keys.len() {
        return None;
    }
    let string = |key: &str| document.get(key).and_then(toml_edit::Item::as_str).map(str::to_string);
    let shared_version = match document.get("shared-version") {
        Some(item) if item.as_bool() == Some(true) => Some(SharedVersion::All),
        Some(item) => item.as_str().map(|group| SharedVersion::Group(group.to_string())),
        None => None,
    };
    Some(CargoRelease { keys: theirs, tag_name: string("tag-name"), tag_prefix: string("tag-prefix"), shared_version })
}
