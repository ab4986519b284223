//! The commit cache changes nothing but speed: every fixture plans the same bytes without it,
//! while it is filled, once it is warm, and after new commits; `release cache clear` removes it.

use release_test_support::Fixture;

use crate::{release, repo, transcript};

#[test]
fn every_fixture_plans_the_same_bytes_with_and_without_the_cache() {
    for name in Fixture::names().unwrap() {
        let fixture = Fixture::load(&name).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut builder = fixture.build(dir.path()).unwrap();
        let cache = dir.path().join(".git/release/commit-cache");
        let mut cases: Vec<Vec<&str>> =
            fixture.case.iter().map(|case| case.args.iter().map(String::as_str).collect()).collect();
        cases.push(Vec::new());
        let plan = |extra: &[&str], cached: bool| {
            let mut args = vec!["plan", "--format", "json"];
            args.extend(extra);
            if !cached {
                args.push("--no-cache");
            }
            let output = release(dir.path(), &args);
            assert!(output.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
            output.stdout
        };
        for case in &cases {
            release(dir.path(), &["cache", "clear"]);
            let without = plan(case, false);
            assert!(!cache.exists(), "{name} {case:?}: --no-cache wrote a cache");
            assert_eq!(plan(case, true), without, "{name} {case:?}: filling the cache");
            assert!(cache.exists(), "{name} {case:?}: no cache written");
            assert_eq!(plan(case, true), without, "{name} {case:?}: reading the cache");
        }
        // New commits on top of a warm cache: some commits come from it, the rest from git.
        builder.switch("main").write("late/notes.txt", "late\n");
        builder.commit("fix: a late fix after the cache was filled").unwrap();
        builder.write("late/notes.txt", "later\n");
        builder.commit("feat: a later feature").unwrap();
        builder.checkout().unwrap();
        for case in &cases {
            let without = plan(case, false);
            assert_eq!(plan(case, true), without, "{name} {case:?}: after new commits");
        }
    }
}

#[test]
fn cache_clear_removes_the_cache_and_says_so() {
    let (dir, _builder) = repo(&[("package.json", "{\"name\": \"one\", \"version\": \"1.0.0\"}\n")]);
    assert!(release(dir.path(), &["plan", "--quiet"]).status.success());
    let cache = dir.path().join(".git/release/commit-cache");
    let bytes = std::fs::metadata(&cache).unwrap().len();
    let cleared = release(dir.path(), &["cache", "clear"]);
    let text = transcript(dir.path(), &cleared).replace(&format!("({bytes} bytes)"), "([SIZE] bytes)");
    insta::assert_snapshot!("cache_clear_text", text);
    assert!(!cache.exists());
    insta::assert_snapshot!(
        "cache_clear_json_nothing_to_remove",
        transcript(dir.path(), &release(dir.path(), &["cache", "clear", "--format", "json"]))
    );
    assert!(release(dir.path(), &["plan", "--quiet", "--no-cache"]).status.success());
    assert!(!cache.exists(), "--no-cache writes no cache");
}

/// `--progress` (or `RELEASE_PROGRESS` with a yes/no value) asks for progress in a log; a walk
/// this short says nothing either way, and a value that is not a yes or a no is refused naming
/// the flag.
#[test]
fn progress_is_asked_for_by_flag_or_variable_and_a_bad_value_is_refused() {
    let fixture = Fixture::load("single-package").unwrap();
    let dir = tempfile::tempdir().unwrap();
    fixture.build(dir.path()).unwrap();
    for (args, env) in [
        (&["--progress", "plan", "--format", "json"][..], &[][..]),
        (&["plan", "--format", "json"][..], &[("RELEASE_PROGRESS", "1")][..]),
        (&["plan", "--format", "json"][..], &[("RELEASE_PROGRESS", "no")][..]),
    ] {
        let output = crate::release_with(dir.path(), args, env);
        assert!(output.status.success(), "{args:?} {env:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?} {env:?}");
    }
    let output = crate::release_with(dir.path(), &["plan"], &[("RELEASE_PROGRESS", "maybe")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid value 'maybe' for '--progress'"), "{stderr}");
}
