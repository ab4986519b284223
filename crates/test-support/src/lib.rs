//! Builds real git repositories for tests, fixtures and benchmarks.
//!
//! Everything is pinned: author and committer, dates (one hour apart from 2025-01-01), the
//! default branch `main`, no signing. The same description therefore always gives the same
//! commit ids, which the expected plans in `fixtures/` rely on. Nothing here touches the network
//! or this repository's own history.
//!
//! [`github::FakeGitHub`] plays GitHub's REST API on loopback, held to GitHub's own description
//! of it (`fixtures/github/openapi.json`).
//!
//! [`service`] runs a real HTTP service (`release-test-service`, this crate's binary) for the
//! promotion tests, directly or through `fixtures/promote/deploy.sh`.
//!
//! ```no_run
//! let dir = tempfile::tempdir().unwrap();
//! let mut repo = release_test_support::RepoBuilder::init(dir.path()).unwrap();
//! repo.write("apps/api/package.json", "{\"name\": \"api\", \"version\": \"1.0.0\"}\n");
//! repo.commit("feat(api): first").unwrap();
//! repo.tag("api-v1.0.0").unwrap();
//! repo.checkout().unwrap();
//! ```

mod fixture;
pub mod github;
pub mod prometheus;
pub mod receiver;
pub mod service;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::{Oid, Repository, Signature, Time};
use release_commit_id::CommitId;

pub use fixture::{Case, Fixture, fixtures_dir};

/// The instant of the first commit: 2025-01-01T00:00:00Z.
pub const EPOCH: i64 = 1_735_689_600;
pub const NAME: &str = "Release Fixture";
pub const EMAIL: &str = "fixture@example.com";

/// A repository under construction. Files live in memory per branch until committed.
pub struct RepoBuilder {
    repository: Repository,
    root: PathBuf,
    branch: String,
    files: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    heads: BTreeMap<String, Oid>,
    clock: i64,
}

impl RepoBuilder {
    /// `git init` with the pinned settings.
    pub fn init(root: &Path) -> Result<RepoBuilder> {
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        let repository =
            Repository::init_opts(root, &options).with_context(|| format!("git init {}", root.display()))?;
        {
            let mut config = repository.config()?;
            config.set_str("user.name", NAME)?;
            config.set_str("user.email", EMAIL)?;
            config.set_bool("commit.gpgsign", false)?;
            config.set_bool("tag.gpgsign", false)?;
            config.set_str("init.defaultBranch", "main")?;
        }
        let mut files = BTreeMap::new();
        files.insert("main".to_string(), BTreeMap::new());
        Ok(RepoBuilder {
            repository,
            root: root.to_path_buf(),
            branch: "main".into(),
            files,
            heads: BTreeMap::new(),
            clock: 0,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn repository(&self) -> &Repository {
        &self.repository
    }

    /// Sets a file's content on the current branch (committed by the next `commit`).
    pub fn write(&mut self, path: &str, content: impl AsRef<[u8]>) -> &mut Self {
        self.current_files().insert(path.to_string(), content.as_ref().to_vec());
        self
    }

    /// Removes a file from the current branch.
    pub fn delete(&mut self, path: &str) -> &mut Self {
        self.current_files().remove(path);
        self
    }

    fn current_files(&mut self) -> &mut BTreeMap<String, Vec<u8>> {
        self.files.get_mut(&self.branch).expect("the current branch has files")
    }

    /// Switches to a branch, creating it from the current branch's tip when new.
    pub fn switch(&mut self, branch: &str) -> &mut Self {
        if !self.files.contains_key(branch) {
            let files = self.files[&self.branch].clone();
            self.files.insert(branch.to_string(), files);
            if let Some(&head) = self.heads.get(&self.branch) {
                self.heads.insert(branch.to_string(), head);
            }
        }
        self.branch = branch.to_string();
        self
    }

    fn signature(&mut self) -> Result<Signature<'static>> {
        let time = Time::new(EPOCH + self.clock * 3600, 0);
        self.clock += 1;
        Ok(Signature::new(NAME, EMAIL, &time)?)
    }

    /// Commits the current branch's files with the message (a newline is appended, as git does).
    pub fn commit(&mut self, message: &str) -> Result<CommitId> {
        let parents: Vec<Oid> = self.heads.get(&self.branch).copied().into_iter().collect();
        self.commit_with_parents(message, &parents)
    }

    /// Merges `branch` into the current branch with a merge commit (the branch's files win).
    pub fn merge(&mut self, branch: &str, message: &str) -> Result<CommitId> {
        let Some(&theirs) = self.heads.get(branch) else { bail!("cannot merge `{branch}`: it has no commits") };
        let Some(&ours) = self.heads.get(&self.branch) else {
            bail!("cannot merge into `{}`: no commits", self.branch)
        };
        let their_files = self.files[branch].clone();
        let files = self.current_files();
        for (path, content) in their_files {
            files.insert(path, content);
        }
        self.commit_with_parents(message, &[ours, theirs])
    }

    fn commit_with_parents(&mut self, message: &str, parents: &[Oid]) -> Result<CommitId> {
        let signature = self.signature()?;
        let tree = self.write_tree()?;
        let tree = self.repository.find_tree(tree)?;
        let parents: Vec<git2::Commit<'_>> =
            parents.iter().map(|id| self.repository.find_commit(*id)).collect::<Result<_, _>>()?;
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let mut message = message.to_string();
        if !message.ends_with('\n') {
            message.push('\n');
        }
        let id = self.repository.commit(None, &signature, &signature, &message, &tree, &parent_refs)?;
        self.repository.reference(&format!("refs/heads/{}", self.branch), id, true, "fixture")?;
        self.heads.insert(self.branch.clone(), id);
        Ok(CommitId::from_bytes(id.as_bytes())?)
    }

    fn write_tree(&self) -> Result<Oid> {
        let mut root = Dir::default();
        for (path, content) in &self.files[&self.branch] {
            let blob = self.repository.blob(content)?;
            let mut dir = &mut root;
            let mut parts: Vec<&str> = path.split('/').collect();
            let file = parts.pop().expect("a path has a file name");
            for part in parts {
                dir = dir.dirs.entry(part.to_string()).or_default();
            }
            dir.files.insert(file.to_string(), blob);
        }
        root.write(&self.repository)
    }

    /// A lightweight tag at the current branch's tip.
    pub fn tag(&mut self, name: &str) -> Result<()> {
        let Some(&head) = self.heads.get(&self.branch) else { bail!("cannot tag `{name}`: no commits yet") };
        self.repository.reference(&format!("refs/tags/{name}"), head, false, "fixture")?;
        Ok(())
    }

    /// An annotated tag at the current branch's tip, with the pinned tagger.
    pub fn annotated_tag(&mut self, name: &str, message: &str) -> Result<()> {
        let Some(&head) = self.heads.get(&self.branch) else { bail!("cannot tag `{name}`: no commits yet") };
        let signature = self.signature()?;
        let object = self.repository.find_object(head, None)?;
        self.repository.tag(name, &object, &signature, message, false)?;
        Ok(())
    }

    /// Points HEAD at `main` and writes the work tree and index.
    pub fn checkout(&mut self) -> Result<()> {
        self.branch = "main".into();
        if self.heads.contains_key("main") {
            self.repository.set_head("refs/heads/main")?;
            let mut options = git2::build::CheckoutBuilder::new();
            options.force();
            self.repository.checkout_head(Some(&mut options))?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Dir {
    files: BTreeMap<String, Oid>,
    dirs: BTreeMap<String, Dir>,
}

impl Dir {
    fn write(&self, repository: &Repository) -> Result<Oid> {
        let mut builder = repository.treebuilder(None)?;
        for (name, blob) in &self.files {
            builder.insert(name, *blob, 0o100644)?;
        }
        for (name, dir) in &self.dirs {
            builder.insert(name, dir.write(repository)?, 0o040000)?;
        }
        Ok(builder.write()?)
    }
}
