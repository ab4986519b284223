//! Every fixture in `fixtures/` plans exactly its expected JSON, kept as an insta snapshot in
//! the fixture's folder (`fixtures/<name>/<snapshot>.snap`): `cargo insta review` accepts a change.

use release_test_support::Fixture;

use crate::release;

#[test]
fn every_fixture_plans_its_expected_json() {
    let names = Fixture::names().unwrap();
    for required in ["cargo-workspace", "mixed", "pnpm-workspace", "seeds-monorepo", "single-package"] {
        assert!(names.iter().any(|name| name == required), "fixture `{required}` is missing");
    }
    for name in names {
        let fixture = Fixture::load(&name).unwrap();
        let dir = tempfile::tempdir().unwrap();
        fixture.build(dir.path()).unwrap();
        for case in &fixture.case {
            let mut args = vec!["plan", "--format", "json"];
            args.extend(case.args.iter().map(String::as_str));
            let output = release(dir.path(), &args);
            assert!(output.status.success(), "{name} {:?}: {}", case.args, String::from_utf8_lossy(&output.stderr));
            let plan = String::from_utf8(output.stdout).unwrap();
            insta::with_settings!({
                snapshot_path => fixture.dir.canonicalize().unwrap(),
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("release plan --format json {}", case.args.join(" ")).trim_end().to_string(),
            }, {
                insta::assert_snapshot!(case.snapshot.as_str(), plan);
            });
        }
    }
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

/// The shipped workflows, the action and this project's own workflows pass `${{ ... }}`
/// expressions to scripts only through `env:`: an expression spliced into a `run:` script is
/// GitHub Actions' script-injection hole (a workflow input or branch name holding
/// `"; curl ... | sh; "` would run).
#[test]
fn shipped_workflows_never_splice_expressions_into_scripts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![root.join("action.yml")];
    for folder in ["templates/ci/github", ".github/workflows"] {
        files.extend(fs_err::read_dir(root.join(folder)).unwrap().map(|entry| entry.unwrap().path()));
    }
    let mut checked = 0;
    for path in files {
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
    assert!(checked >= 12, "found only {checked} run steps");
}

/// The `run:` block of the step named `step` in a shipped workflow, dedented.
fn workflow_script(workflow: &str, step: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/ci/github").join(workflow);
    let text = fs_err::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let named = lines.iter().position(|line| line.trim_start().trim_start_matches("- ") == format!("name: {step}"));
    let named = named.unwrap_or_else(|| panic!("{workflow} has no step `{step}`"));
    let run = named + lines[named..].iter().position(|line| line.trim() == "run: |").expect("a run block");
    let outer = lines[run].len() - lines[run].trim_start().len();
    let block: Vec<&str> = lines[run + 1..]
        .iter()
        .take_while(|line| line.trim().is_empty() || line.len() - line.trim_start().len() > outer)
        .copied()
        .collect();
    let indent =
        block.iter().filter(|line| !line.trim().is_empty()).map(|line| line.len() - line.trim_start().len()).min();
    block.iter().map(|line| line.get(indent.unwrap_or(0)..).unwrap_or("")).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_promote_workflow_hands_its_inputs_to_release_as_arguments_verbatim() {
    let script = workflow_script("promote.yml", "Promote or roll back");
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    fs_err::create_dir_all(&bin).unwrap();
    // Stand-ins: `release` writes its arguments one per line; `git config` does nothing.
    for (name, body) in [("release", "printf '%s\\n' \"$@\" > \"$ARGUMENTS\""), ("git", "exit 0")] {
        fs_err::write(bin.join(name), format!("#!/usr/bin/env bash\n{body}\n")).unwrap();
        fs_err::set_permissions(bin.join(name), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    fs_err::write(dir.path().join("step.sh"), format!("set -e\n{script}\n")).unwrap();
    let hostile = "hotfix $(touch pwned); `touch pwned` \"quoted\"";
    // (inputs set, arguments release gets)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case<'_>; 5] = [
        (&[("TARGET", "prod")], &["promote", "prod"]),
        (&[("TARGET", "prod"), ("SKIP", "none"), ("REASON", "ignored")], &["promote", "prod"]),
        (&[("TARGET", "prod"), ("VERSION", "3.0.1")], &["promote", "prod", "--version", "3.0.1"]),
        (
            &[("TARGET", "prod"), ("VERSION", "3.0.1"), ("SKIP", "upstream"), ("REASON", hostile)],
            &["promote", "prod", "--version", "3.0.1", "--skip", "upstream", "--reason", hostile],
        ),
        (&[("TARGET", "prod"), ("VERSION", "3.0.0"), ("ROLLBACK", "true")], &["rollback", "prod", "--to", "3.0.0"]),
    ];
    for (inputs, expected) in cases {
        let arguments = dir.path().join("arguments");
        let mut command = std::process::Command::new("bash");
        command.arg(dir.path().join("step.sh")).current_dir(dir.path());
        command.env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()));
        command.env("ARGUMENTS", &arguments);
        for name in ["TARGET", "VERSION", "ROLLBACK", "SKIP", "REASON"] {
            command.env(name, ""); // GitHub sets every input, empty when not given
        }
        command.envs(inputs.iter().copied());
        let output = command.output().unwrap();
        assert!(output.status.success(), "{inputs:?}: {}", String::from_utf8_lossy(&output.stderr));
        let passed = fs_err::read_to_string(&arguments).unwrap();
        assert_eq!(passed.lines().collect::<Vec<_>>(), expected, "{inputs:?}");
        assert!(!dir.path().join("pwned").exists(), "an input ran as code");
    }
}
