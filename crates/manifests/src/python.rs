//! Python: `pyproject.toml` with a PEP 621 `[project]` table or `[tool.poetry]`.

use std::collections::BTreeMap;
use std::ops::Range;

use semver::Version;
use toml_edit::{Array, Item, TableLike};

use crate::Versions;
use crate::edit::{Edits, split_bom};
use crate::error::{ManifestError, missing};
use crate::toml::{parse, set_version, string, table_at};

/// Edits a `pyproject.toml`.
///
/// The own version goes where `release-workspace` reads it from: `[project].version` when
/// `[project]` has a `name` (left alone when `dynamic` lists `"version"`: a build backend computes
/// it), `[tool.poetry].version` otherwise. A missing field is an error when `own` is `Some`.
///
/// Dependencies are moved only where they pin: a PEP 508 requirement `name==1.2.3` (with or
/// without extras, spaces, parentheses and an environment marker) in `[project].dependencies`,
/// `[project.optional-dependencies]` and PEP 735 `[dependency-groups]`; and a Poetry dependency
/// (`[tool.poetry.dependencies]`, `dev-dependencies`, `group.<name>.dependencies`) whose version
/// is exact, `"1.2.3"` or `"==1.2.3"`. Ranges (`>=`, `~=`, `^`, `,`), wildcards and URLs are left
/// alone. Names are compared in their PEP 503 normal form (`My_Package` is `my-package`).
///
/// Versions are written as semver prints them (`1.0.0-rc.1`), which PEP 440 also accepts and
/// which is how `release-workspace` reads them back.
pub fn edit_pyproject(
    path: &str,
    text: &str,
    own: Option<&Version>,
    versions: &Versions,
) -> Result<String, ManifestError> {
    let (bom, body) = split_bom(text);
    let document = parse(path, body)?;
    let root: &dyn TableLike = document.as_table();
    let mut edits = Edits::new(body);
    let project = table_at(root, &["project"]);
    let poetry = table_at(root, &["tool", "poetry"]);
    if let Some(own) = own {
        set_own_version(&mut edits, path, body, project, poetry, own)?;
    }
    let versions: BTreeMap<String, &Version> =
        versions.iter().map(|(name, version)| (normalize(name), version)).collect();
    pin_requirements(&mut edits, root, project, &versions);
    if let Some(poetry) = poetry {
        pin_poetry_dependencies(&mut edits, poetry, &versions);
    }
    Ok(format!("{bom}{}", edits.apply()))
}

/// Sets the package's own version where `release-workspace` reads it from, or says which field
/// to add: `[project]` with a `name` wins, then `[tool.poetry]`.
fn set_own_version(
    edits: &mut Edits<'_>,
    path: &str,
    body: &str,
    project: Option<&dyn TableLike>,
    poetry: Option<&dyn TableLike>,
    own: &Version,
) -> Result<(), ManifestError> {
    match (project, poetry) {
        (Some(project), _) if project.contains_key("name") => {
            let dynamic = project
                .get("dynamic")
                .and_then(Item::as_array)
                .is_some_and(|fields| fields.iter().any(|field| field.as_str() == Some("version")));
            if !dynamic && !set_version(edits, path, body, project, "version", "project.version", own)? {
                return Err(missing(
                    path,
                    "project.version",
                    format!("add `version = \"{own}\"` under [project], or list \"version\" in `dynamic`"),
                ));
            }
        }
        (_, Some(poetry)) => {
            if !set_version(edits, path, body, poetry, "version", "tool.poetry.version", own)? {
                return Err(missing(
                    path,
                    "tool.poetry.version",
                    format!("add `version = \"{own}\"` under [tool.poetry]"),
                ));
            }
        }
        _ => {
            return Err(missing(
                path,
                "project.version",
                format!("add a [project] table with a `name` and `version = \"{own}\"`"),
            ));
        }
    }
    Ok(())
}

/// Moves PEP 508 requirements that pin a released package with `==`, in `[project]`'s
/// dependencies and optional dependencies and in PEP 735 `[dependency-groups]`.
fn pin_requirements(
    edits: &mut Edits<'_>,
    root: &dyn TableLike,
    project: Option<&dyn TableLike>,
    versions: &BTreeMap<String, &Version>,
) {
    let mut arrays: Vec<&Array> = Vec::new();
    if let Some(project) = project {
        arrays.extend(project.get("dependencies").and_then(Item::as_array));
        if let Some(optional) = project.get("optional-dependencies").and_then(Item::as_table_like) {
            arrays.extend(optional.iter().filter_map(|(_, group)| group.as_array()));
        }
    }
    if let Some(groups) = table_at(root, &["dependency-groups"]) {
        arrays.extend(groups.iter().filter_map(|(_, group)| group.as_array()));
    }
    for value in arrays.into_iter().flatten() {
        let (Some(requirement), Some(span)) = (value.as_str(), value.span()) else {
            continue;
        };
        let Some((name, range)) = pinned(requirement) else {
            continue;
        };
        if let Some(new) = versions.get(&normalize(name)) {
            let mut pinned = requirement.to_string();
            pinned.replace_range(range, &new.to_string());
            edits.replace_string(span, requirement, &pinned);
        }
    }
}

/// Moves Poetry dependencies on a released package whose constraint is exact, in the main,
/// dev and group dependency tables.
fn pin_poetry_dependencies(edits: &mut Edits<'_>, poetry: &dyn TableLike, versions: &BTreeMap<String, &Version>) {
    let mut tables: Vec<&dyn TableLike> = Vec::new();
    tables.extend(table_at(poetry, &["dependencies"]));
    tables.extend(table_at(poetry, &["dev-dependencies"]));
    if let Some(groups) = table_at(poetry, &["group"]) {
        tables
            .extend(groups.iter().filter_map(|(_, group)| group.as_table_like()?.get("dependencies")?.as_table_like()));
    }
    for (key, item) in tables.into_iter().flat_map(|table| table.iter()) {
        let Some(new) = versions.get(&normalize(key)) else {
            continue;
        };
        let constraint = match item.as_table_like() {
            Some(detail) => detail.get("version").and_then(string),
            None => string(item),
        };
        if let Some((constraint, span)) = constraint {
            if let Some(range) = exact(constraint) {
                let mut pinned = constraint.to_string();
                pinned.replace_range(range, &new.to_string());
                edits.replace_string(span, constraint, &pinned);
            }
        }
    }
}

/// PEP 503: lowercase, and every run of `-`, `_` and `.` is one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The name of a PEP 508 requirement that pins one version with `==`, and the byte range of that
/// version: `name[extra] == 1.2.3 ; marker` gives `name` and the range of `1.2.3`.
fn pinned(requirement: &str) -> Option<(&str, Range<usize>)> {
    let start = requirement.len() - requirement.trim_start().len();
    let name_length = requirement[start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len() - start);
    if name_length == 0 {
        return None;
    }
    let name = &requirement[start..start + name_length];
    let mut rest = start + name_length;
    rest += skip_spaces(&requirement[rest..]);
    if requirement[rest..].starts_with('[') {
        rest += requirement[rest..].find(']')? + 1;
    }
    let end = requirement[rest..].find(';').map_or(requirement.len(), |index| rest + index);
    let (mut low, mut high) = trimmed(requirement, rest..end);
    if high - low >= 2 && requirement[low..high].starts_with('(') && requirement[low..high].ends_with(')') {
        (low, high) = trimmed(requirement, low + 1..high - 1);
    }
    let after = requirement[low..high].strip_prefix("==").filter(|after| !after.starts_with('='))?;
    let range = low + 2 + skip_spaces(after)..high;
    plain_version(&requirement[range.clone()]).then_some((name, range))
}

/// `range` of `text` without the whitespace at either end.
fn trimmed(text: &str, range: Range<usize>) -> (usize, usize) {
    let part = &text[range.clone()];
    let low = range.start + skip_spaces(part);
    (low, low + part.trim().len())
}

/// The byte range of the version in an exact Poetry constraint: `1.2.3` or `==1.2.3`.
fn exact(constraint: &str) -> Option<Range<usize>> {
    let trimmed = constraint.trim();
    let start = constraint.len() - constraint.trim_start().len();
    let version_start = match trimmed.strip_prefix("==") {
        Some(rest) => start + 2 + skip_spaces(rest),
        None => start,
    };
    let range = version_start..start + trimmed.len();
    plain_version(&constraint[range.clone()]).then_some(range)
}

/// One version, no wildcard: `1.2.3`, `1.0.0rc1`, `1!2.0`, `1.0+local`.
fn plain_version(version: &str) -> bool {
    version.starts_with(|c: char| c.is_ascii_digit())
        && version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '!'))
}

fn skip_spaces(text: &str) -> usize {
    text.len() - text.trim_start().len()
}
