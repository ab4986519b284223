//! "Did you mean": the one helper every crate uses to suggest a name for a misspelt one (a key
//! of release.toml, a component, a package named by a rule or a `[[package]]` entry).

/// The candidate a user most likely meant by `name`, if any is close enough to be a useful hint:
/// the nearest by edit distance (with transpositions) within a third of its length (at least 2),
/// or else the first that contains `name` or is contained in it, ignoring case (`core` for
/// `my-core`).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let near = candidates
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate);
    near.or_else(|| {
        let name = name.to_lowercase();
        candidates.into_iter().find(|candidate| {
            let candidate = candidate.to_lowercase();
            candidate.contains(&name) || name.contains(&candidate)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggestions() {
        let check = |name: &str, candidates: &[&str], expected: Option<&str>| {
            assert_eq!(closest(name, candidates.iter().copied()), expected, "{name} in {candidates:?}");
        };
        check("nmae", &["name", "path"], Some("name"));
        check("applies_to", &["applies-to", "bump"], Some("applies-to"));
        check("clint", &["server", "client"], Some("client"));
        check("bakend", &["frontend", "backend"], Some("backend"));
        check("core", &["api", "my-core"], Some("my-core"));
        check("My-Core-Extras", &["api", "my-core"], Some("my-core"));
        check("zzzzzz", &["name", "path"], None);
        check("anything", &[], None);
    }
}
