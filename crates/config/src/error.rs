use std::fmt;
use std::path::PathBuf;

/// A place in `release.toml`: the file and, where known, the 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// Errors from reading and validating `release.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Io(#[from] std::io::Error),

    /// release.toml exists but is not a file that can be read as text.
    #[error("{}: is {kind}, not a file (hint: release.toml at the repository root must be a TOML file)", .file.display())]
    NotAFile { file: PathBuf, kind: &'static str },

    /// Both `release.toml` and `.config/release.toml` are this tool's configuration.
    #[error("{} and {}: two configurations (hint: keep one; .config/release.toml is for repositories whose release.toml is cargo-release's)", .first.display(), .second.display())]
    TwoPlaces { first: PathBuf, second: PathBuf },

    #[error("{location}: not UTF-8 text: byte 0x{byte:02x} (hint: TOML is UTF-8; save the file as UTF-8)")]
    NotUtf8 { location: Location, byte: u8 },

    #[error("{location}: invalid TOML: {message}")]
    Syntax { location: Location, message: String },

    #[error("{location}: unknown key `{key}`{}", hint_suffix(.hint))]
    UnknownKey { location: Location, key: String, hint: Option<String> },

    #[error("{location}: `{key}`: {message}{}", hint_suffix(.hint))]
    Invalid { location: Location, key: String, message: String, hint: Option<String> },
}

impl release_exit::Classify for ConfigError {
    fn exit_class(&self) -> release_exit::ExitClass {
        use release_exit::ExitClass;
        match self {
            ConfigError::Io(_) => ExitClass::Unexpected,
            ConfigError::NotAFile { .. }
            | ConfigError::TwoPlaces { .. }
            | ConfigError::NotUtf8 { .. }
            | ConfigError::Syntax { .. }
            | ConfigError::UnknownKey { .. }
            | ConfigError::Invalid { .. } => ExitClass::InvalidInput,
        }
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(hint) => format!(" (hint: {hint})"),
        None => String::new(),
    }
}

/// Turns a byte offset into a 1-based line and column (in characters).
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 8), (2, 3));
    }
}
