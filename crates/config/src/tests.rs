use std::path::Path;

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(Path::new("release.toml"), text)
}

fn error(text: &str) -> String {
    parse(text).expect_err("the config should be refused").to_string()
}

#[test]
fn empty_file_is_the_default_configuration() {
    let config = parse("").unwrap();
    assert_eq!(config.versioning.initial, semver::Version::new(0, 1, 0));
    assert_eq!(config.versioning.types.get("feat"), Some(&Bump::Minor));
    assert_eq!(config.versioning.types.get("chore"), None);
    assert_eq!(config.workspace.discover, vec![Ecosystem::Cargo, Ecosystem::Npm, Ecosystem::Python]);
    assert!(config.repo.is_none());
}

#[test]
fn the_documented_contract_parses() {
    let config = parse(
        r#"
[versioning]
initial = "1.0.0"
zero-major-breaking = "major"
zero-major-feature = "minor"
non-conventional = "patch"
[versioning.types]
Docs = "patch"

[workspace]
discover = []

[[package]]
name = "express-api"
path = "./apps/express-api/"
include = ["proto/**"]
exclude = ["apps/express-api/docs/**"]
tag = "express-api@v{version}"

[components]
backend = ["apps/express-api/**"]
infra = ["infrastructure/**"]

[repo]
tag = "v{version}"

[[rule]]
name = "infrastructure changes break compatibility"
paths = ["infrastructure/**"]
bump = "major"
applies-to = "repo"

[[rule]]
name = "backend"
components = ["backend", "infra"]
match = "any"
bump = "minor"
applies-to = ["express-api"]
"#,
    )
    .unwrap();
    assert_eq!(config.versioning.zero_major_breaking, Bump::Major);
    assert_eq!(config.versioning.zero_major_feature, Bump::Minor);
    assert_eq!(config.versioning.types.get("docs"), Some(&Bump::Patch));
    assert!(config.workspace.discover.is_empty());
    assert_eq!(config.packages[0].path.as_deref(), Some("apps/express-api"));
    assert_eq!(config.packages[0].tag.as_ref().unwrap().render("x", "1.0.0"), "express-api@v1.0.0");
    assert_eq!(config.rules[0].applies_to, AppliesTo::Repo);
    assert!(matches!(
        &config.rules[1].selector,
        RuleSelector::Components { names, match_: ComponentMatch::Any } if names.len() == 2
    ));
    assert_eq!(config.rules[1].applies_to, AppliesTo::Names(vec!["express-api".into()]));
}

#[test]
fn changelog_templates_and_version_files() {
    let config = parse(
        r#"
[changelog]
root = false
types = { Refactor = "Refactoring" }
repository-url = "https://github.example.com/acme/shop"

[templates]
changelog = "./.release/changelog.md.j2"

[[package]]
name = "chart"
path = "deploy/chart"
changelog = false
version-files = ["deploy/chart/VERSION", { path = "deploy/chart/Chart.yaml", marker = "x-release-version" }]

[[package]]
name = "api"
changelog = "docs/api/CHANGELOG.md"
"#,
    )
    .unwrap();
    assert_eq!(config.changelog.root, None);
    assert!(config.changelog.packages);
    assert_eq!(config.changelog.types, [("refactor".to_string(), "Refactoring".to_string())]);
    assert_eq!(config.templates.changelog.as_deref(), Some(".release/changelog.md.j2"));
    assert_eq!(config.packages[0].changelog, Some(None));
    assert_eq!(
        config.packages[0].version_files,
        [
            VersionFile { path: "deploy/chart/VERSION".into(), marker: None },
            VersionFile { path: "deploy/chart/Chart.yaml".into(), marker: Some("x-release-version".into()) },
        ]
    );
    assert_eq!(config.packages[1].changelog, Some(Some("docs/api/CHANGELOG.md".into())));
    assert_eq!(parse("").unwrap().changelog.root.as_deref(), Some("CHANGELOG.md"));
}

#[test]
fn environments_are_ordered_upstream_first() {
    let config = parse(
        r#"
[promotion]
tag-on = "prod"
concurrency = "queue"
freeze = [{ from = "2025-12-20T00:00:00Z", until = "2026-01-05T00:00:00Z", reason = "holidays" }]

[environments.prod]
deploy = ["./deploy.sh", "prod"]
from = "staging"
soak = "30m"
approval = { required = 1, approvers = ["alice", "bob"], expires = "72h" }
on-verify-failure = "rollback"

[environments.staging]
deploy = ["./deploy.sh", "staging"]
url = "http://127.0.0.1:8081"
verify = { http = "{url}/health", body-contains = "{version}", interval = "2s", count = 5, failure-limit = 1, consecutive-successes = 3, timeout = "5s" }
"#,
    )
    .unwrap();
    let names: Vec<&str> = config.environments.iter().map(|environment| environment.name.as_str()).collect();
    assert_eq!(names, ["staging", "prod"]);
    assert_eq!(config.environments[1].soak, std::time::Duration::from_secs(1800));
    assert_eq!(config.environments[0].verify.as_ref().unwrap().consecutive_successes, 3);
    assert_eq!(config.promotion.freeze[0].from, 1_766_188_800);
}

#[test]
fn a_chain_ends_where_nothing_promotes_from_an_environment_with_an_upstream() {
    let environments = |names: &[(&str, Option<&str>)]| {
        let mut text = String::new();
        for (name, from) in names {
            text.push_str(&format!("[environments.{name}]\ndeploy = [\"d\"]\n"));
            if let Some(from) = from {
                text.push_str(&format!("from = \"{from}\"\n"));
            }
        }
        parse(&text).unwrap()
    };
    let config = environments(&[("staging", None), ("prod", Some("staging")), ("preview", None)]);
    let ends: Vec<bool> = ["staging", "prod", "preview", "nowhere"].map(|name| config.ends_a_chain(name)).to_vec();
    assert_eq!(ends, [false, true, false, false], "a side environment beside a chain ends nothing");
    let config = environments(&[("prod", None)]);
    assert!(config.ends_a_chain("prod"), "a lone environment is its own chain");
    let config = environments(&[("dev", None), ("eu", Some("dev")), ("us", Some("dev"))]);
    assert_eq!(["dev", "eu", "us"].map(|name| config.ends_a_chain(name)), [false, true, true]);
}

#[test]
fn bad_environments_are_named() {
    let check = |text: &str, expected: &str| {
        let message = error(text);
        assert!(message.contains(expected), "expected: {expected}\n     got: {message}");
    };
    check(
        "[environments.prod]\ndeploy = [\"d\"]\nfrom = \"stagin\"\n",
        "`environments.prod.from`: `stagin` is not an environment (hint: environments: prod)",
    );
    check(
        "[environments.a]\ndeploy = [\"d\"]\nfrom = \"b\"\n[environments.b]\ndeploy = [\"d\"]\nfrom = \"a\"\n",
        "`from` forms a cycle: a <- b, b <- a",
    );
    check(
        "[environments.prod]\ndeploy = [\"d\"]\napproval = { required = 3, approvers = [\"alice\"] }\n",
        "3 approvals required but 1 approver(s) listed",
    );
    check("[environments.prod]\ndeploy = [\"d\"]\nsoak = \"a while\"\n", "invalid duration \"a while\"");
    check("[environments.prod]\ndeploy = []\n", "the deploy command is empty");
    check(
        "[environments.prod]\ndeploy = [\"d\"]\napproval = { environment = \"production\" }\n",
        "`environment` names the GitHub Environment whose reviewers approve, so it needs `source = \"github-environment\"`",
    );
}

#[test]
fn bad_input_names_file_line_and_key() {
    let cases = [
        ("[versioning\n", "release.toml:1:12: invalid TOML"),
        (
            "[[package]]\nname = \"a\"\nnmae = \"b\"\n",
            "release.toml:3:1: unknown key `nmae` (hint: did you mean `name`?)",
        ),
        (
            "[[rule]]\nname = \"r\"\npaths = [\"a/**\"]\nbump = \"major\"\napplies_to = \"repo\"\n",
            "release.toml:5:1: unknown key `applies_to` (hint: did you mean `applies-to`?)",
        ),
        (
            "[[rule]]\nname = \"r\"\npaths = [\"ok/**\", \"a/[b\"]\nbump = \"major\"\napplies-to = \"repo\"\n",
            "release.toml:3:19: `rule.paths`: invalid glob `a/[b`: unclosed character class; missing",
        ),
        (
            "[[package]]\nname = \"a\"\n[[package]]\nname = \"a\"\n",
            "release.toml:4:8: `package.name`: two packages are named `a`",
        ),
        ("[repo]\ntag = \"release\"\n", "release.toml:2:7: `repo.tag`: tag template `release` has no `{version}`"),
        (
            "[versioning]\ninitial = \"1.0\"\n",
            "release.toml:2:11: `versioning.initial`: `1.0` is not a semantic version",
        ),
        (
            "[components]\nbackend = [\"a/**\"]\n[[rule]]\nname = \"r\"\ncomponents = [\"bakend\"]\nbump = \"minor\"\napplies-to = \"repo\"\n",
            "release.toml:5:14: `rule.components`: unknown component `bakend` (hint: did you mean `backend`?)",
        ),
        (
            "[[rule]]\nname = \"r\"\npaths = [\"a/**\"]\nbump = \"huge\"\napplies-to = \"repo\"\n",
            "release.toml:4:8: invalid TOML: unknown variant `huge`, expected one of `none`, `patch`, `minor`, `major`",
        ),
        (
            "[[rule]]\nname = \"r\"\npaths = [\"a/**\"]\nbump = \"major\"\napplies-to = \"everyone\"\n",
            "release.toml:5:14: `rule.applies-to`: `everyone` is not a target",
        ),
        (
            "[templates]\nchangelog = \"../shared/changelog.j2\"\n",
            "release.toml:2:13: `templates.changelog`: path `../shared/changelog.j2` leaves the repository",
        ),
        (
            "[[package]]\nname = \"a\"\npath = \"../elsewhere\"\n",
            "release.toml:3:8: `package.path`: path `../elsewhere` leaves the repository",
        ),
        (
            "[workspace]\nprivate = \"hide\"\n",
            "release.toml:2:11: invalid TOML: unknown variant `hide`, expected `release` or `skip`",
        ),
        (
            "sign-commit = true\n[cut]\nremote = \"origin\"\n",
            "release.toml:1:1: unknown key `sign-commit` (hint: `sign-commit` is a cargo-release key: cargo-release's configuration stays in release.toml, release's goes in .config/release.toml)",
        ),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(message.starts_with(expected), "for:\n{text}\nexpected: {expected}\n     got: {message}");
    }
}

#[test]
fn json_schema_in_docs_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/release.schema.json");
    let expected = json_schema();
    let actual = fs_err::read_to_string(&path).unwrap_or_default();
    // A freshness check, not a snapshot: `cargo xtask codegen` is the one way to regenerate it.
    assert!(actual == expected, "docs/release.schema.json is out of date (hint: run `cargo xtask codegen`)");
}

/// `[environments.X.verify]` used to be checked only by the first verification, after the deploy
/// had run: the environment was then held (exit 16) on a release nobody could verify. Each
/// setting is now checked when the file loads, at its own line.
#[test]
fn verify_settings_are_checked_when_the_file_loads() {
    let check = |verify: &str, expected: &str| {
        let text = format!(
            "[environments.staging]\ndeploy = [\"d\"]\nurl = \"http://127.0.0.1:8081\"\n\n[environments.staging.verify]\nhttp = \"{{url}}/health\"\n{verify}\n"
        );
        let message = error(&text);
        assert_eq!(message, expected, "for:\n{text}");
    };
    check(
        "status = 999",
        "release.toml:7:10: `environments.staging.verify.status`: 999 is not an HTTP status (hint: the status a healthy service answers with, between 100 and 599, e.g. 200)",
    );
    check(
        "status = 99",
        "release.toml:7:10: `environments.staging.verify.status`: 99 is not an HTTP status (hint: the status a healthy service answers with, between 100 and 599, e.g. 200)",
    );
    check(
        "timeout = \"0s\"",
        "release.toml:7:11: `environments.staging.verify.timeout`: a timeout of 0s fails every check before it is sent (hint: the time one check may take, e.g. timeout = \"5s\")",
    );
    check(
        "timeout = \"soon\"",
        "release.toml:7:11: `environments.staging.verify.timeout`: invalid duration \"soon\" (hint: write a whole number and a unit, ms, s, m or h, such as 500ms, 2s, 5m or 72h, or a sum such as 1h30m)",
    );
    check(
        "interval = \"0ms\"",
        "release.toml:7:12: `environments.staging.verify.interval`: an interval of 0s runs the 5 checks back to back, giving the service no time to come up (hint: the time between two checks, e.g. interval = \"2s\" (or count = 1 for a single check))",
    );
    check(
        "count = 0",
        "release.toml:7:9: `environments.staging.verify.count`: 0 checks: the verification could never pass (hint: the most checks to run, e.g. count = 5)",
    );
    check(
        "consecutive-successes = 0",
        "release.toml:7:25: `environments.staging.verify.consecutive-successes`: 0 successes in a row would pass a service that never answered (hint: the successes in a row that pass the verification, at least 1)",
    );
    check(
        "count = 3\nconsecutive-successes = 4",
        "release.toml:8:25: `environments.staging.verify.consecutive-successes`: 4 successes in a row can never happen in 3 checks (hint: raise `count` to at least 4, or lower `consecutive-successes`)",
    );
    check(
        "count = 3\nfailure-limit = 3",
        "release.toml:8:17: `environments.staging.verify.failure-limit`: a limit of 3 can never be exceeded in 3 checks (hint: the verification fails once more than `failure-limit` checks went wrong: keep it below `count` (3), or raise `count`)",
    );
    check(
        "error-limit = 7",
        "release.toml:7:15: `environments.staging.verify.error-limit`: a limit of 7 can never be exceeded in 5 checks (hint: the verification fails once more than `error-limit` checks went wrong: keep it below `count` (5), or raise `count`)",
    );

    // One interval of 0s is fine when there is a single check; limits below count are fine.
    let config = parse(
        "[environments.staging]\ndeploy = [\"d\"]\nverify = { http = \"https://staging.example.com/health?v={version}\", interval = \"0s\", count = 1 }\n[environments.prod]\ndeploy = [\"d\"]\nverify = { http = \"http://[::1]:8080/\", count = 3, failure-limit = 2, error-limit = 2, consecutive-successes = 3, status = 204 }\n",
    )
    .unwrap();
    let prod = config.environments.iter().find(|environment| environment.name == "prod").unwrap();
    let verify = prod.verify.as_ref().unwrap();
    assert_eq!((verify.count, verify.failure_limit, verify.error_limit), (3, 2, 2));
    assert!(matches!(verify.probe, crate::promotion::Probe::Http { status: 204, .. }));
}

/// A `command` check and a monitoring window are checked when the file loads too, each at its
/// own line: an empty argv, a check that is both kinds or neither, HTTP keys on a command, a
/// window that watches nothing and a monitor with nothing to check.
#[test]
fn command_checks_and_monitor_windows_are_checked_when_the_file_loads() {
    let check = |environment: &str, expected: &str| {
        let text = format!("[environments.staging]\ndeploy = [\"d\"]\n{environment}\n");
        assert_eq!(error(&text), expected, "for:\n{text}");
    };
    check(
        "verify = { command = [] }",
        "release.toml:3:22: `environments.staging.verify.command`: the check command is empty (hint: write it as a list: command = [\"./scripts/smoke.sh\", \"--quick\"])",
    );
    check(
        "verify = { command = [\"./smoke\"], http = \"http://x/\" }",
        "release.toml:3:22: `environments.staging.verify.command`: a check is one of `http`, `command` and `prometheus`, not http and command (hint: keep one; for more, write a command that runs them all)",
    );
    check(
        "verify = { count = 2 }",
        "release.toml:3:10: `environments.staging.verify`: the check has none of `http`, `command` and `prometheus` (hint: add http = \"{url}/health\", or command = [\"./scripts/smoke.sh\"])",
    );
    check(
        "verify = { command = [\"./smoke\"], status = 204 }",
        "release.toml:3:44: `environments.staging.verify.status`: `status` applies to an `http` check, and this one is a `command` (hint: a command check passes on exit 0; remove the key)",
    );
    check(
        "verify = { command = [\"./smoke\"], timeout = \"0s\" }",
        "release.toml:3:45: `environments.staging.verify.timeout`: a timeout of 0s fails every check before it is sent (hint: the time one check may take, e.g. timeout = \"5s\")",
    );
    check(
        "verify = { prometheus = \"http://prom:9090\" }",
        "release.toml:3:25: `environments.staging.verify.prometheus`: a prometheus check needs a `query` (hint: e.g. query = 'sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))')",
    );
    check(
        "verify = { prometheus = \"http://prom:9090\", query = \"up\" }",
        "release.toml:3:53: `environments.staging.verify.query`: a prometheus check needs a bound: `min`, `max` or both (hint: the value the query may reach and stay healthy, e.g. max = 0.01 for a 1% error rate)",
    );
    check(
        "verify = { prometheus = \"prom:9090\", query = \"up\", min = 1.0 }",
        "release.toml:3:25: `environments.staging.verify.prometheus`: `prom:9090` is not a URL: it has no `http://` or `https://` (hint: the Prometheus server's address, e.g. prometheus = \"http://prometheus.monitoring:9090\")",
    );
    check(
        "verify = { prometheus = \"http://prom:9090\", query = \"up\", min = 2.0, max = 1.0 }",
        "release.toml:3:65: `environments.staging.verify.min`: `min` 2 is above `max` 1 (hint: min is the lowest healthy value)",
    );
    check(
        "verify = { prometheus = \"http://prom:9090\", query = \"up\", max = 1.0, status = 200 }",
        "release.toml:3:79: `environments.staging.verify.status`: `status` applies to an `http` check, and this one is a `prometheus` (hint: a prometheus check passes on its query's value (`min`, `max`); remove the key)",
    );
    check(
        "verify = { http = \"http://x/\", max = 1.0 }",
        "release.toml:3:38: `environments.staging.verify.max`: `max` applies to a `prometheus` check, and this one is an `http` (hint: an http check passes on its `status` and `body-contains`; remove the key)",
    );
    check(
        "monitor = { for = \"soon\" }",
        "release.toml:3:19: `environments.staging.monitor.for`: invalid duration \"soon\" (hint: write a whole number and a unit, ms, s, m or h, such as 500ms, 2s, 5m or 72h, or a sum such as 1h30m)",
    );
    check(
        "monitor = { for = \"0s\", command = [\"./check\"] }",
        "release.toml:3:19: `environments.staging.monitor.for`: a window of 0s watches nothing (hint: how long to watch the release after it is verified, e.g. for = \"30m\")",
    );
    check(
        "monitor = { for = \"30m\" }",
        "release.toml:3:11: `environments.staging.monitor`: the monitor has no check: no `http`, `command` or `prometheus` of its own, and the environment has no `verify` (hint: add http = \"{url}/health\" or command = [\"./scripts/check.sh\"] to the monitor)",
    );
    check(
        "monitor = { for = \"30m\", every = \"1m\", command = [\"./check\"] }",
        "release.toml:3:26: unknown key `every` (hint: how often the monitor checks is the schedule that runs `release watch` (its cron), not a key here)",
    );

    // A monitor without a check of its own watches with the verification's check.
    let config = parse(
        "[environments.staging]\ndeploy = [\"d\"]\nverify = { command = [\"./smoke\", \"--quick\"], timeout = \"20s\" }\nmonitor = { for = \"30m\", failure-limit = 2 }\n",
    )
    .unwrap();
    let staging = &config.environments[0];
    let monitor = staging.monitor.as_ref().unwrap();
    assert_eq!((monitor.window.as_secs(), monitor.failure_limit, monitor.timeout.as_secs()), (1800, 2, 20));
    assert_eq!(monitor.probe, crate::promotion::Probe::Command { argv: vec!["./smoke".into(), "--quick".into()] });
}

#[test]
fn verify_and_environment_urls_must_be_http_urls() {
    let check = |environment: &str, expected: &str| {
        let text = format!("[environments.staging]\ndeploy = [\"d\"]\n{environment}\n");
        let message = error(&text);
        assert_eq!(message, expected, "for:\n{text}");
    };
    check(
        "verify = { http = \"not a url\" }",
        "release.toml:3:19: `environments.staging.verify.http`: `not a url` contains ' ' (hint: write an http:// or https:// URL, e.g. http = \"{url}/health\" or \"https://staging.example.com/health\")",
    );
    check(
        "verify = { http = \"file:///etc/passwd\" }",
        "release.toml:3:19: `environments.staging.verify.http`: `file:///etc/passwd` uses `file://`: only http:// and https:// can be checked (hint: write an http:// or https:// URL, e.g. http = \"{url}/health\" or \"https://staging.example.com/health\")",
    );
    check(
        "verify = { http = \"{url}/health\" }",
        "release.toml:3:19: `environments.staging.verify.http`: `{url}/health` uses `{url}` but the environment has no `url` (hint: add `url = \"https://...\"` to [environments.staging], or write the whole address)",
    );
    check(
        "url = \"staging.example.com\"\nverify = { http = \"{url}/health\" }",
        "release.toml:3:7: `environments.staging.url`: `staging.example.com` is not a URL: it has no `http://` or `https://` (hint: write the environment's address, e.g. url = \"https://staging.example.com\")",
    );
    check(
        "url = \"ftp://example.com\"",
        "release.toml:3:7: `environments.staging.url`: `ftp://example.com` uses `ftp://`: only http:// and https:// can be checked (hint: write the environment's address, e.g. url = \"https://staging.example.com\")",
    );
    check(
        "verify = { http = \"http://example.com/{build}\" }",
        "release.toml:3:19: `environments.staging.verify.http`: `http://example.com/{build}` has a placeholder other than `{url}` and `{version}` (hint: write an http:// or https:// URL, e.g. http = \"{url}/health\" or \"https://staging.example.com/health\")",
    );
    check(
        "verify = { http = \"{version}/health\" }",
        "release.toml:3:19: `environments.staging.verify.http`: `{version}/health` gives URLs like `1.0.0/health`, which is not a URL: it has no `http://` or `https://` (hint: write an http:// or https:// URL, e.g. http = \"{url}/health\" or \"https://staging.example.com/health\")",
    );
}

/// `rollback = []` was accepted while `deploy = []` was refused, and every rollback then
/// panicked indexing the empty argv. An argv whose program is empty is refused for both.
#[test]
fn empty_deploy_and_rollback_commands_are_refused() {
    let check = |commands: &str, expected: &str| {
        let text = format!("[environments.prod]\n{commands}\n");
        let message = error(&text);
        assert!(message.starts_with(expected), "for:\n{text}\nexpected: {expected}\n     got: {message}");
    };
    let deploy_hint = "(hint: write it as a list: deploy = [\"./scripts/deploy.sh\", \"staging\"])";
    check(
        "deploy = []",
        &format!("release.toml:2:10: `environments.prod.deploy`: the deploy command is empty {deploy_hint}"),
    );
    check(
        "deploy = [\"\", \"x\"]",
        &format!("release.toml:2:10: `environments.prod.deploy`: the deploy command is empty {deploy_hint}"),
    );
    let rollback_hint = "(hint: write it as a list, rollback = [\"./scripts/rollback.sh\", \"staging\"], or remove the key to roll back with `deploy`)";
    check(
        "deploy = [\"d\"]\nrollback = []",
        &format!("release.toml:3:12: `environments.prod.rollback`: the rollback command is empty {rollback_hint}"),
    );
    check(
        "deploy = [\"d\"]\nrollback = [\" \", \"prod\"]",
        &format!("release.toml:3:12: `environments.prod.rollback`: the rollback command is empty {rollback_hint}"),
    );
    let config = parse("[environments.prod]\ndeploy = [\"d\"]\nrollback = [\"r\", \"prod\"]\n").unwrap();
    assert_eq!(config.environments[0].rollback.as_deref(), Some(&["r".to_string(), "prod".to_string()][..]));
}

/// `[cut] branches = []` was accepted; a detached head then indexed the empty list, and the
/// branch error read "releases are cut from , not from main".
#[test]
fn an_empty_branch_list_is_refused() {
    let cases = [
        (
            "[cut]\nbranches = []\n",
            "release.toml:2:12: `cut.branches`: no branch is listed, so no release could ever be cut (hint: list the branches releases are cut from, e.g. branches = [\"main\"], or remove the key for the default)",
        ),
        (
            "[cut]\nbranches = [\"main\", \"\"]\n",
            "release.toml:2:21: `cut.branches`: a branch name is empty (hint: list the branches releases are cut from, e.g. branches = [\"main\"])",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(error(text), expected, "for:\n{text}");
    }
    let config = parse("[cut]\nbranches = [\"release\"]\n").unwrap();
    assert_eq!(config.cut.branches, ["release"]);
}

/// `[cut] remote`, `[promotion] ledger` and rendered tag names reach `git` as arguments: a value
/// starting with `-` was read as an option (`remote = "-x"`, `tag = "-v{version}"`).
#[test]
fn values_git_would_read_as_options_or_refuse_as_refs_are_refused() {
    let cases = [
        (
            "[cut]\nremote = \"-x\"\n",
            "release.toml:2:10: `cut.remote`: `-x` starts with `-`, so git would read it as an option (hint: name a remote of the repository, as `git remote` lists them, e.g. \"origin\")",
        ),
        (
            "[cut]\nremote = \"--upload-pack=touch pwned\"\n",
            "release.toml:2:10: `cut.remote`: `--upload-pack=touch pwned` starts with `-`, so git would read it as an option (hint: name a remote of the repository, as `git remote` lists them, e.g. \"origin\")",
        ),
        (
            "[cut]\nremote = \"\"\n",
            "release.toml:2:10: `cut.remote`: `` is empty (hint: name a remote of the repository, as `git remote` lists them, e.g. \"origin\")",
        ),
        (
            "[cut]\nremote = \"https://github.com/acme/shop.git\"\n",
            "release.toml:2:10: `cut.remote`: `https://github.com/acme/shop.git` contains `/`: it is a path or a URL, not the name of a remote (hint: name a remote of the repository, as `git remote` lists them, e.g. \"origin\")",
        ),
        (
            "[cut]\nremote = \"up stream\"\n",
            "release.toml:2:10: `cut.remote`: `up stream` contains ` ` (hint: name a remote of the repository, as `git remote` lists them, e.g. \"origin\")",
        ),
        (
            "[cut]\ncommit-message = \"chore: {summary}\\n\\nRelease-Tag: v9.9.9 9.9.9 forged\"\n",
            "release.toml:2:18: `cut.commit-message`: `chore: {summary}\\n\\nRelease-Tag: v9.9.9 9.9.9 forged` contains the control character '\\n' (hint: the commit message is the release commit's one-line subject)",
        ),
        (
            "[promotion]\nledger = \"-d\"\n",
            "release.toml:2:10: `promotion.ledger`: `-d` starts with `-`, so git would read it as an option (hint: write a full ref name, e.g. \"refs/heads/release-ledger\")",
        ),
        (
            "[promotion]\nledger = \"release-ledger\"\n",
            "release.toml:2:10: `promotion.ledger`: `release-ledger` is not a full ref name (hint: write a full ref name, e.g. \"refs/heads/release-ledger\")",
        ),
        (
            "[repo]\ntag = \"-v{version}\"\n",
            "release.toml:2:7: `repo.tag`: tag template `-v{version}` gives tags like `-v1.0.0`, which starts with `-`, so git would read it as an option (hint: a tag is a git ref name",
        ),
        (
            "[[package]]\nname = \"api\"\ntag = \"refs/tags/{name}-{version}\"\n",
            "release.toml:3:7: `package.tag`: tag template `refs/tags/{name}-{version}` gives tags like `refs/tags/name-1.0.0`, which starts with `refs/`",
        ),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(message.starts_with(expected), "for:\n{text}\nexpected: {expected}\n     got: {message}");
    }
    let config = parse("[cut]\nremote = \"upstream\"\n[promotion]\nledger = \"refs/heads/deploys\"\n").unwrap();
    assert_eq!((config.cut.remote.as_str(), config.promotion.ledger.as_str()), ("upstream", "refs/heads/deploys"));
}

/// A release.toml that is a directory, or not UTF-8, ended as an unexpected I/O error (exit 2)
/// that said nothing about the file. Both are invalid input, named as such.
#[test]
fn a_release_toml_that_is_not_a_utf8_file_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    fs_err::write(&file, b"[cut]\nremote = \"origin\"\n# caf\xe9\n").unwrap();
    let error = Config::load(dir.path()).expect_err("not UTF-8");
    assert!(matches!(error, ConfigError::NotUtf8 { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("{}:3:6: not UTF-8 text: byte 0xe9 (hint: TOML is UTF-8; save the file as UTF-8)", file.display())
    );

    fs_err::remove_file(&file).unwrap();
    fs_err::create_dir(&file).unwrap();
    let error = Config::load(dir.path()).expect_err("a directory");
    assert!(matches!(error, ConfigError::NotAFile { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: is a directory, not a file (hint: release.toml at the repository root must be a TOML file)",
            file.display()
        )
    );

    // A FIFO would block the read until some writer came along: refused without opening it.
    fs_err::remove_dir(&file).unwrap();
    let status = std::process::Command::new("mkfifo").arg(&file).status().unwrap();
    assert!(status.success());
    let error = Config::load(dir.path()).expect_err("a FIFO");
    assert!(error.to_string().contains("is a FIFO, socket or device, not a file"), "{error}");

    fs_err::remove_file(&file).unwrap();
    assert!(Config::load(dir.path()).is_ok(), "no release.toml is the default configuration");
}

/// `[repo] tag = "{name}/v{version}"` rendered `/v1.0.0`: the repository-level version has no name.
#[test]
fn a_repository_tag_template_cannot_name_a_package() {
    let message = error("[repo]\ntag = \"{name}/v{version}\"\n");
    assert!(
        message.starts_with("release.toml:2:7: `repo.tag`: tag template `{name}/v{version}` has `{name}`"),
        "{message}"
    );
    assert!(parse("[repo]\ntag = \"release-{version}\"\n").is_ok());
}

/// `[promotion] ledger = "refs/heads/main"` was accepted, and promotion replaced main's files
/// with its event.json at the tip.
#[test]
fn the_ledger_is_a_branch_of_its_own() {
    let message = error("[promotion]\nledger = \"refs/heads/main\"\n");
    assert!(message.contains("`promotion.ledger`: `refs/heads/main` is the release branch `main`"), "{message}");
    let message = error("[promotion]\nledger = \"refs/tags/x\"\n");
    assert!(message.contains("is not a branch (`refs/heads/...`)"), "{message}");
    assert!(parse("[promotion]\nledger = \"refs/heads/deployments\"\n").is_ok());
}

#[test]
fn private_packages_are_released_unless_the_workspace_says_skip() {
    assert_eq!(parse("").unwrap().workspace.private, PrivatePackages::Release);
    assert_eq!(parse("[workspace]\nprivate = \"skip\"\n").unwrap().workspace.private, PrivatePackages::Skip);
}

/// Regression: a Rust repository released with cargo-release already has a `release.toml` of
/// its own, and every command failed on it: `release.toml:1:1: unknown key pre-release-hook`.
#[test]
fn a_cargo_release_release_toml_is_recognised() {
    let text = "pre-release-hook = [\"./hook.sh\"]\ntag-name = \"{{prefix}}v{{version}}\"\ntag-prefix = \"{{crate_name}}-\"\nshared-version = true\nsign-commit = true\nconsolidate-commits = true\nallow-branch = [\"main\"]\n";
    let found = cargo_release::detect_text(text).unwrap();
    assert_eq!(found.keys[..3], ["pre-release-hook", "tag-name", "tag-prefix"]);
    assert_eq!(found.tag_template().as_deref(), Some("{name}-v{version}"));
    assert_eq!(found.shared_version, Some(cargo_release::SharedVersion::All));
    let group = cargo_release::detect_text("shared-version = \"core\"\ntag-name = \"{{date}}\"\n").unwrap();
    assert_eq!(group.shared_version, Some(cargo_release::SharedVersion::Group("core".into())));
    assert_eq!(group.tag_template(), None, "a template that does not map");
    // Ours, a mixture, mostly unknown keys, and not TOML are not cargo-release's.
    for text in ["[cut]\nremote = \"origin\"\n", "sign-commit = true\n[cut]\n", "a = 1\nb = 2\npush = true\n", "[x", ""]
    {
        assert_eq!(cargo_release::detect_text(text), None, "{text}");
    }

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs_err::write(root.join("release.toml"), text).unwrap();
    let config = Config::load(root).unwrap();
    assert_eq!(config.file, root.join("release.toml"));
    assert_eq!(
        config.warnings,
        [
            "release.toml is cargo-release's configuration (keys `pre-release-hook`, `tag-name`, `tag-prefix`), not release's: using the defaults (hint: put release's configuration in .config/release.toml; cargo-release keeps release.toml)"
        ]
    );
    // The second place is read, and says where an error is.
    fs_err::create_dir_all(root.join(".config")).unwrap();
    fs_err::write(root.join(".config/release.toml"), "[cut]\nremote = \"upstream\"\n").unwrap();
    let config = Config::load(root).unwrap();
    assert_eq!((config.cut.remote.as_str(), config.warnings.len()), ("upstream", 0));
    assert_eq!(config.file, root.join(".config/release.toml"));
    fs_err::write(root.join(".config/release.toml"), "[cut]\nremot = \"upstream\"\n").unwrap();
    let error = Config::load(root).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("{}:2:1: unknown key `remot`", root.join(".config/release.toml").display())),
        "{error}"
    );
    // Two configurations of ours are refused rather than one silently ignored.
    fs_err::write(root.join("release.toml"), "[cut]\nremote = \"origin\"\n").unwrap();
    let error = Config::load(root).unwrap_err();
    assert!(matches!(error, ConfigError::TwoPlaces { .. }), "{error}");
    // Without a root file the second place is read too.
    fs_err::remove_file(root.join("release.toml")).unwrap();
    fs_err::write(root.join(".config/release.toml"), "[cut]\nremote = \"upstream\"\n").unwrap();
    assert_eq!(Config::load(root).unwrap().cut.remote, "upstream");
}

#[test]
fn versioning_sources_default_to_commits_and_refuse_bad_input() {
    assert_eq!(parse("").unwrap().versioning.sources, [Source::Commits]);
    let config = parse("[versioning]\nsources = [\"changesets\", \"commits\", \"changesets\"]\n").unwrap();
    assert_eq!(config.versioning.sources, [Source::Commits, Source::Changesets]);
    assert_eq!(
        error("[versioning]\nsources = []\n"),
        "release.toml:2:11: `versioning.sources`: no source is listed, so nothing could ever be released (hint: list at least one of \"commits\", \"changesets\", \"covector\", or remove the key for the default)"
    );
    let unknown = error("[versioning]\nsources = [\"knope\"]\n");
    assert!(unknown.starts_with("release.toml:2:"), "{unknown}");
    assert!(
        unknown.contains("unknown variant `knope`, expected one of `commits`, `changesets`, `covector`"),
        "{unknown}"
    );
}

#[test]
fn the_changelog_style_is_one_of_two() {
    assert_eq!(parse("").unwrap().changelog.style, None);
    let config = parse("[changelog]\nstyle = \"keep-a-changelog\"\n").unwrap();
    assert_eq!(config.changelog.style, Some(ChangelogStyle::KeepAChangelog));
    assert_eq!(
        error("[changelog]\nstyle = \"keepachangelog\"\n"),
        "release.toml:2:9: invalid TOML: unknown variant `keepachangelog`, expected `conventional` or `keep-a-changelog`"
    );
}

/// `[pr]`: the release pull request's branches, title and labels; every bad value names its key.
#[test]
fn pr_settings_and_their_mistakes() {
    let config = parse("[cut]\nbranches = [\"trunk\"]\n").unwrap();
    assert_eq!((config.pr.base.as_str(), config.pr.from.as_str()), ("trunk", "trunk"));
    assert_eq!(config.pr.branch, "release/next");
    let config = parse("[pr]\nbase = \"main\"\nfrom = \"develop\"\ntitle = \"ship {summary}\"\n").unwrap();
    assert!(config.pr.is_git_flow());
    let cases = [
        (
            "[pr]\nbranch = \"main\"\n",
            "release.toml:2:10: `pr.branch`: `main` is also the pull request's base or `from` branch (hint: the tool force-pushes its release branch: give it one of its own, e.g. \"release/next\")",
        ),
        (
            "[pr]\nfrom = \"-x\"\n",
            "release.toml:2:8: `pr.from`: `-x` starts with `-`, so git would read it as an option (hint: name a branch as `git branch` shows it, e.g. \"main\" or \"release/next\")",
        ),
        (
            "[pr]\npending-labels = [\"\"]\n",
            "release.toml:2:19: `pr.pending-labels`: label `` is empty (hint: a GitHub label name, e.g. \"release: pending\")",
        ),
        (
            "[pr]\ntitle = \"a\\nb\"\n",
            "release.toml:2:9: `pr.title`: `a\\nb` contains the control character '\\n' (hint: one line of text, e.g. \"release: {summary}\")",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(error(text), expected, "for:\n{text}");
    }
    assert!(error("[pr]\nlabel = \"x\"\n").contains("`label`"), "{}", error("[pr]\nlabel = \"x\"\n"));
}

/// `[[notify]]` targets: the defaults, and every bad value named at its line with a hint; a
/// webhook URL written into the file is refused, since it is a secret.
#[test]
fn notify_targets_are_checked_when_the_file_loads() {
    let environments =
        "[environments.staging]\ndeploy = [\"d\"]\n[environments.prod]\ndeploy = [\"d\"]\nfrom = \"staging\"\n";
    let config = parse(&format!(
        "{environments}[[notify]]\nkind = \"webhook\"\nurl-env = \"SLACK_WEBHOOK_URL\"\n[[notify]]\nkind = \"github\"\nevents = [\"rolled-back\", \"held\", \"held\"]\nenvironments = [\"prod\"]\ntimeout = \"2s\"\n"
    ))
    .unwrap();
    use crate::notify::{NotifyEvent, NotifyKind};
    assert_eq!(config.notify.len(), 2);
    assert_eq!(config.notify[0].name, "webhook SLACK_WEBHOOK_URL");
    assert_eq!(config.notify[0].kind, NotifyKind::Webhook { url_env: "SLACK_WEBHOOK_URL".into() });
    assert_eq!(config.notify[0].events, NotifyEvent::ALL.to_vec());
    assert_eq!(config.notify[0].timeout, std::time::Duration::from_secs(5));
    assert_eq!(config.notify[1].name, "github");
    assert_eq!(config.notify[1].events, [NotifyEvent::RolledBack, NotifyEvent::Held]);
    assert!(config.notify[1].wants(NotifyEvent::Held, "prod"));
    assert!(!config.notify[1].wants(NotifyEvent::Held, "staging"));
    assert!(!config.notify[1].wants(NotifyEvent::Verified, "prod"));

    let check = |target: &str, expected: &str| {
        let text = format!("{environments}[[notify]]\n{target}\n");
        assert_eq!(error(&text), expected, "for:\n{text}");
    };
    check(
        "kind = \"webhook\"\nurl = \"https://hooks.slack.com/services/T0/B0/secret\"",
        "release.toml:8:7: `notify[0].url`: a webhook URL is a secret and does not belong in release.toml (hint: put it in a CI secret and name the variable that holds it: url-env = \"SLACK_WEBHOOK_URL\")",
    );
    check(
        "kind = \"webhook\"\nurl-env = \"https://hooks.slack.com/services/T0/B0/secret\"",
        "release.toml:8:11: `notify[0].url-env`: `https://hooks.slack.com/services/T0/B0/secret` is not an environment variable's name (hint: that is the URL itself, a secret: put it in a CI secret and write the variable's name here, e.g. url-env = \"SLACK_WEBHOOK_URL\")",
    );
    check(
        "kind = \"webhook\"",
        "release.toml:6:1: `notify[0].url-env`: a webhook target names the environment variable that holds its URL (hint: add url-env = \"SLACK_WEBHOOK_URL\" and set that variable in CI)",
    );
    check(
        "kind = \"slack\"",
        "release.toml:7:8: `notify[0].kind`: unknown kind `slack` (hint: kind = \"webhook\" or kind = \"github\")",
    );
    check(
        "url-env = \"X\"",
        "release.toml:6:1: `notify[0].kind`: a target says what it is (hint: add kind = \"webhook\" (with url-env) or kind = \"github\")",
    );
    check(
        "kind = \"github\"\nurl-env = \"X\"",
        "release.toml:8:11: `notify[0].url-env`: a github target comments through the GitHub API and has no URL (hint: remove url-env; the comment uses GITHUB_TOKEN)",
    );
    check(
        "kind = \"github\"\nevents = [\"verified\", \"rolledback\"]",
        "release.toml:8:23: `notify[0].events`: unknown event `rolledback` (hint: did you mean `rolled-back`?)",
    );
    check(
        "kind = \"github\"\nevents = []",
        "release.toml:8:10: `notify[0].events`: an empty list notifies of nothing (hint: leave `events` out for every event, or name some, e.g. [\"rolled-back\", \"held\"])",
    );
    check(
        "kind = \"github\"\nenvironments = [\"prd\"]",
        "release.toml:8:17: `notify[0].environments`: unknown environment `prd` (hint: did you mean `prod`?)",
    );
    check(
        "kind = \"github\"\ntimeout = \"2m\"",
        "release.toml:8:11: `notify[0].timeout`: `2m` is not between 1ms and 30s (hint: a notification never holds up a promotion for long: e.g. timeout = \"5s\")",
    );
    check(
        "kind = \"github\"\n[[notify]]\nkind = \"github\"",
        "release.toml:8:1: `notify[1]`: a second target named `github` (hint: give each [[notify]] entry its own `name`)",
    );
    check(
        "kind = \"github\"\nchannel = \"#ops\"",
        "release.toml:8:1: unknown key `channel` (hint: valid keys here: kind, url-env, url, events, environments, timeout, name)",
    );
}
