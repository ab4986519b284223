//! How a plan is shown: a table for a terminal, Markdown for a pull request, JSON for machines.

use std::fmt::Write as _;

use release_changelog::escape_markdown;
use release_plan::{Bump, PackagePlan, Plan, Reason, bump_name, short};
use serde::Serialize;

/// The default Markdown template of the pull-request comment.
pub const PLAN_COMMENT_TEMPLATE: &str = include_str!("../../../templates/plan-comment.md.j2");

pub fn json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).expect("a plan serializes");
    text.push('\n');
    text
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

pub fn text(plan: &Plan, style: Style) -> String {
    let released: Vec<&PackagePlan> = plan.packages.iter().filter(|package| package.bump != Bump::None).collect();
    let unchanged: Vec<&PackagePlan> = plan.packages.iter().filter(|package| package.bump == Bump::None).collect();
    let mut rows: Vec<Row> = released
        .iter()
        .map(|package| Row {
            name: package.name.clone(),
            current: package.current_version.clone(),
            next: package.next_version.clone(),
            bump: package.bump,
            why: why(&package.reasons),
        })
        .collect();
    if let Some(repo) = plan.repo.as_ref().filter(|repo| repo.bump != Bump::None) {
        rows.push(Row {
            name: "(repository)".into(),
            current: repo.current_version.clone(),
            next: repo.next_version.clone(),
            bump: repo.bump,
            why: why(&repo.reasons),
        });
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "release plan at {}: {} of {} packages to release{}",
        short(&plan.head),
        released.len(),
        plan.packages.len(),
        match &plan.repo {
            Some(repo) if repo.bump != Bump::None =>
                format!(", repository {} -> {}", repo.current_version, repo.next_version),
            Some(_) => ", repository unchanged".to_string(),
            None => String::new(),
        }
    );
    if !rows.is_empty() {
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
        for row in &rows {
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
    if !unchanged.is_empty() {
        let list: Vec<String> =
            unchanged.iter().map(|package| format!("{} {}", package.name, package.current_version)).collect();
        let _ = writeln!(out, "\n{}", style.dim(&format!("unchanged: {}", list.join(", "))));
    }

    let detailed: Vec<(String, &Vec<Reason>)> = released
        .iter()
        .map(|package| {
            (format!("{} {} -> {}", package.name, package.current_version, package.next_version), &package.reasons)
        })
        .chain(
            plan.repo
                .iter()
                .filter(|repo| repo.bump != Bump::None)
                .map(|repo| (format!("repository {} -> {}", repo.current_version, repo.next_version), &repo.reasons)),
        )
        .filter(|(_, reasons)| reasons.len() > 1)
        .collect();
    if !detailed.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("why:"));
        for (title, reasons) in detailed {
            let _ = writeln!(out, "  {title}");
            for reason in reasons {
                let _ = writeln!(out, "    {}  {}", style.bump(reason.bump(), 5), reason.describe());
            }
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", style.paint("33", "warnings:"));
        for warning in &plan.warnings {
            let _ = writeln!(out, "  {warning}");
        }
    }
    out
}

fn why(reasons: &[Reason]) -> String {
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

fn markdown_target(name: &str, current: &str, next: &str, bump: Bump, reasons: &[Reason]) -> MarkdownTarget {
    MarkdownTarget {
        name: name.to_string(),
        current_version: current.to_string(),
        next_version: next.to_string(),
        bump: bump_name(bump),
        reasons: reasons
            .iter()
            .map(|reason| MarkdownReason { bump: bump_name(reason.bump()), text: escape_markdown(&reason.describe()) })
            .collect(),
    }
}

/// Renders the pull-request comment with a template (the default one unless overridden).
pub fn markdown(plan: &Plan, template: &str) -> Result<String, minijinja::Error> {
    let mut environment = minijinja::Environment::new();
    environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    environment.add_filter("md", |text: String| escape_markdown(&text));
    environment.add_template("plan-comment.md.j2", template)?;
    let released: Vec<MarkdownTarget> = plan
        .packages
        .iter()
        .filter(|package| package.bump != Bump::None)
        .map(|package| {
            markdown_target(
                &package.name,
                &package.current_version,
                &package.next_version,
                package.bump,
                &package.reasons,
            )
        })
        .collect();
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
    let context = minijinja::context! { plan => plan, released => released, unchanged => unchanged, repo => repo };
    environment.get_template("plan-comment.md.j2")?.render(context)
}
