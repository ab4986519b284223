//! Changelog sections and release notes, rendered from a plan with minijinja templates, and the
//! idempotent insertion of a section into an existing `CHANGELOG.md`.
//!
//! Pure: strings in, strings out. It never reads or writes files and never runs git; the caller
//! passes the templates, the existing changelog text, the date and the remote URL. Commit text is
//! untrusted: it keeps its inline Markdown (code spans, emphasis, links), but it cannot open a
//! block, inject HTML, embed an image, or ping `@someone`.
//!
//! ```
//! let section = "## 1.1.0 - 2025-01-01\n\n### Features\n\n- x (abc1234)\n";
//! let text = release_changelog::upsert(None, "CHANGELOG.md", &semver::Version::new(1, 1, 0), section).unwrap();
//! assert!(text.starts_with("# Changelog\n"));
//! // Writing the same version again replaces its section instead of adding a second one.
//! let again = release_changelog::upsert(Some(&text), "CHANGELOG.md", &semver::Version::new(1, 1, 0), section).unwrap();
//! assert_eq!(text, again);
//! ```

mod links;
mod style;
mod upsert;

use release_plan::{Bump, ChangeEntry, CommitEntry};
use serde::Serialize;

pub use links::Links;
pub use style::{Style, upsert_links};
pub use upsert::{HEADER, MARKER, upsert};

/// The default templates, from `templates/` at the top of the repository.
pub const CHANGELOG_TEMPLATE: &str = include_str!("../../../templates/changelog.md.j2");
pub const KEEP_A_CHANGELOG_TEMPLATE: &str = include_str!("../../../templates/changelog-keep-a-changelog.md.j2");
pub const RELEASE_NOTES_TEMPLATE: &str = include_str!("../../../templates/release-notes.md.j2");

/// Instructions a template may run for one rendering. The built-in changelog template runs
/// about 36 per commit (measured: 3,644 for 100 commits, 180,044 for 5,000; the release notes
/// 176,288), so this is 55 times a release of 5,000 commits: room for a hand-written template
/// five times as busy on 50,000 commits. Two nested `range(100000)` loops want 10^10 and stop
/// here after about a second (release build, shared machine), where they used to hang.
pub const FUEL: u64 = 10_000_000;

/// A template's text and the name its errors call it by: the path configured in release.toml,
/// or the built-in one's.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub source: String,
}

impl Template {
    /// A template file of the repository, named in release.toml `[templates]`.
    pub fn configured(path: &str, source: String) -> Template {
        Template { name: path.to_string(), source }
    }

    /// One of the default templates compiled into `release`.
    pub fn builtin(file: &str, source: &str) -> Template {
        Template { name: format!("{file} (built in)"), source: source.to_string() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChangelogError {
    #[error("template `{name}`{}: {message} (hint: {hint})", line.map(|line| format!(" line {line}")).unwrap_or_default())]
    Template { name: String, line: Option<usize>, message: String, hint: String },

    #[error(
        "the template `{name}` ran out of fuel: it ran more than {fuel} instructions, where a changelog of 5,000 commits takes about 180,000 (hint: look for nested loops or a large `range()` in it; the templates are set in release.toml `[templates]`)"
    )]
    OutOfFuel { name: String, fuel: u64 },

    #[error(
        "the template `{name}` wrote more than {} MB (hint: a changelog section or a pull-request comment is kilobytes; look for a large repetition such as `\"x\" * 100000000` in it)", OUTPUT_LIMIT >> 20
    )]
    TooLarge { name: String },

    #[error(
        "{file}:{line}: malformed changelog section header `{header}`: expected `## [x.y.z]` or `## x.y.z` followed by anything (hint: fix the header by hand; nothing was changed)"
    )]
    MalformedHeader { file: String, line: usize, header: String },
}

impl release_exit::Classify for ChangelogError {
    fn exit_class(&self) -> release_exit::ExitClass {
        match self {
            ChangelogError::Template { .. }
            | ChangelogError::OutOfFuel { .. }
            | ChangelogError::TooLarge { .. }
            | ChangelogError::MalformedHeader { .. } => release_exit::ExitClass::InvalidInput,
        }
    }
}

/// The variables of the changelog and release-notes templates, for error hints.
const CHANGELOG_VARIABLES: &str = "version, date, previous_tag, tag, compare_url, sections (title, entries: breaking, scope, summary, short_sha, sha, commit_url, pr, pr_url, breaking_description), dependencies (name, version)";

impl ChangelogError {
    /// A minijinja error as a changelog error; `variables` lists what the template may use.
    pub fn from_template(error: &minijinja::Error, variables: &str) -> ChangelogError {
        let name = error.name().unwrap_or("template").to_string();
        if error.kind() == minijinja::ErrorKind::OutOfFuel {
            return ChangelogError::OutOfFuel { name, fuel: FUEL };
        }
        if error.kind() == minijinja::ErrorKind::WriteFailure {
            return ChangelogError::TooLarge { name };
        }
        let hint = match error.kind() {
            minijinja::ErrorKind::UndefinedError => format!("the variables are: {variables}"),
            minijinja::ErrorKind::SyntaxError => {
                "see the minijinja syntax: {{ value }}, {% for %}, {% if %}".to_string()
            }
            _ => "check the template against templates/ in the release repository".to_string(),
        };
        let message =
            error.detail().map_or_else(|| error.kind().to_string(), |detail| format!("{}: {detail}", error.kind()));
        ChangelogError::Template { name, line: error.line(), message, hint }
    }

    /// Names the template where minijinja could not (a write failure carries no name).
    pub fn of(self, template: &str) -> ChangelogError {
        match self {
            ChangelogError::TooLarge { .. } => ChangelogError::TooLarge { name: template.to_string() },
            other => other,
        }
    }

    fn template(error: &minijinja::Error) -> ChangelogError {
        ChangelogError::from_template(error, CHANGELOG_VARIABLES)
    }
}

/// The most a template may write: fuel bounds the instructions, not the size of what one
/// instruction makes (`"x" * 100000000` is one).
pub const OUTPUT_LIMIT: usize = 16 << 20;

/// Renders `template` into a string of at most [`OUTPUT_LIMIT`] bytes; past it the rendering
/// stops with a write failure (see [`ChangelogError::TooLarge`]).
pub fn render_bounded(
    template: &minijinja::Template<'_, '_>,
    context: minijinja::Value,
) -> Result<String, minijinja::Error> {
    struct Bounded(Vec<u8>);
    impl std::io::Write for Bounded {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.0.len() + bytes.len() > OUTPUT_LIMIT {
                return Err(std::io::Error::other("the template's output is too large"));
            }
            self.0.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Bounded(Vec::new());
    template.render_captured_to(context, &mut out)?;
    // minijinja writes what templates and values hold: valid UTF-8.
    Ok(String::from_utf8_lossy(&out.0).into_owned())
}

/// The minijinja environment every template of `release` renders in: undefined variables are
/// errors, nothing is auto-escaped whatever the file is called (escaping is explicit), the `md`
/// filter escapes Markdown, and each rendering has [`FUEL`] so no template can hang a release.
pub fn environment() -> minijinja::Environment<'static> {
    let mut environment = minijinja::Environment::new();
    environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    environment.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    environment.set_fuel(Some(FUEL));
    environment.add_filter("md", |text: String| escape_markdown(&text));
    environment
}

/// Which commit types get a section, in order, after "Breaking changes".
#[derive(Debug, Clone)]
pub struct Groups {
    pub types: Vec<(String, String)>,
}

impl Default for Groups {
    fn default() -> Self {
        Groups {
            types: [("feat", "Features"), ("fix", "Bug fixes"), ("perf", "Performance")]
                .into_iter()
                .map(|(kind, title)| (kind.to_string(), title.to_string()))
                .collect(),
        }
    }
}

/// One release of one package (or of the repository).
pub struct Release<'a> {
    pub version: &'a semver::Version,
    /// `YYYY-MM-DD`
    pub date: &'a str,
    pub previous_tag: Option<&'a str>,
    pub tag: &'a str,
    pub commits: &'a [CommitEntry],
    /// What change files say about this release (no commit id: the entries have no link).
    pub changes: &'a [ChangeEntry],
    /// Workspace packages this release follows: (name, new version).
    pub dependencies: &'a [(String, semver::Version)],
    pub links: Option<&'a Links>,
}

#[derive(Debug, Serialize)]
struct Entry {
    breaking: bool,
    scope: Option<String>,
    summary: String,
    sha: String,
    short_sha: String,
    commit_url: Option<String>,
    pr: Option<u64>,
    pr_url: Option<String>,
    breaking_description: Option<String>,
}

#[derive(Debug, Serialize)]
struct Section {
    /// The commit type it lists; `None` for breaking changes.
    #[serde(skip)]
    kind: Option<String>,
    title: String,
    entries: Vec<Entry>,
}

/// Renders changelog sections and release notes with (possibly user-supplied) templates.
pub struct Renderer {
    environment: minijinja::Environment<'static>,
    /// The names the two templates are registered (and reported) under.
    changelog: String,
    release_notes: String,
    groups: Groups,
    /// Whether the changelog template is the user's: then it decides the style.
    custom_changelog: bool,
}

/// The name the built-in Keep a Changelog template is registered under.
const KEEP_A_CHANGELOG: &str = "changelog-keep-a-changelog.md.j2 (built in)";

impl Renderer {
    /// Parses both templates now, so a broken template fails before anything is written.
    pub fn new(changelog: Template, release_notes: Template, groups: Groups) -> Result<Renderer, ChangelogError> {
        let mut environment = environment();
        environment.set_keep_trailing_newline(true);
        environment
            .add_template_owned(changelog.name.clone(), changelog.source)
            .map_err(|error| ChangelogError::template(&error))?;
        environment
            .add_template_owned(release_notes.name.clone(), release_notes.source)
            .map_err(|error| ChangelogError::template(&error))?;
        environment
            .add_template(KEEP_A_CHANGELOG, KEEP_A_CHANGELOG_TEMPLATE)
            .map_err(|error| ChangelogError::template(&error))?;
        let custom_changelog = !changelog.name.ends_with(" (built in)");
        Ok(Renderer {
            environment,
            changelog: changelog.name,
            release_notes: release_notes.name,
            groups,
            custom_changelog,
        })
    }

    /// With the default templates.
    pub fn default_templates() -> Renderer {
        Renderer::new(
            Template::builtin("changelog.md.j2", CHANGELOG_TEMPLATE),
            Template::builtin("release-notes.md.j2", RELEASE_NOTES_TEMPLATE),
            Groups::default(),
        )
        .expect("the default templates parse")
    }

    /// A `## version` section for `CHANGELOG.md`.
    pub fn section(&self, release: &Release<'_>) -> Result<String, ChangelogError> {
        self.render(&self.changelog, release, Style::Conventional)
    }

    /// A section in `style` (a template of the user's decides its own).
    pub fn section_in(&self, style: Style, release: &Release<'_>) -> Result<String, ChangelogError> {
        match style {
            Style::KeepAChangelog if !self.custom_changelog => self.render(KEEP_A_CHANGELOG, release, style),
            _ => self.section(release),
        }
    }

    /// Renders the release's section and puts it into a changelog (`None`: a new file), in the
    /// configured style or else the file's own; in Keep a Changelog style, the compare URLs go
    /// to the link references at the bottom.
    pub fn upsert_into(
        &self,
        existing: Option<&str>,
        file: &str,
        version: &semver::Version,
        release: &Release<'_>,
        style: Option<Style>,
    ) -> Result<String, ChangelogError> {
        let style = style.unwrap_or_else(|| Style::detect(existing));
        let section = self.section_in(style, release)?;
        let text = upsert(existing, file, version, &section)?;
        if style != Style::KeepAChangelog || self.custom_changelog {
            return Ok(text);
        }
        let Some(links) = release.links else {
            return Ok(text);
        };
        let compare = release.previous_tag.map(|previous| links.compare(previous, release.tag));
        let unreleased = (!release.tag.is_empty()).then(|| links.compare(release.tag, "HEAD"));
        Ok(upsert_links(&text, &release.version.to_string(), compare.as_deref(), unreleased.as_deref()))
    }

    /// The body of a forge release (and of an annotated tag).
    pub fn release_notes(&self, release: &Release<'_>) -> Result<String, ChangelogError> {
        self.render(&self.release_notes, release, Style::Conventional)
    }

    fn render(&self, name: &str, release: &Release<'_>, style: Style) -> Result<String, ChangelogError> {
        let template = self.environment.get_template(name).map_err(|error| ChangelogError::template(&error))?;
        let compare_url = match (release.links, release.previous_tag) {
            (Some(links), Some(previous)) => Some(links.compare(previous, release.tag)),
            _ => None,
        };
        let context = minijinja::context! {
            version => release.version,
            date => release.date,
            previous_tag => release.previous_tag,
            tag => release.tag,
            compare_url => compare_url,
            sections => match style {
                Style::Conventional => self.sections(release),
                Style::KeepAChangelog => keep_a_changelog_sections(self.sections(release)),
            },
            dependencies => release
                .dependencies
                .iter()
                .map(|(name, version)| minijinja::context! { name => escape_markdown(name), version => version })
                .collect::<Vec<_>>(),
        };
        let rendered = render_bounded(&template, context).map_err(|error| ChangelogError::template(&error).of(name))?;
        // Commit text is escaped field by field; this catches whatever a template prints raw.
        let mut text = neutralize_controls(&rendered).into_owned();
        while text.ends_with("\n\n") {
            text.pop();
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    fn sections(&self, release: &Release<'_>) -> Vec<Section> {
        let entry = |commit: &CommitEntry| Entry {
            breaking: commit.breaking,
            scope: commit.scope.as_deref().map(escape_markdown),
            summary: escape_markdown(&commit.summary),
            sha: commit.sha.to_string(),
            short_sha: commit.sha.short(),
            commit_url: release.links.map(|links| links.commit(commit.sha)),
            pr: commit.pr,
            pr_url: commit.pr.and_then(|pr| release.links.map(|links| links.pull(pr))),
            breaking_description: commit
                .breaking_description
                .as_deref()
                .filter(|description| *description != commit.summary)
                .map(escape_markdown),
        };
        let mut sections = Vec::new();
        let mut breaking: Vec<Entry> = release.commits.iter().filter(|commit| commit.breaking).map(entry).collect();
        breaking.extend(self.change_entries(release, None));
        if !breaking.is_empty() {
            sections.push(Section { kind: None, title: "Breaking changes".into(), entries: breaking });
        }
        for (kind, title) in &self.groups.types {
            let mut entries: Vec<Entry> = release
                .commits
                .iter()
                .filter(|commit| !commit.breaking && commit.kind.as_deref() == Some(kind.as_str()))
                .map(entry)
                .collect();
            entries.extend(self.change_entries(release, Some(kind)));
            if !entries.is_empty() {
                sections.push(Section { kind: Some(kind.clone()), title: title.clone(), entries });
            }
        }
        sections
    }

    /// The change-file entries of one section: `None` for breaking changes (a major bump), else
    /// the commit type they stand for (see [`change_kind`]).
    fn change_entries<'r>(
        &'r self,
        release: &'r Release<'_>,
        kind: Option<&'r str>,
    ) -> impl Iterator<Item = Entry> + 'r {
        release.changes.iter().filter(move |change| self.change_section(change) == kind).map(|change| {
            let mut paragraphs = change.summary.split("\n\n").map(str::trim).filter(|text| !text.is_empty());
            let summary = paragraphs.next().unwrap_or_default();
            let rest: Vec<&str> = paragraphs.collect();
            Entry {
                breaking: change.bump == Bump::Major,
                scope: None,
                summary: escape_markdown(summary),
                sha: String::new(),
                short_sha: String::new(),
                commit_url: None,
                pr: None,
                pr_url: None,
                breaking_description: (!rest.is_empty()).then(|| escape_markdown(&rest.join(" "))),
            }
        })
    }

    /// The section a change file's entry goes to: breaking for a major bump, else its covector
    /// tag when a section has that type, else `feat` for a minor bump and `fix` for the rest (the
    /// first configured section when those have none).
    fn change_section<'g>(&'g self, change: &ChangeEntry) -> Option<&'g str> {
        if change.bump == Bump::Major {
            return None;
        }
        let has =
            |kind: &str| self.groups.types.iter().find(|(known, _)| known == kind).map(|(known, _)| known.as_str());
        let by_tag = change.tag.as_deref().map(change_kind).and_then(has);
        let by_bump = has(if change.bump == Bump::Minor { "feat" } else { "fix" });
        by_tag.or(by_bump).or_else(|| self.groups.types.first().map(|(kind, _)| kind.as_str()))
    }
}

/// The conventional sections under Keep a Changelog's titles (Added, Changed, Fixed...; types
/// it has no title for keep theirs), merged by title, in its order.
fn keep_a_changelog_sections(sections: Vec<Section>) -> Vec<Section> {
    let mut merged: Vec<Section> = Vec::new();
    for section in sections {
        let title = Style::keep_a_changelog_title(section.kind.as_deref()).map_or(section.title, str::to_string);
        match merged.iter_mut().find(|existing| existing.title == title) {
            Some(existing) => existing.entries.extend(section.entries),
            None => merged.push(Section { kind: section.kind, title, entries: section.entries }),
        }
    }
    merged.sort_by_key(|section| Style::keep_a_changelog_rank(&section.title));
    merged
}

/// A covector tag as a commit type: `bug` is `fix`, `feature` is `feat`; others as they are.
fn change_kind(tag: &str) -> &str {
    match tag {
        "bug" | "bugfix" | "fixed" => "fix",
        "feature" | "added" | "enhance" | "enhancement" => "feat",
        "performance" => "perf",
        other => other,
    }
}

/// Makes untrusted text (commit summaries) safe in Markdown while keeping the Markdown its
/// authors write: code spans, emphasis and links stay as they are. What could change the page or
/// reach someone is neutralised: raw HTML (`<`, `>` and `&` become entities outside code spans),
/// `@mention` pings (a word joiner after `@`), images (`![` is escaped; a remote image in a
/// changelog is a tracking pixel), a block marker at the start (`#`, `-`, `+`, `*`, `=`,
/// `~~~`, a fence or `1.` would start a heading, quote, list or code block), table cells (`|` is
/// escaped, so a summary cannot add a column to the plan comment's table), line breaks (one line
/// always) and terminal control characters (made visible as in [`neutralize_controls`]).
///
/// ```
/// use release_changelog::escape_markdown;
/// assert_eq!(escape_markdown("add `git_only` *config* [docs](https://x.test)"), "add `git_only` *config* [docs](https://x.test)");
/// assert_eq!(escape_markdown("# <b>hi</b> @team"), "\\# &lt;b&gt;hi&lt;/b&gt; @\u{2060}team");
/// ```
pub fn escape_markdown(text: &str) -> String {
    let line: String =
        text.chars().map(|character| if matches!(character, '\r' | '\n' | '\t') { ' ' } else { character }).collect();
    let mut out = String::with_capacity(line.len() + 8);
    if starts_a_block(&line) {
        out.push('\\');
    }
    let mut rest = line.as_str();
    while let Some(start) = rest.find('`') {
        push_inline_text(&mut out, &rest[..start]);
        let run = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let after = &rest[start + run..];
        match closing_run(after, run) {
            // A code span: its text is shown as it is, so only what breaks out of the line or
            // the table, and control characters, are touched.
            Some(end) => {
                out.push_str(&rest[start..start + run]);
                push_code_text(&mut out, &after[..end]);
                out.push_str(&rest[start..start + run]);
                rest = &after[end + run..];
            }
            None => {
                out.push_str(&rest[start..start + run]);
                rest = after;
            }
        }
    }
    push_inline_text(&mut out, rest);
    out
}

/// Whether a line would open a block (heading, quote, list, rule, code block) at the start of a
/// list item or a paragraph.
fn starts_a_block(line: &str) -> bool {
    let digits = line.len() - line.trim_start_matches(|character: char| character.is_ascii_digit()).len();
    let Some(first) = line.chars().next() else {
        return false;
    };
    // A line of one of these (and spaces) is a rule or an underline that makes a heading.
    let only = |marker: char| line.chars().all(|character| character == marker || character == ' ');
    match first {
        '#' => true, // `>` needs nothing: it becomes `&gt;`, which quotes nothing
        '-' | '+' | '*' => line[1..].starts_with(' ') || only(first),
        '_' | '=' => only(first),
        _ => {
            line.starts_with("```") || line.starts_with("~~~") || (digits > 0 && line[digits..].starts_with(['.', ')']))
        }
    }
}

/// Where the backtick run of length `run` that closes a code span starts in `text`.
fn closing_run(text: &str, run: usize) -> Option<usize> {
    let mut offset = 0;
    while let Some(found) = text[offset..].find('`') {
        let start = offset + found;
        let length = text[start..].len() - text[start..].trim_start_matches('`').len();
        if length == run {
            return Some(start);
        }
        offset = start + length;
    }
    None
}

fn push_inline_text(out: &mut String, text: &str) {
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A word joiner after `@` keeps the text readable but stops the mention.
            '@' => out.push_str("@\u{2060}"),
            '!' if characters.peek() == Some(&'[') => out.push_str("!\\"),
            '|' => out.push_str("\\|"),
            control if is_control(control) => push_escape(out, control),
            other => out.push(other),
        }
    }
}

fn push_code_text(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '|' => out.push_str("\\|"),
            control if is_control(control) => push_escape(out, control),
            other => out.push(other),
        }
    }
}

/// Characters that must never reach a terminal or a rendered page raw: C0 controls but tab and
/// newline (ESC starts the sequences that move the cursor, erase lines, retitle the window),
/// DEL, C1 controls (U+009B is a one-byte CSI), and the bidirectional embeddings, overrides and
/// isolates that make text display in another order than it reads (U+202A..U+202E,
/// U+2066..U+2069, "Trojan Source").
pub fn is_control(character: char) -> bool {
    matches!(character, '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escape(out: &mut String, character: char) {
    use std::fmt::Write as _;
    let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
}

/// Untrusted text made safe to print on a terminal or put in a file people read: every
/// [`is_control`] character becomes a visible `\u{1b}`-style escape, and CRLF becomes LF (a lone
/// CR, which rewrites the line on a terminal, is escaped). Tab and newline stay.
///
/// Escapes rather than U+FFFD because they say which character was there: a reviewer sees that
/// a commit tried to clear a line or flip text, and the escape is plain ASCII that nothing
/// interprets.
///
/// ```
/// use release_changelog::neutralize_controls;
/// assert_eq!(neutralize_controls("a\x1b[2Kb\r\n\u{202e}c\td"), "a\\u{1b}[2Kb\n\\u{202e}c\td");
/// assert!(matches!(neutralize_controls("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn neutralize_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\r' if characters.peek() == Some(&'\n') => {}
            control if is_control(control) => push_escape(&mut out, control),
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests;
