//! Putting a version's section into a changelog without ever duplicating it, and without ever
//! losing a word that someone wrote.
//!
//! A version section starts at a `## [x.y.z]` or `## x.y.z` line and runs to the next `## ` line.
//! What `release` writes is marked with [`MARKER`], an HTML comment on a line of its own (invisible
//! when the Markdown is rendered):
//!
//! - right after the heading: the whole section is generated, heading included, and writing the
//!   version again replaces all of it;
//! - after other text: the section is *merged*. The heading and everything above the marker were
//!   written by a person (or by another tool) and are kept byte for byte; from the marker to the
//!   end of the section is generated, and only that part is replaced.
//!
//! A section of the version being written that has no marker was prepared by hand: it becomes a
//! merged section, its text first (prepared notes open with highlights or migration steps, which
//! read best before the list of commits), then the marker and the generated entries. Its heading
//! is kept, so a date or title written there stays too.
//!
//! Text under an `## [Unreleased]` heading (any case, with or without brackets or a link) is
//! notes for the next release: it moves into the new version's section as hand-written text, and
//! the `## [Unreleased]` heading stays, empty, for the next ones.
//!
//! Link reference definitions that end the file (`[1.2.0]: https://...`, as Keep a Changelog
//! keeps its compare links) belong to no section: rewriting the last section keeps them.
//!
//! A new section goes before the newest version section (after the preamble). Everything else
//! stays byte for byte. Line endings follow the file (CRLF stays CRLF). Writing the same section
//! twice gives the same text as writing it once.

use crate::ChangelogError;

/// The top of a new changelog.
pub const HEADER: &str = "# Changelog\n\nAll notable changes are documented here. This file is written by `release`; text outside\nthe version sections is kept as it is.\n";

/// The line that marks where generated text starts in a version section (see the module doc).
pub const MARKER: &str = "<!-- release: generated -->";

enum Header {
    Version(semver::Version),
    Unreleased,
    Other,
}

/// Reads a `## ` line: a version header, `## [Unreleased]`, another header, or a malformed
/// version header.
fn classify(line: &str) -> Result<Header, ()> {
    let rest = line.trim_end().trim_start_matches("## ").trim_start();
    let title = rest.strip_prefix('[').unwrap_or(rest);
    let unreleased = title.get(..10).is_some_and(|word| word.eq_ignore_ascii_case("unreleased"))
        && title[10..].chars().next().is_none_or(|next| next == ']' || next.is_whitespace());
    if unreleased {
        return Ok(Header::Unreleased);
    }
    let token = if let Some(inner) = rest.strip_prefix('[') {
        match inner.split_once(']') {
            Some((token, _)) => token,
            None => return Err(()),
        }
    } else {
        rest.split_whitespace().next().unwrap_or("")
    };
    let candidate = token.strip_prefix('v').unwrap_or(token);
    let looks_versioned = rest.starts_with('[') || candidate.starts_with(|character: char| character.is_ascii_digit());
    match semver::Version::parse(candidate) {
        Ok(version) => Ok(Header::Version(version)),
        Err(_) if rest.starts_with('[') && !candidate.starts_with(|character: char| character.is_ascii_digit()) => {
            Ok(Header::Other) // `## [Notes]`
        }
        Err(_) if looks_versioned => Err(()),
        Err(_) => Ok(Header::Other),
    }
}

/// Byte offsets of every `## ` line, with what it is.
fn headers(text: &str, file: &str) -> Result<Vec<(usize, Header)>, ChangelogError> {
    // Header lines are found by searching for `\n## ` rather than walking every line: a
    // changelog of 500 sections has ten lines per header, and a release rewrites a thousand.
    let starts = text.starts_with("## ").then_some(0);
    let after_newline = memchr::memmem::find_iter(text.as_bytes(), b"\n## ").map(|index| index + 1);
    let mut headers = Vec::new();
    for start in starts.into_iter().chain(after_newline) {
        let line = text[start..].split_inclusive('\n').next().unwrap_or_default();
        let header = classify(line).map_err(|()| ChangelogError::MalformedHeader {
            file: file.to_string(),
            line: text[..start].matches('\n').count() + 1,
            header: line.trim_end().to_string(),
        })?;
        headers.push((start, header));
    }
    Ok(headers)
}

/// The end of the section whose header is `headers[index]`: the next header, else the link
/// reference definitions that end the file (Keep a Changelog's compare links), else the end.
fn section_end(text: &str, headers: &[(usize, Header)], index: usize) -> usize {
    headers
        .get(index + 1)
        .map_or_else(|| crate::style::link_block_start(text).max(headers[index].0), |(offset, _)| *offset)
}

/// Text without its leading blank lines and its trailing white space.
fn trim_blank(text: &str) -> &str {
    let mut text = text.trim_end();
    while let Some((line, rest)) = text.split_once('\n') {
        if !line.trim().is_empty() {
            break;
        }
        text = rest;
    }
    text
}

/// Empties the first `## [Unreleased]` section and returns the text without its notes, and the
/// notes (`None` when there were none).
fn take_unreleased<'t>(text: &'t str, headers: &[(usize, Header)], newline: &str) -> (String, Option<&'t str>) {
    let Some(index) = headers.iter().position(|(_, header)| matches!(header, Header::Unreleased)) else {
        return (text.to_string(), None);
    };
    let start = headers[index].0;
    let end = section_end(text, headers, index);
    let heading = text[start..end].split_inclusive('\n').next().unwrap_or_default();
    let notes = trim_blank(&text[start + heading.len()..end]);
    if notes.is_empty() {
        return (text.to_string(), None);
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start + heading.len()]);
    if end < text.len() {
        out.push_str(newline);
    }
    out.push_str(&text[end..]);
    (out, Some(notes))
}

/// Whether a line (with or without its line ending) is the marker.
fn is_marker(line: &str) -> bool {
    line.trim() == MARKER
}

/// Inserts or replaces the section of `version` in the changelog text (`None`: a new file).
/// `section` is the generated section, starting with its `## ` heading.
pub fn upsert(
    existing: Option<&str>,
    file: &str,
    version: &semver::Version,
    section: &str,
) -> Result<String, ChangelogError> {
    let (heading, body) = section.split_once('\n').unwrap_or((section.trim_end(), ""));
    let Some(existing) = existing.filter(|text| !text.trim().is_empty()) else {
        return Ok(format!("{HEADER}\n{heading}\n{MARKER}\n{body}"));
    };
    let endings = Endings::of(existing);
    let original_headers = headers(existing, file)?;
    let (text, notes) = take_unreleased(existing, &original_headers, endings.newline);
    // Only a section's text was taken out, so no header changed: this cannot fail.
    let headers = headers(&text, file)?;
    let same = headers.iter().position(|(_, header)| matches!(header, Header::Version(found) if found == version));
    let hand = hand_written(&text, &headers, same);
    let new_section = merge_section(&endings, heading, body, hand, notes);
    Ok(place(&text, &headers, same, &new_section, endings.newline))
}

/// The file's line endings: generated text follows them; hand-written text is kept as it is.
struct Endings {
    crlf: bool,
    newline: &'static str,
}

impl Endings {
    fn of(text: &str) -> Endings {
        let crlf = text.contains("\r\n");
        Endings { crlf, newline: if crlf { "\r\n" } else { "\n" } }
    }

    fn generated(&self, text: &str) -> String {
        if self.crlf { text.replace("\r\n", "\n").replace('\n', "\r\n") } else { text.to_string() }
    }
}

/// What a person wrote for this version: a section without the marker, or what is above it.
fn hand_written<'t>(text: &'t str, headers: &[(usize, Header)], same: Option<usize>) -> Option<&'t str> {
    let index = same?;
    let start = headers[index].0;
    let existing_section = &text[start..section_end(text, headers, index)];
    let mut lines = existing_section.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if lines.next().is_some_and(is_marker) {
        return None;
    }
    let mut offset = first.len();
    for line in existing_section[first.len()..].split_inclusive('\n') {
        if is_marker(line) {
            return Some(existing_section[..offset].trim_end());
        }
        offset += line.len();
    }
    Some(existing_section.trim_end())
}

/// The new section: generated as a whole, or the hand-written text (with the Unreleased notes)
/// followed by the marker and the generated entries.
fn merge_section(endings: &Endings, heading: &str, body: &str, hand: Option<&str>, notes: Option<&str>) -> String {
    let newline = endings.newline;
    let hand = match (hand, notes) {
        (None, None) => None,
        (Some(hand), None) => Some(hand.to_string()),
        (None, Some(notes)) => Some(format!("{}{newline}{newline}{notes}", endings.generated(heading))),
        (Some(hand), Some(notes)) => Some(format!("{hand}{newline}{newline}{notes}")),
    };
    match hand {
        None => endings.generated(&format!("{heading}\n{MARKER}\n{body}")),
        Some(hand) => {
            let body = body.trim_start_matches('\n');
            let tail = if body.is_empty() { format!("{MARKER}\n") } else { format!("{MARKER}\n\n{body}") };
            format!("{hand}{newline}{newline}{}", endings.generated(&tail))
        }
    }
}

/// Puts the new section in place of the version's section, else before the newest version
/// section, else at the end.
fn place(text: &str, headers: &[(usize, Header)], same: Option<usize>, new_section: &str, newline: &str) -> String {
    let mut out = String::with_capacity(text.len() + new_section.len() + 2);
    match same {
        Some(index) => {
            let start = headers[index].0;
            let end = section_end(text, headers, index);
            out.push_str(&text[..start]);
            out.push_str(new_section);
            if end < text.len() {
                out.push_str(newline);
            }
            out.push_str(&text[end..]);
        }
        None => match headers.iter().find(|(_, header)| matches!(header, Header::Version(_))) {
            Some((start, _)) => {
                out.push_str(&text[..*start]);
                out.push_str(new_section);
                out.push_str(newline);
                out.push_str(&text[*start..]);
            }
            None => {
                out.push_str(text);
                if !text.ends_with('\n') {
                    out.push_str(newline);
                }
                if !text.ends_with("\n\n") && !text.ends_with("\r\n\r\n") {
                    out.push_str(newline);
                }
                out.push_str(new_section);
            }
        },
    }
    out
}
