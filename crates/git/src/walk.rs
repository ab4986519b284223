//! The history walk.
//!
//! Phase 1 (one thread) finds the union of the ranges `base_i..head`: a date-ordered walk from
//! the head and from every base, where each commit carries the set of ranges it is *excluded*
//! from (reachable from that range's base). Marks flow from children to parents; a commit whose
//! marks grow after it was processed is processed again, so the result does not depend on
//! committer dates being truthful, only the amount of work does. The walk stops once every
//! commit still queued is excluded from every range.
//!
//! Phase 2 gives each commit of the union the paths it changed against its first parent. They
//! come from one `git diff-tree --stdin` process (`paths.rs`), which phase 1 feeds as it goes:
//! a commit is asked about when it is first processed while still in some range, so git compares
//! trees on one core while the walk goes on on the other. A commit asked about that later turns
//! out to be in no range (its marks grew) is dropped from the answers. The caller's `map` runs on
//! each commit as its answer arrives.
//!
//! With the commit cache (`cache.rs`), phase 1 takes a cached commit's time, parents and message
//! from it, and phase 2 its paths (mapped in parallel with rayon); only the commits it lacks are
//! read from the repository and asked about, and they are handed back to be added to it.

use git2::{Oid, Repository};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::mpsc::{Receiver, Sender};

use crate::cache::{Cached, CommitCache, Entry, IdMap, Key};
use crate::paths::{Answers, PathReader, Request};
use crate::prefetch::Prestarted;
use crate::{CommitId, Context, GitError, commit_id};

/// A set of range indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    words: Vec<u64>,
}

impl RangeSet {
    fn with_capacity(ranges: usize) -> RangeSet {
        RangeSet { words: vec![0; ranges.div_ceil(64)] }
    }

    fn insert(&mut self, index: usize) {
        self.words[index / 64] |= 1 << (index % 64);
    }

    pub fn contains(&self, index: usize) -> bool {
        self.words.get(index / 64).is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// Adds `other`; true when that changed anything.
    fn union_with(&mut self, other: &RangeSet) -> bool {
        let mut changed = false;
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            let merged = *word | other;
            changed |= merged != *word;
            *word = merged;
        }
        changed
    }
}

/// What the caller's `map` sees of one commit.
pub struct CommitData<'a> {
    pub id: CommitId,
    /// The message, decoded lossily when it is not UTF-8.
    pub message: &'a str,
    /// Paths changed against the first parent (against nothing for a root commit).
    pub paths: Vec<String>,
    pub parent_count: usize,
    /// What the caller kept of this commit in an earlier run ([`crate::Repo::walk_keeping`]),
    /// when it comes from the commit cache and something was kept.
    pub kept: Option<&'a [u8]>,
}

/// One commit of the union of the ranges.
#[derive(Debug)]
pub struct Walked<T> {
    pub id: CommitId,
    /// The ranges this commit is *not* part of.
    pub excluded: RangeSet,
    pub data: T,
}

impl<T> Walked<T> {
    pub fn in_range(&self, range: usize) -> bool {
        !self.excluded.contains(range)
    }

    /// The ranges `0..count` this commit is part of, 64 to a word (range `i` at bit `i % 64` of
    /// word `i / 64`).
    pub fn included_words(&self, count: usize) -> Vec<u64> {
        (0..count.div_ceil(64))
            .map(|word| {
                let excluded = self.excluded.words.get(word).copied().unwrap_or(0);
                let bits = count - word * 64;
                let mask = if bits >= 64 { u64::MAX } else { (1 << bits) - 1 };
                !excluded & mask
            })
            .collect()
    }
}

struct Node<'r> {
    id: Oid,
    /// Read from the commit cache (its changed paths are there too): its parents' ids there.
    cached: Option<Cached<'r>>,
    /// The raw message, kept from the one read of the commit (borrowed from the cache).
    message: Cow<'r, [u8]>,
    time: i64,
    /// Its tree, when read from the repository.
    tree: Option<Oid>,
    /// Where the parents are: before the node is first expanded, their ids at
    /// `Graph::parent_ids[links..]` (a commit read from the repository) or in the cache entry;
    /// after, their node indexes at `Graph::parent_nodes[links..]`.
    links: usize,
    parent_count: usize,
    expanded: bool,
    marks: RangeSet,
    queued: bool,
    /// Position in the output order (first time processed), for newest-first output.
    order: Option<usize>,
}

struct Graph<'r> {
    repository: &'r Repository,
    /// Commits read in an earlier run; the others are read from the repository.
    cache: Option<&'r CommitCache>,
    nodes: Vec<Node<'r>>,
    index: IdMap<usize>,
    /// The parents of the commits read from the repository and not expanded yet, kept from
    /// their one read (each commit is read once: libgit2 does not cache objects, see `Repo::open`).
    parent_ids: Vec<Oid>,
    /// The parents of the expanded nodes, as node indexes.
    parent_nodes: Vec<usize>,
    /// Reused by `parents`.
    scratch: Vec<Oid>,
}

impl<'r> Graph<'r> {
    fn new(repository: &'r Repository, cache: Option<&'r CommitCache>) -> Graph<'r> {
        Graph {
            repository,
            cache,
            nodes: Vec::new(),
            index: IdMap::default(),
            parent_ids: Vec::new(),
            parent_nodes: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn node(&mut self, id: Oid, ranges: usize) -> Result<usize, GitError> {
        if let Some(&index) = self.index.get(&Key(id)) {
            return Ok(index);
        }
        let (cached, message, time, tree, links, parent_count) = match self.cache.and_then(|cache| cache.get(id)) {
            Some(cached) => {
                (Some(cached), Cow::Borrowed(cached.message), cached.time, None, 0, cached.parents().count())
            }
            None => {
                let commit = self.repository.find_commit(id).context(|| format!("reading commit {id}"))?;
                let links = self.parent_ids.len();
                self.parent_ids.extend(commit.parent_ids());
                let message = Cow::Owned(commit.message_bytes().to_vec());
                let parent_count = self.parent_ids.len() - links;
                (None, message, commit.time().seconds(), Some(commit.tree_id()), links, parent_count)
            }
        };
        let index = self.nodes.len();
        self.nodes.push(Node {
            id,
            cached,
            message,
            time,
            tree,
            links,
            parent_count,
            expanded: false,
            marks: RangeSet::with_capacity(ranges),
            queued: false,
            order: None,
        });
        self.index.insert(Key(id), index);
        Ok(index)
    }

    /// The node's parents, found (and read) on its first expansion, copied into `into` (a
    /// buffer the caller reuses: a walk asks this for every commit).
    fn parents(&mut self, index: usize, ranges: usize, into: &mut Vec<usize>) -> Result<(), GitError> {
        into.clear();
        let Node { cached, links, parent_count, expanded, .. } = &self.nodes[index];
        let (links, count) = (*links, *parent_count);
        if *expanded {
            into.extend_from_slice(&self.parent_nodes[links..links + count]);
            return Ok(());
        }
        let mut ids = std::mem::take(&mut self.scratch);
        ids.clear();
        match cached {
            Some(cached) => ids.extend(cached.parents()),
            None => ids.extend_from_slice(&self.parent_ids[links..links + count]),
        }
        for &parent in &ids {
            into.push(self.node(parent, ranges)?);
        }
        self.scratch = ids;
        let node = &mut self.nodes[index];
        node.links = self.parent_nodes.len();
        node.expanded = true;
        self.parent_nodes.extend_from_slice(into);
        Ok(())
    }
}

/// Walks the union of the ranges; with a cache, reads what it holds from it and adds to it
/// every commit it had to read from the repository.
#[allow(clippy::too_many_arguments)]
pub(crate) fn walk<T, F, K>(
    repository: &Repository,
    cache: Option<&mut CommitCache>,
    prestarted: &mut Option<Prestarted>,
    head: Oid,
    bases: &[Option<Oid>],
    map: F,
    keep: K,
) -> Result<Vec<Walked<T>>, GitError>
where
    T: Send,
    F: Fn(CommitData<'_>) -> T + Sync,
    K: Fn(&T) -> Vec<u8>,
{
    let record = cache.is_some();
    let (walked, read) = {
        let cache = cache.as_deref();
        // The commits the walk needs git's answers for, once known: the answering thread stops
        // there, not after commits asked about ahead for nothing.
        let needed: std::sync::OnceLock<IdMap<()>> = std::sync::OnceLock::new();
        std::thread::scope(|scope| {
            let mut asker = Asker::new(scope, repository.path(), &map, &needed, prestarted.take())?;
            let mut marking = Marking::new(repository, cache, bases, record);
            marking.seed(head, bases)?;
            marking.mark_ranges(&mut asker)?;
            marking.settle()?;
            let selection = marking.select();
            let _ = needed
                .set(selection.commits().filter(|node| node.cached.is_none()).map(|node| (Key(node.id), ())).collect());
            let (answered, unused) = asker.finish()?;
            *prestarted = unused;
            read_commits(selection, answered, &map, &keep)
        })?
    };
    if let Some(cache) = cache {
        for (id, entry) in read {
            cache.add(id, entry);
        }
    }
    Ok(walked)
}

/// What the thread reading git's answers needs of a commit asked about; sent before the request.
pub(crate) struct Pending {
    pub(crate) id: Oid,
    /// The id git's answer is headed with ([`Request::answer_id`]).
    pub(crate) answer: Oid,
    pub(crate) message: Box<[u8]>,
    pub(crate) parent_count: usize,
    /// What a cache entry holds besides the message and the paths, when the cache is on.
    pub(crate) record: Option<Record>,
}

/// What a cache entry holds besides the message and the paths.
pub(crate) struct Record {
    pub(crate) time: i64,
    pub(crate) parents: Vec<Oid>,
}

/// The commits git answered for, in the order asked, with the caller's data (their
/// `excluded` still empty), and the cache entries of those read from the repository (by index
/// in `walked`) when the cache is on.
struct Answered<T> {
    walked: Vec<Walked<T>>,
    entries: Vec<(usize, Entry)>,
}

impl<T> Default for Answered<T> {
    fn default() -> Self {
        Answered { walked: Vec::new(), entries: Vec::new() }
    }
}

/// How the mark pass asks git about a commit (object-safe, so `Marking` knows nothing of `T`).
trait Ask {
    fn ask(&mut self, pending: Pending, request: Request) -> Result<(), GitError>;
}

/// Starts git and the thread mapping its answers on the first commit asked about (a warm walk
/// asks about none, and runs no process), or takes over the git asked ahead of the walk.
struct Asker<'scope, 'env, T, F> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    git_dir: &'env std::path::Path,
    map: &'env F,
    needed: &'env std::sync::OnceLock<IdMap<()>>,
    /// A git started before the walk and not asked about anything ([`crate::Repo::prepare_walk`]),
    /// used on the first ask.
    idle: Option<(PathReader, Answers)>,
    /// Commits asked about ahead of the walk: not asked again.
    asked_ahead: IdMap<()>,
    running: Option<Running<'scope, T>>,
}

/// The answering thread's result: the commits mapped, and whether it stopped before git's end.
type Mapped<T> = (Answered<T>, bool);

struct Running<'scope, T> {
    reader: PathReader,
    pending: Sender<Pending>,
    answers: std::thread::ScopedJoinHandle<'scope, Result<Mapped<T>, String>>,
}

impl<'scope, 'env, T, F> Asker<'scope, 'env, T, F>
where
    T: Send + 'scope,
    F: Fn(CommitData<'_>) -> T + Sync,
{
    fn new(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        git_dir: &'env std::path::Path,
        map: &'env F,
        needed: &'env std::sync::OnceLock<IdMap<()>>,
        prestarted: Option<Prestarted>,
    ) -> Result<Self, GitError> {
        let mut asker = Asker { scope, git_dir, map, needed, idle: None, asked_ahead: IdMap::default(), running: None };
        if let Some(prestarted) = prestarted {
            let (reader, answers, asked) = prestarted.take_over();
            if asked.is_empty() {
                asker.idle = Some((reader, answers));
            } else {
                asker.asked_ahead = asked.iter().map(|pending| (Key(pending.id), ())).collect();
                let running = asker.start(reader, answers)?;
                for pending in asked {
                    let _ = running.pending.send(pending);
                }
            }
        }
        Ok(asker)
    }

    /// Starts the thread mapping git's answers.
    fn start(&mut self, reader: PathReader, answers: Answers) -> Result<&mut Running<'scope, T>, GitError> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let (map, needed) = (self.map, self.needed);
        let thread = std::thread::Builder::new()
            .name("release-walk-answers".into())
            .spawn_scoped(self.scope, move || answer(&answers, &receiver, map, needed))
            .map_err(|error| GitError::Command {
                operation: "reading the paths each commit changed".into(),
                detail: format!("cannot start a thread: {error}"),
            })?;
        Ok(self.running.insert(Running { reader, pending: sender, answers: thread }))
    }
}

impl<'scope, 'env, T, F> Ask for Asker<'scope, 'env, T, F>
where
    T: Send + 'scope,
    F: Fn(CommitData<'_>) -> T + Sync,
{
    fn ask(&mut self, pending: Pending, request: Request) -> Result<(), GitError> {
        if self.asked_ahead.contains_key(&Key(pending.id)) {
            return Ok(());
        }
        if self.running.is_none() {
            let (reader, answers) = match self.idle.take() {
                Some(idle) => idle,
                None => PathReader::spawn(self.git_dir)?,
            };
            self.start(reader, answers)?;
        }
        let running = self.running.as_mut().expect("started above");
        // A thread that stopped on an error has dropped the receiver; `finish` says why.
        let _ = running.pending.send(pending);
        running.reader.request(request)
    }
}

impl<T, F> Asker<'_, '_, T, F> {
    /// Every commit asked about, mapped, once git has answered for all those the walk needs,
    /// and the prestarted git when no commit was asked about.
    fn finish(self) -> Result<(Answered<T>, Option<Prestarted>), GitError> {
        let Some(Running { mut reader, pending, answers }) = self.running else {
            return Ok((Answered::default(), self.idle.map(|(reader, answers)| Prestarted::idle(reader, answers))));
        };
        drop(pending);
        reader.close()?;
        let answered = answers.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let (answered, stopped_early) = match answered {
            Ok(answered) => answered,
            Err(detail) => {
                drop(reader);
                return Err(GitError::Command { operation: "reading the paths each commit changed".into(), detail });
            }
        };
        if stopped_early {
            // Killed and reaped on the side: the answers are all in.
            let _ = std::thread::Builder::new().name("git-diff-tree-stop".into()).spawn(move || reader.stop());
        } else {
            reader.finish()?;
        }
        Ok((answered, None))
    }
}

/// The answering thread: pairs each of git's answers with the commit asked about and maps it,
/// so the caller's work (parsing messages) overlaps git's. Once the walk has said which commits
/// it needs and all have been answered, it stops (true: git still has commits asked ahead).
fn answer<T, F>(
    answers: &Answers,
    pending: &Receiver<Pending>,
    map: &F,
    needed: &std::sync::OnceLock<IdMap<()>>,
) -> Result<Mapped<T>, String>
where
    F: Fn(CommitData<'_>) -> T,
{
    let mut out = Answered::default();
    let mut remaining: Option<usize> = None;
    for changed in answers {
        let (answered, paths) = changed?;
        let asked = pending.recv().map_err(|_| format!("`git diff-tree` answered for {answered}, not asked about"))?;
        if asked.answer != answered {
            return Err(format!(
                "`git diff-tree` answered for {answered} where {} was asked about (commit {})",
                asked.answer, asked.id
            ));
        }
        let id = asked.id;
        if let Some(Record { time, parents }) = asked.record {
            let entry =
                Entry { time, parents, message: asked.message.clone(), paths: paths.clone(), kept: Box::default() };
            out.entries.push((out.walked.len(), entry));
        }
        let message = crate::text(&asked.message);
        let data = map(CommitData {
            id: commit_id(id),
            message: &message,
            paths,
            parent_count: asked.parent_count,
            kept: None,
        });
        out.walked.push(Walked { id: commit_id(id), excluded: RangeSet::default(), data });
        if let Some(needed) = needed.get() {
            let left = match remaining {
                Some(left) => left - usize::from(needed.contains_key(&Key(id))),
                None => {
                    let answered =
                        out.walked.iter().filter(|walked| needed.contains_key(&Key(crate::oid_of(walked.id))));
                    needed.len() - answered.count()
                }
            };
            remaining = Some(left);
            if left == 0 && pending.try_recv().is_ok() {
                return Ok((out, true));
            }
        }
    }
    if let Ok(missed) = pending.try_recv() {
        return Err(format!("`git diff-tree` gave no answer for commit {}", missed.id));
    }
    Ok((out, false))
}

/// Phase 1's state: the commits met so far, the date-ordered queue, and how many queued commits
/// are still in some range.
struct Marking<'r> {
    graph: Graph<'r>,
    heap: BinaryHeap<(i64, Reverse<u64>, usize)>,
    /// Ties in the queue go to the commit queued first.
    sequence: u64,
    /// Number of queued commits still in some range; the walk ends when it reaches zero.
    open: usize,
    /// Position in the output order of the next commit processed for the first time.
    order: usize,
    ranges: usize,
    /// Buffers reused from commit to commit: the marks of the commit being processed, its parents.
    marks: RangeSet,
    parents: Vec<usize>,
    /// Every range that has a base: a commit with all these marks is in no range, unless some
    /// range is open (no base), which every commit is in.
    full: RangeSet,
    open_ranges: bool,
    /// Whether commits read from the repository are kept for the cache.
    record: bool,
}

impl<'r> Marking<'r> {
    fn new(
        repository: &'r Repository,
        cache: Option<&'r CommitCache>,
        bases: &[Option<Oid>],
        record: bool,
    ) -> Marking<'r> {
        let ranges = bases.len();
        let mut full = RangeSet::with_capacity(ranges);
        for (range, base) in bases.iter().enumerate() {
            if base.is_some() {
                full.insert(range);
            }
        }
        Marking {
            graph: Graph::new(repository, cache),
            heap: BinaryHeap::new(),
            sequence: 0,
            open: 0,
            order: 0,
            ranges,
            marks: RangeSet::default(),
            parents: Vec::new(),
            full,
            open_ranges: bases.iter().any(Option::is_none),
            record,
        }
    }

    /// Whether a commit with these marks is excluded from every range.
    fn is_full(&self, marks: &RangeSet) -> bool {
        !self.open_ranges && marks.contains_all(&self.full)
    }

    fn push(&mut self, index: usize) {
        self.graph.nodes[index].queued = true;
        self.heap.push((self.graph.nodes[index].time, Reverse(self.sequence), index));
        self.sequence += 1;
    }

    /// Queues the head and every base, each base marked as excluded from its own range.
    fn seed(&mut self, head: Oid, bases: &[Option<Oid>]) -> Result<(), GitError> {
        let head_index = self.graph.node(head, self.ranges)?;
        let mut seeds = vec![(head_index, None)];
        for (range, base) in bases.iter().enumerate() {
            if let Some(base) = base {
                seeds.push((self.graph.node(*base, self.ranges)?, Some(range)));
            }
        }
        for (index, range) in seeds {
            if let Some(range) = range {
                self.graph.nodes[index].marks.insert(range);
            }
            if !self.graph.nodes[index].queued {
                self.push(index);
                self.open += 1;
            }
        }
        // Seeds were counted as open; settle the count now that all seed marks are known.
        self.open -= self.heap.iter().filter(|(_, _, index)| self.is_full(&self.graph.nodes[*index].marks)).count();
        Ok(())
    }

    /// Walks newest first, passing each commit's marks to its parents, until every commit still
    /// queued is excluded from every range.
    fn mark_ranges(&mut self, ask: &mut dyn Ask) -> Result<(), GitError> {
        while self.open > 0 {
            let Some((_, _, index)) = self.heap.pop() else {
                break;
            };
            self.graph.nodes[index].queued = false;
            let mut marks = std::mem::take(&mut self.marks);
            marks.words.clone_from(&self.graph.nodes[index].marks.words);
            let in_some_range = !self.is_full(&marks);
            if in_some_range {
                self.open -= 1;
            }
            let first_time = self.graph.nodes[index].order.is_none();
            if first_time {
                self.graph.nodes[index].order = Some(self.order);
                self.order += 1;
            }
            let mut parents = std::mem::take(&mut self.parents);
            self.graph.parents(index, self.ranges, &mut parents)?;
            // Marks only grow, so a commit in no range now never is; one in some range now
            // usually stays there, and its paths are asked for at once.
            if first_time && in_some_range && self.graph.nodes[index].cached.is_none() {
                let parent_ids: Vec<Oid> = parents.iter().map(|&parent| self.graph.nodes[parent].id).collect();
                let first_parent = parents.first().map(|&parent| &self.graph.nodes[parent]);
                let node = &self.graph.nodes[index];
                // Both trees known (both commits read from the repository): git compares them
                // without reading a commit. A root commit, or a first parent from the cache,
                // is asked about by its id.
                let request = match (node.tree, first_parent.and_then(|parent| parent.tree)) {
                    (Some(tree), Some(parent)) => Request::Trees { parent, tree },
                    _ => Request::Commit { commit: node.id, first_parent: parent_ids.first().copied() },
                };
                let node = &mut self.graph.nodes[index];
                let pending = Pending {
                    id: node.id,
                    answer: request.answer_id(),
                    message: std::mem::take(&mut node.message).into_owned().into(),
                    parent_count: parent_ids.len(),
                    record: None,
                };
                let record = self.record.then_some(Record { time: node.time, parents: parent_ids });
                ask.ask(Pending { record, ..pending }, request)?;
            }
            for &parent in &parents {
                self.mark_parent(parent, &marks);
            }
            (self.marks, self.parents) = (marks, parents);
        }
        Ok(())
    }

    /// Gives `parent` a child's marks, and queues it (again) when that taught it something.
    fn mark_parent(&mut self, parent: usize, marks: &RangeSet) {
        let was_full = self.is_full(&self.graph.nodes[parent].marks);
        let changed = self.graph.nodes[parent].marks.union_with(marks);
        let fresh = self.graph.nodes[parent].order.is_none() && !self.graph.nodes[parent].queued;
        let is_full = self.is_full(&self.graph.nodes[parent].marks);
        if self.graph.nodes[parent].queued {
            if !was_full && is_full {
                self.open -= 1;
            }
        } else if changed || fresh {
            self.push(parent);
            if !is_full {
                self.open += 1;
            }
        }
    }

    /// Every commit still queued is excluded from all ranges. Those already processed once may
    /// carry marks their parents have not seen yet (dates out of order): settle them, without
    /// walking further into unvisited history, which is excluded from all ranges anyway.
    fn settle(&mut self) -> Result<(), GitError> {
        while let Some((_, _, index)) = self.heap.pop() {
            self.graph.nodes[index].queued = false;
            if self.graph.nodes[index].order.is_none() {
                continue;
            }
            let marks = self.graph.nodes[index].marks.clone();
            let mut parents = Vec::new();
            self.graph.parents(index, self.ranges, &mut parents)?;
            for parent in parents {
                let node = &mut self.graph.nodes[parent];
                if node.order.is_some() && node.marks.union_with(&marks) && !node.queued {
                    self.push(parent);
                }
            }
        }
        Ok(())
    }

    /// The commits in some range, newest first. Unvisited commits are in no range (the walk
    /// stopped above them).
    fn select(self) -> Selection<'r> {
        let nodes = &self.graph.nodes;
        let mut chosen: Vec<usize> = (0..nodes.len())
            .filter(|&index| nodes[index].order.is_some() && !self.is_full(&nodes[index].marks))
            .collect();
        chosen.sort_by_key(|&index| nodes[index].order);
        let mut position = vec![NOT_SELECTED; nodes.len()];
        for (at, &index) in chosen.iter().enumerate() {
            position[index] = at;
        }
        Selection { nodes: self.graph.nodes, chosen, index: self.graph.index, position }
    }
}

/// `Selection::position` of a commit in no range.
const NOT_SELECTED: usize = usize::MAX;

/// The commits of the union in output order, as node indexes into the walk's nodes (kept, not
/// copied: a whole history is hundreds of thousands of them), and where each commit met lands.
struct Selection<'r> {
    nodes: Vec<Node<'r>>,
    chosen: Vec<usize>,
    /// The node index of every commit met.
    index: IdMap<usize>,
    /// By node index: the commit's position in `chosen`, or [`NOT_SELECTED`].
    position: Vec<usize>,
}

impl<'r> Selection<'r> {
    fn position(&self, id: Oid) -> usize {
        self.index.get(&Key(id)).map_or(NOT_SELECTED, |&node| self.position[node])
    }

    /// The commits of the union, in output order.
    fn commits(&self) -> impl Iterator<Item = &Node<'r>> {
        self.chosen.iter().map(|&index| &self.nodes[index])
    }
}

/// What phase 2 gives: the caller's data for every commit, and the cache entries of those it
/// read from the repository.
type Read<T> = (Vec<Walked<T>>, Vec<(Oid, Entry)>);

/// Phase 2: the cached commits' paths from the cache and the caller's `map` on them, in
/// parallel, and git's answers for the others; the output keeps the selection's order. An answer
/// for a commit asked about while in some range but in none by the end of the walk is dropped.
///
/// A whole history is hundreds of thousands of commits, so no array of them is built twice
/// when it can be helped: git's answers come in the output order (commits are asked about when
/// first processed, which is the order), and when nothing came from the cache they become the
/// output where they are.
fn read_commits<T, F, K>(
    selection: Selection<'_>,
    answered: Answered<T>,
    map: &F,
    keep: &K,
) -> Result<Read<T>, GitError>
where
    T: Send,
    F: Fn(CommitData<'_>) -> T + Sync,
    K: Fn(&T) -> Vec<u8>,
{
    let Answered { mut walked, entries } = answered;
    let mut positions: Vec<usize> = walked.iter().map(|walked| selection.position(crate::oid_of(walked.id))).collect();
    let mut read = Vec::with_capacity(entries.len());
    for (at, mut entry) in entries {
        if positions[at] != NOT_SELECTED {
            entry.kept = keep(&walked[at].data).into();
            read.push((crate::oid_of(walked[at].id), entry));
        }
    }
    let mut kept = positions.iter().map(|&position| position != NOT_SELECTED);
    walked.retain(|_| kept.next().unwrap_or(false));
    positions.retain(|&position| position != NOT_SELECTED);
    if !positions.is_sorted() {
        // Commits asked about ahead of the walk (`prefetch.rs`) came first.
        let mut paired: Vec<(usize, Walked<T>)> = positions.into_iter().zip(walked).collect();
        paired.sort_unstable_by_key(|(position, _)| *position);
        (positions, walked) = paired.into_iter().unzip();
    }
    let Selection { mut nodes, chosen, .. } = selection;
    let missing = |node: &Node<'_>| GitError::Command {
        operation: "reading the paths each commit changed".into(),
        detail: format!("no paths were read for commit {}", node.id),
    };
    let distinct = positions.windows(2).all(|pair| pair[0] < pair[1]);
    if distinct && walked.len() == chosen.len() && chosen.iter().all(|&index| nodes[index].cached.is_none()) {
        // No commit from the cache, and an answer for each (as many distinct positions as
        // commits): the answers are the output, in place.
        for (walked, &index) in walked.iter_mut().zip(&chosen) {
            walked.excluded = std::mem::take(&mut nodes[index].marks);
        }
        return Ok((walked, read));
    }
    // Otherwise the cached commits are mapped in parallel into their places, git's answers put
    // into theirs, and the slots become the output where they are (`Option<Walked>` is the size
    // of `Walked`, so the collect reuses the array).
    let mut slots: Vec<Option<Walked<T>>> = chosen
        .par_iter()
        .with_min_len(256)
        .map(|&index| {
            let node = &nodes[index];
            let cached = node.cached?;
            let message = crate::text(&node.message);
            let data = map(CommitData {
                id: commit_id(node.id),
                message: &message,
                paths: cached.paths(),
                parent_count: node.parent_count,
                kept: Some(cached.kept).filter(|kept| !kept.is_empty()),
            });
            Some(Walked { id: commit_id(node.id), excluded: RangeSet::default(), data })
        })
        .collect();
    for (walked, position) in walked.into_iter().zip(positions) {
        // An answer for a commit the cache also had (asked about ahead of the walk) is not used.
        slots[position].get_or_insert(walked);
    }
    slots
        .into_iter()
        .zip(&chosen)
        .map(|(walked, &index)| {
            let mut walked = walked.ok_or_else(|| missing(&nodes[index]))?;
            walked.excluded = std::mem::take(&mut nodes[index].marks);
            Ok(walked)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|walked| (walked, read))
}

impl RangeSet {
    /// Whether every range of `other` is in this set (checked without a copy: the marking walk
    /// asks this several times per commit).
    fn contains_all(&self, other: &RangeSet) -> bool {
        other.words.iter().enumerate().all(|(index, word)| word & !self.words.get(index).copied().unwrap_or(0) == 0)
    }
}

/// Answers "is this commit reachable from the head" for many commits with one shared,
/// incremental, date-ordered walk: it goes only as deep as the oldest commit asked about.
pub struct Reachability<'r> {
    graph: Graph<'r>,
    heap: BinaryHeap<(i64, Reverse<u64>, usize)>,
    sequence: u64,
    seen: Vec<bool>,
    /// Reused from commit to commit.
    parents: Vec<usize>,
}

/// How far past a commit's date the walk goes before it concludes the commit is unreachable,
/// to tolerate committer clocks that were off.
const CLOCK_SLOP_SECONDS: i64 = 24 * 60 * 60;

impl<'r> Reachability<'r> {
    pub(crate) fn new(repository: &'r Repository, head: Oid) -> Result<Reachability<'r>, GitError> {
        let mut graph = Graph::new(repository, None);
        let head = graph.node(head, 0)?;
        let mut heap = BinaryHeap::new();
        heap.push((graph.nodes[head].time, Reverse(0), head));
        Ok(Reachability { graph, heap, sequence: 1, seen: Vec::new(), parents: Vec::new() })
    }

    /// Whether `target` is the head or one of its ancestors.
    pub fn reaches(&mut self, target: CommitId) -> Result<bool, GitError> {
        let target_index = self.graph.node(crate::oid(target)?, 0)?;
        let target_time = self.graph.nodes[target_index].time;
        loop {
            if self.seen.get(target_index).copied().unwrap_or(false) {
                return Ok(true);
            }
            let Some(&(time, _, _)) = self.heap.peek() else {
                return Ok(false);
            };
            if time < target_time - CLOCK_SLOP_SECONDS {
                return Ok(false);
            }
            let (_, _, index) = self.heap.pop().expect("peeked");
            if self.seen.len() <= index {
                self.seen.resize(index + 1, false);
            }
            if self.seen[index] {
                continue;
            }
            self.seen[index] = true;
            let mut parents = std::mem::take(&mut self.parents);
            self.graph.parents(index, 0, &mut parents)?;
            for &parent in &parents {
                if self.seen.get(parent).copied().unwrap_or(false) {
                    continue;
                }
                self.heap.push((self.graph.nodes[parent].time, Reverse(self.sequence), parent));
                self.sequence += 1;
            }
            self.parents = parents;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_words_are_the_ranges_not_excluded_and_nothing_past_the_count() {
        let mut excluded = RangeSet::with_capacity(70);
        for range in [0, 5, 64, 69] {
            excluded.insert(range);
        }
        let walked = Walked { id: crate::commit_id(Oid::ZERO_SHA1), excluded, data: () };
        let words = walked.included_words(70);
        assert_eq!(words.len(), 2);
        for range in 0..128 {
            let bit = words.get(range / 64).is_some_and(|word| word & (1 << (range % 64)) != 0);
            assert_eq!(bit, range < 70 && walked.in_range(range), "range {range}");
        }
        assert_eq!(walked.included_words(64), vec![!0b100001]);
    }
}
