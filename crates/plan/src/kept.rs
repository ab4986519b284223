//! A parsed message as bytes, for the commit cache: a warm plan reads each commit's parsed
//! message back instead of parsing it again (parsing was the largest part of a warm plan).
//!
//! The bytes start with [`PARSER_VERSION`]: bytes of another version decode to `None`, and the
//! message is parsed again. Bump it whenever [`crate::parse_message`] gives another result for
//! some message; `the_parser_fingerprint_matches_its_version` fails until it is bumped.

use crate::ParsedCommit;

/// The version of [`crate::parse_message`]'s results. See the module's documentation.
pub const PARSER_VERSION: u8 = 1;

impl ParsedCommit {
    /// The bytes [`ParsedCommit::from_kept`] reads back.
    pub fn to_kept(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.summary.len() + self.body.as_ref().map_or(0, String::len));
        out.push(PARSER_VERSION);
        let ParsedCommit { kind, scope, summary, body, breaking, breaking_description, pr, release_as, reverts } = self;
        for text in [kind, scope] {
            optional(&mut out, text.as_deref());
        }
        text(&mut out, summary);
        optional(&mut out, body.as_deref());
        out.push(u8::from(*breaking));
        optional(&mut out, breaking_description.as_deref());
        match pr {
            Some(number) => {
                out.push(1);
                out.extend_from_slice(&number.to_le_bytes());
            }
            None => out.push(0),
        }
        for text in [release_as, reverts] {
            optional(&mut out, text.as_deref());
        }
        out
    }

    /// What [`ParsedCommit::to_kept`] wrote; `None` for bytes of another parser version or not
    /// whole.
    pub fn from_kept(bytes: &[u8]) -> Option<ParsedCommit> {
        let (&version, rest) = bytes.split_first()?;
        if version != PARSER_VERSION {
            return None;
        }
        let mut reader = Reader(rest);
        let parsed = ParsedCommit {
            kind: reader.optional()?,
            scope: reader.optional()?,
            summary: reader.text()?,
            body: reader.optional()?,
            breaking: reader.byte()? == 1,
            breaking_description: reader.optional()?,
            pr: match reader.byte()? {
                0 => None,
                _ => Some(u64::from_le_bytes(reader.take(8)?.try_into().ok()?)),
            },
            release_as: reader.optional()?,
            reverts: reader.optional()?,
        };
        reader.0.is_empty().then_some(parsed)
    }
}

fn text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

fn optional(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => {
            out.push(1);
            text(out, value);
        }
        None => out.push(0),
    }
}

struct Reader<'b>(&'b [u8]);

impl Reader<'_> {
    fn take(&mut self, length: usize) -> Option<&[u8]> {
        let (taken, rest) = self.0.split_at_checked(length)?;
        self.0 = rest;
        Some(taken)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn text(&mut self) -> Option<String> {
        let length = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        String::from_utf8(self.take(length)?.to_vec()).ok()
    }

    fn optional(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            _ => Some(Some(self.text()?)),
        }
    }
}
