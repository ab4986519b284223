//! Asking git ahead of the walk.
//!
//! A cold plan's walk can start only once the previous releases are known, which needs the
//! packages (discovery) and the tags: on a short range, that is as long as git's own work, and
//! the two used to run one after the other. So when a plan starts, `git diff-tree` is started
//! and asked at once about the newest commits from the head, in date order, the order the
//! walk's marking pass meets them in: by the time the walk runs, git has answered for most of a
//! short range. When the walk starts it takes the process over ([`Prestarted::take_over`]),
//! skips the commits already asked about, and once it has every answer it needs it stops git
//! (the rest were asked for nothing).
//!
//! At most [`AHEAD`] commits are asked ahead, about what git answers while a plan of a
//! 300-package monorepo discovers its packages and matches its tags. A range that reaches past
//! them has the rest asked for by the walk; in a range shorter than that, git compared the
//! commits beyond it on the other core for nothing. Only a cold walk asks ahead: with the commit
//! cache filled, the walk asks git about the few new commits only.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use git2::{Oid, Repository};

use crate::GitError;
use crate::cache::{IdMap, Key};
use crate::paths::{Answers, PathReader, Request};
use crate::walk::{Pending, Record};

/// Commits asked about ahead of the walk, at most.
const AHEAD: usize = 256;
/// Requests are sent to git in batches of this many (one flush each).
const BATCH: usize = 16;

/// A `git diff-tree` started ahead of a walk: idle, or being asked about the newest commits.
pub(crate) struct Prestarted {
    answers: Answers,
    feeder: Feeder,
}

enum Feeder {
    Idle(PathReader),
    Asking { stop: Arc<AtomicBool>, thread: JoinHandle<(PathReader, Vec<Pending>)> },
}

impl Prestarted {
    /// Starts git; with `ahead`, also asks it about the newest commits from `head`, on a thread
    /// with its own repository handle. `record` says whether the walk keeps cache entries.
    pub(crate) fn start(git_dir: PathBuf, head: Option<Oid>, record: bool) -> Result<Prestarted, GitError> {
        let (reader, answers) = PathReader::spawn(&git_dir)?;
        let Some(head) = head else {
            return Ok(Prestarted { answers, feeder: Feeder::Idle(reader) });
        };
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let folder = git_dir.clone();
        let spawned = std::thread::Builder::new()
            .name("release-walk-ahead".into())
            .spawn(move || ask_ahead(&folder, head, reader, record, &stopping));
        match spawned {
            Ok(thread) => Ok(Prestarted { answers, feeder: Feeder::Asking { stop, thread } }),
            // `spawn` dropped the closure and the git it held: a git that is only started.
            Err(_) => Prestarted::start(git_dir, None, record),
        }
    }

    /// Stops asking ahead: git, its answers, and the commits asked about so far, in order.
    pub(crate) fn take_over(self) -> (PathReader, Answers, Vec<Pending>) {
        match self.feeder {
            Feeder::Idle(reader) => (reader, self.answers, Vec::new()),
            Feeder::Asking { stop, thread } => {
                stop.store(true, Ordering::Relaxed);
                let (reader, asked) = thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (reader, self.answers, asked)
            }
        }
    }

    /// Back to idle, when a walk took it over but asked nothing (and nothing was asked ahead).
    pub(crate) fn idle(reader: PathReader, answers: Answers) -> Prestarted {
        Prestarted { answers, feeder: Feeder::Idle(reader) }
    }
}

/// Asks git about up to [`AHEAD`] commits from `head`, newest first, until told to stop. A
/// commit that cannot be read, or a git that stopped, ends it quietly: the walk reads and asks
/// again what it needs, and reports the errors.
fn ask_ahead(
    git_dir: &std::path::Path,
    head: Oid,
    mut reader: PathReader,
    record: bool,
    stop: &AtomicBool,
) -> (PathReader, Vec<Pending>) {
    let mut asked = Vec::new();
    let Ok(repository) = Repository::open(git_dir) else { return (reader, asked) };
    // A date-ordered walk of our own: libgit2's time-sorted revwalk reads the whole history
    // before it gives the first commit. Each commit is read once (libgit2 caches no objects,
    // see `Repo::open`): when it is met as a parent, for its date, and kept until it is asked
    // about; its tree is kept for its children's requests.
    let mut queue = BinaryHeap::new();
    let mut read: Vec<Option<git2::Commit<'_>>> = Vec::new();
    let mut trees: IdMap<Oid> = IdMap::default();
    let Ok(first) = repository.find_commit(head) else { return (reader, asked) };
    trees.insert(Key(head), first.tree_id());
    queue.push((first.time().seconds(), Reverse(0_usize)));
    read.push(Some(first));
    while let Some((_, Reverse(at))) = queue.pop() {
        if asked.len() == AHEAD || stop.load(Ordering::Relaxed) {
            break;
        }
        let Some(commit) = read[at].take() else { break };
        let id = commit.id();
        let parents: Vec<Oid> = commit.parent_ids().collect();
        for parent in &parents {
            if !trees.contains_key(&Key(*parent))
                && let Ok(found) = repository.find_commit(*parent)
            {
                trees.insert(Key(*parent), found.tree_id());
                queue.push((found.time().seconds(), Reverse(read.len())));
                read.push(Some(found));
            }
        }
        // Two trees when the first parent was read: git compares them without reading a
        // commit (as the walk asks).
        let request = match parents.first().and_then(|parent| trees.get(&Key(*parent))) {
            Some(&parent) => Request::Trees { parent, tree: commit.tree_id() },
            None => Request::Commit { commit: id, first_parent: parents.first().copied() },
        };
        if reader.request(request).is_err() {
            break;
        }
        asked.push(Pending {
            id,
            answer: request.answer_id(),
            message: commit.message_bytes().into(),
            parent_count: parents.len(),
            record: record.then(|| Record { time: commit.time().seconds(), parents }),
        });
        if asked.len() % BATCH == 0 && reader.flush().is_err() {
            break;
        }
    }
    let _ = reader.flush();

    (reader, asked)
}
