//! `cargo xtask bench apply`: the apply stage on a synthetic repository of N packages (half Cargo
//! crates in a workspace with a Cargo.lock, half npm packages with a package-lock.json), each with
//! a changelog of 500 sections, every package released. Times the computation of the changes and
//! the atomic writes, at N/4, N/2 and N, and prints the time per package to show the growth.
//!
//! It also says which file system holds the fixtures, because that decides the write figures: on
//! ext4 without a journal, creating a file scans past every inode deleted in the last minute (see
//! `Filesystem::journal`). For the same reason it builds every fixture before timing anything and
//! deletes them all at the end.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use release_apply::ApplyInput;
use release_changelog::Renderer;
use release_config::Config;
use release_plan::{Bump, CommitEntry, PackagePlan, Plan};

struct Options {
    packages: usize,
    sections: usize,
    runs: usize,
    dir: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options { packages: 1000, sections: 500, runs: 3, dir: None };
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut text = || iter.next().with_context(|| format!("`{flag}` needs a value"));
        let mut number = || -> Result<usize> {
            let text = text()?;
            text.parse().with_context(|| format!("`{flag} {text}`: not a number"))
        };
        match flag.as_str() {
            "--packages" => options.packages = number()?,
            "--sections" => options.sections = number()?,
            "--runs" => options.runs = number()?.max(1),
            "--dir" => options.dir = Some(PathBuf::from(text()?)),
            other => bail!("unknown flag `{other}` (hint: --packages N --sections N --runs N --dir DIR)"),
        }
    }
    Ok(options)
}

pub fn run(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    if cfg!(debug_assertions) {
        return rerun_optimised(args);
    }
    let parent = options.dir.clone().unwrap_or_else(std::env::temp_dir);
    fs_err::create_dir_all(&parent)?;
    println!(
        "apply: {} packages (half Cargo, half npm, with lock files), changelogs of {} sections, every package released",
        options.packages, options.sections
    );
    describe_filesystem(&parent);
    let sizes = [options.packages / 4, options.packages / 2, options.packages];
    let sizes: Vec<usize> = sizes.into_iter().filter(|count| *count >= 2).collect();
    let scratch = tempfile::tempdir_in(&parent)?;
    let fixtures = build_fixtures(&options, &sizes, scratch.path())?;
    println!(
        "{:>9}  {:>10}  {:>12}  {:>12}  {:>12}  {:>12}  {:>14}",
        "packages", "bytes", "compute", "write", "raw I/O", "total", "per package"
    );
    for &count in &sizes {
        print_size(count, &fixtures)?;
    }
    println!(
        "(median of {} runs each; `write` is release's atomic, durable write;\n `raw I/O` is the baseline: the same bytes written with plain fs::write and one syncfs, no temp files or renames)",
        options.runs
    );
    Ok(())
}

/// Timings of an unoptimised build say nothing: runs this benchmark from a release build.
fn rerun_optimised(args: &[String]) -> Result<()> {
    eprintln!("bench apply: building xtask in release mode to measure optimised code");
    let status = crate::cargo()
        .args(["run", "--quiet", "--release", "-p", "xtask", "--", "bench", "apply"])
        .args(args)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("the release build of the benchmark failed");
    }
    Ok(())
}

/// Says which file system holds the fixtures, and warns when it makes the write figures swing.
fn describe_filesystem(parent: &Path) {
    match filesystem(parent) {
        Some(found) => {
            println!("fixtures in {}: {found}", parent.display());
            if found.kind == "ext4" && found.journal == Some(false) {
                println!(
                    "warning: ext4 without a journal: creating a file walks past every inode deleted on this file\n  system in the last 60-300 s, so `write` and `raw I/O` swing with recent deletions, by this\n  benchmark's previous invocation or anything else (hint: --dir on a journaled file system;\n  see docs/performance.md)"
                );
            }
        }
        None => println!("fixtures in {}", parent.display()),
    }
}

/// Every fixture is built and flushed before anything is timed, and all are removed at the end:
/// deleting one run's files just before timing the next would make the next one's creates
/// slower on some file systems (see `Filesystem::journal`).
fn build_fixtures(options: &Options, sizes: &[usize], scratch: &Path) -> Result<Vec<(usize, PathBuf)>> {
    let started = Instant::now();
    let mut fixtures = Vec::new();
    for &count in sizes {
        for run in 0..options.runs {
            let dir = scratch.join(format!("{count}-{run}"));
            build(&dir, count, options.sections)?;
            fixtures.push((count, dir));
        }
    }
    // In a real checkout the files a release rewrites have long been on disk: flush them, or the
    // release's own flush would pay for writing the fixtures too.
    rustix::fs::syncfs(&fs_err::File::open(scratch)?)?;
    eprintln!("built {} fixtures in {:.1} s", fixtures.len(), started.elapsed().as_secs_f64());
    Ok(fixtures)
}

/// Measures every fixture of one size and prints the medians as one row.
fn print_size(count: usize, fixtures: &[(usize, PathBuf)]) -> Result<()> {
    let (mut compute, mut write, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    for (_, dir) in fixtures.iter().filter(|(size, _)| *size == count) {
        let measured = measure(dir)?;
        compute.push(measured.compute);
        write.push(measured.write);
        raw.push(measured.raw);
        bytes = measured.bytes;
    }
    let (compute, write, raw) = (median(&mut compute), median(&mut write), median(&mut raw));
    let total = compute + write;
    println!(
        "{count:>9}  {:>8.1}MB  {:>10.1}ms  {:>10.1}ms  {:>10.1}ms  {:>10.1}ms  {:>12.1}µs",
        bytes as f64 / 1e6,
        millis(compute),
        millis(write),
        millis(raw),
        millis(total),
        total.as_secs_f64() * 1e6 / count as f64
    );
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn changelog(sections: usize) -> String {
    let mut text = String::from(release_changelog::HEADER);
    for index in (0..sections).rev() {
        let _ = write!(
            text,
            "\n## [1.{index}.0](https://github.com/acme/shop/compare/v1.{}.0...v1.{index}.0) - 2024-01-01\n\n### Features\n\n- **api:** change number {index} ([abcdef0](https://github.com/acme/shop/commit/abcdef0))\n- another change ([1234567](https://github.com/acme/shop/commit/1234567)) ([#{index}](https://github.com/acme/shop/pull/{index}))\n",
            index.saturating_sub(1)
        );
    }
    text
}

/// Writes the repository: `crates/c<i>` and `packages/n<i>`, each depending on the previous one.
fn build(root: &Path, count: usize, sections: usize) -> Result<()> {
    let cargo = count / 2;
    let npm = count - cargo;
    let log = changelog(sections);
    let mut workspace = String::from("[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n");
    let mut lock = String::from(
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n",
    );
    for index in 0..cargo {
        let folder = root.join(format!("crates/c{index}"));
        fs_err::create_dir_all(&folder)?;
        let mut manifest = format!(
            "[package]\nname = \"c{index}\"\nversion = \"1.{sections}.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\n"
        );
        if index > 0 {
            let _ =
                writeln!(manifest, "c{} = {{ path = \"../c{}\", version = \"1.{sections}\" }}", index - 1, index - 1);
        }
        fs_err::write(folder.join("Cargo.toml"), manifest)?;
        fs_err::write(folder.join("CHANGELOG.md"), &log)?;
        let _ = write!(lock, "\n[[package]]\nname = \"c{index}\"\nversion = \"1.{sections}.0\"\n");
    }
    fs_err::write(root.join("Cargo.toml"), workspace.split_off(0))?;
    fs_err::write(root.join("Cargo.lock"), lock)?;

    let mut packages = serde_json::Map::new();
    packages.insert(String::new(), serde_json::json!({ "name": "root", "workspaces": ["packages/*"] }));
    for index in 0..npm {
        let folder = root.join(format!("packages/n{index}"));
        fs_err::create_dir_all(&folder)?;
        let mut dependencies = serde_json::Map::new();
        dependencies.insert("react".into(), "^18.3.1".into());
        if index > 0 {
            dependencies.insert(format!("n{}", index - 1), format!("^1.{sections}.0").into());
        }
        let manifest = serde_json::json!({ "name": format!("n{index}"), "version": format!("1.{sections}.0"), "dependencies": dependencies });
        fs_err::write(folder.join("package.json"), serde_json::to_string_pretty(&manifest)? + "\n")?;
        fs_err::write(folder.join("CHANGELOG.md"), &log)?;
        packages.insert(format!("packages/n{index}"), manifest);
        packages.insert(
            format!("node_modules/n{index}"),
            serde_json::json!({ "resolved": format!("packages/n{index}"), "link": true }),
        );
    }
    let lock = serde_json::json!({ "name": "root", "lockfileVersion": 3, "requires": true, "packages": packages });
    fs_err::write(
        root.join("package.json"),
        "{\n  \"name\": \"root\",\n  \"private\": true,\n  \"workspaces\": [\"packages/*\"]\n}\n",
    )?;
    fs_err::write(root.join("package-lock.json"), serde_json::to_string_pretty(&lock)? + "\n")?;
    Ok(())
}

struct Measured {
    compute: Duration,
    write: Duration,
    raw: Duration,
    bytes: usize,
}

/// Discovers the packages, releases every one with a minor bump, then times the apply stage.
fn measure(root: &Path) -> Result<Measured> {
    let config = Config::parse(&root.join("release.toml"), "")?;
    let mut files = Vec::new();
    for entry in walk(root)? {
        files.push(entry);
    }
    let workspace = release_workspace::discover(root, &config, &files)?;
    let plan = synthetic_plan(&workspace)?;
    let renderer = Renderer::default_templates();
    let links = release_changelog::Links::new("https://github.com/acme/shop");
    let input = ApplyInput {
        root,
        config: &config,
        workspace: &workspace,
        plan: &plan,
        date: "2025-01-01",
        links: Some(&links),
        renderer: &renderer,
    };
    let start = Instant::now();
    let changes = release_apply::changes(&input)?;
    let computed = start.elapsed();
    let expected_at_least = plan.packages.len() * 2; // a manifest and a changelog each
    if changes.len() < expected_at_least {
        bail!("expected at least {expected_at_least} changed files, got {}", changes.len());
    }
    let raw = raw_write(root, &changes)?;

    let start = Instant::now();
    release_apply::write_all(root, &changes)?;
    let write = start.elapsed();
    let bytes = changes.iter().map(|change| change.after.len()).sum();
    Ok(Measured { compute: computed, write, raw, bytes })
}

/// A plan that bumps every synthetic package by a minor version with one commit each: the
/// shape a large release has, without a history to plan from.
fn synthetic_plan(workspace: &release_workspace::Workspace) -> Result<Plan> {
    let commits = vec![CommitEntry {
        sha: "0123456789abcdef0123456789abcdef01234567".parse()?,
        kind: Some("feat".into()),
        scope: None,
        breaking: false,
        summary: "a new feature".into(),
        pr: Some(1),
        bump: Bump::Minor,
        breaking_description: None,
    }];
    let packages = workspace
        .packages
        .iter()
        .map(|package| {
            let current = package.version.clone().context("every synthetic package has a version")?;
            let next = release_plan::bump_version(&current, Bump::Minor);
            Ok(PackagePlan {
                name: package.name.clone(),
                path: package.path.clone(),
                components: Vec::new(),
                previous_tag: Some(package.tag.render(&package.name, &current.to_string())),
                next_tag: Some(package.tag.render(&package.name, &next.to_string())),
                current_version: current,
                next_version: next,
                bump: Bump::Minor,
                commits: commits.clone(),
                reasons: Vec::new(),
                changes: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Plan {
        schema_version: 1,
        head: "0".repeat(40).parse()?,
        packages,
        repo: None,
        warnings: Vec::new(),
        skipped: Vec::new(),
        change_files: Vec::new(),
    })
}

/// The same bytes written with plain `fs::write` and one `syncfs`, no temp files or renames: the
/// baseline the atomic, durable write is compared with.
fn raw_write(root: &Path, changes: &[release_apply::FileChange]) -> Result<Duration> {
    // The baseline first: it deletes nothing, so neither timing follows the other's deletions
    // (the write's renames free the replaced files).
    let baseline = root.join(".baseline");
    fs_err::create_dir_all(&baseline)?;
    let start = Instant::now();
    for (index, change) in changes.iter().enumerate() {
        std::fs::write(baseline.join(index.to_string()), change.after.as_bytes())?;
    }
    let file = fs_err::File::open(&baseline)?;
    rustix::fs::syncfs(&file)?;
    Ok(start.elapsed())
}

/// Every file under `root`, relative and `/`-separated (what `git ls-files` would list).
fn walk(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs_err::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root)?.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The file system holding a folder, as `/proc/self/mountinfo` and sysfs describe it.
struct Filesystem {
    kind: String,
    source: String,
    /// For ext4: whether it has a journal. Without one, ext4 does not reuse an inode freed in the
    /// last 60 s (300 s while its inode table block is dirty), and finding a free inode walks
    /// past every such one: 2,000 creates took 49 ms on this machine's root file system, and
    /// 369 ms right after 6,000 deletions (40 ms either way on a journaled ext4). The kernel
    /// calls this `recently_deleted` (fs/ext4/ialloc.c).
    journal: Option<bool>,
}

impl std::fmt::Display for Filesystem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} ({})", self.kind, self.source)?;
        match self.journal {
            Some(true) => write!(formatter, ", with a journal"),
            Some(false) => write!(formatter, ", no journal"),
            None => Ok(()),
        }
    }
}

/// Finds the mount holding `folder` (the longest mount point that prefixes it); `None` where
/// there is no `/proc` to ask.
fn filesystem(folder: &Path) -> Option<Filesystem> {
    let folder = fs_err::canonicalize(folder).ok()?;
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut best: Option<(usize, Filesystem, String)> = None;
    for line in table.lines() {
        // `id parent major:minor root mount-point options... - type source super-options`
        let (left, right) = line.split_once(" - ")?;
        let fields: Vec<&str> = left.split(' ').collect();
        let (Some(device), Some(mount)) = (fields.get(2), fields.get(4)) else { continue };
        let mount = unescape(mount);
        let mut right = right.split(' ');
        let (Some(kind), Some(source)) = (right.next(), right.next()) else { continue };
        let depth = mount.len();
        if folder.starts_with(&mount) && best.as_ref().is_none_or(|(longest, ..)| depth >= *longest) {
            let found = Filesystem { kind: kind.to_string(), source: source.to_string(), journal: None };
            best = Some((depth, found, device.to_string()));
        }
    }
    let (_, mut found, device) = best?;
    if found.kind == "ext4" {
        // sysfs names an ext4 file system by its block device; `journal_task` is the journal
        // thread's pid, or `<none>`.
        let name = fs_err::read_link(format!("/sys/dev/block/{device}")).ok()?;
        let name = name.file_name()?.to_string_lossy().into_owned();
        let task = std::fs::read_to_string(format!("/sys/fs/ext4/{name}/journal_task")).ok();
        found.journal = task.map(|task| task.trim() != "<none>");
    }
    Some(found)
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let octal = bytes.get(index + 1..index + 4).and_then(|digits| {
            let digits = std::str::from_utf8(digits).ok()?;
            u8::from_str_radix(digits, 8).ok()
        });
        match (bytes[index], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                index += 4;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
