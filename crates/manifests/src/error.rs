use std::fmt::Write as _;

/// Errors from editing a manifest. `path` is whatever the caller passed: it only names the file
/// in messages, it is never opened.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The text is not valid TOML or JSON (or not the shape the format requires at the top).
    #[error("{path}:{line}:{column}: invalid {format}: {message}")]
    Parse { path: String, format: &'static str, line: usize, column: usize, message: String },

    /// A version field (or lockfile entry) the edit has to set is not there.
    #[error("{path}: no `{key}` to set (hint: {hint})")]
    MissingVersion { path: String, key: String, hint: String },

    /// A version field the edit has to set holds something other than a string; `value` is its
    /// raw text.
    #[error(
        "{path}:{line}:{column}: `{key}` is {value}, not a version string (hint: write it as a string like \"1.2.3\")"
    )]
    NotSemver { path: String, line: usize, column: usize, key: String, value: String },

    /// A plain version file holds neither the old nor the new version.
    #[error(
        "{path}: holds \"{found}\", expected \"{old}\" (hint: the file must hold only the current version; the plan was made for \"{old}\")"
    )]
    UnexpectedVersion { path: String, found: String, old: String },

    /// The marker is on no line, or on more than one: the edit would be a guess.
    #[error("{path}: {}", marker_message(.marker, .lines))]
    Marker { path: String, marker: String, count: usize, lines: Vec<usize> },

    /// The one line with the marker holds neither the old nor the new version.
    #[error(
        "{path}:{line}: the line with marker \"{marker}\" holds neither \"{old}\" nor \"{new}\" (hint: write the current version \"{old}\" on that line)"
    )]
    VersionNotOnLine { path: String, line: usize, marker: String, old: String, new: String },

    /// A `package-lock.json` older than the `packages` layout; `found` is the raw value, or
    /// `absent`.
    #[error(
        "{path}: `lockfileVersion` is {found}, expected 2 or 3 (hint: run `npm install` with npm 7 or later to upgrade the lockfile)"
    )]
    UnsupportedLockfile { path: String, found: String },
}

impl release_exit::Classify for ManifestError {
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            ManifestError::Parse { .. }
            | ManifestError::MissingVersion { .. }
            | ManifestError::NotSemver { .. }
            | ManifestError::UnexpectedVersion { .. }
            | ManifestError::Marker { .. }
            | ManifestError::VersionNotOnLine { .. }
            | ManifestError::UnsupportedLockfile { .. } => release_exit::ExitClass::InvalidInput,
        }
    }
}

fn marker_message(marker: &str, lines: &[usize]) -> String {
    if lines.is_empty() {
        return format!(
            "no line contains the marker \"{marker}\" (hint: put the marker on the line that holds the version, e.g. in a comment)"
        );
    }
    let mut numbers = String::new();
    for (index, line) in lines.iter().enumerate() {
        let separator = if index == 0 { "" } else { ", " };
        let _ = write!(numbers, "{separator}{line}");
    }
    format!(
        "{} lines ({numbers}) contain the marker \"{marker}\", expected exactly one (hint: make the marker unique to the version line)",
        lines.len()
    )
}

/// Turns a byte offset into a 1-based line and column (in characters).
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// A parse error with its place, the message's first line, lowercased like ours.
pub(crate) fn parse_error(path: &str, format: &'static str, text: &str, offset: usize, message: &str) -> ManifestError {
    let (line, column) = line_column(text, offset);
    let first = message.lines().next().unwrap_or_default().trim();
    let mut chars = first.chars();
    let message = match chars.next() {
        Some(head) => head.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_string(),
    };
    ManifestError::Parse { path: path.to_string(), format, line, column, message }
}

pub(crate) fn not_semver(path: &str, text: &str, offset: usize, key: &str, raw: &str) -> ManifestError {
    let (line, column) = line_column(text, offset);
    ManifestError::NotSemver { path: path.to_string(), line, column, key: key.to_string(), value: raw.to_string() }
}

pub(crate) fn missing(path: &str, key: impl Into<String>, hint: impl Into<String>) -> ManifestError {
    ManifestError::MissingVersion { path: path.to_string(), key: key.into(), hint: hint.into() }
}
