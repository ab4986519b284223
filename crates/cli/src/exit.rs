//! From an error to the process exit code. Each library error enum decides its own class
//! ([`release_exit::Classify`], an exhaustive `match` beside the enum); this module only walks the
//! cause chain and asks each cause, through the one registry below, for its class.

use release_exit::{Classify, ExitClass};

use crate::UsageError;

impl Classify for UsageError {
    fn exit_class(&self) -> ExitClass {
        ExitClass::InvalidInput
    }
}

/// Calls `$then!(Type)` for every error type that has a class. A library error type missing
/// here would silently be exit 2: `every_library_error_is_registered` fails when one is.
macro_rules! classified_types {
    ($then:ident) => {
        $then!(
            release_promote::PromoteError,
            release_config::ConfigError,
            release_config::promotion::DurationError,
            release_config::promotion::TimeError,
            release_workspace::WorkspaceError,
            release_git::GitError,
            release_git::PushError,
            release_cut::CutError,
            release_forge::ForgeError,
            release_apply::ApplyError,
            release_plan::PlanError,
            release_changelog::ChangelogError,
            release_changes::ChangesError,
            release_manifests::ManifestError,
            release_engine::EngineError,
            release_commit_id::CommitIdError,
            release_exit::Classified,
            UsageError
        )
    };
}

/// The class of one cause, if its type has one.
fn class_of(cause: &(dyn std::error::Error + 'static)) -> Option<ExitClass> {
    macro_rules! ask {
        ($($error:ty),*) => {
            $(
                if let Some(error) = cause.downcast_ref::<$error>() {
                    return Some(error.exit_class());
                }
            )*
        };
    }
    classified_types!(ask);
    // Templates are the user's (release.toml `[templates]`); minijinja's error is foreign.
    if cause.is::<minijinja::Error>() {
        return Some(ExitClass::InvalidInput);
    }
    None
}

/// The first cause that has a class decides; an error no cause classifies is unexpected (2).
pub(crate) fn exit_code(error: &anyhow::Error) -> u8 {
    error.chain().find_map(class_of).unwrap_or(ExitClass::Unexpected).code()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The last path segment of every registered type.
    fn registered() -> Vec<&'static str> {
        macro_rules! names {
            ($($error:ty),*) => {
                vec![$(stringify!($error).rsplit("::").next().unwrap().trim()),*]
            };
        }
        classified_types!(names)
    }

    /// Error types (`thiserror` derives) declared in `folder`'s Rust files, recursively.
    fn declared(folder: &Path, found: &mut Vec<(String, String)>) {
        for entry in fs_err::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                declared(&path, found);
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            let text = fs_err::read_to_string(&path).unwrap();
            let mut derives_error = false;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") {
                    derives_error = line.contains("Error");
                    continue;
                }
                if line.starts_with("#[") || line.starts_with("///") {
                    continue;
                }
                if derives_error {
                    let name = line
                        .strip_prefix("pub enum ")
                        .or_else(|| line.strip_prefix("pub struct "))
                        .and_then(|rest| rest.split([' ', '(', '{', '<']).next());
                    if let Some(name) = name {
                        found.push((name.to_string(), path.display().to_string()));
                    }
                }
                derives_error = false;
            }
        }
    }

    /// A regression test for the downcast chain this replaced, where a new error type silently
    /// became exit 2: every public error type of every crate must be asked for its class.
    #[test]
    fn every_library_error_is_registered() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut found = Vec::new();
        for entry in fs_err::read_dir(crates).unwrap() {
            let source = entry.unwrap().path().join("src");
            // The test support crate's errors never reach the `release` binary.
            if source.is_dir() && !source.starts_with(crates.join("test-support")) {
                declared(&source, &mut found);
            }
        }
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        for expected in ["ConfigError", "PromoteError", "CutError", "UsageError"] {
            assert!(names.contains(&expected), "the scan misses {expected}: {found:?}");
        }
        let registered = registered();
        let missing: Vec<_> = found.iter().filter(|(name, _)| !registered.contains(&name.as_str())).collect();
        assert!(missing.is_empty(), "error types without a class in `classified_types!`: {missing:?}");
    }

    #[test]
    fn the_first_classified_cause_decides() {
        let check = |error: anyhow::Error, code: u8| assert_eq!(exit_code(&error), code, "{error:#}");
        check(anyhow::anyhow!("no class"), 2);
        check(anyhow::Error::new(UsageError("bad".into())).context("running"), 1);
        check(anyhow::Error::new(std::io::Error::other("disk")).context("writing"), 2);
        let git = || release_git::GitError::UnknownRevision { rev: "nope".into() };
        check(anyhow::Error::new(release_cut::CutError::Git(git())), 1);
        // A promotion error recorded during a cut keeps its own class (a gate keeps its code).
        let held = release_promote::PromoteError::Held { environment: "prod".into(), reason: "x".into() };
        check(anyhow::Error::new(release_cut::CutError::Record(release_exit::Classified::new(held))), 18);
        let glob = release_cut::CutError::AssetGlob { glob: "[".into(), message: "unclosed".into() };
        check(anyhow::Error::new(glob).context("uploading assets"), 1);
    }
}
