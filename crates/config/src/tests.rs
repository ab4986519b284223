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
    if actual != expected {
        if std::env::var_os("RELEASE_BLESS").is_some() {
            fs_err::write(&path, &expected).unwrap();
        } else {
            panic!(
                "docs/release.schema.json is out of date: run `cargo xtask codegen` (or RELEASE_BLESS=1 cargo test)"
            );
        }
    }
}
