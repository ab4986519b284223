//! `release change`: writes a change file, so a team can state a release's intent without any
//! other tool. The format follows release.toml `[versioning] sources`: changesets' when that
//! source is on, else covector's; with neither on, the file would never be read, so none is
//! written.

use anyhow::Result;
use release_engine::Session;
use release_plan::Bump;
use serde::Serialize;

use crate::UsageError;

/// What `release change --format json` prints.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeReport {
    /// Relative to the repository root.
    pub path: String,
    /// `changesets` or `covector`.
    pub format: &'static str,
    pub package: String,
    pub bump: &'static str,
}

/// Writes a change file for `package`, after checking the package exists.
pub(crate) fn change(session: &Session<'_>, package: &str, bump: Bump, message: &str) -> Result<ChangeReport> {
    let root = session.root();
    let format = release_changes::format_for(&session.config()?.versioning.sources)?;
    let workspace = session.workspace()?;
    let names = || workspace.packages.iter().map(|package| package.name.as_str());
    if !names().any(|name| name == package) {
        let hint = match release_config::suggest::closest(package, names()) {
            Some(name) => format!("did you mean `{name}`?"),
            None => format!("the packages are: {}", names().collect::<Vec<_>>().join(", ")),
        };
        return Err(UsageError(format!("no package is named `{package}` (hint: {hint})")).into());
    }
    let path = release_changes::write(root, format, package, bump, message)?;
    Ok(ChangeReport {
        path,
        format: match format {
            release_changes::Format::Changesets => "changesets",
            release_changes::Format::Covector => "covector",
        },
        package: package.to_string(),
        bump: release_plan::bump_name(bump),
    })
}

/// One line for a terminal.
pub(crate) fn text(report: &ChangeReport) -> String {
    format!("wrote {} ({} {}, {} format)\n", report.path, report.package, report.bump, report.format)
}
