//! Globs as release.toml writes them, compiled once, the same way everywhere: `*` and `?` stay
//! within a folder (`literal_separator`), `**` crosses folders. Config validates with
//! [`Glob::new`]; the planner's path rules and routing, `release cut`'s assets and workspace
//! discovery match with [`Globs`]. A glob that does not parse is an error, never skipped.

pub use globset::Error;

/// One glob, checked.
#[derive(Debug, Clone)]
pub struct Glob(globset::Glob);

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, Error> {
        globset::GlobBuilder::new(pattern).literal_separator(true).build().map(Glob)
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.0.compile_matcher().is_match(path)
    }
}

/// Patterns compiled into one matcher; [`Globs::matches`] answers with the patterns' indices.
#[derive(Debug, Clone)]
pub struct Globs {
    set: globset::GlobSet,
    len: usize,
}

impl Globs {
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Globs, Error> {
        let mut builder = globset::GlobSetBuilder::new();
        let mut len = 0;
        for pattern in patterns {
            builder.add(Glob::new(pattern)?.0);
            len += 1;
        }
        Ok(Globs { set: builder.build()?, len })
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether any pattern matches `path` (a `/`-separated path relative to the repository root).
    pub fn is_match(&self, path: &str) -> bool {
        self.len != 0 && self.set.is_match(path)
    }

    /// The indices of the patterns matching `path`, in order, into `into` (cleared first).
    pub fn matches(&self, path: &str, into: &mut Vec<usize>) {
        into.clear();
        if self.len != 0 {
            self.set.matches_into(path, into);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Glob, Globs};

    #[test]
    fn a_star_stays_within_a_folder() {
        let globs = Globs::new(["proto/*.proto", "docs/**", "*.md"]).unwrap();
        let check = |path: &str, expected: &[usize]| {
            let mut into = vec![99];
            globs.matches(path, &mut into);
            assert_eq!(into, expected, "{path}");
            assert_eq!(globs.is_match(path), !expected.is_empty(), "{path}");
        };
        check("proto/a.proto", &[0]);
        check("proto/nested/a.proto", &[]);
        check("docs/a/b/c.txt", &[1]);
        check("README.md", &[2]);
        check("apps/README.md", &[]);
        assert!(Glob::new("apps/*").unwrap().is_match("apps/api"));
        assert!(!Glob::new("apps/*").unwrap().is_match("apps/api/src"));
    }

    #[test]
    fn a_glob_that_does_not_parse_is_an_error_naming_it() {
        let error = Globs::new(["ok/**", "bad/[z-a]"]).unwrap_err();
        assert_eq!(error.glob(), Some("bad/[z-a]"));
        assert!(Glob::new("{unclosed").is_err());
        assert!(Globs::new([]).unwrap().is_empty());
        assert!(!Globs::new([]).unwrap().is_match("anything"));
    }
}
