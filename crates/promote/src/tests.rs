//! Table tests for the pure parts of promotion: `fold`, the gates, the candidate and `compare`.
//! Each area has one `check(input, expected)`; the expected value is what a reader would write.

use std::collections::BTreeMap;
use std::time::Duration;

use release_config::promotion::{Approval, ApprovalSource, Environment, Freeze, OnVerifyFailure};

use crate::gates::{self, Waiting};
use crate::ledger::{Event, EventKind, SCHEMA};
use crate::releases::Release;
use crate::state::{EnvironmentState, fold};

/// A commit id that says which version it is: `1.2.0` -> `1200…0`.
fn commit_of(version: &str) -> release_commit_id::CommitId {
    format!("{:0<40}", version.replace(['.', '-'], "")).parse().unwrap()
}

fn event(kind: EventKind, environment: &str, version: &str, at: u64) -> Event {
    Event::new(kind, environment, version, commit_of(version), "ci", at, "host:1:0")
}

fn with_detail(mut event: Event, detail: &str) -> Event {
    event.detail = Some(detail.to_string());
    event
}

fn rollback(mut event: Event) -> Event {
    event.rollback = true;
    event
}

fn release(version: &str) -> Release {
    Release {
        version: version.parse().unwrap(),
        commit: commit_of(version),
        tag: format!("v{version}"),
        packages: Vec::new(),
        author: "bob".into(),
        tagged: true,
    }
}

fn environment(name: &str, from: Option<&str>, soak: u64) -> Environment {
    Environment {
        name: name.to_string(),
        deploy: vec!["./deploy.sh".into()],
        rollback: None,
        url: None,
        verify: None,
        from: from.map(str::to_string),
        soak: Duration::from_secs(soak),
        approval: None,
        on_verify_failure: OnVerifyFailure::Hold,
        monitor: None,
    }
}

/// Every environment's state on one line each: what runs, what was verified, what is held.
fn render(states: &BTreeMap<String, EnvironmentState>) -> String {
    let mut lines = Vec::new();
    for (name, state) in states {
        let current = match &state.current {
            Some(current) => format!("{} {} since {}", current.version, current.state, current.since),
            None => "-".into(),
        };
        let verified: Vec<String> =
            state.verified.iter().map(|verified| format!("{}@{}", verified.version, verified.at)).collect();
        lines.push(format!(
            "{name}: current={current} verified=[{}] failed=[{}] promoting={} held={}",
            verified.join(" "),
            state.failed.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
            state.in_progress.as_ref().map_or("-", |started| started.version.as_str()),
            state.held.as_deref().unwrap_or("-"),
        ));
    }
    lines.join("\n")
}

#[test]
fn fold_table() {
    #[track_caller]
    fn check(events: &[Event], expected: &str) {
        assert_eq!(render(&fold(events)), expected, "{events:#?}");
    }
    use EventKind::*;

    check(&[], "");
    check(&[event(Started, "staging", "1.0.0", 10)], "staging: current=- verified=[] failed=[] promoting=1.0.0 held=-");
    check(
        &[
            event(Started, "staging", "1.0.0", 10),
            event(Deployed, "staging", "1.0.0", 11),
            event(Verified, "staging", "1.0.0", 12),
        ],
        "staging: current=1.0.0 verified since 12 verified=[1.0.0@12] failed=[] promoting=- held=-",
    );
    // A failure holds automatic promotion; the held event's detail says why.
    check(
        &[
            event(Verified, "staging", "1.0.0", 10),
            event(Started, "staging", "1.1.0", 20),
            with_detail(event(Failed, "staging", "1.1.0", 21), "`./deploy.sh` exited with 3"),
            with_detail(event(Held, "staging", "1.1.0", 21), "1.1.0 failed: `./deploy.sh` exited with 3"),
        ],
        "staging: current=1.1.0 failed since 21 verified=[1.0.0@10] failed=[1.1.0] promoting=- held=1.1.0 failed: `./deploy.sh` exited with 3",
    );
    // A held event without a detail still holds.
    check(&[event(Held, "prod", "1.0.0", 5)], "prod: current=- verified=[] failed=[] promoting=- held=held");
    // A rollback's verification puts the older release back, and does not lift the hold.
    check(
        &[
            event(Verified, "staging", "1.0.0", 10),
            event(Failed, "staging", "1.1.0", 20),
            event(Held, "staging", "1.1.0", 20),
            rollback(event(Deployed, "staging", "1.0.0", 21)),
            rollback(event(Verified, "staging", "1.0.0", 22)),
            event(RolledBack, "staging", "1.0.0", 22),
        ],
        "staging: current=1.0.0 rolled back since 22 verified=[1.0.0@10 1.0.0@22] failed=[1.1.0] promoting=- held=held",
    );
    // A release verified the ordinary way lifts it.
    check(
        &[event(Held, "staging", "1.1.0", 20), event(Verified, "staging", "1.1.1", 30)],
        "staging: current=1.1.1 verified since 30 verified=[1.1.1@30] failed=[] promoting=- held=-",
    );
    // `detail = "rollback"` alone is text: only events from before the typed field are read that
    // way (see `old_rollback_events_read_as_rollbacks`).
    check(
        &[with_detail(event(Verified, "staging", "1.0.0", 10), "rollback")],
        "staging: current=1.0.0 verified since 10 verified=[1.0.0@10] failed=[] promoting=- held=-",
    );
    // An interrupted run, resolved by the next command.
    check(
        &[event(Started, "staging", "1.0.0", 10), event(Abandoned, "staging", "1.0.0", 20)],
        "staging: current=- verified=[] failed=[] promoting=- held=-",
    );
    // Reviews and the deploy record change nothing about what runs.
    check(
        &[
            event(Verified, "prod", "1.0.0", 10),
            event(Approved, "prod", "1.1.0", 11),
            event(Rejected, "prod", "1.1.0", 12),
            event(Deployed, "prod", "1.1.0", 13),
        ],
        "prod: current=1.0.0 verified since 10 verified=[1.0.0@10] failed=[] promoting=- held=-",
    );
    // `cut` and `voided` belong to no environment: skipped, not an environment named "".
    check(
        &[
            event(Cut, "", "1.0.0", 1),
            with_detail(event(Voided, "", "", 2), "0123 a typo"),
            event(Verified, "staging", "1.0.0", 3),
        ],
        "staging: current=1.0.0 verified since 3 verified=[1.0.0@3] failed=[] promoting=- held=-",
    );
    // Environments fold independently.
    check(
        &[event(Verified, "staging", "1.0.0", 1), event(Started, "prod", "1.0.0", 2)],
        "prod: current=- verified=[] failed=[] promoting=1.0.0 held=-\nstaging: current=1.0.0 verified since 1 verified=[1.0.0@1] failed=[] promoting=- held=-",
    );
}

/// Events exactly as the code before the `schema` and `rollback` fields wrote them
/// (`serde_json::to_vec_pretty`): a rollback's "deployed" and "verified" said so in `detail`.
const OLD_LEDGER: [&str; 5] = [
    r#"{
  "kind": "verified",
  "environment": "staging",
  "version": "3.0.0",
  "commit": "1111111111111111111111111111111111111111",
  "actor": "alice",
  "at": 1735689600,
  "run": "ci:41:1735689500"
}"#,
    r#"{
  "kind": "held",
  "environment": "staging",
  "version": "3.0.1",
  "commit": "2222222222222222222222222222222222222222",
  "actor": "alice",
  "at": 1735689700,
  "run": "ci:42:1735689650",
  "detail": "3.0.1 failed: verification failed"
}"#,
    r#"{
  "kind": "deployed",
  "environment": "staging",
  "version": "3.0.0",
  "commit": "1111111111111111111111111111111111111111",
  "actor": "alice",
  "at": 1735689800,
  "run": "ci:43:1735689750",
  "detail": "rollback"
}"#,
    r#"{
  "kind": "verified",
  "environment": "staging",
  "version": "3.0.0",
  "commit": "1111111111111111111111111111111111111111",
  "actor": "alice",
  "at": 1735689800,
  "run": "ci:43:1735689750",
  "detail": "rollback"
}"#,
    r#"{
  "kind": "rolled_back",
  "environment": "staging",
  "version": "3.0.0",
  "commit": "1111111111111111111111111111111111111111",
  "actor": "alice",
  "at": 1735689800,
  "run": "ci:43:1735689750",
  "detail": "by hand",
  "from_version": "3.0.1"
}"#,
];

const FOLDED_OLD_LEDGER: &str = "staging: current=3.0.0 rolled back since 1735689800 verified=[3.0.0@1735689600 3.0.0@1735689800] failed=[] promoting=- held=3.0.1 failed: verification failed";

#[test]
fn old_rollback_events_read_as_rollbacks() {
    let events: Vec<Event> =
        OLD_LEDGER.iter().map(|json| serde_json::from_str::<Event>(json).unwrap().upgrade()).collect();
    assert!(events.iter().all(|event| event.schema == 0), "no `schema`: written before it existed");
    assert_eq!(events.iter().filter(|event| event.rollback).count(), 2, "its deployed and verified");
    assert_eq!(render(&fold(&events)), FOLDED_OLD_LEDGER);
}

/// The reader of a real ledger ref upgrades what it reads: an old rollback still does not lift
/// the hold, and new events written on top of old ones read with them.
#[test]
fn a_ledger_written_by_the_previous_version_reads_the_same() {
    let directory = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(directory.path()).unwrap();
    builder.write("README.md", "x\n").commit("chore: start").unwrap();
    let repo = release_git::Repo::open(directory.path()).unwrap();
    let reference = "refs/heads/release-ledger";
    let mut tip = None;
    for json in OLD_LEDGER {
        tip = Some(repo.commit_file(tip, "event.json", json.as_bytes(), "old event").unwrap());
    }
    assert!(repo.update_ref(reference, tip.unwrap(), None).unwrap());

    let mut ledger = crate::Ledger::load(&repo, reference, "origin", 1_735_700_000).unwrap();
    assert_eq!(render(&fold(&ledger.events)), FOLDED_OLD_LEDGER);

    let mut approved = event(EventKind::Approved, "staging", "3.0.1", 1_735_689_900);
    approved.commit = "2222222222222222222222222222222222222222".parse().unwrap();
    assert!(ledger.append(&[approved]).unwrap());
    let reread = crate::Ledger::load(&repo, reference, "origin", 1_735_700_000).unwrap();
    assert_eq!(reread.events.len(), 6);
    assert_eq!(reread.events[5].schema, SCHEMA, "new events say their schema");
    assert_eq!(render(&fold(&reread.events)), FOLDED_OLD_LEDGER);
}

/// Commit ids are typed when read: an entry whose `commit` is no full id still stops the
/// commands with the reason it always gave, and voiding it (by its own full id) sets it aside.
#[test]
fn an_entry_whose_commit_is_no_commit_id_is_named_and_can_be_voided() {
    let directory = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(directory.path()).unwrap();
    builder.write("README.md", "x\n").commit("chore: start").unwrap();
    let repo = release_git::Repo::open(directory.path()).unwrap();
    let reference = "refs/heads/release-ledger";
    let bad = OLD_LEDGER[0].replace("1111111111111111111111111111111111111111", "1111");
    let tip = repo.commit_file(None, "event.json", bad.as_bytes(), "bad event").unwrap();
    assert!(repo.update_ref(reference, tip, None).unwrap());

    let error = crate::Ledger::load(&repo, reference, "origin", 1_735_700_000).err().unwrap().to_string();
    assert!(error.contains(&format!("entry {tip} of `{reference}`: its commit `1111` is not a commit id")), "{error}");

    let config = release_config::Config::parse(std::path::Path::new("release.toml"), "").unwrap();
    let void = |entry: &str| crate::void(&repo, &config, entry, "a typo", "ci", 1_735_700_000);
    let error = void(&tip.to_string()[..12]).unwrap_err().to_string();
    assert!(error.contains("is not an entry's full commit id"), "{error}");
    void(&tip.to_string()).unwrap();
    let events = crate::Ledger::load(&repo, reference, "origin", 1_735_700_000).unwrap().events;
    assert_eq!(events.iter().map(|event| event.kind).collect::<Vec<_>>(), [EventKind::Voided]);
    assert_eq!(events[0].commit, tip);
}

#[test]
fn new_events_carry_their_schema_and_a_typed_rollback() {
    let mut verified = rollback(event(EventKind::Verified, "staging", "1.0.0", 1));
    verified.detail = Some("rollback".into());
    let json = serde_json::to_value(&verified).unwrap();
    assert_eq!(json["schema"], SCHEMA);
    assert_eq!(json["rollback"], true);
    // `rollback` is left out when false, so other events keep their shape.
    let json = serde_json::to_value(event(EventKind::Started, "staging", "1.0.0", 1)).unwrap();
    assert!(json.get("rollback").is_none(), "{json}");
    // A new event whose detail happens to read "rollback" is not one.
    let text = with_detail(event(EventKind::Verified, "staging", "1.0.0", 1), "rollback");
    let read: Event = serde_json::from_value(serde_json::to_value(&text).unwrap()).unwrap();
    assert!(!read.upgrade().rollback);
}

fn freeze(from: i64, until: i64) -> Freeze {
    Freeze { from, until, until_text: format!("t{until}"), reason: None }
}

#[test]
fn freeze_table() {
    #[track_caller]
    fn check(windows: &[Freeze], now: u64, expected: &str) {
        let waiting = gates::frozen(windows, now).map_or("open".to_string(), |waiting| waiting.to_string());
        assert_eq!(waiting, expected);
    }
    let window = [freeze(100, 200)];
    check(&[], 150, "open");
    check(&window, 99, "open");
    check(&window, 100, "frozen until t200");
    check(&window, 199, "frozen until t200");
    check(&window, 200, "open");
    check(&[freeze(100, 200), freeze(300, 400)], 350, "frozen until t400");
    check(&[freeze(100, 200), freeze(150, 250)], 160, "frozen until t200");
}

#[test]
fn upstream_and_soak_table() {
    #[track_caller]
    fn check(environment: &Environment, events: &[Event], now: u64, expected: &str) {
        let waiting = gates::upstream(&fold(events), environment, &"1.0.0".parse().unwrap(), now, 0)
            .map_or("ready".to_string(), |waiting| waiting.to_string());
        assert_eq!(waiting, expected);
    }
    let verified = [event(EventKind::Verified, "staging", "1.0.0", 1000)];
    let prod = environment("prod", Some("staging"), 3600);
    check(&environment("staging", None, 3600), &[], 0, "ready");
    check(&prod, &[], 5000, "not verified in staging");
    check(&prod, &[event(EventKind::Verified, "staging", "1.1.0", 1000)], 5000, "not verified in staging");
    check(&prod, &[event(EventKind::Verified, "qa", "1.0.0", 1000)], 5000, "not verified in staging");
    check(&prod, &verified, 1000, "soak in staging 0s/1h");
    check(&prod, &verified, 4599, "soak in staging 59m59s/1h");
    check(&prod, &verified, 4600, "ready");
    check(&environment("prod", Some("staging"), 0), &verified, 1000, "ready");
    // A clock behind the upstream's record counts no soak, never a negative one.
    check(&prod, &verified, 10, "soak in staging 0s/1h");
    // The latest verification counts (a release verified again after a rollback).
    check(
        &prod,
        &[verified[0].clone(), event(EventKind::Verified, "staging", "1.0.0", 4000)],
        4600,
        "soak in staging 10m/1h",
    );
}

/// Soak counts from the end of the upstream's monitoring window, and a release whose window (or
/// verification) failed upstream since is no longer verified there.
#[test]
fn soak_counts_from_the_end_of_the_upstream_monitoring_window() {
    #[track_caller]
    fn check(environment: &Environment, events: &[Event], now: u64, window: u64, expected: &str) {
        let waiting = gates::upstream(&fold(events), environment, &"1.0.0".parse().unwrap(), now, window)
            .map_or("ready".to_string(), |waiting| waiting.to_string());
        assert_eq!(waiting, expected);
    }
    let verified = [event(EventKind::Verified, "staging", "1.0.0", 1000)];
    let prod = environment("prod", Some("staging"), 3600);
    check(&prod, &verified, 2800, 1800, "soak in staging 30m/1h30m");
    check(&prod, &verified, 6400, 1800, "ready");
    check(&environment("prod", Some("staging"), 0), &verified, 2000, 1800, "soak in staging 16m40s/30m");
    let failed = [verified[0].clone(), event(EventKind::Failed, "staging", "1.0.0", 1500)];
    check(&prod, &failed, 9000, 1800, "not verified in staging");
    let again = [failed[0].clone(), failed[1].clone(), event(EventKind::Verified, "staging", "1.0.0", 2000)];
    check(&prod, &again, 9000, 1800, "ready");
}

fn approval(required: u32, approvers: &[&str]) -> Approval {
    Approval {
        required,
        approvers: approvers.iter().map(|name| name.to_string()).collect(),
        allow_self: false,
        expires: Some(Duration::from_secs(100)),
        source: ApprovalSource::Release,
        github_environment: None,
    }
}

fn review(kind: EventKind, actor: &str, at: u64) -> Event {
    let mut event = event(kind, "prod", "1.0.0", at);
    event.actor = actor.to_string();
    event
}

#[test]
fn approvals_table() {
    #[track_caller]
    fn check(policy: Approval, events: &[Event], expected: &str) {
        let mut prod = environment("prod", None, 0);
        prod.approval = Some(policy);
        let waiting = gates::approval(events, &prod, &release("1.0.0"), 1000, false)
            .map_or("ready".to_string(), |waiting| waiting.to_string());
        assert_eq!(waiting, expected, "{events:#?}");
    }
    use EventKind::{Approved, Rejected};
    let two = || approval(2, &["alice", "bob", "carol"]);

    check(two(), &[], "approvals 0/2");
    check(two(), &[review(Approved, "alice", 990)], "approvals 1/2");
    check(two(), &[review(Approved, "alice", 990), review(Approved, "carol", 995)], "ready");
    // One approver twice is one approval.
    check(two(), &[review(Approved, "alice", 990), review(Approved, "alice", 995)], "approvals 1/2");
    // Expired: older than `expires` (100s); exactly 100s old still counts.
    check(two(), &[review(Approved, "alice", 899), review(Approved, "carol", 995)], "approvals 1/2");
    check(two(), &[review(Approved, "alice", 900), review(Approved, "carol", 995)], "ready");
    // Not an approver.
    check(two(), &[review(Approved, "mallory", 990), review(Approved, "carol", 995)], "approvals 1/2");
    // bob cut it: his approval does not count, unless `allow-self`.
    check(two(), &[review(Approved, "bob", 990), review(Approved, "carol", 995)], "approvals 1/2");
    check(
        Approval { allow_self: true, ..two() },
        &[review(Approved, "bob", 990), review(Approved, "carol", 995)],
        "ready",
    );
    // Bound to the version and commit, and to the environment.
    let mut other_commit = review(Approved, "alice", 990);
    other_commit.commit = commit_of("9.9.9");
    check(two(), &[other_commit, review(Approved, "carol", 995)], "approvals 1/2");
    let mut other_version = review(Approved, "alice", 990);
    other_version.version = "1.0.1".into();
    check(two(), &[other_version, review(Approved, "carol", 995)], "approvals 1/2");
    let mut staging = review(Approved, "alice", 990);
    staging.environment = "staging".into();
    check(two(), &[staging, review(Approved, "carol", 995)], "approvals 1/2");
    // One rejection wins over any number of approvals, before or after it.
    check(
        two(),
        &[review(Approved, "alice", 990), review(Rejected, "carol", 991), review(Approved, "bob", 992)],
        "rejected by carol",
    );
    // No expiry configured: an old approval counts.
    check(Approval { expires: None, ..approval(1, &["alice"]) }, &[review(Approved, "alice", 1)], "ready");
    // From a GitHub Environment with no list, GitHub decides who may review.
    let github = Approval {
        source: ApprovalSource::GithubEnvironment,
        github_environment: Some("production".into()),
        ..approval(1, &[])
    };
    check(github.clone(), &[review(Approved, "mallory", 990)], "ready");
    check(Approval { approvers: vec!["carol".into()], ..github }, &[review(Approved, "mallory", 990)], "approvals 0/1");
    // No policy, no gate.
    let open = environment("prod", None, 0);
    assert_eq!(gates::approval(&[], &open, &release("1.0.0"), 1000, false), None);
}

#[test]
fn candidate_table() {
    #[track_caller]
    fn check(environment: &Environment, events: &[Event], expected: Option<&str>) {
        let releases = [release("1.0.0"), release("1.1.0"), release("1.2.0")];
        let cut: Vec<&Release> = releases.iter().collect();
        let found = gates::candidate(&cut, events, environment).map(|release| release.version.to_string());
        let found = found.as_deref();
        assert_eq!(found, expected, "{events:#?}");
    }
    use EventKind::{Failed, Verified};
    let staging = environment("staging", None, 0);
    let prod = environment("prod", Some("staging"), 3600);

    check(&staging, &[], Some("1.2.0"));
    check(&staging, &[event(Failed, "staging", "1.2.0", 1)], Some("1.1.0"));
    check(&staging, &[event(Failed, "prod", "1.2.0", 1)], Some("1.2.0"));
    check(&prod, &[], None);
    check(&prod, &[event(Verified, "staging", "1.0.0", 1), event(Verified, "staging", "1.1.0", 2)], Some("1.1.0"));
    // Soak is a gate, not a choice: the newest verified upstream is the candidate at once.
    check(&prod, &[event(Verified, "staging", "1.2.0", 1)], Some("1.2.0"));
    check(
        &prod,
        &[
            event(Verified, "staging", "1.0.0", 1),
            event(Verified, "staging", "1.1.0", 2),
            event(Failed, "prod", "1.1.0", 3),
        ],
        Some("1.0.0"),
    );
    check(&prod, &[event(Verified, "qa", "1.2.0", 1)], None);
}

#[test]
fn each_waiting_becomes_its_gates_error_and_exit_code() {
    #[track_caller]
    fn check(waiting: Waiting, code: u8, message: &str) {
        let error = waiting.into_error("prod", "1.0.0");
        assert_eq!(error.exit_code(), code, "{error}");
        assert!(error.to_string().starts_with(message), "{error}");
    }
    check(Waiting::Frozen { until: "2025-12-27".into(), reason: None }, 10, "`prod` is frozen until 2025-12-27");
    check(Waiting::NotVerifiedUpstream { upstream: "staging".into() }, 11, "1.0.0 is not verified in `staging` yet");
    check(
        Waiting::Soaking { upstream: "staging".into(), elapsed: 60, soak: 3600 },
        11,
        "1.0.0 has been verified in `staging` for 1m; `prod` wants 1h of soak (hint: try again in 59m)",
    );
    check(
        Waiting::Approvals { have: 1, need: 2, hint: "ask".into() },
        12,
        "1.0.0 waits for approval to enter `prod`: 1/2 (hint: ask)",
    );
    check(
        Waiting::Rejected { by: "carol".into(), reason: "no".into() },
        17,
        "1.0.0 was rejected for `prod` by carol: no",
    );
    check(Waiting::Held { reason: "1.0.0 failed".into() }, 18, "automatic promotion to `prod` is held: 1.0.0 failed");
}

/// No hooks: the ledger alone.
struct NoHooks;
impl crate::Hooks for NoHooks {}

fn fixed_now() -> u64 {
    1_735_700_000
}

/// A Context on a real repository with a fake clock, `true` as the deploy command and a
/// verifier closure that fails 1.1.0: a failed verification is recorded, rolled back to the
/// last verified release, and holds automatic promotion.
#[test]
fn a_failed_verification_is_recorded_rolled_back_and_held() {
    let directory = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(directory.path()).unwrap();
    let toml = "[environments.staging]\ndeploy = [\"true\"]\nurl = \"http://127.0.0.1:9\"\nverify = { http = \"{url}/health\" }\non-verify-failure = \"rollback\"\n";
    builder.write("release.toml", toml).commit("chore: start").unwrap();
    builder.checkout().unwrap();
    let repo = release_git::Repo::open(directory.path()).unwrap();
    let config = release_config::Config::load(repo.root()).unwrap();
    let verifier = |_: &release_config::promotion::Verify, target: &crate::CheckTarget<'_>| {
        let version = target.version;
        (version != "1.1.0", if version == "1.1.0" { "1.1.0 answered 500".to_string() } else { "ok".to_string() })
    };
    let context = crate::Context {
        repo: &repo,
        config: &config,
        releases: vec![release("1.0.0"), release("1.1.0")],
        actor: "ci".into(),
        now: fixed_now,
        verifier: &verifier,
        hooks: &NoHooks,
        quiet_commands: true,
    };

    let promoted = crate::promote(&context, "staging", Some("1.0.0"), &crate::Bypass::default()).unwrap();
    assert_eq!((promoted.action, promoted.version.as_str()), (crate::Action::Promoted, "1.0.0"));
    let error = crate::promote(&context, "staging", Some("1.1.0"), &crate::Bypass::default()).unwrap_err();
    assert_eq!(error.exit_code(), 16);
    assert_eq!(
        error.to_string(),
        "1.1.0 failed verification in `staging`: 1.1.0 answered 500; rolled back to 1.0.0, and automatic promotion is held"
    );

    let events = crate::history(&context, "staging").unwrap();
    let kinds: Vec<String> = events
        .iter()
        .map(|event| {
            format!("{} {}{}", event.kind.name(), event.version, if event.rollback { " (rollback)" } else { "" })
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started 1.0.0",
            "deployed 1.0.0",
            "verified 1.0.0",
            "started 1.1.0",
            "failed 1.1.0",
            "deployed 1.0.0 (rollback)",
            "verified 1.0.0 (rollback)",
            "rolled_back 1.0.0",
            "held 1.1.0",
        ]
    );
    let row = &crate::status(&context).unwrap()[0];
    assert_eq!(
        (row.version.as_ref().map(ToString::to_string).as_deref(), row.state.as_str()),
        (Some("1.0.0"), "rolled back, held")
    );
    // Automatic promotion is held (exit 18) until a release is promoted by name.
    let held = crate::promote(&context, "staging", None, &crate::Bypass::default()).unwrap_err();
    assert_eq!(held.exit_code(), 18, "{held}");
}

/// Which ledger events a `[[notify]]` target can choose, and what each says; a rollback's start
/// is no promotion, and notification records announce nothing themselves.
#[test]
fn ledger_events_make_these_notices() {
    use crate::notify::Notice;
    let said = |event: Event| {
        Notice::of_event(&event, Some("v1.2.0")).map(|(kind, notice)| format!("{}: {}", kind.name(), notice.text))
    };
    let mut rolled_back = with_detail(event(EventKind::RolledBack, "prod", "1.1.0", 5), "by hand");
    rolled_back.from_version = Some("1.2.0".into());
    let mut started_back = event(EventKind::Started, "prod", "1.1.0", 4);
    started_back.rollback = true;
    let cases = [
        (event(EventKind::Started, "prod", "1.2.0", 1), Some("promoted: 1.2.0 is being deployed to prod by ci")),
        (event(EventKind::Verified, "prod", "1.2.0", 2), Some("verified: 1.2.0 is deployed and verified in prod")),
        (rollback(event(EventKind::Verified, "prod", "1.1.0", 5)), None),
        (started_back, None),
        (
            with_detail(event(EventKind::Monitored, "prod", "1.2.0", 3), "30m window passed, 0 failed checks"),
            Some("monitored: 1.2.0 passed its monitoring window in prod (30m window passed, 0 failed checks)"),
        ),
        (
            with_detail(event(EventKind::Failed, "prod", "1.2.0", 4), "status 500 (expected 200)"),
            Some("verification-failed: 1.2.0 failed in prod: status 500 (expected 200)"),
        ),
        (rolled_back, Some("rolled-back: prod rolled back from 1.2.0 to 1.1.0 (by hand)")),
        (
            with_detail(event(EventKind::Held, "prod", "1.2.0", 6), "1.2.0 failed: status 500"),
            Some("held: automatic promotion to prod is held: 1.2.0 failed: status 500"),
        ),
        (event(EventKind::CheckFailed, "prod", "1.2.0", 3), None),
        (event(EventKind::Approved, "prod", "1.2.0", 1), None),
        (event(EventKind::Notified, "prod", "1.2.0", 7), None),
        (event(EventKind::NotifyFailed, "prod", "1.2.0", 7), None),
    ];
    for (event, expected) in cases {
        let kind = event.kind;
        assert_eq!(said(event).as_deref(), expected, "for {kind:?}");
    }
}
