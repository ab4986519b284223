//! Changelog sections and release notes, rendered from a plan with minijinja templates, and the
//! idempotent insertion of a section into an existing `CHANGELOG.md`.
//!
//! Pure: strings in, strings out. It never reads or writes files and never runs git; the caller
//! passes the templates, the existing changelog text, the date and the remote URL. Commit text is
//! untrusted: everything taken from a commit is escaped so it cannot change the Markdown
//! structure, inject HTML, or ping `@someone`.
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
mod upsert;

use release_plan::CommitEntry;
use serde::Serialize;

pub use links::Links;
pub use upsert::{HEADER, upsert};

/// The default templates, from `templates/` at the top of the repository.
pub const CHANGELOG_TEMPLATE: &str = include_str!("../../../templates/changelog.md.j2");
pub const RELEASE_NOTES_TEMPLATE: &str = include_str!("../../../templates/release-notes.md.j2");

#[derive(Debug, thiserror::Error)]
pub enum ChangelogError {
    #[error("template `{name}`{}: {message} (hint: {hint})", line.map(|line| format!(" line {line}")).unwrap_or_default())]
    Template { name: String, line: Option<usize>, message: String, hint: String },

    #[error(
        "{file}:{line}: malformed changelog section header `{header}`: expected `## [x.y.z]` or `## x.y.z` followed by anything (hint: fix the header by hand; nothing was changed)"
    )]
    MalformedHeader { file: String, line: usize, header: String },
}

impl ChangelogError {
    fn template(error: &minijinja::Error) -> ChangelogError {
        let hint = match error.kind() {
            minijinja::ErrorKind::UndefinedError => {
                "the variables are: version, date, previous_tag, tag, compare_url, sections (title, entries: scope, summary, short_sha, sha, commit_url, pr, pr_url, breaking_description), dependencies (name, version)"
            }
            minijinja::ErrorKind::SyntaxError => "see the minijinja syntax: {{ value }}, {% for %}, {% if %}",
            _ => "check the template against templates/ in the release repository",
        };
        let message =
            error.detail().map_or_else(|| error.kind().to_string(), |detail| format!("{}: {detail}", error.kind()));
        ChangelogError::Template {
            name: error.name().unwrap_or("template").to_string(),
            line: error.line(),
            message,
            hint: hint.to_string(),
        }
    }
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
    pub version: &'a str,
    /// `YYYY-MM-DD`
    pub date: &'a str,
    pub previous_tag: Option<&'a str>,
    pub tag: &'a str,
    pub commits: &'a [CommitEntry],
    /// Workspace packages this release follows: (name, new version).
    pub dependencies: &'a [(String, String)],
    pub links: Option<&'a Links>,
}

#[derive(Debug, Serialize)]
struct Entry {
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
    title: String,
    entries: Vec<Entry>,
}

/// Renders changelog sections and release notes with (possibly user-supplied) templates.
pub struct Renderer {
    environment: minijinja::Environment<'static>,
    groups: Groups,
}

impl Renderer {
    /// Parses both templates now, so a broken template fails before anything is written.
    pub fn new(changelog: &str, release_notes: &str, groups: Groups) -> Result<Renderer, ChangelogError> {
        let mut environment = minijinja::Environment::new();
        environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        environment.set_keep_trailing_newline(true);
        environment.add_filter("md", |text: String| escape_markdown(&text));
        environment
            .add_template_owned("changelog.md.j2", changelog.to_string())
            .map_err(|error| ChangelogError::template(&error))?;
        environment
            .add_template_owned("release-notes.md.j2", release_notes.to_string())
            .map_err(|error| ChangelogError::template(&error))?;
        Ok(Renderer { environment, groups })
    }

    /// With the default templates.
    pub fn default_templates() -> Renderer {
        Renderer::new(CHANGELOG_TEMPLATE, RELEASE_NOTES_TEMPLATE, Groups::default())
            .expect("the default templates parse")
    }

    /// A `## version` section for `CHANGELOG.md`.
    pub fn section(&self, release: &Release<'_>) -> Result<String, ChangelogError> {
        self.render("changelog.md.j2", release)
    }

    /// The body of a forge release (and of an annotated tag).
    pub fn release_notes(&self, release: &Release<'_>) -> Result<String, ChangelogError> {
        self.render("release-notes.md.j2", release)
    }

    fn render(&self, name: &str, release: &Release<'_>) -> Result<String, ChangelogError> {
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
            sections => self.sections(release),
            dependencies => release
                .dependencies
                .iter()
                .map(|(name, version)| minijinja::context! { name => escape_markdown(name), version => version })
                .collect::<Vec<_>>(),
        };
        let mut text = template.render(context).map_err(|error| ChangelogError::template(&error))?;
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
            scope: commit.scope.as_deref().map(escape_markdown),
            summary: escape_markdown(&commit.summary),
            sha: commit.sha.clone(),
            short_sha: release_plan::short(&commit.sha).to_string(),
            commit_url: release.links.map(|links| links.commit(&commit.sha)),
            pr: commit.pr,
            pr_url: commit.pr.and_then(|pr| release.links.map(|links| links.pull(pr))),
            breaking_description: commit
                .breaking_description
                .as_deref()
                .filter(|description| *description != commit.summary)
                .map(escape_markdown),
        };
        let mut sections = Vec::new();
        let breaking: Vec<Entry> = release.commits.iter().filter(|commit| commit.breaking).map(entry).collect();
        if !breaking.is_empty() {
            sections.push(Section { title: "Breaking changes".into(), entries: breaking });
        }
        for (kind, title) in &self.groups.types {
            let entries: Vec<Entry> = release
                .commits
                .iter()
                .filter(|commit| !commit.breaking && commit.kind.as_deref() == Some(kind.as_str()))
                .map(entry)
                .collect();
            if !entries.is_empty() {
                sections.push(Section { title: title.clone(), entries });
            }
        }
        sections
    }
}

/// Makes untrusted text (commit summaries) inert in Markdown: no structure, no HTML, no
/// `@mention` pings, no issue links from a stray `#`.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\r' | '\n' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A word joiner after `@` keeps the text readable but stops the mention.
            '@' => out.push_str("@\u{2060}"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(character);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
