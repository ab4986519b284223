//! The GitHub client: octocrab's transport with retries, rate-limit handling and typed errors.

use release_commit_id::CommitId;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Method, Request, StatusCode};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;

use crate::{
    Comment, Forge, ForgeError, GitHubConfig, NewDeployment, NewDeploymentStatus, NewPullRequest, NewRelease,
    PullRequest, PullRequestUpdate, RemoteAsset, RemoteDeployment, RemoteRelease, RunReview,
};

/// Attempts for a request that fails with a 5xx or a network error.
const ATTEMPTS: u32 = 4;

pub struct GitHub {
    client: Octocrab,
    runtime: tokio::runtime::Runtime,
    config: GitHubConfig,
    /// First retry delay; doubles each time.
    backoff: Duration,
    /// The longest rate-limit reset worth waiting for instead of stopping.
    max_rate_limit_wait: Duration,
}

struct Response {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl GitHub {
    /// A client with the default timing: retries from 500 ms, rate limits waited up to 60 s
    /// (`RELEASE_FORGE_BACKOFF_MS` and `RELEASE_RATE_LIMIT_MAX_WAIT_MS` override them).
    pub fn new(config: GitHubConfig) -> Result<GitHub, ForgeError> {
        let millis = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.parse().ok())
                .map_or(Duration::from_millis(default), Duration::from_millis)
        };
        GitHub::with_timing(
            config,
            millis("RELEASE_FORGE_BACKOFF_MS", 500),
            millis("RELEASE_RATE_LIMIT_MAX_WAIT_MS", 60_000),
        )
    }

    /// A client with explicit retry backoff and longest rate-limit wait.
    pub fn with_timing(
        config: GitHubConfig,
        backoff: Duration,
        max_rate_limit_wait: Duration,
    ) -> Result<GitHub, ForgeError> {
        let transport = |detail: String| ForgeError::Transport { operation: "setting up the client".into(), detail };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| transport(error.to_string()))?;
        let client = {
            let _guard = runtime.enter();
            let mut builder = Octocrab::builder()
                .base_uri(config.api_url.as_str())
                .map_err(|error| transport(format!("GITHUB_API_URL `{}`: {error}", config.api_url)))?
                .set_connect_timeout(Some(Duration::from_secs(20)))
                .set_read_timeout(Some(Duration::from_secs(60)));
            if let Some(token) = &config.token {
                builder = builder.personal_token(token.value.clone());
            }
            builder.build().map_err(|error| transport(error.to_string()))?
        };
        Ok(GitHub { client, runtime, config, backoff, max_rate_limit_wait })
    }

    pub fn config(&self) -> &GitHubConfig {
        &self.config
    }

    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.config.owner, self.config.repo)
    }

    /// Sends a request, retrying 5xx and network errors with backoff (never a POST: see
    /// [`GitHub::create`]), waiting out a short rate limit, and turning 401/403 into errors that
    /// name the token variable.
    fn send(
        &self,
        operation: &str,
        method: Method,
        uri: &str,
        body: Option<Vec<u8>>,
        content_type: &str,
    ) -> Result<Response, ForgeError> {
        let mut delay = self.backoff;
        let mut rate_limit_waited = false;
        // GitHub sometimes answers 502, or drops the connection, after a POST succeeded: sent
        // again, it would make a second release, comment or deployment.
        let retry = method != Method::POST;
        for attempt in 1..=ATTEMPTS {
            let response = match self.execute(operation, &method, uri, body.as_deref(), content_type)? {
                Ok(response) => response,
                Err(_) if retry && attempt < ATTEMPTS => {
                    std::thread::sleep(delay);
                    delay *= 2;
                    continue;
                }
                Err(error) => {
                    return Err(ForgeError::Transport { operation: operation.into(), detail: error.to_string() });
                }
            };
            let status = response.status;
            if status.is_success() || status == StatusCode::NOT_FOUND {
                return Ok(response);
            }
            if let Some(reset) = rate_limit_reset(&response) {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|duration| duration.as_secs()).unwrap_or(0);
                let seconds = reset.saturating_sub(now);
                if !rate_limit_waited && Duration::from_secs(seconds) <= self.max_rate_limit_wait {
                    rate_limit_waited = true;
                    std::thread::sleep(Duration::from_secs(seconds).max(Duration::from_millis(100)));
                    continue;
                }
                return Err(ForgeError::RateLimited { reset, seconds });
            }
            if status.is_server_error() && retry && attempt < ATTEMPTS {
                std::thread::sleep(delay);
                delay *= 2;
                continue;
            }
            return Err(self.refusal(operation, &method, &response));
        }
        unreachable!("the last attempt returns")
    }

    /// One attempt: the outer error is a request that cannot be built (never worth a retry), the
    /// inner one a transport failure (which may be).
    fn execute(
        &self,
        operation: &str,
        method: &Method,
        uri: &str,
        body: Option<&[u8]>,
        content_type: &str,
    ) -> Result<Result<Response, octocrab::Error>, ForgeError> {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(http::header::ACCEPT, "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header(http::header::CONTENT_TYPE, content_type)
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .map_err(|error| ForgeError::Transport { operation: operation.into(), detail: error.to_string() })?;
        Ok(self.runtime.block_on(async {
            let response = self.client.execute(request).await?;
            let (parts, body) = response.into_parts();
            let bytes = http_body_util_collect(body).await?;
            Ok::<_, octocrab::Error>(Response { status: parts.status, headers: parts.headers, body: bytes })
        }))
    }

    /// The error for a final answer that is neither a success nor retried: an authentication
    /// failure names the token variable, anything else is an HTTP error.
    fn refusal(&self, operation: &str, method: &Method, response: &Response) -> ForgeError {
        let status = response.status;
        if status == StatusCode::UNAUTHORIZED || (status == StatusCode::FORBIDDEN && self.config.token.is_none()) {
            return ForgeError::Unauthorized {
                variable: self.config.token.as_ref().map_or("(none)", |token| token.variable).to_string(),
                status: status.as_u16(),
                message: message(&response.body),
            };
        }
        // A valid token without the permission: GitHub's "Resource not accessible by integration"
        // (a job's GITHUB_TOKEN without `permissions:`, or any token of a fork's pull request).
        // A rate limit, also a 403, was told apart above.
        if let (StatusCode::FORBIDDEN, Some(token)) = (status, &self.config.token) {
            return ForgeError::ReadOnly {
                operation: operation.into(),
                variable: token.variable.to_string(),
                repository: format!("{}/{}", self.config.owner, self.config.repo),
                access: if *method == Method::GET { "read" } else { "write to" },
                message: message(&response.body),
            };
        }
        ForgeError::Http { operation: operation.into(), status: status.as_u16(), message: message(&response.body) }
    }

    /// Creates something with `post`, which is not retried blindly: after an answer that leaves
    /// open whether it was created (5xx, a dropped connection), `find` looks it up, and only what
    /// is not there is posted again.
    fn create<T>(
        &self,
        post: impl Fn() -> Result<T, ForgeError>,
        find: impl Fn() -> Result<Option<T>, ForgeError>,
    ) -> Result<T, ForgeError> {
        let mut delay = self.backoff;
        for attempt in 1..=ATTEMPTS {
            match post() {
                Err(error) if attempt < ATTEMPTS && error.may_have_happened() => {
                    std::thread::sleep(delay);
                    delay *= 2;
                    if let Some(found) = find()? {
                        return Ok(found);
                    }
                }
                result => return result,
            }
        }
        unreachable!("the last attempt returns")
    }

    fn json<T: DeserializeOwned>(&self, operation: &str, response: Response) -> Result<T, ForgeError> {
        serde_json::from_slice(&response.body).map_err(|error| ForgeError::Http {
            operation: operation.into(),
            status: response.status.as_u16(),
            message: format!("unexpected response: {error}"),
        })
    }

    /// A list GitHub pages: 100 a page, up to `pages` pages, until a page is not full.
    fn pages<T: DeserializeOwned>(&self, operation: &str, path: &str, pages: u32) -> Result<Vec<T>, ForgeError> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        for page in 1..=pages {
            let uri = self.repo_path(&format!("{path}{separator}per_page=100&page={page}"));
            let batch: Vec<T> = self.send_json(operation, Method::GET, &uri, None::<&()>)?;
            let done = batch.len() < 100;
            all.extend(batch);
            if done {
                break;
            }
        }
        Ok(all)
    }

    fn send_json<T: DeserializeOwned>(
        &self,
        operation: &str,
        method: Method,
        uri: &str,
        body: Option<&impl serde::Serialize>,
    ) -> Result<T, ForgeError> {
        let body = body.map(|body| serde_json::to_vec(body).expect("request bodies serialize"));
        let response = self.send(operation, method, uri, body, "application/json")?;
        if response.status == StatusCode::NOT_FOUND {
            return Err(ForgeError::Http {
                operation: operation.into(),
                status: 404,
                message: message(&response.body),
            });
        }
        self.json(operation, response)
    }
}

async fn http_body_util_collect(
    body: impl http_body::Body<Data = bytes::Bytes, Error = octocrab::Error>,
) -> Result<Vec<u8>, octocrab::Error> {
    use http_body_util::BodyExt;
    Ok(body.collect().await?.to_bytes().to_vec())
}

/// A rate-limited answer: 403 or 429 with no requests left, or a `retry-after` header.
fn rate_limit_reset(response: &Response) -> Option<u64> {
    if response.status != StatusCode::FORBIDDEN && response.status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let header = |name: &str| response.headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|duration| duration.as_secs()).unwrap_or(0);
    if let Some(after) = header("retry-after").and_then(|value| value.parse::<u64>().ok()) {
        return Some(now + after);
    }
    if header("x-ratelimit-remaining") == Some("0") {
        return header("x-ratelimit-reset").and_then(|value| value.parse().ok()).or(Some(now + 60));
    }
    None
}

/// GitHub's `message` field, or the body's start.
fn message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("message").and_then(|message| message.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl Forge for GitHub {
    fn release_by_tag(&self, tag: &str) -> Result<Option<RemoteRelease>, ForgeError> {
        let operation = format!("reading the release of tag `{tag}`");
        let uri = self.repo_path(&format!("/releases/tags/{}", encode(tag)));
        let response = self.send(&operation, Method::GET, &uri, None, "application/json")?;
        if response.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.json(&operation, response).map(Some)
    }

    fn create_release(&self, release: &NewRelease) -> Result<RemoteRelease, ForgeError> {
        let operation = format!("creating the release of `{}`", release.tag_name);
        self.create(
            || self.send_json(&operation, Method::POST, &self.repo_path("/releases"), Some(release)),
            || self.release_by_tag(&release.tag_name),
        )
    }

    fn update_release(&self, id: u64, release: &NewRelease) -> Result<RemoteRelease, ForgeError> {
        let operation = format!("updating the release of `{}`", release.tag_name);
        self.send_json(&operation, Method::PATCH, &self.repo_path(&format!("/releases/{id}")), Some(release))
    }

    fn release_assets(&self, release: &RemoteRelease) -> Result<Vec<RemoteAsset>, ForgeError> {
        let operation = format!("listing the assets of `{}`", release.tag_name);
        let uri = self.repo_path(&format!("/releases/{}/assets?per_page=100", release.id));
        self.send_json(&operation, Method::GET, &uri, None::<&()>)
    }

    fn upload_asset(&self, release: &RemoteRelease, name: &str, bytes: &[u8]) -> Result<RemoteAsset, ForgeError> {
        let operation = format!("uploading `{name}` to `{}`", release.tag_name);
        // `upload_url` is an RFC 6570 template: `https://uploads.github.com/.../assets{?name,label}`.
        let base = release.upload_url.split('{').next().unwrap_or(&release.upload_url);
        let uri = format!("{base}?name={}", encode(name));
        let post = || {
            let response =
                self.send(&operation, Method::POST, &uri, Some(bytes.to_vec()), "application/octet-stream")?;
            if response.status == StatusCode::NOT_FOUND {
                return Err(ForgeError::Http {
                    operation: operation.clone(),
                    status: 404,
                    message: message(&response.body),
                });
            }
            self.json(&operation, response)
        };
        // An asset of that name and size is the upload that was answered with an error.
        let find = || {
            let assets = self.release_assets(release)?;
            Ok(assets.into_iter().find(|asset| asset.name == name && asset.size == bytes.len() as u64))
        };
        self.create(post, find)
    }

    fn delete_asset(&self, id: u64) -> Result<(), ForgeError> {
        let operation = format!("deleting asset {id}");
        let response = self.send(
            &operation,
            Method::DELETE,
            &self.repo_path(&format!("/releases/assets/{id}")),
            None,
            "application/json",
        )?;
        if response.status == StatusCode::NOT_FOUND {
            return Err(ForgeError::Http { operation, status: 404, message: message(&response.body) });
        }
        Ok(())
    }

    fn comments(&self, issue: u64) -> Result<Vec<Comment>, ForgeError> {
        self.pages(&format!("listing the comments of #{issue}"), &format!("/issues/{issue}/comments"), 50)
    }

    fn create_comment(&self, issue: u64, body: &str) -> Result<Comment, ForgeError> {
        let operation = format!("commenting on #{issue}");
        let uri = self.repo_path(&format!("/issues/{issue}/comments"));
        self.create(
            || self.send_json(&operation, Method::POST, &uri, Some(&serde_json::json!({ "body": body }))),
            || Ok(self.comments(issue)?.into_iter().rev().find(|comment| comment.body.as_deref() == Some(body))),
        )
    }

    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, ForgeError> {
        // GitHub documents PATCH for this route (octocrab's typed helper sends POST).
        let operation = format!("updating comment {id}");
        let uri = self.repo_path(&format!("/issues/comments/{id}"));
        self.send_json(&operation, Method::PATCH, &uri, Some(&serde_json::json!({ "body": body })))
    }

    fn pull_request(&self, number: u64) -> Result<PullRequest, ForgeError> {
        let operation = format!("reading pull request #{number}");
        self.send_json(&operation, Method::GET, &self.repo_path(&format!("/pulls/{number}")), None::<&()>)
    }

    fn pulls_of_commit(&self, sha: CommitId) -> Result<Vec<PullRequest>, ForgeError> {
        let operation = format!("listing the pull requests of commit {sha}");
        let uri = self.repo_path(&format!("/commits/{}/pulls?per_page=100", encode(&sha.to_string())));
        self.send_json(&operation, Method::GET, &uri, None::<&()>)
    }

    fn commit_comments(&self, sha: CommitId) -> Result<Vec<Comment>, ForgeError> {
        self.pages(
            &format!("listing the comments of commit {sha}"),
            &format!("/commits/{}/comments", encode(&sha.to_string())),
            50,
        )
    }

    fn create_commit_comment(&self, sha: CommitId, body: &str) -> Result<Comment, ForgeError> {
        let operation = format!("commenting on commit {sha}");
        let uri = self.repo_path(&format!("/commits/{}/comments", encode(&sha.to_string())));
        self.create(
            || self.send_json(&operation, Method::POST, &uri, Some(&serde_json::json!({ "body": body }))),
            || Ok(self.commit_comments(sha)?.into_iter().rev().find(|comment| comment.body.as_deref() == Some(body))),
        )
    }

    fn pull_requests(&self, head: &str, state: &str) -> Result<Vec<PullRequest>, ForgeError> {
        let path = format!(
            "/pulls?state={}&head={}&sort=created&direction=desc",
            encode(state),
            encode(&format!("{}:{head}", self.config.owner))
        );
        self.pages(&format!("listing the pull requests from `{head}`"), &path, 10)
    }

    fn create_pull_request(&self, pull: &NewPullRequest) -> Result<PullRequest, ForgeError> {
        let operation = format!("opening a pull request from `{}` into `{}`", pull.head, pull.base);
        self.create(
            || self.send_json(&operation, Method::POST, &self.repo_path("/pulls"), Some(pull)),
            || {
                let open = self.pull_requests(&pull.head, "open")?;
                Ok(open.into_iter().find(|found| found.base.name == pull.base))
            },
        )
    }

    fn update_pull_request(&self, number: u64, update: &PullRequestUpdate) -> Result<PullRequest, ForgeError> {
        let operation = format!("updating pull request #{number}");
        self.send_json(&operation, Method::PATCH, &self.repo_path(&format!("/pulls/{number}")), Some(update))
    }

    fn add_labels(&self, issue: u64, labels: &[String]) -> Result<(), ForgeError> {
        let operation = format!("labelling #{issue}");
        let uri = self.repo_path(&format!("/issues/{issue}/labels"));
        // Adding a label that is there already changes nothing: safe to send again.
        self.send_json::<serde_json::Value>(
            &operation,
            Method::POST,
            &uri,
            Some(&serde_json::json!({ "labels": labels })),
        )
        .map(|_| ())
    }

    fn remove_label(&self, issue: u64, label: &str) -> Result<(), ForgeError> {
        let operation = format!("removing label `{label}` from #{issue}");
        let uri = self.repo_path(&format!("/issues/{issue}/labels/{}", encode(label)));
        self.send(&operation, Method::DELETE, &uri, None, "application/json").map(|_| ())
    }

    fn delete_branch(&self, name: &str) -> Result<(), ForgeError> {
        let operation = format!("deleting branch `{name}`");
        let path: Vec<String> = name.split('/').map(encode).collect();
        let uri = self.repo_path(&format!("/git/refs/heads/{}", path.join("/")));
        match self.send(&operation, Method::DELETE, &uri, None, "application/json") {
            // 422 "Reference does not exist": already deleted.
            Err(ForgeError::Http { status: 422, .. }) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    fn create_deployment(&self, deployment: &NewDeployment) -> Result<RemoteDeployment, ForgeError> {
        let operation = format!("creating a deployment to `{}`", deployment.environment);
        // Deployments of one commit to one environment that existed before this one was asked for
        // are not it.
        let before = self.deployments(&deployment.environment, deployment.git_ref)?;
        self.create(
            || self.send_json(&operation, Method::POST, &self.repo_path("/deployments"), Some(deployment)),
            || {
                let now = self.deployments(&deployment.environment, deployment.git_ref)?;
                Ok(now.into_iter().find(|found| !before.iter().any(|old| old.id == found.id)))
            },
        )
    }

    fn create_deployment_status(&self, id: u64, status: &NewDeploymentStatus) -> Result<(), ForgeError> {
        let operation = format!("setting deployment {id} to `{}`", status.state);
        let uri = self.repo_path(&format!("/deployments/{id}/statuses"));
        self.send_json::<serde_json::Value>(&operation, Method::POST, &uri, Some(status)).map(|_| ())
    }

    fn deployments(&self, environment: &str, sha: CommitId) -> Result<Vec<RemoteDeployment>, ForgeError> {
        let operation = format!("listing the deployments to `{environment}`");
        let uri = self.repo_path(&format!(
            "/deployments?environment={}&sha={}&per_page=100",
            encode(environment),
            encode(&sha.to_string())
        ));
        self.send_json(&operation, Method::GET, &uri, None::<&()>)
    }

    fn run_reviews(&self, run_id: u64) -> Result<Vec<RunReview>, ForgeError> {
        #[derive(serde::Deserialize)]
        struct Wire {
            environments: Vec<Named>,
            state: String,
            user: Login,
            #[serde(default)]
            comment: String,
        }
        #[derive(serde::Deserialize)]
        struct Named {
            #[serde(default)]
            name: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Login {
            login: String,
        }
        let operation = format!("reading the reviews of workflow run {run_id}");
        let uri = self.repo_path(&format!("/actions/runs/{run_id}/approvals"));
        let wire: Vec<Wire> = self.send_json(&operation, Method::GET, &uri, None::<&()>)?;
        Ok(wire
            .into_iter()
            .map(|review| RunReview {
                environments: review.environments.into_iter().filter_map(|environment| environment.name).collect(),
                state: review.state,
                login: review.user.login,
                comment: review.comment,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn encoding() {
        assert_eq!(super::encode("@shop/ui-v1.0.0"), "%40shop%2Fui-v1.0.0");
        assert_eq!(super::encode("tool_1.0.tar.gz"), "tool_1.0.tar.gz");
    }
}
