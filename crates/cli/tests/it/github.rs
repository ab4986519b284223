//! `release cut` and `release plan --comment` against the fake GitHub (validated against GitHub's
//! REST API description in both directions) and a real bare remote.

use release_test_support::github::FakeGitHub;

use crate::release_cut::{commit, git, release_with, setup, state};

fn github_env(fake: &FakeGitHub) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_API_URL", fake.base_url()),
        ("GITHUB_TOKEN", "t0k3n".to_string()),
        ("GITHUB_REPOSITORY", "acme/shop".to_string()),
        ("RELEASE_FORGE_BACKOFF_MS", "10".to_string()),
    ]
}

fn run(dir: &std::path::Path, args: &[&str], fake: &FakeGitHub, extra: &[(&str, &str)]) -> std::process::Output {
    let env = github_env(fake);
    let mut all: Vec<(&str, &str)> = env.iter().map(|(key, value)| (*key, value.as_str())).collect();
    all.extend_from_slice(extra);
    release_with(dir, args, &all)
}

/// The forge's state in comparable form.
fn releases(fake: &FakeGitHub) -> Vec<String> {
    let mut out: Vec<String> = fake
        .releases()
        .iter()
        .map(|release| {
            format!(
                "{} prerelease={} latest={} name={:?}\n{}",
                release.tag_name,
                release.prerelease,
                release.latest,
                release.name,
                release.body.as_deref().unwrap_or("")
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_cut_creates_one_release_per_tag_and_only_the_repository_one_is_latest() {
    let setup = setup("seeds-monorepo");
    let fake = FakeGitHub::start("acme", "shop");
    fake.require_token("t0k3n");
    let output = run(&setup.work, &["cut"], &fake, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!(releases(&fake).join("\n---\n"));

    // A second run does nothing at all on GitHub but read.
    let before = fake.requests().len();
    let again = run(&setup.work, &["cut"], &fake, &[]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("releases  already done"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert!(fake.requests()[before..].iter().all(|request| request.method == "GET"));
}

#[test]
fn pre_releases_are_marked_and_never_latest() {
    let setup = setup("single-package");
    let fake = FakeGitHub::start("acme", "shop");
    let output = run(&setup.work, &["cut", "--pre", "rc"], &fake, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!(releases(&fake).join("\n---\n"));
}

#[test]
fn a_crash_after_a_release_or_a_forge_failure_is_finished_by_a_rerun() {
    let reference = setup("seeds-monorepo");
    let reference_fake = FakeGitHub::start("acme", "shop");
    assert!(run(&reference.work, &["cut"], &reference_fake, &[]).status.success());
    let expected = (state(&reference), releases(&reference_fake));

    // The process dies right after creating the first GitHub release.
    let crashed = setup("seeds-monorepo");
    let fake = FakeGitHub::start("acme", "shop");
    let output = run(&crashed.work, &["cut"], &fake, &[("RELEASE_FAULT", "release")]);
    assert!(!output.status.success());
    assert_eq!(fake.releases().len(), 1);
    assert!(run(&crashed.work, &["cut"], &fake, &[]).status.success());
    assert_eq!((state(&crashed), releases(&fake)), expected);

    // GitHub fails on a request in the middle (after retries are exhausted): the run stops with
    // an error; the rerun completes without duplicating anything.
    let failed = setup("seeds-monorepo");
    let fake = FakeGitHub::start("acme", "shop");
    // Request 4 creates a release; a create is not resent blindly but looked up (requests 5 to
    // 8, each retried as a read), and the lookup gives up too.
    for nth in 4..=8 {
        fake.fail_request(nth, 500);
    }
    let output = run(&failed.work, &["cut"], &fake, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("GitHub: "),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(run(&failed.work, &["cut"], &fake, &[]).status.success());
    assert_eq!((state(&failed), releases(&fake)), expected);
}

#[test]
fn a_502_is_retried_and_a_401_names_the_variable() {
    let setup = setup("single-package");
    let fake = FakeGitHub::start("acme", "shop");
    fake.fail_next(1, 502);
    let output = run(&setup.work, &["cut", "--no-push"], &fake, &[]);
    assert!(output.status.success());
    // --no-push: the tags are not on the remote, so no release was made.
    assert!(fake.releases().is_empty());
    let output = run(&setup.work, &["cut"], &fake, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(fake.releases().len(), 1, "the 502 was retried");

    let other = crate::release_cut::setup("seeds-monorepo");
    let strict = FakeGitHub::start("acme", "shop");
    strict.require_token("the-right-one");
    let output = run(&other.work, &["cut"], &strict, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("GitHub rejected the token from `GITHUB_TOKEN` (401: Bad credentials)"), "{stderr}");
    assert!(!stderr.contains("t0k3n"));
}

#[test]
fn the_plan_comment_is_created_then_updated_never_duplicated() {
    let setup = setup("seeds-monorepo");
    let fake = FakeGitHub::start("acme", "shop");
    let base = git(&setup.work, &["rev-parse", "HEAD~3"]).trim().to_string();
    let event = setup.work.join(".git/event.json");
    fs_err::write(
        &event,
        serde_json::json!({ "number": 14, "pull_request": { "number": 14, "base": { "sha": base, "ref": "main" } } })
            .to_string(),
    )
    .unwrap();
    let event_path = event.display().to_string();
    let output = run(&setup.work, &["plan", "--comment"], &fake, &[("GITHUB_EVENT_PATH", &event_path)]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("created the plan comment on #14: "));
    let comments = fake.comments(14);
    assert_eq!(comments.len(), 1);
    insta::assert_snapshot!(comments[0].body);

    // Same plan: nothing changes. A new commit that releases something else: updated in place.
    let output = run(&setup.work, &["plan", "--comment"], &fake, &[("GITHUB_EVENT_PATH", &event_path)]);
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("unchanged the plan comment"));
    fs_err::write(
        setup.work.join("packages/macro-ai-api-client/src/index.ts"),
        "export const client = { retry: true }\n",
    )
    .unwrap();
    commit(&setup.work, "fix(client): retry @alice's <b>requests</b>");
    let output = run(&setup.work, &["plan", "--comment", "--pr", "14"], &fake, &[("GITHUB_EVENT_PATH", &event_path)]);
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("updated the plan comment"));
    let comments = fake.comments(14);
    assert_eq!(comments.len(), 1, "one sticky comment");
    let body = &comments[0].body;
    assert!(body.contains("`macro-ai-api-client` | 1.0.0 | **1.0.1**"), "{body}");
    assert!(body.contains("retry @\u{2060}alice's &lt;b&gt;requests&lt;/b&gt;"), "commit text is escaped: {body}");
}

#[test]
fn a_huge_changelog_preview_is_cut_to_fit_but_the_table_stays() {
    let setup = setup("single-package");
    let fake = FakeGitHub::start("acme", "shop");
    let long = "x".repeat(900);
    for index in 0..120 {
        fs_err::write(setup.work.join(format!("src/f{index}.rs")), "// f\n").unwrap();
        commit(&setup.work, &format!("feat: change {index} {long}"));
    }
    let output = run(&setup.work, &["plan", "--comment", "--pr", "3", "--base", "HEAD~120"], &fake, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let body = &fake.comments(3)[0].body;
    assert!(body.len() <= 65_536, "{}", body.len());
    assert!(body.contains("| `tool` | 1.1.0 | **1.2.0** | minor |"));
    assert!(body.contains("Changelog preview (truncated)"));
}

#[test]
fn assets_are_uploaded_once_and_replaced_when_they_change() {
    let setup = setup("single-package");
    fs_err::write(setup.work.join("release.toml"), "[[package]]\nname = \"tool\"\nassets = [\"dist/*.tar.gz\"]\n")
        .unwrap();
    fs_err::create_dir_all(setup.work.join("dist")).unwrap();
    fs_err::write(setup.work.join(".gitignore"), "dist/\n").unwrap();
    commit(&setup.work, "build: attach the archive");
    git(&setup.work, &["push", "--quiet", "origin", "main"]);
    fs_err::write(setup.work.join("dist/tool-linux.tar.gz"), "archive v1").unwrap();
    let fake = FakeGitHub::start("acme", "shop");
    assert!(run(&setup.work, &["cut"], &fake, &[]).status.success());
    let assets = |fake: &FakeGitHub| -> Vec<(String, Vec<u8>)> {
        fake.releases()[0].assets.iter().map(|asset| (asset.name.clone(), asset.bytes.clone())).collect()
    };
    assert_eq!(assets(&fake), [("tool-linux.tar.gz".to_string(), b"archive v1".to_vec())]);

    let uploads =
        |fake: &FakeGitHub| fake.requests().iter().filter(|request| request.path.starts_with("/uploads")).count();
    assert!(run(&setup.work, &["cut"], &fake, &[]).status.success());
    assert_eq!(uploads(&fake), 1, "the same file is not uploaded twice");

    fs_err::write(setup.work.join("dist/tool-linux.tar.gz"), "archive v1, rebuilt").unwrap();
    assert!(run(&setup.work, &["cut"], &fake, &[]).status.success());
    assert_eq!(uploads(&fake), 2);
    assert_eq!(assets(&fake), [("tool-linux.tar.gz".to_string(), b"archive v1, rebuilt".to_vec())]);
}

#[test]
fn a_pull_request_that_releases_nothing_says_so() {
    let setup = setup("seeds-monorepo");
    let fake = FakeGitHub::start("acme", "shop");
    let output = run(&setup.work, &["plan", "--comment", "--pr", "9", "--base", "HEAD"], &fake, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let body = &fake.comments(9)[0].body;
    assert!(body.contains("This pull request releases nothing."), "{body}");
    assert!(body.contains("would release 3 package(s)"), "{body}");
}
