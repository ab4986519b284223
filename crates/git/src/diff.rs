//! Changed paths between two trees, comparing object ids and skipping identical subtrees.
//!
//! git2's `diff_tree_to_tree` builds a full diff (with deltas, similarity options, file modes)
//! and is many times slower than `git log --name-only` on a large history; all we need is the
//! list of paths whose blob or mode differs, which a merge-join of sorted tree entries gives.

use std::cmp::Ordering;
use std::collections::HashMap;

use git2::{Oid, Repository};

const TREE_MODE: i32 = 0o040000;

fn is_tree(entry: &git2::TreeEntry<'_>) -> bool {
    entry.filemode() == TREE_MODE
}

/// git sorts tree entries as if a tree's name ended with `/`.
fn cmp_entries(a: &git2::TreeEntry<'_>, b: &git2::TreeEntry<'_>) -> Ordering {
    let a_name = a.name_bytes().iter().copied().chain(is_tree(a).then_some(b'/'));
    let b_name = b.name_bytes().iter().copied().chain(is_tree(b).then_some(b'/'));
    a_name.cmp(b_name)
}

/// Trees read for the commit being compared and for the one before it. Walking newest first, a
/// commit's parent is usually the next commit compared, so the parent-side trees read for one
/// commit (always the root, and the big folders every change passes through) are the next
/// commit's own side. libgit2 caches no tree over 4 KiB, and a folder of a few hundred packages
/// is bigger, so without this each of those trees is read and parsed twice.
pub(crate) struct Trees<'r> {
    repository: &'r Repository,
    recent: HashMap<Oid, git2::Tree<'r>>,
    loaded: HashMap<Oid, git2::Tree<'r>>,
}

impl<'r> Trees<'r> {
    pub(crate) fn new(repository: &'r Repository) -> Trees<'r> {
        Trees { repository, recent: HashMap::new(), loaded: HashMap::new() }
    }

    /// Appends to `out` every path that differs between the trees `old` and `new` (`None` =
    /// empty); keeps the trees it read for the next call, and drops older ones.
    pub(crate) fn changed_paths(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        out: &mut Vec<String>,
    ) -> Result<(), git2::Error> {
        self.recent = std::mem::take(&mut self.loaded);
        let mut prefix = Vec::new();
        diff(self, old, new, &mut prefix, out)
    }

    fn load(&mut self, tree: Option<Oid>) -> Result<Option<git2::Tree<'r>>, git2::Error> {
        let Some(id) = tree else { return Ok(None) };
        if let Some(tree) = self.loaded.get(&id) {
            return Ok(Some(tree.clone()));
        }
        let tree = match self.recent.get(&id) {
            Some(tree) => tree.clone(),
            None => self.repository.find_tree(id)?,
        };
        self.loaded.insert(id, tree.clone());
        Ok(Some(tree))
    }
}

/// Compares two trees entry by entry, borrowing names from the trees (no copies).
fn diff(
    trees: &mut Trees<'_>,
    old: Option<Oid>,
    new: Option<Oid>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    if old == new {
        return Ok(());
    }
    let (old_tree, new_tree) = (trees.load(old)?, trees.load(new)?);
    let old_length = old_tree.as_ref().map_or(0, git2::Tree::len);
    let new_length = new_tree.as_ref().map_or(0, git2::Tree::len);
    let (mut i, mut j) = (0, 0);
    while i < old_length || j < new_length {
        let a = old_tree.as_ref().filter(|_| i < old_length).and_then(|tree| tree.get(i));
        let b = new_tree.as_ref().filter(|_| j < new_length).and_then(|tree| tree.get(j));
        let order = match (&a, &b) {
            (Some(a), Some(b)) => cmp_entries(a, b),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                visit(trees, a.as_ref(), None, prefix, out)?;
                i += 1;
            }
            Ordering::Greater => {
                visit(trees, None, b.as_ref(), prefix, out)?;
                j += 1;
            }
            Ordering::Equal => {
                let (a, b) = (a.expect("compared"), b.expect("compared"));
                if a.id() != b.id() || a.filemode() != b.filemode() {
                    visit(trees, Some(&a), Some(&b), prefix, out)?;
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

/// One entry that differs: recurse into trees, record anything else.
fn visit(
    trees: &mut Trees<'_>,
    old: Option<&git2::TreeEntry<'_>>,
    new: Option<&git2::TreeEntry<'_>>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    let name = old.or(new).expect("one side exists").name_bytes();
    let length = prefix.len();
    prefix.extend_from_slice(name);
    let old_tree = old.filter(|entry| is_tree(entry)).map(git2::TreeEntry::id);
    let new_tree = new.filter(|entry| is_tree(entry)).map(git2::TreeEntry::id);
    if old_tree.is_some() || new_tree.is_some() {
        prefix.push(b'/');
        diff(trees, old_tree, new_tree, prefix, out)?;
        prefix.truncate(length + name.len());
    }
    let old_is_file = old.is_some_and(|entry| !is_tree(entry));
    let new_is_file = new.is_some_and(|entry| !is_tree(entry));
    if old_is_file || new_is_file {
        out.push(String::from_utf8_lossy(prefix).into_owned());
    }
    prefix.truncate(length);
    Ok(())
}
