//! A release.toml that would fail later (after a deploy, in a panic, inside git) is refused when
//! it loads: exit 1, the file, the line, the key and a hint, and nothing run.

use std::process::Output;

use crate::release_cut::{commit, release_with, setup};
use crate::{release, repo, transcript};

const PACKAGE: (&str, &str) = ("apps/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}\n");

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `release <args>` in a repository whose release.toml is `config`.
fn run_with(config: &str, args: &[&str]) -> (tempfile::TempDir, Output) {
    let (dir, _builder) = repo(&[PACKAGE, ("release.toml", config)]);
    let output = release(dir.path(), args);
    (dir, output)
}

/// A bad verify URL used to be found by the first check, after the deploy had run: the
/// environment was then held (exit 16) on a release nobody could verify. Now the promotion stops
/// when the config loads, before the deploy command runs.
#[test]
fn promote_with_a_bad_verify_url_exits_1_before_deploying() {
    let setup = setup("seeds-monorepo");
    let work = &setup.work;
    let cut = release_with(work, &["cut", "--no-forge", "--no-push"], &[]);
    assert_eq!(code(&cut), 0, "{}", stderr(&cut));

    let marker = setup.work.parent().unwrap().join("deployed");
    let mut text = fs_err::read_to_string(work.join("release.toml")).unwrap();
    text.push_str(&format!(
        "\n[environments.staging]\ndeploy = [\"touch\", \"{}\"]\nverify = {{ http = \"not a url\" }}\n",
        marker.display()
    ));
    fs_err::write(work.join("release.toml"), &text).unwrap();
    commit(work, "ci: deploy staging");
    let line = text.lines().position(|line| line.starts_with("verify = ")).unwrap() + 1;

    let output = release_with(work, &["promote", "staging"], &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let expected = format!(
        "release.toml:{line}:19: `environments.staging.verify.http`: `not a url` contains ' ' (hint: write an http:// or https:// URL"
    );
    assert!(stderr(&output).contains(&expected), "expected: {expected}\n     got: {}", stderr(&output));
    assert!(!marker.exists(), "the deploy command ran");

    // Fixed, the same release deploys (and the marker shows the deploy ran this time).
    fs_err::write(work.join("release.toml"), text.replace("not a url", "http://127.0.0.1:9/health")).unwrap();
    commit(work, "ci: fix the health check");
    let output = release_with(work, &["promote", "staging"], &[]);
    assert!(marker.exists(), "the deploy command did not run: {}", stderr(&output));
}

/// `rollback = []` was accepted, and every rollback panicked indexing the empty argv (exit 101).
#[test]
fn rollback_with_an_empty_rollback_command_exits_1_at_load() {
    let (dir, output) =
        run_with("[environments.prod]\ndeploy = [\"./deploy.sh\"]\nrollback = []\n", &["rollback", "prod"]);
    insta::assert_snapshot!(transcript(dir.path(), &output), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: [REPO]/release.toml:3:12: `environments.prod.rollback`: the rollback command is empty (hint: write it as a list, rollback = ["./scripts/rollback.sh", "staging"], or remove the key to roll back with `deploy`)
    "#);
}

#[test]
fn hostile_cut_settings_and_tag_templates_exit_1_at_load() {
    let cases: [(&str, &[&str]); 4] = [
        // A detached head then indexed the empty list: "releases are cut from , not from main".
        ("[cut]\nbranches = []\n", &["cut", "--no-push", "--no-forge"]),
        // Reached `git push` as an option.
        ("[cut]\nremote = \"--receive-pack=touch pwned\"\n", &["cut", "--no-forge"]),
        // Tags like -v1.0.1 reached `git tag` as options.
        ("[[package]]\nname = \"api\"\ntag = \"-v{version}\"\n", &["plan"]),
        ("[promotion]\nledger = \"-d\"\n", &["status"]),
    ];
    let mut transcripts = Vec::new();
    for (config, args) in cases {
        let (dir, output) = run_with(config, args);
        assert_eq!(code(&output), 1, "{config}: {}", stderr(&output));
        assert!(!dir.path().join("pwned").exists());
        transcripts.push(format!("$ release {}\n{}", args.join(" "), transcript(dir.path(), &output)));
    }
    insta::assert_snapshot!(transcripts.join("\n"));
}

/// Both exited 2, "unexpected", with no word about the file.
#[test]
fn a_release_toml_that_is_a_directory_or_not_utf8_exits_1_naming_it() {
    let (dir, _builder) = repo(&[PACKAGE]);
    fs_err::create_dir(dir.path().join("release.toml")).unwrap();
    let directory = release(dir.path(), &["plan"]);
    assert_eq!(code(&directory), 1, "{}", stderr(&directory));

    let (dir2, _builder) = repo(&[PACKAGE]);
    fs_err::write(dir2.path().join("release.toml"), b"[cut]\nremote = \"origin\" # \xff\n").unwrap();
    let not_utf8 = release(dir2.path(), &["plan"]);
    assert_eq!(code(&not_utf8), 1, "{}", stderr(&not_utf8));

    insta::assert_snapshot!(format!("{}\n{}", transcript(dir.path(), &directory), transcript(dir2.path(), &not_utf8)));
}
