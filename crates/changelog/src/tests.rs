use release_plan::{Bump, CommitEntry};
use semver::Version;

use super::*;

fn commit(
    sha: &str,
    kind: &str,
    scope: Option<&str>,
    summary: &str,
    breaking: Option<&str>,
    pr: Option<u64>,
) -> CommitEntry {
    CommitEntry {
        sha: sha.repeat(40 / sha.len()).parse().unwrap(),
        kind: Some(kind.to_string()),
        scope: scope.map(str::to_string),
        breaking: breaking.is_some(),
        summary: summary.to_string(),
        pr,
        bump: Bump::Patch,
        breaking_description: breaking.map(str::to_string),
    }
}

fn commits() -> Vec<CommitEntry> {
    vec![
        commit("a", "feat", Some("api"), "add /health", None, Some(12)),
        commit("b", "fix", None, "ping @alice about <b>bold</b> | pipes", None, None),
        commit("c", "refactor", None, "rename things", Some("`run` is now `start`"), Some(7)),
        commit("d", "chore", None, "tidy", None, None),
        commit("e", "perf", Some("db"), "cache lookups", None, None),
    ]
}

#[test]
fn a_section_groups_commits_with_links() {
    let links = Links::from_remote("git@github.com:acme/shop.git").unwrap();
    let commits = commits();
    let release = Release {
        version: v("1.3.0"),
        date: "2025-02-03",
        previous_tag: Some("api-v1.2.0"),
        tag: "api-v1.3.0",
        commits: &commits,
        changes: &[],
        dependencies: &[],
        links: Some(&links),
    };
    let section = Renderer::default_templates().section(&release).unwrap();
    assert_eq!(
        section,
        "## [1.3.0](https://github.com/acme/shop/compare/api-v1.2.0...api-v1.3.0) - 2025-02-03

### Breaking changes

- rename things ([ccccccc](https://github.com/acme/shop/commit/cccccccccccccccccccccccccccccccccccccccc)) ([#7](https://github.com/acme/shop/pull/7))

  `run` is now `start`

### Features

- **api:** add /health ([aaaaaaa](https://github.com/acme/shop/commit/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)) ([#12](https://github.com/acme/shop/pull/12))

### Bug fixes

- ping @\u{2060}alice about &lt;b&gt;bold&lt;/b&gt; \\| pipes ([bbbbbbb](https://github.com/acme/shop/commit/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb))

### Performance

- **db:** cache lookups ([eeeeeee](https://github.com/acme/shop/commit/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee))
"
    );
    let notes = Renderer::default_templates().release_notes(&release).unwrap();
    assert!(notes.starts_with("### Breaking changes\n"), "{notes}");
    assert!(
        notes.ends_with("**Full changelog:** https://github.com/acme/shop/compare/api-v1.2.0...api-v1.3.0\n"),
        "{notes}"
    );
}

#[test]
fn without_a_remote_or_notable_commits() {
    let commits = vec![commit("d", "chore", None, "tidy", None, None)];
    let release = Release {
        version: v("0.1.1"),
        date: "2025-02-03",
        previous_tag: None,
        tag: "v0.1.1",
        commits: &commits,
        changes: &[],
        dependencies: &[],
        links: None,
    };
    assert_eq!(
        Renderer::default_templates().section(&release).unwrap(),
        "## 0.1.1 - 2025-02-03\n\nNo notable changes.\n"
    );
}

#[test]
fn dependency_updates_get_a_section() {
    let dependencies = [("core".to_string(), v("0.6.0").clone())];
    let release = Release {
        version: v("0.6.0"),
        date: "2025-02-03",
        previous_tag: None,
        tag: "cli-v0.6.0",
        commits: &[],
        changes: &[],
        dependencies: &dependencies,
        links: None,
    };
    assert_eq!(
        Renderer::default_templates().section(&release).unwrap(),
        "## 0.6.0 - 2025-02-03\n\n### Dependencies\n\n- `core` 0.6.0\n"
    );
}

#[test]
fn template_errors_name_the_template_and_line() {
    let notes = || Template::builtin("release-notes.md.j2", RELEASE_NOTES_TEMPLATE);
    let configured = |source: &str| Template::configured("release/changelog.md.j2", source.to_string());
    let error = Renderer::new(configured("## {{ version }}\n{{ nope }}\n"), notes(), Groups::default())
        .unwrap()
        .section(&Release {
            version: v("1.0.0"),
            date: "d",
            previous_tag: None,
            tag: "v1.0.0",
            commits: &[],
            changes: &[],
            dependencies: &[],
            links: None,
        })
        .err()
        .unwrap()
        .to_string();
    assert!(error.starts_with("template `release/changelog.md.j2` line 2: undefined value"), "{error}");
    let error = Renderer::new(configured("{% for x in %}"), notes(), Groups::default()).err().unwrap().to_string();
    assert!(error.starts_with("template `release/changelog.md.j2` line 1: syntax error"), "{error}");
}

const SECTION_2: &str = "## 2.0.0 - 2025-03-01\n\n### Features\n\n- new (aaaaaaa)\n";
const SECTION_2_AGAIN: &str = "## 2.0.0 - 2025-03-02\n\n### Features\n\n- new (aaaaaaa)\n- newer (bbbbbbb)\n";
/// SECTION_2 as `upsert` writes it: marked as generated on the line after its heading.
const MARKED_2: &str = "## 2.0.0 - 2025-03-01\n<!-- release: generated -->\n\n### Features\n\n- new (aaaaaaa)\n";

fn write(existing: Option<&str>, section: &str) -> String {
    upsert(existing, "CHANGELOG.md", &Version::new(2, 0, 0), section).unwrap()
}

#[test]
fn new_changelogs_get_a_header() {
    assert_eq!(write(None, SECTION_2), format!("{HEADER}\n{MARKED_2}"));
}

#[test]
fn sections_go_before_the_newest_and_replace_their_own_version() {
    let existing = "# Changelog\n\nWritten by hand.\n\n## Notes\n\nKeep me.\n\n## [1.0.0] - 2025-01-01\n\n- first\n";
    let once = write(Some(existing), SECTION_2);
    assert_eq!(
        once,
        format!(
            "# Changelog\n\nWritten by hand.\n\n## Notes\n\nKeep me.\n\n{MARKED_2}\n## [1.0.0] - 2025-01-01\n\n- first\n"
        )
    );
    let twice = write(Some(&once), SECTION_2);
    assert_eq!(once, twice, "the same section again changes nothing");
    let updated = write(Some(&once), SECTION_2_AGAIN);
    assert_eq!(updated.matches("## 2.0.0").count(), 1);
    assert!(updated.contains("## 2.0.0 - 2025-03-02\n<!-- release: generated -->\n"), "{updated}");
    assert!(updated.contains("- newer (bbbbbbb)\n\n## [1.0.0]"), "{updated}");
    assert!(updated.starts_with("# Changelog\n\nWritten by hand.\n\n## Notes\n\nKeep me.\n\n"));
}

#[test]
fn crlf_files_stay_crlf_and_files_without_sections_get_one_at_the_end() {
    let existing = "# Changelog\r\n\r\nHand text.";
    let text = write(Some(existing), SECTION_2);
    assert_eq!(text, format!("# Changelog\r\n\r\nHand text.\r\n\r\n{}", MARKED_2.replace('\n', "\r\n")));
    assert_eq!(write(Some(&text), SECTION_2), text);
}

#[test]
fn malformed_version_headers_stop_everything() {
    let existing = "# Changelog\n\n## [Unreleased]\n\n## 1.2 - 2024-01-01\n";
    let error = upsert(Some(existing), "apps/api/CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap_err();
    assert_eq!(
        error.to_string(),
        "apps/api/CHANGELOG.md:5: malformed changelog section header `## 1.2 - 2024-01-01`: expected `## [x.y.z]` or `## x.y.z` followed by anything (hint: fix the header by hand; nothing was changed)"
    );
}

/// Regression: a section for the version being released that `release` did not write (notes
/// prepared by hand, or by another tool) used to be replaced by the generated one, and lost.
#[test]
fn a_hand_written_section_of_the_same_version_is_merged_never_replaced() {
    let existing = "# Changelog\n\n## 2.0.0 - The big one\n\nRead the **migration guide** first.  \n\n- hand entry\n\n## 1.0.0\n\n- first\n";
    let once = write(Some(existing), SECTION_2);
    assert_eq!(
        once,
        "# Changelog\n\n## 2.0.0 - The big one\n\nRead the **migration guide** first.  \n\n- hand entry\n\n<!-- release: generated -->\n\n### Features\n\n- new (aaaaaaa)\n\n## 1.0.0\n\n- first\n"
    );
    assert_eq!(write(Some(&once), SECTION_2), once, "idempotent");
    // A later run with more commits replaces only what follows the marker.
    let updated = write(Some(&once), SECTION_2_AGAIN);
    assert!(updated.starts_with("# Changelog\n\n## 2.0.0 - The big one\n\nRead the **migration guide** first.  \n\n- hand entry\n\n<!-- release: generated -->\n\n### Features\n\n- new (aaaaaaa)\n- newer (bbbbbbb)\n\n## 1.0.0"), "{updated}");
    assert_eq!(updated.matches(MARKER).count(), 1);
}

#[test]
fn a_changelog_may_start_with_a_section_and_use_crlf() {
    // A hand-written 2.0.0 section (no marker): merged, its bytes kept, CRLF kept.
    let existing = "## [2.0.0] - 2025-01-01\r\n\r\n- old\r\n\r\n## 1.0.0\r\n\r\n- first\r\n";
    let text = write(Some(existing), SECTION_2);
    assert_eq!(
        text,
        "## [2.0.0] - 2025-01-01\r\n\r\n- old\r\n\r\n<!-- release: generated -->\r\n\r\n### Features\r\n\r\n- new (aaaaaaa)\r\n\r\n## 1.0.0\r\n\r\n- first\r\n"
    );
    assert_eq!(write(Some(&text), SECTION_2), text);
    let error = upsert(Some("## 1.2\r\n"), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap_err();
    assert!(error.to_string().starts_with("CHANGELOG.md:1: malformed changelog section header `## 1.2`"), "{error}");
}

#[test]
fn unreleased_notes_move_into_the_new_version_and_the_heading_stays() {
    let check = |unreleased: &str| {
        let existing = format!("# Changelog\n\n{unreleased}\n\n### Added\n\n- a hand note\n\n## 1.0.0\n\n- first\n");
        let once = write(Some(&existing), SECTION_2);
        assert_eq!(
            once,
            format!(
                "# Changelog\n\n{unreleased}\n\n## 2.0.0 - 2025-03-01\n\n### Added\n\n- a hand note\n\n<!-- release: generated -->\n\n### Features\n\n- new (aaaaaaa)\n\n## 1.0.0\n\n- first\n"
            ),
            "{unreleased}"
        );
        assert_eq!(write(Some(&once), SECTION_2), once, "idempotent: {unreleased}");
    };
    for heading in
        ["## [Unreleased]", "## Unreleased", "## unreleased", "## [UNRELEASED](https://x.test/compare/v1.0.0...HEAD)"]
    {
        check(heading);
    }
    // At the end of the file, with nothing released before.
    let once = write(Some("# Changelog\n\n## [Unreleased]\n\n- soon\n"), SECTION_2);
    assert_eq!(
        once,
        "# Changelog\n\n## [Unreleased]\n\n## 2.0.0 - 2025-03-01\n\n- soon\n\n<!-- release: generated -->\n\n### Features\n\n- new (aaaaaaa)\n"
    );
    assert_eq!(write(Some(&once), SECTION_2), once);
    // An empty Unreleased section stays as it is, and notes join a hand-written section too.
    let empty = "## [Unreleased]\n\n## 1.0.0\n";
    assert_eq!(write(Some(empty), SECTION_2), format!("## [Unreleased]\n\n{MARKED_2}\n## 1.0.0\n"));
    let both = write(Some("## [Unreleased]\n\n- late\n\n## 2.0.0\n\n- early\n"), SECTION_2);
    assert_eq!(
        both,
        "## [Unreleased]\n\n## 2.0.0\n\n- early\n\n- late\n\n<!-- release: generated -->\n\n### Features\n\n- new (aaaaaaa)\n"
    );
}

/// Regression: ``add `git_only` config option`` came out as ``add \`git\_only\` config option``.
/// Inline Markdown stays; what opens a block, injects HTML, embeds an image or pings goes.
#[test]
fn commit_markdown_is_kept_where_harmless() {
    let check = |input: &str, expected: &str| assert_eq!(escape_markdown(input), expected, "{input:?}");
    check("add `git_only` config option", "add `git_only` config option");
    check("*emphasis* and _more_ and **strong**", "*emphasis* and _more_ and **strong**");
    check("see [the docs](https://example.test/a_b)", "see [the docs](https://example.test/a_b)");
    check("`Vec<u8> @x` in a span", "`Vec<u8> @x` in a span");
    check("``a ` b`` double", "``a ` b`` double");
    check("unclosed `tick <i>", "unclosed `tick &lt;i&gt;");
    check("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;");
    check("thanks @alice & @org/team", "thanks @\u{2060}alice &amp; @\u{2060}org/team");
    check("![pixel](https://t.test/p.gif)", "!\\[pixel](https://t.test/p.gif)");
    check("# heading", "\\# heading");
    check("> quote", "&gt; quote");
    check("- item", "\\- item");
    check("1. first", "\\1. first");
    check("```rust", "\\```rust");
    check("a | b", "a \\| b");
    check("`a|b`", "`a\\|b`");
    check("line\nbreak\r\n# not a heading", "line break  # not a heading");
    check("fix #12", "fix #12");
}

#[test]
fn markdown_and_controls_are_neutralised() {
    let text = "a\u{1b}[2K\u{1b}[1Ab\u{1b}]0;title\u{7}\u{9b}c\u{202e}d\u{2066}e\tf\r\ng\rh\0";
    assert_eq!(
        neutralize_controls(text),
        "a\\u{1b}[2K\\u{1b}[1Ab\\u{1b}]0;title\\u{7}\\u{9b}c\\u{202e}d\\u{2066}e\tf\ng\\u{d}h\\u{0}"
    );
    let escaped = escape_markdown(text);
    assert!(!escaped.chars().any(is_control), "{escaped:?}");
    assert!(escaped.starts_with("a\\u{1b}[2K"), "{escaped}");
    assert_eq!(neutralize_controls("ünïcode → fine\n"), "ünïcode → fine\n");
}

#[test]
fn commit_text_with_terminal_controls_is_escaped_in_sections_and_notes() {
    let commits = vec![commit(
        "a",
        "feat",
        Some("x\u{1b}[31m"),
        "title\u{1b}]0;pwned\u{7} \u{202e}txt.exe",
        Some("gone\u{1b}[2K"),
        None,
    )];
    let release = Release {
        version: v("1.0.0"),
        date: "2025-02-03",
        previous_tag: None,
        tag: "v1.0.0",
        commits: &commits,
        changes: &[],
        dependencies: &[],
        links: None,
    };
    let renderer = Renderer::default_templates();
    for text in [renderer.section(&release).unwrap(), renderer.release_notes(&release).unwrap()] {
        assert!(!text.chars().any(is_control), "{text:?}");
        assert!(text.contains("title\\u{1b}]0;pwned\\u{7} \\u{202e}txt.exe"), "{text}");
    }
    // A template that prints a value raw is caught too.
    let raw = Renderer::new(
        Template::configured("raw.j2", "{{ version }}\u{1b}[2K\n".into()),
        Template::builtin("release-notes.md.j2", RELEASE_NOTES_TEMPLATE),
        Groups::default(),
    )
    .unwrap();
    assert_eq!(raw.section(&release).unwrap(), "1.0.0\\u{1b}[2K\n");
}

fn many_commits(count: usize) -> Vec<CommitEntry> {
    (0..count)
        .map(|index| {
            let kind = ["feat", "fix", "perf", "chore"][index % 4];
            let mut entry =
                commit("a", kind, Some("api"), &format!("change number {index} with `code`"), None, Some(index as u64));
            entry.sha = format!("{index:040x}").parse().unwrap();
            entry
        })
        .collect()
}

/// Regression: a template from the repository with nested loops hung `release cut` and
/// `release plan --format markdown`; every rendering now has a bounded amount of fuel.
#[test]
fn a_template_that_loops_forever_runs_out_of_fuel_with_its_configured_name() {
    let looping = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}";
    let error = configured_section(".release/changelog.md.j2", looping).unwrap_err();
    assert!(matches!(error, ChangelogError::OutOfFuel { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with(
            "the template `.release/changelog.md.j2` ran out of fuel: it ran more than 10000000 instructions"
        ),
        "{error}"
    );
}

/// A changelog section of release 1.0.0, with no commits, from a configured template.
fn configured_section(name: &str, source: &str) -> Result<String, ChangelogError> {
    let renderer = Renderer::new(
        Template::configured(name, source.into()),
        Template::builtin("release-notes.md.j2", RELEASE_NOTES_TEMPLATE),
        Groups::default(),
    )
    .unwrap();
    renderer.section(&Release {
        version: v("1.0.0"),
        date: "2025-02-03",
        previous_tag: None,
        tag: "v1.0.0",
        commits: &[],
        changes: &[],
        dependencies: &[],
        links: None,
    })
}

/// The fuel is generous: the built-in templates render 20,000 commits (four times a large real
/// release) well within it.
#[test]
fn the_built_in_templates_render_twenty_thousand_commits() {
    let links = Links::from_remote("git@github.com:acme/shop.git").unwrap();
    let commits = many_commits(20_000);
    let release = Release {
        version: v("2.0.0"),
        date: "2025-02-03",
        previous_tag: Some("v1.0.0"),
        tag: "v2.0.0",
        commits: &commits,
        changes: &[],
        dependencies: &[],
        links: Some(&links),
    };
    let renderer = Renderer::default_templates();
    let section = renderer.section(&release).unwrap();
    assert_eq!(section.matches("\n- **api:** change number").count(), 15_000);
    renderer.release_notes(&release).unwrap();
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever the loop bounds (up to `range()`'s own limit of 100,000, nested up to four
        /// deep: 10^20 iterations), a rendering ends: with the text, or out of fuel. The fuel is
        /// lowered here so each case takes milliseconds; the real limit is the same mechanism.
        #[test]
        fn templates_with_any_loop_bounds_always_end(
            bounds in proptest::collection::vec(0i64..=100_000, 1..=4),
            body in prop_oneof![Just(""), Just("{{ a0 }}"), Just("{{ version }}{% if a0 > 3 %}x{% endif %}")],
        ) {
            let mut template = String::new();
            for (depth, bound) in bounds.iter().enumerate() {
                template.push_str(&format!("{{% for a{depth} in range({bound}) %}}"));
            }
            template.push_str(body);
            for _ in &bounds {
                template.push_str("{% endfor %}");
            }
            let mut renderer = Renderer::new(
                Template::configured("loop.j2", template.clone()),
                Template::builtin("release-notes.md.j2", RELEASE_NOTES_TEMPLATE),
                Groups::default(),
            )
            .unwrap();
            renderer.environment.set_fuel(Some(100_000));
            let release = Release {
                version: v("1.0.0"),
                date: "2025-02-03",
                previous_tag: None,
                tag: "v1.0.0",
                commits: &[],
                changes: &[],
                dependencies: &[],
                links: None,
            };
            let iterations = bounds.iter().try_fold(1i64, |product, bound| product.checked_mul(*bound));
            match renderer.section(&release) {
                Ok(_) => prop_assert!(iterations.is_some_and(|count| count < 100_000), "{}", template),
                Err(ChangelogError::OutOfFuel { name, .. }) => {
                    prop_assert_eq!(name, "loop.j2");
                    prop_assert!(iterations.is_none_or(|count| count > 1_000), "{}", template);
                }
                Err(other) => prop_assert!(false, "{template}: {other}"),
            }
        }
    }
}

/// Fuel bounds the instructions, not what one makes: 30 times `"x" * 100000000` aborted the
/// process for want of 3.2 GB. Output past 16 MB stops the rendering with an error.
#[test]
fn a_template_that_writes_without_end_is_stopped_with_its_name() {
    let huge = "{% for i in range(30) %}{{ \"x\" * 5000000 }}{% endfor %}";
    let error = configured_section(".release/notes.md.j2", huge).unwrap_err();
    assert!(matches!(error, ChangelogError::TooLarge { .. }), "{error:?}");
    assert!(error.to_string().starts_with("the template `.release/notes.md.j2` wrote more than 16 MB"), "{error}");
}

#[test]
fn change_files_land_in_the_section_of_their_bump_or_tag() {
    let change = |bump, tag: Option<&str>, summary: &str| release_plan::ChangeEntry {
        path: ".changeset/x.md".into(),
        bump,
        tag: tag.map(str::to_string),
        summary: summary.into(),
    };
    let changes = vec![
        change(Bump::Major, None, "Drop Node 16"),
        change(Bump::Minor, None, "Add `--json`"),
        change(Bump::Patch, Some("perf"), "Faster startup"),
        change(Bump::Patch, None, "Fix the footer\n\nIt overlapped the content."),
    ];
    let commits = vec![commit("a", "feat", None, "a commit", None, None)];
    let release = Release {
        version: v("1.0.0"),
        date: "2025-02-03",
        previous_tag: None,
        tag: "v1.0.0",
        commits: &commits,
        changes: &changes,
        dependencies: &[],
        links: None,
    };
    assert_eq!(
        Renderer::default_templates().section(&release).unwrap(),
        "## 1.0.0 - 2025-02-03\n\n### Breaking changes\n\n- Drop Node 16\n\n### Features\n\n- a commit (aaaaaaa)\n- Add `--json`\n\n### Bug fixes\n\n- Fix the footer\n\n  It overlapped the content.\n\n### Performance\n\n- Faster startup\n"
    );
}

#[test]
fn the_style_follows_the_file() {
    let check = |text: Option<&str>, expected: Style| assert_eq!(Style::detect(text), expected, "{text:?}");
    check(None, Style::Conventional);
    check(Some("# Changelog\n\n## 1.0.0 - 2025-01-01\n\n### Features\n\n- x\n"), Style::Conventional);
    check(Some("# Changelog\n\n## [1.0.0] - 2025-01-01\n\n### Added\n\n- x\n"), Style::KeepAChangelog);
    check(
        Some("The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).\n"),
        Style::KeepAChangelog,
    );
}

const KEEP_A_CHANGELOG: &str = "# Changelog

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

## [Unreleased]

- A note written by hand.

## [1.0.0] - 2025-01-01

### Added

- First release.

[unreleased]: https://github.com/acme/shop/compare/v1.0.0...HEAD
[1.0.0]: https://github.com/acme/shop/releases/tag/v1.0.0
";

/// A Keep a Changelog file gets its new section in its own style: a bracketed heading, Added /
/// Changed / Fixed, the Unreleased notes moved in, and the compare links at the bottom.
#[test]
fn a_keep_a_changelog_file_gets_sections_and_links_in_its_style() {
    let links = Links::from_remote("git@github.com:acme/shop.git").unwrap();
    let commits = vec![
        commit("a", "feat", Some("api"), "add `/health`", None, None),
        commit("b", "fix", None, "fix the footer", None, Some(3)),
        commit("c", "refactor", None, "rename things", Some("`run` is now `start`"), None),
        commit("e", "perf", None, "cache lookups", None, None),
    ];
    let release = Release {
        version: v("1.1.0"),
        date: "2025-02-03",
        previous_tag: Some("v1.0.0"),
        tag: "v1.1.0",
        commits: &commits,
        changes: &[],
        dependencies: &[],
        links: None,
    };
    let renderer = Renderer::default_templates();
    let version = Version::new(1, 1, 0);
    let release = Release { links: Some(&links), ..release };
    let written = renderer.upsert_into(Some(KEEP_A_CHANGELOG), "CHANGELOG.md", &version, &release, None).unwrap();
    assert_eq!(
        written,
        "# Changelog

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

## [Unreleased]

## [1.1.0] - 2025-02-03

- A note written by hand.

<!-- release: generated -->

### Added

- **api:** add `/health` ([aaaaaaa](https://github.com/acme/shop/commit/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa))

### Changed

- **Breaking:** rename things ([ccccccc](https://github.com/acme/shop/commit/cccccccccccccccccccccccccccccccccccccccc))

  `run` is now `start`
- cache lookups ([eeeeeee](https://github.com/acme/shop/commit/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee))

### Fixed

- fix the footer ([bbbbbbb](https://github.com/acme/shop/commit/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb)) ([#3](https://github.com/acme/shop/pull/3))

## [1.0.0] - 2025-01-01

### Added

- First release.

[unreleased]: https://github.com/acme/shop/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/acme/shop/compare/v1.0.0...v1.1.0
[1.0.0]: https://github.com/acme/shop/releases/tag/v1.0.0
"
    );
    // Writing it again changes nothing.
    let again = renderer.upsert_into(Some(&written), "CHANGELOG.md", &version, &release, None).unwrap();
    assert_eq!(again, written);
    // release.toml's style wins over the file's.
    let forced = renderer
        .upsert_into(Some(KEEP_A_CHANGELOG), "CHANGELOG.md", &version, &release, Some(Style::Conventional))
        .unwrap();
    assert!(
        forced.contains("## [1.1.0](https://github.com/acme/shop/compare/v1.0.0...v1.1.0) - 2025-02-03"),
        "{forced}"
    );
}

#[test]
fn link_references_are_added_replaced_and_kept_at_the_bottom() {
    let check = |text: &str, expected: &str| {
        assert_eq!(
            upsert_links(text, "1.1.0", Some("https://x.test/c"), Some("https://x.test/u")),
            expected,
            "{text:?}"
        );
    };
    check("## [1.1.0]\n\n- x\n", "## [1.1.0]\n\n- x\n\n[1.1.0]: https://x.test/c\n");
    check("## [1.1.0]\n\n[1.1.0]: https://old.test\n", "## [1.1.0]\n\n[1.1.0]: https://x.test/c\n");
    check(
        "a\r\n\r\n[Unreleased]: https://old.test\r\n[1.0.0]: https://x.test/0\r\n",
        "a\r\n\r\n[Unreleased]: https://x.test/u\r\n[1.1.0]: https://x.test/c\r\n[1.0.0]: https://x.test/0\r\n",
    );
}

/// A version for a test's release, as long as the test runs.
fn v(text: &str) -> &'static semver::Version {
    Box::leak(Box::new(text.parse().expect("a test version")))
}
