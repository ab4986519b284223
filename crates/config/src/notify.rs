//! `[[notify]]`: who hears about a promotion. A target is a webhook (its URL in an environment
//! variable that release.toml names, never the URL itself: it is a secret) or GitHub (a comment
//! on the release's pull request or commit), with the events it wants, the environments it
//! cares about and how long one delivery may take.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::promotion::{Environment, parse_duration};
use crate::{ConfigError, Resolver, Step};

/// One `[[notify]]` entry, as written.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NotifyWire {
    /// `"webhook"` (a JSON POST with a Slack-compatible `text`) or `"github"` (a comment on the
    /// release's pull request, else its commit).
    pub kind: Option<String>,
    /// A webhook's URL is read from this environment variable when a notification is sent
    /// (e.g. `SLACK_WEBHOOK_URL`).
    pub url_env: Option<String>,
    /// Refused: a webhook URL is a secret and does not belong in release.toml (see `url-env`).
    #[schemars(skip)]
    pub url: Option<serde::de::IgnoredAny>,
    /// The events sent (default: all): approval-needed, promoted, verified, monitored,
    /// verification-failed, rolled-back, held, released.
    pub events: Option<Vec<String>>,
    /// Only events of these environments (default: all; `released` belongs to none and is
    /// always sent when chosen).
    pub environments: Option<Vec<String>>,
    /// How long one delivery may take (default `5s`, at most `30s`).
    pub timeout: Option<String>,
    /// The target's name in the ledger and in messages (default `webhook URL_ENV`, `github`).
    pub name: Option<String>,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotifyEvent {
    /// `release promote` stopped at the approvals gate.
    ApprovalNeeded,
    /// A promotion began deploying.
    Promoted,
    /// A promotion was deployed and verified.
    Verified,
    /// A verified release passed its monitoring window.
    Monitored,
    /// A deploy, its verification or the monitoring window failed.
    VerificationFailed,
    /// The environment went back to an older release, verified again.
    RolledBack,
    /// Automatic promotion to the environment is held after a failure.
    Held,
    /// The release's tags were pushed (and its GitHub releases made).
    Released,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 8] = [
        NotifyEvent::ApprovalNeeded,
        NotifyEvent::Promoted,
        NotifyEvent::Verified,
        NotifyEvent::Monitored,
        NotifyEvent::VerificationFailed,
        NotifyEvent::RolledBack,
        NotifyEvent::Held,
        NotifyEvent::Released,
    ];

    /// As release.toml and the payload's `event` spell it: `rolled-back`.
    pub fn name(self) -> &'static str {
        match self {
            NotifyEvent::ApprovalNeeded => "approval-needed",
            NotifyEvent::Promoted => "promoted",
            NotifyEvent::Verified => "verified",
            NotifyEvent::Monitored => "monitored",
            NotifyEvent::VerificationFailed => "verification-failed",
            NotifyEvent::RolledBack => "rolled-back",
            NotifyEvent::Held => "held",
            NotifyEvent::Released => "released",
        }
    }

    pub fn parse(name: &str) -> Option<NotifyEvent> {
        NotifyEvent::ALL.into_iter().find(|event| event.name() == name)
    }
}

/// Where a notification goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyKind {
    /// POSTs JSON to the URL held by the environment variable `url_env`.
    Webhook { url_env: String },
    /// Comments on the release's pull request, else on its commit (`GITHUB_TOKEN`).
    GitHub,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    /// Unique among the targets; part of each notification's idempotency key.
    pub name: String,
    pub kind: NotifyKind,
    pub events: Vec<NotifyEvent>,
    /// Empty: every environment.
    pub environments: Vec<String>,
    pub timeout: Duration,
}

impl NotifyTarget {
    /// Whether this target wants `event` of `environment` (`""` for none).
    pub fn wants(&self, event: NotifyEvent, environment: &str) -> bool {
        self.events.contains(&event)
            && (environment.is_empty()
                || self.environments.is_empty()
                || self.environments.iter().any(|name| name == environment))
    }
}

/// The longest a delivery may hold up the command that triggered it.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30);

impl Resolver<'_> {
    /// Every `[[notify]]` target, checked against the environments release.toml defines.
    pub(crate) fn notify(
        &self,
        wire: Vec<NotifyWire>,
        environments: &[Environment],
    ) -> Result<Vec<NotifyTarget>, ConfigError> {
        let mut targets: Vec<NotifyTarget> = Vec::new();
        for (index, entry) in wire.into_iter().enumerate() {
            let target = self.notify_target(index, entry, environments)?;
            if targets.iter().any(|other| other.name == target.name) {
                return Err(self.invalid(
                    &[Step::Key("notify"), Step::Index(index)],
                    &format!("notify[{index}]"),
                    format!("a second target named `{}`", target.name),
                    Some("give each [[notify]] entry its own `name`".into()),
                ));
            }
            targets.push(target);
        }
        Ok(targets)
    }

    fn notify_target(
        &self,
        index: usize,
        wire: NotifyWire,
        environments: &[Environment],
    ) -> Result<NotifyTarget, ConfigError> {
        let kind = self.notify_kind(index, &wire)?;
        let events = self.notify_events(index, wire.events)?;
        let names = wire.environments.unwrap_or_default();
        self.notify_environments(index, &names, environments)?;
        let timeout = self.notify_timeout(index, wire.timeout.as_deref())?;
        let name = match wire.name {
            Some(name) if name.trim().is_empty() || name.chars().any(char::is_control) => {
                return Err(self.invalid(
                    &[Step::Key("notify"), Step::Index(index), Step::Key("name")],
                    &format!("notify[{index}].name"),
                    "an empty name or one with control characters".into(),
                    Some("e.g. name = \"slack\"".into()),
                ));
            }
            Some(name) => name,
            None => match &kind {
                NotifyKind::Webhook { url_env } => format!("webhook {url_env}"),
                NotifyKind::GitHub => "github".into(),
            },
        };
        Ok(NotifyTarget { name, kind, events, environments: names, timeout })
    }

    /// `kind`, and the URL's variable a webhook needs (and a github target must not have).
    fn notify_kind(&self, index: usize, wire: &NotifyWire) -> Result<NotifyKind, ConfigError> {
        let at = |field| [Step::Key("notify"), Step::Index(index), Step::Key(field)];
        let key = |field: &str| format!("notify[{index}].{field}");
        let entry = [Step::Key("notify"), Step::Index(index)];
        if wire.url.is_some() {
            return Err(self.invalid(
                &at("url"),
                &key("url"),
                "a webhook URL is a secret and does not belong in release.toml".into(),
                Some(
                    "put it in a CI secret and name the variable that holds it: url-env = \"SLACK_WEBHOOK_URL\"".into(),
                ),
            ));
        }
        match (wire.kind.as_deref(), &wire.url_env) {
            (Some("webhook"), Some(url_env)) => {
                self.url_env(&at("url-env"), &key("url-env"), url_env)?;
                Ok(NotifyKind::Webhook { url_env: url_env.clone() })
            }
            (Some("webhook"), None) => Err(self.invalid(
                &entry,
                &key("url-env"),
                "a webhook target names the environment variable that holds its URL".into(),
                Some("add url-env = \"SLACK_WEBHOOK_URL\" and set that variable in CI".into()),
            )),
            (Some("github"), None) => Ok(NotifyKind::GitHub),
            (Some("github"), Some(_)) => Err(self.invalid(
                &at("url-env"),
                &key("url-env"),
                "a github target comments through the GitHub API and has no URL".into(),
                Some("remove url-env; the comment uses GITHUB_TOKEN".into()),
            )),
            (Some(other), _) => Err(self.invalid(
                &at("kind"),
                &key("kind"),
                format!("unknown kind `{other}`"),
                Some("kind = \"webhook\" or kind = \"github\"".into()),
            )),
            (None, _) => Err(self.invalid(
                &entry,
                &key("kind"),
                "a target says what it is".into(),
                Some("add kind = \"webhook\" (with url-env) or kind = \"github\"".into()),
            )),
        }
    }

    /// `environments`: each one defined in release.toml.
    fn notify_environments(
        &self,
        index: usize,
        names: &[String],
        environments: &[Environment],
    ) -> Result<(), ConfigError> {
        let known: Vec<&str> = environments.iter().map(|environment| environment.name.as_str()).collect();
        let Some((position, name)) = names.iter().enumerate().find(|(_, name)| !known.contains(&name.as_str())) else {
            return Ok(());
        };
        let hint = match crate::suggest::closest(name, known.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None if known.is_empty() => "define it as [environments.NAME]".to_string(),
            None => format!("environments are: {}", known.join(", ")),
        };
        Err(self.invalid(
            &[Step::Key("notify"), Step::Index(index), Step::Key("environments"), Step::Index(position)],
            &format!("notify[{index}].environments"),
            format!("unknown environment `{name}`"),
            Some(hint),
        ))
    }

    /// `timeout`: default 5s, at most [`MAX_TIMEOUT`].
    fn notify_timeout(&self, index: usize, text: Option<&str>) -> Result<Duration, ConfigError> {
        let at = [Step::Key("notify"), Step::Index(index), Step::Key("timeout")];
        let key = format!("notify[{index}].timeout");
        let Some(text) = text else { return Ok(Duration::from_secs(5)) };
        let timeout = parse_duration(text).map_err(|error| self.invalid(&at, &key, error.to_string(), None))?;
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(self.invalid(
                &at,
                &key,
                format!("`{text}` is not between 1ms and 30s"),
                Some("a notification never holds up a promotion for long: e.g. timeout = \"5s\"".into()),
            ));
        }
        Ok(timeout)
    }

    /// `url-env`: a variable's name, not a URL.
    fn url_env(&self, steps: &[Step<'_>], key: &str, name: &str) -> Result<(), ConfigError> {
        let valid = name.chars().next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && name.chars().all(|character| character.is_ascii_alphanumeric() || character == '_');
        if valid {
            return Ok(());
        }
        let hint = if name.contains("://") {
            "that is the URL itself, a secret: put it in a CI secret and write the variable's name here, e.g. url-env = \"SLACK_WEBHOOK_URL\""
        } else {
            "an environment variable's name: letters, digits and `_`, e.g. url-env = \"SLACK_WEBHOOK_URL\""
        };
        Err(self.invalid(steps, key, format!("`{name}` is not an environment variable's name"), Some(hint.into())))
    }

    fn notify_events(&self, index: usize, wire: Option<Vec<String>>) -> Result<Vec<NotifyEvent>, ConfigError> {
        let Some(names) = wire else { return Ok(NotifyEvent::ALL.to_vec()) };
        let key = format!("notify[{index}].events");
        if names.is_empty() {
            return Err(self.invalid(
                &[Step::Key("notify"), Step::Index(index), Step::Key("events")],
                &key,
                "an empty list notifies of nothing".into(),
                Some("leave `events` out for every event, or name some, e.g. [\"rolled-back\", \"held\"]".into()),
            ));
        }
        let mut events = Vec::new();
        for (position, name) in names.iter().enumerate() {
            let Some(event) = NotifyEvent::parse(name) else {
                let all = NotifyEvent::ALL.map(NotifyEvent::name);
                let hint = match crate::suggest::closest(name, all) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("events are: {}", all.join(", ")),
                };
                return Err(self.invalid(
                    &[Step::Key("notify"), Step::Index(index), Step::Key("events"), Step::Index(position)],
                    &key,
                    format!("unknown event `{name}`"),
                    Some(hint),
                ));
            };
            if !events.contains(&event) {
                events.push(event);
            }
        }
        Ok(events)
    }
}
