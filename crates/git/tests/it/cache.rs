//! The commit cache survives the faults a file under `.git` meets: truncation, garbage, a file
//! from another version, two writers at once, a folder it cannot write.

use std::path::Path;

use release_git::{CommitId, Repo};
use release_test_support::RepoBuilder;

use crate::{Commit, walk_once};

/// A small history with a merge: (folder, builder, head).
fn history() -> (tempfile::TempDir, RepoBuilder, CommitId) {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = RepoBuilder::init(dir.path()).unwrap();
    builder.write("a/one", "1");
    builder.commit("feat: one").unwrap();
    builder.switch("side").write("b/two", "2");
    builder.commit("fix: two").unwrap();
    builder.switch("main").write("a/three", "3");
    builder.commit("feat: three").unwrap();
    let head = builder.merge("side", "Merge branch 'side'").unwrap();
    builder.checkout().unwrap();
    (dir, builder, head)
}

fn open(root: &Path, cache: bool) -> Repo {
    let mut repo = Repo::open(root).unwrap();
    repo.set_cache(cache);
    repo
}

/// The walk without the cache: what every walk below must give.
fn expected(root: &Path, head: CommitId) -> Vec<Commit> {
    walk_once(&open(root, false), head, &[None])
}

#[test]
fn the_cache_lives_under_the_git_directory_and_is_written_once() {
    let (dir, _, head) = history();
    let repo = open(dir.path(), true);
    let file = repo.cache_path().unwrap();
    assert_eq!(file, dir.path().join(".git/release/commit-cache"));
    walk_once(&repo, head, &[None]);
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    let bytes = std::fs::read(&file).unwrap();
    // A warm walk with nothing new leaves the file as it was.
    walk_once(&repo, head, &[None]);
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), written);
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    let status = std::process::Command::new("git").current_dir(dir.path()).args(["status", "--porcelain"]).output();
    assert_eq!(String::from_utf8_lossy(&status.unwrap().stdout), "", "the work tree stays clean");
    assert_eq!(repo.clear_cache().unwrap(), Some(bytes.len() as u64));
    assert!(!file.exists());
    assert_eq!(repo.clear_cache().unwrap(), None);
}

#[test]
fn a_damaged_or_foreign_cache_is_rebuilt_silently() {
    let (dir, _, head) = history();
    let expected = expected(dir.path(), head);
    let repo = open(dir.path(), true);
    let file = repo.cache_path().unwrap();
    assert_eq!(walk_once(&repo, head, &[None]), expected);
    let good = std::fs::read(&file).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    let mut other_version = good.clone();
    other_version[8..12].copy_from_slice(&999u32.to_le_bytes());
    let damaged: [(&str, Vec<u8>); 5] = [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("one byte flipped", flipped),
        ("garbage", b"not a cache at all\n".repeat(100)),
        ("empty", Vec::new()),
        ("another version", other_version),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&file, bytes).unwrap();
        assert_eq!(walk_once(&open(dir.path(), true), head, &[None]), expected, "{what}");
        assert_eq!(std::fs::read(&file).unwrap(), good, "{what}: rebuilt as it was");
    }
}

#[test]
fn two_writers_at_once_leave_one_whole_cache() {
    let (dir, _, head) = history();
    let expected = expected(dir.path(), head);
    let reference = {
        let repo = open(dir.path(), true);
        walk_once(&repo, head, &[None]);
        let bytes = std::fs::read(repo.cache_path().unwrap()).unwrap();
        repo.clear_cache().unwrap();
        bytes
    };
    for _ in 0..5 {
        open(dir.path(), true).clear_cache().unwrap();
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            let writers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let repo = open(dir.path(), true);
                        barrier.wait();
                        walk_once(&repo, head, &[None])
                    })
                })
                .collect();
            for writer in writers {
                assert_eq!(writer.join().unwrap(), expected);
            }
        });
        assert_eq!(std::fs::read(dir.path().join(".git/release/commit-cache")).unwrap(), reference);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join(".git/release"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .filter(|name| name != "commit-cache")
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
}

#[test]
fn a_git_directory_that_cannot_take_the_cache_means_no_cache_and_no_error() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, _, head) = history();
    let expected = expected(dir.path(), head);
    let git_dir = dir.path().join(".git");
    // Read-only `.git` (which root ignores, so also the two cases below that bind root too).
    std::fs::set_permissions(&git_dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let read_only = walk_once(&open(dir.path(), true), head, &[None]);
    std::fs::set_permissions(&git_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(read_only, expected, "read-only .git");
    open(dir.path(), true).clear_cache().unwrap();
    // `.git/release` is a file: the cache's folder cannot be made.
    let _ = std::fs::remove_dir_all(git_dir.join("release"));
    std::fs::write(git_dir.join("release"), "in the way\n").unwrap();
    assert_eq!(walk_once(&open(dir.path(), true), head, &[None]), expected, "no folder");
    std::fs::remove_file(git_dir.join("release")).unwrap();
    // The cache's path is a folder: it cannot be read or replaced.
    std::fs::create_dir_all(git_dir.join("release/commit-cache/inside")).unwrap();
    assert_eq!(walk_once(&open(dir.path(), true), head, &[None]), expected, "a folder in its place");
    assert!(git_dir.join("release/commit-cache/inside").is_dir());
}

#[test]
fn new_commits_are_added_to_a_warm_cache() {
    let (dir, mut builder, head) = history();
    let repo = open(dir.path(), true);
    walk_once(&repo, head, &[None]);
    let before = std::fs::read(repo.cache_path().unwrap()).unwrap();
    builder.write("a/four", "4");
    let newer = builder.commit("feat: four").unwrap();
    let warm = walk_once(&open(dir.path(), true), newer, &[Some(head), None]);
    assert_eq!(warm, walk_once(&open(dir.path(), false), newer, &[Some(head), None]));
    let after = std::fs::read(repo.cache_path().unwrap()).unwrap();
    assert!(after.len() > before.len(), "the new commit was added");
    // After the 32-byte header, the old entries come first, as they were.
    assert_eq!(after[32..before.len()], before[32..], "the old entries kept, in order");
}

/// What the caller keeps of each commit (the parsed message, for a plan) is handed back by the
/// next walk from the cache, and never by a walk that read the commit from the repository.
#[test]
fn kept_bytes_come_back_from_the_cache_only() {
    let (dir, _, head) = history();
    let walk = |repo: &Repo| {
        let walked = repo.walk_keeping(
            head,
            &[None],
            |commit| (commit.message.trim_end().to_string(), commit.kept.map(<[u8]>::to_vec)),
            |(message, _)| message.bytes().rev().collect(),
        );
        repo.finish_cache_writes();
        walked.unwrap().into_iter().map(|walked| walked.data).collect::<Vec<_>>()
    };
    let first = walk(&open(dir.path(), true));
    assert_eq!(first.len(), 4);
    assert!(first.iter().all(|(_, kept)| kept.is_none()), "{first:?}");
    for repo in [open(dir.path(), true), open(dir.path(), true)] {
        for (message, kept) in walk(&repo) {
            assert_eq!(kept, Some(message.bytes().rev().collect::<Vec<u8>>()), "{message}");
        }
    }
    assert!(walk(&open(dir.path(), false)).iter().all(|(_, kept)| kept.is_none()));
}

/// A second plan in one run (a pull request comment plans the head, then the base) reads what
/// the first walk added from the cache, even while that walk's write is still under way: it
/// neither asks git again nor writes the file again.
#[test]
fn a_second_walk_of_a_run_reads_what_the_first_one_is_writing() {
    let (dir, mut builder, head) = history();
    builder.write("a/four", "4");
    let newer = builder.commit("feat: four").unwrap();
    let repo = open(dir.path(), true);
    repo.walk(newer, &[None], |commit| commit.paths).unwrap();
    // No `finish_cache_writes` here: the next walk's preparation must wait for the write.
    repo.prepare_walk(head);
    let base = repo.walk(head, &[None], |commit| commit.paths).unwrap();
    let after_the_walks = std::time::SystemTime::now();
    repo.finish_cache_writes();
    assert_eq!(base.len(), 4);
    // The file's time is the first walk's write, done before the second walk began; a second
    // write (the second walk reading everything from git again) would come after.
    let written = std::fs::metadata(repo.cache_path().unwrap()).unwrap().modified().unwrap();
    assert!(written <= after_the_walks, "the second walk wrote the cache again");
}

/// A few new commits on a cached history are written as a tail beside the main file, which is
/// not rewritten; the next run reads them from the tail and writes nothing.
#[test]
fn a_few_new_commits_are_written_beside_the_main_file_and_read_back() {
    let (dir, mut builder, _) = history();
    let mut head = None;
    for n in 0..40 {
        builder.write(&format!("a/file-{n}"), "x");
        head = Some(builder.commit(&format!("feat: file {n}")).unwrap());
    }
    let head = head.unwrap();
    walk_once(&open(dir.path(), true), head, &[None]);
    let folder = dir.path().join(".git/release");
    let main = std::fs::read(folder.join("commit-cache")).unwrap();
    builder.write("a/new", "new");
    let newer = builder.commit("fix: new").unwrap();
    let expected = expected(dir.path(), newer);
    assert_eq!(walk_once(&open(dir.path(), true), newer, &[None]), expected);
    assert_eq!(std::fs::read(folder.join("commit-cache")).unwrap(), main, "the main file is not rewritten");
    let listing = || {
        let mut names: Vec<(String, std::time::SystemTime)> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap())
            .map(|entry| {
                (entry.file_name().to_string_lossy().into_owned(), entry.metadata().unwrap().modified().unwrap())
            })
            .collect();
        names.sort();
        names
    };
    let after_one = listing();
    assert_eq!(after_one.len(), 2, "the main file and one tail: {after_one:?}");
    assert!(after_one[1].0.starts_with("commit-cache.") && after_one[1].0.ends_with(".tail"), "{after_one:?}");
    assert_eq!(walk_once(&open(dir.path(), true), newer, &[None]), expected);
    assert_eq!(listing(), after_one, "a warm run writes nothing");
}
