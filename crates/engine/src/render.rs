//! What writing about a release needs, read from the repository: the templates (release.toml
//! `[templates]` or the built-in ones), where links point, and the date in headers.

use release_changelog::{Groups, Links, Renderer, Template};

use crate::EngineError;
use crate::session::Session;

/// The built-in pull-request comment template.
pub const PLAN_COMMENT_TEMPLATE: &str = include_str!("../../../templates/plan-comment.md.j2");

/// The templates, where links point, the date in headers.
pub struct Rendering {
    pub renderer: Renderer,
    pub links: Option<Links>,
    pub date: String,
}

impl Session<'_> {
    pub fn rendering(&self) -> Result<Rendering, EngineError> {
        Ok(Rendering { renderer: self.renderer()?, links: self.links()?, date: release_date()? })
    }

    /// The changelog and release-notes templates, with release.toml's type titles.
    pub fn renderer(&self) -> Result<Renderer, EngineError> {
        let config = self.config()?;
        let changelog = self.template(
            "changelog",
            config.templates.changelog.as_deref(),
            Template::builtin("changelog.md.j2", release_changelog::CHANGELOG_TEMPLATE),
        )?;
        let notes = self.template(
            "release-notes",
            config.templates.release_notes.as_deref(),
            Template::builtin("release-notes.md.j2", release_changelog::RELEASE_NOTES_TEMPLATE),
        )?;
        let mut groups = Groups::default();
        for (kind, title) in &config.changelog.types {
            match groups.types.iter_mut().find(|(existing, _)| existing == kind) {
                Some(entry) => entry.1 = title.clone(),
                None => groups.types.push((kind.clone(), title.clone())),
            }
        }
        Ok(Renderer::new(changelog, notes, groups)?)
    }

    /// The pull-request comment template: `[templates] plan-comment`, or the default.
    pub fn plan_comment_template(&self) -> Result<Template, EngineError> {
        let builtin = Template::builtin("plan-comment.md.j2", PLAN_COMMENT_TEMPLATE);
        self.template("plan-comment", self.config()?.templates.plan_comment.as_deref(), builtin)
    }

    /// The template that release.toml `[templates] <key>` names, or the built-in one. Its
    /// errors carry the configured path, so they point at the file the user wrote.
    fn template(&self, key: &str, path: Option<&str>, builtin: Template) -> Result<Template, EngineError> {
        let Some(path) = path else { return Ok(builtin) };
        let full = release_apply::inside(self.root(), path)?;
        let problem = match fs_err::read_to_string(&full) {
            Ok(source) => return Ok(Template::configured(path, source)),
            Err(error) => match error.kind() {
                std::io::ErrorKind::NotFound => {
                    "does not exist (hint: add the file, or remove the key to use the built-in template)"
                }
                std::io::ErrorKind::IsADirectory => "is a directory, not a file (hint: name the template file itself)",
                std::io::ErrorKind::InvalidData => "is not UTF-8 text (hint: save it as UTF-8)",
                _ => return Err(EngineError::TemplateRead { path: path.to_string(), source: error }),
            },
        };
        Err(EngineError::Template { path: path.to_string(), key: key.to_string(), problem })
    }

    /// Where commit, pull-request and compare links point: `[changelog] repository-url`, else
    /// the repository GitHub Actions names (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`), else the
    /// remote.
    pub fn links(&self) -> Result<Option<Links>, EngineError> {
        let config = self.config()?;
        if let Some(url) = &config.changelog.repository_url {
            return Ok(Some(Links::new(url)));
        }
        if let Some(repository) = variable("GITHUB_REPOSITORY") {
            let server = variable("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
            return Ok(Some(Links::new(&format!("{}/{repository}", server.trim_end_matches('/')))));
        }
        Ok(self.repo().remote_url(&config.cut.remote).and_then(|url| Links::from_remote(&url)))
    }

    /// The GitHub client for the repository's remote (`GITHUB_TOKEN`, `GITHUB_API_URL`).
    pub fn github(&self, needs_token: bool) -> Result<release_forge::GitHub, EngineError> {
        let origin = self.repo().remote_url(&self.config()?.cut.remote);
        let config = release_forge::GitHubConfig::from_env(origin.as_deref(), needs_token)?;
        Ok(release_forge::GitHub::new(config)?)
    }
}

/// An environment variable, unset when empty.
pub(crate) fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

/// Today (UTC) as `YYYY-MM-DD`, or the day of `SOURCE_DATE_EPOCH` for reproducible output.
pub fn release_date() -> Result<String, EngineError> {
    // Empty is unset, as the reproducible-builds specification says; a date past 9999 or before
    // 1970 is no release date.
    let seconds = match variable("SOURCE_DATE_EPOCH") {
        Some(value) => value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|seconds| (0..253_402_300_800).contains(seconds))
            .ok_or_else(|| EngineError::SourceDateEpoch { value: value.clone() })?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|duration| duration.as_secs() as i64)
            .unwrap_or(0),
    };
    let mut date = release_config::promotion::format_utc(seconds);
    date.truncate("YYYY-MM-DD".len());
    Ok(date)
}
