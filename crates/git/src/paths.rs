//! The paths each commit changed against its first parent, read by git itself: one
//! `git diff-tree --stdin` process per walk, fed commit ids as the walk meets them and read as a
//! stream, so comparing trees costs what it costs `git log --name-only`.
//!
//! Why git's plumbing and not git2 (measured in `docs/performance.md`): comparing trees is most
//! of a cold plan, and libgit2 spends it in object lookups, delta resolution and locks its
//! workers share, while `git diff-tree` runs at `git log`'s own speed on one core and leaves the
//! other to the walk and the message parsing. git2 still reads the commits themselves (the
//! marking walk needs only commit objects, which it reads faster than a process could answer).
//!
//! Each request is a line `<first parent's tree> <tree>` when the walk read both commits already
//! ([`Request::Trees`]), otherwise `<commit> <first parent>` (`<commit>` alone for a root commit,
//! diffed against the empty tree with `--root`), so a merge is compared with its first parent
//! only. Trees are cheaper for git: it reads no commit, and keeps none (a commit it parses stays
//! in its memory with its message until it exits: 74 MiB, and a seventh of its time, over
//! 200,000 commits). Output is `-z --raw`: a header, then `:<modes> <ids> <status>` and the path
//! for each changed file, so a path (any bytes but NUL) is never mistaken for a header. The header
//! of a commit is `<commit>` NUL; that of two trees `<tree> <tree>` and a newline (no NUL: the
//! next record follows at once). `--always` gives a header to a commit that changed nothing, and
//! answers come in request order.
//!
//! git runs with a controlled environment: every `GIT_*` variable of the caller removed, then
//! `GIT_DIR` set to the repository git2 opened (so a `GIT_DIR` or a worktree cannot point git
//! elsewhere), replace refs and lazy fetches off (git2 does neither), `LC_ALL=C`, `GIT_FLUSH=0` so git
//! buffers its output instead of one write per commit into the pipe, and `GIT_INDEX_FILE` at a
//! file that does not exist, so git does not read the index it has no use for.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use git2::Oid;

use crate::GitError;

/// One commit's answer: the id of its header ([`Request::answer_id`]) and the paths it
/// changed, in git's tree order.
pub(crate) type Changed = (Oid, Vec<String>);

/// What git is asked to compare for one commit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Request {
    /// A commit against its first parent (against the empty tree when it has none).
    Commit { commit: Oid, first_parent: Option<Oid> },
    /// The tree of a commit against its first parent's.
    Trees { parent: Oid, tree: Oid },
}

impl Request {
    /// The id git's answer is headed with.
    pub(crate) fn answer_id(&self) -> Oid {
        match *self {
            Request::Commit { commit, .. } => commit,
            Request::Trees { tree, .. } => tree,
        }
    }
}

/// git's answers, parsed on a thread of their own from the moment git starts, so git never
/// waits on a full pipe however far ahead of the walk it was asked (see [`crate::walk`]'s
/// prefetch). The channel ends after the last answer, or after an error (the last item).
pub(crate) type Answers = std::sync::mpsc::Receiver<Result<Changed, String>>;

/// A running `git diff-tree --stdin`: requests go in here, answers come out of the
/// [`Answers`] [`PathReader::spawn`] hands back.
pub(crate) struct PathReader {
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    waited: bool,
}

const OPERATION: &str = "reading the paths each commit changed";

fn failure(detail: impl Into<String>) -> GitError {
    GitError::Command { operation: OPERATION.into(), detail: detail.into() }
}

/// `git` with none of the caller's `GIT_*` variables, pointed at `git_dir`.
pub(crate) fn plumbing(git_dir: &Path) -> Command {
    let mut command = Command::new("git");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GIT_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(git_dir)
        .env("GIT_DIR", git_dir)
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        // A partial clone missing trees would fetch them one by one over the network (git2
        // fails instead): a plan never talks to a remote. Older gits ignore the variable.
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_FLUSH", "0")
        .env("LC_ALL", "C")
        .env("LANG", "C");
    // `diff-tree` reads the index at start (for attributes, which `--raw` never uses). A file
    // that does not exist, in a folder that does, is an empty index to git (any other error is
    // fatal), and saves reading a big one: half of git's time on a 200-commit range of a
    // 19,000-file repository.
    let no_index = git_dir.join("release-no-index");
    if std::fs::symlink_metadata(&no_index).is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound) {
        command.env("GIT_INDEX_FILE", no_index);
    }
    command
}

impl PathReader {
    /// Starts `git diff-tree` on the repository whose git directory is `git_dir`, and the thread
    /// that parses its answers into the returned channel.
    pub(crate) fn spawn(git_dir: &Path) -> Result<(PathReader, Answers), GitError> {
        let mut child = plumbing(git_dir)
            .args([
                "diff-tree",
                "--stdin",
                "-z",
                "-r",
                "--root",
                "--always",
                "--raw",
                "--no-abbrev",
                "--no-renames",
                "--ignore-submodules=none",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| failure(format!("cannot run `git`: {error} (hint: install git and put it on PATH)")))?;
        let stdin = child.stdin.take().map(|stdin| BufWriter::with_capacity(16 * 1024, stdin));
        let stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let mut reader = PathReader { child, stdin, stderr: None, waited: false };
        let stderr = std::thread::Builder::new()
            .name("git-diff-tree-stderr".into())
            .spawn(move || {
                let mut bytes = Vec::new();
                let _ = stderr.read_to_end(&mut bytes);
                bytes
            })
            .map_err(|error| failure(format!("cannot start a thread: {error}")))?;
        reader.stderr = Some(stderr);
        let (sender, answers) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("git-diff-tree-stdout".into())
            .spawn(move || read_answers(stdout, &sender))
            .map_err(|error| failure(format!("cannot start a thread: {error}")))?;
        Ok((reader, answers))
    }

    /// Sends the requests written so far, so git can start on them.
    pub(crate) fn flush(&mut self) -> Result<(), GitError> {
        match self.stdin.as_mut().map(Write::flush) {
            Some(Err(_)) => Err(self.failed()),
            _ => Ok(()),
        }
    }

    /// Stops git without a word: the walk has every answer it needs, and the rest were asked
    /// ahead of it for nothing.
    pub(crate) fn stop(mut self) {
        let _ = self.child.kill();
        self.wait();
    }

    /// Asks for the paths a commit changed against its first parent.
    pub(crate) fn request(&mut self, request: Request) -> Result<(), GitError> {
        let stdin = self.stdin.as_mut().expect("requests end with `finish`");
        let written = match request {
            Request::Commit { commit, first_parent: Some(parent) } => writeln!(stdin, "{commit} {parent}"),
            Request::Commit { commit, first_parent: None } => writeln!(stdin, "{commit}"),
            Request::Trees { parent, tree } => writeln!(stdin, "{parent} {tree}"),
        };
        if written.is_err() {
            return Err(self.failed());
        }
        Ok(())
    }

    /// No more requests: git finishes the ones it has and exits.
    pub(crate) fn close(&mut self) -> Result<(), GitError> {
        if let Some(mut stdin) = self.stdin.take()
            && stdin.flush().is_err()
        {
            return Err(self.failed());
        }
        Ok(())
    }

    /// Waits for git to exit (call it once its stdout is read to the end); an error when it
    /// failed.
    pub(crate) fn finish(mut self) -> Result<(), GitError> {
        self.close()?;
        let (status, stderr) = self.wait();
        if !status.is_some_and(|status| status.success()) {
            return Err(failure(format!(
                "`git diff-tree` exited with {}: {}",
                status.and_then(|status| status.code()).unwrap_or(-1),
                String::from_utf8_lossy(&stderr).trim()
            )));
        }
        Ok(())
    }

    /// The error for a git that stopped early: its exit status and what it said.
    pub(crate) fn failed(&mut self) -> GitError {
        let _ = self.child.kill();
        let (status, stderr) = self.wait();
        failure(format!(
            "`git diff-tree` stopped (exit status {}): {}",
            status.and_then(|status| status.code()).unwrap_or(-1),
            String::from_utf8_lossy(&stderr).trim()
        ))
    }

    /// Closes stdin, waits for git and the stderr thread.
    fn wait(&mut self) -> (Option<std::process::ExitStatus>, Vec<u8>) {
        self.stdin = None;
        self.waited = true;
        let status = self.child.wait().ok();
        let stderr = self.stderr.take().and_then(|thread| thread.join().ok()).unwrap_or_default();
        (status, stderr)
    }
}

impl Drop for PathReader {
    /// A walk that stopped early (an error) does not leave git running: the thread reading its
    /// stdout then sees the end of it.
    fn drop(&mut self) {
        if !self.waited {
            let _ = self.child.kill();
            self.wait();
        }
    }
}

/// [`parse`] into `sender` until the end, an error, or a receiver that stopped listening (which
/// drops `stdout`, so git stops too).
fn read_answers(stdout: ChildStdout, sender: &std::sync::mpsc::Sender<Result<Changed, String>>) {
    const GONE: &str = "the walk stopped listening";
    let parsed = parse(stdout, |changed| sender.send(Ok(changed)).map_err(|_| GONE.to_string()));
    if let Err(error) = parsed
        && error != GONE
    {
        let _ = sender.send(Err(error));
    }
}

/// Reads git's answers and hands each commit's to `answer` as soon as the next header shows it
/// is whole. Stops at the first error, its own or `answer`'s, dropping `stdout`, so git stops
/// too (a closed pipe).
pub(crate) fn parse(stdout: impl Read, mut answer: impl FnMut(Changed) -> Result<(), String>) -> Result<(), String> {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut token = Vec::new();
    let mut current: Option<Changed> = None;
    // The next NUL-ended token; `Some(false)` for the end of the output not ended by a NUL,
    // which only headers of trees (ended by a newline) may be.
    let mut next_token = |token: &mut Vec<u8>| -> Result<Option<bool>, String> {
        token.clear();
        let read = reader.read_until(0, token).map_err(|error| format!("reading `git diff-tree`: {error}"))?;
        if read == 0 {
            return Ok(None);
        }
        let ended = token.last() == Some(&0);
        if ended {
            token.pop();
        }
        Ok(Some(ended))
    };
    let mut start = |id: Oid, current: &mut Option<Changed>| match current.replace((id, Vec::new())) {
        Some(done) => answer(done),
        None => Ok(()),
    };
    while let Some(ended) = next_token(&mut token)? {
        let mut rest = &token[..];
        while let Some((tree, after)) = trees_header(rest) {
            start(tree, &mut current)?;
            rest = after;
        }
        if rest.is_empty() {
            continue;
        }
        if !ended {
            return Err("`git diff-tree`'s output ends inside a record".into());
        }
        if rest.first() == Some(&b':') {
            // `:<mode> <mode> <id> <id> <status>`: a rename or copy (never asked for) names two
            // paths, the new one last.
            let status = rest.rsplit(|&byte| byte == b' ').next().and_then(|status| status.first().copied());
            let paths = if matches!(status, Some(b'R' | b'C')) { 2 } else { 1 };
            let mut path = String::new();
            for _ in 0..paths {
                if next_token(&mut token)? != Some(true) {
                    return Err("`git diff-tree`'s output ends before a path".into());
                }
                path = crate::text(&token).into_owned();
            }
            let Some((_, changed)) = current.as_mut() else {
                return Err(format!("`git diff-tree` named the path `{path}` before any commit"));
            };
            changed.push(path);
        } else {
            let header = rest.strip_prefix(b"\n").unwrap_or(rest);
            let id = header
                .get(..40)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| Oid::from_str(hex).ok())
                .ok_or_else(|| format!("unexpected `git diff-tree` output `{}`", String::from_utf8_lossy(header)))?;
            start(id, &mut current)?;
        }
    }
    match current {
        Some(done) => answer(done),
        None => Ok(()),
    }
}

/// A header of two trees at the start of `bytes`, `<tree> <tree>` and a newline: the second
/// tree, and what follows.
fn trees_header(bytes: &[u8]) -> Option<(Oid, &[u8])> {
    const HEX: usize = 40;
    let header = bytes.get(..2 * HEX + 2)?;
    if header[HEX] != b' ' || header[2 * HEX + 1] != b'\n' {
        return None;
    }
    let hex = |part: &[u8]| std::str::from_utf8(part).ok().and_then(|hex| Oid::from_str(hex).ok());
    hex(&header[..HEX])?;
    Some((hex(&header[HEX + 1..2 * HEX + 1])?, &bytes[2 * HEX + 2..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> Oid {
        Oid::from_bytes(&[byte; 20]).unwrap()
    }

    /// Every answer in `output`, which must parse.
    fn parsed(output: &[u8]) -> Vec<Changed> {
        let mut got = Vec::new();
        parse(output, |changed| {
            got.push(changed);
            Ok(())
        })
        .unwrap();
        got
    }

    #[test]
    fn raw_records_headers_and_empty_commits() {
        let raw = |status: &str| format!(":100644 100644 {} {} {status}", id(9), id(8));
        let mut output = Vec::new();
        for token in [
            id(1).to_string(),
            raw("M"),
            "a/b".into(),
            raw("A"),
            // A path that looks like a commit id stays a path.
            id(3).to_string(),
            id(2).to_string(),
            id(4).to_string(),
            raw("R100"),
            "old".into(),
            "new\nline".into(),
        ] {
            output.extend_from_slice(token.as_bytes());
            output.push(0);
        }
        assert_eq!(
            parsed(&output),
            vec![
                (id(1), vec!["a/b".to_string(), id(3).to_string()]),
                (id(2), vec![]),
                (id(4), vec!["new\nline".to_string()]),
            ]
        );
        assert!(parse(&b"not a header\0"[..], |_| Ok(())).is_err());
        assert!(parse(&output[..output.len() - 1], |_| Ok(())).is_err());
        assert_eq!(parse(&output[..], |_| Err("stop".into())), Err("stop".into()));
    }

    #[test]
    fn headers_of_trees_end_with_a_newline_and_run_into_what_follows() {
        let raw = format!(":100644 100644 {} {} M", id(9), id(8));
        let trees = |parent: u8, tree: u8| format!("{} {}\n", id(parent), id(tree));
        // Two trees with a change, two without (their headers run together), a commit, and
        // two trees without a change at the very end (no NUL after them).
        let output =
            format!("{}{raw}\0a\0{}{}{}\0{raw}\0b\0{}", trees(1, 2), trees(2, 3), trees(3, 4), id(5), trees(5, 6));
        assert_eq!(
            parsed(output.as_bytes()),
            vec![
                (id(2), vec!["a".to_string()]),
                (id(3), vec![]),
                (id(4), vec![]),
                (id(5), vec!["b".to_string()]),
                (id(6), vec![]),
            ]
        );
        // A record cut short after a header of trees is still an error.
        let cut = format!("{}{}", trees(1, 2), &raw[..10]);
        assert!(parse(cut.as_bytes(), |_| Ok(())).is_err());
    }
}
