//! A check that runs a command: a smoke test, a migration status, a query against the metrics
//! system. It passes on exit 0; its output is kept short (its first and last lines, each
//! bounded) so that a chatty command cannot fill the ledger.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::{Analysis, Measurement, format_duration};

/// How many lines of a failing command's output are kept, from its start and from its end.
pub const OUTPUT_LINES: usize = 3;
/// How many characters of one kept line.
pub const OUTPUT_LINE_LIMIT: usize = 160;
/// How many bytes of the output's start and of its end are held while it runs.
const HELD: usize = 8 * 1024;
/// How long the output is still read after the command exits (a background process it started
/// may hold the pipe open for good).
const DRAIN: Duration = Duration::from_millis(500);

/// One command check, with its analysis settings (see [`crate::HttpCheck`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandCheck {
    /// The argv; a program with a `/` is relative to `directory`, others are looked up in PATH.
    pub argv: Vec<String>,
    /// Where it runs: the repository root.
    pub directory: PathBuf,
    /// The environment variables it gets besides the inherited ones (the RELEASE_* variables).
    pub variables: Vec<(String, String)>,
    pub analysis: Analysis,
    /// The time one run may take; then it is killed and counts as an error.
    pub timeout: Duration,
}

impl CommandCheck {
    /// The check `[environments.NAME.verify]` describes when it is a `command`, run in
    /// `directory` with `variables`; `None` for an `http` check.
    pub fn from_config(
        verify: &release_config::promotion::Verify,
        directory: &Path,
        variables: Vec<(String, String)>,
    ) -> Option<CommandCheck> {
        let release_config::promotion::Probe::Command { argv } = &verify.probe else { return None };
        Some(CommandCheck {
            argv: argv.clone(),
            directory: directory.to_path_buf(),
            variables,
            analysis: Analysis::of(verify),
            timeout: verify.timeout,
        })
    }
}

/// The start and the end of what a command printed (stdout and stderr together).
#[derive(Default)]
struct Output {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Whether bytes were dropped between `head` and `tail`.
    cut: bool,
}

impl Output {
    fn push(&mut self, mut bytes: &[u8]) {
        let room = HELD.saturating_sub(self.head.len());
        let (into_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(into_head);
        bytes = rest;
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > HELD {
            self.tail.drain(..self.tail.len() - HELD);
            self.cut = true;
        }
    }

    /// `first line | ... | last line`: at most [`OUTPUT_LINES`] lines from each end.
    fn summary(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.cut {
            text.push('\n');
        }
        text.push_str(&String::from_utf8_lossy(&self.tail));
        let lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| shorten(&line.replace(|character: char| character.is_control(), " ")))
            .collect();
        if lines.len() <= 2 * OUTPUT_LINES {
            return lines.join(" | ");
        }
        let skipped =
            if self.cut { "more lines".to_string() } else { format!("{} more lines", lines.len() - 2 * OUTPUT_LINES) };
        let mut kept = lines[..OUTPUT_LINES].to_vec();
        kept.push(format!("({skipped})"));
        kept.extend_from_slice(&lines[lines.len() - OUTPUT_LINES..]);
        kept.join(" | ")
    }
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= OUTPUT_LINE_LIMIT {
        return line.to_string();
    }
    let mut short: String = line.chars().take(OUTPUT_LINE_LIMIT - 1).collect();
    short.push('…');
    short
}

/// Runs the command once. A program that cannot be started is an error no waiting fixes.
pub(crate) fn measure(check: &CommandCheck) -> (Measurement, bool) {
    let Some((program, arguments)) = check.argv.split_first().filter(|(program, _)| !program.is_empty()) else {
        return (Measurement::Error { reason: "is an empty command".into() }, true);
    };
    let resolved = if program.contains('/') { check.directory.join(program) } else { Path::new(program).to_path_buf() };
    let mut command = Command::new(&resolved);
    command
        .args(arguments)
        .current_dir(&check.directory)
        .envs(check.variables.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return (Measurement::Error { reason: "was not found".into() }, true);
        }
        Err(error) => return (Measurement::Error { reason: format!("could not be started: {error}") }, true),
    };
    let output = Arc::new(Mutex::new(Output::default()));
    let (done, finished) = mpsc::channel();
    let readers: Vec<Box<dyn Read + Send>> = [
        child.stdout.take().map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        child.stderr.take().map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .collect();
    let pipes = readers.len();
    for reader in readers {
        let (output, done) = (Arc::clone(&output), done.clone());
        std::thread::spawn(move || read_into(reader, &output, &done));
    }
    let status = match child.wait_timeout(check.timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            let reason = format!("did not finish within {}", format_duration(check.timeout));
            return (Measurement::Error { reason }, false);
        }
        Err(error) => return (Measurement::Error { reason: format!("could not be waited for: {error}") }, false),
    };
    for _ in 0..pipes {
        if finished.recv_timeout(DRAIN).is_err() {
            break;
        }
    }
    let printed = output.lock().map(|output| output.summary()).unwrap_or_default();
    let said = if printed.is_empty() { String::new() } else { format!(": {printed}") };
    match status.code() {
        Some(0) => (Measurement::Success { status: 0 }, false),
        Some(code) => {
            let reason = format!("exited with {code}{said}");
            (Measurement::Failure { status: u16::try_from(code).unwrap_or(u16::MAX), reason }, false)
        }
        None => (Measurement::Error { reason: format!("was killed by a signal{said}") }, false),
    }
}

fn read_into(mut reader: Box<dyn Read + Send>, output: &Mutex<Output>, done: &mpsc::Sender<()>) {
    let mut buffer = [0u8; 4096];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                if let Ok(mut output) = output.lock() {
                    output.push(&buffer[..read]);
                }
            }
        }
    }
    let _ = done.send(());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_the_first_and_last_lines_each_bounded() {
        let mut output = Output::default();
        output.push(b"one\ntwo\n");
        assert_eq!(output.summary(), "one | two");

        let mut output = Output::default();
        for index in 0..10_000 {
            output.push(format!("line {index}\n").as_bytes());
        }
        let summary = output.summary();
        assert!(summary.starts_with("line 0 | line 1 | line 2 | ("), "{summary}");
        assert!(summary.ends_with("line 9997 | line 9998 | line 9999"), "{summary}");

        let mut output = Output::default();
        output.push("x".repeat(1000).as_bytes());
        assert_eq!(output.summary().chars().count(), OUTPUT_LINE_LIMIT);
    }
}
