//! `release init`: writes release.toml (and with `--ci github` the workflows), then shows the
//! plan it yields.

use anyhow::Result;
use release_engine::{InitOptions, InitReport, PlanOptions, Session};

use crate::{Format, print, render};

pub(crate) fn run(session: &Session<'_>, options: &InitOptions, format: Format) -> Result<()> {
    let report = session.init(options)?;
    if format == Format::Json {
        return print(&crate::json(&report));
    }
    print(&text(&report))?;
    if options.dry_run {
        return Ok(());
    }
    // The plan the new configuration yields, from a session that reads it.
    let progress = release_engine::Silent;
    let fresh = Session::open(session.root(), &progress)?;
    let planned = fresh.plan(&PlanOptions::default())?;
    print(&format!("\n{}", render::text(&planned.plan, render::Style { color: false })))
}

fn text(report: &InitReport) -> String {
    let mut out = String::new();
    if !report.migrated_from.is_empty() {
        out.push_str(&format!("read {}\n", report.migrated_from.join(", ")));
    }
    let verb = if report.written { "wrote" } else { "would write" };
    for file in &report.files {
        out.push_str(&format!("{verb} {file}\n"));
    }
    if !report.written {
        out.push_str(&format!("\n{}", report.config));
    }
    for package in report.packages.iter().filter(|package| package.source.is_some()) {
        out.push_str(&format!(
            "  {} tags `{}` ({})\n",
            render::plain(&package.name),
            render::plain(&package.tag),
            package.source.as_deref().unwrap_or_default()
        ));
    }
    out
}
