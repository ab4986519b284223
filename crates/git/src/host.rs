//! Who holds a lock in a repository: this machine's name and whether a process of it still runs.
//!
//! Both locks kept in a repository (the `release cut` lock file in `.git`, the promotion lock on
//! the ledger ref) record their holder as host and process id, and are taken over only when the
//! holder is of this machine and gone. The answers are platform facts (Unix, through rustix),
//! kept behind `cfg` here so the crates that keep the locks need no platform code.

/// This machine's name, to tell a lock or a promotion held here from one held elsewhere.
pub fn host() -> String {
    #[cfg(unix)]
    let name = rustix::system::uname().nodename().to_string_lossy().into_owned();
    #[cfg(not(unix))]
    let name = std::env::var("COMPUTERNAME").unwrap_or_default();
    name.trim().to_string()
}

/// Whether a process of this machine still runs. Where that cannot be asked, it is taken to
/// run: a lock is never taken from a live process.
pub fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
        match rustix::process::test_kill_process(pid) {
            Ok(()) => true,
            Err(error) => error == rustix::io::Errno::PERM, // it runs, as another user
        }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn a_process_is_alive_until_it_has_exited() {
        assert!(process_alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_alive(pid), "an exited, reaped process");
        assert!(!process_alive(0) && !process_alive(u32::MAX), "not a process id");
        assert!(process_alive(1), "init runs as root: EPERM or not, it is alive");
        assert!(!host().is_empty());
    }
}
