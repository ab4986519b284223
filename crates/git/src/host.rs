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

/// When this process started, as the system counts it (Linux: clock ticks after boot, from
/// `/proc`): recorded beside the process id by whoever takes a lock, so that a later process that
/// got the same id (after a reboot, or once ids wrap around) is not taken for the holder.
pub fn process_start() -> Option<u64> {
    start_of(std::process::id())
}

/// Whether the process `pid` still holds a lock it took when its start was `start` (from
/// [`process_start`]; `None` when the lock did not record it): it runs, and, where the system
/// says when processes start, it is the same process. The start is a count of ticks after boot,
/// so a change of the wall clock cannot make a live holder look gone.
pub fn holds_lock(pid: u32, start: Option<u64>) -> bool {
    process_alive(pid)
        && match (start, start_of(pid)) {
            (Some(recorded), Some(now)) => recorded == now,
            _ => true,
        }
}

/// Field 22 of `/proc/PID/stat` (`starttime`), counted after the `(comm)` field, whose name may
/// hold spaces and parentheses.
fn start_of(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after_name = &stat[stat.rfind(')')? + 1..];
        after_name.split_whitespace().nth(19)?.parse().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
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

    #[test]
    #[cfg(target_os = "linux")]
    fn a_lock_is_held_by_the_process_that_took_it_not_by_a_later_one_with_its_id() {
        let start = process_start();
        assert!(start.is_some());
        assert!(holds_lock(std::process::id(), start), "this process took it");
        assert!(holds_lock(std::process::id(), None), "a lock that did not record the start");
        let other = start.map(|start| start + 1);
        assert!(!holds_lock(std::process::id(), other), "a process with this id that started at another time");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!holds_lock(pid, None));
    }
}
