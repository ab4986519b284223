//! `release pr` end to end: a real bare remote, the fake GitHub (which checks every request
//! against GitHub's REST description), and `release cut` after the release pull request merged.

use std::path::Path;
use std::process::Output;

use release_test_support::github::{FakeGitHub, PullRequest};

use crate::release_cut::{Setup, commit, git, release_with, setup};

pub(crate) const TOKEN: &str = "t0k3n";

pub(crate) fn run(dir: &Path, args: &[&str], fake: &FakeGitHub) -> Output {
    let url = fake.base_url();
    let env = [
        ("GITHUB_API_URL", url.as_str()),
        ("GITHUB_TOKEN", TOKEN),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("RELEASE_FORGE_BACKOFF_MS", "10"),
    ];
    release_with(dir, args, &env)
}

pub(crate) fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub(crate) fn started(fixture: &str) -> (Setup, FakeGitHub) {
    let setup = setup(fixture);
    let fake = FakeGitHub::start("acme", "shop");
    fake.require_token(TOKEN);
    (setup, fake)
}

fn open_pulls(fake: &FakeGitHub) -> Vec<PullRequest> {
    fake.pulls().into_iter().filter(|pull| pull.state == "open").collect()
}

/// The remote's release branch tip, if any.
fn remote_branch(setup: &Setup, branch: &str) -> Option<String> {
    let out = git(&setup.remote, &["for-each-ref", "--format=%(objectname)", &format!("refs/heads/{branch}")]);
    let tip = out.trim();
    (!tip.is_empty()).then(|| tip.to_string())
}

/// A clone of the remote at `branch`, as a reviewer or a merge button would work in it.
fn clone(setup: &Setup, branch: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let remote = setup.remote.to_str().unwrap();
    git(dir.path(), &["clone", "--quiet", "--branch", branch, remote, "."]);
    dir
}

#[test]
fn release_pr_opens_one_pull_request_and_leaves_the_checkout_alone() {
    let (setup, fake) = started("single-package");
    let head = git(&setup.work, &["rev-parse", "HEAD"]);
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("created #1 "), "{out}");
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    let pull = &pulls[0];
    assert_eq!((pull.head_ref.as_str(), pull.base_ref.as_str()), ("release/next", "main"));
    assert_eq!(pull.title, "release: tool v1.2.0");
    assert_eq!(pull.labels, ["release: pending"]);
    let body = pull.body.as_deref().unwrap();
    assert!(body.starts_with("<!-- release:pr -->\n"), "{body}");
    assert!(body.contains("1.2.0"), "{body}");
    // One release commit with the trailers on the release branch, on top of main.
    let tip = remote_branch(&setup, "release/next").expect("the release branch is pushed");
    let message = git(&setup.remote, &["log", "-1", "--format=%B", &tip]);
    assert!(message.contains("Release-Tag: v1.2.0 1.2.0 tool"), "{message}");
    assert_eq!(git(&setup.remote, &["rev-parse", &format!("{tip}^")]), head);
    // The user's checkout: same HEAD, clean, no work tree left registered.
    assert_eq!(git(&setup.work, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(&setup.work, &["status", "--porcelain"]), "");
    assert_eq!(git(&setup.work, &["worktree", "list", "--porcelain"]).matches("worktree ").count(), 1);

    // Again with nothing new: nothing pushed, nothing duplicated.
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("unchanged #1 "), "{out}");
    assert_eq!(remote_branch(&setup, "release/next").unwrap(), tip);
    assert_eq!(fake.pulls().len(), 1);
}

#[test]
fn a_new_push_to_the_base_updates_the_pull_request() {
    let (setup, fake) = started("single-package");
    ok(&run(&setup.work, &["pr"], &fake));
    std::fs::write(setup.work.join("src/extra.rs"), "pub fn extra() {}\n").unwrap();
    commit(&setup.work, "feat!: an extra feature that breaks");
    git(&setup.work, &["push", "--quiet", "origin", "main"]);
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("updated #1 "), "{out}");
    let pulls = open_pulls(&fake);
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].title, "release: tool v2.0.0");
    let tip = remote_branch(&setup, "release/next").unwrap();
    let main = git(&setup.remote, &["rev-parse", "main"]);
    assert_eq!(git(&setup.remote, &["rev-parse", &format!("{tip}^")]), main);
}

#[test]
fn dry_run_shows_the_commit_and_body_and_pushes_nothing() {
    let setup = setup("single-package");
    // No token, no GitHub: a dry run needs neither.
    let out = ok(&release_with(&setup.work, &["pr", "--dry-run"], &[]));
    assert!(out.starts_with("would push `release/next` ("), "{out}");
    assert!(out.contains("title: release: tool v1.2.0\n"), "{out}");
    assert!(out.contains("--- body\n<!-- release:pr -->\n"), "{out}");
    assert_eq!(remote_branch(&setup, "release/next"), None);
}

#[test]
fn a_missing_token_is_named_before_anything_is_pushed() {
    let setup = setup("single-package");
    let output = release_with(&setup.work, &["pr"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("no GitHub token"), "{}", stderr(&output));
    assert_eq!(remote_branch(&setup, "release/next"), None);
}

#[test]
fn the_pull_request_is_closed_and_the_branch_deleted_when_nothing_is_left() {
    let (setup, fake) = started("single-package");
    ok(&run(&setup.work, &["pr"], &fake));
    // The release happens another way (a cut on main): the plan is empty.
    ok(&release_with(&setup.work, &["cut", "--no-forge"], &[]));
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("nothing to release: closed #1 "), "{out}");
    assert!(open_pulls(&fake).is_empty());
    assert_eq!(fake.comments(1).len(), 1);
    assert_eq!(remote_branch(&setup, "release/next"), None);
    // And once more: nothing at all.
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert_eq!(out, "nothing to release: no release pull request\n");
    assert_eq!(fake.comments(1).len(), 1);
}

#[test]
fn a_reviewers_edit_survives_a_regeneration_and_is_named_when_it_cannot() {
    let (setup, fake) = started("single-package");
    ok(&run(&setup.work, &["pr"], &fake));
    // A reviewer edits the changelog on the release branch.
    let reviewer = clone(&setup, "release/next");
    let changelog = reviewer.path().join("CHANGELOG.md");
    let text = std::fs::read_to_string(&changelog).unwrap();
    std::fs::write(&changelog, format!("{text}\nReviewed: ship it.\n")).unwrap();
    commit(reviewer.path(), "docs: a note in the changelog");
    git(reviewer.path(), &["push", "--quiet", "origin", "release/next"]);
    // main moves with a fix: the version stays 1.2.0, the edit is kept.
    std::fs::write(setup.work.join("src/fix.rs"), "pub fn fix() {}\n").unwrap();
    commit(&setup.work, "fix: one more fix");
    git(&setup.work, &["push", "--quiet", "origin", "main"]);
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.contains("kept edits: "), "{out}");
    let tip = remote_branch(&setup, "release/next").unwrap();
    let kept = git(&setup.remote, &["show", &format!("{tip}:CHANGELOG.md")]);
    assert!(kept.contains("Reviewed: ship it."), "{kept}");
    assert!(kept.contains("one more fix"), "{kept}");
    // A breaking change moves the version: the edit cannot be kept, and the body says so.
    std::fs::write(setup.work.join("src/feature.rs"), "pub fn feature() {}\n").unwrap();
    commit(&setup.work, "feat!: a breaking feature");
    git(&setup.work, &["push", "--quiet", "origin", "main"]);
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.contains("edits not kept: "), "{out}");
    let body = open_pulls(&fake)[0].body.clone().unwrap();
    assert!(body.contains("**Edits not kept**"), "{body}");
}

#[test]
fn a_release_branch_rewritten_by_hand_is_refused() {
    let (setup, fake) = started("single-package");
    ok(&run(&setup.work, &["pr"], &fake));
    let reviewer = clone(&setup, "release/next");
    git(reviewer.path(), &["reset", "--quiet", "--hard", "HEAD^"]);
    commit(reviewer.path(), "chore: my own release");
    git(reviewer.path(), &["push", "--quiet", "--force", "origin", "release/next"]);
    let before = remote_branch(&setup, "release/next");
    let output = run(&setup.work, &["pr"], &fake);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("was rewritten by hand"), "{}", stderr(&output));
    assert_eq!(remote_branch(&setup, "release/next"), before);
}

/// `git` with pinned dates, so the same steps make the same commits in every temporary repository.
pub(crate) fn pinned_git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("LC_ALL", "C")
        .env("GIT_AUTHOR_DATE", "2025-02-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2025-02-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Merges the release branch into main in a clone, as GitHub's button would, and pushes main.
pub(crate) fn merge(setup: &Setup, strategy: &str) -> String {
    let clone = clone(setup, "main");
    let dir = clone.path();
    let identity = ["-c", "user.name=GitHub", "-c", "user.email=noreply@github.com"];
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = identity.to_vec();
        all.extend_from_slice(args);
        pinned_git(dir, &all)
    };
    run(&["fetch", "--quiet", "origin", "release/next"]);
    match strategy {
        "merge" => {
            run(&["merge", "--quiet", "--no-ff", "-m", "Merge pull request #1 from acme/release/next", "FETCH_HEAD"]);
        }
        // The squash commit's message is the pull request's title: no trailers survive.
        "squash" => {
            run(&["merge", "--quiet", "--squash", "FETCH_HEAD"]);
            run(&["commit", "--quiet", "-m", "release: tool v1.2.0 (#1)"]);
        }
        "rebase" => {
            run(&["cherry-pick", "FETCH_HEAD"]);
        }
        other => panic!("no strategy {other}"),
    }
    run(&["push", "--quiet", "origin", "main"]);
    git(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

#[test]
fn after_a_merge_by_any_strategy_release_cut_only_tags_and_relabels() {
    for strategy in ["merge", "squash", "rebase"] {
        let (setup, fake) = started("single-package");
        ok(&run(&setup.work, &["pr"], &fake));
        let merged = merge(&setup, strategy);
        fake.merge_pull(1, &merged);
        git(&setup.work, &["pull", "--quiet", "--ff-only"]);
        // The push of the merge runs `release pr` first: it proposes nothing while the release
        // waits for its tags.
        let out = ok(&run(&setup.work, &["pr"], &fake));
        assert!(out.starts_with("a merged release awaits `release cut` (tags v1.2.0)"), "{strategy}: {out}");
        assert_eq!(fake.pulls().len(), 1, "{strategy}");
        let out = ok(&run(&setup.work, &["cut"], &fake));
        assert!(out.starts_with("released v1.2.0\n"), "{strategy}: {out}");
        // Tagged where main is, no new commit.
        assert_eq!(git(&setup.remote, &["rev-parse", "v1.2.0^{commit}"]).trim(), merged, "{strategy}");
        assert_eq!(git(&setup.remote, &["rev-parse", "main"]).trim(), merged, "{strategy}");
        assert_eq!(fake.releases().len(), 1, "{strategy}");
        let pull = &fake.pulls()[0];
        assert_eq!(pull.labels, ["release: tagged"], "{strategy}");
        let comments = fake.comments(1);
        assert_eq!(comments.len(), 1, "{strategy}");
        assert!(comments[0].body.contains("/releases/tag/v1.2.0"), "{strategy}: {}", comments[0].body);
        // Twice does nothing the second time (a rebased release commit at HEAD is a release
        // commit like a cut's own: its steps report themselves done).
        let out = ok(&run(&setup.work, &["cut"], &fake));
        assert!(out == "nothing to release\n" || !out.contains("done now"), "{strategy}: {out}");
        assert_eq!((fake.releases().len(), fake.comments(1).len()), (1, 1), "{strategy}");
        // And the next release pull request starts from the release.
        let out = ok(&run(&setup.work, &["pr"], &fake));
        assert_eq!(out, "nothing to release: no release pull request\n", "{strategy}");
    }
}

#[test]
fn git_flow_releases_develop_into_main_then_back_merges() {
    let (setup, fake) = started("single-package");
    std::fs::write(setup.work.join("release.toml"), "[pr]\nbase = \"main\"\nfrom = \"develop\"\n").unwrap();
    commit(&setup.work, "chore: git-flow");
    git(&setup.work, &["push", "--quiet", "origin", "main"]);
    git(&setup.work, &["switch", "--quiet", "-c", "develop"]);
    std::fs::write(setup.work.join("src/develop.rs"), "pub fn develop() {}\n").unwrap();
    commit(&setup.work, "feat: work on develop");
    git(&setup.work, &["push", "--quiet", "origin", "develop"]);
    git(&setup.work, &["switch", "--quiet", "main"]);

    // Before any release there is nothing to bring back.
    let out = ok(&run(&setup.work, &["pr", "--back-merge"], &fake));
    assert_eq!(out, "nothing to merge: `main` is already in `develop`\n");

    ok(&run(&setup.work, &["pr"], &fake));
    let pull = &fake.pulls()[0];
    assert_eq!((pull.head_ref.as_str(), pull.base_ref.as_str()), ("release/next", "main"));
    let tip = remote_branch(&setup, "release/next").unwrap();
    let develop = git(&setup.remote, &["rev-parse", "develop"]);
    assert_eq!(git(&setup.remote, &["rev-parse", &format!("{tip}^")]), develop, "planned from develop");

    let merged = merge(&setup, "merge");
    fake.merge_pull(1, &merged);
    git(&setup.work, &["pull", "--quiet", "--ff-only"]);
    assert!(ok(&run(&setup.work, &["cut"], &fake)).starts_with("released v1.2.0\n"));

    let out = ok(&run(&setup.work, &["pr", "--back-merge"], &fake));
    assert!(out.starts_with("created #2 "), "{out}");
    let back = &fake.pulls()[1];
    assert_eq!((back.head_ref.as_str(), back.base_ref.as_str()), ("main", "develop"));
    assert_eq!(back.title, "release: merge main back into develop");
    let out = ok(&run(&setup.work, &["pr", "--back-merge"], &fake));
    assert!(out.starts_with("unchanged #2 "), "{out}");
    assert_eq!(fake.pulls().len(), 2);
}

#[test]
fn back_merge_without_git_flow_says_how_to_set_it_up() {
    let (setup, fake) = started("single-package");
    let output = run(&setup.work, &["pr", "--back-merge"], &fake);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("needs git-flow"), "{}", stderr(&output));
}

#[test]
fn json_output_names_the_pull_request_and_the_releases() {
    let (setup, fake) = started("single-package");
    let output = run(&setup.work, &["pr", "--format", "json"], &fake);
    let report: serde_json::Value = serde_json::from_str(&ok(&output)).unwrap();
    assert_eq!(report["action"], "created");
    assert_eq!(report["number"], 1);
    assert_eq!(report["head"], "release/next");
    assert_eq!(report["releases"][0]["tag"], "v1.2.0");
}

/// A release pull request a person closed is left closed: the next run opens a new one (only
/// open pull requests are looked for), with the same branch.
#[test]
fn a_pull_request_closed_by_a_person_is_replaced_not_reopened() {
    let (setup, fake) = started("single-package");
    ok(&run(&setup.work, &["pr"], &fake));
    fake.close_pull(1);
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("created #2 "), "{out}");
    let pulls = fake.pulls();
    assert_eq!((pulls[0].state.as_str(), pulls[1].state.as_str()), ("closed", "open"));
    assert_eq!(pulls[1].head_ref, "release/next");
}

/// GitHub answers 502 after opening the pull request, then a run stops half-way (the branch
/// pushed, GitHub down): the reruns finish the job with one pull request, one branch commit.
#[test]
fn a_failure_after_the_push_or_an_ambiguous_answer_duplicates_nothing() {
    let (setup, fake) = started("single-package");
    // Request 1 lists the pull requests, request 2 opens one: it happens, and answers 502.
    fake.fail_after_handling(2, 502);
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("created #1 "), "{out}");
    assert_eq!(fake.pulls().len(), 1);
    assert_eq!(fake.pulls()[0].labels, ["release: pending"]);

    let (setup, fake) = started("single-package");
    fake.fail_next(4, 500); // the listing, tried four times
    let output = run(&setup.work, &["pr"], &fake);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let pushed = remote_branch(&setup, "release/next").expect("the branch was pushed before GitHub failed");
    assert!(fake.pulls().is_empty());
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("created #1 "), "{out}");
    assert_eq!(remote_branch(&setup, "release/next").unwrap(), pushed, "the same commit is not pushed again");
    assert_eq!(fake.pulls().len(), 1);
}

#[test]
fn dry_run_transcript() {
    let setup = setup("single-package");
    let output = release_with(&setup.work, &["pr", "--dry-run"], &[]);
    let text = crate::transcript(&setup.work, &output);
    let sha = regex_free_sha(&text);
    insta::assert_snapshot!(text.replace(&sha, "[SHA]"));
}

/// The short commit id in `would push `release/next` (abc1234)`.
fn regex_free_sha(text: &str) -> String {
    let start = text.find("` (").map(|index| index + 3).unwrap_or(0);
    text[start..start + 7].to_string()
}

/// `release cut --promote staging` on top of a merged release pull request: the merge commit
/// (the release commit's trailers on its merged parent) is the release the ledger records.
#[test]
fn a_merged_release_pull_request_is_promoted_by_release_cut_promote() {
    use crate::promote::{code, promotion_setup, run as promote_run, says};
    for strategy in ["merge", "rebase"] {
        let (setup, deployments) = promotion_setup("", "{ required = 1, approvers = [\"alice\"] }");
        let fake = FakeGitHub::start("acme", "shop");
        fake.require_token(TOKEN);
        ok(&run(&setup.work, &["pr"], &fake));
        assert_eq!(fake.pulls()[0].title, "release: v3.0.0", "{strategy}");
        let merged = merge(&setup, strategy);
        fake.merge_pull(1, &merged);
        git(&setup.work, &["pull", "--quiet", "--ff-only"]);
        // The same repository as `release pr` saw (links in changelogs follow it).
        let same = [("GITHUB_REPOSITORY", "acme/shop")];
        let args = ["cut", "--no-forge", "--promote", "staging"];
        let output = promote_run(&setup.work, &deployments, "Release Bot", &args, &same);
        assert_eq!(code(&output), 0, "{strategy}: {}", says(&output));
        assert!(says(&output).contains("staging: promoted 3.0.0"), "{strategy}: {}", says(&output));
        let tagged = git(&setup.remote, &["rev-parse", "v3.0.0^{commit}"]).trim().to_string();
        let diff = if tagged == merged { String::new() } else { git(&setup.remote, &["diff", &merged, &tagged]) };
        assert_eq!(tagged, merged, "{strategy}: {}\n{diff}", says(&output));
    }
}

/// The seeds' whole flow, as their team runs it (issue #12's definition of done): a feature's
/// pull request gets the plan comment; after the code freeze the release pull request carries
/// `develop` into `main`; it is merged; `release cut --promote staging` deploys to staging (tags
/// wait for prod: `tag-on = "prod"`); alice approves prod; prod is promoted and verified, which
/// tags and publishes; `main` is merged back into `develop`.
#[test]
fn the_seeds_flow_from_a_feature_pull_request_to_prod_and_back_into_develop() {
    use crate::promote::{code, promotion_setup, run as promote_run, says};
    let approval = "{ required = 1, approvers = [\"alice\"] }";
    let (setup, deployments) = promotion_setup("tag-on = \"prod\"", approval);
    let fake = FakeGitHub::start("acme", "shop");
    fake.require_token(TOKEN);
    let url = fake.base_url();
    let github = [
        ("GITHUB_API_URL", url.as_str()),
        ("GITHUB_TOKEN", TOKEN),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("RELEASE_FORGE_BACKOFF_MS", "10"),
    ];
    let work = &setup.work;
    let mut config = fs_err::read_to_string(work.join("release.toml")).unwrap();
    config.push_str("\n[pr]\nbase = \"main\"\nfrom = \"develop\"\n");
    fs_err::write(work.join("release.toml"), config).unwrap();
    commit(work, "chore: releases go from develop into main");
    git(work, &["push", "--quiet", "origin", "main"]);
    git(work, &["switch", "--quiet", "-c", "develop"]);
    git(work, &["push", "--quiet", "origin", "develop"]);

    // A feature's pull request into develop: the sticky plan comment says what it releases.
    git(work, &["switch", "--quiet", "-c", "feature/health"]);
    fs_err::write(work.join("apps/express-api/health.js"), "export const health = () => 'ok';\n").unwrap();
    commit(work, "feat(api): add /health");
    let head = git(work, &["rev-parse", "HEAD"]).trim().to_string();
    fake.add_pull(7, &head, "feature/health", "develop", "feat(api): add /health");
    ok(&run(work, &["plan", "--comment", "--pr", "7", "--base", "develop"], &fake));
    let comments = fake.comments(7);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.contains("express-api"), "{}", comments[0].body);
    git(work, &["switch", "--quiet", "develop"]);
    git(work, &["merge", "--quiet", "--ff-only", "feature/health"]);
    git(work, &["push", "--quiet", "origin", "develop"]);
    git(work, &["switch", "--quiet", "main"]);

    // Code freeze: the release pull request from develop into main, reviewed, merged.
    ok(&run(work, &["pr"], &fake));
    let release = fake.pulls().into_iter().find(|pull| pull.head_ref == "release/next").unwrap();
    assert_eq!((release.base_ref.as_str(), release.title.as_str()), ("main", "release: v3.0.0"));
    let merged = merge(&setup, "merge");
    fake.merge_pull(release.number, &merged);
    git(work, &["pull", "--quiet", "--ff-only"]);

    // Staging first; no tag before prod is verified.
    let output = promote_run(work, &deployments, "Release Bot", &["cut", "--promote", "staging"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).contains("staging: promoted 3.0.0"), "{}", says(&output));
    assert!(git(&setup.remote, &["tag", "--list", "v3.0.0"]).trim().is_empty(), "tags wait for prod");

    // Approval, prod, verified: tagged and published.
    let output = promote_run(work, &deployments, "alice", &["approve", "prod"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    let output = promote_run(work, &deployments, "Release Bot", &["promote", "prod"], &github);
    assert_eq!(code(&output), 0, "{}", says(&output));
    assert!(says(&output).contains("prod: promoted 3.0.0"), "{}", says(&output));
    assert_eq!(git(&setup.remote, &["rev-parse", "v3.0.0^{commit}"]).trim(), merged);
    assert!(fake.releases().iter().any(|published| published.tag_name == "v3.0.0"));

    // And main goes back into develop.
    let out = ok(&run(work, &["pr", "--back-merge"], &fake));
    assert!(out.starts_with("created #"), "{out}");
    let back = fake.pulls().into_iter().find(|pull| pull.base_ref == "develop" && pull.head_ref == "main").unwrap();
    assert_eq!(back.title, "release: merge main back into develop");
}

/// Installs `script` as the bare remote's `reference-transaction` hook: it runs inside the
/// remote's own ref update, so what it does races the run for real.
fn remote_hook(setup: &Setup, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = setup.remote.join("hooks").join("reference-transaction");
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(&path, script).unwrap();
    fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Someone's push to `main` lands the moment the release branch does, once.
const MAIN_MOVES_ONCE: &str = "#!/bin/sh
test \"$1\" = committed || exit 0
grep -q ' refs/heads/release/next$' || exit 0
test -e moved-once && exit 0
: > moved-once
exec git update-ref refs/heads/main refs/meanwhile/main
";

/// Someone pushes to `main` every time the release branch lands.
const MAIN_KEEPS_MOVING: &str = "#!/bin/sh
test \"$1\" = committed || exit 0
grep -q ' refs/heads/release/next$' || exit 0
next=$(git commit-tree -p refs/heads/main -m 'chore: another push' 'refs/heads/main^{tree}') || exit 1
exec git update-ref refs/heads/main \"$next\"
";

/// The base moved between planning and pushing: the run plans again from the new tip, and
/// never writes over the push that moved it.
#[test]
fn a_base_that_moves_during_the_run_is_planned_again_and_never_overwritten() {
    let (setup, fake) = started("single-package");
    // The push that lands meanwhile (a breaking change), kept aside on the remote until then.
    std::fs::write(setup.work.join("src/meanwhile.rs"), "pub fn meanwhile() {}\n").unwrap();
    commit(&setup.work, "feat!: pushed while release pr ran");
    let meanwhile = git(&setup.work, &["rev-parse", "HEAD"]).trim().to_string();
    git(&setup.work, &["push", "--quiet", "origin", "HEAD:refs/meanwhile/main"]);
    git(&setup.work, &["reset", "--quiet", "--hard", "HEAD^"]);
    remote_hook(&setup, MAIN_MOVES_ONCE);

    let output = run(&setup.work, &["pr"], &fake);
    let out = ok(&output);
    assert!(out.starts_with("created #1 "), "{out}");
    assert!(stderr(&output).contains("`main` moved from "), "{}", stderr(&output));
    assert_eq!(git(&setup.remote, &["rev-parse", "main"]).trim(), meanwhile, "the push that raced is kept");
    let tip = remote_branch(&setup, "release/next").unwrap();
    assert_eq!(git(&setup.remote, &["rev-parse", &format!("{tip}^")]).trim(), meanwhile, "planned from the new tip");
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].title, "release: tool v2.0.0", "the release of the new tip");
}

/// A base that moves on every attempt: a bounded number of attempts, then a clear stop (exit 1),
/// and the next quiet run finishes the job.
#[test]
fn a_base_that_keeps_moving_stops_the_run_with_exit_1() {
    let (setup, fake) = started("single-package");
    let first = git(&setup.work, &["rev-parse", "HEAD"]).trim().to_string();
    remote_hook(&setup, MAIN_KEEPS_MOVING);
    let output = run(&setup.work, &["pr"], &fake);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("`main` moved while `release pr` ran, 3 times"), "{message}");
    assert!(message.contains("nothing of theirs was overwritten"), "{message}");
    assert!(fake.pulls().is_empty(), "no pull request for a release of a tip that is gone");
    // Every push of main is there, one on the other, from the tip the run started at.
    let pushes = git(&setup.remote, &["rev-list", "--count", &format!("{first}..main")]);
    assert_eq!(pushes.trim(), "3");

    std::fs::remove_file(setup.remote.join("hooks/reference-transaction")).unwrap();
    let out = ok(&run(&setup.work, &["pr"], &fake));
    assert!(out.starts_with("created #1 "), "{out}");
    let tip = remote_branch(&setup, "release/next").unwrap();
    let main = git(&setup.remote, &["rev-parse", "main"]);
    assert_eq!(git(&setup.remote, &["rev-parse", &format!("{tip}^")]), main);
}

/// A fork's pull request, or a job without `permissions:`, gets a token GitHub lets read but
/// not write: both `release pr` and `release cut` name the repository, GitHub's answer and the
/// permissions to give (exit 1).
#[test]
fn a_token_that_cannot_write_says_which_permissions_it_needs() {
    let says_read_only = |output: &Output| {
        assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
        let message = stderr(output);
        for needed in [
            "the token from `GITHUB_TOKEN` cannot write to `acme/shop`",
            "Resource not accessible by integration",
            "contents: write",
            "pull-requests: write",
            "fork gets a read-only GITHUB_TOKEN",
            "pull_request_target",
            "GitHub App token",
        ] {
            assert!(message.contains(needed), "{needed:?} in {message}");
        }
    };
    let (setup, fake) = started("single-package");
    fake.read_only();
    says_read_only(&run(&setup.work, &["pr"], &fake));
    assert!(fake.pulls().is_empty());

    // After the merge: the cut tags and pushes (git's own credentials), then GitHub refuses the
    // release; nothing is half-made there.
    let (setup, fake) = started("single-package");
    ok(&run(&setup.work, &["pr"], &fake));
    let merged = merge(&setup, "merge");
    fake.merge_pull(1, &merged);
    git(&setup.work, &["pull", "--quiet", "--ff-only"]);
    fake.read_only();
    says_read_only(&run(&setup.work, &["cut"], &fake));
    assert!(fake.releases().is_empty());
    assert!(fake.comments(1).is_empty());
    assert_eq!(fake.pulls()[0].labels, ["release: pending"]);

    // A token that may publish releases but not touch pull requests: the release is out, the
    // relabel is refused, and the run with the permission given finishes it, once.
    fake.writable().read_only_for("issues/");
    says_read_only(&run(&setup.work, &["cut"], &fake));
    assert_eq!(fake.releases().len(), 1);
    assert!(fake.comments(1).is_empty());
    fake.writable();
    ok(&run(&setup.work, &["cut"], &fake));
    assert_eq!((fake.releases().len(), fake.comments(1).len()), (1, 1));
    assert_eq!(fake.pulls()[0].labels, ["release: tagged"]);
}

/// Regression: a cut after a merged release pull request that stopped after its tag (or its
/// push, or its release) was never finished. The rerun saw the tag, so the manifest was no
/// longer ahead of it, and said `nothing to release`: no push, no GitHub release, no relabel.
/// Its journal now says what it was finishing, and the rerun's release notes are the first
/// run's (the release's own tag is not a previous release).
#[test]
fn a_cut_after_the_merge_that_stopped_after_its_tag_is_finished_by_the_rerun() {
    for strategy in ["merge", "squash"] {
        for point in ["tag", "push", "release"] {
            let (setup, fake) = started("single-package");
            ok(&run(&setup.work, &["pr"], &fake));
            let merged = merge(&setup, strategy);
            fake.merge_pull(1, &merged);
            git(&setup.work, &["pull", "--quiet", "--ff-only"]);
            let url = fake.base_url();
            let env = [
                ("GITHUB_API_URL", url.as_str()),
                ("GITHUB_TOKEN", TOKEN),
                ("GITHUB_REPOSITORY", "acme/shop"),
                ("RELEASE_FAULT", point),
            ];
            let crashed = release_with(&setup.work, &["cut"], &env);
            assert!(!crashed.status.success(), "{strategy} {point}: the fault stops the run");
            let out = ok(&run(&setup.work, &["cut"], &fake));
            assert!(out.starts_with("released v1.2.0\n"), "{strategy} {point}: {out}");
            assert_eq!(git(&setup.remote, &["rev-parse", "v1.2.0^{commit}"]).trim(), merged, "{strategy} {point}");
            let releases = fake.releases();
            assert_eq!(releases.len(), 1, "{strategy} {point}");
            let notes = releases[0].body.clone().unwrap_or_default();
            assert!(notes.contains("config file support"), "{strategy} {point}: the first run's notes: {notes}");
            assert_eq!(fake.pulls()[0].labels, ["release: tagged"], "{strategy} {point}");
            assert_eq!(fake.comments(1).len(), 1, "{strategy} {point}");
            assert!(!setup.work.join(".git/release/cut.json").exists(), "{strategy} {point}: the journal is done with");
            assert_eq!(ok(&run(&setup.work, &["cut"], &fake)), "nothing to release\n", "{strategy} {point}");
        }
    }
}
