//! The checks before anything is written: tag names, the branch, its upstream, a clean tree.

use release_config::Config;
use release_git::Repo;

use crate::{CutError, Journal, ReleaseRecord, Resume};

/// Refuses, before anything irreversible, a release whose tags git could not make or would
/// misread (a package named `my pkg`, an npm name `bad name:`).
pub fn check_tags(records: &[ReleaseRecord]) -> Result<(), CutError> {
    match records.iter().find(|record| !release_git::is_valid_tag_name(&record.tag)) {
        Some(record) => Err(CutError::InvalidTag {
            name: record.name.clone(),
            version: record.version.clone(),
            tag: record.tag.clone(),
        }),
        None => Ok(()),
    }
}

/// The branch is one releases may be cut from.
pub fn check_branch(repo: &Repo, config: &Config) -> Result<String, CutError> {
    let branch = repo.current_branch().ok_or(CutError::Detached)?;
    if !config.cut.branches.iter().any(|allowed| allowed == &branch) {
        let allowed: Vec<String> = config.cut.branches.iter().map(|name| format!("`{name}`")).collect();
        return Err(CutError::Branch { branch, allowed: allowed.join(" or ") });
    }
    Ok(branch)
}

/// Fetches, then refuses a branch that is behind its upstream (a push would be rejected anyway,
/// after tags were made for commits the remote does not have).
pub fn check_upstream(repo: &Repo, branch: &str) -> Result<(), CutError> {
    let Some((remote, upstream)) = repo.upstream(branch) else { return Ok(()) };
    repo.fetch(&remote)?;
    let head = repo.resolve("HEAD")?;
    let upstream_commit = repo.resolve(&upstream)?;
    let (_, behind) = repo.ahead_behind(head, upstream_commit)?;
    if behind > 0 {
        let short = upstream.trim_start_matches("refs/remotes/").to_string();
        return Err(CutError::Behind { branch: branch.to_string(), upstream: short, count: behind });
    }
    Ok(())
}

/// Dirty files that are not this release's own half-written files. The temporary files of a run
/// killed while it wrote (`.NAME.release-PID.tmp`, whatever the pid) are removed first: the lock
/// is held, so no other run is writing them.
pub fn check_clean(repo: &Repo, resume: &Resume) -> Result<(), CutError> {
    let mut dirty = repo.dirty_files()?;
    // Staging happens after the journal is written: a leftover is one beside a file the journal
    // names (never a file of the user's that only looks like one).
    let journaled: Vec<String> = Journal::read(repo.git_dir()).map(|journal| journal.files).unwrap_or_default();
    let leftover =
        |file: &String| release_apply::staging_target(file).is_some_and(|target| journaled.contains(&target));
    for file in dirty.iter().filter(|file| leftover(file)) {
        match fs_err::remove_file(repo.root().join(file)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
            _ => {}
        }
    }
    dirty.retain(|file| !leftover(file));
    let own: &[String] = match resume {
        Resume::Journal(journal) => &journal.files,
        _ => &[],
    };
    let foreign: Vec<&String> = dirty.iter().filter(|file| !own.contains(file)).collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = foreign.iter().take(20).map(|file| file.as_str()).collect();
    let more =
        if foreign.len() > shown.len() { format!(" and {} more", foreign.len() - shown.len()) } else { String::new() };
    Err(CutError::Dirty { files: format!("{}{more}", shown.join(", ")) })
}

/// Refuses to write over uncommitted changes to the files the release writes (`--allow-dirty`
/// allows other dirty files, never these: the release commit would carry unreviewed edits). The
/// files of a run that stopped half-way (`own`) are the release's own.
pub fn check_release_files_clean(repo: &Repo, files: &[String], own: &[String]) -> Result<(), CutError> {
    let dirty = repo.dirty_files()?;
    let touched: Vec<&str> =
        files.iter().filter(|file| dirty.contains(file) && !own.contains(file)).map(String::as_str).take(20).collect();
    if touched.is_empty() { Ok(()) } else { Err(CutError::DirtyReleaseFiles { files: touched.join(", ") }) }
}
