//! The promotion commands: promote, approve, reject, rollback, status, history, ledger void.

use anyhow::Result;
use release_config::Config;
use release_config::promotion::{Environment, Verify};
use release_engine::Session;
use release_forge::{Forge, GitHub, GitHubConfig, NewDeployment, NewDeploymentStatus};
use release_git::Repo;
use release_promote::{
    Action, Bypass, Change, CheckTarget, Context, Hooks, Notice, Outbox, Outcome, Review, ReviewsError, StatusRow,
};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;

use crate::{Format, print};

/// The checks of release.toml: HTTP with `{url}` and `{version}` filled in, a command run from
/// the repository root with the RELEASE_* variables, or a Prometheus query.
pub fn verifier(verify: &Verify, target: &CheckTarget<'_>) -> (bool, String) {
    let fill =
        |text: &str| text.replace("{url}", target.url.trim_end_matches('/')).replace("{version}", target.version);
    let sleep = &mut std::thread::sleep;
    let verdict = if let Some(check) = release_verify::HttpCheck::from_config(verify, fill) {
        release_verify::verify(&check, sleep)
    } else if let Some(check) =
        release_verify::CommandCheck::from_config(verify, target.directory, target.variables.clone())
    {
        release_verify::verify_command(&check, sleep)
    } else if let Some(check) = release_verify::PrometheusCheck::from_config(verify, fill) {
        release_verify::verify_prometheus(&check, sleep)
    } else {
        return (false, "the check is none of `http`, `command` and `prometheus`".into());
    };
    (verdict.passed, verdict.summary)
}

/// Runs `work` with a promotion context over the session's repository.
pub(crate) fn with_context<T>(
    session: &Session<'_>,
    quiet: bool,
    work: impl FnOnce(&Context<'_>) -> Result<T>,
) -> Result<T> {
    in_context(session, quiet, false, |context, _| work(context))
}

/// [`with_context`] for a command that writes the ledger: afterwards, whether it succeeded or
/// not, the `[[notify]]` targets hear of what it recorded, of the notices `work` adds (released)
/// and of an approval it stopped at, and failed deliveries of earlier commands are retried.
pub(crate) fn notifying<T>(
    session: &Session<'_>,
    quiet: bool,
    work: impl FnOnce(&Context<'_>, &mut Vec<Notice>) -> Result<T>,
) -> Result<T> {
    in_context(session, quiet, true, work)
}

fn in_context<T>(
    session: &Session<'_>,
    quiet: bool,
    notify: bool,
    work: impl FnOnce(&Context<'_>, &mut Vec<Notice>) -> Result<T>,
) -> Result<T> {
    let repo = session.repo();
    let config = session.config()?;
    let head = repo.resolve("HEAD")?;
    let releases = release_promote::releases(repo, head)?;
    let hooks = GitHubHooks::new(repo, config);
    let context = Context {
        repo,
        config,
        releases,
        actor: release_engine::actor(repo),
        now: release_engine::now,
        verifier: &verifier,
        hooks: &hooks,
        quiet_commands: quiet,
    };
    let since = release_engine::now();
    let mut extra = Vec::new();
    let result = work(&context, &mut extra);
    if notify && !config.notify.is_empty() {
        if let Err(error) = &result
            && let Some(notice) = approval_needed(&context, error)
        {
            extra.push(notice);
        }
        send_notifications(session, &context, &hooks, Outbox { extra, ..Outbox::of_this_process(since) });
    }
    result
}

/// The notice of a promotion that stopped at the approvals gate.
fn approval_needed(context: &Context<'_>, error: &anyhow::Error) -> Option<Notice> {
    let Some(release_promote::PromoteError::WaitingForApproval { environment, version, have, need, hint }) =
        error.downcast_ref::<release_promote::PromoteError>()
    else {
        return None;
    };
    let release = context.releases.iter().rev().find(|release| &release.version.to_string() == version)?;
    let waiting = format!("approvals {have}/{need} ({hint})");
    Some(Notice::approval_needed(environment, release, &context.actor, (context.now)(), &waiting))
}

/// Delivers, records, and says on stderr what did not arrive: a notification never fails the
/// command.
fn send_notifications(session: &Session<'_>, context: &Context<'_>, hooks: &GitHubHooks<'_>, outbox: Outbox) {
    let sender = release_notify::Sender {
        repository: session.links().ok().flatten().map(|links| links.base),
        run: hooks.log_url.clone(),
        github: hooks.github().map(|github| github as &(dyn Forge + Sync)).map_err(str::to_string),
    };
    match release_promote::notify(context, &outbox, &|target, delivery| sender.send(target, delivery)) {
        Ok(report) => {
            for (delivery, why) in &report.failed {
                let retry = if delivery.attempt >= release_promote::MAX_ATTEMPTS {
                    "given up after this attempt"
                } else {
                    "recorded; the next command retries it"
                };
                warn(&format!(
                    "notification `{}` of {} to `{}` not delivered: {why} ({retry})",
                    delivery.notice.event, delivery.notice.version, delivery.target
                ));
            }
        }
        Err(error) => warn(&format!("notifications: {error}")),
    }
}

pub(crate) fn promote(
    session: &Session<'_>,
    environment: &str,
    version: Option<&str>,
    bypass: &Bypass,
    format: Format,
) -> Result<()> {
    notifying(session, format == Format::Json, |context, extra| {
        let outcome = release_promote::promote(context, environment, version, bypass)?;
        print(&outcome_text(&outcome, format))?;
        publish(session, &outcome, format, extra)
    })
}

/// `release cut --promote ENV`: the new release, promoted in the same session.
pub(crate) fn after_cut(session: &Session<'_>, environment: &str, format: Format) -> Result<()> {
    promote(session, environment, None, &Bypass::default(), format)
}

pub(crate) fn review(
    session: &Session<'_>,
    environment: &str,
    version: Option<&str>,
    rejection: Option<&str>,
    format: Format,
) -> Result<()> {
    let outcome =
        notifying(session, true, |context, _| Ok(release_promote::review(context, environment, version, rejection)?))?;
    print(&outcome_text(&outcome, format))
}

pub(crate) fn rollback(session: &Session<'_>, environment: &str, to: Option<&str>, format: Format) -> Result<()> {
    let outcome = notifying(session, format == Format::Json, |context, _| {
        Ok(release_promote::rollback(context, environment, to)?)
    })?;
    print(&outcome_text(&outcome, format))
}

pub(crate) fn status(session: &Session<'_>, format: Format) -> Result<()> {
    let rows = with_context(session, true, |context| Ok(release_promote::status(context)?))?;
    print(&match format {
        Format::Json => crate::json(&rows),
        _ => status_table(&rows),
    })
}

pub(crate) fn history(session: &Session<'_>, environment: &str, format: Format) -> Result<()> {
    let events = with_context(session, true, |context| Ok(release_promote::history(context, environment)?))?;
    print(&match format {
        Format::Json => crate::json(&events),
        _ => history_text(&events),
    })
}

/// `release ledger void`: sets aside one entry an error named.
pub(crate) fn void(session: &Session<'_>, entry: &str, reason: &str, format: Format) -> Result<()> {
    let repo = session.repo();
    let config = session.config()?;
    let actor = release_engine::actor(repo);
    let entry = entry.trim();
    release_promote::void(repo, config, entry, reason, &actor, release_engine::now())?;
    print(&match format {
        Format::Json => crate::json(&serde_json::json!({ "voided": entry, "by": actor, "reason": reason.trim() })),
        _ => format!("voided entry {entry} of `{}` (by {actor})\n", config.promotion.ledger),
    })
}

/// With `tag-on = "prod"`, a verified promotion to the last environment tags and publishes.
fn publish(session: &Session<'_>, outcome: &Outcome, format: Format, extra: &mut Vec<Notice>) -> Result<()> {
    // "already running" too: a rerun finishes a publication that stopped half-way.
    if !matches!(outcome.action, Action::Promoted | Action::AlreadyRunning) {
        return Ok(());
    }
    let Some(report) = session.publish_after_promotion(&outcome.environment, &outcome.version)? else {
        return Ok(());
    };
    extra.extend(released(&report, &release_engine::actor(session.repo())));
    match format {
        Format::Json => print(&crate::json(&report)),
        _ => print(&crate::cut::summary(&report)),
    }
}

/// The `released` notice of a cut or publication whose tags reached the remote.
pub(crate) fn released(report: &release_cut::Report, actor: &str) -> Option<Notice> {
    let pushed =
        |name: &str| report.steps.iter().any(|step| step.step == name && step.outcome != release_cut::Outcome::Skipped);
    if !pushed("tags") || !pushed("push") {
        return None;
    }
    let commit = report.commit?;
    let main = report.releases.iter().find(|record| record.is_repository()).or(report.releases.first())?;
    let tags: Vec<String> = report.releases.iter().map(|record| record.tag.clone()).collect();
    Some(Notice::released(&main.version.to_string(), commit, &tags, actor, release_engine::now()))
}

fn outcome_text(outcome: &Outcome, format: Format) -> String {
    match format {
        Format::Json => crate::json(outcome),
        _ => format!("{}: {} {} ({})\n", outcome.environment, outcome.action, outcome.version, outcome.detail),
    }
}

/// GitHub beside the ledger: a protected environment's reviews of the running workflow job, and
/// each promotion mirrored as a GitHub Deployment. The client is made on first use only.
struct GitHubHooks<'c> {
    config: &'c Config,
    origin: Option<String>,
    github: OnceCell<Result<GitHub, String>>,
    /// `GITHUB_RUN_ID`: the workflow run this command runs in.
    run_id: Option<u64>,
    /// The run's page, linked from each deployment status.
    log_url: Option<String>,
    /// The deployments this command created: (environment, version) -> id.
    created: RefCell<HashMap<(String, String), u64>>,
    /// Whether the mirror already said it cannot run (said once per command).
    warned: Cell<bool>,
}

impl<'c> GitHubHooks<'c> {
    fn new(repo: &Repo, config: &'c Config) -> GitHubHooks<'c> {
        let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let run_id = variable("GITHUB_RUN_ID").and_then(|id| id.trim().parse().ok());
        let log_url = match (variable("GITHUB_SERVER_URL"), variable("GITHUB_REPOSITORY"), run_id) {
            (Some(server), Some(repository), Some(run)) => {
                Some(format!("{}/{repository}/actions/runs/{run}", server.trim_end_matches('/')))
            }
            _ => None,
        };
        GitHubHooks {
            config,
            origin: repo.remote_url(&config.cut.remote),
            github: OnceCell::new(),
            run_id,
            log_url,
            created: RefCell::new(HashMap::new()),
            warned: Cell::new(false),
        }
    }

    /// The client, when a token and a GitHub repository are present.
    fn github(&self) -> Result<&GitHub, &str> {
        self.github
            .get_or_init(|| {
                let config = GitHubConfig::from_env(self.origin.as_deref(), true).map_err(|error| error.to_string())?;
                GitHub::new(config).map_err(|error| error.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// The mirror's client: unless turned off, whenever GitHub is reachable with a token.
    fn mirror(&self) -> Option<&GitHub> {
        match self.config.promotion.github_deployments {
            Some(false) => None,
            Some(true) => match self.github() {
                Ok(github) => Some(github),
                Err(why) => {
                    if !self.warned.replace(true) {
                        warn(&format!("`github-deployments = true`, but {why}"));
                    }
                    None
                }
            },
            None => self.github().ok(),
        }
    }

    /// The GitHub Environment a deployment goes to: the one whose reviewers approve it (where
    /// the workflow job already shows), else the environment's own name.
    fn github_name<'e>(&self, environment: &'e Environment) -> &'e str {
        environment
            .approval
            .as_ref()
            .and_then(|policy| policy.github_environment.as_deref())
            .unwrap_or(&environment.name)
    }

    /// GitHub's `production_environment`: the end of a promotion chain (nothing promotes from
    /// it and it has an upstream), or an environment named `production` or `prod`.
    fn is_production(&self, environment: &Environment) -> bool {
        let downstream = self.config.environments.iter().any(|other| other.from.as_deref() == Some(&environment.name));
        !downstream && (environment.from.is_some() || ["production", "prod"].contains(&environment.name.as_str()))
    }

    fn status(&self, github: &GitHub, id: u64, state: &str, description: &str, environment: &Environment) {
        let status = NewDeploymentStatus {
            state: state.into(),
            description: truncate(description, 140),
            environment_url: environment.url.clone(),
            log_url: self.log_url.clone(),
            auto_inactive: false,
        };
        if let Err(error) = github.create_deployment_status(id, &status) {
            warn(&error.to_string());
        }
    }
}

impl Hooks for GitHubHooks<'_> {
    fn reviews(&self, environment: &Environment) -> Result<Option<Vec<Review>>, ReviewsError> {
        let Some(github_environment) =
            environment.approval.as_ref().and_then(|policy| policy.github_environment.as_ref())
        else {
            return Ok(None);
        };
        let Some(run) = self.run_id else { return Ok(None) };
        let github = self.github().map_err(|why| ReviewsError::from(why.to_string()))?;
        let reviews = github.run_reviews(run)?;
        Ok(Some(
            reviews
                .into_iter()
                .filter(|review| review.environments.iter().any(|name| name == github_environment))
                .filter(|review| review.state == "approved" || review.state == "rejected")
                .map(|review| Review {
                    approved: review.state == "approved",
                    reviewer: review.login,
                    comment: review.comment,
                    origin: format!("GitHub Environment `{github_environment}`, run {run}"),
                })
                .collect(),
        ))
    }

    fn changed(&self, environment: &Environment, change: Change<'_>) {
        let Some(github) = self.mirror() else { return };
        let key = |version: &release_plan::Version| (environment.name.clone(), version.to_string());
        match change {
            Change::Started { release, rollback } => {
                let deployment = NewDeployment {
                    git_ref: release.commit,
                    environment: self.github_name(environment).to_string(),
                    description: truncate(
                        &format!("{}{}", release.version, if rollback { " (rollback)" } else { "" }),
                        140,
                    ),
                    payload: serde_json::json!({
                        "version": release.version,
                        "tag": release.tag,
                        "rollback": rollback,
                    }),
                    production_environment: self.is_production(environment),
                    auto_merge: false,
                    required_contexts: Vec::new(),
                };
                match github.create_deployment(&deployment) {
                    Ok(created) => {
                        self.created.borrow_mut().insert(key(&release.version), created.id);
                        self.status(github, created.id, "in_progress", &deployment.description, environment);
                    }
                    Err(error) => warn(&error.to_string()),
                }
            }
            Change::Succeeded { release, replaced } => {
                let Some(id) = self.created.borrow().get(&key(&release.version)).copied() else { return };
                self.status(github, id, "success", &format!("{} deployed and verified", release.version), environment);
                if let Some(replaced) = replaced {
                    match github.deployments(self.github_name(environment), replaced.commit) {
                        Ok(found) => {
                            if let Some(previous) = found.iter().find(|deployment| deployment.id != id) {
                                let description = format!("replaced by {}", release.version);
                                self.status(github, previous.id, "inactive", &description, environment);
                            }
                        }
                        Err(error) => warn(&error.to_string()),
                    }
                }
            }
            Change::Failed { release, summary } => {
                let Some(id) = self.created.borrow().get(&key(&release.version)).copied() else { return };
                self.status(github, id, "failure", summary, environment);
            }
        }
    }
}

fn warn(message: &str) {
    eprintln!("warning: GitHub Deployments: {message} (the promotion itself is recorded in the ledger)");
}

/// At most `limit` characters, with an ellipsis when cut.
fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit - 1).collect();
    out.push('…');
    out
}

/// `release history` as text, one event a line. Details, actors and versions come from the
/// ledger, which anyone who can push may write: they are neutralised for the terminal.
pub fn history_text(events: &[release_promote::Event]) -> String {
    let mut text = String::new();
    for event in events {
        let detail = event.detail.as_deref().map(|detail| format!(": {}", plain(detail))).unwrap_or_default();
        text.push_str(&format!(
            "{} {:<11} {:<12} by {}{detail}\n",
            release_config::promotion::format_utc(event.at as i64),
            event.kind.name(),
            plain(&event.version),
            plain(&event.actor),
        ));
    }
    text
}

pub(crate) use crate::render::plain;

/// `release status` as a table.
pub fn status_table(rows: &[StatusRow]) -> String {
    let now = release_engine::now();
    let age = |since: Option<u64>| match since {
        None => "-".to_string(),
        Some(since) => {
            let seconds = now.saturating_sub(since);
            match seconds {
                0..60 => format!("{seconds}s"),
                60..3600 => format!("{}m", seconds / 60),
                3600..86_400 => format!("{}h", seconds / 3600),
                _ => format!("{}d", seconds / 86_400),
            }
        }
    };
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|row| {
            [
                row.environment.clone(),
                row.version.as_ref().map_or_else(|| "-".into(), ToString::to_string),
                row.state.clone(),
                age(row.since),
                row.last_verified.as_ref().map_or_else(|| "-".into(), ToString::to_string),
                match (&row.next, &row.waiting) {
                    (Some(next), Some(waiting)) if waiting != "ready" => format!("{next} waiting: {waiting}"),
                    (Some(next), _) => format!("{next} ready"),
                    (None, _) => "-".into(),
                },
            ]
            .map(|cell| plain(&cell))
        })
        .collect();
    let mut text = crate::render::table(&["ENV", "VERSION", "STATE", "SINCE", "LAST VERIFIED", "NEXT"], &cells);
    for row in rows {
        for said in &row.undelivered {
            text.push_str(&plain(&format!("{}: notification not delivered yet: {said}\n", row.environment)));
        }
    }
    text
}
