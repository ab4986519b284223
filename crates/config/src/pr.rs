//! `[pr]`: the release pull request that `release pr` keeps current, and the labels that say
//! where it stands.

use crate::wire::PrWire;
use crate::{ConfigError, CutConfig, Resolver, Step, check};

/// `[pr]`: the release pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrConfig {
    /// The branch the release pull request merges into.
    pub base: String,
    /// The branch whose state is released (git-flow's `develop`); `base` when not set.
    pub from: String,
    /// The branch holding the release commit.
    pub branch: String,
    /// The title; `{summary}` becomes `v3.0.0` or `3 packages`.
    pub title: String,
    pub pending_labels: Vec<String>,
    pub tagged_label: String,
}

impl PrConfig {
    /// The defaults: base is the first release branch, the release branch `release/next`.
    pub fn defaults(cut: &CutConfig) -> PrConfig {
        let base = cut.branches[0].clone();
        PrConfig {
            from: base.clone(),
            base,
            branch: "release/next".into(),
            title: "release: {summary}".into(),
            pending_labels: vec!["release: pending".into()],
            tagged_label: "release: tagged".into(),
        }
    }

    /// Whether this is git-flow: the release comes from another branch than the one it merges into.
    pub fn is_git_flow(&self) -> bool {
        self.from != self.base
    }
}

impl Resolver<'_> {
    pub(crate) fn pr(&self, wire: Option<PrWire>, cut: &CutConfig) -> Result<PrConfig, ConfigError> {
        let defaults = PrConfig::defaults(cut);
        let Some(wire) = wire else { return Ok(defaults) };
        let base = wire.base.unwrap_or(defaults.base);
        let from = wire.from.unwrap_or_else(|| base.clone());
        let branch = wire.branch.unwrap_or(defaults.branch);
        for (key, value) in [("base", &base), ("from", &from), ("branch", &branch)] {
            let problem = check::ref_name_problem(value)
                .or_else(|| value.starts_with("refs/").then(|| "is a full ref name".to_string()));
            if let Some(problem) = problem {
                return Err(self.invalid(
                    &[Step::Key("pr"), Step::Key(key)],
                    &format!("pr.{key}"),
                    format!("`{}` {problem}", value.escape_debug()),
                    Some("name a branch as `git branch` shows it, e.g. \"main\" or \"release/next\"".into()),
                ));
            }
        }
        if branch == base || branch == from {
            return Err(self.invalid(
                &[Step::Key("pr"), Step::Key("branch")],
                "pr.branch",
                format!("`{branch}` is also the pull request's base or `from` branch"),
                Some("the tool force-pushes its release branch: give it one of its own, e.g. \"release/next\"".into()),
            ));
        }
        let title = wire.title.unwrap_or(defaults.title);
        self.one_line(&["title"], &title)?;
        let pending_labels = wire.pending_labels.unwrap_or(defaults.pending_labels);
        for (index, label) in pending_labels.iter().enumerate() {
            self.label(&[Step::Key("pr"), Step::Key("pending-labels"), Step::Index(index)], "pending-labels", label)?;
        }
        let tagged_label = wire.tagged_label.unwrap_or(defaults.tagged_label);
        self.label(&[Step::Key("pr"), Step::Key("tagged-label")], "tagged-label", &tagged_label)?;
        Ok(PrConfig { base, from, branch, title, pending_labels, tagged_label })
    }

    fn one_line(&self, key: &[&str], value: &str) -> Result<(), ConfigError> {
        let name = key.join(".");
        let problem = if value.trim().is_empty() {
            Some("is empty".to_string())
        } else {
            value
                .chars()
                .find(|character| character.is_control())
                .map(|c| format!("contains the control character {c:?}"))
        };
        match problem {
            Some(problem) => Err(self.invalid(
                &[Step::Key("pr"), Step::Key(key[0])],
                &format!("pr.{name}"),
                format!("`{}` {problem}", value.escape_debug()),
                Some("one line of text, e.g. \"release: {summary}\"".into()),
            )),
            None => Ok(()),
        }
    }

    fn label(&self, steps: &[Step<'_>], key: &str, label: &str) -> Result<(), ConfigError> {
        let problem = if label.trim().is_empty() {
            Some("is empty".to_string())
        } else if label.chars().count() > 50 {
            Some("is longer than GitHub's 50 characters".to_string())
        } else {
            label
                .chars()
                .find(|character| character.is_control())
                .map(|c| format!("contains the control character {c:?}"))
        };
        match problem {
            Some(problem) => Err(self.invalid(
                steps,
                &format!("pr.{key}"),
                format!("label `{}` {problem}", label.escape_debug()),
                Some("a GitHub label name, e.g. \"release: pending\"".into()),
            )),
            None => Ok(()),
        }
    }
}
