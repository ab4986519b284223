//! How a plan is shown: a table for a terminal, Markdown for a pull request, JSON for machines.

use std::fmt::Write as _;

use release_changelog::{ChangelogError, Template, escape_markdown, neutralize_controls};
use release_config::Config;
use release_config::promotion::{ApprovalSource, TagOn};
use release_plan::{Bump, PackagePlan, Plan, Reason, Version, bump_name};
use serde::Serialize;

/// The plan as `serde_json::to_writer_pretty` writes it, and a final newline, with the packages
/// rendered in parallel: a whole-history plan is tens of megabytes of JSON, a third of a warm
/// plan's work on one core.
///
/// Each package is rendered on its own at depth 0, then indented to its place (depth 2): pretty
/// JSON puts a newline only between tokens, never inside a string (it writes `\n` there), so
/// four spaces after each newline is exactly the deeper rendering. The rest of the plan is
/// rendered with no packages, and they go in place of its `[]`: the first newline followed by
/// `  "packages": []` is that key's, for the same reason.
///
/// Packages are rendered sixteen at a time (`BATCH`) into buffers reused from batch to batch, and each
/// batch is written before the next is rendered: the JSON is never all in memory at once (23 MB
/// for a whole-history plan of 300 packages; new memory is most of what a warm plan waits on).
pub fn write_json(plan: &Plan, out: &mut impl std::io::Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    const KEY: &[u8] = b"\n  \"packages\": []";
    const BATCH: usize = 16;
    let Plan { schema_version, head, packages, repo, warnings, change_files, skipped } = plan;
    let shell = Plan {
        schema_version: *schema_version,
        head: *head,
        packages: Vec::new(),
        repo: repo.clone(),
        warnings: warnings.clone(),
        change_files: change_files.clone(),
        skipped: skipped.clone(),
    };
    let shell = serde_json::to_vec_pretty(&shell)?;
    let at = match shell.windows(KEY.len()).position(|window| window == KEY) {
        Some(at) if !packages.is_empty() => at + KEY.len() - 1,
        _ => return out.write_all(&shell).and_then(|()| out.write_all(b"\n")),
    };
    out.write_all(&shell[..at])?;
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); BATCH.min(packages.len())];
    for (batch, chunk) in packages.chunks(BATCH).enumerate() {
        buffers[..chunk.len()].par_iter_mut().zip(chunk).try_for_each(|(json, package)| {
            json.clear();
            serde_json::to_writer_pretty(&mut *json, package)
        })?;
        for (index, json) in buffers[..chunk.len()].iter().enumerate() {
            out.write_all(if batch == 0 && index == 0 { b"\n    " } else { b",\n    " })?;
            write_indented(out, json, b"\n    ")?;
        }
    }
    out.write_all(b"\n  ")?;
    out.write_all(&shell[at..])?;
    out.write_all(b"\n")
}

/// `json` with every newline replaced by `newline`, written as it goes (no second copy of a
/// package's JSON).
fn write_indented(out: &mut impl std::io::Write, json: &[u8], newline: &[u8]) -> std::io::Result<()> {
    let mut start = 0;
    for at in memchr::memchr_iter(b'\n', json) {
        out.write_all(&json[start..at])?;
        out.write_all(newline)?;
        start = at + 1;
    }
    out.write_all(&json[start..])
}

/// Styling for a terminal; no colour unless asked for.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color { format!("\u{1b}[{code}m{text}\u{1b}[0m") } else { text.to_string() }
    }

    fn bump(self, bump: Bump, width: usize) -> String {
        let text = format!("{:<width$}", bump_name(bump));
        match bump {
            Bump::Major => self.paint("1;31", &text),
            Bump::Minor => self.paint("1;33", &text),
            Bump::Patch => self.paint("32", &text),
            Bump::None => self.paint("2", &text),
        }
    }

    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

struct Row {
    name: String,
    current: String,
    next: String,
    bump: Bump,
    why: String,
}

/// Text from commits and manifests, safe for a terminal: no escape sequences, no bidi reordering
/// (see [`neutralize_controls`]), on one line.
pub(crate) fn plain(text: &str) -> String {
    neutralize_controls(text).replace(['\n', '\t'], " ")
}

/// Columns padded to their widest cell, the last one unpadded. Cells must be terminal-safe
/// already ([`plain`]).
pub(crate) fn table<const N: usize>(titles: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = titles.map(str::len);
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            widths[index] = widths[index].max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[index]));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(&titles.map(str::to_string));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// The plan as a table for a terminal. Every piece of text from the repository goes through
/// [`plain`]: a commit message must not move the cursor, erase lines or retitle the window.
pub fn text(plan: &Plan, style: Style) -> String {
    let released: Vec<&PackagePlan> = plan.packages.iter().filter(|package| package.bump != Bump::None).collect();
    let unchanged: Vec<&PackagePlan> = plan.packages.iter().filter(|package| package.bump == Bump::None).collect();
    let mut out = headline(plan, released.len());
    write_table(&mut out, &rows(plan, &released), style);
    write_unchanged(&mut out, &unchanged, style);
    write_skipped(&mut out, plan, unchanged.is_empty(), style);
    write_reasons(&mut out, plan, &released, style);
    write_warnings(&mut out, plan, style);
    out
}

/// One table row per release: the released packages, then the repository's own version.
fn rows(plan: &Plan, released: &[&PackagePlan]) -> Vec<Row> {
    let mut rows: Vec<Row> = released
        .iter()
        .map(|package| Row {
            name: plain(&package.name),
            current: package.current_version.to_string(),
            next: package.next_version.to_string(),
            bump: package.bump,
            why: plain(&why(&package.reasons)),
        })
        .collect();
    if let Some(repo) = plan.repo.as_ref().filter(|repo| repo.bump != Bump::None) {
        rows.push(Row {
            name: "(repository)".into(),
            current: repo.current_version.to_string(),
            next: repo.next_version.to_string(),
            bump: repo.bump,
            why: plain(&why(&repo.reasons)),
        });
    }
    rows
}

/// The first line: where the plan was made and how much it releases, so a glance is enough.
fn headline(plan: &Plan, released: usize) -> String {
    let repository = match &plan.repo {
        Some(repo) if repo.bump != Bump::None => {
            format!(", repository {} -> {}", repo.current_version, repo.next_version)
        }
        Some(_) => ", repository unchanged".to_string(),
        None => String::new(),
    };
    format!(
        "release plan at {}: {released} of {} packages to release{repository}\n",
        plan.head.short(),
        plan.packages.len()
    )
}

/// The releases as aligned columns, with the bump coloured by its size.
fn write_table(out: &mut String, rows: &[Row], style: Style) {
    if rows.is_empty() {
        return;
    }
    let width = |get: fn(&Row) -> &str, title: &str| {
        rows.iter().map(|row| get(row).chars().count()).max().unwrap_or(0).max(title.len())
    };
    let name_width = width(|row| &row.name, "PACKAGE");
    let current_width = width(|row| &row.current, "CURRENT");
    let next_width = width(|row| &row.next, "NEXT");
    out.push('\n');
    let header = format!(
        "{:<name_width$}  {:<current_width$}  {:<next_width$}  {:<5}  WHY",
        "PACKAGE", "CURRENT", "NEXT", "BUMP"
    );
    let _ = writeln!(out, "{}", style.bold(&header));
    for row in rows {
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<current_width$}  {:<next_width$}  {}  {}",
            row.name,
            row.current,
            row.next,
            style.bump(row.bump, 5),
            row.why
        );
    }
}

/// The packages with nothing to release, on one dim line: present, but out of the way.
fn write_unchanged(out: &mut String, unchanged: &[&PackagePlan], style: Style) {
    if unchanged.is_empty() {
        return;
    }
    let list: Vec<String> =
        unchanged.iter().map(|package| format!("{} {}", plain(&package.name), package.current_version)).collect();
    let _ = writeln!(out, "\n{}", style.dim(&format!("unchanged: {}", list.join(", "))));
}

/// The packages set aside (private, excluded) with the reason, so none goes missing silently.
/// It joins the "unchanged" paragraph when there is one.
fn write_skipped(out: &mut String, plan: &Plan, new_paragraph: bool, style: Style) {
    if plan.skipped.is_empty() {
        return;
    }
    // A name set aside twice (two private test packages) is told apart by its folder.
    let shown = |package: &release_plan::SkippedPackage| {
        let twice = plan.skipped.iter().filter(|other| other.name == package.name).count() > 1;
        let name = if twice { format!("{} in {}", package.name, package.path) } else { package.name.clone() };
        format!("{} ({})", plain(&name), plain(&package.reason))
    };
    let list: Vec<String> = plan.skipped.iter().map(shown).collect();
    let _ = writeln!(
        out,
        "{}{}",
        if new_paragraph { "\n" } else { "" },
        style.dim(&format!("not released: {}", list.join(", ")))
    );
}

/// Every reason of a release with more than one, which the table's WHY column only summarises.
fn write_reasons(out: &mut String, plan: &Plan, released: &[&PackagePlan], style: Style) {
    let detailed: Vec<(String, &Vec<Reason>)> = released
        .iter()
        .map(|package| {
            (
                format!("{} {} -> {}", plain(&package.name), package.current_version, package.next_version),
                &package.reasons,
            )
        })
        .chain(
            plan.repo
                .iter()
                .filter(|repo| repo.bump != Bump::None)
                .map(|repo| (format!("repository {} -> {}", repo.current_version, repo.next_version), &repo.reasons)),
        )
        .filter(|(_, reasons)| reasons.len() > 1)
        .collect();
    if detailed.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", style.bold("why:"));
    for (title, reasons) in detailed {
        let _ = writeln!(out, "  {title}");
        for reason in reasons {
            let _ = writeln!(out, "    {}  {}", style.bump(reason.bump(), 5), plain(&reason.describe()));
        }
    }
}

/// The planner's warnings, last, where they are read.
fn write_warnings(out: &mut String, plan: &Plan, style: Style) {
    if plan.warnings.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", style.paint("33", "warnings:"));
    for warning in &plan.warnings {
        let _ = writeln!(out, "  {}", plain(warning));
    }
}

pub(crate) fn why(reasons: &[Reason]) -> String {
    match reasons {
        [] => String::new(),
        [only] => only.describe(),
        [first, rest @ ..] => format!("{} (+{} more)", first.describe(), rest.len()),
    }
}

#[derive(Serialize)]
struct MarkdownReason {
    bump: &'static str,
    text: String,
}

#[derive(Serialize)]
struct MarkdownTarget {
    name: String,
    current_version: String,
    next_version: String,
    bump: &'static str,
    reasons: Vec<MarkdownReason>,
}

/// Reasons listed per package in a comment, and the length of each: enough to explain, never
/// enough to push the comment past GitHub's size limit.
const MAX_REASONS: usize = 25;
const MAX_REASON_CHARS: usize = 200;

fn markdown_target(name: &str, current: &Version, next: &Version, bump: Bump, reasons: &[Reason]) -> MarkdownTarget {
    let mut listed: Vec<MarkdownReason> = reasons
        .iter()
        .take(MAX_REASONS)
        .map(|reason| {
            let mut text = reason.describe();
            if text.chars().count() > MAX_REASON_CHARS {
                text = text.chars().take(MAX_REASON_CHARS).collect::<String>() + "…";
            }
            MarkdownReason { bump: bump_name(reason.bump()), text: escape_markdown(&text) }
        })
        .collect();
    if reasons.len() > MAX_REASONS {
        listed.push(MarkdownReason { bump: "…", text: format!("and {} more", reasons.len() - MAX_REASONS) });
    }
    MarkdownTarget {
        name: name.to_string(),
        current_version: current.to_string(),
        next_version: next.to_string(),
        bump: bump_name(bump),
        reasons: listed,
    }
}

/// What the pull-request comment shows.
pub struct Comment<'a> {
    /// The plan at the pull request's head: what the base branch would release if it merged now.
    pub plan: &'a Plan,
    /// The plan at the base, to tell what this pull request adds; `None` shows the plan alone.
    pub base: Option<&'a Plan>,
    /// The base branch's name, for the text.
    pub base_name: &'a str,
    /// A changelog preview (Markdown) and whether it was cut to fit.
    pub preview: Option<(String, bool)>,
    /// For the environments the release will go through.
    pub config: &'a Config,
}

/// One environment a release goes through after it is cut, as the comment shows it.
#[derive(Serialize)]
struct PromotionStep {
    name: String,
    /// Where it must be verified first.
    from: Option<String>,
    /// How long it must have been verified there (`30m`).
    soak: Option<String>,
    /// Who approves: "1 approval from `alice`, `bob`".
    approval: Option<String>,
    /// Tags and GitHub releases wait for this environment's verification (`tag-on = "prod"`).
    tags: bool,
    /// All of the above in one line of Markdown.
    text: String,
}

/// Inside a code span: a backtick would end it.
fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// The environments in promotion order (config keeps upstreams first), and what each asks of a
/// release before it enters.
fn promotion_steps(config: &Config) -> Vec<PromotionStep> {
    let tags_wait = config.promotion.tag_on == TagOn::Prod;
    config
        .environments
        .iter()
        .map(|environment| {
            let soak = (!environment.soak.is_zero() && environment.from.is_some())
                .then(|| release_config::promotion::format_duration(environment.soak));
            let approval = environment.approval.as_ref().filter(|policy| policy.required > 0).map(|policy| {
                let count = match policy.required {
                    1 => "1 approval".to_string(),
                    n => format!("{n} approvals"),
                };
                let names = policy.approvers.iter().map(|name| code(name)).collect::<Vec<_>>().join(", ");
                let from = if names.is_empty() { String::new() } else { format!(" from {names}") };
                match (&policy.source, &policy.github_environment) {
                    (ApprovalSource::GithubEnvironment, Some(github)) => {
                        format!("{count} in the GitHub Environment {}{from}", code(github))
                    }
                    _ => format!("{count}{from}"),
                }
            });
            let tags = tags_wait && config.ends_a_chain(&environment.name);
            let mut parts = Vec::new();
            if let Some(from) = &environment.from {
                parts.push(match &soak {
                    Some(soak) => format!("verified in {} for {soak} first", code(from)),
                    None => format!("verified in {} first", code(from)),
                });
            }
            parts.extend(approval.clone());
            if tags {
                parts.push("tags and GitHub releases once verified".into());
            }
            let mut text = code(&environment.name);
            if !parts.is_empty() {
                text = format!("{text}: {}", parts.join("; "));
            }
            PromotionStep { name: environment.name.clone(), from: environment.from.clone(), soak, approval, tags, text }
        })
        .collect()
}

/// The version a cut of `plan` would promote: the repository's, or the only released package's
/// (as `release promote` defines a release's version); `None` when there is none.
fn release_version(plan: &Plan) -> Option<&Version> {
    match &plan.repo {
        Some(repo) => (repo.bump != Bump::None).then_some(&repo.next_version),
        None => match plan.packages.iter().filter(|package| package.bump != Bump::None).collect::<Vec<_>>()[..] {
            [only] => Some(&only.next_version),
            _ => None,
        },
    }
}

/// The packages the pull request changes: released at the head, and not the same at the base.
pub fn released_by<'a>(plan: &'a Plan, base: Option<&Plan>) -> Vec<&'a PackagePlan> {
    let before: std::collections::HashMap<&str, &PackagePlan> = base
        .map(|base| base.packages.iter().map(|package| (package.name.as_str(), package)).collect())
        .unwrap_or_default();
    plan.packages
        .iter()
        .filter(|package| package.bump != Bump::None)
        .filter(|package| {
            !before
                .get(package.name.as_str())
                .is_some_and(|before| before.next_version == package.next_version && before.reasons == package.reasons)
        })
        .collect()
}

/// The variables of the plan-comment template, for error hints.
const COMMENT_VARIABLES: &str = "plan, released, merged, unchanged (name, current_version, next_version, bump, reasons: bump, text), repo, compared, base_name, preview, preview_truncated, promotion (version, steps: name, from, soak, approval, tags, text)";

/// Renders the pull-request comment with a template (the default one unless overridden), in
/// the environment every template of `release` gets (strict, fuel-limited).
pub fn markdown(comment: &Comment<'_>, template: &Template) -> Result<String, ChangelogError> {
    let error = |error: minijinja::Error| ChangelogError::from_template(&error, COMMENT_VARIABLES);
    let plan = comment.plan;
    let mut environment = release_changelog::environment();
    environment.add_template_owned(template.name.clone(), template.source.clone()).map_err(error)?;
    let target = |package: &PackagePlan| {
        markdown_target(&package.name, &package.current_version, &package.next_version, package.bump, &package.reasons)
    };
    // The released packages are some of the merged ones, in the same order: each described once.
    let merged: Vec<(&str, minijinja::Value)> = plan
        .packages
        .iter()
        .filter(|package| package.bump != Bump::None)
        .map(|package| (package.name.as_str(), minijinja::Value::from_serialize(target(package))))
        .collect();
    let released_names: std::collections::HashSet<&str> =
        released_by(plan, comment.base).into_iter().map(|package| package.name.as_str()).collect();
    let released: Vec<minijinja::Value> =
        merged.iter().filter(|(name, _)| released_names.contains(name)).map(|(_, target)| target.clone()).collect();
    let merged: Vec<minijinja::Value> = merged.into_iter().map(|(_, target)| target).collect();
    let unchanged: Vec<MarkdownTarget> = plan
        .packages
        .iter()
        .filter(|package| package.bump == Bump::None)
        .map(|package| {
            markdown_target(&package.name, &package.current_version, &package.next_version, package.bump, &[])
        })
        .collect();
    let repo = plan
        .repo
        .as_ref()
        .map(|repo| markdown_target("repository", &repo.current_version, &repo.next_version, repo.bump, &repo.reasons));
    let (preview, preview_truncated) = match &comment.preview {
        Some((text, truncated)) => (Some(text.clone()), *truncated),
        None => (None, false),
    };
    let promotion = match release_version(plan) {
        Some(version) if !comment.config.environments.is_empty() => Some(minijinja::context! {
            version => version,
            steps => promotion_steps(comment.config),
        }),
        _ => None,
    };
    let context = minijinja::context! {
        plan => minijinja::Value::from_object(PlanValue(plan.clone())),
        promotion => promotion,
        released => released,
        merged => merged,
        unchanged => unchanged,
        repo => repo,
        compared => comment.base.is_some(),
        base_name => comment.base_name,
        preview => preview,
        preview_truncated => preview_truncated,
    };
    let rendered =
        release_changelog::render_bounded(&environment.get_template(&template.name).map_err(error)?, context)
            .map_err(|failure| error(failure).of(&template.name))?;
    // Reasons are escaped one by one; this catches whatever a template prints raw (a package
    // name, a warning without `| md`).
    Ok(neutralize_controls(&rendered).into_owned())
}

/// `plan` in a comment template: the plan as its JSON has it, each field made a template value
/// when the template reads it. The default template reads only `plan.warnings`, and turning a
/// whole plan into template values (every package's commits and reasons) was most of what
/// rendering the comment cost beyond the plan itself.
#[derive(Debug)]
struct PlanValue(Plan);

impl PlanValue {
    /// The fields of the plan's JSON, in its order (those skipped when empty, when they are).
    fn keys(&self) -> Vec<&'static str> {
        let plan = &self.0;
        let mut keys = vec!["schema_version", "head", "packages", "repo", "warnings"];
        if !plan.change_files.is_empty() {
            keys.push("change_files");
        }
        if !plan.skipped.is_empty() {
            keys.push("skipped");
        }
        keys
    }
}

impl minijinja::value::Object for PlanValue {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        use minijinja::Value;
        let plan = &self.0;
        let key = key.as_str()?;
        if !self.keys().contains(&key) {
            return None;
        }
        Some(match key {
            "schema_version" => Value::from_serialize(plan.schema_version),
            "head" => Value::from_serialize(plan.head),
            "packages" => Value::from_serialize(&plan.packages),
            "repo" => Value::from_serialize(&plan.repo),
            "warnings" => Value::from_serialize(&plan.warnings),
            "change_files" => Value::from_serialize(&plan.change_files),
            _ => Value::from_serialize(&plan.skipped),
        })
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Values(self.keys().into_iter().map(minijinja::Value::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use release_plan::{Bump, CommitEntry, PackagePlan, Plan, Version};

    /// The plan a template reads field by field is the plan serialized whole: the same keys, in
    /// the same order, with the same values, empty lists skipped or not as the JSON does.
    #[test]
    fn a_templates_plan_is_the_plan_serialized_whole() {
        use minijinja::Value;
        let skipped = vec![release_plan::SkippedPackage {
            name: "internal".into(),
            path: "packages/internal".into(),
            reason: "private".into(),
        }];
        for (change_files, skipped) in [(vec![], vec![]), (vec!["changes/a.md".to_string()], skipped)] {
            let plan = Plan {
                schema_version: 1,
                head: "0123456789abcdef0123456789abcdef01234567".parse().unwrap(),
                packages: vec![package("a", &["x", "y"]), package("b", &[])],
                repo: None,
                warnings: vec!["a warning".into()],
                change_files,
                skipped,
            };
            let whole = Value::from_serialize(&plan);
            let lazy = Value::from_object(super::PlanValue(plan.clone()));
            let keys = |value: &Value| value.try_iter().unwrap().map(|key| key.to_string()).collect::<Vec<_>>();
            assert_eq!(keys(&lazy), keys(&whole));
            for key in keys(&whole).iter().map(String::as_str).chain(["missing"]) {
                assert_eq!(lazy.get_attr(key).unwrap(), whole.get_attr(key).unwrap(), "{key}");
            }
            let render = |value: Value| {
                let environment = minijinja::Environment::new();
                let template = "{% for key, value in plan|items %}{{ key }}={{ value }};{% endfor %}{{ plan|length }}";
                environment.render_str(template, minijinja::context! { plan => value }).unwrap()
            };
            assert_eq!(render(lazy), render(whole));
        }
    }

    fn package(name: &str, summaries: &[&str]) -> PackagePlan {
        PackagePlan {
            name: name.into(),
            path: format!("packages/{name}"),
            components: vec!["backend".into()],
            current_version: Version::new(1, 2, 3),
            next_version: Version::new(1, 3, 0),
            bump: Bump::Minor,
            previous_tag: Some(format!("{name}-v1.2.3")),
            next_tag: None,
            commits: summaries
                .iter()
                .map(|summary| CommitEntry {
                    sha: "0123456789abcdef0123456789abcdef01234567".parse().unwrap(),
                    kind: Some("feat".into()),
                    scope: None,
                    breaking: false,
                    summary: (*summary).into(),
                    pr: Some(7),
                    bump: Bump::Minor,
                    breaking_description: Some("line one\n  \"packages\": []\nline three".into()),
                })
                .collect(),
            reasons: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// The parallel rendering is serde_json's pretty rendering, byte for byte, whatever the
    /// strings hold (newlines, the text of the key it splices at, nested quotes).
    #[test]
    fn write_json_is_serde_jsons_pretty_json() {
        let tricky = "\n  \"packages\": []\n\"},{\\";
        // Past one batch of packages too: 40 is two whole batches and part of a third.
        let many: Vec<PackagePlan> = (0..40).map(|index| package(&format!("p{index}"), &[tricky, "z"])).collect();
        for packages in
            [vec![], vec![package("a", &[])], vec![package(tricky, &[tricky, "x"]), package("b", &["y"])], many]
        {
            let plan = Plan {
                schema_version: 1,
                head: "0123456789abcdef0123456789abcdef01234567".parse().unwrap(),
                packages,
                repo: None,
                warnings: vec![tricky.into(), "second".into()],
                change_files: vec![tricky.into()],
                skipped: Vec::new(),
            };
            let mut written = Vec::new();
            super::write_json(&plan, &mut written).unwrap();
            let expected = serde_json::to_string_pretty(&plan).unwrap() + "\n";
            assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
    }
}
