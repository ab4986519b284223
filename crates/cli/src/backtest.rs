//! `release backtest`: the agreement table per package, then every disagreement with the plan's
//! reasons.

use anyhow::Result;
use release_engine::{Backtest, BacktestOptions, Comparison, Session, Verdict};

use crate::{Format, print, render};

pub(crate) fn run(session: &Session<'_>, options: &BacktestOptions, format: Format) -> Result<()> {
    let backtest = session.backtest(options)?;
    print(&match format {
        Format::Json => crate::json(&backtest),
        _ => text(&backtest, options.releases),
    })
}

fn text(backtest: &Backtest, releases: usize) -> String {
    let mut out = format!(
        "backtest: {} release point(s), the last {releases} stable releases of each package, planned at each release commit's parent with today's release.toml\n\n",
        backtest.points
    );
    let titles = ["PACKAGE", "SHIPPED", "AGREE", "DISAGREE", "MISSED", "UNTAGGED"];
    let rows: Vec<[String; 6]> = backtest
        .scores
        .iter()
        .map(|score| {
            [
                render::plain(&score.package),
                score.shipped.to_string(),
                score.agree.to_string(),
                score.disagree.to_string(),
                score.missed.to_string(),
                score.unshipped.to_string(),
            ]
        })
        .collect();
    out.push_str(&render::table(&titles, &rows));
    let shipped: usize = backtest.scores.iter().map(|score| score.shipped).sum();
    let agree: usize = backtest.scores.iter().map(|score| score.agree).sum();
    match (agree * 100 + shipped / 2).checked_div(shipped) {
        Some(percent) => out.push_str(&format!("\nagreement: {agree} of {shipped} shipped releases ({percent}%)\n")),
        None => out.push_str("\nno release to compare (a package's first release is not compared)\n"),
    }
    if !backtest.disagreements.is_empty() {
        out.push_str("\ndisagreements:\n");
        for comparison in &backtest.disagreements {
            out.push_str(&format!("  {}\n", line(comparison)));
        }
    }
    out
}

fn line(comparison: &Comparison) -> String {
    let short = comparison.commit.short();
    let name = render::plain(&comparison.package);
    let why = render::plain(&render::why(&comparison.reasons));
    let shipped = comparison.shipped.as_deref().unwrap_or("-");
    let planned = comparison.planned.as_deref().unwrap_or("-");
    match comparison.verdict {
        Verdict::Agree => format!("{name} at {short}: {shipped} as shipped"),
        Verdict::Disagree => {
            format!(
                "{name} at {short}: shipped {shipped}, the plan says {planned} (from {}): {why}",
                comparison.current
            )
        }
        Verdict::Missed => format!("{name} at {short}: shipped {shipped}, the plan would not have released it"),
        Verdict::Unshipped => {
            format!(
                "{name} at {short}: would have released {planned} (from {}); nothing shipped: {why}",
                comparison.current
            )
        }
    }
}
