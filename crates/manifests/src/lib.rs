//! Version edits of manifests and lockfiles: `Cargo.toml`, `Cargo.lock`, `package.json`,
//! `package-lock.json`, `pyproject.toml`, and plain or marked version files.
//!
//! Every function takes a file's text and returns the new text. The crate is pure: it never
//! touches the file system, git or the network, and never re-resolves a lockfile. `path` only
//! names the file in errors. An edit must never change a byte it does not mean to change: the
//! parsers (`toml_edit`'s span-keeping `Document`, jsonc-parser's AST) only find where values
//! are, and the text is changed by replacing those byte ranges, so comments, indentation, key
//! order, CRLF line endings, escapes elsewhere and the presence or absence of a final newline all
//! survive. Every edit is idempotent: editing the result again changes nothing.
//!
//! ```
//! use release_manifests::{edit_cargo_toml, Version, Versions};
//! let text = "[package]\nname = \"app\"\nversion = \"1.2.3\" # keep me\n\n[dependencies]\nui = { path = \"../ui\", version = \"1.2\" }\n";
//! let versions = Versions::from([("ui".to_string(), Version::new(1, 3, 0))]);
//! let edited = edit_cargo_toml("app/Cargo.toml", text, Some(&Version::new(2, 0, 0)), None, &versions).unwrap();
//! assert_eq!(edited, "[package]\nname = \"app\"\nversion = \"2.0.0\" # keep me\n\n[dependencies]\nui = { path = \"../ui\", version = \"1.3\" }\n");
//! ```

mod cargo;
mod edit;
mod error;
mod npm;
mod python;
mod requirement;
mod toml;
mod version_file;

pub use cargo::{edit_cargo_lock, edit_cargo_toml};
pub use error::ManifestError;
pub use npm::{edit_package_json, edit_package_lock};
pub use python::edit_pyproject;
pub use requirement::bump_requirement;
pub use semver::Version;
pub use version_file::edit_version_file;

/// New versions of workspace packages: name -> new version.
pub type Versions = std::collections::BTreeMap<String, semver::Version>;
