//! The boundaries ARCHITECTURE.md states, checked on every `cargo test`: read from the crates'
//! Cargo.toml files and sources as text (no `cargo metadata`, no network), so a change that
//! breaks one fails here with the crate and the line that broke it.

use std::path::{Path, PathBuf};

/// Crates that are never shipped: test fixtures and fakes, and the developer tasks.
const DEV_TOOLS: &[&str] = &["test-support", "xtask"];

/// HTTP clients and servers.
const HTTP: &[&str] = &["ureq", "octocrab", "hyper", "hyper-util", "reqwest", "tiny_http", "isahc", "attohttpc"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Every workspace crate: its folder name (`git`, `xtask`) and folder.
fn crates() -> Vec<(String, PathBuf)> {
    let mut crates: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), path))
        .collect();
    crates.push(("xtask".into(), root().join("xtask")));
    crates.sort();
    assert!(crates.len() > 10, "found the crates: {crates:?}");
    crates
}

/// The names a crate depends on to build and run (`[dependencies]`, also per target), not its
/// dev-dependencies; a renamed dependency counts under its package name.
fn dependencies(folder: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(folder.join("Cargo.toml")).unwrap();
    let manifest: toml_edit::DocumentMut = text.parse().unwrap();
    let mut tables: Vec<&dyn toml_edit::TableLike> = Vec::new();
    if let Some(table) = manifest.get("dependencies").and_then(|item| item.as_table_like()) {
        tables.push(table);
    }
    if let Some(targets) = manifest.get("target").and_then(|item| item.as_table_like()) {
        for (_, target) in targets.iter() {
            if let Some(table) = target.get("dependencies").and_then(|item| item.as_table_like()) {
                tables.push(table);
            }
        }
    }
    let mut names = Vec::new();
    for table in tables {
        for (key, value) in table.iter() {
            let package = value.get("package").and_then(|package| package.as_str()).unwrap_or(key);
            names.push(package.to_string());
        }
    }
    names
}

/// `crates/<name>/src/**/*.rs` without the tests: `tests.rs` files and what follows the first
/// `#[cfg(test)]` of a file (test modules stand at the end), as (path, line number, line).
fn source_lines(folder: &Path) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut stack = vec![folder.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "rs") || path.ends_with("tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let shown = path.strip_prefix(root()).unwrap().display().to_string();
            for (index, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("#[cfg(test)]") {
                    break;
                }
                if code.starts_with("//") {
                    continue;
                }
                out.push((shown.clone(), index + 1, line.to_string()));
            }
        }
    }
    out
}

#[test]
fn only_crates_git_depends_on_git2() {
    let offenders: Vec<String> = crates()
        .into_iter()
        .filter(|(name, _)| name != "git" && !DEV_TOOLS.contains(&name.as_str()))
        .filter(|(_, folder)| dependencies(folder).iter().any(|dependency| dependency == "git2"))
        .map(|(name, _)| name)
        .collect();
    assert!(offenders.is_empty(), "only crates/git may depend on git2; found in {offenders:?}");
}

#[test]
fn only_forge_verify_and_notify_depend_on_an_http_client() {
    let mut offenders = Vec::new();
    for (name, folder) in crates() {
        if ["forge", "verify", "notify"].contains(&name.as_str()) || DEV_TOOLS.contains(&name.as_str()) {
            continue;
        }
        for dependency in dependencies(&folder) {
            if HTTP.contains(&dependency.as_str()) {
                offenders.push(format!("{name} -> {dependency}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "only crates/forge, crates/verify and crates/notify may talk HTTP; found {offenders:?}"
    );
}

#[test]
fn dev_tools_are_never_shipped() {
    let offenders: Vec<String> = crates()
        .into_iter()
        .filter(|(name, _)| !DEV_TOOLS.contains(&name.as_str()))
        .flat_map(|(name, folder)| {
            dependencies(&folder)
                .into_iter()
                .filter(|dependency| dependency == "release-test-support" || dependency == "xtask")
                .map(move |dependency| format!("{name} -> {dependency}"))
        })
        .collect();
    assert!(offenders.is_empty(), "test-support and xtask are dev-dependencies only; found {offenders:?}");
}

/// Libraries return errors and data; only the CLI prints. The one exception is the crash point
/// of `release cut`'s tests (`RELEASE_FAULT`, debug builds only), which says why it aborts.
#[test]
fn library_crates_never_print() {
    let allowed = |path: &str, line: &str| {
        path == "crates/cut/src/lib.rs" && line.contains("eprintln!(\"release: fault injected after")
    };
    let mut offenders = Vec::new();
    for (name, folder) in crates() {
        if name == "cli" || DEV_TOOLS.contains(&name.as_str()) {
            continue;
        }
        for (path, number, line) in source_lines(&folder) {
            let prints =
                ["println!", "eprintln!", "print!", "eprint!", "dbg!"].iter().any(|macro_| line.contains(macro_));
            if prints && !allowed(&path, &line) {
                offenders.push(format!("{path}:{number}: {}", line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "library crates never print:\n{}", offenders.join("\n"));
}

/// Only crates/git touches git: no other shipped crate runs the `git` binary.
#[test]
fn only_crates_git_runs_git() {
    let mut offenders = Vec::new();
    for (name, folder) in crates() {
        if name == "git" || DEV_TOOLS.contains(&name.as_str()) {
            continue;
        }
        for (path, number, line) in source_lines(&folder) {
            if line.contains("Command::new(\"git\")") {
                offenders.push(format!("{path}:{number}: {}", line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "only crates/git runs git:\n{}", offenders.join("\n"));
}

/// git2's ids never leave crates/git: its public items speak `CommitId` (crates/commit-id), so
/// the pure crates and the ledger hold commit ids without git2. A `pub` line (a function, a
/// field, a re-export) naming `Oid` is one that lets them out.
#[test]
fn git2_ids_never_leave_crates_git() {
    let offenders: Vec<String> = source_lines(&root().join("crates/git"))
        .into_iter()
        .filter(|(_, _, line)| {
            let code = line.trim_start();
            code.starts_with("pub ") && (code.contains("Oid") || code.contains("git2::"))
        })
        .map(|(path, number, line)| format!("{path}:{number}: {}", line.trim()))
        .collect();
    assert!(
        offenders.is_empty(),
        "crates/git's public items speak CommitId, not git2's ids:\n{}",
        offenders.join("\n")
    );
}

/// The checks above read what they should: they see the dependencies and lines they rule on.
#[test]
fn the_checks_see_what_they_rule_on() {
    let folder = |name: &str| root().join("crates").join(name);
    assert!(dependencies(&folder("git")).contains(&"git2".to_string()));
    assert!(dependencies(&folder("git")).contains(&"rustix".to_string()), "a per-target dependency");
    assert!(dependencies(&folder("verify")).contains(&"ureq".to_string()));
    assert!(!dependencies(&folder("cli")).contains(&"git2".to_string()), "a dev-dependency does not count");
    let cut = source_lines(&folder("cut"));
    assert!(cut.iter().any(|(_, _, line)| line.contains("eprintln!")), "the allowed crash point is seen");
    let git = source_lines(&folder("git"));
    assert!(git.iter().any(|(_, _, line)| line.contains("Command::new(\"git\")")), "crates/git runs git");
    assert!(
        git.iter().any(|(_, _, line)| line.trim_start().starts_with("pub(crate) fn oid(")),
        "the conversion to git2's ids is seen, and is crate-private"
    );
}
