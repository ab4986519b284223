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
        sha: sha.repeat(40 / sha.len()),
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
        version: "1.3.0",
        date: "2025-02-03",
        previous_tag: Some("api-v1.2.0"),
        tag: "api-v1.3.0",
        commits: &commits,
        dependencies: &[],
        links: Some(&links),
    };
    let section = Renderer::default_templates().section(&release).unwrap();
    assert_eq!(
        section,
        "## [1.3.0](https://github.com/acme/shop/compare/api-v1.2.0...api-v1.3.0) - 2025-02-03

### Breaking changes

- rename things ([ccccccc](https://github.com/acme/shop/commit/cccccccccccccccccccccccccccccccccccccccc)) ([#7](https://github.com/acme/shop/pull/7))

  \\`run\\` is now \\`start\\`

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
        version: "0.1.1",
        date: "2025-02-03",
        previous_tag: None,
        tag: "v0.1.1",
        commits: &commits,
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
    let dependencies = [("core".to_string(), "0.6.0".to_string())];
    let release = Release {
        version: "0.6.0",
        date: "2025-02-03",
        previous_tag: None,
        tag: "cli-v0.6.0",
        commits: &[],
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
            version: "1.0.0",
            date: "d",
            previous_tag: None,
            tag: "v1.0.0",
            commits: &[],
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

#[test]
fn new_changelogs_get_a_header() {
    let text = upsert(None, "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap();
    assert_eq!(text, format!("{HEADER}\n{SECTION_2}"));
}

#[test]
fn sections_go_before_the_newest_and_replace_their_own_version() {
    let existing = "# Changelog\n\nWritten by hand.\n\n## Notes\n\nKeep me.\n\n## [1.0.0] - 2025-01-01\n\n- first\n";
    let once = upsert(Some(existing), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap();
    assert_eq!(
        once,
        "# Changelog\n\nWritten by hand.\n\n## Notes\n\nKeep me.\n\n## 2.0.0 - 2025-03-01\n\n### Features\n\n- new (aaaaaaa)\n\n## [1.0.0] - 2025-01-01\n\n- first\n"
    );
    let twice = upsert(Some(&once), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap();
    assert_eq!(once, twice, "the same section again changes nothing");
    let updated = upsert(Some(&once), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2_AGAIN).unwrap();
    assert_eq!(updated.matches("## 2.0.0").count(), 1);
    assert!(updated.contains("- newer (bbbbbbb)\n\n## [1.0.0]"), "{updated}");
    assert!(updated.starts_with("# Changelog\n\nWritten by hand.\n\n## Notes\n\nKeep me.\n\n"));
}

#[test]
fn crlf_files_stay_crlf_and_files_without_sections_get_one_at_the_end() {
    let existing = "# Changelog\r\n\r\nHand text.";
    let text = upsert(Some(existing), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap();
    assert_eq!(text, format!("# Changelog\r\n\r\nHand text.\r\n\r\n{}", SECTION_2.replace('\n', "\r\n")));
    assert_eq!(upsert(Some(&text), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap(), text);
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

#[test]
fn a_changelog_may_start_with_a_section_and_use_crlf() {
    let existing = "## [2.0.0] - 2025-01-01\r\n\r\n- old\r\n\r\n## 1.0.0\r\n\r\n- first\r\n";
    let text = upsert(Some(existing), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap();
    assert_eq!(text, format!("{}\r\n## 1.0.0\r\n\r\n- first\r\n", SECTION_2.replace('\n', "\r\n")));
    let error = upsert(Some("## 1.2\r\n"), "CHANGELOG.md", &Version::new(2, 0, 0), SECTION_2).unwrap_err();
    assert!(error.to_string().starts_with("CHANGELOG.md:1: malformed changelog section header `## 1.2`"), "{error}");
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
    assert!(escaped.starts_with("a\\\\u{1b}\\[2K"), "{escaped}");
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
        version: "1.0.0",
        date: "2025-02-03",
        previous_tag: None,
        tag: "v1.0.0",
        commits: &commits,
        dependencies: &[],
        links: None,
    };
    let renderer = Renderer::default_templates();
    for text in [renderer.section(&release).unwrap(), renderer.release_notes(&release).unwrap()] {
        assert!(!text.chars().any(is_control), "{text:?}");
        assert!(text.contains("title\\\\u{1b}\\]0;pwned\\\\u{7} \\\\u{202e}txt.exe"), "{text}");
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
            entry.sha = format!("{index:040x}");
            entry
        })
        .collect()
}

/// Regression: a template from the repository with nested loops hung `release cut` and
/// `release plan --format markdown`; every rendering now has a bounded amount of fuel.
#[test]
fn a_template_that_loops_forever_runs_out_of_fuel_with_its_configured_name() {
    let looping = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}";
    let renderer = Renderer::new(
        Template::configured(".release/changelog.md.j2", looping.into()),
        Template::builtin("release-notes.md.j2", RELEASE_NOTES_TEMPLATE),
        Groups::default(),
    )
    .unwrap();
    let release = Release {
        version: "1.0.0",
        date: "2025-02-03",
        previous_tag: None,
        tag: "v1.0.0",
        commits: &[],
        dependencies: &[],
        links: None,
    };
    let error = renderer.section(&release).unwrap_err();
    assert!(matches!(error, ChangelogError::OutOfFuel { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with(
            "the template `.release/changelog.md.j2` ran out of fuel: it ran more than 10000000 instructions"
        ),
        "{error}"
    );
}

/// The fuel is generous: the built-in templates render 20,000 commits (four times a large real
/// release) well within it.
#[test]
fn the_built_in_templates_render_twenty_thousand_commits() {
    let links = Links::from_remote("git@github.com:acme/shop.git").unwrap();
    let commits = many_commits(20_000);
    let release = Release {
        version: "2.0.0",
        date: "2025-02-03",
        previous_tag: Some("v1.0.0"),
        tag: "v2.0.0",
        commits: &commits,
        dependencies: &[],
        links: Some(&links),
    };
    let renderer = Renderer::default_templates();
    let section = renderer.section(&release).unwrap();
    assert_eq!(section.matches("\n- **api:** change number").count(), 15_000);
    renderer.release_notes(&release).unwrap();
}
