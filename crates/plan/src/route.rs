//! Which packages and components a changed path belongs to.
//!
//! A path belongs to the package whose folder is its deepest enclosing folder (so a package at
//! `.` owns what no other package owns), plus every package whose `include` globs match it, minus
//! those whose `exclude` globs match it. Globs never let `*` cross a `/`.

use release_config::glob::{self, Globs};

/// A glob set over patterns, with the index of the owner of each pattern.
#[derive(Debug, Clone)]
pub struct OwnedGlobs {
    globs: Globs,
    owners: Vec<usize>,
}

impl OwnedGlobs {
    pub fn new<'a>(patterns: impl IntoIterator<Item = (usize, &'a str)>) -> Result<OwnedGlobs, glob::Error> {
        let (owners, patterns): (Vec<usize>, Vec<&str>) = patterns.into_iter().unzip();
        Ok(OwnedGlobs { globs: Globs::new(patterns)?, owners })
    }

    /// The owners of the patterns matching `path`, sorted and deduplicated.
    pub fn owners(&self, path: &str, into: &mut Vec<usize>) {
        self.globs.matches(path, into);
        for index in into.iter_mut() {
            *index = self.owners[*index];
        }
        into.sort_unstable();
        into.dedup();
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.globs.is_match(path)
    }
}

/// Routes changed paths to packages.
#[derive(Debug, Clone)]
pub struct Router {
    /// Keyed with foldhash: every changed path looks up each of its folders here, and SipHash was
    /// a tenth of routing.
    by_folder: foldhash::HashMap<String, Vec<usize>>,
    include: OwnedGlobs,
    exclude: OwnedGlobs,
}

/// What the router needs to know of a package.
pub struct RouteSpec<'a> {
    pub path: &'a str,
    pub include: &'a [String],
    pub exclude: &'a [String],
}

impl Router {
    pub fn new<'a>(packages: impl IntoIterator<Item = RouteSpec<'a>>) -> Result<Router, glob::Error> {
        let mut by_folder = foldhash::HashMap::<String, Vec<usize>>::default();
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for (index, package) in packages.into_iter().enumerate() {
            by_folder.entry(package.path.to_string()).or_default().push(index);
            include.extend(package.include.iter().map(|pattern| (index, pattern.as_str())));
            exclude.extend(package.exclude.iter().map(|pattern| (index, pattern.as_str())));
        }
        Ok(Router { by_folder, include: OwnedGlobs::new(include)?, exclude: OwnedGlobs::new(exclude)? })
    }

    /// The packages a changed path releases, sorted.
    pub fn route(&self, path: &str, scratch: &mut Vec<usize>, into: &mut Vec<usize>) {
        into.clear();
        let mut folder = path;
        loop {
            folder = match folder.rfind('/') {
                Some(index) => &folder[..index],
                None if folder == "." => break,
                None => ".",
            };
            if let Some(owners) = self.by_folder.get(folder) {
                into.extend_from_slice(owners);
                break;
            }
        }
        self.include.owners(path, scratch);
        into.extend_from_slice(scratch);
        into.sort_unstable();
        into.dedup();
        if !into.is_empty() && self.exclude.is_match(path) {
            self.exclude.owners(path, scratch);
            into.retain(|owner| scratch.binary_search(owner).is_err());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(specs: &[(&str, &[&str], &[&str])]) -> Router {
        let owned: Vec<(String, Vec<String>, Vec<String>)> = specs
            .iter()
            .map(|(path, include, exclude)| {
                (
                    path.to_string(),
                    include.iter().map(|glob| glob.to_string()).collect(),
                    exclude.iter().map(|glob| glob.to_string()).collect(),
                )
            })
            .collect();
        Router::new(owned.iter().map(|(path, include, exclude)| RouteSpec { path, include, exclude })).unwrap()
    }

    #[test]
    fn deepest_folder_owns_and_globs_add_or_remove() {
        let router = router(&[
            (".", &[], &[]),
            ("apps/api", &["proto/**"], &["apps/api/docs/**"]),
            ("apps/api/plugin", &[], &[]),
            ("apps/web", &["proto/*.proto"], &[]),
        ]);
        let check = |path: &str, expected: &[usize]| {
            let (mut scratch, mut into) = (Vec::new(), Vec::new());
            router.route(path, &mut scratch, &mut into);
            assert_eq!(into, expected, "{path}");
        };
        check("apps/api/src/main.ts", &[1]);
        check("apps/api/plugin/index.ts", &[2]);
        check("apps/api/docs/readme.md", &[]);
        check("apps/apiary/x", &[0]);
        check("README.md", &[0]);
        check("proto/a.proto", &[0, 1, 3]);
        check("proto/nested/b.proto", &[0, 1]);
    }
}
