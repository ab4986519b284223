//! What can go wrong in a session: the stages' own errors, passed through unchanged, and the
//! mistakes only the engine can see (a package or revision that does not exist, a template file
//! release.toml names but the repository lacks).

use release_exit::{Classify, ExitClass};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Config(#[from] release_config::ConfigError),
    #[error(transparent)]
    Workspace(#[from] release_workspace::WorkspaceError),
    #[error(transparent)]
    Git(#[from] release_git::GitError),
    #[error(transparent)]
    Plan(#[from] release_plan::PlanError),
    #[error(transparent)]
    Apply(#[from] release_apply::ApplyError),
    #[error(transparent)]
    Changelog(#[from] release_changelog::ChangelogError),
    #[error(transparent)]
    Cut(#[from] release_cut::CutError),
    #[error(transparent)]
    Push(#[from] release_git::PushError),
    #[error(transparent)]
    Forge(#[from] release_forge::ForgeError),
    #[error(transparent)]
    Promote(#[from] release_promote::PromoteError),
    #[error(transparent)]
    Changes(#[from] release_changes::ChangesError),
    /// Files the engine itself writes (the cut's journal); fs-err names the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),

    #[error("no package is named `{name}` (hint: the packages are: {known})")]
    UnknownPackage { name: String, known: String },

    #[error(
        "package `{name}` at `{path}` is not released: {reason} (hint: name it in a `[[package]]` entry of release.toml to release it)"
    )]
    NotReleased { name: String, path: String, reason: String },

    #[error(
        "`{flag} {revision}` does not resolve to a commit (hint: name a branch, a tag or a commit id, e.g. `{flag} origin/main`; in CI, fetch it first, e.g. `fetch-depth: 0` in actions/checkout)"
    )]
    Revision { flag: String, revision: String },

    #[error("`--pre {label}` is not a pre-release label (hint: use letters, digits and `-`, e.g. `rc`, `beta`)")]
    PreLabel { label: String },

    #[error("the template `{path}` named in release.toml `[templates] {key}` {problem}")]
    Template { path: String, key: String, problem: &'static str },

    #[error("reading the template `{path}` named in release.toml")]
    TemplateRead {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "SOURCE_DATE_EPOCH is `{value}`, not a number of seconds between 1970 and 9999 (hint: unset it, or use `date +%s`)"
    )]
    SourceDateEpoch { value: String },

    #[error(
        "the release commit {commit} has no parent (hint: a release commit is made on top of the history it releases)"
    )]
    NoParent { commit: release_commit_id::CommitId },

    #[error(
        "release {version} is not in the history of HEAD (hint: run from the branch the release was cut on, e.g. `git switch main`)"
    )]
    NotInHistory { version: String },

    #[error(
        "commit {commit} is recorded as release {version} but carries no release trailers (hint: `release history ENV` shows where the record came from)"
    )]
    NotAReleaseCommit { commit: release_commit_id::CommitId, version: String },

    #[error("`{path}` exists (hint: pass `--force` to replace it, or edit it by hand)")]
    InitExists { path: String },

    #[error(
        "cannot read `{file}` to carry its settings over: {why} (hint: fix the file, or move it aside and run `release init` again)"
    )]
    Migrate { file: String, why: String },

    #[error(
        "branch `{branch}` is not on `{remote}` (hint: push it first, or set `[pr] base` / `[pr] from` in release.toml)"
    )]
    NoBranch { branch: String, remote: String },

    #[error(
        "no remote `{remote}` to push the release branch to (hint: `git remote add {remote} URL`, or set `[cut] remote`)"
    )]
    NoRemote { remote: String },

    #[error(
        "the release branch `{branch}` moved while this run read it (hint: someone pushed to it; run `release pr` again, it keeps their commits)"
    )]
    ReleaseBranchMoved { branch: String },

    #[error(
        "`{branch}` moved while `release pr` ran, {attempts} times (planned at {tips}; now at {now}): the release pull request was not opened or updated (hint: someone keeps pushing to `{branch}`; nothing of theirs was overwritten; run `release pr` again when it is quiet, or let the run of the newest push do it)"
    )]
    BaseMoved { branch: String, attempts: usize, tips: String, now: String },

    #[error(
        "the release branch `{branch}` (at {}) was rewritten by hand: no release commit of this tool is on it since the base (hint: delete the branch, `git push origin --delete {branch}`, and run `release pr` again; make edits as commits on top of the release commit)",
        .tip.short()
    )]
    HandRewritten { branch: String, tip: release_commit_id::CommitId },

    #[error(
        "`release pr --back-merge` needs git-flow: `[pr] from` names the branch releases come from (hint: set `[pr] from = \"develop\"` and `base = \"main\"`)"
    )]
    NoGitFlow,

    #[error(
        "the release commit says `{name}` is released as {trailer}, but its manifest says {manifest} (hint: the merged release pull request was edited after it was made; run `release pr` again, merge, then `release cut`)"
    )]
    TrailerDisagrees { name: String, trailer: String, manifest: String },
}

impl Classify for EngineError {
    fn exit_class(&self) -> ExitClass {
        match self {
            EngineError::Config(error) => error.exit_class(),
            EngineError::Workspace(error) => error.exit_class(),
            EngineError::Git(error) => error.exit_class(),
            EngineError::Plan(error) => error.exit_class(),
            EngineError::Apply(error) => error.exit_class(),
            EngineError::Changelog(error) => error.exit_class(),
            EngineError::Cut(error) => error.exit_class(),
            EngineError::Push(error) => error.exit_class(),
            EngineError::Forge(error) => error.exit_class(),
            EngineError::Promote(error) => error.exit_class(),
            EngineError::Changes(error) => error.exit_class(),
            EngineError::UnknownPackage { .. }
            | EngineError::NotReleased { .. }
            | EngineError::Revision { .. }
            | EngineError::PreLabel { .. }
            | EngineError::Template { .. }
            | EngineError::SourceDateEpoch { .. }
            | EngineError::NoParent { .. }
            | EngineError::NotInHistory { .. }
            | EngineError::NotAReleaseCommit { .. }
            | EngineError::InitExists { .. }
            | EngineError::Migrate { .. }
            | EngineError::NoBranch { .. }
            | EngineError::NoRemote { .. }
            | EngineError::ReleaseBranchMoved { .. }
            | EngineError::BaseMoved { .. }
            | EngineError::HandRewritten { .. }
            | EngineError::NoGitFlow
            | EngineError::TrailerDisagrees { .. } => ExitClass::InvalidInput,
            EngineError::TemplateRead { .. } | EngineError::Io(_) => ExitClass::Unexpected,
        }
    }
}
