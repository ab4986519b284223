//! The release pipeline behind every command, as a library: config -> discovery -> tags ->
//! history -> plan -> apply -> cut. A [`Session`] is opened once per run; it reads the
//! repository, release.toml, the workspace and the tags on first use and keeps them, and computes
//! each plan once, so a command that needs several plans (`release plan --comment` at head and
//! base, `release cut` checking a claimed release commit, a cut followed by a promotion) opens
//! nothing twice.
//!
//! It never prints and never exits: commands return typed results and [`EngineError`]s, which
//! the CLI renders and turns into exit codes. Long work is reported through [`Progress`].
//!
//! ```no_run
//! use release_engine::{PlanOptions, Session, Silent};
//!
//! let session = Session::open(std::path::Path::new("."), &Silent)?;
//! let planned = session.plan(&PlanOptions::default())?;
//! for package in &planned.plan.packages {
//!     println!("{} {} -> {}", package.name, package.current_version, package.next_version);
//! }
//! # Ok::<(), release_engine::EngineError>(())
//! ```

mod backtest;
mod cut;
mod error;
mod init;
mod merged;
mod migrate;
mod planner;
mod pr;
mod render;
mod session;
mod tags;

pub use backtest::{Backtest, BacktestOptions, Comparison, REPOSITORY, Score, Verdict};
pub use cut::{CutOptions, CutReport, FileReport};
pub use error::EngineError;
pub use init::{InitOptions, InitPackage, InitReport};
pub use pr::{BACK_MERGE_MARKER, BodyRenderer, PR_MARKER, PrOptions, PrReport};
pub use render::{PLAN_COMMENT_TEMPLATE, Rendering, release_date};
pub use session::{Counter, PlanOptions, Planned, Progress, Session, Silent, check_pre_label};

/// Who is acting: RELEASE_ACTOR, GITHUB_ACTOR (in GitHub Actions), git's user.name, $USER.
pub fn actor(repo: &release_git::Repo) -> String {
    render::variable("RELEASE_ACTOR")
        .or_else(|| render::variable("GITHUB_ACTOR"))
        .or_else(|| repo.user_name())
        .or_else(|| render::variable("USER"))
        .unwrap_or_else(|| "unknown".into())
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|duration| duration.as_secs()).unwrap_or(0)
}
