//! SIGKILL at random instants, not only at step boundaries: `release cut` and `release promote`
//! are killed mid-way many times, then run again; the end state must be the uninterrupted run's.
//! The instants come from a fixed seed, so a failure can be replayed.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::promote::{code, promotion_setup, row, run, says, status};
use crate::release_cut::{git, release_process, release_with, setup, state};

/// A small deterministic generator (xorshift): the kill instants of every run of the suite.
struct Instants(u64);

impl Instants {
    fn next(&mut self, below: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_micros(self.0 % below.as_micros().max(1) as u64)
    }
}

/// Starts `args`, kills it (SIGKILL, the process alone, as a runner's timeout would) after
/// `after`, and waits for what it left running (a `git` child) to let go of the index.
fn kill_after(dir: &Path, args: &[&str], env: &[(&str, &str)], after: Duration) -> bool {
    let mut command = release_process(dir, args, env);
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    child.wait().unwrap();
    // What it started (a `git push` on its way) runs to its end, as it would on a CI runner.
    let group = format!("-{}", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline
        && std::process::Command::new("kill")
            .args(["-0", "--", &group])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    killed
}

#[test]
fn a_cut_killed_at_random_instants_is_finished_by_the_next_run() {
    let reference = setup("seeds-monorepo");
    let started = Instant::now();
    let output = release_with(&reference.work, &["cut", "--no-forge"], &[]);
    assert!(output.status.success(), "{}", says(&output));
    // The instants fall inside the time of an uninterrupted run; one that finished before its
    // instant narrows the range (the first run pays for cold caches).
    let mut length = started.elapsed();
    let expected = state(&reference);
    let files = |dir: &Path| git(dir, &["ls-files", "-s"]);
    let expected_files = files(&reference.work);

    let mut instants = Instants(0x5eed_0001);
    let mut killed = 0;
    for round in 0..12 {
        let setup = setup("seeds-monorepo");
        let after = instants.next(length);
        if kill_after(&setup.work, &["cut", "--no-forge"], &[], after) {
            killed += 1;
        } else {
            length = length * 2 / 3;
        }
        let rerun = release_with(&setup.work, &["cut", "--no-forge"], &[]);
        assert!(rerun.status.success(), "round {round}, killed after {after:?}: {}", says(&rerun));
        assert_eq!(state(&setup), expected, "round {round}, killed after {after:?}");
        assert_eq!(files(&setup.work), expected_files, "round {round}: the files, byte for byte");
        assert!(!setup.work.join(".git/release/cut.json").exists(), "round {round}: the journal is done with");
    }
    assert!(killed >= 6, "most rounds must kill a running cut ({killed} of 12 did)");
}

#[test]
fn a_promotion_killed_at_random_instants_is_finished_by_the_next_run() {
    let mut instants = Instants(0x5eed_0002);
    let mut killed = 0;
    let mut length = Duration::ZERO;
    for round in 0..5 {
        let (setup, deployments, _state) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
        let work = &setup.work;
        let output = run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
        assert_eq!(code(&output), 0, "{}", says(&output));
        let variables = deployments.env();
        let mut env: Vec<(&str, &str)> = variables.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        env.push(("RELEASE_ACTOR", "ci"));
        // Round 0 measures an uninterrupted promotion; the others are killed inside that time.
        let after = instants.next(length);
        if round == 0 {
            let started = Instant::now();
            assert!(!kill_after(work, &["promote", "staging"], &env, Duration::from_secs(60)));
            length = started.elapsed();
        } else {
            killed += usize::from(kill_after(work, &["promote", "staging"], &env, after));
        }
        let output = run(work, &deployments, "ci", &["promote", "staging"], &[]);
        assert_eq!(code(&output), 0, "round {round}, killed after {after:?}: {}", says(&output));
        assert_eq!(row(&status(work, &deployments), "staging"), "3.0.0 verified last-verified=3.0.0 next=- waiting=-");
        let history = run(work, &deployments, "ci", &["history", "staging", "--format", "json"], &[]);
        let events: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
        let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|event| event["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds.iter().filter(|kind| **kind == "verified").count(), 1, "round {round}: {kinds:?}");
        let ends = kinds.iter().filter(|kind| ["verified", "failed", "abandoned"].contains(kind)).count();
        assert_eq!(kinds.iter().filter(|kind| **kind == "started").count(), ends, "every start has an end: {kinds:?}");
        let deployed = deployments.deployed();
        assert_eq!(deployed.last(), Some(&("staging".to_string(), "3.0.0".to_string())), "round {round}: {deployed:?}");
    }
    assert!(killed >= 2, "most rounds must kill a running promotion ({killed} of 4 did)");
}
