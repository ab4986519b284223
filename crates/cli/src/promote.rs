//! The promotion commands: promote, approve, reject, rollback, status, history.

use std::path::Path;

use anyhow::Result;
use release_config::Config;
use release_config::promotion::Verify;
use release_git::Repo;
use release_promote::{Context, StatusRow};

/// Who is acting: RELEASE_ACTOR, GITHUB_ACTOR (in GitHub Actions), git's user.name, $USER.
pub fn actor(repo: &Repo) -> String {
    let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
    variable("RELEASE_ACTOR")
        .or_else(|| variable("GITHUB_ACTOR"))
        .or_else(|| {
            std::process::Command::new("git")
                .current_dir(repo.root())
                .args(["config", "user.name"])
                .env("LC_ALL", "C")
                .output()
                .ok()
                .filter(|output| output.status.success())
                .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
                .filter(|name| !name.is_empty())
        })
        .or_else(|| variable("USER"))
        .unwrap_or_else(|| "unknown".into())
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|duration| duration.as_secs()).unwrap_or(0)
}

/// HTTP checks with `{url}` and `{version}` filled in.
pub fn http_verifier(verify: &Verify, url: &str, version: &str) -> (bool, String) {
    let fill = |text: &str| text.replace("{url}", url.trim_end_matches('/')).replace("{version}", version);
    let check = release_verify::HttpCheck {
        url: fill(&verify.http),
        status: verify.status,
        body_contains: verify.body_contains.as_deref().map(fill),
        interval: verify.interval,
        count: verify.count,
        failure_limit: verify.failure_limit,
        error_limit: verify.error_limit,
        consecutive_successes: verify.consecutive_successes,
        timeout: verify.timeout,
    };
    let verdict = release_verify::verify(&check, &mut std::thread::sleep);
    (verdict.passed, verdict.summary)
}

/// Runs `work` with a promotion context for the repository at `directory`.
pub fn with_context<T>(directory: &Path, quiet: bool, work: impl FnOnce(&Context<'_>) -> Result<T>) -> Result<T> {
    let repo = Repo::open(directory)?;
    repo.check_history()?;
    let config = Config::load(repo.root())?;
    let head = repo.resolve("HEAD")?;
    let releases = release_promote::releases(&repo, head)?;
    let actor = actor(&repo);
    let context =
        Context { repo: &repo, config: &config, releases, actor, now, verifier: &http_verifier, quiet_commands: quiet };
    work(&context)
}

/// `release status` as a table.
pub fn status_table(rows: &[StatusRow]) -> String {
    let now = now();
    let age = |since: Option<u64>| match since {
        None => "-".to_string(),
        Some(since) => {
            let seconds = now.saturating_sub(since);
            match seconds {
                0..60 => format!("{seconds}s"),
                60..3600 => format!("{}m", seconds / 60),
                3600..86_400 => format!("{}h", seconds / 3600),
                _ => format!("{}d", seconds / 86_400),
            }
        }
    };
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|row| {
            [
                row.environment.clone(),
                row.version.clone().unwrap_or_else(|| "-".into()),
                row.state.clone(),
                age(row.since),
                row.last_verified.clone().unwrap_or_else(|| "-".into()),
                match (&row.next, &row.waiting) {
                    (Some(next), Some(waiting)) if waiting != "ready" => format!("{next} waiting: {waiting}"),
                    (Some(next), _) => format!("{next} ready"),
                    (None, _) => "-".into(),
                },
            ]
        })
        .collect();
    let titles = ["ENV", "VERSION", "STATE", "SINCE", "LAST VERIFIED", "NEXT"];
    let mut widths = titles.map(str::len);
    for row in &cells {
        for (index, cell) in row.iter().enumerate() {
            widths[index] = widths[index].max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[index]));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(&titles.map(str::to_string));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}
