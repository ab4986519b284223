//! The `release` command: a thin shell over the pipeline crates. Only this crate prints and
//! chooses exit codes; `xtask` calls [`main`] so `cargo xtask release ...` is the same code path.
//!
//! ```no_run
//! let code = release_cli::main(["release", "plan", "--format", "json"]);
//! ```

pub mod cache;
pub mod comment;
pub mod cut;
pub mod engine;
mod exit;
mod progress;
pub mod promote;
pub mod render;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

pub use progress::Progress;

/// Exit codes, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Success = 0,
    /// A check failed or the input was invalid (config, manifests, git state, arguments).
    Failure = 1,
    /// An unexpected error (I/O, a bug).
    Error = 2,
}

/// A mistake in what the user asked for; exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Debug, Parser)]
#[command(name = "release", version, about = "Release monorepos: plan versions from git history, explain every bump")]
pub struct Cli {
    /// Run as if started in this directory.
    #[arg(short = 'C', long = "directory", global = true, value_name = "PATH")]
    directory: Option<PathBuf>,
    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// No progress output.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
    Json,
}

/// A promotion gate that `release promote --skip` may skip.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Gate {
    /// `[promotion] freeze` windows.
    Freeze,
    /// Verified in `from` first, and for `soak`.
    Upstream,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the next version of every package and of the repository, and why.
    Plan {
        /// Plan as if this revision were the head.
        #[arg(long, value_name = "REV")]
        head: Option<String>,
        /// Show only these packages (the plan still accounts for all of them).
        #[arg(long = "package", short = 'p', value_name = "NAME")]
        packages: Vec<String>,
        /// Plan pre-releases with this label: `1.3.0-rc.1`, then `rc.2`.
        #[arg(long, value_name = "LABEL")]
        pre: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Post the Markdown plan as one sticky comment on the pull request (GitHub).
        #[arg(long)]
        comment: bool,
        /// The pull request to comment on (default: from GITHUB_EVENT_PATH).
        #[arg(long, value_name = "NUMBER", requires = "comment", value_parser = clap::value_parser!(u64).range(1..))]
        pr: Option<u64>,
        /// Compare with the plan at this revision, to show what the change itself releases
        /// (default for `--comment`: the pull request's base).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Read every commit from the repository: neither read nor write the commit cache.
        #[arg(long)]
        no_cache: bool,
    },
    /// Apply the plan: bump manifests and lock files, write changelogs.
    Cut {
        /// Show the diff of every file that would change; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the files and stop (no commit, tags or push).
        #[arg(long)]
        no_commit: bool,
        /// Run even when the working tree has uncommitted changes.
        #[arg(long)]
        allow_dirty: bool,
        /// Commit and tag, but do not push (and so create no forge releases).
        #[arg(long)]
        no_push: bool,
        /// Skip the GitHub steps (releases, assets).
        #[arg(long)]
        no_forge: bool,
        /// Cut pre-releases with this label: `1.3.0-rc.1`, then `rc.2`.
        #[arg(long, value_name = "LABEL")]
        pre: Option<String>,
        /// `text` or `json` (`markdown` is for `plan`).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// After the cut, promote the new release to this environment.
        #[arg(long, value_name = "ENV")]
        promote: Option<String>,
    },
    /// Deploy a release to an environment, after its gates; verify it; record it.
    Promote {
        environment: String,
        /// The release (default: the newest that may enter the environment).
        #[arg(long)]
        version: Option<String>,
        /// Skip a gate on purpose (a hotfix past staging, a change during a freeze); needs
        /// `--reason`, recorded with your name. Approvals cannot be skipped.
        #[arg(long, value_enum, value_name = "GATE")]
        skip: Vec<Gate>,
        /// Why the gates are skipped.
        #[arg(long, requires = "skip")]
        reason: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Approve a release for an environment (bound to its version and commit).
    Approve {
        environment: String,
        #[arg(long)]
        version: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Reject a release for an environment; final for that release there.
    Reject {
        environment: String,
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        reason: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Go back to the last verified release before the current one (or `--to`).
    Rollback {
        environment: String,
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Per environment: what runs, its state, since when, the last verified, what waits and why.
    Status {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The recorded events of one environment, oldest first.
    History {
        environment: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Repair the promotion history (the ledger).
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Manage the commit cache under `.git/release/` that makes repeated plans fast.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// Remove the commit cache; the next plan reads the whole history and writes it again.
    Clear {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Set aside an entry that does not read or cannot be true (an error names it). The entry
    /// stays in the history, with who set it aside and why.
    Void {
        /// The entry's full commit id, as the error printed it.
        entry: String,
        /// Why it is set aside; recorded with your name.
        #[arg(long)]
        reason: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// Parses arguments, runs, prints errors with their causes, and returns the exit code.
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { Exit::Failure as u8 } else { Exit::Success as u8 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::from(Exit::Success as u8),
        Err(error) => {
            // Errors quote commit messages and file contents: no control character reaches the
            // terminal raw.
            let mut text = format!("error: {error}");
            for cause in error.chain().skip(1) {
                text.push_str(&format!("\n  caused by: {cause}"));
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{}", release_changelog::neutralize_controls(&text));
            ExitCode::from(exit::exit_code(&error))
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let directory = match &cli.directory {
        Some(directory) => directory.clone(),
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let stdout_terminal = std::io::stdout().is_terminal();
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()),
    };
    let progress = Progress::new(cli.quiet);
    match cli.command {
        Command::Plan { head, packages, pre, format, comment, pr, base, no_cache } => {
            release_git::set_cache_by_default(!no_cache);
            engine::check_revisions(&directory, &[("--head", head.as_deref()), ("--base", base.as_deref())])?;
            // Text and JSON show one plan: a `--base` there would be silently ignored.
            if base.is_some() && !comment && format != Format::Markdown {
                return Err(UsageError(
                    "`--base` compares the plan with the plan at another revision, which only `--format markdown` and `--comment` show (hint: add `--format markdown`, or drop `--base`)"
                        .into(),
                )
                .into());
            }
            let options = engine::PlanOptions { head, packages, pre };
            if comment {
                let report = comment::post(&directory, &options, pr, base, &progress)?;
                let output = match format {
                    Format::Json => serde_json::to_string_pretty(&report).expect("a report serializes") + "\n",
                    _ => format!("{} the plan comment on #{}: {}\n", report.action, report.pull_request, report.url),
                };
                return print(&output);
            }
            let planned = engine::plan(&directory, &options, &progress)?;
            let output = match format {
                Format::Json => render::json(&planned.plan),
                Format::Text => render::text(&planned.plan, render::Style { color }),
                Format::Markdown => {
                    let base_plan = match &base {
                        Some(base) => Some(engine::plan(
                            &directory,
                            &engine::PlanOptions { head: Some(base.clone()), ..options.clone() },
                            &progress,
                        )?),
                        None => None,
                    };
                    let root = repo_root(&directory)?;
                    let template = plan_comment_template(&root, &planned.config)?;
                    let repo = release_git::Repo::open(&directory)?;
                    let links = links(&planned.config, &repo);
                    let base_name = base.as_deref().unwrap_or("the base branch");
                    comment::body(&directory, &planned, base_plan.as_ref(), base_name, &template, links.as_ref())?
                }
            };
            print(&output)
        }
        Command::Cut { dry_run, no_commit, allow_dirty, no_push, no_forge, pre, format, promote: promote_to } => {
            if let Some(environment) = &promote_to {
                // Checked before anything is written, committed or tagged.
                if dry_run || no_commit {
                    let flag = if dry_run { "--dry-run" } else { "--no-commit" };
                    return Err(UsageError(format!(
                        "`--promote {environment}` promotes the release a full cut makes, and `{flag}` makes none (hint: drop `{flag}`, or `--promote`)"
                    ))
                    .into());
                }
                let repo = release_git::Repo::open(&directory)?;
                let config = release_config::Config::load(repo.root())?;
                release_promote::environment(&config, environment)?;
            }
            let options = cut::CutOptions { pre, dry_run, no_commit, allow_dirty, no_push, no_forge };
            let report = cut::cut(&directory, &options, &progress)?;
            let output = match format {
                Format::Json => {
                    let mut text = serde_json::to_string_pretty(&report).expect("a report serializes");
                    text.push('\n');
                    text
                }
                Format::Markdown => {
                    return Err(UsageError("`release cut` prints `text` or `json`".into()).into());
                }
                Format::Text if report.steps.is_some() => cut::summary(report.steps.as_ref().expect("checked")),
                Format::Text if !dry_run && !no_commit => "nothing to release\n".to_string(),
                Format::Text if report.files.is_empty() => {
                    "nothing to change: the files already match the plan\n".to_string()
                }
                Format::Text if dry_run => report.diff.clone(),
                Format::Text => {
                    let mut text = String::new();
                    for file in &report.files {
                        text.push_str(&format!("{} {}\n", file.status, file.path));
                    }
                    text
                }
            };
            print(&output)?;
            if let Some(environment) = promote_to
                && !dry_run
                && !no_commit
            {
                let json = format == Format::Json;
                let outcome = promote::with_context(&directory, json, |context| {
                    Ok(release_promote::promote(context, &environment, None, &release_promote::Bypass::default())?)
                })?;
                print(&outcome_text(&outcome, format))?;
                publish(&directory, &outcome, format, &progress)?;
            }
            Ok(())
        }
        Command::Promote { environment, version, skip, reason, format } => {
            let bypass = release_promote::Bypass {
                freeze: skip.contains(&Gate::Freeze),
                upstream: skip.contains(&Gate::Upstream),
                reason: reason.unwrap_or_default(),
            };
            let outcome = promote::with_context(&directory, format == Format::Json, |context| {
                Ok(release_promote::promote(context, &environment, version.as_deref(), &bypass)?)
            })?;
            print(&outcome_text(&outcome, format))?;
            publish(&directory, &outcome, format, &progress)
        }
        Command::Approve { environment, version, format } => {
            let outcome = promote::with_context(&directory, true, |context| {
                Ok(release_promote::review(context, &environment, version.as_deref(), None)?)
            })?;
            print(&outcome_text(&outcome, format))
        }
        Command::Reject { environment, version, reason, format } => {
            let outcome = promote::with_context(&directory, true, |context| {
                Ok(release_promote::review(context, &environment, version.as_deref(), Some(&reason))?)
            })?;
            print(&outcome_text(&outcome, format))
        }
        Command::Rollback { environment, to, format } => {
            let outcome = promote::with_context(&directory, format == Format::Json, |context| {
                Ok(release_promote::rollback(context, &environment, to.as_deref())?)
            })?;
            print(&outcome_text(&outcome, format))
        }
        Command::Status { format } => {
            let rows = promote::with_context(&directory, true, |context| Ok(release_promote::status(context)?))?;
            match format {
                Format::Json => print(&(serde_json::to_string_pretty(&rows).expect("rows serialize") + "\n")),
                _ => print(&promote::status_table(&rows)),
            }
        }
        Command::Ledger { command } => ledger(&directory, command),
        Command::Cache { command: CacheCommand::Clear { format } } => {
            let cleared = cache::clear(&directory)?;
            match format {
                Format::Json => print(&(serde_json::to_string_pretty(&cleared).expect("a report serializes") + "\n")),
                _ => print(&cache::text(&cleared)),
            }
        }
        Command::History { environment, format } => {
            let events = promote::with_context(&directory, true, |context| {
                Ok(release_promote::history(context, &environment)?)
            })?;
            match format {
                Format::Json => print(&(serde_json::to_string_pretty(&events).expect("events serialize") + "\n")),
                _ => print(&promote::history_text(&events)),
            }
        }
    }
}

fn ledger(directory: &std::path::Path, command: LedgerCommand) -> Result<()> {
    match command {
        LedgerCommand::Void { entry, reason, format } => {
            let repo = release_git::Repo::open(directory)?;
            let config = release_config::Config::load(repo.root())?;
            let actor = promote::actor(&repo);
            release_promote::void(&repo, &config, entry.trim(), &reason, &actor, promote::now())?;
            match format {
                Format::Json => print(
                    &(serde_json::to_string_pretty(
                        &serde_json::json!({ "voided": entry.trim(), "by": actor, "reason": reason.trim() }),
                    )
                    .expect("json serializes")
                        + "\n"),
                ),
                _ => print(&format!("voided entry {} of `{}` (by {actor})\n", entry.trim(), config.promotion.ledger)),
            }
        }
    }
}

/// With `tag-on = "prod"`, a verified promotion to the last environment tags and publishes.
fn publish(
    directory: &std::path::Path,
    outcome: &release_promote::Outcome,
    format: Format,
    progress: &Progress,
) -> Result<()> {
    // "already running" too: a rerun finishes a publication that stopped half-way.
    if !matches!(outcome.action, release_promote::Action::Promoted | release_promote::Action::AlreadyRunning) {
        return Ok(());
    }
    match cut::publish_after_promotion(directory, &outcome.environment, &outcome.version, progress)? {
        Some(report) if format == Format::Json => {
            print(&(serde_json::to_string_pretty(&report).expect("a report serializes") + "\n"))
        }
        Some(report) => print(&cut::summary(&report)),
        None => Ok(()),
    }
}

fn outcome_text(outcome: &release_promote::Outcome, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(outcome).expect("an outcome serializes") + "\n",
        _ => format!("{}: {} {} ({})\n", outcome.environment, outcome.action, outcome.version, outcome.detail),
    }
}

/// Where commit, pull-request and compare links point: `[changelog] repository-url`, else the
/// repository GitHub Actions names (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`), else the remote.
pub(crate) fn links(config: &release_config::Config, repo: &release_git::Repo) -> Option<release_changelog::Links> {
    if let Some(url) = &config.changelog.repository_url {
        return Some(release_changelog::Links::new(url));
    }
    let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
    if let Some(repository) = variable("GITHUB_REPOSITORY") {
        let server = variable("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        return Some(release_changelog::Links::new(&format!("{}/{repository}", server.trim_end_matches('/'))));
    }
    repo.remote_url(&config.cut.remote).and_then(|url| release_changelog::Links::from_remote(&url))
}

/// The root of the repository containing `directory`.
pub(crate) fn repo_root(directory: &std::path::Path) -> Result<PathBuf> {
    Ok(release_git::Repo::open(directory)?.root().to_path_buf())
}

/// The pull-request comment template: `[templates] plan-comment`, or the default.
pub(crate) fn plan_comment_template(
    root: &std::path::Path,
    config: &release_config::Config,
) -> Result<release_changelog::Template> {
    let builtin = release_changelog::Template::builtin("plan-comment.md.j2", render::PLAN_COMMENT_TEMPLATE);
    cut::template(root, "plan-comment", config.templates.plan_comment.as_deref(), builtin)
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        // A closed pipe (`release plan | head`) is not an error worth a message.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}
