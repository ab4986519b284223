//! `release watch [ENV...]`: one pass of the monitoring checks, for a scheduled CI job.

use anyhow::Result;
use release_engine::Session;
use release_promote::{WatchResult, Watched};

use crate::Format;

/// Runs one pass and reports it; a release that failed its window is the error (exit 16), after
/// the whole pass is reported.
pub(crate) fn run(session: &Session<'_>, environments: &[String], format: Format) -> Result<()> {
    let json = format == Format::Json;
    let watched =
        crate::promote::notifying(session, json, |context, _| Ok(release_promote::watch(context, environments)?))?;
    let report = if json { crate::json(&watched) } else { text(&watched) };
    let failed = watched.iter().find_map(|watched| match &watched.result {
        WatchResult::Failed { summary, rolled_back } => Some((watched, summary, rolled_back)),
        _ => None,
    });
    if let Some((failed, summary, rolled_back)) = failed {
        crate::print(&report)?;
        return Err(release_promote::PromoteError::VerifyFailed {
            environment: failed.environment.clone(),
            version: failed.version.as_ref().map(ToString::to_string).unwrap_or_default(),
            summary: summary.clone(),
            rolled_back: rolled_back.clone(),
        }
        .into());
    }
    crate::print(&report)
}

/// One line per environment: `staging 3.0.1: healthy (monitoring 12m/30m)`.
fn text(watched: &[Watched]) -> String {
    if watched.is_empty() {
        return "no environment has a monitoring window ([environments.NAME.monitor])\n".into();
    }
    let mut text = String::new();
    for watched in watched {
        let version = watched.version.as_ref().map(|version| format!(" {version}")).unwrap_or_default();
        let minutes =
            |seconds: u64| release_config::promotion::format_duration(std::time::Duration::from_secs(seconds));
        let said = match &watched.result {
            WatchResult::Idle { why } => format!("nothing to watch: {why}"),
            WatchResult::Healthy { elapsed, window, .. } => {
                format!("healthy (monitoring {}/{})", minutes(*elapsed), minutes(*window))
            }
            WatchResult::CheckFailed { failed_checks, failure_limit, summary } => {
                format!("check failed ({failed_checks} of at most {failure_limit}): {summary}")
            }
            WatchResult::WindowPassed { failed_checks } => {
                format!("monitoring window passed ({failed_checks} failed checks)")
            }
            WatchResult::Failed { summary, rolled_back } => match rolled_back {
                Some(to) => format!("failed: {summary}; rolled back to {to}, held"),
                None => format!("failed: {summary}; held"),
            },
            WatchResult::Busy { why } => format!("did nothing: {why}"),
        };
        text.push_str(&crate::render::plain(&format!("{}{version}: {said}", watched.environment)));
        text.push('\n');
    }
    text
}
