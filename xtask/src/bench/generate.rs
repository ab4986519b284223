//! The bench's monorepo generator: one deterministic history (xorshift PRNG, fixed seed)
//! streamed into one `git fast-import` process per repository at once, so the repositories have
//! the same commits, byte for byte, and differ only in their tag names (see the parent module).
//! `bench plan` writes two (`full` and `small`), `bench growth` one per size (like `full`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::{Context, Result, bail};

use super::{Options, SEED, START, git, git_text};

/// xorshift64*: tiny, deterministic, good enough to scatter commits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.next() % 100 < chance
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Initial,
    Normal,
    /// The release of one package (the index of its earlier-release tag).
    Release(usize),
    /// The release of every package: the base of the small range.
    ReleaseAll,
    Side,
    Merge,
}

const WORDS: &[&str] = &[
    "cache",
    "parser",
    "button",
    "router",
    "config",
    "logger",
    "token",
    "session",
    "schema",
    "query",
    "layout",
    "theme",
    "worker",
    "upload",
    "retry",
    "timeout",
    "locale",
    "metrics",
    "auth",
    "search",
    "modal",
    "table",
    "stream",
    "client",
    "server",
    "bundle",
    "icon",
    "form",
    "validator",
    "scheduler",
];
const MODULES: &[&str] = &["components", "hooks", "utils", "api", "lib/internal"];
const ROOT_FILES: &[&str] = &["README.md", ".github/workflows/ci.yml", "tools/build.sh", "docs/guide.md"];
const PACKAGE_FILES: &[&str] = &["README.md", "src/index.js", "src/util.js", "test/index.test.js"];

/// Writes the same bytes to every fast-import process.
struct Tee(Vec<BufWriter<ChildStdin>>);

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for writer in &mut self.0 {
            writer.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.iter_mut().try_for_each(Write::flush)
    }
}

fn fast_import(repo: &Path) -> Result<Child> {
    fs_err::create_dir_all(repo)?;
    git(repo, &["init", "--quiet", "-b", "main"])?;
    git(repo, &["config", "gc.auto", "0"])?;
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["fast-import", "--quiet"])
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .spawn()
        .context("starting git fast-import")
}

/// What a generated repository's tags are called; the tags point at the same commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TagNames {
    /// `build-<n>`: no package's `{name}-v{version}` template matches, so a plan reads the
    /// whole history.
    Build,
    /// `p<i>-v1.<k>.0`: the releases drawn by [`Releases::draw`].
    Release,
}

/// `git repack -adf`: every object deltified again, as `git pack-objects` does for a clone.
pub(super) const REPACK_LIKE_A_CLONE: &[&str] = &["-a", "-d", "-f", "-q"];

/// `bench plan`'s two repositories: `full` (build tags) and `small` (release tags).
pub(super) fn generate(options: &Options, full: &Path, small: &Path) -> Result<()> {
    import(options, &[(full, TagNames::Build), (small, TagNames::Release)])?;
    repack_like_clones(&[full, small], REPACK_LIKE_A_CLONE)
}

/// Streams the history into one new repository per entry of `repos`, at once; they are left as
/// fast-import wrote them (see [`repack_like_clones`]).
pub(super) fn import(options: &Options, repos: &[(&Path, TagNames)]) -> Result<()> {
    let mut rng = Rng(SEED);
    let releases = Releases::draw(&mut rng, options);
    let dependencies = draw_dependencies(&mut rng, options.packages);
    let mut children = repos.iter().map(|(repo, _)| fast_import(repo)).collect::<Result<Vec<_>>>()?;
    let writers = children.iter_mut().map(|child| BufWriter::new(child.stdin.take().expect("piped"))).collect();
    let mut out = Tee(writers);
    out.write_all(b"feature done\n")?;
    let mut history = History::new(options, &releases, &dependencies);
    for (slot, kind) in layout(options).into_iter().enumerate() {
        let commit = history.commit(&mut rng, slot, kind)?;
        write_commit(&mut out, slot, &commit)?;
        history.advance(slot + 1, commit.branch);
    }
    let names = repos.iter().map(|(_, names)| *names);
    write_tags(std::mem::take(&mut out.0).into_iter().zip(names), &releases, &history)?;
    finish_fast_import(&mut children, repos)
}

/// Which package each earlier release is of and its version (`1.<version>.0`), drawn first so
/// the history does not depend on anything else.
struct Releases {
    earlier: Vec<(usize, usize)>,
    /// Earlier releases per package: the release of every package comes after them.
    counts: Vec<usize>,
}

impl Releases {
    fn draw(rng: &mut Rng, options: &Options) -> Releases {
        let earlier = options.tags - options.packages;
        let mut counts = vec![0usize; options.packages];
        let mut releases = Vec::with_capacity(earlier);
        for _ in 0..earlier {
            let package = rng.below(options.packages);
            counts[package] += 1;
            releases.push((package, counts[package]));
        }
        Releases { earlier: releases, counts }
    }
}

/// Internal dependencies: each package but the first depends on one or two packages with a
/// lower index, or on none, so the graph has no cycle.
fn draw_dependencies(rng: &mut Rng, packages: usize) -> Vec<Vec<usize>> {
    (0..packages)
        .map(|index| {
            if index == 0 || rng.percent(30) {
                return Vec::new();
            }
            let mut deps = vec![rng.below(index)];
            if rng.percent(25) {
                deps.push(rng.below(index));
            }
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

/// One commit for fast-import: its branch, parents (marks) and content.
struct Commit {
    branch: &'static str,
    from: Option<usize>,
    merge: Option<usize>,
    message: String,
    changes: Vec<(String, String)>,
}

/// The generator's state between commits: the files of each package, the branch tips, what the
/// open side branch changed, and where the tags go.
struct History<'a> {
    releases: &'a Releases,
    dependencies: &'a [Vec<usize>],
    files: Vec<Vec<String>>,
    /// Marks: slot `i` is mark `i + 1`.
    main_tip: usize,
    side_tip: usize,
    side_changes: BTreeMap<String, String>,
    tag_marks: Vec<usize>,
    last_versions: Vec<usize>,
}

impl<'a> History<'a> {
    fn new(options: &Options, releases: &'a Releases, dependencies: &'a [Vec<usize>]) -> History<'a> {
        History {
            releases,
            dependencies,
            files: vec![PACKAGE_FILES.iter().map(|file| file.to_string()).collect(); options.packages],
            main_tip: 0,
            side_tip: 0,
            side_changes: BTreeMap::new(),
            tag_marks: Vec::with_capacity(options.tags),
            last_versions: vec![0usize; options.packages],
        }
    }

    /// The commit of one slot; records the tags it carries.
    fn commit(&mut self, rng: &mut Rng, slot: usize, kind: Slot) -> Result<Commit> {
        let mark = slot + 1;
        let mut changes: Vec<(String, String)> = Vec::new();
        let (branch, from, merge, message) = match kind {
            Slot::Initial => {
                self.initial_files(&mut changes);
                ("main", None, None, "chore: initial import of the monorepo\n".to_string())
            }
            Slot::Release(index) => {
                let (package, version) = self.releases.earlier[index];
                self.last_versions[package] = version;
                self.tag_marks.push(mark);
                changes.push((
                    format!("packages/p{package}/package.json"),
                    package_json(package, version, &self.dependencies[package]),
                ));
                ("main", Some(self.main_tip), None, format!("chore(release): p{package} v1.{version}.0\n"))
            }
            Slot::ReleaseAll => {
                let message = self.release_all(mark, &mut changes)?;
                ("main", Some(self.main_tip), None, message)
            }
            Slot::Normal | Slot::Side => {
                let scope = touch(rng, slot, &mut self.files, &mut changes);
                let message = commit_message(rng, &scope);
                if kind == Slot::Side {
                    let from = if self.side_changes.is_empty() { self.main_tip } else { self.side_tip };
                    self.side_changes.extend(changes.iter().cloned());
                    ("side", Some(from), None, message)
                } else {
                    ("main", Some(self.main_tip), None, message)
                }
            }
            Slot::Merge => {
                changes.extend(std::mem::take(&mut self.side_changes));
                let pr = 1000 + slot / 7;
                let message = format!("Merge pull request #{pr} from bench/topic-{slot}\n\nTopic {slot}\n");
                ("main", Some(self.main_tip), Some(self.side_tip), message)
            }
        };
        Ok(Commit { branch, from, merge, message, changes })
    }

    /// The root files and every package's files.
    fn initial_files(&self, changes: &mut Vec<(String, String)>) {
        changes.push((
            "package.json".into(),
            "{\n  \"name\": \"bench-monorepo\",\n  \"private\": true,\n  \"workspaces\": [\"packages/*\"]\n}\n".into(),
        ));
        for file in ROOT_FILES {
            changes.push((file.to_string(), format!("# {file}\n")));
        }
        for (package, deps) in self.dependencies.iter().enumerate() {
            changes.push((format!("packages/p{package}/package.json"), package_json(package, 0, deps)));
            for file in PACKAGE_FILES {
                changes.push((format!("packages/p{package}/{file}"), format!("// p{package}/{file}\n")));
            }
        }
    }

    /// The release of every package at once (the small range's base); returns its message.
    fn release_all(&mut self, mark: usize, changes: &mut Vec<(String, String)>) -> Result<String> {
        let mut message = String::from("chore(release): publish\n\n");
        for (package, deps) in self.dependencies.iter().enumerate() {
            let version = self.releases.counts[package] + 1;
            self.last_versions[package] = version;
            self.tag_marks.push(mark);
            changes.push((format!("packages/p{package}/package.json"), package_json(package, version, deps)));
            writeln!(message, "- p{package}@1.{version}.0")?;
        }
        Ok(message)
    }

    /// Moves the tip of the branch the commit `mark` went to.
    fn advance(&mut self, mark: usize, branch: &str) {
        if branch == "side" {
            self.side_tip = mark;
        } else {
            self.main_tip = mark;
        }
    }
}

/// Writes one commit in fast-import's format; every commit is 60 s after the previous one.
fn write_commit(out: &mut Tee, slot: usize, commit: &Commit) -> Result<()> {
    let Commit { branch, from, merge, message, changes } = commit;
    let mark = slot + 1;
    let time = START + 60 * slot as u64;
    write!(
        out,
        "commit refs/heads/{branch}\nmark :{mark}\nauthor Bench <bench@example.com> {time} +0000\ncommitter Bench <bench@example.com> {time} +0000\ndata {}\n{message}",
        message.len()
    )?;
    if let Some(from) = from {
        writeln!(out, "from :{from}")?;
    }
    if let Some(merge) = merge {
        writeln!(out, "merge :{merge}")?;
    }
    for (path, content) in changes {
        write!(out, "M 100644 inline {path}\ndata {}\n{content}\n", content.len())?;
    }
    out.write_all(b"\n")?;
    Ok(())
}

/// Tags: identical commits, different names (`build-<n>` in `full`, release tags in `small`).
fn write_tags(
    writers: impl Iterator<Item = (BufWriter<ChildStdin>, TagNames)>,
    releases: &Releases,
    history: &History<'_>,
) -> Result<()> {
    let earlier = releases.earlier.len();
    for (mut writer, names) in writers {
        let mut earlier_releases = releases.earlier.iter().map(|(package, version)| (*package, *version));
        for (index, mark) in history.tag_marks.iter().enumerate() {
            let name = if names == TagNames::Build {
                format!("build-{}", index + 1)
            } else if index < earlier {
                let (package, version) = earlier_releases.next().expect("one per earlier release");
                format!("p{package}-v1.{version}.0")
            } else {
                let package = index - earlier;
                format!("p{package}-v1.{}.0", history.last_versions[package])
            };
            write!(writer, "reset refs/tags/{name}\nfrom :{mark}\n\n")?;
        }
        writer.write_all(b"done\n")?;
        writer.flush()?;
    }
    Ok(())
}

/// Waits for every import and drops the side branch, which only served to build merges.
fn finish_fast_import(children: &mut [Child], repos: &[(&Path, TagNames)]) -> Result<()> {
    for (child, (repo, _)) in children.iter_mut().zip(repos) {
        let status = child.wait()?;
        if !status.success() {
            bail!("git fast-import failed in {} ({status})", repo.display());
        }
        if git_text(repo, &["rev-parse", "--verify", "--quiet", "refs/heads/side"]).is_ok() {
            git(repo, &["update-ref", "-d", "refs/heads/side"])?;
        }
    }
    Ok(())
}

/// Makes the repositories look like clones: fast-import's pack deltas each object only against
/// the previous version of its path and leaves every ref loose; a clone gets a pack from
/// `git pack-objects` (what `repack -adf` runs) and a packed-refs file. libgit2 reads the
/// fast-import pack much more slowly than a repacked one, git a little more slowly. `repack` is
/// what follows `git repack` ([`REPACK_LIKE_A_CLONE`] for `bench plan`).
pub(super) fn repack_like_clones(repos: &[&Path], repack: &[&str]) -> Result<()> {
    let mut repacks = Vec::new();
    for &repo in repos {
        git(repo, &["pack-refs", "--all"])?;
        let child = Command::new("git")
            .arg("-C")
            .arg(repo)
            .arg("repack")
            .args(repack)
            .env("LC_ALL", "C")
            .spawn()
            .context("starting git repack")?;
        repacks.push((child, repo));
    }
    for (mut child, repo) in repacks {
        let status = child.wait()?;
        if !status.success() {
            bail!("git repack failed in {} ({status})", repo.display());
        }
        git(repo, &["reset", "--hard", "--quiet"])?;
    }
    Ok(())
}

/// What each commit slot is. Release slots come first; a merge (two side-branch commits, then
/// the merge) takes slots 47-49 of every 50 that hold no release.
fn layout(options: &Options) -> Vec<Slot> {
    let count = options.commits;
    let mut slots = vec![Slot::Normal; count];
    slots[0] = Slot::Initial;
    let base = count - 1 - options.range_commits;
    slots[base] = Slot::ReleaseAll;
    let earlier = options.tags - options.packages;
    for index in 0..earlier {
        // Distinct slots in 1..base, spread evenly (parse() checked there is room).
        slots[1 + index * (base - 1) / earlier] = Slot::Release(index);
    }
    let mut slot = 47;
    while slot + 2 < count {
        if slots[slot..slot + 3].iter().all(|kind| *kind == Slot::Normal) {
            slots[slot] = Slot::Side;
            slots[slot + 1] = Slot::Side;
            slots[slot + 2] = Slot::Merge;
        }
        slot += 50;
    }
    slots
}

fn package_json(package: usize, minor: usize, dependencies: &[usize]) -> String {
    let mut text = format!("{{\n  \"name\": \"p{package}\",\n  \"version\": \"1.{minor}.0\"");
    if !dependencies.is_empty() {
        let deps: Vec<String> = dependencies.iter().map(|dep| format!("\"p{dep}\": \"*\"")).collect();
        write!(text, ",\n  \"dependencies\": {{ {} }}", deps.join(", ")).expect("writing to a String");
    }
    text.push_str("\n}\n");
    text
}

/// Changes 1-3 files in one or two packages (or, rarely, a root file); returns the scope.
fn touch(rng: &mut Rng, slot: usize, files: &mut [Vec<String>], changes: &mut Vec<(String, String)>) -> String {
    if rng.percent(4) {
        let file = rng.pick(ROOT_FILES);
        changes.push((file.to_string(), format!("# {file}\nrevision {slot}\n")));
        return "repo".to_string();
    }
    let first = rng.below(files.len());
    let second = if rng.percent(30) { rng.below(files.len()) } else { first };
    let count = 1 + rng.below(3);
    for index in 0..count {
        let package = if index % 2 == 0 { first } else { second };
        let file = if rng.percent(20) {
            let file = format!("src/{}/{}-{slot}-{index}.js", rng.pick(MODULES), rng.pick(WORDS));
            files[package].push(file.clone());
            file
        } else {
            files[package][rng.below(files[package].len())].clone()
        };
        let path = format!("packages/p{package}/{file}");
        if !changes.iter().any(|(existing, _)| existing == &path) {
            changes.push((path, format!("// p{package}/{file}\nexport const revision = {slot};\n")));
        }
    }
    format!("p{first}")
}

fn commit_message(rng: &mut Rng, scope: &str) -> String {
    let a = rng.pick(WORDS);
    let b = rng.pick(WORDS);
    let mut message = match rng.below(100) {
        0..=27 => format!("feat({scope}): add {a} support to the {b}"),
        28..=49 => format!("fix: handle an empty {a} in the {b}"),
        50..=59 => format!("chore: update the {a} tooling"),
        60..=64 => format!("refactor({scope}): split the {a} out of the {b}"),
        65..=68 => format!("docs({scope}): explain the {a}"),
        69..=70 => format!("feat({scope})!: remove the {a} option"),
        71..=73 => format!("perf: faster {a} lookups"),
        74..=76 => format!("Fix: {a} crash on start"),
        _ => match rng.below(4) {
            0 => format!("Update {a}.js"),
            1 => format!("WIP {a}"),
            2 => format!("tweak the {a} and the {b}"),
            _ => format!("Fix typo in {b}"),
        },
    };
    if rng.percent(35) {
        write!(message, " (#{})", 100 + rng.below(20_000)).expect("writing to a String");
    }
    message.push('\n');
    if rng.percent(30) {
        write!(
            message,
            "\nThe {a} now talks to the {b} directly instead of going through\nthe old adapter. Tests cover the {b} edge cases.\n"
        )
        .expect("writing to a String");
        if rng.percent(5) {
            write!(message, "\nBREAKING CHANGE: the {a} adapter is gone.\n").expect("writing to a String");
        } else if rng.percent(20) {
            write!(message, "\nRefs: #{}\nCo-authored-by: Other <other@example.com>\n", rng.below(5000))
                .expect("writing to a String");
        }
    }
    message
}
