//! Exit classes decided where errors are defined: a user's value is exit 1 wherever it fails.

use crate::{release, repo, transcript};

/// An `assets` glob that does not build is the user's mistake, found when release.toml loads
/// (before any cut step), and named by file, line and key. The cut used to turn the same glob
/// into an I/O error (exit 2) when it got that far.
#[test]
fn an_invalid_asset_glob_is_refused_when_the_config_loads() {
    let (dir, _builder) = repo(&[
        ("apps/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}\n"),
        ("release.toml", "[[package]]\nname = \"api\"\nassets = [\"dist/*.tgz\", \"dist/[\"]\n"),
    ]);
    let output = release(dir.path(), &["cut", "--dry-run", "--no-forge"]);
    let transcript = transcript(dir.path(), &output);
    assert_eq!(output.status.code(), Some(1), "{transcript}");
    assert!(transcript.contains("release.toml:3:"), "{transcript}");
    assert!(transcript.contains("`package.assets`: invalid glob `dist/[`"), "{transcript}");
}
