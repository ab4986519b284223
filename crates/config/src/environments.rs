//! Resolving `[environments.NAME]`: commands, url, upstream, approvals, checks and the
//! monitoring window, each checked when release.toml loads and named by file, line and key.

use std::time::Duration;

use crate::promotion::{
    self, ApprovalWire, EnvironmentWire, EnvironmentsWire, Monitor, MonitorWire, Probe, Verify, VerifyWire,
    parse_duration,
};
use crate::{ConfigError, Resolver, Step};

/// The check keys that `verify` and `monitor` share, as written.
struct ProbeWire<'w> {
    http: Option<&'w String>,
    command: Option<&'w Vec<String>>,
    status: Option<u16>,
    body_contains: Option<&'w String>,
    prometheus: Option<&'w String>,
    query: Option<&'w String>,
    min: Option<f64>,
    max: Option<f64>,
}

/// The check keys of a `verify` or `monitor` table (two wire structs with the same check keys:
/// `flatten` would turn `deny_unknown_fields` off).
macro_rules! probe_wire {
    ($wire:expr) => {
        ProbeWire {
            http: $wire.http.as_ref(),
            command: $wire.command.as_ref(),
            status: $wire.status,
            body_contains: $wire.body_contains.as_ref(),
            prometheus: $wire.prometheus.as_ref(),
            query: $wire.query.as_ref(),
            min: $wire.min,
            max: $wire.max,
        }
    };
}

/// Where in release.toml a table of checks is: `environments.NAME.verify`.
struct Table<'n> {
    environment: &'n str,
    table: &'static str,
}

impl Table<'_> {
    fn at<'s>(&'s self, field: &'s str) -> [Step<'s>; 4] {
        [Step::Key("environments"), Step::Key(self.environment), Step::Key(self.table), Step::Key(field)]
    }

    fn key(&self, field: &str) -> String {
        format!("environments.{}.{}.{field}", self.environment, self.table)
    }
}

impl Resolver<'_> {
    /// Every environment, upstream first.
    pub(crate) fn environments(&self, wire: EnvironmentsWire) -> Result<Vec<promotion::Environment>, ConfigError> {
        let names: Vec<String> = wire.keys().cloned().collect();
        let mut environments = Vec::new();
        for (name, environment) in wire {
            environments.push(self.environment(&names, name, environment)?);
        }
        self.upstream_first(environments)
    }

    /// One `[environments.NAME]`.
    fn environment(
        &self,
        names: &[String],
        name: String,
        environment: EnvironmentWire,
    ) -> Result<promotion::Environment, ConfigError> {
        self.commands_and_url(&name, &environment)?;
        let at = |key: &'static str| [Step::Key("environments"), Step::Key(name.as_str()), Step::Key(key)];
        let key = |key: &str| format!("environments.{name}.{key}");
        if let Some(from) = &environment.from
            && !names.contains(from)
        {
            return Err(self.invalid(
                &at("from"),
                &key("from"),
                format!("`{from}` is not an environment"),
                Some(format!("environments: {}", names.join(", "))),
            ));
        }
        let soak = match &environment.soak {
            Some(text) => self.duration(&at("soak"), &key("soak"), text)?,
            None => Duration::ZERO,
        };
        let verify = match &environment.verify {
            Some(verify) => Some(self.verify(&name, environment.url.as_deref(), verify)?),
            None => None,
        };
        let monitor = match &environment.monitor {
            Some(monitor) => Some(self.monitor(&name, environment.url.as_deref(), monitor, verify.as_ref())?),
            None => None,
        };
        let approval = match &environment.approval {
            Some(approval) => Some(self.approval(&name, approval)?),
            None => None,
        };
        Ok(promotion::Environment {
            name,
            deploy: environment.deploy,
            rollback: environment.rollback,
            url: environment.url,
            verify,
            from: environment.from,
            soak,
            approval,
            on_verify_failure: environment.on_verify_failure.unwrap_or(promotion::OnVerifyFailure::Hold),
            monitor,
        })
    }

    /// `deploy` and `rollback` are argv lists with a program; `url` is an http(s) URL.
    fn commands_and_url(&self, name: &str, environment: &EnvironmentWire) -> Result<(), ConfigError> {
        let at = |key: &'static str| [Step::Key("environments"), Step::Key(name), Step::Key(key)];
        let key = |key: &str| format!("environments.{name}.{key}");
        if environment.deploy.first().is_none_or(|program| program.trim().is_empty()) {
            return Err(self.invalid(
                &at("deploy"),
                &key("deploy"),
                "the deploy command is empty".into(),
                Some("write it as a list: deploy = [\"./scripts/deploy.sh\", \"staging\"]".into()),
            ));
        }
        if let Some(rollback) = &environment.rollback
            && rollback.first().is_none_or(|program| program.trim().is_empty())
        {
            return Err(self.invalid(
                &at("rollback"),
                &key("rollback"),
                "the rollback command is empty".into(),
                Some("write it as a list, rollback = [\"./scripts/rollback.sh\", \"staging\"], or remove the key to roll back with `deploy`".into()),
            ));
        }
        if let Some(url) = &environment.url
            && let Some(problem) = crate::check::http_url_problem(url)
        {
            return Err(self.invalid(
                &at("url"),
                &key("url"),
                format!("`{}` {problem}", url.escape_debug()),
                Some("write the environment's address, e.g. url = \"https://staging.example.com\"".into()),
            ));
        }
        Ok(())
    }

    /// `approval`: a count that the listed approvers can reach, and `environment` only for
    /// approvals that come from GitHub.
    fn approval(&self, name: &str, approval: &ApprovalWire) -> Result<promotion::Approval, ConfigError> {
        let at = [Step::Key("environments"), Step::Key(name), Step::Key("approval")];
        let key = |key: &str| format!("environments.{name}.approval.{key}");
        let required = approval.required.unwrap_or(1);
        let source = approval.source.unwrap_or(promotion::ApprovalSource::Release);
        if source == promotion::ApprovalSource::Release && approval.environment.is_some() {
            return Err(self.invalid(
                &at,
                &key("environment"),
                "`environment` names the GitHub Environment whose reviewers approve, so it needs `source = \"github-environment\"`".into(),
                Some("add `source = \"github-environment\"`, or remove `environment`".into()),
            ));
        }
        let github_environment = (source == promotion::ApprovalSource::GithubEnvironment)
            .then(|| approval.environment.clone().unwrap_or_else(|| name.to_string()));
        let listed = source == promotion::ApprovalSource::Release || !approval.approvers.is_empty();
        if listed && required as usize > approval.approvers.len() {
            return Err(self.invalid(
                &at,
                &key("required"),
                format!("{required} approvals required but {} approver(s) listed", approval.approvers.len()),
                Some("list more approvers, or lower `required`".into()),
            ));
        }
        let expires = match &approval.expires {
            Some(text) => Some(self.duration(&at, &key("expires"), text)?),
            None => None,
        };
        Ok(promotion::Approval {
            required,
            approvers: approval.approvers.clone(),
            allow_self: approval.allow_self.unwrap_or(false),
            expires,
            source,
            github_environment,
        })
    }

    /// Upstream first; a cycle is an error naming it.
    fn upstream_first(
        &self,
        mut environments: Vec<promotion::Environment>,
    ) -> Result<Vec<promotion::Environment>, ConfigError> {
        let mut ordered: Vec<promotion::Environment> = Vec::new();
        while !environments.is_empty() {
            let ready = environments.iter().position(|environment| {
                environment.from.as_ref().is_none_or(|from| ordered.iter().any(|done| &done.name == from))
            });
            let Some(index) = ready else {
                let cycle: Vec<String> = environments
                    .iter()
                    .map(|environment| {
                        format!("{} <- {}", environment.name, environment.from.as_deref().unwrap_or("?"))
                    })
                    .collect();
                let first = environments[0].name.clone();
                return Err(self.invalid(
                    &[Step::Key("environments"), Step::Key(&first), Step::Key("from")],
                    &format!("environments.{first}.from"),
                    format!("`from` forms a cycle: {}", cycle.join(", ")),
                    Some("the first environment has no `from`".into()),
                ));
            };
            ordered.push(environments.remove(index));
        }
        Ok(ordered)
    }

    /// `[environments.NAME.verify]`, checked when the file loads: a check that cannot be
    /// requested, can never pass, or has a limit that can never apply would otherwise show only
    /// after the deploy ran, with the environment held on a release nobody verified.
    /// `url` is the environment's `url`, already checked.
    pub(crate) fn verify(
        &self,
        environment: &str,
        url: Option<&str>,
        wire: &VerifyWire,
    ) -> Result<Verify, ConfigError> {
        let table = Table { environment, table: "verify" };
        let probe = probe_wire!(wire);
        let probe = self.probe(&table, url, &probe)?.ok_or_else(|| {
            self.invalid(
                &[Step::Key("environments"), Step::Key(environment), Step::Key("verify")],
                &format!("environments.{environment}.verify"),
                "the check has none of `http`, `command` and `prometheus`".into(),
                Some("add http = \"{url}/health\", or command = [\"./scripts/smoke.sh\"]".into()),
            )
        })?;
        let interval = self.table_duration(&table, "interval", wire.interval.as_ref(), Duration::from_secs(2))?;
        let timeout = self.timeout(&table, wire.timeout.as_ref(), Duration::from_secs(5))?;
        let count = wire.count.unwrap_or(5);
        let invalid = |field: &'static str, message: String, hint: String| {
            self.invalid(&table.at(field), &table.key(field), message, Some(hint))
        };
        if count == 0 {
            return Err(invalid(
                "count",
                "0 checks: the verification could never pass".into(),
                "the most checks to run, e.g. count = 5".into(),
            ));
        }
        if interval.is_zero() && count > 1 {
            return Err(invalid(
                "interval",
                format!(
                    "an interval of 0s runs the {count} checks back to back, giving the service no time to come up"
                ),
                "the time between two checks, e.g. interval = \"2s\" (or count = 1 for a single check)".into(),
            ));
        }
        let (consecutive_successes, failure_limit, error_limit) = self.limits(&table, wire, count)?;
        Ok(Verify { probe, interval, count, failure_limit, error_limit, consecutive_successes, timeout })
    }

    /// `consecutive-successes`, `failure-limit` and `error-limit`: each one that can happen in
    /// `count` checks.
    fn limits(&self, table: &Table<'_>, wire: &VerifyWire, count: u32) -> Result<(u32, u32, u32), ConfigError> {
        let invalid = |field: &'static str, message: String, hint: String| {
            self.invalid(&table.at(field), &table.key(field), message, Some(hint))
        };
        let consecutive_successes = wire.consecutive_successes.unwrap_or(1);
        if consecutive_successes == 0 {
            return Err(invalid(
                "consecutive-successes",
                "0 successes in a row would pass a service that never answered".into(),
                "the successes in a row that pass the verification, at least 1".into(),
            ));
        }
        if consecutive_successes > count {
            return Err(invalid(
                "consecutive-successes",
                format!("{consecutive_successes} successes in a row can never happen in {count} checks"),
                format!("raise `count` to at least {consecutive_successes}, or lower `consecutive-successes`"),
            ));
        }
        // A verification fails once failures (errors) exceed their limit; a limit of `count` or
        // more is never exceeded, so it does not mean what it says.
        let failure_limit = wire.failure_limit.unwrap_or(0);
        let error_limit = wire.error_limit.unwrap_or(failure_limit);
        for (field, limit, explicit) in [
            ("failure-limit", failure_limit, wire.failure_limit.is_some()),
            ("error-limit", error_limit, wire.error_limit.is_some()),
        ] {
            if explicit && limit >= count {
                return Err(invalid(
                    field,
                    format!("a limit of {limit} can never be exceeded in {count} checks"),
                    format!(
                        "the verification fails once more than `{field}` checks went wrong: keep it below `count` ({count}), or raise `count`"
                    ),
                ));
            }
        }
        Ok((consecutive_successes, failure_limit, error_limit))
    }

    /// `[environments.NAME.monitor]`: a window, a limit, and a check of its own or the
    /// verification's.
    fn monitor(
        &self,
        environment: &str,
        url: Option<&str>,
        wire: &MonitorWire,
        verify: Option<&Verify>,
    ) -> Result<Monitor, ConfigError> {
        let table = Table { environment, table: "monitor" };
        let window = parse_duration(&wire.window)
            .map_err(|error| self.invalid(&table.at("for"), &table.key("for"), error.to_string(), None))?;
        if window.is_zero() {
            return Err(self.invalid(
                &table.at("for"),
                &table.key("for"),
                "a window of 0s watches nothing".into(),
                Some("how long to watch the release after it is verified, e.g. for = \"30m\"".into()),
            ));
        }
        let probe = probe_wire!(wire);
        let probe = match (self.probe(&table, url, &probe)?, verify) {
            (Some(probe), _) => probe,
            (None, Some(verify)) => verify.probe.clone(),
            (None, None) => {
                return Err(self.invalid(
                    &[Step::Key("environments"), Step::Key(environment), Step::Key("monitor")],
                    &format!("environments.{environment}.monitor"),
                    "the monitor has no check: no `http`, `command` or `prometheus` of its own, and the environment has no `verify`"
                        .into(),
                    Some("add http = \"{url}/health\" or command = [\"./scripts/check.sh\"] to the monitor".into()),
                ));
            }
        };
        let default_timeout = verify.map_or(Duration::from_secs(5), |verify| verify.timeout);
        let timeout = self.timeout(&table, wire.timeout.as_ref(), default_timeout)?;
        Ok(Monitor { window, failure_limit: wire.failure_limit.unwrap_or(1), probe, timeout })
    }

    /// The check of a `verify` or `monitor` table: `None` when it names none.
    fn probe(&self, table: &Table<'_>, url: Option<&str>, wire: &ProbeWire<'_>) -> Result<Option<Probe>, ConfigError> {
        let invalid = |field: &'static str, message: String, hint: &str| {
            self.invalid(&table.at(field), &table.key(field), message, Some(hint.to_string()))
        };
        let kinds: Vec<&str> = [
            ("http", wire.http.is_some()),
            ("command", wire.command.is_some()),
            ("prometheus", wire.prometheus.is_some()),
        ]
        .into_iter()
        .filter_map(|(kind, set)| set.then_some(kind))
        .collect();
        let kind = match kinds[..] {
            [] => None,
            [kind] => Some(kind),
            [_, second, ..] => {
                return Err(invalid(
                    if second == "command" { "command" } else { "prometheus" },
                    format!("a check is one of `http`, `command` and `prometheus`, not {}", kinds.join(" and ")),
                    "keep one; for more, write a command that runs them all",
                ));
            }
        };
        // The keys of one kind of check, refused on another.
        let keys = [
            ("status", wire.status.is_some(), "http"),
            ("body-contains", wire.body_contains.is_some(), "http"),
            ("query", wire.query.is_some(), "prometheus"),
            ("min", wire.min.is_some(), "prometheus"),
            ("max", wire.max.is_some(), "prometheus"),
        ];
        if let Some(kind) = kind
            && let Some((field, _, owner)) = keys.iter().find(|(_, set, owner)| *set && *owner != kind)
        {
            let hint = match kind {
                "command" => "a command check passes on exit 0; remove the key",
                "prometheus" => "a prometheus check passes on its query's value (`min`, `max`); remove the key",
                _ => "an http check passes on its `status` and `body-contains`; remove the key",
            };
            let article = |kind: &str| if kind == "http" { "an" } else { "a" };
            let (a_owner, a_kind) = (article(owner), article(kind));
            let message = format!("`{field}` applies to {a_owner} `{owner}` check, and this one is {a_kind} `{kind}`");
            return Err(invalid(field, message, hint));
        }
        match kind {
            Some("http") => self.http_probe(table, url, wire.http.expect("an http check"), wire).map(Some),
            Some("command") => {
                let argv = wire.command.expect("a command check");
                if argv.first().is_none_or(|program| program.trim().is_empty()) {
                    return Err(invalid(
                        "command",
                        "the check command is empty".into(),
                        "write it as a list: command = [\"./scripts/smoke.sh\", \"--quick\"]",
                    ));
                }
                Ok(Some(Probe::Command { argv: argv.clone() }))
            }
            Some(_) => self.prometheus_probe(table, wire).map(Some),
            None => Ok(None),
        }
    }

    /// A `prometheus` check: a server's address, a query, and at least one bound.
    fn prometheus_probe(&self, table: &Table<'_>, wire: &ProbeWire<'_>) -> Result<Probe, ConfigError> {
        let invalid = |field: &'static str, message: String, hint: &str| {
            self.invalid(&table.at(field), &table.key(field), message, Some(hint.to_string()))
        };
        let server = wire.prometheus.expect("a prometheus check");
        if let Some(problem) = crate::check::http_url_problem(server) {
            return Err(invalid(
                "prometheus",
                format!("`{}` {problem}", server.escape_debug()),
                "the Prometheus server's address, e.g. prometheus = \"http://prometheus.monitoring:9090\"",
            ));
        }
        let query = wire.query.map(|query| query.trim()).filter(|query| !query.is_empty()).ok_or_else(|| {
            invalid(
                "prometheus",
                "a prometheus check needs a `query`".into(),
                "e.g. query = 'sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))'",
            )
        })?;
        for (field, bound) in [("min", wire.min), ("max", wire.max)] {
            if bound.is_some_and(|bound| !bound.is_finite()) {
                return Err(invalid(field, format!("`{field}` is not a finite number"), "e.g. max = 0.01"));
            }
        }
        match (wire.min, wire.max) {
            (None, None) => Err(invalid(
                "query",
                "a prometheus check needs a bound: `min`, `max` or both".into(),
                "the value the query may reach and stay healthy, e.g. max = 0.01 for a 1% error rate",
            )),
            (Some(min), Some(max)) if min > max => {
                Err(invalid("min", format!("`min` {min} is above `max` {max}"), "min is the lowest healthy value"))
            }
            (min, max) => Ok(Probe::Prometheus { server: server.to_string(), query: query.to_string(), min, max }),
        }
    }

    /// An `http` check: a URL once `{url}` and `{version}` are filled in, and an HTTP status.
    fn http_probe(
        &self,
        table: &Table<'_>,
        url: Option<&str>,
        http: &str,
        wire: &ProbeWire<'_>,
    ) -> Result<Probe, ConfigError> {
        let invalid = |field: &'static str, message: String, hint: String| {
            self.invalid(&table.at(field), &table.key(field), message, Some(hint))
        };
        if http.contains("{url}") && url.is_none() {
            return Err(invalid(
                "http",
                format!("`{}` uses `{{url}}` but the environment has no `url`", http.escape_debug()),
                format!(
                    "add `url = \"https://...\"` to [environments.{}], or write the whole address",
                    table.environment
                ),
            ));
        }
        // Filled in as `release promote` fills it in, with a version in place of the release's.
        let rendered =
            http.replace("{url}", url.unwrap_or_default().trim_end_matches('/')).replace("{version}", "1.0.0");
        let problem = if rendered.contains(['{', '}']) {
            Some("has a placeholder other than `{url}` and `{version}`".to_string())
        } else {
            crate::check::http_url_problem(&rendered)
        };
        if let Some(problem) = problem {
            let message = if rendered == *http || rendered.contains(['{', '}']) {
                format!("`{}` {problem}", http.escape_debug())
            } else {
                format!("`{}` gives URLs like `{}`, which {problem}", http.escape_debug(), rendered.escape_debug())
            };
            return Err(invalid(
                "http",
                message,
                "write an http:// or https:// URL, e.g. http = \"{url}/health\" or \"https://staging.example.com/health\"".into(),
            ));
        }
        let status = wire.status.unwrap_or(200);
        if !(100..=599).contains(&status) {
            return Err(invalid(
                "status",
                format!("{status} is not an HTTP status"),
                "the status a healthy service answers with, between 100 and 599, e.g. 200".into(),
            ));
        }
        Ok(Probe::Http { url: http.to_string(), status, body_contains: wire.body_contains.cloned() })
    }

    fn table_duration(
        &self,
        table: &Table<'_>,
        field: &'static str,
        text: Option<&String>,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match text {
            Some(text) => self.duration(&table.at(field), &table.key(field), text),
            None => Ok(default),
        }
    }

    /// `timeout`: a duration above zero.
    fn timeout(&self, table: &Table<'_>, text: Option<&String>, default: Duration) -> Result<Duration, ConfigError> {
        let timeout = self.table_duration(table, "timeout", text, default)?;
        if timeout.is_zero() {
            return Err(self.invalid(
                &table.at("timeout"),
                &table.key("timeout"),
                "a timeout of 0s fails every check before it is sent".into(),
                Some("the time one check may take, e.g. timeout = \"5s\"".into()),
            ));
        }
        Ok(timeout)
    }
}
