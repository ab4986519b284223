//! Every fixture in `fixtures/` plans exactly its expected JSON.

use release_test_support::Fixture;

use crate::release;

#[test]
fn every_fixture_plans_its_expected_json() {
    let names = Fixture::names().unwrap();
    for required in ["cargo-workspace", "mixed", "pnpm-workspace", "seeds-monorepo", "single-package"] {
        assert!(names.iter().any(|name| name == required), "fixture `{required}` is missing");
    }
    let bless = std::env::var_os("RELEASE_BLESS").is_some();
    let mut failures = Vec::new();
    for name in names {
        let fixture = Fixture::load(&name).unwrap();
        let dir = tempfile::tempdir().unwrap();
        fixture.build(dir.path()).unwrap();
        for case in &fixture.case {
            let mut args = vec!["plan", "--format", "json"];
            args.extend(case.args.iter().map(String::as_str));
            let output = release(dir.path(), &args);
            assert!(output.status.success(), "{name} {:?}: {}", case.args, String::from_utf8_lossy(&output.stderr));
            let actual = String::from_utf8(output.stdout).unwrap();
            let path = fixture.dir.join(&case.expect);
            let expected = fs_err::read_to_string(&path).unwrap_or_default();
            if actual != expected {
                if bless {
                    fs_err::write(&path, &actual).unwrap();
                } else {
                    failures.push(format!("{name} {:?} differs from {}:\n{actual}", case.args, path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}\n(hint: review, then RELEASE_BLESS=1 to accept)", failures.join("\n"));
}

#[test]
fn plans_are_the_same_from_a_subdirectory_and_with_head_given() {
    let fixture = Fixture::load("seeds-monorepo").unwrap();
    let dir = tempfile::tempdir().unwrap();
    fixture.build(dir.path()).unwrap();
    let from_root = release(dir.path(), &["plan", "--format", "json"]);
    let from_inside = release(&dir.path().join("apps/client-ui"), &["plan", "--format", "json", "--head", "main"]);
    assert!(from_root.status.success());
    assert_eq!(from_root.stdout, from_inside.stdout);
}

/// The shipped workflows pass `${{ ... }}` expressions to scripts only through `env:`: an
/// expression spliced into a `run:` script is GitHub Actions' script-injection hole (a workflow
/// input or branch name holding `"; curl ... | sh; "` would run).
#[test]
fn shipped_workflows_never_splice_expressions_into_scripts() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/ci/github");
    let mut checked = 0;
    for entry in fs_err::read_dir(&directory).unwrap() {
        let path = entry.unwrap().path();
        let text = fs_err::read_to_string(&path).unwrap();
        let mut script_indent: Option<usize> = None;
        for (number, line) in text.lines().enumerate() {
            let indent = line.len() - line.trim_start().len();
            if script_indent.is_some_and(|outer| indent <= outer && !line.trim().is_empty()) {
                script_indent = None;
            }
            let trimmed = line.trim_start().trim_start_matches("- ");
            let in_script = script_indent.is_some() || trimmed.starts_with("run:");
            if trimmed.starts_with("run:") {
                checked += 1;
                if trimmed.trim_end().ends_with('|') || trimmed.trim_end().ends_with('>') {
                    script_indent = Some(indent);
                }
            }
            assert!(
                !(in_script && line.contains("${{")),
                "{}:{}: an expression in a script; pass it through `env:`: {line}",
                path.display(),
                number + 1
            );
        }
    }
    assert!(checked >= 6, "found only {checked} run steps");
}
