//! SIGKILL at random instants, not only at step boundaries: `release cut`, `release promote`,
//! `release pr` (opening, updating, back-merging) and the cut after a merged release pull request
//! are killed mid-way many times, then run again; the end state must be the uninterrupted run's.
//! The instants come from a fixed seed, so a failure can be replayed.

use std::path::Path;
use std::time::{Duration, Instant};

use release_test_support::github::FakeGitHub;

use crate::promote::{code, promotion_setup, row, run as promote_run, says, status};
use crate::release_cut::{Setup, git, release_process, release_with, setup, state};
use crate::release_pr::{TOKEN, merge, ok, pinned_git, run, started};

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
        let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
        let work = &setup.work;
        let output = promote_run(work, &deployments, "Release Bot", &["cut", "--no-forge"], &[]);
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
        let output = promote_run(work, &deployments, "ci", &["promote", "staging"], &[]);
        assert_eq!(code(&output), 0, "round {round}, killed after {after:?}: {}", says(&output));
        assert_eq!(row(&status(work, &deployments), "staging"), "3.0.0 verified last-verified=3.0.0 next=- waiting=-");
        let history = promote_run(work, &deployments, "ci", &["history", "staging", "--format", "json"], &[]);
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

/// What a release pull request's run leaves behind: the remote's branches and tags, the pull
/// requests with their labels, bodies and comments, and the GitHub releases with their notes.
fn pr_state(setup: &Setup, fake: &FakeGitHub) -> String {
    let mut out = git(&setup.remote, &["for-each-ref", "--format=%(refname) %(objectname) %(*objectname)"]);
    for pull in fake.pulls() {
        out.push_str(&format!(
            "pull #{} {} {} -> {} {:?} {:?}\n{}\n",
            pull.number,
            pull.state,
            pull.head_ref,
            pull.base_ref,
            pull.title,
            pull.labels,
            pull.body.unwrap_or_default()
        ));
        for comment in fake.comments(pull.number) {
            out.push_str(&format!("comment on #{}: {}\n", pull.number, comment.body));
        }
    }
    for release in fake.releases() {
        out.push_str(&format!(
            "release {} {:?}\n{}\n",
            release.tag_name,
            release.name,
            release.body.unwrap_or_default()
        ));
    }
    // Each fake listens on its own port.
    out.replace(&fake.base_url(), "[GITHUB]")
}

/// `args` killed at random instants (from `seed`) after `prepare`, each time on a fresh
/// repository and fake GitHub, then run again: the end state must be the uninterrupted run's,
/// with nothing duplicated, and the checkout as it was.
fn killed_release_pr_runs_are_finished(seed: u64, fixture: &str, args: &[&str], prepare: &dyn Fn(&Setup, &FakeGitHub)) {
    let env = |fake: &FakeGitHub| {
        vec![
            ("GITHUB_API_URL".to_string(), fake.base_url()),
            ("GITHUB_TOKEN".to_string(), TOKEN.to_string()),
            ("GITHUB_REPOSITORY".to_string(), "acme/shop".to_string()),
            ("RELEASE_FORGE_BACKOFF_MS".to_string(), "10".to_string()),
        ]
    };
    let (reference, fake) = started(fixture);
    prepare(&reference, &fake);
    let started_at = Instant::now();
    ok(&run(&reference.work, args, &fake));
    let mut length = started_at.elapsed();
    let expected = pr_state(&reference, &fake);
    let checkout = |setup: &Setup| {
        let worktrees = git(&setup.work, &["worktree", "list", "--porcelain"]).matches("worktree ").count();
        let status = git(&setup.work, &["status", "--porcelain"]);
        format!("{}{status}work trees: {worktrees}\n", git(&setup.work, &["rev-parse", "HEAD"]))
    };
    let expected_checkout = checkout(&reference);

    let mut instants = Instants(seed);
    let mut killed = 0;
    let rounds = 8;
    for round in 0..rounds {
        let (setup, fake) = started(fixture);
        prepare(&setup, &fake);
        let variables = env(&fake);
        let env: Vec<(&str, &str)> = variables.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        let after = instants.next(length);
        if kill_after(&setup.work, args, &env, after) {
            killed += 1;
        } else {
            length = length * 2 / 3;
        }
        let rerun = run(&setup.work, args, &fake);
        assert!(rerun.status.success(), "{args:?} round {round}, killed after {after:?}: {}", says(&rerun));
        assert_eq!(pr_state(&setup, &fake), expected, "{args:?} round {round}, killed after {after:?}");
        assert_eq!(checkout(&setup), expected_checkout, "{args:?} round {round}: the checkout");
    }
    assert!(killed >= rounds / 2, "{args:?}: most rounds must kill a running command ({killed} of {rounds} did)");
}

/// Commits everything at a pinned date: the same commit in every round.
fn commit(dir: &Path, message: &str) {
    pinned_git(dir, &["add", "--all"]);
    pinned_git(dir, &["-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "--quiet", "-m", message]);
}

#[test]
fn release_pr_killed_while_opening_the_pull_request_is_finished_by_the_next_run() {
    killed_release_pr_runs_are_finished(0x5eed_0003, "single-package", &["pr"], &|_, _| {});
}

#[test]
fn release_pr_killed_while_updating_the_pull_request_is_finished_by_the_next_run() {
    killed_release_pr_runs_are_finished(0x5eed_0004, "single-package", &["pr"], &|setup, fake| {
        ok(&run(&setup.work, &["pr"], fake));
        fs_err::write(setup.work.join("src/extra.rs"), "pub fn extra() {}\n").unwrap();
        commit(&setup.work, "feat!: an extra feature that breaks");
        git(&setup.work, &["push", "--quiet", "origin", "main"]);
    });
}

/// Nothing left to release (the release was cut another way): the pull request is commented,
/// closed and its branch deleted, each possibly cut short.
#[test]
fn release_pr_killed_while_closing_the_pull_request_is_finished_by_the_next_run() {
    killed_release_pr_runs_are_finished(0x5eed_0009, "single-package", &["pr"], &|setup, fake| {
        ok(&run(&setup.work, &["pr"], fake));
        ok(&release_with(&setup.work, &["cut", "--no-forge"], &[]));
    });
}

/// A monorepo: a release pull request of several packages, each with its own tag and release.
#[test]
fn release_pr_and_the_cut_after_the_merge_of_a_monorepo_killed_are_finished_by_the_next_run() {
    killed_release_pr_runs_are_finished(0x5eed_000a, "seeds-monorepo", &["pr"], &|_, _| {});
    killed_release_pr_runs_are_finished(0x5eed_000b, "seeds-monorepo", &["cut"], &|setup, fake| {
        ok(&run(&setup.work, &["pr"], fake));
        let merged = merge(setup, "merge");
        fake.merge_pull(1, &merged);
        git(&setup.work, &["pull", "--quiet", "--ff-only"]);
    });
}

/// The cut after a merged release pull request: tags, their push, the GitHub releases, the
/// relabel and its comment, each possibly cut short.
#[test]
fn release_cut_killed_after_the_release_pull_request_merged_is_finished_by_the_next_run() {
    for (seed, strategy) in [(0x5eed_0005, "merge"), (0x5eed_0006, "squash"), (0x5eed_0007, "rebase")] {
        killed_release_pr_runs_are_finished(seed, "single-package", &["cut"], &|setup, fake| {
            ok(&run(&setup.work, &["pr"], fake));
            let merged = merge(setup, strategy);
            fake.merge_pull(1, &merged);
            git(&setup.work, &["pull", "--quiet", "--ff-only"]);
        });
    }
}

#[test]
fn release_pr_back_merge_killed_is_finished_by_the_next_run() {
    killed_release_pr_runs_are_finished(0x5eed_0008, "single-package", &["pr", "--back-merge"], &|setup, fake| {
        fs_err::write(setup.work.join("release.toml"), "[pr]\nbase = \"main\"\nfrom = \"develop\"\n").unwrap();
        commit(&setup.work, "chore: git-flow");
        git(&setup.work, &["push", "--quiet", "origin", "main"]);
        git(&setup.work, &["push", "--quiet", "origin", "main:develop"]);
        ok(&run(&setup.work, &["pr"], fake));
        let merged = merge(setup, "merge");
        fake.merge_pull(1, &merged);
        git(&setup.work, &["pull", "--quiet", "--ff-only"]);
        ok(&run(&setup.work, &["cut"], fake));
    });
}
