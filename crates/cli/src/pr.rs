//! `release pr`: the release pull request (and `--back-merge`), rendered as text or JSON. The
//! body is the plan comment's Markdown.

use anyhow::Result;
use release_engine::{PrOptions, PrReport, Session};

use crate::{Format, UsageError, comment, print};

pub(crate) fn run(session: &Session<'_>, options: &PrOptions, format: Format) -> Result<()> {
    if format == Format::Markdown {
        return Err(UsageError("`release pr` prints `text` or `json`".into()).into());
    }
    let base = session.config()?.pr.base.clone();
    let render = |inner: &Session<'_>, plan: &release_plan::Plan| comment::body(inner, plan, None, &base);
    let report = session.release_pr(options, &render)?;
    print(&match format {
        Format::Json => crate::json(&report),
        _ => text(&report),
    })
}

fn text(report: &PrReport) -> String {
    let target = |report: &PrReport| match (&report.number, &report.url) {
        (Some(number), Some(url)) => format!("#{number} {url}"),
        _ => String::new(),
    };
    match report.action {
        "nothing" if report.releases.is_empty() && report.files.is_empty() && report.commit.is_none() => {
            "nothing to release: no release pull request\n".to_string()
        }
        "nothing" => format!("nothing to merge: `{}` is already in `{}`\n", report.head, report.base),
        "awaiting-cut" => {
            let tags: Vec<&str> = report.releases.iter().map(|record| record.tag.as_str()).collect();
            format!(
                "a merged release awaits `release cut` (tags {}): no release pull request until then\n",
                tags.join(", ")
            )
        }
        "closed" => format!("nothing to release: closed {} and deleted `{}`\n", target(report), report.head),
        "would-push" => {
            let mut out = format!(
                "would push `{}` ({}) and open a pull request into `{}`\ntitle: {}\n",
                report.head,
                report.commit.map(|commit| commit.short()).unwrap_or_default(),
                report.base,
                report.title
            );
            for file in &report.files {
                out.push_str(&format!("  {} {}\n", file.status, file.path));
            }
            out.push_str("--- body\n");
            out.push_str(&report.body);
            if !report.body.ends_with('\n') {
                out.push('\n');
            }
            out
        }
        action => {
            let mut out = format!("{action} {}: {}\n", target(report), report.title);
            if !report.kept_edits.is_empty() {
                out.push_str(&format!("kept edits: {}\n", report.kept_edits.join(", ")));
            }
            if !report.dropped_edits.is_empty() {
                out.push_str(&format!("edits not kept: {}\n", report.dropped_edits.join(", ")));
            }
            out
        }
    }
}
