//! The walk, reachability and tree comparison on real repositories built in temp dirs.

mod cache;

use std::collections::BTreeSet;

use release_git::{CommitId, GitError, Repo};
use release_test_support::RepoBuilder;

type Commit = (CommitId, Vec<bool>, Vec<String>, String);

/// Walks without the commit cache, then with git asked ahead of the walk (`prepare_walk`),
/// then with the cache empty (and git asked ahead), then with it filled by that walk: all must
/// agree, so every walk test here is also a test of the cache and of asking ahead.
fn walk(repo: &Repo, head: CommitId, bases: &[Option<CommitId>]) -> Vec<Commit> {
    let with_cache = |enabled: bool, ahead: bool| {
        let mut repo = Repo::open(repo.root()).unwrap();
        repo.set_cache(enabled);
        if ahead {
            repo.prepare_walk(head);
        }
        walk_once(&repo, head, bases)
    };
    repo.clear_cache().unwrap();
    let without = with_cache(false, false);
    assert_eq!(with_cache(false, true), without, "the walk asked ahead of");
    assert!(!repo.cache_path().unwrap().exists(), "a walk without the cache wrote one");
    assert_eq!(with_cache(true, true), without, "the walk that fills the cache");
    assert_eq!(with_cache(true, false), without, "the walk that reads the cache");
    without
}

/// git is asked about the newest 256 commits before the walk knows its range: a short range
/// stops git once its commits are answered, a long one asks about the rest itself, and a range
/// that ends on a side branch is right either way.
#[test]
fn asking_ahead_of_the_walk_gives_the_same_commits_for_short_and_long_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    let mut ids = Vec::new();
    for index in 0..300 {
        builder.write(&format!("f{}", index % 7), index.to_string());
        ids.push(builder.commit(&format!("c{index}")).unwrap());
    }
    let repo = Repo::open(dir.path()).unwrap();
    let head = ids[299];
    for bases in [vec![Some(ids[296])], vec![Some(ids[10])], vec![None], vec![Some(ids[298]), Some(ids[20])]] {
        let commits = walk(&repo, head, &bases);
        let oldest =
            bases.iter().map(|base| base.map_or(0, |base| ids.iter().position(|id| *id == base).unwrap() + 1)).min();
        assert_eq!(commits.len(), 300 - oldest.unwrap(), "{bases:?}");
        assert_eq!(commits.last().unwrap().0, ids[oldest.unwrap()]);
    }
}

/// One walk, and its cache write finished (the walk writes the cache on a thread of its own).
fn walk_once(repo: &Repo, head: CommitId, bases: &[Option<CommitId>]) -> Vec<Commit> {
    let walked = repo.walk(head, bases, |commit| (commit.paths, commit.message.trim_end().to_string()));
    repo.finish_cache_writes();
    walked
        .unwrap()
        .into_iter()
        .map(|walked| {
            let ranges = (0..bases.len()).map(|range| walked.in_range(range)).collect();
            (walked.id, ranges, walked.data.0, walked.data.1)
        })
        .collect()
}

#[test]
fn changed_paths_compare_trees_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    builder.write("a/b/c.txt", "1").write("a/d.txt", "1").write("top.txt", "1").write("x", "file");
    builder.commit("first").unwrap();
    builder.write("a/b/c.txt", "2").delete("a/d.txt").write("a/b/new/e.txt", "1").delete("x").write("x/inside", "dir");
    let head = builder.commit("second").unwrap();
    builder.checkout().unwrap();

    let repo = Repo::open(dir.path()).unwrap();
    let commits = walk(&repo, head, &[None]);
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[0].3, "second");
    let paths: BTreeSet<&str> = commits[0].2.iter().map(String::as_str).collect();
    assert_eq!(paths, BTreeSet::from(["a/b/c.txt", "a/b/new/e.txt", "a/d.txt", "x", "x/inside"]));
    let root: BTreeSet<&str> = commits[1].2.iter().map(String::as_str).collect();
    assert_eq!(root, BTreeSet::from(["a/b/c.txt", "a/d.txt", "top.txt", "x"]));
}

#[test]
fn one_walk_gives_each_commit_with_the_ranges_it_belongs_to() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    let mut ids = Vec::new();
    for index in 0..6 {
        builder.write("f", index.to_string());
        ids.push(builder.commit(&format!("c{index}")).unwrap());
    }
    let repo = Repo::open(dir.path()).unwrap();
    // Range 0: c3..c5; range 1: c1..c5; range 2: all history.
    let commits = walk(&repo, ids[5], &[Some(ids[3]), Some(ids[1]), None]);
    let shown: Vec<(String, Vec<bool>)> =
        commits.into_iter().map(|(_, ranges, _, message)| (message, ranges)).collect();
    assert_eq!(
        shown,
        vec![
            ("c5".into(), vec![true, true, true]),
            ("c4".into(), vec![true, true, true]),
            ("c3".into(), vec![false, true, true]),
            ("c2".into(), vec![false, true, true]),
            ("c1".into(), vec![false, false, true]),
            ("c0".into(), vec![false, false, true]),
        ]
    );
    // With every range based, the walk stops at the oldest base.
    let commits = walk(&repo, ids[5], &[Some(ids[3]), Some(ids[4])]);
    let messages: Vec<&str> = commits.iter().map(|commit| commit.3.as_str()).collect();
    assert_eq!(messages, ["c5", "c4"]);
    // A base at the head: an empty range.
    assert!(walk(&repo, ids[5], &[Some(ids[5])]).is_empty());
}

#[test]
fn merged_branches_are_walked_and_merges_compare_with_the_first_parent() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    builder.write("base", "0");
    let base = builder.commit("base").unwrap();
    builder.switch("feature").write("feature.txt", "1");
    builder.commit("feat: on a branch").unwrap();
    builder.switch("main").write("main.txt", "1");
    builder.commit("fix: on main").unwrap();
    let merge = builder.merge("feature", "Merge branch 'feature'").unwrap();

    let repo = Repo::open(dir.path()).unwrap();
    let commits = walk(&repo, merge, &[Some(base)]);
    let messages: BTreeSet<&str> = commits.iter().map(|commit| commit.3.as_str()).collect();
    assert_eq!(messages, BTreeSet::from(["Merge branch 'feature'", "feat: on a branch", "fix: on main"]));
    let merge_paths = &commits.iter().find(|commit| commit.0 == merge).unwrap().2;
    assert_eq!(merge_paths, &["feature.txt"]);
}

#[test]
fn a_base_on_an_unmerged_branch_excludes_only_shared_history() {
    // Marks must flow through every path: the base's ancestors are excluded, the rest is not.
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    builder.write("f", "0");
    let root = builder.commit("root").unwrap();
    builder.switch("side").write("s", "1");
    let side = builder.commit("side").unwrap();
    builder.switch("main").write("m", "1");
    let main = builder.commit("main").unwrap();
    let repo = Repo::open(dir.path()).unwrap();
    let commits = walk(&repo, main, &[Some(side)]);
    let messages: Vec<&str> = commits.iter().map(|commit| commit.3.as_str()).collect();
    assert_eq!(messages, ["main"]);
    let mut reach = repo.reachability(main).unwrap();
    assert!(reach.reaches(root).unwrap());
    assert!(reach.reaches(main).unwrap());
    assert!(!reach.reaches(side).unwrap());
}

#[test]
fn messages_that_are_not_utf8_are_read_lossily() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    builder.write("f", "0");
    builder.commit("first").unwrap();
    let repository = builder.repository();
    let parent = repository.head().unwrap().peel_to_commit().unwrap();
    let tree = parent.tree().unwrap();
    // git2's commit() takes &str: write the raw object to put a Latin-1 byte (0xe9) in the message.
    let mut raw = format!(
        "tree {}\nparent {}\nauthor a <a@example.com> 1735700000 +0000\ncommitter a <a@example.com> 1735700000 +0000\nencoding ISO-8859-1\n\nfix: caf",
        tree.id(),
        parent.id()
    )
    .into_bytes();
    raw.extend_from_slice(b"\xe9\n");
    let id = repository.odb().unwrap().write(git2::ObjectType::Commit, &raw).unwrap();
    let repo = Repo::open(dir.path()).unwrap();
    let commits = walk(&repo, CommitId::from_bytes(id.as_bytes()).unwrap(), &[None]);
    assert_eq!(commits[0].3, "fix: caf\u{fffd}");
}

/// The paths come from `git diff-tree -z --raw`, split on NUL: a name with a newline, a tab,
/// quotes, a leading colon, one that looks like a commit id, or bytes that are not UTF-8 (read
/// lossily, as messages are) must come back whole, for a root commit and for its child.
#[test]
fn paths_with_unusual_bytes_come_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    builder.write("f", "0");
    builder.commit("first").unwrap();
    let repository = builder.repository();
    let names: [&[u8]; 8] = [
        b"new\nline",
        b"tab\there",
        b"\"quoted\" name",
        b":colon",
        b"0123456789012345678901234567890123456789",
        b"caf\xe9",
        b"back\\slash",
        b"f",
    ];
    let blob = repository.blob(b"x").unwrap();
    let other = repository.blob(b"y").unwrap();
    let mut tree = repository.treebuilder(None).unwrap();
    for name in names {
        tree.insert(name, blob, 0o100644).unwrap();
    }
    let root_tree = tree.write().unwrap();
    let mut tree = repository.treebuilder(Some(&repository.find_tree(root_tree).unwrap())).unwrap();
    tree.insert(&b"caf\xe9"[..], other, 0o100644).unwrap();
    tree.insert(&b"new\nline"[..], other, 0o100755).unwrap();
    let child_tree = tree.write().unwrap();
    let signature = git2::Signature::new("a", "a@example.com", &git2::Time::new(1_735_700_000, 0)).unwrap();
    let commit = |tree: git2::Oid, parents: &[&git2::Commit<'_>], message: &str| {
        let tree = repository.find_tree(tree).unwrap();
        repository.commit(None, &signature, &signature, message, &tree, parents).unwrap()
    };
    let root = commit(root_tree, &[], "root");
    let child = commit(child_tree, &[&repository.find_commit(root).unwrap()], "child");

    let child = CommitId::from_bytes(child.as_bytes()).unwrap();
    let repo = Repo::open(dir.path()).unwrap();
    let commits = walk(&repo, child, &[None]);
    let lossy = |name: &[u8]| String::from_utf8_lossy(name).into_owned();
    assert_eq!(commits[0].2, [lossy(b"caf\xe9"), lossy(b"new\nline")]);
    let mut all: Vec<String> = names.iter().map(|name| lossy(name)).collect();
    all.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut root_paths = commits[1].2.clone();
    root_paths.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(root_paths, all);
    assert_eq!(repo.changed_paths(child).unwrap(), commits[0].2);
}

/// git is run with the caller's `GIT_*` variables removed and `GIT_DIR` set to the repository
/// git2 opened: a `GIT_DIR` or `GIT_INDEX_FILE` left in the environment (a hook, a script
/// inside another repository) cannot make it read another repository's trees.
#[test]
fn git_reads_the_opened_repository_whatever_the_environment_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(&dir.path().join("one")).unwrap();
    builder.write("one.txt", "1");
    let head = builder.commit("feat: one").unwrap();
    builder.checkout().unwrap();
    let mut other = RepoBuilder::init(&dir.path().join("other")).unwrap();
    other.write("other.txt", "1");
    other.commit("feat: other").unwrap();

    let repo = Repo::open(&dir.path().join("one")).unwrap();
    repo.clear_cache().unwrap();
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "walk_in_a_hostile_environment", "--nocapture"])
        .env("RELEASE_TEST_WALK", dir.path().join("one"))
        .env("RELEASE_TEST_HEAD", head.to_string())
        .env("GIT_DIR", dir.path().join("other/.git"))
        .env("GIT_WORK_TREE", dir.path().join("other"))
        .env("GIT_INDEX_FILE", dir.path().join("other/.git/index"))
        .env("GIT_OBJECT_DIRECTORY", dir.path().join("other/.git/objects"));
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("paths: [\"one.txt\"]"), "{stdout}");

    // A linked worktree's git directory is `.git/worktrees/<name>`: git finds the objects
    // through it, as git2 does.
    let worktree = dir.path().join("linked");
    let added = std::process::Command::new("git")
        .current_dir(dir.path().join("one"))
        .args(["worktree", "add", "--quiet", "--detach"])
        .arg(&worktree)
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let mut linked = Repo::open(&worktree).unwrap();
    linked.set_cache(false);
    assert_eq!(walk_once(&linked, head, &[None])[0].2, ["one.txt"]);
}

/// The child half of the test above: it walks with the environment the parent set.
#[test]
fn walk_in_a_hostile_environment() {
    let (Some(root), Some(head)) = (std::env::var_os("RELEASE_TEST_WALK"), std::env::var_os("RELEASE_TEST_HEAD"))
    else {
        return;
    };
    let mut repo = Repo::open(std::path::Path::new(&root)).unwrap();
    repo.set_cache(false);
    let head = CommitId::parse(&head.to_string_lossy()).unwrap();
    let commits = walk_once(&repo, head, &[None]);
    println!("paths: {:?}", commits[0].2);
}

#[test]
fn bad_states_are_named() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(Repo::open(dir.path()), Err(GitError::NotARepository { .. })));
    RepoBuilder::init(dir.path()).unwrap();
    let repo = Repo::open(dir.path()).unwrap();
    assert!(matches!(repo.check_history(), Err(GitError::Empty { .. })));
    let error = repo.resolve("no-such-branch").err().unwrap();
    assert_eq!(
        error.to_string(),
        "revision `no-such-branch` does not resolve to a commit (hint: use a branch, a tag or a commit id, e.g. `--head main`)"
    );
}

#[test]
fn shallow_clones_are_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    let mut builder = RepoBuilder::init(&source).unwrap();
    for index in 0..3 {
        builder.write("f", index.to_string());
        builder.commit(&format!("c{index}")).unwrap();
    }
    builder.checkout().unwrap();
    let clone = dir.path().join("clone");
    let status = std::process::Command::new("git")
        .args(["clone", "--quiet", "--depth", "1"])
        .arg(format!("file://{}", source.display()))
        .arg(&clone)
        .env("LC_ALL", "C")
        .status()
        .unwrap();
    assert!(status.success());
    let repo = Repo::open(&clone).unwrap();
    let error = repo.check_history().unwrap_err().to_string();
    assert!(error.starts_with("shallow clone: the history of"), "{error}");
    assert!(error.contains("git fetch --unshallow"), "{error}");
}

/// A tag name from release.toml, a trailer or a package name reaches `git tag` and `git push`:
/// anything git would read as an option or a full ref is not a tag name.
#[test]
fn tag_names_that_git_would_misread_are_refused() {
    for good in ["v1.2.3", "@scope/ui@1.0.0", "api-v0.1.0-rc.1", "name/v1+build.5"] {
        assert!(release_git::is_valid_tag_name(good), "{good}");
    }
    for bad in [
        "",
        "-v0.1.1",
        "--force",
        "refs/heads/main",
        "my pkg-v1.0.0",
        "a..b",
        "v1~1",
        "v1^",
        "a:b",
        "a?",
        "a*",
        "a[b",
        "a\\b",
        "v1.lock",
        "v1/",
        "/v1",
        "a@{1}",
        "a\u{1b}[2K",
        ".hidden",
        "tab\tname",
    ] {
        assert!(!release_git::is_valid_tag_name(bad), "{bad:?} was accepted");
    }
}

/// `release cut --allow-dirty` committed whatever the user had staged besides the release files.
#[test]
fn a_release_commit_holds_exactly_the_files_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    builder.write("package.json", "{\"version\": \"1.0.0\"}\n").write("notes.txt", "mine\n");
    builder.commit("chore: initial").unwrap();
    builder.checkout().unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git").current_dir(dir.path()).args(args).status().unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["config", "user.name", "Release"]);
    git(&["config", "user.email", "release@example.com"]);
    std::fs::write(dir.path().join("notes.txt"), "staged by the user\n").unwrap();
    git(&["add", "notes.txt"]);
    std::fs::write(dir.path().join("package.json"), "{\"version\": \"1.1.0\"}\n").unwrap();
    std::fs::write(dir.path().join("*"), "a file named star\n").unwrap();

    let repo = Repo::open(dir.path()).unwrap();
    let commit = repo.commit_paths(&["package.json".into(), "*".into()], "chore(release): 1.1.0").unwrap();

    let output = std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["show", "--name-only", "--format=", &commit.to_string()])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "*\npackage.json\n");
    let status =
        std::process::Command::new("git").current_dir(dir.path()).args(["status", "--porcelain"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "M  notes.txt\n", "the user's staged change stays staged");
}
