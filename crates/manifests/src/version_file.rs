//! Plain version files (`VERSION`) and files with a version on a marked line.

use semver::Version;

use crate::edit::split_bom;
use crate::error::ManifestError;

/// Edits a version file.
///
/// Without a marker the whole content is the version (`1.2.3`, or `v1.2.3` keeping its `v`);
/// whitespace around it, such as the final newline, is kept. It must hold `old` (it is replaced)
/// or already `new` (nothing to do); anything else is an error, because the plan was made for
/// another version.
///
/// With a marker, exactly one line must contain it (an error names the file and the marker
/// otherwise). On that line the first occurrence of `old` is replaced by `new`. An occurrence is a
/// whole version: `1.2.3` is not found in `11.2.3`, `1.2.30` or `1.2.3-rc.1`. A line that already
/// holds `new` is left alone, so a release that failed halfway can run again; a line holding
/// neither is an error.
///
/// ```
/// use release_manifests::{edit_version_file, Version};
/// let (old, new) = (Version::new(1, 2, 3), Version::new(1, 3, 0));
/// let text = "image: app:1.2.3 # x-release\nbase: os:1.2.3\n";
/// let edited = edit_version_file("deploy.yaml", text, Some("x-release"), &old, &new).unwrap();
/// assert_eq!(edited, "image: app:1.3.0 # x-release\nbase: os:1.2.3\n");
/// assert_eq!(edit_version_file("VERSION", "1.2.3\n", None, &old, &new).unwrap(), "1.3.0\n");
/// ```
pub fn edit_version_file(
    path: &str,
    text: &str,
    marker: Option<&str>,
    old: &Version,
    new: &Version,
) -> Result<String, ManifestError> {
    let (old, new) = (old.to_string(), new.to_string());
    match marker {
        None => plain(path, text, &old, &new),
        Some(marker) => marked(path, text, marker, &old, &new),
    }
}

fn plain(path: &str, text: &str, old: &str, new: &str) -> Result<String, ManifestError> {
    let (bom, body) = split_bom(text);
    let start = body.len() - body.trim_start().len();
    let end = body.trim_end().len().max(start);
    let content = &body[start..end];
    let (prefix, version) = match content.strip_prefix('v') {
        Some(version) => ("v", version),
        None => ("", content),
    };
    if version == new {
        Ok(text.to_string())
    } else if version == old {
        Ok(format!("{bom}{}{prefix}{new}{}", &body[..start], &body[end..]))
    } else {
        Err(ManifestError::UnexpectedVersion {
            path: path.to_string(),
            found: content.to_string(),
            old: old.to_string(),
        })
    }
}

fn marked(path: &str, text: &str, marker: &str, old: &str, new: &str) -> Result<String, ManifestError> {
    let mut offset = 0;
    let mut found = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if line.contains(marker) {
            found.push((index + 1, offset, line));
        }
        offset += line.len();
    }
    let [(number, start, line)] = found[..] else {
        let lines: Vec<usize> = found.iter().map(|(number, ..)| *number).collect();
        return Err(ManifestError::Marker {
            path: path.to_string(),
            marker: marker.to_string(),
            count: lines.len(),
            lines,
        });
    };
    if old == new || find_version(line, new).is_some() {
        return Ok(text.to_string());
    }
    let Some(at) = find_version(line, old) else {
        return Err(ManifestError::VersionNotOnLine {
            path: path.to_string(),
            line: number,
            marker: marker.to_string(),
            old: old.to_string(),
            new: new.to_string(),
        });
    };
    let at = start + at;
    Ok(format!("{}{new}{}", &text[..at], &text[at + old.len()..]))
}

/// Where `version` first occurs in `line` as a whole version: not preceded by a digit or a dot,
/// not followed by a letter, a digit, or a `.`, `-` or `+` that continues it.
fn find_version(line: &str, version: &str) -> Option<usize> {
    line.match_indices(version).map(|(at, _)| at).find(|&at| {
        let before = line[..at].chars().next_back();
        let mut after = line[at + version.len()..].chars();
        let (next, then) = (after.next(), after.next());
        let joined_before = before.is_some_and(|c| c.is_ascii_digit() || c == '.');
        let joined_after = next.is_some_and(|c| c.is_ascii_alphanumeric())
            || (matches!(next, Some('.' | '-' | '+')) && then.is_some_and(|c| c.is_ascii_alphanumeric()));
        !joined_before && !joined_after
    })
}
