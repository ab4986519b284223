//! Project tasks: `cargo xtask release ...` (the `release` CLI, same code path), `demo`,
//! `fixture`, `codegen` and `bench`.

mod bench;
mod bench_apply;
mod github_openapi;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use release_test_support::Fixture;

const USAGE: &str = "usage:
  cargo xtask release <args>...        run the `release` CLI (e.g. `cargo xtask release plan`)
  cargo xtask demo [FIXTURE] [ARGS]    build a fixture repository in a temp dir and run `release plan` on it
  cargo xtask fixture NAME DIR         build a fixture repository into DIR
  cargo xtask codegen [--check]        regenerate docs/release.schema.json
  cargo xtask bench plan [--packages N] [--commits N] [--tags N] [--range-commits N] [--dir DIR]
                                       time `release plan` against `git log` on a synthetic monorepo
  cargo xtask bench growth [--large] [--sizes C:P,...] [--runs N] [--dir DIR]
                                       time and memory per commit of `release plan` from 10,000 to 50,000 (500,000) commits
  cargo xtask bench apply [--packages N] [--sections N] [--runs N] [--dir DIR]
                                       time applying a plan (manifests, lock files, changelogs) in DIR (default: temp dir)
  cargo xtask cross-check [TARGET...]  `cargo check` the release CLI for other platforms (default: macOS x86_64 and arm64, Windows)
  cargo xtask github-openapi [--version V]
                                       extract the GitHub operations the fake serves into fixtures/github/openapi.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("release") => release_cli::main(std::iter::once("release".to_string()).chain(args[1..].iter().cloned())),
        _ => match run(&args) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(2)
            }
        },
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    match args.first().map(String::as_str) {
        Some("demo") => {
            let name = args.get(1).map_or("seeds-monorepo", String::as_str);
            let fixture = Fixture::load(name).with_context(|| format!("loading fixture `{name}`"))?;
            let dir = tempfile_dir()?;
            fixture.build(&dir)?;
            eprintln!("# {}\n# built in {}\n", fixture.description, dir.display());
            let mut release_args = vec!["release".to_string(), "-C".into(), dir.display().to_string(), "plan".into()];
            release_args.extend(args.iter().skip(2).cloned());
            Ok(release_cli::main(release_args))
        }
        Some("fixture") => {
            let (Some(name), Some(dir)) = (args.get(1), args.get(2)) else { bail!("{USAGE}") };
            let dir = PathBuf::from(dir);
            if dir.exists() && dir.read_dir()?.next().is_some() {
                bail!("`{}` is not empty (hint: pass a new folder)", dir.display());
            }
            Fixture::load(name)?.build(&dir)?;
            println!("{}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Some("codegen") => {
            let path = workspace_root().join("docs/release.schema.json");
            let schema = release_config::json_schema();
            let current = fs_err::read_to_string(&path).unwrap_or_default();
            if args.get(1).map(String::as_str) == Some("--check") {
                if current != schema {
                    bail!("docs/release.schema.json is out of date (hint: run `cargo xtask codegen`)");
                }
            } else if current != schema {
                fs_err::write(&path, schema)?;
                eprintln!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("cross-check") => cross_check(&args[1..]),
        Some("github-openapi") => {
            github_openapi::run(&args[1..], &workspace_root())?;
            Ok(ExitCode::SUCCESS)
        }
        Some("bench") if args.get(1).map(String::as_str) == Some("apply") => {
            bench_apply::run(&args[2..])?;
            Ok(ExitCode::SUCCESS)
        }
        Some("bench") => {
            bench::run(&args[1..])?;
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{USAGE}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `cargo check -p release-cli` for targets other than this machine's, so code for one platform
/// (`syncfs` is Linux-only, for one) cannot break `cargo install` on another. Type-checking needs
/// no linker, but build scripts compile C (libgit2, ring): a stand-in compiler creates their empty
/// object files, which a check never links.
fn cross_check(targets: &[String]) -> Result<ExitCode> {
    let defaults = ["x86_64-apple-darwin", "aarch64-apple-darwin", "x86_64-pc-windows-gnu"].map(String::from);
    let targets = if targets.is_empty() { &defaults[..] } else { targets };
    // A fixed path: build scripts rerun when the compiler variable changes.
    let stand_in = workspace_root().join("target/xtask-stand-in-cc");
    fs_err::create_dir_all(workspace_root().join("target"))?;
    fs_err::write(
        &stand_in,
        "#!/bin/sh\n# Creates the object file a C compiler would (-o FILE or -FoFILE), compiles nothing.\n\
         while [ $# -gt 0 ]; do case \"$1\" in -o) : > \"$2\"; shift 2;; -o*) : > \"${1#-o}\"; shift;; -Fo*) : > \"${1#-Fo}\"; shift;; *) shift;; esac; done\n",
    )?;
    #[cfg(unix)]
    fs_err::set_permissions(&stand_in, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let mut failed = Vec::new();
    for target in targets {
        eprintln!("cross-check: {target}");
        let variable = format!("CC_{}", target.replace('-', "_"));
        let status = cargo()
            .args(["check", "--locked", "-p", "release-cli", "--target", target])
            .env(&variable, &stand_in)
            .current_dir(workspace_root())
            .status()
            .context("running cargo")?;
        if !status.success() {
            failed.push(target.clone());
        }
    }
    if !failed.is_empty() {
        bail!(
            "the release CLI does not type-check for {} (hint: the standard library of a target comes with `rustup target add TARGET`)",
            failed.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A `cargo` command without the variables `cargo run` set for xtask itself.
///
/// Build scripts (ring's, through cc) watch `CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME` and their
/// kin with `rerun-if-env-changed`; inherited from xtask they differ from a plain
/// `cargo build`, and every nested build would recompile those crates and all that depends on them.
fn cargo() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(name, "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE")
        {
            command.env_remove(name);
        }
    }
    command
}

/// A fresh folder under the system temp dir, kept after the run so the user can look at it.
fn tempfile_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for attempt in 0..1000u32 {
        let dir = base.join(format!("release-demo-{}-{attempt}", std::process::id()));
        if fs_err::create_dir(&dir).is_ok() {
            return Ok(dir);
        }
    }
    bail!("could not create a folder under {}", base.display())
}
