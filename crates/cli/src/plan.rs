//! `release plan`: the plan as text, JSON or Markdown, or posted as the pull request's comment.

use anyhow::Result;
use release_engine::{PlanOptions, Session};

use crate::{Format, UsageError, comment, print, render};

/// How the plan is shown.
pub(crate) struct Output {
    pub format: Format,
    pub color: bool,
    pub comment: bool,
    pub pr: Option<u64>,
    pub base: Option<String>,
}

pub(crate) fn run(session: &Session<'_>, options: PlanOptions, output: Output) -> Result<()> {
    session.check_revisions(&[("--head", options.head.as_deref()), ("--base", output.base.as_deref())])?;
    // Text and JSON show one plan: a `--base` there would be silently ignored.
    if output.base.is_some() && !output.comment && output.format != Format::Markdown {
        return Err(UsageError(
            "`--base` compares the plan with the plan at another revision, which only `--format markdown` and `--comment` show (hint: add `--format markdown`, or drop `--base`)"
                .into(),
        )
        .into());
    }
    if output.comment {
        let report = comment::post(session, &options, output.pr, output.base)?;
        return print(&match output.format {
            Format::Json => crate::json(&report),
            _ => format!("{} the plan comment on #{}: {}\n", report.action, report.pull_request, report.url),
        });
    }
    let planned = session.plan(&options)?;
    let text = match output.format {
        Format::Json => return crate::write_to_stdout(|stdout| render::write_json(&planned.plan, stdout)),
        Format::Text => render::text(&planned.plan, render::Style { color: output.color }),
        Format::Markdown => {
            let base_plan = match &output.base {
                Some(base) => Some(session.plan(&PlanOptions { head: Some(base.clone()), ..options.clone() })?),
                None => None,
            };
            let base_name = output.base.as_deref().unwrap_or("the base branch");
            comment::body(session, &planned.plan, base_plan.as_ref().map(|base| &base.plan), base_name)?
        }
    };
    print(&text)
}
