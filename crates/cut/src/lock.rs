//! One `release cut` at a time per repository: a lock file in the git directory, created
//! exclusively, removed when the guard drops. A lock whose process is gone (a crash, a killed CI
//! job) is stale and taken over.

use std::io::Write;
use std::path::{Path, PathBuf};

use release_git::{holds_lock, host, process_start};

use crate::CutError;

#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An I/O error that names the lock file.
fn io(path: &Path, error: std::io::Error) -> CutError {
    CutError::Io(std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))
}

/// Takes the lock, or says who holds it. Returns the guard and, when a stale lock was taken
/// over, a warning describing it.
pub fn acquire(git_dir: &Path) -> Result<(LockGuard, Option<String>), CutError> {
    let path = git_dir.join("release-cut.lock");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|duration| duration.as_secs())
        .unwrap_or(0);
    let mut warning = None;
    for _ in 0..2 {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                // The process's start (after the host) tells it from a later process with its id.
                let start = process_start().map(|start| format!(" {start}")).unwrap_or_default();
                writeln!(file, "{} {} {}{start}", std::process::id(), now, host()).map_err(|error| io(&path, error))?;
                return Ok((LockGuard { path }, warning));
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let mut parts = text.split_whitespace();
                let pid: u32 = parts.next().and_then(|pid| pid.parse().ok()).unwrap_or(0);
                let since: u64 = parts.next().and_then(|since| since.parse().ok()).unwrap_or(0);
                let holder_host = parts.next().unwrap_or("").to_string();
                let start: Option<u64> = parts.next().and_then(|start| start.parse().ok());
                let same_host = holder_host.is_empty() || holder_host == host();
                if pid != 0 && same_host && holds_lock(pid, start) && pid != std::process::id() {
                    return Err(CutError::Locked { pid, since, path: path.display().to_string() });
                }
                warning = Some(format!(
                    "took over a stale lock of process {pid} (started at {}, no longer running): the last run stopped early; this run finishes it",
                    release_config::promotion::format_utc(since as i64)
                ));
                std::fs::remove_file(&path).map_err(|error| io(&path, error))?;
            }
            Err(error) => return Err(io(&path, error)),
        }
    }
    Err(CutError::Locked { pid: 0, since: 0, path: path.display().to_string() })
}
