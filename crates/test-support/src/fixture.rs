//! Declarative fixture repositories: `fixtures/<name>/fixture.toml`.
//!
//! ```toml
//! description = "what this fixture shows"
//!
//! [[commit]]
//! message = "feat(api): add /health (#12)"
//! branch = "feature"          # optional: commit on this branch (made from main when new)
//! merge = "feature"           # optional: a merge commit of that branch into `branch` (or main)
//! tags = ["api-v1.0.0"]       # lightweight tags at this commit
//! annotated-tags = ["v1.0.0"] # annotated tags at this commit
//! delete = ["old/file"]
//! copy = ["release.toml"]     # files taken from the fixture's folder, same path
//! [commit.files]
//! "apps/api/src/health.ts" = "export const ok = true\n"
//!
//! [[case]]                    # one `release plan --format json` run and its expected output
//! args = ["--pre", "rc"]
//! snapshot = "plan-rc"        # an insta snapshot in the fixture's folder: plan-rc.snap
//! ```
//!
//! With no `[[case]]`, one case runs with no extra arguments and expects `plan.snap`.
//! `cargo insta review` (or `INSTA_UPDATE=always`) is the way to accept a changed plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::RepoBuilder;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Fixture {
    pub description: String,
    #[serde(default)]
    pub commit: Vec<FixtureCommit>,
    #[serde(default)]
    pub case: Vec<Case>,
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixtureCommit {
    pub message: String,
    pub branch: Option<String>,
    pub merge: Option<String>,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub delete: Vec<String>,
    /// Files copied from the fixture's folder into the repository at the same path.
    #[serde(default)]
    pub copy: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub annotated_tags: Vec<String>,
}

/// One `release plan` run on a fixture.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Case {
    #[serde(default)]
    pub args: Vec<String>,
    /// The name of the insta snapshot (`<snapshot>.snap` in the fixture's folder) holding the
    /// expected JSON.
    pub snapshot: String,
}

/// `fixtures/` at the top of this repository.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

impl Fixture {
    /// Reads `fixtures/<name>/fixture.toml`.
    pub fn load(name: &str) -> Result<Fixture> {
        Fixture::load_from(&fixtures_dir().join(name))
    }

    pub fn load_from(dir: &Path) -> Result<Fixture> {
        let path = dir.join("fixture.toml");
        let text = fs_err::read_to_string(&path)?;
        let mut fixture: Fixture =
            toml_edit::de::from_str(&text).with_context(|| format!("reading fixture {}", path.display()))?;
        fixture.dir = dir.to_path_buf();
        if fixture.case.is_empty() {
            fixture.case.push(Case { args: Vec::new(), snapshot: "plan".into() });
        }
        Ok(fixture)
    }

    /// The names of every fixture in `fixtures/`, sorted.
    pub fn names() -> Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs_err::read_dir(fixtures_dir())? {
            let entry = entry?;
            if entry.path().join("fixture.toml").is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Builds the repository in `root` (which must be empty or absent) and checks out `main`.
    pub fn build(&self, root: &Path) -> Result<RepoBuilder> {
        fs_err::create_dir_all(root)?;
        let mut repo = RepoBuilder::init(root)?;
        for (index, commit) in self.commit.iter().enumerate() {
            let branch = commit.branch.as_deref().unwrap_or("main");
            repo.switch(branch);
            for (path, content) in &commit.files {
                repo.write(path, content);
            }
            for path in &commit.copy {
                let content = fs_err::read(self.dir.join(path))?;
                repo.write(path, content);
            }
            for path in &commit.delete {
                repo.delete(path);
            }
            let result = match &commit.merge {
                Some(other) => repo.merge(other, &commit.message),
                None => repo.commit(&commit.message),
            };
            result.with_context(|| format!("fixture {}: commit #{}", self.dir.display(), index + 1))?;
            for tag in &commit.tags {
                repo.tag(tag)?;
            }
            for tag in &commit.annotated_tags {
                repo.annotated_tag(tag, &format!("release {tag}"))?;
            }
        }
        if self.commit.is_empty() {
            bail!("fixture {} has no commits", self.dir.display());
        }
        repo.checkout()?;
        Ok(repo)
    }
}
