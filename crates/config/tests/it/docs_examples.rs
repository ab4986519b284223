//! Every ```toml example in README.md and docs/*.md is a release.toml that loads.
//!
//! The example in docs/promotion.md once failed when pasted (`[environments.prod]` had no
//! `deploy`). A block that is deliberately part of a file (keys that belong under a table shown
//! elsewhere) is fenced as ```toml fragment: it must still be valid TOML.

use std::path::{Path, PathBuf};

use release_config::Config;

struct Block {
    /// `docs/promotion.md:11`, the line of the opening fence.
    place: String,
    fragment: bool,
    text: String,
}

/// The fenced blocks whose info string starts with `toml`.
fn toml_blocks(place: &str, markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(Block, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            Some((block, fence)) => {
                if trimmed.starts_with(fence.as_str()) && trimmed.trim_start_matches('`').trim().is_empty() {
                    blocks.push(open.take().unwrap().0);
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                }
            }
            None => {
                let ticks = trimmed.bytes().take_while(|byte| *byte == b'`').count();
                if ticks < 3 {
                    continue;
                }
                let mut info = trimmed[ticks..].split_whitespace();
                let block = Block { place: format!("{place}:{}", index + 1), fragment: false, text: String::new() };
                let fence = "`".repeat(ticks);
                match info.next() {
                    Some("toml") => {
                        let fragment = info.next() == Some("fragment");
                        open = Some((Block { fragment, ..block }, fence));
                    }
                    // Another language: skip its body, it may hold fences of its own text.
                    _ => open = Some((Block { place: String::new(), ..block }, fence)),
                }
            }
        }
    }
    assert!(open.is_none(), "{place}: a fenced block is not closed");
    blocks.retain(|block| !block.place.is_empty());
    blocks
}

fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = fs_err::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
}

#[test]
fn every_toml_example_in_the_docs_loads() {
    let mut failures = Vec::new();
    let (mut checked, mut fences) = (0, 0);
    for path in documents() {
        let name = path.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap();
        let name = name.display().to_string();
        let markdown = fs_err::read_to_string(&path).unwrap();
        fences += markdown.lines().filter(|line| line.trim_start().starts_with("```toml")).count();
        for block in toml_blocks(&name, &markdown) {
            checked += 1;
            let result = if block.fragment {
                block.text.parse::<toml_edit::DocumentMut>().map(drop).map_err(|error| error.to_string())
            } else {
                Config::parse(Path::new("release.toml"), &block.text).map(drop).map_err(|error| error.to_string())
            };
            if let Err(error) = result {
                let kind = if block.fragment { "fragment (TOML only)" } else { "release.toml" };
                failures.push(format!("{} ({kind}): {error}\n{}", block.place, block.text));
            }
        }
    }
    assert!(checked > 0 && checked == fences, "{checked} toml blocks read of {fences}: is the extraction broken?");
    assert!(failures.is_empty(), "examples that do not load:\n\n{}", failures.join("\n"));
}

#[test]
fn blocks_are_found_with_their_line_and_kind() {
    let markdown = "# t\n\n```toml\na = 1\n```\n\n```sh\n```toml\n```\n\n````toml fragment\nb = 2\n````\n";
    let blocks = toml_blocks("x.md", markdown);
    let found: Vec<(&str, bool, &str)> =
        blocks.iter().map(|block| (block.place.as_str(), block.fragment, block.text.as_str())).collect();
    assert_eq!(found, [("x.md:3", false, "a = 1\n"), ("x.md:11", true, "b = 2\n")]);
}
