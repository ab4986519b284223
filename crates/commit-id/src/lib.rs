//! A commit id as a type: the full hex object id git names a commit by, 40 hex digits for a
//! SHA-1 repository or 64 for a SHA-256 one, checked once when it is made and formatted only
//! when it is printed or serialised.
//!
//! It is a leaf (serde and the exit class only), so the pure crates (`plan`, `changelog`) and
//! the ledger's readers hold commit ids without depending on git2; `release-git` converts to
//! and from `git2::Oid` at its boundary. It never reads a repository: a `CommitId` says an id
//! is well formed, not that the commit exists.
//!
//! ```
//! use release_commit_id::CommitId;
//!
//! let id: CommitId = "0123456789abcdef0123456789abcdef01234567".parse().unwrap();
//! assert_eq!(id.short(), "0123456");
//! assert_eq!(id.to_string(), "0123456789abcdef0123456789abcdef01234567");
//! assert!("0123".parse::<CommitId>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// The bytes of the longest id (SHA-256).
const MAX_BYTES: usize = 32;

/// A full git object id: 20 bytes (SHA-1) or 32 (SHA-256). Ordered by its bytes, like git's
/// own ids, which is also the order of their hex strings.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitId {
    bytes: [u8; MAX_BYTES],
    len: u8,
}

/// Text that is not a full commit id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitIdError {
    #[error("`{text}` is not a full commit id (hint: 40 hex digits, or 64 in a SHA-256 repository)")]
    Malformed { text: String },
    #[error("an object id of {len} bytes is not a commit id (hint: git's ids are 20 bytes, or 32 with SHA-256)")]
    Length { len: usize },
}

impl release_exit::Classify for CommitIdError {
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            CommitIdError::Malformed { .. } => release_exit::ExitClass::InvalidInput,
            CommitIdError::Length { .. } => release_exit::ExitClass::Unexpected,
        }
    }
}

impl CommitId {
    /// An id from its raw bytes (what `git2::Oid::as_bytes` gives): 20 or 32 of them.
    pub fn from_bytes(bytes: &[u8]) -> Result<CommitId, CommitIdError> {
        if bytes.len() != 20 && bytes.len() != MAX_BYTES {
            return Err(CommitIdError::Length { len: bytes.len() });
        }
        let mut id = CommitId { bytes: [0; MAX_BYTES], len: bytes.len() as u8 };
        id.bytes[..bytes.len()].copy_from_slice(bytes);
        Ok(id)
    }

    /// Parses a full hex id, in either case (git accepts both; this prints lowercase).
    pub fn parse(text: &str) -> Result<CommitId, CommitIdError> {
        let malformed = || CommitIdError::Malformed { text: text.to_string() };
        if text.len() != 40 && text.len() != 2 * MAX_BYTES {
            return Err(malformed());
        }
        let mut id = CommitId { bytes: [0; MAX_BYTES], len: (text.len() / 2) as u8 };
        for (byte, pair) in id.bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let high = hex_value(pair[0]).ok_or_else(malformed)?;
            let low = hex_value(pair[1]).ok_or_else(malformed)?;
            *byte = high << 4 | low;
        }
        Ok(id)
    }

    /// The raw bytes: 20 for SHA-1, 32 for SHA-256.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The first seven hex digits, as `git log --oneline` shows a commit.
    pub fn short(&self) -> String {
        let mut hex = self.to_string();
        hex.truncate(7);
        hex
    }

    /// Whether the id as printed (lowercase hex) starts with `prefix`: an abbreviated id a
    /// commit message quotes (`This reverts commit 0123abc`).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        let prefix = prefix.as_bytes();
        prefix.len() <= 2 * usize::from(self.len)
            && prefix.iter().enumerate().all(|(index, digit)| {
                let byte = self.bytes[index / 2];
                let nibble = if index % 2 == 0 { byte >> 4 } else { byte & 0x0f };
                !digit.is_ascii_uppercase() && hex_value(*digit) == Some(nibble)
            })
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl CommitId {
    /// The id's hex digits, lowercase, written into `buffer`.
    fn hex<'b>(&self, buffer: &'b mut [u8; 2 * MAX_BYTES]) -> &'b str {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for (pair, byte) in buffer.chunks_exact_mut(2).zip(self.as_bytes()) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        std::str::from_utf8(&buffer[..2 * usize::from(self.len)]).expect("hex digits are ASCII")
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` so `{:>10}` and `{:.7}` work as they do on the string.
        formatter.pad(self.hex(&mut [0; 2 * MAX_BYTES]))
    }
}

impl fmt::Debug for CommitId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "CommitId({self})")
    }
}

impl FromStr for CommitId {
    type Err = CommitIdError;

    fn from_str(text: &str) -> Result<CommitId, CommitIdError> {
        CommitId::parse(text)
    }
}

/// As its hex string, handed over whole (a plan's JSON holds one per package-commit entry, and
/// `collect_str` went through the formatter's padding and escaping in pieces).
impl serde::Serialize for CommitId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.hex(&mut [0; 2 * MAX_BYTES]))
    }
}

impl<'de> serde::Deserialize<'de> for CommitId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<CommitId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        CommitId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::{CommitId, CommitIdError};

    const SHA1: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn full_ids_of_either_hash_parse_and_print_as_they_were_written() {
        let sha256 = "f".repeat(64);
        for text in [SHA1, &sha256] {
            let id = CommitId::parse(text).unwrap();
            assert_eq!(id.to_string(), text);
            assert_eq!(id.as_bytes().len(), text.len() / 2);
            assert_eq!(CommitId::from_bytes(id.as_bytes()).unwrap(), id);
        }
        // Upper case reads (git accepts it) and prints as git prints.
        assert_eq!(CommitId::parse(&SHA1.to_uppercase()).unwrap().to_string(), SHA1);
        assert_eq!(format!("{:.7}", CommitId::parse(SHA1).unwrap()), "0123456");
    }

    #[test]
    fn anything_but_a_full_hex_id_is_refused() {
        for text in ["", "0123abc", &SHA1[..39], &format!("{SHA1}0"), &SHA1.replace('a', "g"), "HEAD", &"é".repeat(20)]
        {
            assert_eq!(CommitId::parse(text), Err(CommitIdError::Malformed { text: text.to_string() }), "{text:?}");
        }
        assert_eq!(CommitId::from_bytes(&[0; 16]), Err(CommitIdError::Length { len: 16 }));
    }

    #[test]
    fn prefixes_match_the_id_as_printed() {
        let id = CommitId::parse(SHA1).unwrap();
        for prefix in ["", "0", "0123", "0123456789ab", SHA1] {
            assert!(id.has_prefix(prefix), "{prefix}");
        }
        for prefix in ["1", "0124", "012g", "0123456789AB", &format!("{SHA1}0")] {
            assert!(!id.has_prefix(prefix), "{prefix}");
        }
    }

    /// The JSON plans, the ledger and the journals hold ids as strings: the type changes none.
    #[test]
    fn serialises_as_the_hex_string_and_reads_it_back() {
        let id = CommitId::parse(SHA1).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{SHA1}\""));
        assert_eq!(serde_json::from_str::<CommitId>(&format!("\"{SHA1}\"")).unwrap(), id);
        let error = serde_json::from_str::<CommitId>("\"abc\"").unwrap_err().to_string();
        assert!(error.starts_with("`abc` is not a full commit id"), "{error}");
    }

    /// Ordered as git orders ids, which is the order of their hex strings.
    #[test]
    fn orders_as_the_hex_strings_do() {
        let mut ids: Vec<CommitId> = ["ff", "0a", "a0", "00"].map(|byte| byte.repeat(20).parse().unwrap()).to_vec();
        ids.sort();
        let hex: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let mut sorted = hex.clone();
        sorted.sort();
        assert_eq!(hex, sorted);
    }
}
