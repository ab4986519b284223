//! `release cut`: the files (`--dry-run` shows the diff, `--no-commit` writes them) or the
//! whole release, then `--promote ENV`.

use anyhow::Result;
use release_engine::{CutOptions, CutReport, Session};

use crate::{Format, UsageError, print, promote};

pub(crate) fn run(
    session: &Session<'_>,
    options: &CutOptions,
    format: Format,
    promote_to: Option<String>,
) -> Result<()> {
    if format == Format::Markdown {
        return Err(UsageError("`release cut` prints `text` or `json`".into()).into());
    }
    if let Some(environment) = &promote_to {
        // Checked before anything is written, committed or tagged.
        if options.dry_run || options.no_commit {
            let flag = if options.dry_run { "--dry-run" } else { "--no-commit" };
            return Err(UsageError(format!(
                "`--promote {environment}` promotes the release a full cut makes, and `{flag}` makes none (hint: drop `{flag}`, or `--promote`)"
            ))
            .into());
        }
        release_promote::environment(session.config()?, environment)?;
    }
    let report = session.cut(options)?;
    print(&match format {
        Format::Json => crate::json(&report),
        _ => text(&report, options),
    })?;
    if let Some(released) =
        report.steps.as_ref().and_then(|steps| promote::released(steps, &release_engine::actor(session.repo())))
        && !session.config()?.notify.is_empty()
    {
        promote::notifying(session, true, |_, extra| {
            extra.push(released);
            Ok(())
        })?;
    }
    match promote_to {
        Some(environment) => promote::after_cut(session, &environment, format),
        None => Ok(()),
    }
}

fn text(report: &CutReport, options: &CutOptions) -> String {
    if let Some(steps) = &report.steps {
        return summary(steps);
    }
    if !options.dry_run && !options.no_commit {
        return "nothing to release\n".to_string();
    }
    if report.files.is_empty() {
        return "nothing to change: the files already match the plan\n".to_string();
    }
    if options.dry_run {
        return report.diff.clone();
    }
    report.files.iter().map(|file| format!("{} {}\n", file.status, file.path)).collect()
}

/// One line per step: what it did now, or that it was already done.
pub(crate) fn summary(report: &release_cut::Report) -> String {
    let mut out = String::new();
    let tags: Vec<&str> = report.releases.iter().map(|record| record.tag.as_str()).collect();
    out.push_str(&format!("released {}\n", tags.join(", ")));
    for step in &report.steps {
        let outcome = match step.outcome {
            release_cut::Outcome::DoneNow => "done now",
            release_cut::Outcome::AlreadyDone => "already done",
            release_cut::Outcome::Skipped => "skipped",
        };
        out.push_str(&format!("  {:<9} {:<13} {}\n", step.step, outcome, step.detail));
    }
    out
}
