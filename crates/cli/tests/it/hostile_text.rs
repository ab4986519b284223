//! Text from the repository is input, not code: templates that never end, template paths that
//! are wrong, changelogs that are not files, commit messages with terminal escape sequences,
//! and release notes written by hand before the cut.

use std::process::Output;

use crate::release_cut::{commit, git, release_with, setup};
use crate::{release, repo, transcript};

const API: (&str, &str) = ("apps/api/package.json", "{\n  \"name\": \"api\",\n  \"version\": \"1.0.0\"\n}\n");

/// Two nested loops of 100,000: ten billion iterations, so, without a bound, a hang.
const LOOPING: &str = "{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}\n";

/// What a commit message can do to a terminal: erase the line and move up, retitle the window,
/// a one-byte CSI, and a right-to-left override that displays `exe.txt` as `txt.exe`.
const HOSTILE: &str = "feat(api): safe\u{1b}[2K\u{1b}[1A\u{1b}]0;pwned\u{7} \u{9b}31m \u{202e}exe.txt\u{2066}x\u{2069}";

/// A repository with `files` and then a commit `message` that touches the `api` package.
fn repo_with_commit(files: &[(&str, &str)], message: &str) -> tempfile::TempDir {
    let (dir, mut builder) = repo(files);
    builder.write("apps/api/index.js", "1").commit(message).unwrap();
    builder.checkout().unwrap();
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn no_controls(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let found: Vec<char> = text.chars().filter(|character| release_changelog::is_control(*character)).collect();
    assert!(found.is_empty(), "{what} holds control characters {found:?}:\n{text}");
}

/// Regression: a template from the repository with nested `range(100000)` loops hung
/// `release plan --format markdown` (the changelog preview in the PR comment, and the comment
/// template itself) and `release cut`. Every rendering now runs on bounded fuel.
#[test]
fn a_template_that_loops_forever_runs_out_of_fuel_and_exits_1() {
    for key in ["changelog", "release-notes", "plan-comment"] {
        let config = format!("[templates]\n{key} = \"release/loop.md.j2\"\n");
        let dir = repo_with_commit(&[API, ("release.toml", &config), ("release/loop.md.j2", LOOPING)], "fix(api): x");
        let commands: &[&[&str]] = match key {
            "changelog" => &[&["plan", "--format", "markdown"], &["cut", "--no-commit"]],
            "release-notes" => &[&["cut", "--no-commit"]],
            _ => &[&["plan", "--format", "markdown"]],
        };
        for args in commands {
            let output = release(dir.path(), args);
            let error = stderr(&output);
            if key == "release-notes" {
                // The notes are rendered by the full cut only (tags and forge releases); the
                // files of `--no-commit` do not need them, so this cut succeeds.
                assert_eq!(output.status.code(), Some(0), "{key} {args:?}: {error}");
                git(dir.path(), &["checkout", "--quiet", "--", "."]);
                continue;
            }
            assert_eq!(output.status.code(), Some(1), "{key} {args:?}: {error}");
            assert!(
                error.starts_with(
                    "error: the template `release/loop.md.j2` ran out of fuel: it ran more than 10000000 instructions"
                ),
                "{key} {args:?}: {error}"
            );
            assert!(error.contains("(hint: look for nested loops"), "{error}");
            assert_eq!(git(dir.path(), &["status", "--porcelain"]), "", "nothing is written");
        }
    }
}

#[test]
fn template_errors_name_the_configured_file_and_a_missing_one_exits_1() {
    // A syntax error names the file release.toml names, not the built-in template.
    let config = "[templates]\nchangelog = \"release/changelog.md.j2\"\nplan-comment = \"release/comment.md.j2\"\n";
    let dir = repo_with_commit(
        &[
            API,
            ("release.toml", config),
            ("release/changelog.md.j2", "## {{ version }\n"),
            ("release/comment.md.j2", "{{ nope }}\n"),
        ],
        "fix(api): x",
    );
    let output = release(dir.path(), &["cut", "--dry-run"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: template `release/changelog.md.j2` line 1: syntax error"),
        "{}",
        stderr(&output)
    );
    fs_err::write(dir.path().join("release/changelog.md.j2"), "## {{ version }}\n").unwrap();
    let output = release(dir.path(), &["plan", "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: template `release/comment.md.j2` line 1: undefined value"),
        "{}",
        stderr(&output)
    );

    // Missing, or a directory: exit 1, naming the key and the path.
    let missing = repo_with_commit(
        &[API, ("release.toml", "[templates]\nrelease-notes = \"release/notes.md.j2\"\n")],
        "fix(api): x",
    );
    let not_a_file = repo_with_commit(
        &[API, ("release.toml", "[templates]\nplan-comment = \"release\"\n"), ("release/keep", "")],
        "fix(api): x",
    );
    let changelog_directory = repo_with_commit(&[API, ("apps/api/CHANGELOG.md/keep", "")], "fix(api): x");
    insta::assert_snapshot!(
        [
            transcript(missing.path(), &release(missing.path(), &["cut", "--dry-run"])),
            transcript(not_a_file.path(), &release(not_a_file.path(), &["plan", "--format", "markdown"])),
            transcript(changelog_directory.path(), &release(changelog_directory.path(), &["cut", "--dry-run"])),
        ]
        .join("\n")
    );
}

/// Regression: escape sequences and bidi overrides in commit messages reached CHANGELOG.md, the
/// plan comment and the terminal raw.
#[test]
fn terminal_controls_in_commit_messages_never_reach_files_or_the_terminal() {
    let dir = repo_with_commit(&[API], HOSTILE);
    let text = release(dir.path(), &["plan"]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    no_controls("the plan table", &text.stdout);
    assert!(String::from_utf8_lossy(&text.stdout).contains("safe\\u{1b}[2K\\u{1b}[1A\\u{1b}]0;pwned\\u{7}"));
    let markdown = release(dir.path(), &["plan", "--format", "markdown"]);
    assert_eq!(markdown.status.code(), Some(0), "{}", stderr(&markdown));
    no_controls("the plan comment", &markdown.stdout);
    let dry_run = release(dir.path(), &["cut", "--dry-run"]);
    no_controls("the diff", &dry_run.stdout);

    let output = release(dir.path(), &["cut", "--no-commit"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let changelog = fs_err::read(dir.path().join("apps/api/CHANGELOG.md")).unwrap();
    assert!(!changelog.contains(&0x1b), "no ESC byte in CHANGELOG.md");
    no_controls("CHANGELOG.md", &changelog);
    let changelog = String::from_utf8(changelog).unwrap();
    assert!(
        changelog.contains("- **api:** safe\\u{1b}[2K\\u{1b}[1A\\u{1b}]0;pwned\\u{7} \\u{9b}31m \\u{202e}exe.txt"),
        "{changelog}"
    );

    // Errors quote commit messages too (here: non-conventional commits are errors).
    let strict = repo_with_commit(
        &[API, ("release.toml", "[versioning]\nnon-conventional = \"error\"\n")],
        "oops\u{1b}[2K\u{202e}",
    );
    let output = release(strict.path(), &["plan"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    no_controls("the error", &output.stderr);
}

#[test]
fn ledger_details_are_printed_without_terminal_controls() {
    let setup = setup("single-package");
    let work = &setup.work;
    let path = work.join("release.toml");
    let mut config = fs_err::read_to_string(&path).unwrap_or_default();
    // The approver's name carries an escape sequence too: names come from the environment.
    config.push_str("\n[environments.staging]\ndeploy = [\"true\"]\napproval = { required = 1, approvers = [\"mallory\\u001b[1A\"] }\n");
    fs_err::write(&path, config).unwrap();
    commit(work, "ci: a staging environment");
    git(work, &["push", "--quiet", "origin", "main"]);
    let output = release_with(work, &["cut", "--no-forge"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let reason = "looks bad\u{1b}[2K\u{1b}]0;pwned\u{7}\u{202e}";
    let output =
        release_with(work, &["reject", "staging", "--reason", reason], &[("RELEASE_ACTOR", "mallory\u{1b}[1A")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = release_with(work, &["history", "staging"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    no_controls("release history", &output.stdout);
    let history = String::from_utf8(output.stdout).unwrap();
    assert!(history.contains("by mallory\\u{1b}[1A: looks bad\\u{1b}[2K\\u{1b}]0;pwned\\u{7}\\u{202e}\n"), "{history}");
    let output = release_with(work, &["status"], &[]);
    no_controls("release status", &output.stdout);
}

/// Regression: a `## 1.1.0` section written by hand before the cut was replaced by the
/// generated one, and the notes were lost.
#[test]
fn hand_written_notes_for_the_version_survive_a_cut_and_a_second_cut_changes_nothing() {
    let changelog = "# Changelog\n\n## [Unreleased]\n\n- a note for whatever comes next\n\n## 1.1.0 - Spring cleaning\n\nThe **highlights**, by hand.\n\n## 1.0.0\n\n- first\n";
    let dir = tempfile::tempdir().unwrap();
    let mut builder = release_test_support::RepoBuilder::init(dir.path()).unwrap();
    builder.write(API.0, API.1).write("apps/api/CHANGELOG.md", changelog).commit("feat(api): first").unwrap();
    // Tagged, so the second cut plans the same version (an untagged manifest at 1.1.0 would plan 1.2.0).
    builder.tag("v1.0.0").unwrap();
    builder.write("apps/api/index.js", "1").commit("feat(api): a feature").unwrap();
    builder.checkout().unwrap();
    let output = release(dir.path(), &["cut", "--no-commit"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let once = fs_err::read_to_string(dir.path().join("apps/api/CHANGELOG.md")).unwrap();
    let short = git(dir.path(), &["rev-parse", "--short=7", "HEAD"]);
    assert_eq!(
        once,
        format!(
            "# Changelog\n\n## [Unreleased]\n\n## 1.1.0 - Spring cleaning\n\nThe **highlights**, by hand.\n\n- a note for whatever comes next\n\n<!-- release: generated -->\n\n### Features\n\n- **api:** a feature ({})\n\n## 1.0.0\n\n- first\n",
            short.trim()
        )
    );
    let output = release(dir.path(), &["cut", "--no-commit", "--allow-dirty"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fs_err::read_to_string(dir.path().join("apps/api/CHANGELOG.md")).unwrap(), once, "idempotent");
}
