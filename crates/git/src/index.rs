//! Tracked files with a given name, read straight from the index file.
//!
//! A plan only needs the manifests among the tracked files, but libgit2 parses every entry of
//! the index into an owned structure (a fifth of a small-range plan in a 19,000-file monorepo).
//! This scans the entries of an index in git's documented format (`gitformat-index`, versions
//! 2, 3 and 4) and keeps only the paths whose last component is one of the names. Anything this
//! scanner does not handle (a split or sparse index, an unknown version, a truncated file) makes
//! it answer `None`, and the caller asks `git ls-files` instead (libgit2 cannot read those either). Like git, it does not verify the
//! trailing checksum on read.

/// Fixed part of an entry before its flags: ctime, mtime, dev, ino, mode, uid, gid, size (4 bytes
/// each, times 2 for the two time fields) and the object id.
const STAT_AND_ID: usize = 40 + 20;
const FLAG_EXTENDED: u16 = 0x4000;
const NAME_MASK: u16 = 0x0fff;

/// Paths of the index entries named one of `names` (stage 0 and conflicts once each), in index
/// order; `None` when the index is not one this scanner reads.
pub(crate) fn named_entries(index: &[u8], names: &[&str]) -> Option<Vec<String>> {
    if index.len() < 12 || &index[..4] != b"DIRC" {
        return None;
    }
    let version = u32::from_be_bytes(index[4..8].try_into().ok()?);
    let count = u32::from_be_bytes(index[8..12].try_into().ok()?) as usize;
    if !(2..=4).contains(&version) {
        return None;
    }
    let mut at = 12;
    let mut out: Vec<String> = Vec::new();
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        let flags_at = start + STAT_AND_ID;
        let flags = u16::from_be_bytes(index.get(flags_at..flags_at + 2)?.try_into().ok()?);
        let mode = u32::from_be_bytes(index.get(start + 24..start + 28)?.try_into().ok()?);
        if mode & 0o170000 == 0o040000 {
            // A directory entry: a sparse index, which lists folders instead of their files.
            return None;
        }
        let mut path_at = flags_at + 2;
        if flags & FLAG_EXTENDED != 0 {
            if version < 3 {
                return None;
            }
            path_at += 2;
        }
        let path: &[u8];
        let owned;
        if version == 4 {
            // The path is the previous one minus N trailing bytes, plus a NUL-terminated suffix.
            let (strip, used) = varint(index.get(path_at..)?)?;
            let suffix_at = path_at + used;
            let length = index.get(suffix_at..)?.iter().position(|&byte| byte == 0)?;
            let keep = previous.len().checked_sub(strip)?;
            let mut full = previous[..keep].to_vec();
            full.extend_from_slice(&index[suffix_at..suffix_at + length]);
            owned = full;
            path = &owned;
            at = suffix_at + length + 1;
        } else {
            let length = match (flags & NAME_MASK) as usize {
                NAME_MASK_FULL => index.get(path_at..)?.iter().position(|&byte| byte == 0)?,
                length => length,
            };
            path = index.get(path_at..path_at + length)?;
            if index.get(path_at + length) != Some(&0) {
                return None;
            }
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            let unpadded = path_at + length - start;
            at = start + (unpadded + 8) / 8 * 8;
        }
        let name = path.rsplit(|&byte| byte == b'/').next().unwrap_or(path);
        if names.iter().any(|wanted| wanted.as_bytes() == name) {
            let text = String::from_utf8_lossy(path);
            if out.last().map(String::as_str) != Some(text.as_ref()) {
                out.push(text.into_owned());
            }
        }
        if version == 4 {
            previous.clear();
            previous.extend_from_slice(path);
        }
    }
    // Extensions: a split index keeps its entries in another file.
    let end = index.len().checked_sub(20)?;
    while at + 8 <= end {
        let signature = &index[at..at + 4];
        let size = u32::from_be_bytes(index[at + 4..at + 8].try_into().ok()?) as usize;
        if signature == b"link" || signature == b"sdir" {
            return None;
        }
        at = at.checked_add(8 + size)?;
    }
    (at == end).then_some(out)
}

/// A name length of 0xFFF means "this long or longer": the path runs to its NUL.
const NAME_MASK_FULL: usize = NAME_MASK as usize;

/// git's offset varint (`varint.c`): 7 bits per byte, high bit = more, each continuation adds one.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (index, &byte) in bytes.iter().enumerate().take(10) {
        if index > 0 {
            value = value.checked_add(1)?.checked_shl(7)?;
        }
        value |= (byte & 0x7f) as usize;
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::named_entries;

    const NAMES: &[&str] = &["Cargo.toml", "package.json", "pyproject.toml"];

    fn git(dir: &Path, args: &[&str]) -> String {
        let output = Command::new("git").current_dir(dir).args(args).env("GIT_CONFIG_NOSYSTEM", "1").output().unwrap();
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    /// An index with entries added by path only (no files needed), a long path past the 12-bit
    /// name length, non-ASCII, near-miss names, a conflict, and an intent-to-add entry; and its
    /// named entries as git lists them.
    fn repository() -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "--quiet"]);
        let blob = {
            let mut child = Command::new("git")
                .current_dir(root)
                .args(["hash-object", "-w", "--stdin"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"x\n").unwrap();
            String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap().trim().to_string()
        };
        let long = format!("{}/package.json", vec!["d".repeat(200); 22].join("/"));
        assert!(long.len() > 0xfff);
        let paths = [
            "Cargo.toml",
            "crates/a/Cargo.toml",
            "crates/a/Cargo.toml.orig",
            "crates/a/src/lib.rs",
            "crates/notCargo.toml",
            "packages/ünï/package.json",
            "packages/ünï/src/index.js",
            long.as_str(),
            "z/pyproject.toml",
        ];
        for path in paths {
            git(root, &["update-index", "--add", "--cacheinfo", &format!("100644,{blob},{path}")]);
        }
        // A conflict: stages 1-3 of one manifest, listed once.
        let mut input = String::new();
        for stage in 1..=3 {
            input.push_str(&format!("100644 {blob} {stage}\tconflicted/Cargo.toml\n"));
        }
        let mut child = Command::new("git")
            .current_dir(root)
            .args(["update-index", "--index-info"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
        // Intent to add: an extended-flags entry (index version 3).
        std::fs::create_dir_all(root.join("later")).unwrap();
        std::fs::write(root.join("later/pyproject.toml"), "").unwrap();
        git(root, &["add", "--intent-to-add", "later/pyproject.toml"]);
        let expected = git_named(root);
        (dir, expected)
    }

    /// What git itself lists (libgit2 refuses this index: its long path is past libgit2's limit).
    fn git_named(root: &Path) -> Vec<String> {
        let mut out: Vec<String> = git(root, &["ls-files", "-z"])
            .split('\0')
            .filter(|path| NAMES.iter().any(|name| path.rsplit('/').next() == Some(*name)))
            .map(str::to_string)
            .collect();
        out.dedup();
        out
    }

    #[test]
    fn versions_2_3_and_4_list_what_git_lists() {
        let (dir, expected) = repository();
        let root = dir.path();
        assert_eq!(expected.len(), 7, "{expected:?}");
        assert!(expected.iter().any(|path| path.starts_with("packages/ü")));
        assert!(expected.contains(&"conflicted/Cargo.toml".to_string()));
        assert!(expected.contains(&"later/pyproject.toml".to_string()));
        for version in ["2", "3", "4"] {
            if version == "2" {
                // Version 2 cannot hold the intent-to-add entry's extended flags.
                git(root, &["rm", "--cached", "--quiet", "later/pyproject.toml"]);
            }
            git(root, &["update-index", "--index-version", version]);
            let bytes = std::fs::read(root.join(".git/index")).unwrap();
            assert_eq!(u32::from_be_bytes(bytes[4..8].try_into().unwrap()).to_string(), version);
            let found = named_entries(&bytes, NAMES).unwrap_or_else(|| panic!("version {version} not read"));
            assert_eq!(found, git_named(root), "index version {version}");
            if version == "2" {
                git(root, &["add", "--intent-to-add", "later/pyproject.toml"]);
            }
        }
    }

    #[test]
    fn a_split_index_or_a_damaged_one_is_left_to_git() {
        let (dir, listed) = repository();
        let root = dir.path();
        git(root, &["update-index", "--split-index"]);
        let bytes = std::fs::read(root.join(".git/index")).unwrap();
        assert_eq!(named_entries(&bytes, NAMES), None, "a split index keeps its entries elsewhere");

        git(root, &["update-index", "--no-split-index"]);
        let bytes = std::fs::read(root.join(".git/index")).unwrap();
        assert!(named_entries(&bytes, NAMES).is_some());
        // Cut anywhere, the index is refused (or, cut inside the checksum, still read whole):
        // never a panic, never a partial list.
        let full = named_entries(&bytes, NAMES).unwrap();
        for length in 0..bytes.len() {
            if let Some(found) = named_entries(&bytes[..length], NAMES) {
                assert_eq!(found, full, "cut at {length} of {}", bytes.len());
            }
        }
        assert_eq!(named_entries(&bytes[..bytes.len() / 2], NAMES), None, "truncated");
        assert_eq!(named_entries(b"DIRC\0\0\0\x09\0\0\0\0", NAMES), None, "unknown version");
        assert_eq!(named_entries(b"not an index", NAMES), None);

        // Through the repository: the same list either way (libgit2 cannot read a split index;
        // `git ls-files` can).
        let repo = crate::Repo::open(root).unwrap();
        assert_eq!(repo.tracked_files_named(NAMES).unwrap(), listed);
        git(root, &["update-index", "--split-index"]);
        assert_eq!(repo.tracked_files_named(NAMES).unwrap(), listed);
    }

    #[test]
    fn an_index_with_a_cache_tree_extension_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "--quiet"]);
        for path in ["Cargo.toml", "crates/a/Cargo.toml", "crates/a/src/lib.rs", "web/package.json"] {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), "x\n").unwrap();
        }
        git(root, &["add", "."]);
        git(root, &["-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "--quiet", "-m", "first"]);
        let bytes = std::fs::read(root.join(".git/index")).unwrap();
        let extensions = &bytes[..bytes.len() - 20];
        assert!(extensions.windows(4).any(|window| window == b"TREE"), "git wrote a cache tree");
        assert_eq!(
            named_entries(&bytes, NAMES).expect("read"),
            ["Cargo.toml", "crates/a/Cargo.toml", "web/package.json"]
        );
    }
}
