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

/// The loaded cache and the entries this run adds to it.
pub(crate) struct CommitCache {
    /// Where it is written; `None` when it is not (no usable git directory).
    file: Option<PathBuf>,
    /// The file read, header and payload, checked (kept whole: cutting the header off would move
    /// every byte of it).
    bytes: Vec<u8>,
    /// Entry count of `payload`.
    loaded: usize,
    /// Commit id -> offset of its entry in `payload`, just past the id.
    index: IdMap<usize>,
    added: Vec<(Oid, Entry)>,
    /// [`MAX_ENTRIES`], but for tests.
    max_entries: usize,
}

impl CommitCache {
    /// Loads the cache at `file`; a missing, unreadable, foreign or damaged file gives an empty
    /// cache that will be rewritten.
    pub(crate) fn load(file: PathBuf) -> CommitCache {
        let mut cache = CommitCache::empty(Some(file.clone()));
        let Ok(bytes) = std::fs::read(&file) else { return cache };
        if let Some(count) = check(&bytes)
            && let Some(index) = index(&bytes[HEADER..], count)
        {
            cache.bytes = bytes;
            cache.loaded = count;
            cache.index = index;
        }
        cache
    }

    /// A cache that is neither read nor written (`file` `None`), or not read yet.
    pub(crate) fn empty(file: Option<PathBuf>) -> CommitCache {
        CommitCache {
            file,
            bytes: Vec::new(),
            loaded: 0,
            index: IdMap::default(),
            added: Vec::new(),
            max_entries: MAX_ENTRIES,
        }
    }

    pub(crate) fn get(&self, id: Oid) -> Option<Cached<'_>> {
        let offset = *self.index.get(&Key(id))?;
        Some(entry_at(self.payload(), offset).expect("checked when loaded").0)
    }

    pub(crate) fn len(&self) -> usize {
        self.loaded + self.added.len()
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

    /// Writes the cache when this run added to it. Failures are ignored: the cache is an
    /// optimisation, and a read-only repository simply has none.
    pub(crate) fn save(&mut self) {
        if self.added.is_empty() {
            return;
        }
        let Some(file) = self.file.clone() else { return };
        let (payload, count) = self.payload_to_write();
        let _ = write_atomically(&file, &payload, count);
    }

    /// The old payload with the new entries after it, or, past the bound, the newest entries.
    fn payload_to_write(&self) -> (Vec<u8>, usize) {
        let count = self.len();
        if count <= self.max_entries {
            let mut payload = Vec::with_capacity(self.payload().len() + self.added.len() * 256);
            payload.extend_from_slice(self.payload());
            for (id, entry) in &self.added {
                encode(&mut payload, *id, entry);
            }
            return (payload, count);
        }
        // Over the bound: keep the newest entries, old and new alike.
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

    /// The entries of the file read.
    fn payload(&self) -> &[u8] {
        self.bytes.get(HEADER..).unwrap_or_default()
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

/// The entry count of a cache file, when its header is ours and its checksum holds.
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
fn index(payload: &[u8], count: usize) -> Option<IdMap<usize>> {
    let mut index = IdMap::with_capacity_and_hasher(count, Default::default());
    let mut offset = 0;
    for _ in 0..count {
        let id = Oid::from_bytes(payload.get(offset..offset + ID)?).ok()?;
        let (_, next) = entry_at(payload, offset + ID)?;
        index.insert(Key(id), offset + ID);
        offset = next;
    }
    (offset == payload.len()).then_some(index)
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
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = file.file_name().and_then(|name| name.to_str()).unwrap_or("commit-cache");
    file.with_file_name(format!(".{name}.{}.{count}.tmp", std::process::id()))
}

/// Removes the cache file and the temporaries of writers that died before their rename;
/// returns the cache file's size, or `None` when there was none.
pub(crate) fn remove(file: &Path) -> std::io::Result<Option<u64>> {
    let size = match std::fs::metadata(file) {
        Ok(metadata) => Some(metadata.len()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    if size.is_some() {
        std::fs::remove_file(file)?;
    }
    let name = file.file_name().and_then(|name| name.to_str()).unwrap_or("commit-cache");
    let prefix = format!(".{name}.");
    let Some(entries) = file.parent().and_then(|folder| std::fs::read_dir(folder).ok()) else {
        return Ok(size);
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name();
        let entry_name = entry_name.to_string_lossy();
        if entry_name.starts_with(&prefix) && entry_name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(size)
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
        let index = index(&payload, count).unwrap();
        let oldest = index.values().map(|&offset| entry_at(&payload, offset).unwrap().0.time).min();
        assert_eq!(oldest, Some(2));
    }
}
