//! Changed paths between two trees, comparing object ids and skipping identical subtrees.
//!
//! git2's `diff_tree_to_tree` builds a full diff (with deltas, similarity options, file modes)
//! and is many times slower than `git log --name-only` on a large history; all we need is the
//! list of paths whose blob or mode differs, which a merge-join of sorted tree entries gives.

use std::cmp::Ordering;

use git2::{Oid, Repository};

const TREE_MODE: i32 = 0o040000;

struct Entry {
    name: Vec<u8>,
    id: Oid,
    mode: i32,
}

impl Entry {
    fn is_tree(&self) -> bool {
        self.mode == TREE_MODE
    }

    /// git sorts tree entries as if a tree's name ended with `/`.
    fn cmp_key(&self, other: &Entry) -> Ordering {
        let a = self.name.iter().copied().chain(self.is_tree().then_some(b'/'));
        let b = other.name.iter().copied().chain(other.is_tree().then_some(b'/'));
        a.cmp(b)
    }
}

fn entries(repository: &Repository, tree: Option<Oid>) -> Result<Vec<Entry>, git2::Error> {
    let Some(id) = tree else {
        return Ok(Vec::new());
    };
    let tree = repository.find_tree(id)?;
    Ok(tree
        .iter()
        .map(|entry| Entry { name: entry.name_bytes().to_vec(), id: entry.id(), mode: entry.filemode() })
        .collect())
}

/// Appends to `out` every path that differs between the trees `old` and `new` (`None` = empty).
pub(crate) fn changed_paths(
    repository: &Repository,
    old: Option<Oid>,
    new: Option<Oid>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    let mut prefix = Vec::new();
    diff(repository, old, new, &mut prefix, out)
}

fn diff(
    repository: &Repository,
    old: Option<Oid>,
    new: Option<Oid>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    if old == new {
        return Ok(());
    }
    let old = entries(repository, old)?;
    let new = entries(repository, new)?;
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.cmp_key(b),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                visit(repository, Some(&old[i]), None, prefix, out)?;
                i += 1;
            }
            Ordering::Greater => {
                visit(repository, None, Some(&new[j]), prefix, out)?;
                j += 1;
            }
            Ordering::Equal => {
                let (a, b) = (&old[i], &new[j]);
                if a.id != b.id || a.mode != b.mode {
                    visit(repository, Some(a), Some(b), prefix, out)?;
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
    repository: &Repository,
    old: Option<&Entry>,
    new: Option<&Entry>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    let name = &old.or(new).expect("one side exists").name;
    let length = prefix.len();
    prefix.extend_from_slice(name);
    let old_tree = old.filter(|entry| entry.is_tree()).map(|entry| entry.id);
    let new_tree = new.filter(|entry| entry.is_tree()).map(|entry| entry.id);
    if old_tree.is_some() || new_tree.is_some() {
        prefix.push(b'/');
        diff(repository, old_tree, new_tree, prefix, out)?;
        prefix.truncate(length + name.len());
    }
    let old_is_file = old.is_some_and(|entry| !entry.is_tree());
    let new_is_file = new.is_some_and(|entry| !entry.is_tree());
    if old_is_file || new_is_file {
        out.push(String::from_utf8_lossy(prefix).into_owned());
    }
    prefix.truncate(length);
    Ok(())
}
