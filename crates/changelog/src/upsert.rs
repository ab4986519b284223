//! Putting a version's section into a changelog without ever duplicating it.
//!
//! A version section starts at a `## [x.y.z]` or `## x.y.z` line and runs to the next `## ` line.
//! Writing version X replaces X's section when there is one, and otherwise goes before the newest
//! section (after the preamble). Everything else, including `## ` sections a person wrote, stays
//! byte for byte. Line endings follow the file (CRLF stays CRLF).

use crate::ChangelogError;

/// The top of a new changelog.
pub const HEADER: &str = "# Changelog\n\nAll notable changes are documented here. This file is written by `release`; text outside\nthe version sections is kept as it is.\n";

enum Header {
    Version(semver::Version),
    Other,
}

/// Reads a `## ` line: a version header, another header, or a malformed version header.
fn classify(line: &str) -> Result<Header, ()> {
    let rest = line.trim_end().trim_start_matches("## ").trim_start();
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
            Ok(Header::Other) // `## [Unreleased]`
        }
        Err(_) if looks_versioned => Err(()),
        Err(_) => Ok(Header::Other),
    }
}

/// Inserts or replaces the section of `version` in the changelog text (`None`: a new file).
pub fn upsert(
    existing: Option<&str>,
    file: &str,
    version: &semver::Version,
    section: &str,
) -> Result<String, ChangelogError> {
    let Some(existing) = existing.filter(|text| !text.trim().is_empty()) else {
        return Ok(format!("{HEADER}\n{section}"));
    };
    let crlf = existing.contains("\r\n");
    let section = if crlf { section.replace("\r\n", "\n").replace('\n', "\r\n") } else { section.to_string() };
    let newline = if crlf { "\r\n" } else { "\n" };

    // Byte offsets of every `## ` line, with what it is. Header lines are found by searching for
    // `\n## ` rather than walking every line: a changelog of 500 sections has ten lines per
    // header, and a release rewrites a thousand of them.
    let starts = existing.starts_with("## ").then_some(0);
    let after_newline = memchr::memmem::find_iter(existing.as_bytes(), b"\n## ").map(|index| index + 1);
    let mut headers = Vec::new();
    for start in starts.into_iter().chain(after_newline) {
        let line = existing[start..].split_inclusive('\n').next().unwrap_or_default();
        let header = classify(line).map_err(|()| ChangelogError::MalformedHeader {
            file: file.to_string(),
            line: existing[..start].matches('\n').count() + 1,
            header: line.trim_end().to_string(),
        })?;
        headers.push((start, header));
    }

    let same = headers.iter().position(|(_, header)| matches!(header, Header::Version(found) if found == version));
    let mut out = String::with_capacity(existing.len() + section.len() + 2);
    match same {
        Some(position) => {
            let start = headers[position].0;
            let end = headers.get(position + 1).map_or(existing.len(), |(offset, _)| *offset);
            out.push_str(&existing[..start]);
            out.push_str(&section);
            if end < existing.len() {
                out.push_str(newline);
            }
            out.push_str(&existing[end..]);
        }
        None => match headers.iter().find(|(_, header)| matches!(header, Header::Version(_))) {
            Some((start, _)) => {
                out.push_str(&existing[..*start]);
                out.push_str(&section);
                out.push_str(newline);
                out.push_str(&existing[*start..]);
            }
            None => {
                out.push_str(existing);
                if !existing.ends_with('\n') {
                    out.push_str(newline);
                }
                if !existing.ends_with("\n\n") && !existing.ends_with("\r\n\r\n") {
                    out.push_str(newline);
                }
                out.push_str(&section);
            }
        },
    }
    Ok(out)
}
