//! Everything that reads git: the repository, its tags, reachability, and the one-pass history
//! walk that gives every commit in the union of all packages' ranges with its changed paths.
//!
//! Reads go through git2 in-process (no network features, no OpenSSL), except the paths each
//! commit changed, which one streamed `git diff-tree --stdin` process gives the history walk
//! (`paths.rs`: git compares trees faster than libgit2). This crate knows nothing
//! of packages or versions: a range is "reachable from the head, not from this base".
//!
//! ```no_run
//! let repo = release_git::Repo::open(std::path::Path::new(".")).unwrap();
//! let head = repo.resolve("HEAD").unwrap();
//! let commits = repo.walk(head, &[None], |commit| commit.paths.len()).unwrap();
//! println!("{} commits", commits.len());
//! ```

mod cache;
mod command;
mod host;
mod index;
mod paths;
mod prefetch;
mod refs;
mod tag_refs;
mod walk;
mod worktree;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use git2::Oid;

pub use cache::MAX_ENTRIES as CACHE_MAX_ENTRIES;
pub use command::{PushError, PushStatus, PushedRef};
pub use host::{holds_lock, host, process_alive, process_start};
pub use release_commit_id::CommitId;
pub use walk::{CommitData, RangeSet, Reachability, Walked};
pub use worktree::Worktree;

/// Whether repositories opened from now on use the commit cache (see [`Repo::set_cache`]).
static CACHE_BY_DEFAULT: AtomicBool = AtomicBool::new(true);

/// Turns the commit cache on or off for every repository opened afterwards in this process:
/// what `release plan --no-cache` sets, because the commands open their repositories themselves.
pub fn set_cache_by_default(enabled: bool) {
    CACHE_BY_DEFAULT.store(enabled, Ordering::Relaxed);
}

/// Whether `name` can be a tag: what `git check-ref-format` accepts under `refs/tags/`, not
/// already a full ref (`refs/heads/main` would become `refs/tags/refs/heads/main`), and no leading
/// `-`, which `git tag` refuses and other commands would read as an option.
pub fn is_valid_tag_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.starts_with("refs/")
        && !name.chars().any(char::is_whitespace)
        && git2::Reference::is_valid_name(&format!("refs/tags/{name}"))
}

/// Errors from reading a repository.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("not a git repository: `{path}` (hint: run `release` inside a clone, or pass `-C PATH`)")]
    NotARepository { path: PathBuf },

    #[error(
        "`{path}` is a bare repository: it has no work tree to read manifests from (hint: run `release` inside a work tree, a clone or a `git worktree add` of it)"
    )]
    Bare { path: PathBuf },

    #[error(
        "the repository at `{path}` has no commits yet: branch `{branch}` is unborn (hint: `git commit` first; versions are planned from the history)"
    )]
    Empty { path: PathBuf, branch: String },

    #[error(
        "branch `{branch}` has no commits yet, though the repository at `{path}` has commits on other branches (hint: `git commit` on it first, or `git switch` to a branch with commits)"
    )]
    UnbornBranch { path: PathBuf, branch: String },

    #[error(
        "shallow clone: the history of `{path}` is incomplete, so versions cannot be computed (hint: `git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
    )]
    Shallow { path: PathBuf },

    #[error(
        "treeless partial clone (`--filter={filter}`): the trees of past commits of `{path}` are not here, so the paths each commit changed cannot be read (hint: clone with `--filter=blob:none`, which keeps every tree, or without a filter; in actions/checkout, `filter: blob:none` or none)"
    )]
    Treeless { path: PathBuf, filter: String },

    #[error(
        "revision `{rev}` does not resolve to a commit (hint: use a branch, a tag or a commit id, e.g. `--head main`)"
    )]
    UnknownRevision { rev: String },

    #[error(
        "cannot remove the commit cache `{path}`: {source} (hint: it only makes plans faster; deleting the folder by hand is safe)"
    )]
    ClearCache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "commit `{id}` is a SHA-256 id, and this build reads SHA-1 repositories only (hint: use a SHA-1 clone of the repository)"
    )]
    Sha256 { id: CommitId },

    #[error("git: {operation}: {detail}")]
    Command { operation: String, detail: String },

    #[error("git: {operation}: {source}")]
    Git {
        operation: String,
        #[source]
        source: git2::Error,
    },
}

impl release_exit::Classify for GitError {
    fn exit_class(&self) -> release_exit::ExitClass {
        use release_exit::ExitClass;
        match self {
            // libgit2 failing to read what exists is not something the user asked wrongly.
            GitError::Git { .. } | GitError::ClearCache { .. } => ExitClass::Unexpected,
            GitError::NotARepository { .. }
            | GitError::Bare { .. }
            | GitError::Empty { .. }
            | GitError::UnbornBranch { .. }
            | GitError::Shallow { .. }
            | GitError::Treeless { .. }
            | GitError::UnknownRevision { .. }
            | GitError::Sha256 { .. }
            | GitError::Command { .. } => ExitClass::InvalidInput,
        }
    }
}

/// git2's id for a commit id: git2 reads SHA-1 repositories only, so a SHA-256 id (from a
/// ledger or a journal written elsewhere) names nothing here.
pub(crate) fn oid(id: CommitId) -> Result<Oid, GitError> {
    Oid::from_bytes(id.as_bytes()).ok().filter(|_| id.as_bytes().len() == 20).ok_or(GitError::Sha256 { id })
}

/// The commit id of a git2 id (20 bytes, always a valid id).
pub(crate) fn commit_id(oid: Oid) -> CommitId {
    CommitId::from_bytes(oid.as_bytes()).expect("git2 ids are 20 bytes")
}

/// The git2 id of a commit id made by [`commit_id`].
pub(crate) fn oid_of(id: CommitId) -> Oid {
    oid(id).expect("made from a git2 id, so 20 bytes")
}

/// A folder for a message: without the trailing `/` git2 gives folders.
fn display_path(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    let trimmed = text.trim_end_matches('/');
    PathBuf::from(if trimmed.is_empty() { "/" } else { trimmed })
}

pub(crate) trait Context<T> {
    fn context(self, operation: impl FnOnce() -> String) -> Result<T, GitError>;
}

impl<T> Context<T> for Result<T, git2::Error> {
    fn context(self, operation: impl FnOnce() -> String) -> Result<T, GitError> {
        self.map_err(|source| GitError::Git { operation: operation(), source })
    }
}

/// A tag and the object it points at (a commit, or an annotated tag object: see
/// [`Repo::peel_tag`]; peeling every tag of a big repository up front is wasted work).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    /// The object the ref names (git2's id: a tag object's id is no commit id, and only
    /// [`Repo::peel_tag`] reads it).
    pub(crate) target: Oid,
    /// What an annotated tag peels to, when `packed-refs` records it (as clones and
    /// `git pack-refs` do): known without reading the tag object.
    pub(crate) peeled: Option<Oid>,
}

/// An open repository.
pub struct Repo {
    repository: git2::Repository,
    root: PathBuf,
    /// Whether [`Repo::walk`] reads and writes the commit cache.
    cache: bool,
    /// The commit cache as the last walk left it, when that walk added nothing: the next walk
    /// of this run (a backtest makes hundreds) does not read the file again.
    loaded: std::cell::RefCell<Option<cache::CommitCache>>,
    /// The `git diff-tree` [`Repo::prepare_walk`] started for the next walk.
    prestarted: std::cell::RefCell<Option<prefetch::Prestarted>>,
    /// The thread writing the commit cache a walk added to; joined by the next walk,
    /// [`Repo::finish_cache_writes`] or the drop.
    saving: std::cell::RefCell<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Repo {
    fn drop(&mut self) {
        self.finish_cache_writes();
    }
}

impl Repo {
    /// Opens the repository containing `path` (a work tree, not a bare repository).
    pub fn open(path: &Path) -> Result<Repo, GitError> {
        // Objects are read, not fetched: like `git log`, trust the object database instead of
        // re-hashing every tree and commit read (a quarter of a full-history plan's time).
        git2::opts::strict_hash_verification(false);
        // No object cache: the walk reads each commit once and keeps what it needs, and the
        // cache (256 MiB by default) held every commit read, a third of a 200,000-commit plan's
        // memory. The rest of a run reads a few objects, most of them once (docs/performance.md).
        git2::opts::enable_caching(false);
        let repository =
            git2::Repository::open_ext(path, git2::RepositoryOpenFlags::empty(), std::iter::empty::<&str>())
                .map_err(|_| GitError::NotARepository { path: path.to_path_buf() })?;
        let Some(workdir) = repository.workdir() else {
            // A bare repository, or its `.git` directory entered with `-C`: a repository, but one
            // without the files a plan reads.
            return Err(GitError::Bare { path: display_path(repository.path()) });
        };
        let root = workdir.to_path_buf();
        let cache = CACHE_BY_DEFAULT.load(Ordering::Relaxed);
        Ok(Repo {
            repository,
            root,
            cache,
            loaded: std::cell::RefCell::new(None),
            prestarted: std::cell::RefCell::new(None),
            saving: std::cell::RefCell::new(None),
        })
    }

    /// The `.git` directory (for locks and journals that must not show up as changes).
    pub fn git_dir(&self) -> &Path {
        self.repository.path()
    }

    /// The root of the work tree.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `user.name` as git reads it for this repository (its own config, then the user's and
    /// the system's), or `None` when it is unset or blank.
    pub fn user_name(&self) -> Option<String> {
        let config = self.repository.config().ok()?;
        let name = config.get_string("user.name").ok()?;
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_string())
    }

    /// Fails on an unborn branch (in an empty repository or not) or a shallow clone, the states
    /// a plan cannot be made in.
    pub fn check_history(&self) -> Result<(), GitError> {
        match self.repository.head() {
            Ok(_) => {}
            Err(error) if error.code() == git2::ErrorCode::UnbornBranch => {
                let path = display_path(&self.root);
                let branch = self.unborn_branch();
                // Not `is_empty`: libgit2 answers it only for the default branch's name. Any
                // other ref (a branch, a tag) means the repository has commits elsewhere.
                let other_refs = self.repository.references().is_ok_and(|mut references| references.next().is_some());
                return Err(if other_refs {
                    GitError::UnbornBranch { path, branch }
                } else {
                    GitError::Empty { path, branch }
                });
            }
            Err(source) => return Err(GitError::Git { operation: "reading HEAD".into(), source }),
        }
        if self.repository.is_shallow() {
            return Err(GitError::Shallow { path: self.root.clone() });
        }
        if let Some(filter) = self.tree_filter() {
            return Err(GitError::Treeless { path: self.root.clone(), filter });
        }
        Ok(())
    }

    /// The filter of a partial clone that leaves trees out (`tree:0`, or a `combine:` with one):
    /// the walk reads every commit's tree, and git would fetch each one on demand, or (as the
    /// walk asks it) fail. A `blob:none` clone keeps every tree, and is fine.
    fn tree_filter(&self) -> Option<String> {
        let config = self.repository.config().ok()?;
        let mut entries = config.entries(Some(r"remote\..*\.partialclonefilter")).ok()?;
        while let Some(entry) = entries.next() {
            let Ok(entry) = entry else { continue };
            if let Some(filter) = entry.value().ok().filter(|filter| filter.contains("tree:")) {
                return Some(filter.to_string());
            }
        }
        None
    }

    /// The branch HEAD names when it has no commit yet (`main` in a fresh `git init`).
    fn unborn_branch(&self) -> String {
        let Ok(head) = self.repository.find_reference("HEAD") else {
            return "HEAD".into();
        };
        match head.symbolic_target_bytes() {
            Some(target) => {
                let target = String::from_utf8_lossy(target);
                target.strip_prefix("refs/heads/").unwrap_or(&target).to_string()
            }
            None => "HEAD".into(),
        }
    }

    /// Resolves a revision to a commit.
    pub fn resolve(&self, rev: &str) -> Result<CommitId, GitError> {
        let object =
            self.repository.revparse_single(rev).map_err(|_| GitError::UnknownRevision { rev: rev.to_string() })?;
        let commit = object.peel_to_commit().map_err(|_| GitError::UnknownRevision { rev: rev.to_string() })?;
        Ok(commit_id(commit.id()))
    }

    /// Every tag, unpeeled, sorted by name.
    pub fn tags(&self) -> Result<Vec<Tag>, GitError> {
        if let Some(tags) = tag_refs::read(self.repository.commondir()) {
            return Ok(tags);
        }
        let references = self.repository.references_glob("refs/tags/*").context(|| "listing tags".into())?;
        let mut tags = Vec::new();
        for reference in references {
            let reference = reference.context(|| "reading a tag".into())?;
            let Some(name) = reference.name().ok().and_then(|name| name.strip_prefix("refs/tags/")) else {
                continue;
            };
            if let Some(target) = reference.target() {
                tags.push(Tag { name: name.to_string(), target, peeled: reference.target_peel() });
            }
        }
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tags)
    }

    /// The commit a tag names (its target for a lightweight tag), or `None` for a tag of
    /// something else (a tree, a blob). A peeled id from `packed-refs` only needs its type read.
    pub fn peel_tag(&self, tag: &Tag) -> Option<CommitId> {
        let odb = self.repository.odb().ok()?;
        if let Some(peeled) = tag.peeled {
            let kind = odb.read_header(peeled).ok()?.1;
            return (kind == git2::ObjectType::Commit).then_some(commit_id(peeled));
        }
        // A lightweight tag of a commit (most of them) needs only its target's type, which a
        // pack records in the object's header: nothing to inflate.
        if odb.read_header(tag.target).ok()?.1 == git2::ObjectType::Commit {
            return Some(commit_id(tag.target));
        }
        let object = self.repository.find_object(tag.target, None).ok()?;
        object.peel_to_commit().ok().map(|commit| commit_id(commit.id()))
    }

    /// Whether HEAD's tree holds `path` (`/`-separated): a file whose deletion a commit records.
    pub fn in_head(&self, path: &str) -> bool {
        let tree = self.repository.head().and_then(|head| head.peel_to_tree());
        tree.is_ok_and(|tree| tree.get_path(Path::new(path)).is_ok())
    }

    /// The tracked files whose name (last path component) is one of `names`, `/`-separated, in
    /// index order: what discovery needs, without building the whole list of a large monorepo.
    pub fn tracked_files_named(&self, names: &[&str]) -> Result<Vec<String>, GitError> {
        // `GIT_INDEX_FILE` points git elsewhere: then git itself answers.
        if std::env::var_os("GIT_INDEX_FILE").is_none()
            && let Ok(bytes) = std::fs::read(self.repository.path().join("index"))
            && let Some(found) = index::named_entries(&bytes, names)
        {
            return Ok(found);
        }
        // A split or sparse index, or one this scanner does not know: git itself lists it.
        let output = command::run_git(&self.root, &["ls-files", "-z", "--"], "listing the tracked files")?;
        let wanted = |path: &&str| names.iter().any(|name| path.rsplit('/').next() == Some(*name));
        let mut found: Vec<String> =
            String::from_utf8_lossy(&output.stdout).split('\0').filter(wanted).map(str::to_string).collect();
        found.dedup();
        Ok(found)
    }

    /// Files that differ from HEAD in the index or the work tree, and untracked files that are
    /// not ignored, sorted.
    pub fn dirty_files(&self) -> Result<Vec<String>, GitError> {
        let mut options = git2::StatusOptions::new();
        options.include_untracked(true).recurse_untracked_dirs(true).include_ignored(false).exclude_submodules(true);
        let statuses = self.repository.statuses(Some(&mut options)).context(|| "reading the status".into())?;
        let mut files: Vec<String> = statuses
            .iter()
            .filter(|entry| entry.status() != git2::Status::CURRENT && !entry.status().contains(git2::Status::IGNORED))
            .filter_map(|entry| entry.path().ok().map(str::to_string))
            .collect();
        files.sort();
        Ok(files)
    }

    /// The URL of a remote, if it exists.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        self.repository.find_remote(name).ok().and_then(|remote| remote.url().ok().map(str::to_string))
    }

    /// An incremental "is this commit reachable from the head" oracle sharing one walk.
    pub fn reachability(&self, head: CommitId) -> Result<Reachability<'_>, GitError> {
        Reachability::new(&self.repository, oid(head)?)
    }

    /// Walks the union of the ranges `base..head` (one per entry of `bases`; `None` is all
    /// history) in one pass, newest first. `map` runs on rayon workers, each with its own
    /// repository handle, and turns each commit (message, changed paths) into the caller's data.
    ///
    /// With the commit cache on (the default), what earlier walks read of each commit comes
    /// from `.git/release/commit-cache`, and what this one had to read is added to it; the
    /// commits `map` sees are the same either way.
    pub fn walk<T, F>(&self, head: CommitId, bases: &[Option<CommitId>], map: F) -> Result<Vec<Walked<T>>, GitError>
    where
        T: Send,
        F: Fn(CommitData<'_>) -> T + Sync,
    {
        self.walk_keeping(head, bases, map, |_| Vec::new())
    }

    /// [`Repo::walk`], keeping `keep`'s bytes of each commit's data in the commit cache: a later
    /// walk hands them back to `map` ([`CommitData::kept`]), which can then skip the work that
    /// made the data (parsing the message). What `map` makes from them must be what it makes
    /// without them.
    pub fn walk_keeping<T, F, K>(
        &self,
        head: CommitId,
        bases: &[Option<CommitId>],
        map: F,
        keep: K,
    ) -> Result<Vec<Walked<T>>, GitError>
    where
        T: Send,
        F: Fn(CommitData<'_>) -> T + Sync,
        K: Fn(&T) -> Vec<u8>,
    {
        self.finish_cache_writes();
        let head = oid(head)?;
        let bases = bases.iter().map(|base| base.map(oid).transpose()).collect::<Result<Vec<_>, _>>()?;
        let bases = bases.as_slice();
        let mut prestarted = self.prestarted.take();
        let Some(file) = self.cache_path().filter(|_| self.cache) else {
            let walked = walk::walk(&self.repository, None, &mut prestarted, head, bases, map, keep);
            self.prestarted.replace(prestarted);
            return walked;
        };
        let mut cache = self.loaded.take().unwrap_or_else(|| cache::CommitCache::load(file));
        let walked = walk::walk(&self.repository, Some(&mut cache), &mut prestarted, head, bases, map, keep);
        self.prestarted.replace(prestarted);
        let walked = walked?;
        if cache.has_additions() {
            // Written on a thread of its own, while the caller plans (the whole file is
            // rewritten: some 20 ms at 50,000 commits), and read again by the next walk.
            // When no thread starts, `spawn` drops the closure and the cache: written next time.
            let save = move || cache.save();
            if let Ok(thread) = std::thread::Builder::new().name("release-cache-write".into()).spawn(save) {
                self.saving.replace(Some(thread));
            }
        } else {
            self.loaded.replace(Some(cache));
        }
        Ok(walked)
    }

    /// Waits for the commit cache being written, if a walk added to it. A process that ends
    /// without dropping its `Repo` calls this first, or the cache is not written.
    pub fn finish_cache_writes(&self) {
        if let Some(thread) = self.saving.take() {
            // A write that panicked only loses the cache.
            let _ = thread.join();
        }
    }

    /// Readies the next walk from `head` while the caller does other work: loads the commit
    /// cache, and when it does not hold `head` (so the walk will ask git for changed paths),
    /// starts the `git diff-tree` the walk reads them from, so git's start (exec, config)
    /// overlaps the caller's. When the cache holds nothing (a cold walk), git is also asked
    /// about the newest commits from `head` at once (`prefetch.rs`). Failing to start is left
    /// for the walk to report.
    pub fn prepare_walk(&self, head: CommitId) {
        let Ok(head) = oid(head) else { return };
        if self.prestarted.borrow().is_some() {
            return;
        }
        // The cache an earlier walk of this run is still writing: loaded before it is whole,
        // the file would be the old one, and this walk would read from git again what the
        // earlier one just read (a pull request comment's base plan after its head plan).
        self.finish_cache_writes();
        let cache_file = self.cache_path().filter(|_| self.cache);
        let record = cache_file.is_some();
        let mut cold = true;
        if let Some(file) = cache_file {
            let mut loaded = self.loaded.borrow_mut();
            let cache = loaded.get_or_insert_with(|| cache::CommitCache::load(file));
            if cache.get(head).is_some() {
                return;
            }
            cold = cache.len() == 0;
        }
        let git_dir = self.repository.path().to_path_buf();
        if let Ok(prestarted) = prefetch::Prestarted::start(git_dir, cold.then_some(head), record) {
            self.prestarted.replace(Some(prestarted));
        }
    }

    /// Turns the commit cache on or off for this repository's walks.
    pub fn set_cache(&mut self, enabled: bool) {
        self.cache = enabled;
    }

    /// Where the commit cache is kept: under the common git directory (shared by worktrees),
    /// never in the work tree. `None` in a shallow clone, whose boundary commits would be
    /// cached with the wrong parents.
    pub fn cache_path(&self) -> Option<PathBuf> {
        (!self.repository.is_shallow()).then(|| cache::path_in(self.repository.commondir()))
    }

    /// Removes the commit cache (and any temporary file a writer left); returns the bytes
    /// removed, or `None` when there was no cache.
    pub fn clear_cache(&self) -> Result<Option<u64>, GitError> {
        let file = cache::path_in(self.repository.commondir());
        let removed = cache::remove(&file).map_err(|source| GitError::ClearCache { path: file.clone(), source })?;
        Ok(removed)
    }
}

/// Bytes as text, invalid UTF-8 replaced: `String::from_utf8_lossy`, with the fast check first
/// (its chunked scan is several times slower on text that is valid, which is nearly all of it).
pub(crate) fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::{GitError, Repo};

    /// `user.name` is read through git2, so the CLI runs no `git config` of its own.
    #[test]
    fn user_name_is_read_from_the_repository_config_and_blank_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let repository = git2::Repository::init(dir.path()).unwrap();
        repository.config().unwrap().set_str("user.name", "  Ada Lovelace ").unwrap();
        assert_eq!(Repo::open(dir.path()).unwrap().user_name().as_deref(), Some("Ada Lovelace"));
        repository.config().unwrap().set_str("user.name", "   ").unwrap();
        assert_eq!(Repo::open(dir.path()).unwrap().user_name(), None);
    }

    /// Regression: a bare repository was "not a git repository", and an orphan branch in a
    /// repository with history was "the repository has no commits yet".
    #[test]
    fn repository_states_a_plan_cannot_start_from_are_named_for_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let check = |result: Result<(), GitError>, expected: &str| {
            let message = result.unwrap_err().to_string().replace(&root.display().to_string(), "[DIR]");
            assert_eq!(message, expected);
        };

        let bare = root.join("bare.git");
        git2::Repository::init_bare(&bare).unwrap();
        check(
            Repo::open(&bare).map(drop),
            "`[DIR]/bare.git` is a bare repository: it has no work tree to read manifests from (hint: run `release` inside a work tree, a clone or a `git worktree add` of it)",
        );

        let work = root.join("work");
        let repository =
            git2::Repository::init_opts(&work, git2::RepositoryInitOptions::new().initial_head("trunk")).unwrap();
        let repo = Repo::open(&work).unwrap();
        check(
            repo.check_history(),
            "the repository at `[DIR]/work` has no commits yet: branch `trunk` is unborn (hint: `git commit` first; versions are planned from the history)",
        );

        let signature = git2::Signature::new("a", "a@example.com", &git2::Time::new(1_735_689_600, 0)).unwrap();
        let tree = repository.find_tree(repository.index().unwrap().write_tree().unwrap()).unwrap();
        repository.commit(Some("HEAD"), &signature, &signature, "chore: initial\n", &tree, &[]).unwrap();
        assert!(Repo::open(&work).unwrap().check_history().is_ok());
        repository.set_head("refs/heads/orphan").unwrap();
        check(
            Repo::open(&work).unwrap().check_history(),
            "branch `orphan` has no commits yet, though the repository at `[DIR]/work` has commits on other branches (hint: `git commit` on it first, or `git switch` to a branch with commits)",
        );
    }
}
