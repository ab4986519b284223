//! The `release` command: argument parsing, rendering and exit codes over the engine
//! (`release-engine`), one module per subcommand. Only this crate prints and chooses exit codes;
//! `xtask` calls [`main`] so `cargo xtask release ...` is the same code path.
//!
//! ```no_run
//! let code = release_cli::main(["release", "plan", "--format", "json"]);
//! ```

mod backtest;
mod cache;
mod change;
mod comment;
mod cut;
mod exit;
mod init;
mod plan;
mod pr;
mod progress;
mod promote;
pub mod render;
mod watch;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use release_engine::{CutOptions, PlanOptions, Session};

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
    /// Progress on stderr even when it is not a terminal (a CI log): a line a second of long
    /// work. On a terminal progress is drawn anyway.
    #[arg(
        long,
        global = true,
        env = "RELEASE_PROGRESS",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    progress: bool,
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

/// The CI system `release init --ci` writes workflows for.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Ci {
    Github,
}

/// A promotion gate that `release promote --skip` may skip.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Gate {
    /// `[promotion] freeze` windows.
    Freeze,
    /// Verified in `from` first, and for `soak`.
    Upstream,
}

/// The bump a change file asks for.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ChangeBump {
    Major,
    Minor,
    Patch,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a change file (changesets or covector format, as `[versioning] sources` says) that
    /// the next release consumes.
    ///
    /// On a terminal, what is not given as a flag is asked for.
    Change {
        /// The package the change is for.
        #[arg(long = "package", short = 'p', value_name = "NAME")]
        package: Option<String>,
        #[arg(long, value_enum)]
        bump: Option<ChangeBump>,
        /// What changed, for the changelog.
        #[arg(long, short = 'm')]
        message: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
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
    /// Open or update the release pull request: the plan, committed on `[pr] branch`.
    Pr {
        /// Show the commit it would push and the body it would write; push nothing.
        #[arg(long)]
        dry_run: bool,
        /// Open (or update) the pull request that brings `[pr] base` back into `[pr] from`.
        #[arg(long)]
        back_merge: bool,
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
    /// One pass of monitoring checks over every environment inside its window (or those named);
    /// rolls back and holds past the failure limit. For a scheduled job.
    Watch {
        environments: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The recorded events of one environment, oldest first.
    History {
        environment: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a release.toml for this repository (packages, the tag conventions its tags follow,
    /// what carries over from release-please or release-plz), then show the plan it yields.
    Init {
        /// Also write the GitHub Actions workflows (`github`).
        #[arg(long, value_enum, value_name = "FORGE")]
        ci: Option<Ci>,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
        /// Show what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// How would `release` have done on this history? Replans each of the last releases of
    /// every package and compares with what shipped.
    Backtest {
        /// Release points per package, newest first.
        #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        releases: u64,
        /// Only these packages.
        #[arg(long = "package", short = 'p', value_name = "NAME")]
        packages: Vec<String>,
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

/// Checks what needs no repository, opens the one session, and runs the command on it.
fn run(cli: Cli) -> Result<()> {
    let directory = match &cli.directory {
        Some(directory) => directory.clone(),
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    };
    let progress = Progress::new(cli.quiet, cli.progress);
    before_the_repository(&cli.command)?;
    let mut session = Session::open(&directory, &progress)?;
    if matches!(cli.command, Command::Backtest { .. }) {
        // Hundreds of plans over one history: each message is parsed once.
        session.keep_parsed_messages();
    }
    let plan_only = matches!(cli.command, Command::Plan { comment: false, .. });
    let result = dispatch(&session, cli.command, color);
    if plan_only {
        // A plan's session holds every commit of the history and the plan, and the process
        // ends next: freeing them piece by piece was a few percent of a warm plan. Nothing in
        // a plan's session acts on drop (no work tree, no lock) but the commit cache's write.
        session.repo().finish_cache_writes();
        std::mem::forget(session);
    }
    result
}

/// What is decided from the arguments alone, before the repository is opened.
fn before_the_repository(command: &Command) -> Result<()> {
    if let Command::Plan { pre: Some(label), .. } | Command::Cut { pre: Some(label), .. } = command {
        // Before the repository: a bad label is the argument's fault wherever it runs.
        release_engine::check_pre_label(label)?;
    }
    if let Command::Plan { no_cache: true, .. } = command {
        // Every read of history in this process goes to git (the cache only ever adds speed).
        release_git::set_cache_by_default(false);
    }
    Ok(())
}

/// One subcommand, on the session: each module renders its own output.
fn dispatch(session: &Session<'_>, command: Command, color: bool) -> Result<()> {
    match command {
        Command::Change { package, bump, message, format } => {
            let bump = bump.map(|bump| match bump {
                ChangeBump::Major => release_plan::Bump::Major,
                ChangeBump::Minor => release_plan::Bump::Minor,
                ChangeBump::Patch => release_plan::Bump::Patch,
            });
            let asked = change::ask(session, package, bump, message)?;
            let report = change::change(session, &asked.package, asked.bump, &asked.message)?;
            print(&match format {
                Format::Json => json(&report),
                _ => change::text(&report),
            })
        }
        Command::Plan { head, packages, pre, format, comment, pr, base, no_cache: _ } => {
            let options = PlanOptions { head, packages, pre };
            plan::run(session, options, plan::Output { format, color, comment, pr, base })
        }
        Command::Cut { dry_run, no_commit, allow_dirty, no_push, no_forge, pre, format, promote } => {
            let options = CutOptions { pre, dry_run, no_commit, allow_dirty, no_push, no_forge };
            cut::run(session, &options, format, promote)
        }
        Command::Pr { dry_run, back_merge, format } => {
            pr::run(session, &release_engine::PrOptions { dry_run, back_merge }, format)
        }
        Command::Promote { environment, version, skip, reason, format } => {
            let bypass = release_promote::Bypass {
                freeze: skip.contains(&Gate::Freeze),
                upstream: skip.contains(&Gate::Upstream),
                reason: reason.unwrap_or_default(),
            };
            promote::promote(session, &environment, version.as_deref(), &bypass, format)
        }
        Command::Approve { environment, version, format } => {
            promote::review(session, &environment, version.as_deref(), None, format)
        }
        Command::Reject { environment, version, reason, format } => {
            promote::review(session, &environment, version.as_deref(), Some(&reason), format)
        }
        Command::Rollback { environment, to, format } => {
            promote::rollback(session, &environment, to.as_deref(), format)
        }
        Command::Status { format } => promote::status(session, format),
        Command::History { environment, format } => promote::history(session, &environment, format),
        Command::Init { ci, force, dry_run, format } => {
            let options = release_engine::InitOptions { force, github_workflows: ci == Some(Ci::Github), dry_run };
            init::run(session, &options, format)
        }
        Command::Backtest { releases, packages, format } => {
            let options = release_engine::BacktestOptions { releases: releases as usize, packages };
            backtest::run(session, &options, format)
        }
        Command::Ledger { command: LedgerCommand::Void { entry, reason, format } } => {
            promote::void(session, &entry, &reason, format)
        }
        Command::Watch { environments, format } => watch::run(session, &environments, format),
        Command::Cache { command: CacheCommand::Clear { format } } => {
            let cleared = cache::clear(session.repo())?;
            print(&match format {
                Format::Json => json(&cleared),
                _ => cache::text(&cleared),
            })
        }
    }
}

/// Pretty JSON with a final newline, as every `--format json` prints.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("reports serialize") + "\n"
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout_result(stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()))
}

/// `write` into a buffered stdout: a whole-history plan is tens of megabytes of JSON, and
/// building it as one string first costs its copies and page faults.
pub(crate) fn write_to_stdout(
    write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
) -> Result<()> {
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = write(&mut stdout).and_then(|()| stdout.flush());
    stdout_result(written)
}

fn stdout_result(written: std::io::Result<()>) -> Result<()> {
    match written {
        // A closed pipe (`release plan | head`) is not an error worth a message.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}
