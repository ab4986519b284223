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

/// What the change file says, from the flags or, on a terminal, from questions.
pub(crate) struct Asked {
    pub package: String,
    pub bump: Bump,
    pub message: String,
}

/// Fills in what the flags left out by asking on the terminal; without a terminal (CI, a pipe)
/// a missing flag is an error that names it.
pub(crate) fn ask(
    session: &Session<'_>,
    package: Option<String>,
    bump: Option<Bump>,
    message: Option<String>,
) -> Result<Asked> {
    use std::io::{BufRead, IsTerminal, Write};
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let answer = |question: &str, flag: &str| -> Result<String> {
        if !interactive {
            return Err(UsageError(format!(
                "`release change` needs `{flag}` (hint: `release change --package NAME --bump minor --message \"...\"`, or run it in a terminal to be asked)"
            ))
            .into());
        }
        let mut stderr = std::io::stderr().lock();
        write!(stderr, "{question}: ")?;
        stderr.flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim().to_string())
    };
    let package = match package {
        Some(package) => package,
        None => {
            let names: Vec<&str> = session.workspace()?.packages.iter().map(|package| package.name.as_str()).collect();
            answer(&format!("package ({})", names.join(", ")), "--package")?
        }
    };
    let bump = match bump {
        Some(bump) => bump,
        None => match answer("bump (major, minor, patch)", "--bump")?.as_str() {
            "major" => Bump::Major,
            "minor" => Bump::Minor,
            "patch" => Bump::Patch,
            other => {
                return Err(UsageError(format!("`{other}` is not a bump (hint: major, minor or patch)")).into());
            }
        },
    };
    let message = match message {
        Some(message) => message,
        None => answer("what changed (one line, for the changelog)", "--message")?,
    };
    if message.trim().is_empty() {
        return Err(
            UsageError("the change's message is empty (hint: say what changed, for the changelog)".into()).into()
        );
    }
    Ok(Asked { package, bump, message })
}

/// One line for a terminal.
pub(crate) fn text(report: &ChangeReport) -> String {
    format!("wrote {} ({} {}, {} format)\n", report.path, report.package, report.bump, report.format)
}
