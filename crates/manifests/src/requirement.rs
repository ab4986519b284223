//! Version requirements (Cargo and npm share the simple forms) moved to a new version.

use semver::Version;

/// The requirement `requirement` rewritten to ask for `new` in the same style, or `None` when it
/// is left as it is.
///
/// Rewritten: one comparator that is bare (`1.2.3`, Cargo's caret and npm's exact), `^`, `~` or
/// `=`, optionally with a `v` (`^v1.2.3`) and spaces after the operator. The operator, the `v`,
/// the spaces and the surrounding whitespace are kept, and so is the number of components:
/// `1.2` becomes `1.3` for 1.3.0, `~1` becomes `~2` for 2.0.0, `=1.2.3` becomes `=1.3.0`.
/// A pre-release new version is always written in full (`2.0` would not match `2.0.0-rc.1`).
/// Build metadata is never written: requirements ignore it.
///
/// Left alone (`None`):
/// - a requirement that already says `new` in its own precision (`1.2` for 1.2.5);
/// - ranges: `>=`, `>`, `<`, `<=`, whether or not `new` satisfies them, because a range states an
///   intent (a floor, a ceiling) that a release cannot know to move;
/// - wildcards (`*`, `1.x`, `1.2.*`), several comparators (`>=1, <2`, `>=1 <2`, `1 || 2`),
///   hyphen ranges (`1.0 - 2.0`), and everything that is not a version: `workspace:`, `file:`,
///   `link:`, `npm:` aliases, git and URL specifiers, dist-tags like `latest`.
///
/// ```
/// use release_manifests::{bump_requirement, Version};
/// let new = Version::new(1, 3, 0);
/// assert_eq!(bump_requirement("^1.2.3", &new).as_deref(), Some("^1.3.0"));
/// assert_eq!(bump_requirement("1.2", &new).as_deref(), Some("1.3"));
/// assert_eq!(bump_requirement(">=1.0", &new), None);
/// assert_eq!(bump_requirement("workspace:^", &new), None);
/// ```
pub fn bump_requirement(requirement: &str, new: &Version) -> Option<String> {
    let core = requirement.trim();
    let leading = &requirement[..requirement.len() - requirement.trim_start().len()];
    let trailing = &requirement[requirement.trim_end().len()..];

    let operator_length = ["^", "~", "="].iter().find(|operator| core.starts_with(**operator)).map_or(0, |op| op.len());
    let after_operator = &core[operator_length..];
    let spaces = &after_operator[..after_operator.len() - after_operator.trim_start().len()];
    let after_spaces = &after_operator[spaces.len()..];
    let v = if after_spaces.starts_with('v') { "v" } else { "" };
    let version = &after_spaces[v.len()..];
    let components = components(version)?;

    let written = if !new.pre.is_empty() {
        format!("{}.{}.{}-{}", new.major, new.minor, new.patch, new.pre)
    } else {
        match components {
            1 => new.major.to_string(),
            2 => format!("{}.{}", new.major, new.minor),
            _ => format!("{}.{}.{}", new.major, new.minor, new.patch),
        }
    };
    let rewritten = format!("{leading}{}{spaces}{v}{written}{trailing}", &core[..operator_length]);
    (rewritten != requirement).then_some(rewritten)
}

/// How many numeric components `version` has (1 to 3), or `None` when it is not a plain
/// `MAJOR[.MINOR[.PATCH[-PRE][+BUILD]]]`.
fn components(version: &str) -> Option<usize> {
    let numeric_end = version.find(['-', '+']).unwrap_or(version.len());
    let numbers: Vec<&str> = version[..numeric_end].split('.').collect();
    if numbers.len() > 3 || numbers.iter().any(|number| number.parse::<u64>().is_err()) {
        return None;
    }
    if numeric_end < version.len() {
        // A pre-release or build suffix only makes sense on a full version.
        if numbers.len() != 3 {
            return None;
        }
        Version::parse(version).ok()?;
    }
    Some(numbers.len())
}
