//! `release plan --comment`: one sticky comment on the pull request, found again by a hidden
//! marker and updated in place, never duplicated.

use std::path::Path;

use anyhow::{Result, bail};
use release_changelog::Release;
use release_engine::{PlanOptions, Session};
use release_forge::Forge;
use release_plan::Plan;
use serde::Serialize;

use crate::UsageError;
use crate::render;

/// The hidden line the comment is recognised by.
pub const MARKER: &str = "<!-- release:plan -->";
/// GitHub refuses comment bodies longer than this.
pub const MAX_BODY: usize = 65_536;

#[derive(Debug, Serialize)]
pub struct CommentReport {
    pub pull_request: u64,
    /// `created`, `updated` or `unchanged`.
    pub action: &'static str,
    pub url: String,
    pub length: usize,
}

/// The pull request and its base, from `--pr` / `--base` or the GitHub Actions event.
pub struct Target {
    pub number: u64,
    pub base: Option<String>,
    pub base_name: String,
}

pub fn target(pr: Option<u64>, base: Option<String>) -> Result<Target> {
    let event = std::env::var_os("GITHUB_EVENT_PATH")
        .map(|path| -> Result<serde_json::Value> {
            // Bounded: a GitHub event is kilobytes; `/dev/zero` must not hang the job.
            const LIMIT: u64 = 25 << 20;
            let unreadable = |why: String| {
                UsageError(format!(
                    "GITHUB_EVENT_PATH names `{}`, which {why} (hint: GitHub Actions sets it to the event's JSON file; unset it and pass `--pr NUMBER`)",
                    Path::new(&path).display()
                ))
            };
            let file = std::fs::File::open(&path).map_err(|error| unreadable(format!("cannot be read: {error}")))?;
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::Read::take(file, LIMIT + 1), &mut text)
                .map_err(|error| unreadable(format!("cannot be read as text: {error}")))?;
            if text.len() as u64 > LIMIT {
                return Err(unreadable("is larger than 25 MB".into()).into());
            }
            serde_json::from_str(&text).map_err(|error| unreadable(format!("is not JSON: {error}")).into())
        })
        .transpose()?;
    let pull = event.as_ref().and_then(|event| event.get("pull_request"));
    let number = pr
        .or_else(|| pull.and_then(|pull| pull.get("number")).and_then(serde_json::Value::as_u64))
        .or_else(|| event.as_ref().and_then(|event| event.get("number")).and_then(serde_json::Value::as_u64));
    let Some(number) = number else {
        bail!(UsageError(
            "no pull request to comment on (hint: pass `--pr NUMBER`, or run in a `pull_request` workflow where GITHUB_EVENT_PATH names the event)"
                .into()
        ));
    };
    let base_sha = base.or_else(|| {
        pull.and_then(|pull| pull.pointer("/base/sha")).and_then(serde_json::Value::as_str).map(str::to_string)
    });
    let base_name = pull
        .and_then(|pull| pull.pointer("/base/ref"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("the base branch")
        .to_string();
    Ok(Target { number, base: base_sha, base_name })
}

/// The body: the plan, what the pull request adds over its base, a changelog preview cut to fit.
pub fn body(
    session: &Session<'_>,
    head: &Plan,
    base: Option<&Plan>,
    base_name: &str,
) -> Result<String, release_engine::EngineError> {
    let config = session.config()?;
    let template = session.plan_comment_template()?;
    let renderer = session.renderer()?;
    let links = session.links()?;
    let date = release_engine::release_date()?;
    let mut preview = String::new();
    for package in render::released_by(head, base) {
        let section = renderer.section(&Release {
            version: &package.next_version,
            date: &date,
            previous_tag: package.previous_tag.as_deref(),
            tag: package.next_tag.as_deref().unwrap_or_default(),
            commits: &package.commits,
            changes: &package.changes,
            dependencies: &[],
            links: links.as_ref(),
        })?;
        preview.push_str(&format!(
            "#### `{}`\n\n{}\n",
            package.name,
            section.replace("\n## ", "\n##### ").trim_start_matches("## ")
        ));
    }
    let render_with = |preview: Option<(String, bool)>| {
        render::markdown(&render::Comment { plan: head, base, base_name, preview, config }, &template)
            .map_err(release_engine::EngineError::from)
    };
    let full = render_with((!preview.is_empty()).then(|| (preview.clone(), false)))?;
    if full.len() <= MAX_BODY {
        return Ok(full);
    }
    // Too long: keep the table, cut the preview at a line that fits.
    let without = render_with(Some(("…".to_string(), true)))?;
    let room = MAX_BODY.saturating_sub(without.len() + 64);
    let mut cut = String::new();
    for line in preview.lines() {
        if cut.len() + line.len() + 1 > room {
            break;
        }
        cut.push_str(line);
        cut.push('\n');
    }
    cut.push_str("\n…\n");
    let body = render_with(Some((cut, true)))?;
    if body.len() > MAX_BODY {
        let mut without_preview = render_with(None)?;
        let mut end = MAX_BODY.min(without_preview.len());
        while !without_preview.is_char_boundary(end) {
            end -= 1;
        }
        without_preview.truncate(end);
        return Ok(without_preview);
    }
    Ok(body)
}

/// Plans head and base, renders, and creates or updates the one comment.
pub fn post(
    session: &Session<'_>,
    options: &PlanOptions,
    pr: Option<u64>,
    base: Option<String>,
) -> Result<CommentReport> {
    let target = target(pr, base)?;
    let head = session.plan(options)?;
    let base_plan = match &target.base {
        Some(base) => Some(session.plan(&PlanOptions { head: Some(base.clone()), ..options.clone() })?),
        None => None,
    };
    let github = session.github(true)?;
    let body = body(session, &head.plan, base_plan.as_ref().map(|base| &base.plan), &target.base_name)?;
    let existing = github.comments(target.number)?.into_iter().find(|comment| {
        comment.body.as_deref().is_some_and(|text| text.lines().next().is_some_and(|line| line.trim() == MARKER))
    });
    let (action, comment) = match existing {
        Some(comment) if comment.body.as_deref() == Some(body.as_str()) => ("unchanged", comment),
        Some(comment) => ("updated", github.update_comment(comment.id, &body)?),
        None => ("created", github.create_comment(target.number, &body)?),
    };
    Ok(CommentReport { pull_request: target.number, action, url: comment.html_url, length: body.len() })
}
