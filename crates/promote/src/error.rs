//! Every way a promotion command can stop, and the exit code each gate documents.

use release_config::promotion::format_duration;
use release_config::promotion::format_utc;

/// Why a [`crate::Hooks::reviews`] call failed: the hook's own error (a forge error, a missing
/// token), kept as a value rather than flattened to a string.
pub type ReviewsError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    #[error(transparent)]
    Git(#[from] release_git::GitError),
    #[error(transparent)]
    Push(#[from] release_git::PushError),
    #[error("the promotion history is unreadable: {detail}")]
    Ledger { detail: String },
    #[error("cannot void a ledger entry: {detail}")]
    Void { detail: String },

    #[error("no environment is named `{name}` (hint: the environments are: {known})")]
    UnknownEnvironment { name: String, known: String },
    #[error("version `{version}` was never cut (hint: the releases are: {known})")]
    NeverCut { version: String, known: String },
    #[error("nothing to promote to `{environment}`: {why}")]
    NothingToPromote { environment: String, why: String },
    #[error(
        "promotion needs one version per release: add `[repo]` to release.toml, or release a single package (this release has {count} package versions and no repository version)"
    )]
    NoReleaseVersion { count: usize },

    #[error("`{environment}` is frozen until {until}{} (hint: rollbacks are still allowed; a change that cannot wait: `release promote {environment} --skip freeze --reason \"...\"`)", reason.as_ref().map(|reason| format!(": {reason}")).unwrap_or_default())]
    Frozen { environment: String, until: String, reason: Option<String> },
    #[error(
        "{version} is not verified in `{upstream}` yet, so it cannot enter `{environment}` (hint: `release promote {upstream} --version {version}` first)"
    )]
    NotVerifiedUpstream { environment: String, upstream: String, version: String },
    #[error(
        "{version} has been verified in `{upstream}` for {}; `{environment}` wants {} of soak (hint: try again in {})", seconds(*elapsed), seconds(*soak), seconds(soak - elapsed)
    )]
    Soaking { environment: String, upstream: String, version: String, elapsed: u64, soak: u64 },
    #[error("{version} waits for approval to enter `{environment}`: {have}/{need} (hint: {hint})")]
    WaitingForApproval { environment: String, version: String, have: usize, need: usize, hint: String },
    // The hook's error is part of the message (not a `source`), so the CLI prints it once.
    #[error("reading the reviews of `{environment}` from GitHub failed: {detail}")]
    Reviews { environment: String, detail: ReviewsError },
    #[error(
        "approvals for `{environment}` come from the protected GitHub Environment `{github_environment}` (hint: approve the workflow run's deployment in GitHub; `release approve` is for `source = \"release\"`)"
    )]
    ApprovalsFromGitHub { environment: String, github_environment: String },
    #[error("{version} was rejected for `{environment}` by {actor}: {reason}")]
    Rejected { environment: String, version: String, actor: String, reason: String },
    #[error(
        "`{environment}` runs {current}, newer than {version} (hint: going back is `release rollback {environment} --to {version}`)"
    )]
    Older { environment: String, version: String, current: String },
    #[error(
        "`{environment}` is being promoted by another run ({run}, {version}, started at {}) (hint: wait for it, or set `[promotion] concurrency = \"queue\"` to wait in order)", format_utc(*since as i64)
    )]
    Locked { environment: String, run: String, version: String, since: u64 },
    #[error(
        "automatic promotion to `{environment}` is held: {reason} (hint: promote a fixed release explicitly with `--version`)"
    )]
    Held { environment: String, reason: String },

    #[error(
        "the deploy command for `{environment}` is not found: `{program}` (hint: commands run from the repository root; check the path and that it is executable)"
    )]
    CommandNotFound { environment: String, program: String },
    #[error("deploying {version} to `{environment}` failed: `{command}` exited with {status}{}", rolled_back.as_ref().map(|back| format!("; rolled back to {back}")).unwrap_or_default())]
    DeployFailed { environment: String, version: String, command: String, status: i32, rolled_back: Option<String> },
    #[error("{version} failed verification in `{environment}`: {summary}{}", outcome(rolled_back))]
    VerifyFailed { environment: String, version: String, summary: String, rolled_back: Option<String> },

    #[error("{actor} may not approve for `{environment}` (hint: the approvers are: {approvers})")]
    NotAnApprover { environment: String, actor: String, approvers: String },
    #[error("{actor} cut {version} and may not approve it (hint: another approver must, or set `allow-self = true`)")]
    SelfApproval { actor: String, version: String },
    #[error("nothing to roll back to in `{environment}`: {why}")]
    NoRollbackTarget { environment: String, why: String },
    #[error(
        "skipping the {gates} gate needs a reason (hint: add --reason \"...\"; it is recorded with your name in the history)"
    )]
    BypassWithoutReason { gates: String },
    #[error("skipping the upstream gate needs the release named (hint: add --version V)")]
    BypassWithoutVersion,
}

/// Seconds as release.toml writes durations: `1h30m`.
pub(crate) fn seconds(seconds: u64) -> String {
    format_duration(std::time::Duration::from_secs(seconds))
}

fn outcome(rolled_back: &Option<String>) -> String {
    match rolled_back {
        Some(version) => format!("; rolled back to {version}, and automatic promotion is held"),
        None => "; automatic promotion is held".into(),
    }
}

impl PromoteError {
    /// The documented exit code of each gate (see docs/promotion.md); 1 for other bad input.
    pub fn exit_code(&self) -> u8 {
        release_exit::Classify::exit_class(self).code()
    }
}
