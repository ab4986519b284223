//! `cargo xtask bench growth`: `release plan` over the whole history at several sizes, to show
//! that its time and memory per commit stay flat as the history grows (issue #14).
//!
//! Each point is one repository of the `bench plan` generator, tagged like its `full` one
//! (`build-<n>`, no release), so every plan reads the whole history. Per point, alternating
//! after one warm-up each: `git log` over `HEAD` as `bench plan` runs it, `release plan
//! --no-cache` (cold) and `release plan` with the commit cache its warm-up filled (warm).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::generate::{self, TagNames};
use super::{
    Options, QUICK, QUICK_RUNS_FACTOR, Stats, alternate, bench_dir, copied_release, describe_plan, git_log, git_text,
    gnu_time_available, mebibytes, release_plan, runs_for, seconds,
};

const USAGE: &str = "usage: cargo xtask bench growth [--large] [--sizes C:P,C:P,...] [--runs N] [--dir DIR]

  --large             add 200,000 and 500,000 commits (300 packages) to the default points:
                      10,000 and 50,000 commits with 300 and with 3,000 packages
  --sizes C:P,...     these points instead (e.g. `--sizes 2000:20,4000:20,4000:200` for a smoke run)
  --runs N            timed runs per tool; the median time is reported (default 3; five times
                      as many at a point whose `git log` takes under 0.2 s)
  --dir DIR           build the repositories in DIR/growth-<commits>-<packages> and keep them;
                      each is reused while its sizes match";

const DEFAULT_SIZES: &[(usize, usize)] = &[(10_000, 300), (50_000, 300), (10_000, 3_000), (50_000, 3_000)];
const LARGE_SIZES: &[(usize, usize)] = &[(200_000, 300), (500_000, 300)];

/// Tags per commit, as in `bench plan`'s defaults (3,000 tags in 50,000 commits), so the
/// 50,000-commit, 300-package point is the same history as its `full` repository.
const TAGS_PER_THOUSAND_COMMITS: usize = 60;

/// `bench plan`'s default: where the generator's release of every package goes (a `build-<n>`
/// tag here, like every other tag, so it is no release).
const RANGE_COMMITS: usize = 200;

/// How growth repositories are repacked: `-f` (every delta computed again, as in a clone)
/// with git's default window and depth, the same as `bench plan`'s repositories, so a point's
/// pack reads like theirs; `-f` costs time per object, so it grows linearly with the history.
const REPACK: &[&str] = generate::REPACK_LIKE_A_CLONE;

struct GrowthOptions {
    sizes: Vec<(usize, usize)>,
    runs: usize,
    dir: Option<std::path::PathBuf>,
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    let (release, _remove_binary) = copied_release()?;
    let (dir, _cleanup) = bench_dir(options.dir.as_deref());
    fs_err::create_dir_all(&dir)?;
    let measure_rss = gnu_time_available();
    let mut points = Vec::new();
    for &(commits, packages) in &options.sizes {
        let point = point_options(commits, packages, options.runs)?;
        let repo = dir.join(format!("growth-{commits}-{packages}"));
        let generation = prepare(&point, &repo)?;
        let files = describe(&repo, &point, generation.as_ref())?;
        points.push(measure(&point, &repo, files, &release, measure_rss)?);
    }
    println!();
    print_table(&points);
    print_verdicts(&points);
    print_runs(&options, &points);
    Ok(())
}

fn parse(args: &[String]) -> Result<GrowthOptions> {
    let mut options = GrowthOptions { sizes: DEFAULT_SIZES.to_vec(), runs: 3, dir: None };
    let (mut large, mut sizes) = (false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let mut value = || -> Result<String> {
            match inline.clone().or_else(|| args.next().cloned()) {
                Some(value) => Ok(value),
                None => bail!("`{flag}` needs a value\n\n{USAGE}"),
            }
        };
        match flag {
            "--help" | "-h" => bail!("{USAGE}"),
            "--large" => large = true,
            "--sizes" => sizes = Some(parse_sizes(&value()?)?),
            "--runs" => {
                let text = value()?;
                options.runs = number(&text).with_context(|| format!("`--runs {text}` is not a number"))?;
            }
            "--dir" => options.dir = Some(value()?.into()),
            _ => bail!("unknown argument `{arg}`\n\n{USAGE}"),
        }
    }
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    match sizes {
        Some(_) if large => bail!("--large and --sizes together (hint: list the large points in --sizes)"),
        Some(sizes) => options.sizes = sizes,
        None if large => options.sizes.extend_from_slice(LARGE_SIZES),
        None => {}
    }
    for &(commits, packages) in &options.sizes {
        point_options(commits, packages, options.runs)?;
    }
    Ok(options)
}

/// `10000:300,50000:3000` (underscores allowed: `10_000:300`).
fn parse_sizes(text: &str) -> Result<Vec<(usize, usize)>> {
    let sizes = text
        .split(',')
        .map(|point| {
            let (commits, packages) = point
                .split_once(':')
                .with_context(|| format!("`--sizes` point `{point}` is not COMMITS:PACKAGES (hint: `5000:300`)"))?;
            let parsed = number(commits).and_then(|commits| Ok((commits, number(packages)?)));
            parsed.with_context(|| format!("`--sizes` point `{point}` is not two numbers (hint: `5000:300`)"))
        })
        .collect::<Result<Vec<_>>>()?;
    if sizes.is_empty() {
        bail!("`--sizes` lists no point (hint: `--sizes 2000:20,4000:20`)");
    }
    Ok(sizes)
}

fn number(text: &str) -> Result<usize> {
    Ok(text.replace('_', "").parse()?)
}

/// The generator's options for one point: tags scale with the commits, at least one per package.
fn point_options(commits: usize, packages: usize, runs: usize) -> Result<Options> {
    if packages == 0 {
        bail!("`--sizes {commits}:{packages}`: a point needs at least one package");
    }
    let tags = (commits * TAGS_PER_THOUSAND_COMMITS / 1000).max(packages);
    let needed = 2 + (tags - packages) + RANGE_COMMITS;
    if commits < needed {
        bail!("`--sizes {commits}:{packages}`: too few commits for the generator (hint: use at least {needed})");
    }
    Ok(Options { packages, commits, tags, range_commits: RANGE_COMMITS, runs, dir: None })
}

/// How long a point's repository took to make.
struct Generation {
    import: Duration,
    repack: Duration,
}

/// Generates one point's repository, or reuses the one an earlier run left with the same sizes
/// (`None`). The marker is written last, so an interrupted generation is never reused.
fn prepare(options: &Options, repo: &Path) -> Result<Option<Generation>> {
    let marker = repo.join(".git/bench-growth.txt");
    let expected = format!("{}repack={}\n", options.marker(), REPACK.join(" "));
    if fs_err::read_to_string(&marker).is_ok_and(|text| text == expected) {
        eprintln!("reusing {}", repo.display());
        return Ok(None);
    }
    if marker.exists() {
        // Ours, from another generator version or repack.
        fs_err::remove_dir_all(repo)?;
    } else if repo.exists() {
        bail!(
            "`{}` exists but holds no finished growth repository (hint: remove it; an interrupted run leaves one)",
            repo.display()
        );
    }
    eprintln!(
        "generating {} commits, {} packages, {} tags into {} ...",
        options.commits,
        options.packages,
        options.tags,
        repo.display()
    );
    let started = Instant::now();
    generate::import(options, &[(repo, TagNames::Build)])?;
    let import = started.elapsed();
    let started = Instant::now();
    generate::repack_like_clones(&[repo], REPACK)?;
    let repack = started.elapsed();
    fs_err::write(&marker, expected)?;
    Ok(Some(Generation { import, repack }))
}

/// Prints what a point's repository holds and how long it took to generate; answers its tracked
/// files.
fn describe(repo: &Path, options: &Options, generation: Option<&Generation>) -> Result<usize> {
    let commits = git_text(repo, &["rev-list", "--count", "HEAD"])?;
    let merges = git_text(repo, &["rev-list", "--count", "--merges", "HEAD"])?;
    let files = git_text(repo, &["ls-files"])?.lines().count();
    let tags = git_text(repo, &["tag", "--list"])?.lines().count();
    let pack_kib: u64 = git_text(repo, &["count-objects", "-v"])?
        .lines()
        .find_map(|line| line.strip_prefix("size-pack: "))
        .context("`git count-objects -v` printed no size-pack")?
        .parse()?;
    let made = match generation {
        Some(Generation { import, repack }) => format!(
            "generated in {} (fast-import {}, `git repack {}` {})",
            seconds(*import + *repack),
            seconds(*import),
            REPACK.join(" "),
            seconds(*repack)
        ),
        None => "reused".to_string(),
    };
    println!(
        "{}: {commits} commits ({merges} merges), {} packages, {files} tracked files, {tags} `build-<n>` tags, pack {}; {made}",
        repo.display(),
        options.packages,
        mebibytes(Some(pack_kib))
    );
    Ok(files)
}

/// One point's measured runs.
struct Point {
    commits: usize,
    packages: usize,
    /// Tracked files at the head: what each of git's tree comparisons walks through.
    files: usize,
    git: Stats,
    cold: Stats,
    warm: Stats,
}

/// Times the three tools at one point, alternating after one warm-up of each; the warm-up of
/// the warm plan fills the commit cache (removed before it and after the runs).
fn measure(options: &Options, repo: &Path, files: usize, release: &Path, measure_rss: bool) -> Result<Point> {
    let label = format!("growth-{}-{}", options.commits, options.packages);
    let cache = repo.join(".git/release");
    let clear = || -> Result<()> {
        if cache.exists() {
            fs_err::remove_dir_all(&cache)?;
        }
        Ok(())
    };
    let git = git_log(repo, "HEAD");
    let cold = release_plan(release, repo, &["--no-cache"]);
    let warm = release_plan(release, repo, &[]);
    eprintln!("{label}: warm-up ...");
    let warm_up = git.sample(measure_rss)?;
    let plan = cold.output()?;
    describe_plan(&label, &plan, true)?;
    clear()?;
    warm.output()?;
    // The cache is filled: check it changes nothing before timing it.
    if warm.output()? != plan {
        bail!("{label}: the plan read from the commit cache differs from the plan without it");
    }
    let runs = runs_for(options.runs, warm_up.wall);
    let nothing = || Ok(());
    let [git, cold, warm] =
        alternate(runs, &label, [(&git, &nothing), (&cold, &nothing), (&warm, &nothing)], measure_rss)?;
    clear()?;
    Ok(Point { commits: options.commits, packages: options.packages, files, git, cold, warm })
}

/// The tools of a point, in the table's order.
fn tools(point: &Point) -> [(&'static str, &Stats); 3] {
    [("git log", &point.git), ("release cold", &point.cold), ("release warm", &point.warm)]
}

fn micros_per_commit(stats: &Stats, commits: usize) -> f64 {
    stats.median.as_secs_f64() * 1e6 / commits as f64
}

fn kib_per_commit(stats: &Stats, commits: usize) -> Option<f64> {
    stats.max_rss_kib.map(|kib| kib as f64 / commits as f64)
}

fn print_table(points: &[Point]) {
    println!(
        "{:>9}{:>10}  {:<14}{:>10}{:>12}{:>11}{:>12}",
        "commits", "packages", "tool", "time", "peak RSS", "µs/commit", "KiB/commit"
    );
    for point in points {
        for (tool, stats) in tools(point) {
            let kib = kib_per_commit(stats, point.commits).map_or("n/a".to_string(), |kib| format!("{kib:.2}"));
            let mut line = format!(
                "{:>9}{:>10}  {tool:<14}{:>10}{:>12}{:>11.1}{kib:>12}",
                point.commits,
                point.packages,
                seconds(stats.median),
                mebibytes(stats.max_rss_kib),
                micros_per_commit(stats, point.commits),
            );
            if tool == "release cold" {
                let ratio = point.cold.median.as_secs_f64() / point.git.median.as_secs_f64();
                write!(line, "   {ratio:.2}x git log's time").expect("writing to a String");
            }
            println!("{line}");
        }
    }
    println!();
    println!("µs/commit: the median time over the commits; KiB/commit: the peak RSS (largest of the");
    println!("runs) over the commits. Both include what does not grow with the history (process");
    println!("start, discovery, the binary's pages), which weighs most at the smallest point.");
}

/// Per commit, the largest point over the smallest, for each package count with two or more
/// points; then what more packages cost at the same commits (not a per-commit figure).
fn print_verdicts(points: &[Point]) {
    let mut counts: Vec<usize> = points.iter().map(|point| point.packages).collect();
    counts.sort_unstable();
    counts.dedup();
    println!();
    let mut judged = false;
    for packages in counts {
        let series = || points.iter().filter(|point| point.packages == packages);
        let (Some(smallest), Some(largest)) =
            (series().min_by_key(|point| point.commits), series().max_by_key(|point| point.commits))
        else {
            continue;
        };
        if largest.commits > smallest.commits {
            print_growth(smallest, largest);
            judged = true;
        }
    }
    if !judged {
        println!("no verdict: it needs two points with the same packages and different commits");
    }
    for point in points {
        let Some(fewest) = points
            .iter()
            .filter(|other| other.commits == point.commits && other.packages < point.packages)
            .min_by_key(|other| other.packages)
        else {
            continue;
        };
        print_packages(fewest, point);
    }
}

/// Growth beyond which the time or memory per commit is not called flat (issue #14's cold target).
const FLAT: f64 = 1.25;

/// The growth verdict, largest point over smallest. Issue #14's targets are ratios measured in
/// the same run, and the cold plan's baseline is `git log` over the same history, so the cold
/// plan's time per commit is judged against `git log`'s: both ask git to compare each commit's
/// trees, which cost more per commit as the history adds files, and what `release` adds must
/// not grow faster than that. Memory per commit is judged as it is (it has no such cause to
/// grow), and so is the warm plan (it compares no trees). The absolute time per commit of the
/// cold plan and of `git log` is printed after, as what the history's growth costs git.
fn print_growth(smallest: &Point, largest: &Point) {
    let flat = |ratio: f64| if ratio <= FLAT { "flat" } else { "NOT flat" };
    let per_commit = |point: &Point, stats: &Stats| micros_per_commit(stats, point.commits);
    let kib_growth = |small: &Stats, large: &Stats| {
        Some(kib_per_commit(large, largest.commits)? / kib_per_commit(small, smallest.commits)?)
    };
    println!(
        "verdict, from the smallest to the largest point ({} -> {} commits, {} packages), flat if <= {FLAT}x:",
        smallest.commits, largest.commits, smallest.packages
    );
    let over_git = |point: &Point| per_commit(point, &point.cold) / per_commit(point, &point.git);
    let (small_ratio, large_ratio) = (over_git(smallest), over_git(largest));
    let growth = large_ratio / small_ratio;
    println!(
        "  release cold  time per commit over git log's: {small_ratio:.2}x -> {large_ratio:.2}x, x{growth:.2}: {}",
        flat(growth)
    );
    if let Some(memory) = kib_growth(&smallest.cold, &largest.cold) {
        println!("  release cold  memory per commit: x{memory:.2}: {}", flat(memory));
    }
    let warm = per_commit(largest, &largest.warm) / per_commit(smallest, &smallest.warm);
    println!("  release warm  time per commit: x{warm:.2}: {}", flat(warm));
    if let Some(memory) = kib_growth(&smallest.warm, &largest.warm) {
        println!("  release warm  memory per commit: x{memory:.2}: {}", flat(memory));
    }
    println!(
        "what the history's growth costs git (no target): the trees grow from {} to {} files (x{:.1}); time per commit",
        smallest.files,
        largest.files,
        largest.files as f64 / smallest.files.max(1) as f64
    );
    for (tool, small, large) in
        [("git log", &smallest.git, &largest.git), ("release cold", &smallest.cold, &largest.cold)]
    {
        let time = per_commit(largest, large) / per_commit(smallest, small);
        let memory =
            kib_growth(small, large).map_or(String::new(), |memory| format!(", memory per commit x{memory:.2}"));
        println!("  {tool:<14}x{time:.2}{memory}");
    }
}

/// What more packages cost at the same commits: each tool's time and peak RSS, more over fewer.
fn print_packages(fewer: &Point, more: &Point) {
    let mut line = format!(
        "packages x{:.0} ({} -> {}) at {} commits, more over fewer:",
        more.packages as f64 / fewer.packages as f64,
        fewer.packages,
        more.packages,
        more.commits
    );
    for ((tool, few), (_, many)) in tools(fewer).into_iter().zip(tools(more)) {
        write!(line, " {tool} time x{:.2}", many.median.as_secs_f64() / few.median.as_secs_f64())
            .expect("writing to a String");
        if let (Some(many), Some(few)) = (many.max_rss_kib, few.max_rss_kib) {
            write!(line, ", memory x{:.2}", many as f64 / few as f64).expect("writing to a String");
        }
        line.push(';');
    }
    line.pop();
    println!("{line}");
}

/// Every run's time and memory, so a noisy median can be seen for what it is.
fn print_runs(options: &GrowthOptions, points: &[Point]) {
    println!();
    println!(
        "median of {} runs ({} at points whose `git log` took under {} ms) after one warm-up each; peak RSS is the largest of the runs",
        options.runs,
        options.runs * QUICK_RUNS_FACTOR,
        QUICK.as_millis()
    );
    for point in points {
        let label = format!("{}/{}", point.commits, point.packages);
        for (tool, stats) in tools(point) {
            println!("  {label:<13} {:<18} {}", format!("{tool} runs:"), stats.runs());
        }
    }
    if let Ok(threads) = std::env::var("RAYON_NUM_THREADS") {
        println!("  RAYON_NUM_THREADS={threads} (inherited by `release plan`)");
    }
}
