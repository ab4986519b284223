//! The only crate that talks HTTP: GitHub releases, release assets, pull-request comments and
//! (for promotion) deployments, through the octocrab client.
//!
//! Requests go through octocrab's transport (rustls, the token, the base URL from
//! `GITHUB_API_URL`); this crate adds what a release needs from a forge: retries with backoff on
//! 5xx and network errors, waiting out (or reporting) a rate limit from its reset header, and
//! errors that say which token variable was used without ever printing the token. Only routes
//! and methods from GitHub's published REST API description are used.
//!
//! Callers depend on the [`Forge`] trait, so they can be tested against the real client and a
//! local server, or against an in-memory double.
//!
//! ```no_run
//! use release_forge::{Forge, GitHub, GitHubConfig};
//! let config = GitHubConfig::from_env(Some("git@github.com:acme/shop.git"), true).unwrap();
//! let github = GitHub::new(config).unwrap();
//! if let Some(release) = github.release_by_tag("v1.2.0").unwrap() {
//!     println!("{}", release.html_url);
//! }
//! ```

mod client;
mod config;

use release_commit_id::CommitId;
use serde::{Deserialize, Serialize};

pub use client::GitHub;
pub use config::{GitHubConfig, Token};

#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error(
        "no GitHub token: the forge steps need one (hint: set GITHUB_TOKEN or GH_TOKEN, or pass `--no-forge` to skip GitHub releases)"
    )]
    NoToken,

    #[error(
        "GitHub rejected the token from `{variable}` ({status}: {message}) (hint: the token is expired, revoked, or lacks `contents: write` / `pull-requests: write`; the token itself is not shown)"
    )]
    Unauthorized { variable: String, status: u16, message: String },

    #[error(
        "GitHub: {operation}: the token from `{variable}` cannot {access} `{repository}` (403: {message}) (hint: give the job `permissions: contents: write` and `pull-requests: write`; a pull request from a fork gets a read-only GITHUB_TOKEN, so run this on the base branch's push, or use `pull_request_target` without checking out the fork's code, or a GitHub App token)"
    )]
    ReadOnly { operation: String, variable: String, repository: String, access: &'static str, message: String },

    #[error(
        "GitHub's rate limit is exhausted until {reset} (in {seconds} s) (hint: run the same command again after that; it continues where it stopped)"
    )]
    RateLimited { reset: u64, seconds: u64 },

    #[error(
        "`{url}` is not a GitHub repository (hint: set GITHUB_REPOSITORY=owner/repo and GITHUB_API_URL for GitHub Enterprise, or pass `--no-forge`)"
    )]
    NotGitHub { url: String },

    #[error(
        "cannot tell which GitHub repository this is: no GITHUB_REPOSITORY and no `origin` remote (hint: set GITHUB_REPOSITORY=owner/repo, or pass `--no-forge`)"
    )]
    NoRepository,

    #[error("GitHub: {operation}: {status} {message}")]
    Http { operation: String, status: u16, message: String },

    #[error(
        "GitHub: {operation}: {detail} (hint: check the network and GITHUB_API_URL; the same command continues where it stopped)"
    )]
    Transport { operation: String, detail: String },
}

impl release_exit::Classify for ForgeError {
    /// Every forge error is a check that failed or a setting to fix: a missing or rejected token,
    /// a rate limit, a remote that is not GitHub, GitHub's answer; the network counts as input
    /// too (the hint says to check it and run again).
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            ForgeError::NoToken
            | ForgeError::Unauthorized { .. }
            | ForgeError::ReadOnly { .. }
            | ForgeError::RateLimited { .. }
            | ForgeError::NotGitHub { .. }
            | ForgeError::NoRepository
            | ForgeError::Http { .. }
            | ForgeError::Transport { .. } => release_exit::ExitClass::InvalidInput,
        }
    }
}

impl ForgeError {
    /// Whether the request may have been carried out all the same: GitHub answers 5xx, or the
    /// connection drops, after some writes succeeded.
    pub fn may_have_happened(&self) -> bool {
        matches!(self, ForgeError::Transport { .. })
            || matches!(self, ForgeError::Http { status, .. } if *status >= 500)
    }
}

/// A release on the forge.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RemoteRelease {
    pub id: u64,
    pub tag_name: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub html_url: String,
    pub upload_url: String,
    #[serde(default)]
    pub assets: Vec<RemoteAsset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RemoteAsset {
    pub id: u64,
    pub name: String,
    pub size: u64,
    /// `sha256:<hex>` where GitHub provides it.
    #[serde(default)]
    pub digest: Option<String>,
}

/// What a release should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewRelease {
    pub tag_name: String,
    pub target_commitish: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    /// `"true"`, `"false"` or `"legacy"`, as GitHub takes it.
    pub make_latest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    pub html_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub head: GitRef,
    pub base: GitRef,
    #[serde(default)]
    pub body: Option<String>,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub html_url: String,
}

impl PullRequest {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }

    pub fn has_label(&self, name: &str) -> bool {
        self.labels.iter().any(|label| label.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Label {
    pub name: String,
}

/// A pull request to open (`POST /repos/{o}/{r}/pulls`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewPullRequest {
    pub title: String,
    /// The branch the changes are on.
    pub head: String,
    /// The branch they merge into.
    pub base: String,
    pub body: String,
}

/// What to change in a pull request (`PATCH /repos/{o}/{r}/pulls/{n}`); `None` keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullRequestUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `open` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GitRef {
    #[serde(rename = "ref")]
    pub name: String,
    pub sha: String,
}

/// A deployment to create: a commit sent to an environment (`POST /repos/{o}/{r}/deployments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDeployment {
    /// A full commit SHA (a tag may not exist yet when tags follow prod).
    #[serde(rename = "ref")]
    pub git_ref: CommitId,
    pub environment: String,
    pub description: String,
    pub payload: serde_json::Value,
    pub production_environment: bool,
    /// Always false: the release commit is deployed as it is, never merged with the default branch.
    pub auto_merge: bool,
    /// Always empty: the promotion's own gates decide, not commit statuses.
    pub required_contexts: Vec<String>,
}

/// A status of a deployment: `in_progress`, `success`, `failure`, `inactive`...
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDeploymentStatus {
    pub state: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_url: Option<String>,
    /// False: the promotion stage marks what it replaced inactive itself, for every environment.
    pub auto_inactive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RemoteDeployment {
    pub id: u64,
    pub sha: String,
    pub environment: String,
}

/// One review of a workflow run's deployment to a protected environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReview {
    /// The environments the review covers.
    pub environments: Vec<String>,
    /// `approved`, `rejected` (or `pending`).
    pub state: String,
    pub login: String,
    pub comment: String,
}

/// What the release stages need from a forge.
pub trait Forge {
    fn release_by_tag(&self, tag: &str) -> Result<Option<RemoteRelease>, ForgeError>;
    fn create_release(&self, release: &NewRelease) -> Result<RemoteRelease, ForgeError>;
    fn update_release(&self, id: u64, release: &NewRelease) -> Result<RemoteRelease, ForgeError>;
    fn release_assets(&self, release: &RemoteRelease) -> Result<Vec<RemoteAsset>, ForgeError>;
    fn upload_asset(&self, release: &RemoteRelease, name: &str, bytes: &[u8]) -> Result<RemoteAsset, ForgeError>;
    fn delete_asset(&self, id: u64) -> Result<(), ForgeError>;
    fn comments(&self, issue: u64) -> Result<Vec<Comment>, ForgeError>;
    fn create_comment(&self, issue: u64, body: &str) -> Result<Comment, ForgeError>;
    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, ForgeError>;
    fn pull_request(&self, number: u64) -> Result<PullRequest, ForgeError>;
    /// The pull requests GitHub associates with a commit (the one that merged it, or whose branch
    /// holds it).
    fn pulls_of_commit(&self, sha: CommitId) -> Result<Vec<PullRequest>, ForgeError>;
    fn commit_comments(&self, sha: CommitId) -> Result<Vec<Comment>, ForgeError>;
    fn create_commit_comment(&self, sha: CommitId, body: &str) -> Result<Comment, ForgeError>;
    /// Pull requests from branch `head` of this repository (`state`: `open`, `closed` or `all`),
    /// newest first.
    fn pull_requests(&self, head: &str, state: &str) -> Result<Vec<PullRequest>, ForgeError>;
    fn create_pull_request(&self, pull: &NewPullRequest) -> Result<PullRequest, ForgeError>;
    fn update_pull_request(&self, number: u64, update: &PullRequestUpdate) -> Result<PullRequest, ForgeError>;
    /// Adds labels to an issue or pull request (GitHub creates a label that does not exist).
    fn add_labels(&self, issue: u64, labels: &[String]) -> Result<(), ForgeError>;
    /// Removes a label; one that is not there is no error.
    fn remove_label(&self, issue: u64, label: &str) -> Result<(), ForgeError>;
    /// Deletes branch `name`; one that does not exist is no error.
    fn delete_branch(&self, name: &str) -> Result<(), ForgeError>;
    fn create_deployment(&self, deployment: &NewDeployment) -> Result<RemoteDeployment, ForgeError>;
    fn create_deployment_status(&self, id: u64, status: &NewDeploymentStatus) -> Result<(), ForgeError>;
    /// Deployments of `sha` to `environment`, newest first.
    fn deployments(&self, environment: &str, sha: CommitId) -> Result<Vec<RemoteDeployment>, ForgeError>;
    /// The reviews of workflow run `run_id` (`GET /repos/{o}/{r}/actions/runs/{run_id}/approvals`).
    fn run_reviews(&self, run_id: u64) -> Result<Vec<RunReview>, ForgeError>;
}

/// `sha256:<hex>` of some bytes, the form GitHub reports asset digests in.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(bytes);
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for byte in hash {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}
