//! What can stop a cut, and the exit class of each.

use release_commit_id::CommitId;

#[derive(Debug, thiserror::Error)]
pub enum CutError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Git(#[from] release_git::GitError),
    #[error(transparent)]
    Push(#[from] release_git::PushError),
    #[error(transparent)]
    Forge(#[from] release_forge::ForgeError),
    #[error(transparent)]
    Apply(#[from] release_apply::ApplyError),
    #[error(transparent)]
    Changelog(#[from] release_changelog::ChangelogError),

    #[error(
        "another `release cut` is running in this repository: process {pid}, started {} (hint: wait for it; if it is not running, remove `{path}`)", release_config::promotion::format_utc(*since as i64)
    )]
    Locked { pid: u32, since: u64, path: String },

    #[error(
        "releases are cut from {allowed}, not from `{branch}` (hint: switch branch, or add it to `[cut] branches` in release.toml)"
    )]
    Branch { branch: String, allowed: String },

    #[error("HEAD is detached (hint: check out the release branch, e.g. `git switch main`)")]
    Detached,

    #[error(
        "`{branch}` is {count} commit(s) behind `{upstream}` (hint: `git pull --rebase`, then run the same command again)"
    )]
    Behind { branch: String, upstream: String, count: usize },

    #[error(
        "tag `{tag}` already exists at {at}, not at the release commit {release} (hint: a release with this version was cut from other commits; delete the tag if it is wrong, or release a new version)"
    )]
    TagElsewhere { tag: String, at: CommitId, release: CommitId },

    #[error("the working tree has uncommitted changes: {files} (hint: commit or stash them, or pass `--allow-dirty`)")]
    Dirty { files: String },

    #[error(
        "the release writes files that have uncommitted changes: {files} (hint: commit or stash them; `--allow-dirty` allows changes to other files only, so the release commit never carries unreviewed edits)"
    )]
    DirtyReleaseFiles { files: String },

    #[error(
        "`{name}` {version} would be tagged `{tag}`, which is not a valid git tag name (hint: set a tag template without spaces or `~^:?*[\\` for it in release.toml, e.g. `[[package]] name = \"{name}\"` with `tag = \"...-v{{version}}\"`)"
    )]
    InvalidTag { name: String, version: semver::Version, tag: String },

    #[error(
        "HEAD {} looks like a release commit that the plan does not make: {why} (hint: if it was cut with `--pre`, run again with the same `--pre`; otherwise it is not a release this tool made: add a commit on top, or reset it)",
        .commit.short()
    )]
    Unverified { commit: CommitId, why: String },

    #[error("recording the release in the promotion history failed: {0}")]
    Record(#[source] release_exit::Classified),

    #[error("asset glob `{glob}` is invalid: {message} (hint: fix it in `assets` in release.toml)")]
    AssetGlob { glob: String, message: String },
}

impl release_exit::Classify for CutError {
    fn exit_class(&self) -> release_exit::ExitClass {
        use release_exit::ExitClass;
        match self {
            CutError::Io(_) => ExitClass::Unexpected,
            CutError::Git(error) => error.exit_class(),
            CutError::Record(error) => error.exit_class(),
            // A failed apply, even its I/O, is reported as a failed check during a cut: the
            // exit codes the tests pin.
            CutError::Push(_)
            | CutError::Forge(_)
            | CutError::Apply(_)
            | CutError::Changelog(_)
            | CutError::Locked { .. }
            | CutError::Branch { .. }
            | CutError::Detached
            | CutError::Behind { .. }
            | CutError::TagElsewhere { .. }
            | CutError::Dirty { .. }
            | CutError::DirtyReleaseFiles { .. }
            | CutError::InvalidTag { .. }
            | CutError::Unverified { .. }
            | CutError::AssetGlob { .. } => ExitClass::InvalidInput,
        }
    }
}
