//! The two changelog styles `release` writes, and how an existing file tells which one it is in.
//!
//! - `conventional` (the default): `## 1.2.0 - date` (linked to the compare view), sections
//!   Breaking changes, Features, Bug fixes, Performance.
//! - `keep-a-changelog` (<https://keepachangelog.com>): `## [1.2.0] - date`, sections Added,
//!   Changed, Fixed (breaking changes under Changed, marked), and the compare URLs as link
//!   reference definitions at the bottom of the file (`[1.2.0]: https://...`), with
//!   `[unreleased]` pointing from the newest tag to `HEAD`.

/// A changelog style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Conventional,
    KeepAChangelog,
}

/// Keep a Changelog's section titles, in its order.
const KEEP_A_CHANGELOG_SECTIONS: [&str; 6] = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"];

impl Style {
    /// The style an existing changelog is written in: Keep a Changelog when it says so (its
    /// preamble links keepachangelog.com) or uses its section titles; else conventional.
    pub fn detect(existing: Option<&str>) -> Style {
        let Some(text) = existing else {
            return Style::Conventional;
        };
        let mentions = text.contains("keepachangelog.com");
        let sections = text.lines().any(|line| {
            line.strip_prefix("### ").is_some_and(|title| KEEP_A_CHANGELOG_SECTIONS.contains(&title.trim()))
        });
        if mentions || sections { Style::KeepAChangelog } else { Style::Conventional }
    }

    /// The section title a commit type (`None`: breaking changes) gets in Keep a Changelog.
    pub(crate) fn keep_a_changelog_title(kind: Option<&str>) -> Option<&'static str> {
        match kind {
            None | Some("perf") | Some("refactor") => Some("Changed"),
            Some("feat") => Some("Added"),
            Some("fix") => Some("Fixed"),
            Some("security") => Some("Security"),
            Some("deprecate") | Some("deprecated") => Some("Deprecated"),
            Some("remove") | Some("removed") => Some("Removed"),
            Some(_) => None,
        }
    }

    /// Where a Keep a Changelog title sorts (others after, in their order).
    pub(crate) fn keep_a_changelog_rank(title: &str) -> usize {
        KEEP_A_CHANGELOG_SECTIONS.iter().position(|known| *known == title).unwrap_or(KEEP_A_CHANGELOG_SECTIONS.len())
    }
}

/// Whether a line is a link reference definition: `[label]: destination`.
pub(crate) fn is_link_reference(line: &str) -> bool {
    let line = line.trim_end();
    line.starts_with('[') && line.find("]: ").is_some_and(|end| end > 1 && !line[end + 3..].trim().is_empty())
}

/// The byte offset where the trailing block of link reference definitions starts (blank lines
/// between them allowed), or the text's length when it ends otherwise.
pub(crate) fn link_block_start(text: &str) -> usize {
    let mut start = text.len();
    let mut offset = text.len();
    for line in text.split_inclusive('\n').rev() {
        offset -= line.len();
        if is_link_reference(line) {
            start = offset;
        } else if !line.trim().is_empty() {
            break;
        }
    }
    start
}

/// Puts `[version]: url` among the file's link references (replacing one for the same
/// version, else before the newest one, else in a new block at the end), and points an
/// `[unreleased]: ` reference at `unreleased_url`. Line endings follow the file.
pub fn upsert_links(text: &str, version: &str, url: Option<&str>, unreleased_url: Option<&str>) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let block = link_block_start(text);
    let (body, links) = text.split_at(block);
    let mut lines: Vec<String> = links.split_inclusive('\n').map(|line| line.trim_end().to_string()).collect();
    lines.retain(|line| !line.is_empty());
    let label = |line: &str| line[1..line.find("]: ").unwrap_or(1)].to_ascii_lowercase();
    if let Some(unreleased_url) = unreleased_url
        && let Some(line) = lines.iter_mut().find(|line| label(line) == "unreleased")
    {
        let original = line[1..line.find("]: ").unwrap_or(1)].to_string();
        *line = format!("[{original}]: {unreleased_url}");
    }
    if let Some(url) = url {
        let wanted = version.to_ascii_lowercase();
        let entry = format!("[{version}]: {url}");
        match lines.iter().position(|line| label(line) == wanted) {
            Some(index) => lines[index] = entry,
            None => {
                let newest = lines.iter().position(|line| label(line) != "unreleased").unwrap_or(lines.len());
                lines.insert(newest, entry);
            }
        }
    }
    if lines.is_empty() {
        return text.to_string();
    }
    let mut out = body.trim_end().to_string();
    out.push_str(newline);
    out.push_str(newline);
    for line in &lines {
        out.push_str(line);
        out.push_str(newline);
    }
    out
}
