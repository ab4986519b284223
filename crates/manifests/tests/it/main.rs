//! Tests of `release-manifests`: golden files per format (the exact text, the exact lines that
//! change, and idempotency), requirement tables, and every error message.

mod cargo;
mod errors;
mod golden;
mod npm;
mod properties;
mod python;
mod requirement;
mod version_file;

use release_manifests::{Version, Versions};

pub(crate) fn version(text: &str) -> Version {
    Version::parse(text).unwrap()
}

pub(crate) fn versions(pairs: &[(&str, &str)]) -> Versions {
    pairs.iter().map(|(name, new)| (name.to_string(), version(new))).collect()
}
