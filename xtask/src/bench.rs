//! `cargo xtask bench plan`: times `release plan` against `git log` on a synthetic monorepo
//! (`cargo xtask bench growth`, in [`growth`], times the whole history at several sizes).
//!
//! The generator streams one deterministic history into two `git fast-import` processes at
//! once, so the two repositories are identical (same commit ids) except for their tag names:
//!
//! - `full/`: tags `build-<n>`, which match no package's `{name}-v{version}` template, so the
//!   plan covers the whole history (compared with `git log HEAD`);
//! - `small/`: the same commits tagged `p<i>-v1.<k>.0`: individual releases spread over the
//!   history, then a release of every package `--range-commits` commits before the head
//!   (compared with `git log <that release>..HEAD`).
//!
//! Both are then repacked (`git repack -adf`, `git pack-refs --all`) to look like clones.
//!
//! `full` and `small` run `release plan --no-cache` (cold). Two more scenarios on `full` use the
//! commit cache: `full-warm`, a second run on the same history, and `full-new`, a run at
//! `refs/bench/new` (five commits on top of the head) with the cache put back as it was before
//! them before every run. Their "warm ratio" is the plan's time over `git log`'s.
//!
//! Peak memory is the maximum resident set size that GNU time (`/usr/bin/time -f %M`, which
//! reads it from `wait4`) reports for each child; without that binary only times are printed.

mod generate;
mod growth;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const USAGE: &str =
    "usage: cargo xtask bench plan [--packages N] [--commits N] [--tags N] [--range-commits N] [--runs N] [--dir DIR]

  --packages N        npm workspace packages (default 300)
  --commits N         commits, merges and their side-branch commits included (default 50000)
  --tags N            tags in each repository (default 3000; at least --packages)
  --range-commits N   commits after the last release in the small-range scenario (default 200)
  --runs N            timed runs per tool; the median time is reported (default 3; five times
                      as many in a scenario whose baseline takes under 0.2 s)
  --dir DIR           build the repositories in DIR and keep them; reused when the sizes match

cargo xtask bench growth [--large] [--sizes C:P,...] [--runs N] [--dir DIR]: the whole history at
several sizes (`cargo xtask bench growth --help`)";

/// Bump when the generated history changes, so `--dir` does not reuse a stale repository.
const GENERATOR_VERSION: u32 = 2;
const SEED: u64 = 0x5eed_1234_abcd_9876;
/// 2024-01-01T00:00:00Z; each commit is 60 s after the previous one.
const START: u64 = 1_704_067_200;
const GNU_TIME: &str = "/usr/bin/time";

#[derive(Debug, Clone)]
struct Options {
    packages: usize,
    commits: usize,
    tags: usize,
    range_commits: usize,
    runs: usize,
    dir: Option<PathBuf>,
}

impl Options {
    fn marker(&self) -> String {
        format!(
            "generator={GENERATOR_VERSION} packages={} commits={} tags={} range-commits={}\n",
            self.packages, self.commits, self.tags, self.range_commits
        )
    }
}

pub fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("plan") => bench_plan(&parse(&args[1..])?),
        Some("growth") => growth::run(&args[1..]),
        _ => bail!("{USAGE}"),
    }
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options { packages: 300, commits: 50_000, tags: 3_000, range_commits: 200, runs: 3, dir: None };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        if flag == "--help" || flag == "-h" {
            bail!("{USAGE}");
        }
        let mut value = || -> Result<String> {
            match inline.clone().or_else(|| args.next().cloned()) {
                Some(value) => Ok(value),
                None => bail!("`{flag}` needs a value\n\n{USAGE}"),
            }
        };
        let number = |text: String| -> Result<usize> {
            text.replace('_', "").parse().with_context(|| format!("`{flag} {text}` is not a number"))
        };
        match flag {
            "--packages" => options.packages = number(value()?)?,
            "--commits" => options.commits = number(value()?)?,
            "--tags" => options.tags = number(value()?)?,
            "--range-commits" => options.range_commits = number(value()?)?,
            "--runs" => options.runs = number(value()?)?,
            "--dir" => options.dir = Some(PathBuf::from(value()?)),
            _ => bail!("unknown argument `{arg}`\n\n{USAGE}"),
        }
    }
    if options.packages == 0 || options.runs == 0 {
        bail!("--packages and --runs must be at least 1");
    }
    if options.tags < options.packages {
        bail!(
            "--tags {} is fewer than --packages {} (hint: the small-range scenario tags every package once at its last release)",
            options.tags,
            options.packages
        );
    }
    // Slot 0 is the initial commit, then one commit per earlier release, the release of every
    // package, and the range after it.
    let needed = 2 + (options.tags - options.packages) + options.range_commits;
    if options.commits < needed {
        bail!(
            "--commits {} is too few for --tags {} and --range-commits {} (hint: use at least {needed})",
            options.commits,
            options.tags,
            options.range_commits
        );
    }
    Ok(options)
}

fn bench_plan(options: &Options) -> Result<()> {
    let (release, _remove_binary) = copied_release()?;
    let (dir, _cleanup) = bench_dir(options.dir.as_deref());
    let (full, small) = (dir.join("full"), dir.join("small"));
    prepare_repositories(options, &dir, &full, &small)?;
    let range = describe_repositories(&dir, &full, &small)?;
    let measure_rss = gnu_time_available();
    let mut rows = Vec::new();
    for (scenario, repo, git_range) in [("full", &full, "HEAD".to_string()), ("small", &small, range)] {
        let run = Run { scenario, repo, git_range: &git_range, plan_args: &["--no-cache"], before_plan: None };
        rows.push(measure_scenario(options, &run, &release, measure_rss)?);
    }
    rows.extend(measure_warm(options, &full, &release, measure_rss)?);
    rows.push(measure_comment(options, "comment", &small, &release, measure_rss)?);
    rows.push(measure_comment(options, "comment-full", &full, &release, measure_rss)?);
    print_table(&rows)?;
    print_runs(options, &rows);
    Ok(())
}

/// Builds `release` and copies it to a temp file, removed when the guard drops: the copy is
/// timed, so a build in the same target dir during the runs cannot swap the binary.
fn copied_release() -> Result<(PathBuf, RemoveOnDrop)> {
    let built = build_release()?;
    let release = std::env::temp_dir().join(format!("release-bench-{}-release", std::process::id()));
    fs_err::copy(&built, &release)?;
    Ok((release.clone(), RemoveOnDrop(release)))
}

/// `--dir`, kept, or a new temp folder removed when the guard drops.
fn bench_dir(dir: Option<&Path>) -> (PathBuf, Option<RemoveOnDrop>) {
    match dir {
        Some(dir) => (dir.to_path_buf(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("release-bench-{}", std::process::id()));
            (dir.clone(), Some(RemoveOnDrop(dir)))
        }
    }
}

/// Whether GNU time is there to measure peak memory; warns when it is not.
fn gnu_time_available() -> bool {
    let available = Path::new(GNU_TIME).exists();
    if !available {
        eprintln!("warning: {GNU_TIME} not found: peak memory is not measured");
    }
    available
}

/// Generates the two repositories, or reuses those of an earlier run with the same sizes.
fn prepare_repositories(options: &Options, dir: &Path, full: &Path, small: &Path) -> Result<()> {
    let marker = dir.join("bench-sizes.txt");
    if fs_err::read_to_string(&marker).is_ok_and(|text| text == options.marker()) {
        eprintln!("reusing the repositories in {}", dir.display());
        return Ok(());
    }
    if marker.exists() {
        // Ours, but for other sizes.
        for repo in [full, small] {
            if repo.exists() {
                fs_err::remove_dir_all(repo)?;
            }
        }
        fs_err::remove_file(&marker)?;
    } else if dir.exists() && dir.read_dir()?.next().is_some() {
        bail!("`{}` is not empty and holds no bench repositories (hint: pass a new folder)", dir.display());
    }
    fs_err::create_dir_all(dir)?;
    let started = Instant::now();
    eprintln!(
        "generating {} commits, {} packages, {} tags into {} ...",
        options.commits,
        options.packages,
        options.tags,
        dir.display()
    );
    generate::generate(options, full, small)?;
    eprintln!("generated both repositories in {}", seconds(started.elapsed()));
    fs_err::write(&marker, options.marker())?;
    Ok(())
}

/// Prints what the generator produced, so a reader can check the scenarios are what they claim;
/// returns the small scenario's range (`<last release>..HEAD`).
fn describe_repositories(dir: &Path, full: &Path, small: &Path) -> Result<String> {
    let commits = git_text(full, &["rev-list", "--count", "HEAD"])?;
    let merges = git_text(full, &["rev-list", "--count", "--merges", "HEAD"])?;
    let files = git_text(full, &["ls-files"])?.lines().count();
    let package_dirs = git_text(full, &["ls-files", "packages/*/package.json"])?.lines().count();
    let full_tags = git_text(full, &["tag", "--list"])?;
    let small_tags = git_text(small, &["tag", "--list"])?;
    let small_release_tags = small_tags.lines().filter(|tag| is_release_tag(tag)).count();
    let full_release_tags = full_tags.lines().filter(|tag| is_release_tag(tag)).count();
    let last_release = format!("p0-v1.{}.0", last_minor(&small_tags, "p0")?);
    let base = git_text(small, &["rev-parse", &format!("{last_release}^{{commit}}")])?;
    let at_base = git_text(small, &["tag", "--points-at", &base])?.lines().count();
    let range = format!("{base}..HEAD");
    let range_count = git_text(small, &["rev-list", "--count", &range])?;
    let same_head = git_text(full, &["rev-parse", "HEAD"])? == git_text(small, &["rev-parse", "HEAD"])?;
    println!();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!(
        "repositories in {} (repacked like a clone: `git repack -adf`, packed refs); {cores} cores",
        dir.display()
    );
    println!(
        "  history: {commits} commits ({merges} merges), {files} tracked files, {package_dirs} packages, same head in both: {}",
        if same_head { "yes" } else { "NO" }
    );
    println!(
        "  full:  {} tags, {full_release_tags} of them `p<i>-v<version>` release tags: `release plan` reads all {commits} commits",
        full_tags.lines().count()
    );
    println!(
        "  small: {} tags, {small_release_tags} of them release tags; the last release tagged {at_base} packages at {} ({last_release}), {range_count} commits before HEAD",
        small_tags.lines().count(),
        &base[..12.min(base.len())]
    );
    Ok(range)
}

/// One scenario's measured runs of both tools.
struct Row {
    scenario: &'static str,
    /// What the plan is measured against: `git log`, or one plan for the comment scenarios.
    baseline: &'static str,
    git: Stats,
    plan: Stats,
}

/// What one scenario runs: `git log` over `git_range`, and `release plan` with `plan_args`,
/// `before_plan` (untimed) before each run of the plan.
struct Run<'a> {
    scenario: &'static str,
    repo: &'a Path,
    git_range: &'a str,
    plan_args: &'a [&'a str],
    before_plan: Option<&'a dyn Fn() -> Result<()>>,
}

/// Times `git log` over the range and `release plan` on the repository, alternating, after one
/// untimed warm-up of each (the plan's warm-up output is checked by [`describe_plan`]).
fn measure_scenario(options: &Options, run: &Run<'_>, release: &Path, measure_rss: bool) -> Result<Row> {
    let Run { scenario, repo, git_range, plan_args, before_plan } = run;
    let git = git_log(repo, git_range);
    let plan = release_plan(release, repo, plan_args);
    let prepare = || before_plan.map_or(Ok(()), |before| before());
    eprintln!("{scenario}: warm-up ...");
    let warm_up = git.sample(measure_rss)?;
    prepare()?;
    describe_plan(scenario, &plan.output()?, scenario.starts_with("full"))?;
    let runs = runs_for(options.runs, warm_up.wall);
    let [git, plan] = alternate(runs, scenario, [(&git, &|| Ok(())), (&plan, &prepare)], measure_rss)?;
    Ok(Row { scenario, baseline: "git log", git, plan })
}

/// The baseline: `git log` over `range`, with the paths each commit changed against its first
/// parent and its message, what the plan reads of each commit.
fn git_log(repo: &Path, range: &str) -> Tool {
    Tool {
        program: "git".into(),
        args: ["-C", &repo.display().to_string(), "log", "--name-only", "--no-renames"]
            .into_iter()
            .chain(["--diff-merges=first-parent", "--format=%H%n%B", range])
            .map(OsString::from)
            .collect(),
    }
}

/// `release -C <repo> plan --format json --quiet <extra>`.
fn release_plan(release: &Path, repo: &Path, extra: &[&str]) -> Tool {
    Tool {
        program: release.into(),
        args: ["-C", &repo.display().to_string(), "plan", "--format", "json", "--quiet"]
            .into_iter()
            .chain(extra.iter().copied())
            .map(OsString::from)
            .collect(),
    }
}

/// A tool and what runs (untimed) before each of its runs.
type Timed<'a> = (&'a Tool, &'a dyn Fn() -> Result<()>);

/// A scenario whose baseline takes under [`QUICK`] gets [`QUICK_RUNS_FACTOR`] times `--runs`:
/// at 10-20 ms a run, three runs' median moves by a quarter from one invocation to the next.
const QUICK: Duration = Duration::from_millis(200);
const QUICK_RUNS_FACTOR: usize = 5;

fn runs_for(runs: usize, baseline_warm_up: Duration) -> usize {
    if baseline_warm_up < QUICK { runs * QUICK_RUNS_FACTOR } else { runs }
}

/// `runs` timed runs of each tool, alternating in the order given (the baseline first).
fn alternate<const N: usize>(
    runs: usize,
    scenario: &str,
    tools: [Timed<'_>; N],
    measure_rss: bool,
) -> Result<[Stats; N]> {
    let mut samples: [Vec<Sample>; N] = std::array::from_fn(|_| Vec::with_capacity(runs));
    for number in 1..=runs {
        eprintln!("{scenario}: run {number} of {runs} ...");
        for ((tool, before), samples) in tools.iter().zip(&mut samples) {
            before()?;
            samples.push(tool.sample(measure_rss)?);
        }
    }
    Ok(samples.map(|samples| Stats::of(&samples)))
}

/// Commits the pull request of the comment scenarios has over its base.
const PULL_REQUEST_COMMITS: usize = 3;

/// `release plan --comment` plans the pull request's head and its base and renders the
/// comment: `--format markdown --base <base>` does the same work without posting it. Measured
/// against one plan of the head (`--format json`), both cold, as in a CI job on a fresh clone:
/// the commit cache is removed before every run of either (the comment's second plan may use
/// what its first wrote). `scenario` `comment` on the small range, `comment-full` on the whole
/// history.
fn measure_comment(
    options: &Options,
    scenario: &'static str,
    repo: &Path,
    release: &Path,
    measure_rss: bool,
) -> Result<Row> {
    let base = format!("HEAD~{PULL_REQUEST_COMMITS}");
    let cache = repo.join(".git/release");
    let clear = || -> Result<()> {
        if cache.exists() {
            fs_err::remove_dir_all(&cache)?;
        }
        Ok(())
    };
    let plan = |extra: &[&str]| Tool {
        program: release.into(),
        args: ["-C", &repo.display().to_string(), "plan", "--quiet"]
            .into_iter()
            .chain(extra.iter().copied())
            .map(OsString::from)
            .collect(),
    };
    let one = plan(&["--format", "json"]);
    let comment = plan(&["--format", "markdown", "--base", &base]);
    eprintln!("{scenario}: warm-up ...");
    clear()?;
    let started = std::time::Instant::now();
    one.output()?;
    let runs = runs_for(options.runs, started.elapsed());
    clear()?;
    let body = String::from_utf8(comment.output()?)?;
    println!("  {scenario}: the comment is {} bytes of Markdown, against `{base}`", body.len());
    let [one, comment] = alternate(runs, scenario, [(&one, &clear), (&comment, &clear)], measure_rss)?;
    clear()?;
    Ok(Row { scenario, baseline: "one plan", git: one, plan: comment })
}

/// Commits added on top of the history for the "warm, new commits" scenario.
const NEW_COMMITS: usize = 5;

/// The warm scenarios on the full history, with the commit cache: a second run on the same
/// history (`full-warm`), and a run after [`NEW_COMMITS`] new commits whose cache holds only the
/// history before them (`full-new`; the cache is put back before every run). The new commits
/// are on `refs/bench/new`, planned with `--head`, so the repository's branch does not move.
fn measure_warm(options: &Options, full: &Path, release: &Path, measure_rss: bool) -> Result<Vec<Row>> {
    // The cache is a main file and the tails later runs add beside it: the whole folder goes.
    let folder = full.join(".git/release");
    let cache = folder.join("commit-cache");
    let clear = || -> Result<()> {
        if folder.exists() {
            fs_err::remove_dir_all(&folder)?;
        }
        Ok(())
    };
    clear()?;
    let warm = Run { scenario: "full-warm", repo: full, git_range: "HEAD", plan_args: &[], before_plan: None };
    let warm_row = measure_scenario(options, &warm, release, measure_rss)?;
    let saved = full.join(".git/commit-cache.bench-saved");
    fs_err::copy(&cache, &saved)?;
    let _remove_saved = RemoveOnDrop(saved.clone());
    let new_head = add_commits(full, NEW_COMMITS)?;
    let restore = || -> Result<()> {
        clear()?;
        fs_err::create_dir_all(&folder)?;
        fs_err::copy(&saved, &cache)?;
        Ok(())
    };
    let args = ["--head", new_head.as_str()];
    let new =
        Run { scenario: "full-new", repo: full, git_range: &new_head, plan_args: &args, before_plan: Some(&restore) };
    let new_row = measure_scenario(options, &new, release, measure_rss)?;
    clear()?;
    Ok(vec![warm_row, new_row])
}

/// Adds `count` commits on top of HEAD, each changing one package file, on `refs/bench/new`
/// (made once, then reused: the commits are the same every time); returns the ref's name.
fn add_commits(repo: &Path, count: usize) -> Result<String> {
    const REF: &str = "refs/bench/new";
    if git_text(repo, &["rev-parse", "--verify", "--quiet", REF]).is_ok() {
        return Ok(REF.to_string());
    }
    let index = repo.join(".git/bench-new-index");
    let _remove_index = RemoveOnDrop(index.clone());
    let with_index = |args: &[&str]| -> Result<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .env("LC_ALL", "C")
            .env("GIT_INDEX_FILE", &index)
            .output()?;
        if !output.status.success() {
            bail!("`git {}` failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8(output.stdout)?.trim_end().to_string())
    };
    let blob_file = repo.join(".git/bench-new-blob");
    let _remove_blob = RemoveOnDrop(blob_file.clone());
    let mut parent = git_text(repo, &["rev-parse", "HEAD"])?;
    let head_time: u64 = git_text(repo, &["log", "-1", "--format=%ct", "HEAD"])?.parse()?;
    with_index(&["read-tree", &parent])?;
    for number in 0..count {
        let path = format!("packages/p{number}/src/late-{number}.js");
        fs_err::write(&blob_file, format!("// late change {number}\n"))?;
        let blob = git_text(repo, &["hash-object", "-w", &blob_file.display().to_string()])?;
        with_index(&["update-index", "--add", "--cacheinfo", &format!("100644,{blob},{path}")])?;
        let tree = with_index(&["write-tree"])?;
        let time = format!("{} +0000", head_time + 60 * (number as u64 + 1));
        let output = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["commit-tree", &tree, "-p", &parent, "-m", &format!("fix(p{number}): a late fix {number}")])
            .env("LC_ALL", "C")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env("GIT_AUTHOR_DATE", &time)
            .env("GIT_COMMITTER_DATE", &time)
            .output()?;
        if !output.status.success() {
            bail!("`git commit-tree` failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        parent = String::from_utf8(output.stdout)?.trim_end().to_string();
    }
    git(repo, &["update-ref", REF, &parent])?;
    Ok(REF.to_string())
}

/// The table: each scenario's median time and peak memory, and the ratios against issue #14's
/// targets: cold full history within 1.25x `git log`'s time and 1.5x its memory, the
/// last-release range within 2x, and warm runs (the commit cache filled) within 0.1x.
fn print_table(rows: &[Row]) -> Result<()> {
    println!();
    println!("{:<13}{:<15}{:>10}{:>12}", "scenario", "tool", "time", "peak RSS");
    for Row { scenario, baseline, git, plan } in rows {
        println!("{scenario:<13}{baseline:<15}{:>10}{:>12}", seconds(git.median), mebibytes(git.max_rss_kib));
        let measured = if scenario.starts_with("comment") { "plan --comment" } else { "release plan" };
        println!(
            "{scenario:<13}{:<15}{:>10}{:>12}   {}",
            measured,
            seconds(plan.median),
            mebibytes(plan.max_rss_kib),
            verdict(scenario, git, plan)?
        );
    }
    Ok(())
}

/// The ratios of one scenario and whether they meet its targets.
fn verdict(scenario: &str, git: &Stats, plan: &Stats) -> Result<String> {
    let time_ratio = plan.median.as_secs_f64() / git.median.as_secs_f64();
    let memory_ratio = match (plan.max_rss_kib, git.max_rss_kib) {
        (Some(plan), Some(git)) => Some(plan as f64 / git as f64),
        _ => None,
    };
    let pass = |ok: bool| if ok { "pass" } else { "FAIL" };
    if scenario.starts_with("full-") {
        return Ok(format!("warm ratio {time_ratio:.3}x time  (target <= 0.1x: {})", pass(time_ratio <= 0.1)));
    }
    if scenario.starts_with("comment") {
        return Ok(format!("{time_ratio:.2}x one plan  (target <= 1.2x: {})", pass(time_ratio <= 1.2)));
    }
    let mut verdict = format!("ratio {time_ratio:.2}x time");
    if let Some(ratio) = memory_ratio {
        write!(verdict, ", {ratio:.2}x memory")?;
    }
    if scenario == "full" {
        write!(verdict, "  (target time <= 1.25x: {}", pass(time_ratio <= 1.25))?;
        match memory_ratio {
            Some(ratio) => write!(verdict, ", memory <= 1.5x: {})", pass(ratio <= 1.5))?,
            None => verdict.push_str(", memory <= 1.5x: not measured)"),
        }
    } else {
        write!(verdict, "  (target time <= 2x: {})", pass(time_ratio <= 2.0))?;
    }
    Ok(verdict)
}

/// Every run's time and memory, so a noisy median can be seen for what it is.
fn print_runs(options: &Options, rows: &[Row]) {
    println!();
    println!(
        "median of {} runs ({} for scenarios under {} ms) after one warm-up each; peak RSS is the largest of the runs",
        options.runs,
        options.runs * QUICK_RUNS_FACTOR,
        QUICK.as_millis()
    );
    for Row { scenario, baseline, git, plan } in rows {
        println!("  {scenario:<12} {:<18} {}", format!("{baseline} runs:"), git.runs());
        println!("  {scenario:<12} {:<18} {}", "measured runs:", plan.runs());
    }
    if let Ok(threads) = std::env::var("RAYON_NUM_THREADS") {
        println!("  RAYON_NUM_THREADS={threads} (inherited by `release plan`)");
    }
}

/// `cargo build --release -p release-cli`, returning the path of the `release` binary.
fn build_release() -> Result<PathBuf> {
    eprintln!("building the release binary: cargo build --release -p release-cli");
    let output = crate::cargo()
        .current_dir(crate::workspace_root())
        .args(["build", "--release", "-p", "release-cli", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build")?;
    if !output.status.success() {
        bail!("`cargo build --release -p release-cli` failed ({})", output.status);
    }
    let mut binary = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if message["reason"] == "compiler-artifact"
            && message["target"]["name"] == "release"
            && let Some(path) = message["executable"].as_str()
        {
            binary = Some(PathBuf::from(path));
        }
    }
    binary.context("cargo build reported no `release` executable")
}

/// A program and its arguments, run with `LC_ALL=C` and stdout to /dev/null.
struct Tool {
    program: OsString,
    args: Vec<OsString>,
}

struct Sample {
    wall: Duration,
    max_rss_kib: Option<u64>,
}

impl Tool {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args).env("LC_ALL", "C").stdin(Stdio::null());
        command
    }

    /// One timed run. With GNU time the child runs under `/usr/bin/time -f %M -o FILE`, which
    /// adds one fork and exec (about a millisecond) to every tool alike.
    fn sample(&self, measure_rss: bool) -> Result<Sample> {
        let rss_file = std::env::temp_dir().join(format!("release-bench-rss-{}", std::process::id()));
        let mut command = if measure_rss {
            let mut command = Command::new(GNU_TIME);
            command.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(&self.program).args(&self.args);
            command.env("LC_ALL", "C").stdin(Stdio::null());
            command
        } else {
            self.command()
        };
        command.stdout(Stdio::null()).stderr(Stdio::inherit());
        let started = Instant::now();
        let status = command.status().with_context(|| format!("running {}", self.describe()))?;
        let wall = started.elapsed();
        if !status.success() {
            bail!("{} failed ({status})", self.describe());
        }
        let max_rss_kib = if measure_rss {
            let text = fs_err::read_to_string(&rss_file)?;
            let _ = fs_err::remove_file(&rss_file);
            let last = text.lines().last().unwrap_or("").trim();
            Some(last.parse().with_context(|| format!("{GNU_TIME} printed `{last}`, not a size in KiB"))?)
        } else {
            None
        };
        Ok(Sample { wall, max_rss_kib })
    }

    /// An untimed run that keeps stdout.
    fn output(&self) -> Result<Vec<u8>> {
        let output = self.command().stderr(Stdio::inherit()).output()?;
        if !output.status.success() {
            bail!("{} failed ({})", self.describe(), output.status);
        }
        Ok(output.stdout)
    }

    fn describe(&self) -> String {
        let mut text = self.program.to_string_lossy().into_owned();
        for arg in &self.args {
            text.push(' ');
            text.push_str(&arg.to_string_lossy());
        }
        format!("`{text}`")
    }
}

struct Stats {
    median: Duration,
    max_rss_kib: Option<u64>,
    walls: Vec<Duration>,
    rss: Vec<Option<u64>>,
}

impl Stats {
    fn of(samples: &[Sample]) -> Stats {
        let mut walls: Vec<Duration> = samples.iter().map(|sample| sample.wall).collect();
        walls.sort();
        let middle = walls.len() / 2;
        let median = if walls.len() % 2 == 1 { walls[middle] } else { (walls[middle - 1] + walls[middle]) / 2 };
        Stats {
            median,
            max_rss_kib: samples.iter().filter_map(|sample| sample.max_rss_kib).max(),
            walls: samples.iter().map(|sample| sample.wall).collect(),
            rss: samples.iter().map(|sample| sample.max_rss_kib).collect(),
        }
    }

    fn runs(&self) -> String {
        self.walls
            .iter()
            .zip(&self.rss)
            .map(|(wall, rss)| format!("{} / {}", seconds(*wall), mebibytes(*rss)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 1.0 { format!("{:.0} ms", seconds * 1000.0) } else { format!("{seconds:.2} s") }
}

fn mebibytes(kib: Option<u64>) -> String {
    match kib {
        Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
        None => "n/a".to_string(),
    }
}

/// Checks the warm-up plan is the scenario it claims to be (no previous release when it reads
/// the `whole_history`, one for every package otherwise) and prints a line about it.
fn describe_plan(scenario: &str, stdout: &[u8], whole_history: bool) -> Result<()> {
    let plan: serde_json::Value = serde_json::from_slice(stdout).context("`release plan --format json` output")?;
    let packages = plan["packages"].as_array().context("the plan has no `packages`")?;
    let with_previous = packages.iter().filter(|package| package["previous_tag"].is_string()).count();
    let bumped = packages.iter().filter(|package| package["bump"] != "none").count();
    let listed: usize = packages.iter().map(|package| package["commits"].as_array().map_or(0, Vec::len)).sum();
    let warnings = plan["warnings"].as_array().map_or(0, Vec::len);
    println!(
        "  {scenario}: the plan has {} packages, {with_previous} with a previous release, {bumped} to release, {listed} package-commit entries, {warnings} warnings, {} bytes of JSON",
        packages.len(),
        stdout.len()
    );
    let expected = if whole_history { 0 } else { packages.len() };
    if with_previous != expected {
        bail!("{scenario}: expected {expected} packages with a previous release, the plan has {with_previous}");
    }
    Ok(())
}

fn git_text(repo: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git").arg("-C").arg(repo).args(args).env("LC_ALL", "C").output()?;
    if !output.status.success() {
        bail!("`git {}` failed in {}: {}", args.join(" "), repo.display(), String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?.trim_end().to_string())
}

fn git(repo: &Path, args: &[&str]) -> Result<()> {
    git_text(repo, args).map(drop)
}

/// `p<i>-v<version>`: a tag of the default `{name}-v{version}` template of a generated package.
fn is_release_tag(tag: &str) -> bool {
    tag.strip_prefix('p')
        .and_then(|rest| rest.split_once("-v"))
        .is_some_and(|(index, _)| !index.is_empty() && index.bytes().all(|byte| byte.is_ascii_digit()))
}

/// The highest `k` of the tags `<package>-v1.<k>.0`.
fn last_minor(tags: &str, package: &str) -> Result<u64> {
    let prefix = format!("{package}-v1.");
    tags.lines()
        .filter_map(|tag| tag.strip_prefix(&prefix)?.strip_suffix(".0")?.parse().ok())
        .max()
        .with_context(|| format!("no `{prefix}<k>.0` tag"))
}

/// A file or folder, removed when this is dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = fs_err::remove_dir_all(&self.0);
        } else if self.0.exists() {
            let _ = fs_err::remove_file(&self.0);
        }
    }
}
