//! The commit cache: what each commit contributes to a walk (committer time, parent ids, raw
//! message, paths changed against its first parent), keyed by commit id, kept between runs in
//! `<common git dir>/release/commit-cache`.
//!
//! A commit never changes, so an entry never goes stale; what can go wrong is the file. It is one
//! binary file: a header (magic, format version, entry count, payload length, a checksum of the
//! payload) and the entries. Anything unexpected (a short file, a bad checksum, another version,
//! a read error) makes the cache start empty and be rewritten, without a word: it is only ever a
//! faster way to the same answer. Writes go to a temporary file in the same folder, renamed over
//! the cache, so a reader sees the old file or the new one, and two runs writing at once leave one
//! of their two complete files. A folder that cannot be written (a read-only `.git`) means no
//! cache, not an error.
//!
//! The cache holds at most [`MAX_ENTRIES`] commits; beyond that the oldest (by committer time)
//! are dropped when it is written.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use git2::Oid;

/// The file's first bytes.
const MAGIC: &[u8; 8] = b"RLSCOMMT";
/// Bump when the entry layout or what an entry means changes (for example how paths are
/// computed): a cache of another version is dropped and rebuilt. Version 2: paths come from
/// `git diff-tree` instead of git2's trees. Version 3: each entry keeps the caller's bytes (the
/// parsed message).
pub(crate) const VERSION: u32 = 3;
/// Magic, version, entry count, payload length, checksum.
const HEADER: usize = 8 + 4 + 4 + 8 + 8;
/// Commits kept at most (about 200 bytes each on a typical history, so some 200 MB at worst):
/// when a write would keep more, the oldest by committer time are dropped.
pub const MAX_ENTRIES: usize = 1_000_000;
/// Object ids are SHA-1.
const ID: usize = 20;

/// A map keyed by object id, hashed by the id's own bytes: an id is already a SHA-1, so
/// SipHash over it (every lookup of a walk over a cached history) is work for nothing. The
/// bytes are mixed with a key drawn once per process, so ids chosen to collide in a table's
/// low bits (a history built to slow the walk) would need to know it.
pub(crate) type IdMap<V> = HashMap<Key, V, BuildHasherDefault<IdHasher>>;

/// An object id as a map key, compared by its bytes: `Oid`'s own `==` calls into libgit2
/// (`git_oid_equal`), which no compiler can inline, and a warm walk compares ids millions of
/// times (4% of a warm plan's samples).
#[derive(Clone, Copy)]
pub(crate) struct Key(pub(crate) Oid);

/// By the same bytes as `eq` compares.
impl std::hash::Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_bytes().hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.0.as_bytes() == other.0.as_bytes()
    }
}

impl Eq for Key {}

#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // A folded multiply (as foldhash does): every input bit reaches the low bits.
        static KEY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let key = *KEY.get_or_init(|| {
            use std::hash::BuildHasher as _;
            std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1
        });
        let product = u128::from(self.0 ^ key).wrapping_mul(u128::from(0x9e37_79b9_7f4a_7c15_u64));
        (product as u64) ^ ((product >> 64) as u64)
    }

    /// The id's first eight bytes (an id hashes as its 20 bytes, after their length, which
    /// `write_usize` leaves out).
    fn write(&mut self, bytes: &[u8]) {
        let mut word = [0u8; 8];
        let length = bytes.len().min(8);
        word[..length].copy_from_slice(&bytes[..length]);
        self.0 = self.0.rotate_left(23) ^ u64::from_le_bytes(word);
    }

    fn write_usize(&mut self, _length: usize) {}
}

/// The cache's file in a repository whose common git directory (`.git`, shared by worktrees)
/// is `common_dir`.
pub(crate) fn path_in(common_dir: &Path) -> PathBuf {
    common_dir.join("release").join("commit-cache")
}

/// One commit as the walk needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) time: i64,
    pub(crate) parents: Vec<Oid>,
    pub(crate) message: Box<[u8]>,
    pub(crate) paths: Vec<String>,
    /// What the walk's caller keeps of the commit ([`crate::Repo::walk_keeping`]), opaque here;
    /// empty when it keeps nothing.
    pub(crate) kept: Box<[u8]>,
}

/// A cached commit, read in place from the loaded file.
#[derive(Clone, Copy)]
pub(crate) struct Cached<'c> {
    pub(crate) time: i64,
    parents: &'c [u8],
    pub(crate) message: &'c [u8],
    path_count: usize,
    paths: &'c [u8],
    pub(crate) kept: &'c [u8],
}

impl Cached<'_> {
    pub(crate) fn parents(&self) -> impl Iterator<Item = Oid> + '_ {
        self.parents.chunks_exact(ID).map(|id| Oid::from_bytes(id).expect("20 bytes"))
    }

    pub(crate) fn paths(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.path_count);
        let mut rest = self.paths;
        for _ in 0..self.path_count {
            let length = read_u32(rest, 0) as usize;
            out.push(crate::text(&rest[4..4 + length]).into_owned());
            rest = &rest[4 + length..];
        }
        out
    }
}

/// Tail files kept beside the main file before a write folds them into it.
const MAX_TAILS: usize = 8;

/// One file read: the main file or a tail, header and payload, checked (kept whole: cutting the
/// header off would move every byte of it).
struct Loaded {
    bytes: Vec<u8>,
    /// Its entry count, from the header checked when it was read.
    count: usize,
    /// A tail's path (removed once folded into the main file); `None` for the main file.
    tail: Option<PathBuf>,
}

impl Loaded {
    fn payload(&self) -> &[u8] {
        self.bytes.get(HEADER..).unwrap_or_default()
    }
}

/// Where an entry is: which loaded file, and the offset in its payload just past the id.
#[derive(Clone, Copy)]
pub(crate) struct Location {
    file: u32,
    offset: usize,
}

/// The loaded cache and the entries this run adds to it.
///
/// On disk it is a main file and up to [`MAX_TAILS`] tail files beside it
/// (`commit-cache.<unique>.tail`), each whole and checksummed like the main file. A run that read
/// a few new commits writes them as a new tail instead of rewriting the main file (15 MB at
/// 50,000 commits for five new commits); a run that finds too many tails, or tails as large as a
/// tenth of the main file, writes everything into a new main file and removes the tails it read.
/// Tails have unique names, so writers never collide; a reader that meets an entry twice (a main
/// file written before the tails it holds were removed) takes the first.
pub(crate) struct CommitCache {
    /// Where it is written; `None` when it is not (no usable git directory).
    file: Option<PathBuf>,
    /// The files read, main file first (when it was whole); each checked.
    files: Vec<Loaded>,
    /// Whether the main file was read whole.
    main_loaded: bool,
    /// Tails found damaged: removed by the next write of the main file.
    damaged_tails: Vec<PathBuf>,
    /// Commit id -> where its entry is.
    index: IdMap<Location>,
    added: Vec<(Oid, Entry)>,
    /// [`MAX_ENTRIES`], but for tests.
    max_entries: usize,
}

impl CommitCache {
    /// Loads the cache at `file` and its tails; a missing, unreadable, foreign or damaged file
    /// counts as empty, and is rewritten by the next write.
    pub(crate) fn load(file: PathBuf) -> CommitCache {
        let mut cache = CommitCache::empty(Some(file.clone()));
        if let Ok(bytes) = std::fs::read(&file) {
            cache.main_loaded = cache.take(bytes, None);
        }
        for tail in tails_of(&file) {
            if let Ok(bytes) = std::fs::read(&tail)
                && cache.take(bytes, Some(tail.clone()))
            {
                continue;
            }
            cache.damaged_tails.push(tail);
        }
        cache
    }

    /// Indexes a file's entries (those not already indexed); false when it is not whole.
    fn take(&mut self, bytes: Vec<u8>, tail: Option<PathBuf>) -> bool {
        let Some(count) = check(&bytes) else { return false };
        let file = u32::try_from(self.files.len()).expect("a handful of files");
        let Some(entries) = entries(&bytes[HEADER..], count) else { return false };
        self.index.reserve(entries.len());
        for (id, offset) in entries {
            self.index.entry(Key(id)).or_insert(Location { file, offset });
        }
        self.files.push(Loaded { bytes, count, tail });
        true
    }

    /// A cache that is neither read nor written (`file` `None`), or not read yet.
    pub(crate) fn empty(file: Option<PathBuf>) -> CommitCache {
        CommitCache {
            file,
            files: Vec::new(),
            main_loaded: false,
            damaged_tails: Vec::new(),
            index: IdMap::default(),
            added: Vec::new(),
            max_entries: MAX_ENTRIES,
        }
    }

    pub(crate) fn get(&self, id: Oid) -> Option<Cached<'_>> {
        let location = *self.index.get(&Key(id))?;
        Some(entry_at(self.files[location.file as usize].payload(), location.offset).expect("checked when loaded").0)
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len() + self.added.len()
    }

    /// Whether this run read commits the cache did not hold.
    pub(crate) fn has_additions(&self) -> bool {
        !self.added.is_empty()
    }

    /// Records a commit this run read from the repository.
    pub(crate) fn add(&mut self, id: Oid, entry: Entry) {
        if !self.index.contains_key(&Key(id)) {
            self.added.push((id, entry));
        }
    }

    /// Writes what this run added: as a new tail, or everything into a new main file.
    pub(crate) fn save(&mut self) {
        if self.added.is_empty() {
            return;
        }
        let Some(file) = self.file.clone() else { return };
        let mut tail = Vec::with_capacity(self.added.len() * 256);
        for (id, entry) in &self.added {
            encode(&mut tail, *id, entry);
        }
        if !self.folds(tail.len()) {
            let _ = write_atomically(&tail_path(&file), &tail, self.added.len());
            return;
        }
        let (payload, count) = self.payload_to_write();
        if write_atomically(&file, &payload, count).is_ok() {
            let tails = self.files.iter().filter_map(|loaded| loaded.tail.as_ref());
            for tail in tails.chain(&self.damaged_tails) {
                let _ = std::fs::remove_file(tail);
            }
        }
    }

    /// Whether this run's additions (`added_bytes` encoded) are written by folding everything
    /// into a new main file rather than as a new tail: when there is no whole main file, a tail
    /// is damaged, there are [`MAX_TAILS`] tails already, the tails would hold more than a tenth
    /// of the main file's bytes, or the bound is passed.
    fn folds(&self, added_bytes: usize) -> bool {
        let tails = self.files.iter().filter(|loaded| loaded.tail.is_some());
        let (tail_count, tail_bytes) =
            tails.fold((0, added_bytes), |(count, bytes), tail| (count + 1, bytes + tail.bytes.len()));
        let main_bytes = if self.main_loaded { self.files[0].bytes.len() } else { 0 };
        !self.main_loaded
            || !self.damaged_tails.is_empty()
            || tail_count >= MAX_TAILS
            || tail_bytes > main_bytes / 10
            || self.len() > self.max_entries
    }

    /// Every entry, each once: the files' as they are, then this run's, the oldest dropped past
    /// the bound.
    fn payload_to_write(&self) -> (Vec<u8>, usize) {
        let count = self.len();
        if count <= self.max_entries {
            let loaded: usize = self.files.iter().map(|loaded| loaded.payload().len()).sum();
            let mut payload = Vec::with_capacity(loaded + self.added.len() * 256);
            self.for_each_loaded(|bytes| payload.extend_from_slice(bytes));
            for (id, entry) in &self.added {
                encode(&mut payload, *id, entry);
            }
            return (payload, count);
        }
        let mut all: Vec<(Oid, Entry)> =
            self.index.keys().filter_map(|Key(id)| Some((*id, self.decode(*id)?))).collect();
        all.extend(self.added.iter().cloned());
        all.sort_by_key(|(id, entry)| (std::cmp::Reverse(entry.time), *id));
        all.truncate(self.max_entries);
        let mut payload = Vec::new();
        for (id, entry) in &all {
            encode(&mut payload, *id, entry);
        }
        (payload, all.len())
    }

    /// The encoded bytes (id and entry) of every loaded entry the index points at: a file whose
    /// entries all count is handed over whole, a tail partly held elsewhere entry by entry.
    fn for_each_loaded(&self, mut add: impl FnMut(&[u8])) {
        for (file, loaded) in self.files.iter().enumerate() {
            let payload = loaded.payload();
            // Checked whole when loaded: walked again for the entries' bounds, not checksummed again.
            let entries = entries(payload, loaded.count).expect("checked when loaded");
            let counts = |(id, offset): &(Oid, usize)| {
                self.index.get(&Key(*id)).is_some_and(|at| at.file as usize == file && at.offset == *offset)
            };
            if entries.iter().all(counts) {
                add(payload);
                continue;
            }
            for (position, entry) in entries.iter().enumerate() {
                if counts(entry) {
                    let end = entries.get(position + 1).map_or(payload.len(), |(_, next)| next - ID);
                    add(&payload[entry.1 - ID..end]);
                }
            }
        }
    }

    fn decode(&self, id: Oid) -> Option<Entry> {
        let cached = self.get(id)?;
        Some(Entry {
            time: cached.time,
            parents: cached.parents().collect(),
            message: cached.message.into(),
            paths: cached.paths(),
            kept: cached.kept.into(),
        })
    }
}

/// The tails beside the cache's main file, by name (the order they are read in).
fn tails_of(file: &Path) -> Vec<PathBuf> {
    let Some(folder) = file.parent() else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let prefix = format!("{}.", file_name(file));
    let mut tails: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".tail")
        })
        .map(|entry| entry.path())
        .collect();
    tails.sort();
    tails
}

/// A new tail's name: unique to this process and write.
fn tail_path(file: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_nanos());
    file.with_file_name(format!("{}.{nanos:x}.{}.{}.tail", file_name(file), std::process::id(), next_count()))
}

fn file_name(file: &Path) -> &str {
    file.file_name().and_then(|name| name.to_str()).unwrap_or("commit-cache")
}

fn next_count() -> u64 {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn check(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC || read_u32(bytes, 8) != VERSION {
        return None;
    }
    let count = read_u32(bytes, 12) as usize;
    let length = usize::try_from(read_u64(bytes, 16)).ok()?;
    let checksum = read_u64(bytes, 24);
    if bytes.len() - HEADER != length || checksum_of(&bytes[HEADER..]) != checksum {
        return None;
    }
    Some(count)
}

/// Every entry's offset, or `None` when the entries do not fill the payload exactly.
/// Every entry's id and offset (just past the id), in file order; `None` unless the payload is
/// exactly `count` whole entries.
fn entries(payload: &[u8], count: usize) -> Option<Vec<(Oid, usize)>> {
    let mut entries = Vec::with_capacity(count);
    let mut offset = 0;
    for _ in 0..count {
        let id = Oid::from_bytes(payload.get(offset..offset + ID)?).ok()?;
        let (_, next) = entry_at(payload, offset + ID)?;
        entries.push((id, offset + ID));
        offset = next;
    }
    (offset == payload.len()).then_some(entries)
}

/// The entry at `offset` (just past its id) and the offset of the next entry's id.
fn entry_at(payload: &[u8], offset: usize) -> Option<(Cached<'_>, usize)> {
    let mut at = offset;
    let mut take = |length: usize| -> Option<&[u8]> {
        let slice = payload.get(at..at.checked_add(length)?)?;
        at += length;
        Some(slice)
    };
    let time = i64::from_le_bytes(take(8)?.try_into().ok()?);
    let parent_count = read_u32(take(4)?, 0) as usize;
    let parents = take(parent_count.checked_mul(ID)?)?;
    let message_length = read_u32(take(4)?, 0) as usize;
    let message = take(message_length)?;
    let path_count = read_u32(take(4)?, 0) as usize;
    let paths_start = at;
    for _ in 0..path_count {
        let length = read_u32(payload.get(at..at + 4)?, 0) as usize;
        at += 4;
        payload.get(at..at.checked_add(length)?)?;
        at += length;
    }
    let paths = &payload[paths_start..at];
    let kept_length = read_u32(payload.get(at..at + 4)?, 0) as usize;
    at += 4;
    let kept = payload.get(at..at.checked_add(kept_length)?)?;
    at += kept_length;
    Some((Cached { time, parents, message, path_count, paths, kept }, at))
}

/// Appends one entry: id, time, parents, message, paths, the caller's bytes, lengths as
/// little-endian `u32`.
fn encode(out: &mut Vec<u8>, id: Oid, entry: &Entry) {
    let length = |length: usize| u32::try_from(length).expect("a commit's parts are under 4 GiB").to_le_bytes();
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(&entry.time.to_le_bytes());
    out.extend_from_slice(&length(entry.parents.len()));
    for parent in &entry.parents {
        out.extend_from_slice(parent.as_bytes());
    }
    out.extend_from_slice(&length(entry.message.len()));
    out.extend_from_slice(&entry.message);
    out.extend_from_slice(&length(entry.paths.len()));
    for path in &entry.paths {
        out.extend_from_slice(&length(path.len()));
        out.extend_from_slice(path.as_bytes());
    }
    out.extend_from_slice(&length(entry.kept.len()));
    out.extend_from_slice(&entry.kept);
}

/// Writes header and payload to a new file beside `file`, then renames it over `file`.
fn write_atomically(file: &Path, payload: &[u8], count: usize) -> std::io::Result<()> {
    let folder = file.parent().expect("the cache file is in a folder");
    std::fs::create_dir_all(folder)?;
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.extend_from_slice(&u32::try_from(count).unwrap_or(u32::MAX).to_le_bytes());
    header.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    header.extend_from_slice(&checksum_of(payload).to_le_bytes());
    let temporary = temporary_path(file);
    let result = (|| {
        let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        out.write_all(&header)?;
        out.write_all(payload)?;
        drop(out);
        std::fs::rename(&temporary, file)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// A name no other writer uses: this process's id and a per-process counter.
fn temporary_path(file: &Path) -> PathBuf {
    file.with_file_name(format!(".{}.{}.{}.tmp", file_name(file), std::process::id(), next_count()))
}

/// Removes the cache file, its tails and the temporaries of writers that died before their
/// rename; returns the bytes removed (the files' and the tails' sizes), or `None` when there was
/// no cache.
pub(crate) fn remove(file: &Path) -> std::io::Result<Option<u64>> {
    let mut removed = match std::fs::metadata(file) {
        Ok(metadata) => Some(metadata.len()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    if removed.is_some() {
        std::fs::remove_file(file)?;
    }
    for tail in tails_of(file) {
        // A tail another run folded and removed meanwhile is gone already: not an error.
        let size = match std::fs::metadata(&tail).and_then(|metadata| std::fs::remove_file(&tail).map(|()| metadata)) {
            Ok(metadata) => metadata.len(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        removed = Some(removed.unwrap_or(0) + size);
    }
    let prefix = format!(".{}.", file_name(file));
    let Some(entries) = file.parent().and_then(|folder| std::fs::read_dir(folder).ok()) else {
        return Ok(removed);
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name();
        let entry_name = entry_name.to_string_lossy();
        if entry_name.starts_with(&prefix) && entry_name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(removed)
}

/// A 64-bit checksum (not cryptographic: it tells a damaged file from a good one), eight bytes
/// at a time so a large cache checks in milliseconds.
pub(crate) fn checksum_of(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        hash = (hash ^ word).wrapping_mul(PRIME).rotate_left(29);
    }
    for &byte in chunks.remainder() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME).rotate_left(29);
    }
    hash ^ (hash >> 32)
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(time: i64, paths: &[&str]) -> Entry {
        Entry {
            time,
            parents: vec![Oid::from_bytes(&[7; 20]).unwrap()],
            message: b"feat: x\n".to_vec().into(),
            paths: paths.iter().map(|path| path.to_string()).collect(),
            kept: paths.iter().map(|path| path.len() as u8).collect(),
        }
    }

    fn id(byte: u8) -> Oid {
        Oid::from_bytes(&[byte; 20]).unwrap()
    }

    #[test]
    fn entries_survive_a_write_and_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = path_in(dir.path());
        let mut cache = CommitCache::load(file.clone());
        cache.add(id(1), entry(10, &["a/b.rs", "c"]));
        cache.add(id(2), entry(20, &[]));
        cache.save();
        let cache = CommitCache::load(file);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.decode(id(1)), Some(entry(10, &["a/b.rs", "c"])));
        assert_eq!(cache.decode(id(2)), Some(entry(20, &[])));
        assert!(cache.get(id(3)).is_none());
    }

    #[test]
    fn a_damaged_file_loads_as_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        let file = path_in(dir.path());
        let mut cache = CommitCache::load(file.clone());
        cache.add(id(1), entry(10, &["a"]));
        cache.save();
        let good = std::fs::read(&file).unwrap();
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut other_version = good.clone();
        other_version[8] = 99;
        for bytes in [good[..good.len() - 3].to_vec(), flipped, other_version, b"garbage".to_vec(), Vec::new()] {
            std::fs::write(&file, bytes).unwrap();
            assert_eq!(CommitCache::load(file.clone()).len(), 0);
        }
    }

    #[test]
    fn past_the_bound_the_oldest_entries_go() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = CommitCache::load(path_in(dir.path()));
        cache.max_entries = 3;
        for n in 0..5 {
            cache.add(id(n), entry(i64::from(n), &[]));
        }
        let (payload, count) = cache.payload_to_write();
        assert_eq!(count, 3);
        let entries = entries(&payload, count).unwrap();
        let oldest = entries.iter().map(|&(_, offset)| entry_at(&payload, offset).unwrap().0.time).min();
        assert_eq!(oldest, Some(2));
    }

    /// A main file of `count` entries (ids 100..), big enough that one-entry tails stay tails.
    fn main_file(dir: &Path, count: u8) -> PathBuf {
        let file = path_in(dir);
        let mut cache = CommitCache::load(file.clone());
        for n in 0..count {
            cache.add(id(100 + n), entry(i64::from(n), &["packages/some/where/deep/enough.rs"]));
        }
        cache.save();
        assert!(tails_of(&file).is_empty());
        file
    }

    fn add_one(file: &Path, byte: u8) {
        let mut cache = CommitCache::load(file.to_path_buf());
        cache.add(id(byte), entry(1_000 + i64::from(byte), &["new"]));
        cache.save();
    }

    #[test]
    fn a_few_new_commits_go_to_a_tail_and_the_main_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let file = main_file(dir.path(), 100);
        let main = std::fs::read(&file).unwrap();
        add_one(&file, 1);
        assert_eq!(std::fs::read(&file).unwrap(), main, "the main file is not rewritten");
        let tails = tails_of(&file);
        assert_eq!(tails.len(), 1);
        let cache = CommitCache::load(file.clone());
        assert_eq!(cache.len(), 101);
        assert_eq!(cache.decode(id(1)), Some(entry(1_001, &["new"])));
        assert_eq!(cache.decode(id(100)), Some(entry(0, &["packages/some/where/deep/enough.rs"])));
        let tail_size = std::fs::metadata(&tails[0]).unwrap().len();
        assert_eq!(remove(&file).unwrap(), Some(main.len() as u64 + tail_size));
        assert!(tails_of(&file).is_empty() && !file.exists());
    }

    #[test]
    fn tails_are_folded_into_the_main_file_past_their_limit_each_entry_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = main_file(dir.path(), 100);
        let main = std::fs::read(&file).unwrap();
        for byte in 1..=MAX_TAILS as u8 {
            add_one(&file, byte);
        }
        assert_eq!(tails_of(&file).len(), MAX_TAILS);
        // Another writer wrote the same commit as a tail: read once, written once.
        let tails = tails_of(&file);
        std::fs::copy(&tails[0], tails[0].with_extension("copy.tail")).unwrap();
        add_one(&file, 99);
        assert!(tails_of(&file).is_empty(), "folded: {:?}", tails_of(&file));
        let folded = std::fs::read(&file).unwrap();
        assert_eq!(folded[HEADER..main.len()], main[HEADER..], "the old entries first, as they were");
        let cache = CommitCache::load(file.clone());
        assert_eq!(cache.len(), 100 + MAX_TAILS + 1);
        let count = check(&folded).unwrap();
        assert_eq!(count, cache.len(), "no entry written twice");
        assert_eq!(cache.decode(id(99)), Some(entry(1_099, &["new"])));
    }

    #[test]
    fn a_damaged_tail_is_skipped_then_removed_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let file = main_file(dir.path(), 100);
        add_one(&file, 1);
        let tail = tails_of(&file).remove(0);
        let good = std::fs::read(&tail).unwrap();
        std::fs::write(&tail, &good[..good.len() - 1]).unwrap();
        assert_eq!(CommitCache::load(file.clone()).len(), 100, "the damaged tail counts as empty");
        add_one(&file, 2);
        assert!(tails_of(&file).is_empty(), "folded, the damaged tail removed");
        let cache = CommitCache::load(file.clone());
        assert_eq!(cache.len(), 101);
        assert!(cache.get(id(2)).is_some() && cache.get(id(1)).is_none());
    }
}
