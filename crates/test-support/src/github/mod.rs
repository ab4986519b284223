//! A stateful fake of GitHub's REST API that holds itself and its clients to GitHub's own
//! description of that API.
//!
//! [`FakeGitHub::start`] serves plain HTTP on `127.0.0.1` from a background thread, so a test
//! can point a real client (octocrab in the `release` binary, run as a subprocess) at
//! [`FakeGitHub::base_url`]. It keeps releases and their assets, issue comments, deployments
//! and their statuses the way GitHub does, answers the operations in [`OPERATIONS`], and
//! checks every exchange against `fixtures/github/openapi.json`, which `cargo xtask
//! github-openapi` extracts from GitHub's official description:
//!
//! - a request must be one of those operations (method, path template, host), with its
//!   required path and query parameters and a body that its schema accepts;
//! - a response must have a documented status and a body that status's schema accepts (an
//!   undocumented error status, which GitHub sends on any operation, must carry GitHub's
//!   basic error body).
//!
//! Every violation is recorded, answered with a 400 (request) or 500 (response) so the client
//! notices, and makes the fake panic when dropped: a test that uses the fake checks the
//! contract without asking. [`FakeGitHub::take_violations`] takes them for a test that
//! provokes one on purpose.
//!
//! Uploads go to the same server under `/uploads` (GitHub serves them on another host), so a
//! release's `upload_url` is `{base_url}/uploads/repos/{owner}/{repo}/releases/{id}/assets{?name,label}`.
//! Ids come from one counter starting at 1,000,001, so an id of one kind is never a valid id
//! of another, nor a plausible issue number. Timestamps come from a clock that starts at
//! 2025-01-01T00:00:00Z and moves one minute per change, so answers are the same every run.
//!
//! ```no_run
//! use release_test_support::github::FakeGitHub;
//!
//! let github = FakeGitHub::start("acme", "widgets");
//! github.require_token("secret").add_pull(7, &"a".repeat(40), "release/next", "main", "chore: release");
//! // Run the client with GITHUB_API_URL=github.base_url() and GITHUB_TOKEN=secret, then:
//! assert_eq!(github.releases().len(), 1);
//! assert_eq!(github.comments(7).len(), 1);
//! ```

mod description;
mod objects;
mod operations;
mod pulls;
mod reply;
mod serve;
mod state;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

pub use description::description_path;
pub use operations::{DocumentedOperation, OPENAPI_FILE, OPENAPI_PACKAGE, OPENAPI_VERSION, OPERATIONS};

use description::Description;
use state::State;

/// The login of the token's user: the author of releases, comments and deployments.
pub const BOT_LOGIN: &str = "release-bot";

/// The path prefix under which the fake plays GitHub's uploads host.
pub const UPLOADS_PREFIX: &str = "/uploads";

const RATE_LIMIT_DOCS: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

/// A running fake; dropping it stops the server and panics if any exchange broke the contract.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    worker: Option<JoinHandle<()>>,
    base_url: String,
}

/// A release as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    pub target_commitish: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    /// Whether this is the repository's latest release (after `make_latest`).
    pub latest: bool,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    pub html_url: String,
    /// `{base_url}/uploads/repos/{owner}/{repo}/releases/{id}/assets{?name,label}`.
    pub upload_url: String,
    pub assets: Vec<Asset>,
}

/// A release asset, with the bytes that were uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: u64,
    /// The name after GitHub's renaming of unusual characters.
    pub name: String,
    pub label: Option<String>,
    pub content_type: String,
    pub size: u64,
    /// Always `uploaded`: the fake never leaves a partial upload behind.
    pub state: String,
    /// `sha256:` and the hex digest of the bytes, as GitHub reports it.
    pub digest: String,
    pub download_count: u64,
    pub browser_download_url: String,
    pub created_at: String,
    pub bytes: Vec<u8>,
}

/// An issue (or pull request) comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: u64,
    pub issue_number: u64,
    pub body: String,
    pub user_login: String,
    pub created_at: String,
    pub updated_at: String,
    pub html_url: String,
}

/// A comment on a commit.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitComment {
    pub id: u64,
    pub commit_id: String,
    pub body: String,
    pub user_login: String,
    pub created_at: String,
    pub html_url: String,
}

/// A deployment and its statuses, oldest status first.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub id: u64,
    /// The `ref` that was deployed.
    pub git_ref: String,
    pub sha: String,
    pub task: String,
    pub environment: String,
    pub original_environment: String,
    pub payload: Value,
    pub description: String,
    pub transient_environment: bool,
    pub production_environment: bool,
    pub created_at: String,
    pub statuses: Vec<DeploymentStatus>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentStatus {
    pub id: u64,
    pub state: String,
    pub description: String,
    pub environment: String,
    pub target_url: String,
    pub log_url: String,
    pub environment_url: String,
    pub created_at: String,
}

/// A pull request as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub head_ref: String,
    pub base_ref: String,
    pub labels: Vec<String>,
    /// `open` or `closed`.
    pub state: String,
    pub merged: bool,
}

/// One request as the fake received it, with what it answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// The percent-decoded path, `/uploads` prefix included.
    pub path: String,
    /// The percent-decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    pub body: RecordedBody,
    /// The documented operation it matched, if any.
    pub operation: Option<String>,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecordedBody {
    Empty,
    Json(Value),
    /// Raw bytes (an asset upload) or a body that is not JSON: its length.
    Bytes(usize),
}

struct Shared {
    description: Arc<Description>,
    inner: Mutex<Inner>,
}

struct Inner {
    state: State,
    token: Option<String>,
    /// The token may read but not write the operations whose id starts with this (`""`: every
    /// write, as a fork pull request's GITHUB_TOKEN).
    read_only: Option<String>,
    /// Faults by the number of the request they answer (1 is the first request received).
    faults: BTreeMap<u64, Fault>,
    received: u64,
    requests: Vec<RecordedRequest>,
    violations: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Status(u16),
    RateLimit {
        reset: u64,
    },
    /// The request is carried out, then answered with this status (GitHub's 502 after a write).
    AfterHandling(u16),
}

/// What the server needs from a request, read before the state is locked.
struct Incoming {
    method: String,
    url: String,
    authorization: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

impl FakeGitHub {
    /// Starts a fake of `owner/repo` on `127.0.0.1` and an OS-chosen port.
    ///
    /// # Panics
    ///
    /// When the description cannot be read or the port cannot be bound.
    pub fn start(owner: &str, repo: &str) -> FakeGitHub {
        FakeGitHub::try_start(owner, repo).unwrap_or_else(|error| panic!("starting the GitHub fake: {error:#}"))
    }

    /// [`FakeGitHub::start`], returning errors.
    pub fn try_start(owner: &str, repo: &str) -> Result<FakeGitHub> {
        let description = description::shared()?;
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(|error| anyhow!("binding 127.0.0.1:0: {error}"))?;
        let address = server.server_addr().to_ip().context("the server has no IP address")?;
        let base_url = format!("http://{address}");
        let shared = Arc::new(Shared {
            description,
            inner: Mutex::new(Inner {
                state: State::new(&base_url, owner, repo),
                token: None,
                read_only: None,
                faults: BTreeMap::new(),
                received: 0,
                requests: Vec::new(),
                violations: Vec::new(),
            }),
        });
        let server = Arc::new(server);
        let worker = std::thread::Builder::new()
            .name("fake-github".into())
            .spawn({
                let server = Arc::clone(&server);
                let shared = Arc::clone(&shared);
                move || {
                    for request in server.incoming_requests() {
                        shared.serve(request);
                    }
                }
            })
            .context("spawning the server thread")?;
        Ok(FakeGitHub { shared, server, worker: Some(worker), base_url })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: what `GITHUB_API_URL` is set to.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `{base_url}/uploads`: the fake's stand-in for `https://uploads.github.com`.
    pub fn uploads_url(&self) -> String {
        format!("{}{UPLOADS_PREFIX}", self.base_url)
    }

    /// From now on, requests need `Authorization: Bearer {token}` (or `token {token}`);
    /// others get GitHub's 401.
    pub fn require_token(&self, token: &str) -> &Self {
        self.inner().token = Some(token.to_string());
        self
    }

    /// From now on the token may read but not write, as a fork pull request's `GITHUB_TOKEN` or
    /// a job without `permissions:`: every request but a GET answers GitHub's 403 "Resource not
    /// accessible by integration" and changes nothing.
    pub fn read_only(&self) -> &Self {
        self.read_only_for("")
    }

    /// Like [`FakeGitHub::read_only`], for the operations whose id starts with `prefix` only:
    /// `"issues/"` is a token without `pull-requests: write` (comments and labels), which still
    /// creates releases.
    pub fn read_only_for(&self, prefix: &str) -> &Self {
        self.inner().read_only = Some(prefix.to_string());
        self
    }

    /// Writes are allowed again (the token was given its permissions).
    pub fn writable(&self) -> &Self {
        self.inner().read_only = None;
        self
    }

    /// The next `count` requests answer `status` with GitHub's error body.
    pub fn fail_next(&self, count: u64, status: u16) -> &Self {
        self.schedule(1..=count, Fault::Status(status))
    }

    /// The `nth` request from now (1 is the next one) answers `status`.
    pub fn fail_request(&self, nth: u64, status: u16) -> &Self {
        self.schedule(nth..=nth, Fault::Status(status))
    }

    /// The `nth` request from now is carried out, and then answered `status` as if it failed: what
    /// GitHub sometimes does after a POST succeeded.
    pub fn fail_after_handling(&self, nth: u64, status: u16) -> &Self {
        self.schedule(nth..=nth, Fault::AfterHandling(status))
    }

    /// The next `count` requests hit GitHub's primary rate limit: 403, `x-ratelimit-remaining:
    /// 0` and `x-ratelimit-reset: {reset_epoch_seconds}`.
    pub fn rate_limit_next(&self, count: u64, reset_epoch_seconds: u64) -> &Self {
        self.schedule(1..=count, Fault::RateLimit { reset: reset_epoch_seconds })
    }

    /// An open pull request `number` from `head_ref` (at `head_sha`) into `base_ref`. Its head
    /// ref also becomes a ref that deployments can name.
    pub fn add_pull(&self, number: u64, head_sha: &str, head_ref: &str, base_ref: &str, title: &str) -> &Self {
        self.inner().state.add_pull(number, head_sha, head_ref, base_ref, title);
        self
    }

    /// Merges pull request `number` as `merge_commit_sha`.
    ///
    /// # Panics
    ///
    /// When there is no such pull request.
    pub fn merge_pull(&self, number: u64, merge_commit_sha: &str) -> &Self {
        assert!(self.inner().state.merge_pull(number, merge_commit_sha), "no pull request #{number} to merge");
        self
    }

    /// Closes pull request `number` without merging it, as a person would.
    ///
    /// # Panics
    ///
    /// When there is no such pull request.
    pub fn close_pull(&self, number: u64) -> &Self {
        assert!(self.inner().state.close_pull(number), "no pull request #{number} to close");
        self
    }

    /// Every pull request, by number.
    pub fn pulls(&self) -> Vec<PullRequest> {
        self.inner().state.pull_requests()
    }

    /// A branch or tag `name` at `sha`, for deployments of `name` (GitHub answers 422 for a
    /// ref it does not know; a full 40-character SHA needs no seeding).
    pub fn add_ref(&self, name: &str, sha: &str) -> &Self {
        self.inner().state.add_ref(name, sha);
        self
    }

    /// A review of workflow run `run_id`'s deployment to `environment`; `state` is one of
    /// `approved`, `rejected` or `pending`.
    ///
    /// # Panics
    ///
    /// When `state` is none of those.
    pub fn add_run_approval(
        &self,
        run_id: u64,
        environment: &str,
        reviewer_login: &str,
        state: &str,
        comment: &str,
    ) -> &Self {
        assert!(
            ["approved", "rejected", "pending"].contains(&state),
            "approval state {state:?} is not one of approved, rejected, pending"
        );
        self.inner().state.add_run_approval(run_id, environment, reviewer_login, state, comment);
        self
    }

    /// Every release, oldest first.
    pub fn releases(&self) -> Vec<Release> {
        self.inner().state.releases()
    }

    /// The comments on issue or pull request `issue_number`, oldest first.
    pub fn comments(&self, issue_number: u64) -> Vec<Comment> {
        self.inner().state.comments(issue_number)
    }

    /// The comments on commit `sha`, oldest first.
    pub fn commit_comments(&self, sha: &str) -> Vec<CommitComment> {
        self.inner().state.commit_comments.iter().filter(|comment| comment.commit_id == sha).cloned().collect()
    }

    /// Every deployment, oldest first.
    pub fn deployments(&self) -> Vec<Deployment> {
        self.inner().state.deployments()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner().requests.clone()
    }

    /// Every contract violation so far: each names the operation, whether the request or the
    /// response broke it, and the validator's message.
    pub fn violations(&self) -> Vec<String> {
        self.inner().violations.clone()
    }

    /// [`FakeGitHub::violations`], emptied, so that dropping the fake does not panic.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.inner().violations)
    }

    fn schedule(&self, numbers: std::ops::RangeInclusive<u64>, fault: Fault) -> &Self {
        let mut inner = self.inner();
        let received = inner.received;
        for number in numbers {
            inner.faults.insert(received + number, fault);
        }
        drop(inner);
        self
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        let violations = self.take_violations();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!(
                "the GitHub fake saw {} violation(s) of GitHub's description ({OPENAPI_PACKAGE} {}, \
                 fixtures/github/openapi.json):\n  - {}",
                violations.len(),
                self.shared.description.version,
                violations.join("\n  - ")
            );
        }
    }
}
