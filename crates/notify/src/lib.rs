//! Sending the promotion stage's notifications ([`release_promote::notify`] decides what and
//! records how it went): a webhook gets a JSON POST, GitHub a comment on the release's pull
//! request, else on its commit.
//!
//! A webhook's URL is read from the environment variable its `[[notify]]` entry names, when it
//! is sent: a secret never sits in release.toml, and an unset variable is a failed delivery that
//! the next command (with the secret) retries. The body is JSON with the event, environment,
//! version, commit, actor, links and a Slack-compatible `text`; the `key` field and the
//! `Idempotency-Key` header are the same on every attempt, so a receiver that has seen one can
//! drop it. A GitHub comment carries the key in a hidden marker and is not posted twice.
//!
//! Every delivery has the target's timeout; a status other than 2xx is a failure.

use release_config::notify::{NotifyKind, NotifyTarget};
use release_config::promotion::format_utc;
use release_forge::Forge;
use release_promote::Delivery;
use serde_json::{Value, json};

/// Where notifications' links point, and how GitHub is reached.
pub struct Sender<'f> {
    /// The repository's web address (`https://github.com/owner/repo`), for commit and release
    /// links.
    pub repository: Option<String>,
    /// The CI run that sent it (GitHub Actions' `GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`/`GITHUB_RUN_ID`).
    pub run: Option<String>,
    /// The GitHub client, or why there is none (no token): asked for only by a github target.
    pub github: Result<&'f (dyn Forge + Sync), String>,
}

impl Sender<'_> {
    /// Delivers one notification to one target: `Err` says why it did not arrive.
    pub fn send(&self, target: &NotifyTarget, delivery: &Delivery) -> Result<(), String> {
        match &target.kind {
            NotifyKind::Webhook { url_env } => self.webhook(target, url_env, delivery),
            NotifyKind::GitHub => self.comment(delivery),
        }
    }

    /// The JSON a webhook receives.
    pub fn payload(&self, delivery: &Delivery) -> Value {
        let notice = &delivery.notice;
        let links = self.links(delivery);
        let mut text = notice.text.clone();
        if let Some(link) = links.get("release").or_else(|| links.get("commit")).and_then(Value::as_str) {
            text.push_str(&format!(" ({link})"));
        }
        json!({
            "text": text,
            "event": notice.event,
            "environment": (!notice.environment.is_empty()).then_some(&notice.environment),
            "version": notice.version,
            "tag": notice.tag,
            "commit": notice.commit,
            "actor": notice.actor,
            "at": format_utc(notice.at as i64),
            "detail": notice.detail,
            "from_version": notice.from_version,
            "links": links,
            "key": delivery.key,
            "attempt": delivery.attempt,
        })
    }

    fn links(&self, delivery: &Delivery) -> serde_json::Map<String, Value> {
        let notice = &delivery.notice;
        let mut links = serde_json::Map::new();
        if let Some(base) = &self.repository {
            links.insert("commit".into(), json!(format!("{base}/commit/{}", notice.commit)));
            // One tag: its release page; several (a monorepo's packages): the releases list.
            match notice.tag.as_deref() {
                Some(tag) if !tag.contains(", ") => {
                    links.insert("release".into(), json!(format!("{base}/releases/tag/{tag}")));
                }
                Some(_) => {
                    links.insert("release".into(), json!(format!("{base}/releases")));
                }
                None => {}
            }
        }
        if let Some(run) = &self.run {
            links.insert("run".into(), json!(run));
        }
        links
    }

    fn webhook(&self, target: &NotifyTarget, url_env: &str, delivery: &Delivery) -> Result<(), String> {
        let url = std::env::var(url_env).ok().filter(|url| !url.trim().is_empty()).ok_or_else(|| {
            format!(
                "the environment variable `{url_env}` that holds its URL is not set (hint: set it from a CI secret)"
            )
        })?;
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("`{url_env}` does not hold an http(s) URL"));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(target.timeout))
            .user_agent(concat!("release/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let response =
            agent.post(url).header("Idempotency-Key", &delivery.key).send_json(self.payload(delivery)).map_err(
                |error| match error {
                    ureq::Error::Timeout(_) => {
                        format!("no answer within {}", release_config::promotion::format_duration(target.timeout))
                    }
                    // The URL is a secret: say where it failed, never what it is.
                    other => format!("could not be sent: {}", redact(&other.to_string(), url)),
                },
            )?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) { Ok(()) } else { Err(format!("the receiver answered {status}")) }
    }

    /// A comment on the release's pull request, else on its commit; not posted again when one
    /// with the key is there.
    fn comment(&self, delivery: &Delivery) -> Result<(), String> {
        let github = self.github.as_ref().map_err(Clone::clone)?;
        let notice = &delivery.notice;
        let marker = format!("<!-- release:notify {} -->", delivery.key);
        let body = self.comment_body(delivery, &marker);
        let pulls = github.pulls_of_commit(notice.commit).map_err(|error| error.to_string())?;
        let pull = pulls.iter().find(|pull| pull.merged_at.is_some()).or(pulls.first());
        let has_marker = |body: &Option<String>| body.as_deref().is_some_and(|body| body.contains(&marker));
        match pull {
            Some(pull) => {
                let comments = github.comments(pull.number).map_err(|error| error.to_string())?;
                if !comments.iter().any(|comment| has_marker(&comment.body)) {
                    github.create_comment(pull.number, &body).map_err(|error| error.to_string())?;
                }
            }
            None => {
                let comments = github.commit_comments(notice.commit).map_err(|error| error.to_string())?;
                if !comments.iter().any(|comment| has_marker(&comment.body)) {
                    github.create_commit_comment(notice.commit, &body).map_err(|error| error.to_string())?;
                }
            }
        }
        Ok(())
    }

    fn comment_body(&self, delivery: &Delivery, marker: &str) -> String {
        let notice = &delivery.notice;
        let mut body = format!("**release: {}**\n\n{}\n", notice.event, notice.text);
        let mut facts = Vec::new();
        if !notice.environment.is_empty() {
            facts.push(format!("- environment: `{}`", notice.environment));
        }
        facts.push(format!("- version: `{}`", notice.version));
        facts.push(format!("- by: {}", notice.actor));
        facts.push(format!("- at: {}", format_utc(notice.at as i64)));
        if let Some(run) = &self.run {
            facts.push(format!("- run: {run}"));
        }
        body.push('\n');
        body.push_str(&facts.join("\n"));
        body.push_str(&format!("\n\n{marker}\n"));
        body
    }
}

/// `text` without `secret` in it.
fn redact(text: &str, secret: &str) -> String {
    text.replace(secret, "<url>")
}
