//! What a release is, as recorded in the release commit's trailers and in the journal, so a
//! second run knows what the first one decided, whatever state it stopped in.

use std::path::Path;

use release_plan::{Bump, Plan};
use serde::{Deserialize, Serialize};

/// The package name the repository-level version is recorded under.
pub const REPOSITORY: &str = "(repository)";
const TOOL_TRAILER: &str = "Release-Tool: release";
/// Who ran `release cut`, as promotion names people (`RELEASE_ACTOR`, `GITHUB_ACTOR`, ...): the
/// person an approval may not come from. The commit's author is often a bot in CI.
const ACTOR_TRAILER: &str = "Release-Actor:";

/// One tag that the release creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// A package name, or [`REPOSITORY`].
    pub name: String,
    pub version: semver::Version,
    pub tag: String,
}

impl ReleaseRecord {
    pub fn is_repository(&self) -> bool {
        self.name == REPOSITORY
    }

    pub fn is_prerelease(&self) -> bool {
        !self.version.pre.is_empty()
    }
}

/// The releases a plan makes: every bumped package, then the repository.
pub fn records(plan: &Plan) -> Vec<ReleaseRecord> {
    let mut out: Vec<ReleaseRecord> = plan
        .packages
        .iter()
        .filter(|package| package.bump != Bump::None)
        .filter_map(|package| {
            Some(ReleaseRecord {
                name: package.name.clone(),
                version: package.next_version.clone(),
                tag: package.next_tag.clone()?,
            })
        })
        .collect();
    if let Some(repo) = plan.repo.as_ref().filter(|repo| repo.bump != Bump::None)
        && let Some(tag) = &repo.next_tag
    {
        out.push(ReleaseRecord { name: REPOSITORY.into(), version: repo.next_version.clone(), tag: tag.clone() });
    }
    out
}

/// Makes the plan say exactly what was recorded: a rerun releases the versions the first run
/// chose, even where re-planning would now read other manifests.
pub fn pin(plan: &mut Plan, records: &[ReleaseRecord]) {
    for package in &mut plan.packages {
        match records.iter().find(|record| record.name == package.name) {
            Some(record) => {
                package.next_version = record.version.clone();
                package.next_tag = Some(record.tag.clone());
                if package.bump == Bump::None {
                    package.bump = Bump::Patch;
                }
            }
            None => {
                package.bump = Bump::None;
                package.next_version = package.current_version.clone();
                package.next_tag = None;
            }
        }
    }
    if let Some(repo) = &mut plan.repo {
        match records.iter().find(|record| record.is_repository()) {
            Some(record) => {
                repo.next_version = record.version.clone();
                repo.next_tag = Some(record.tag.clone());
                if repo.bump == Bump::None {
                    repo.bump = Bump::Patch;
                }
            }
            None => {
                repo.bump = Bump::None;
                repo.next_version = repo.current_version.clone();
                repo.next_tag = None;
            }
        }
    }
}

/// The release commit's message: the subject from the template, then trailers that a rerun
/// recognises the commit by (not by its wording, which the user may change), and who cut it.
pub fn commit_message(template: &str, records: &[ReleaseRecord], actor: Option<&str>) -> String {
    let summary: Vec<String> = records
        .iter()
        .map(|record| {
            if record.is_repository() {
                format!("v{}", record.version)
            } else {
                format!("{} {}", record.name, record.version)
            }
        })
        .collect();
    let mut message = template.replace("{summary}", &summary.join(", "));
    message.push_str("\n\n");
    message.push_str(TOOL_TRAILER);
    message.push('\n');
    for record in records {
        message.push_str(&format!("Release-Tag: {} {} {}\n", record.tag, record.version, record.name));
    }
    // One line, without control characters (an escape sequence in RELEASE_ACTOR would reach
    // every terminal that shows the commit).
    let actor = actor
        .and_then(|actor| actor.lines().next())
        .map(|actor| actor.chars().filter(|character| !character.is_control()).collect::<String>());
    if let Some(actor) = actor.as_deref().map(str::trim).filter(|actor| !actor.is_empty()) {
        message.push_str(&format!("{ACTOR_TRAILER} {actor}\n"));
    }
    message
}

/// Who cut the release whose commit has this message, when it says (`Release-Actor:`).
pub fn parse_commit_actor(message: &str) -> Option<String> {
    parse_commit_message(message)?;
    message
        .lines()
        .find_map(|line| line.trim_end_matches('\r').strip_prefix(ACTOR_TRAILER))
        .map(|actor| actor.trim().to_string())
        .filter(|actor| !actor.is_empty())
}

/// The records of a release commit, or `None` when the message is not one. The lines are read in
/// exactly the format [`commit_message`] writes (`Release-Tag: TAG VERSION NAME`), and their
/// values are checked like any input: a tag git could misread, a version that is not semver or a
/// line that does not parse makes the message not a release commit's. Trailers are text anyone
/// can write, though: whether such a commit is a release this tool made is decided from evidence
/// (the journal, the tags, the ledger, or the commit's files), never from the text alone.
pub fn parse_commit_message(message: &str) -> Option<Vec<ReleaseRecord>> {
    if !message.lines().any(|line| line.trim_end_matches('\r') == TOOL_TRAILER) {
        return None;
    }
    let mut records = Vec::new();
    for line in message.lines().map(|line| line.trim_end_matches('\r')) {
        let Some(rest) = line.strip_prefix("Release-Tag: ") else { continue };
        let mut parts = rest.splitn(3, ' ');
        let (tag, version, name) = (parts.next()?, parts.next()?, parts.next()?);
        let version = semver::Version::parse(version).ok()?;
        if !release_git::is_valid_tag_name(tag)
            || name.trim().is_empty()
            || name.trim() != name
            || name.chars().any(char::is_control)
        {
            return None;
        }
        records.push(ReleaseRecord { name: name.to_string(), version, tag: tag.to_string() });
    }
    (!records.is_empty()).then_some(records)
}

/// The release a commit on the release branch records, wherever a merge left the trailers: its
/// own message, the same lines indented or bulleted in a squash message, or, for a merge commit,
/// its merged (second) parent's. Like [`parse_commit_message`], this is a claim, never evidence.
pub fn merged_records(repo: &release_git::Repo, commit: release_commit_id::CommitId) -> Option<Vec<ReleaseRecord>> {
    let message = repo.commit_message(commit).ok()?;
    if let Some(records) = parse_commit_message(&message) {
        return Some(records);
    }
    let trimmed: String =
        message.lines().map(|line| format!("{}\n", line.trim().trim_start_matches("* ").trim())).collect();
    if let Some(records) = parse_commit_message(&trimmed) {
        return Some(records);
    }
    let parents = repo.parents(commit);
    let merged = parents.get(1)?;
    parse_commit_message(&repo.commit_message(*merged).ok()?)
}

/// Written before the files and kept until the cut is finished: lets a run that stopped in
/// between finish instead of refusing a dirty tree it made itself, and is the evidence that the
/// release commit at HEAD is one this tool made (trailers alone are text anyone can write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// The commit the files were computed from.
    pub head: release_commit_id::CommitId,
    pub files: Vec<String>,
    pub records: Vec<ReleaseRecord>,
    /// The release commit, once made: what is left is tags, push, the ledger and the forge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<release_commit_id::CommitId>,
    /// The release commit's message, written just before the commit is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Journal {
    pub fn path(git_dir: &Path) -> std::path::PathBuf {
        git_dir.join("release").join("cut.json")
    }

    pub fn read(git_dir: &Path) -> Option<Journal> {
        let text = std::fs::read_to_string(Journal::path(git_dir)).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn write(&self, git_dir: &Path) -> std::io::Result<()> {
        let path = Journal::path(git_dir);
        fs_err::create_dir_all(path.parent().expect("the journal has a folder"))?;
        let temporary = path.with_extension("json.tmp");
        fs_err::write(&temporary, serde_json::to_string_pretty(self).expect("a journal serializes"))?;
        fs_err::rename(&temporary, &path)
    }

    pub fn remove(git_dir: &Path) -> std::io::Result<()> {
        match fs_err::remove_file(Journal::path(git_dir)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_trailers_round_trip_and_wording_does_not_matter() {
        let records = vec![
            ReleaseRecord {
                name: "express-api".into(),
                version: "1.3.0".parse().unwrap(),
                tag: "express-api@v1.3.0".into(),
            },
            ReleaseRecord {
                name: REPOSITORY.into(),
                version: "3.0.0-rc.1".parse().unwrap(),
                tag: "v3.0.0-rc.1".into(),
            },
        ];
        let message = commit_message("chore(release): {summary}", &records, Some("alice\nRelease-Tag: v9 9.9.9 evil"));
        assert!(message.starts_with("chore(release): express-api 1.3.0, v3.0.0-rc.1\n\nRelease-Tool: release\n"));
        assert_eq!(parse_commit_message(&message), Some(records.clone()));
        let reworded = message.replace("chore(release): express-api 1.3.0, v3.0.0-rc.1", "Release day!");
        assert_eq!(parse_commit_message(&reworded), Some(records.clone()));
        assert_eq!(parse_commit_message("feat: x\n\nRelease-Tag: v1 1.0.0 x\n"), None, "no tool trailer, not ours");
        // Who cut it: one line of it only, so an actor cannot add a trailer of its own.
        assert_eq!(parse_commit_actor(&message).as_deref(), Some("alice"));
        let escaped = commit_message("x", &records, Some("\u{1b}]0;pwned\u{7}bob"));
        assert_eq!(parse_commit_actor(&escaped).as_deref(), Some("]0;pwnedbob"));
        assert_eq!(parse_commit_actor(&commit_message("x", &records, None)), None);
        assert_eq!(parse_commit_actor("feat: x\n\nRelease-Actor: mallory\n"), None, "not a release commit");
        // CRLF, as a commit written on Windows or pasted through a web form has.
        assert_eq!(parse_commit_message(&message.replace('\n', "\r\n")), Some(records));
    }

    /// A rerun read `Release-Tag: my pkg-v1.0.0 1.0.0 my pkg` split on whitespace and tagged `my`;
    /// a trailer naming `refs/heads/main` made `refs/tags/refs/heads/main`.
    #[test]
    fn trailers_are_checked_like_input() {
        let tool = "chore(release): x\n\nRelease-Tool: release\n";
        for bad in [
            "Release-Tag: my pkg-v1.0.0 1.0.0 my pkg",
            "Release-Tag: refs/heads/main 9.9.9 (repository)",
            "Release-Tag: -v9.9.9 9.9.9 (repository)",
            "Release-Tag: v9.9.9 nine (repository)",
            "Release-Tag: v9.9.9 9.9.9",
            "Release-Tag: v9.9.9 9.9.9 \u{1b}[2Kname",
        ] {
            assert_eq!(parse_commit_message(&format!("{tool}{bad}\n")), None, "{bad}");
        }
        assert_eq!(
            parse_commit_message(&format!("{tool}Release-Tag: @s/ui@1.0.0 1.0.0 @s/ui\n")),
            Some(vec![ReleaseRecord {
                name: "@s/ui".into(),
                version: "1.0.0".parse().unwrap(),
                tag: "@s/ui@1.0.0".into()
            }])
        );
    }
}
