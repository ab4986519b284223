//! Loading release.toml never panics, whatever the file holds: arbitrary bytes, arbitrary TOML
//! built from the keys release.toml knows (so validation, not only the parser, is reached), and
//! valid files with random edits (so errors point into every corner of a real file).

use std::path::Path;

use proptest::prelude::*;
use release_config::Config;

/// Every key release.toml knows, plus a few it does not.
const KEYS: &[&str] = &[
    "versioning",
    "initial",
    "zero-major-breaking",
    "zero-major-feature",
    "non-conventional",
    "types",
    "dependents",
    "workspace",
    "discover",
    "ignore",
    "package",
    "name",
    "path",
    "include",
    "exclude",
    "tag",
    "changelog",
    "version-files",
    "assets",
    "marker",
    "components",
    "repo",
    "commits",
    "packages",
    "rule",
    "paths",
    "match",
    "breaking",
    "bump",
    "applies-to",
    "root",
    "repository-url",
    "templates",
    "release-notes",
    "plan-comment",
    "cut",
    "branches",
    "remote",
    "commit-message",
    "promotion",
    "tag-on",
    "ledger",
    "concurrency",
    "lock-timeout",
    "freeze",
    "from",
    "until",
    "reason",
    "github-deployments",
    "environments",
    "staging",
    "prod",
    "deploy",
    "rollback",
    "url",
    "verify",
    "http",
    "status",
    "body-contains",
    "interval",
    "count",
    "failure-limit",
    "error-limit",
    "consecutive-successes",
    "timeout",
    "soak",
    "approval",
    "required",
    "approvers",
    "allow-self",
    "expires",
    "source",
    "environment",
    "on-verify-failure",
    "command",
    "monitor",
    "for",
    "nmae",
    "é",
    "",
];

/// Values worth trying: the enums' variants, placeholders, edge durations, URLs and refs.
const WORDS: &[&str] = &[
    "",
    " ",
    "-x",
    "/",
    "refs/",
    "a..b",
    "@{",
    "major",
    "minor",
    "patch",
    "none",
    "ignore",
    "error",
    "same",
    "cargo",
    "npm",
    "python",
    "all",
    "any",
    "repo",
    "cut",
    "prod",
    "queue",
    "reject",
    "rollback",
    "hold",
    "release",
    "github-environment",
    "staging",
    "{version}",
    "{name}",
    "{name}-v{version}",
    "-v{version}",
    "v{version}.lock",
    "{summary}",
    "{url}/health",
    "{url}",
    "http://",
    "http://127.0.0.1:8080/health",
    "file:///etc/passwd",
    "0s",
    "0ms",
    "2s",
    "1h30m",
    "99999999999999999999h",
    "2025-12-20T00:00:00Z",
    "2025-02-30T00:00:00+01:00",
    "9999-99-99T99:99:99Z",
    "../x",
    "a/[b",
    "**",
    "é",
    "\u{0}",
    "\n",
    "\u{feff}",
    "x-release-version",
];

#[derive(Debug, Clone)]
enum Node {
    Value(toml_edit::Value),
    Table(Vec<(String, Node)>),
    Tables(Vec<Vec<(String, Node)>>),
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![9 => proptest::sample::select(KEYS).prop_map(str::to_string), 1 => "\\PC{0,8}"].boxed()
}

fn scalar() -> impl Strategy<Value = toml_edit::Value> {
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(toml_edit::Value::from),
        2 => "\\PC{0,12}".prop_map(toml_edit::Value::from),
        2 => prop_oneof![Just(0i64), Just(-1), Just(1), Just(99), Just(999), Just(65536), any::<i64>()]
            .prop_map(toml_edit::Value::from),
        1 => any::<bool>().prop_map(toml_edit::Value::from),
        1 => any::<f64>().prop_map(toml_edit::Value::from),
    ]
}

fn value() -> impl Strategy<Value = toml_edit::Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|values| { toml_edit::Value::Array(values.into_iter().collect()) }),
            proptest::collection::vec((key(), inner), 0..4).prop_map(|entries| {
                let mut table = toml_edit::InlineTable::new();
                for (key, value) in entries {
                    table.insert(&key, value);
                }
                toml_edit::Value::InlineTable(table)
            }),
        ]
    })
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = value().prop_map(Node::Value);
    leaf.prop_recursive(3, 40, 5, |inner| {
        let entries = proptest::collection::vec((key(), inner), 0..5);
        prop_oneof![
            entries.clone().prop_map(Node::Table),
            proptest::collection::vec(entries, 1..3).prop_map(Node::Tables),
        ]
    })
}

fn table(entries: Vec<(String, Node)>) -> toml_edit::Table {
    let mut table = toml_edit::Table::new();
    for (key, node) in entries {
        let item = match node {
            Node::Value(value) => toml_edit::Item::Value(value),
            Node::Table(entries) => toml_edit::Item::Table(self::table(entries)),
            Node::Tables(tables) => {
                let mut array = toml_edit::ArrayOfTables::new();
                for entries in tables {
                    array.push(self::table(entries));
                }
                toml_edit::Item::ArrayOfTables(array)
            }
        };
        table.insert(&key, item);
    }
    table
}

fn document() -> impl Strategy<Value = String> {
    proptest::collection::vec((key(), node()), 0..8)
        .prop_map(|entries| toml_edit::DocumentMut::from(table(entries)).to_string())
}

/// The type a key takes; a shaped document gives the right type nine times in ten.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Texts,
    Number,
    Flag,
    /// One of these words (an enum), or any word.
    OneOf(&'static [&'static str]),
    Table(&'static [(&'static str, Kind)]),
    /// An array of these words (enums).
    Words(&'static [&'static str]),
    /// An array of inline tables.
    Tables(&'static [(&'static str, Kind)]),
}

use Kind::{Flag, Number, OneOf, Table, Tables, Text, Texts, Words};

const BUMPS: Kind = OneOf(&["none", "patch", "minor", "major"]);

const VERIFY: &[(&str, Kind)] = &[
    ("http", Text),
    ("command", Texts),
    ("status", Number),
    ("body-contains", Text),
    ("interval", Text),
    ("count", Number),
    ("failure-limit", Number),
    ("error-limit", Number),
    ("consecutive-successes", Number),
    ("timeout", Text),
    ("prometheus", Text),
    ("query", Text),
    ("max", Number),
];
const MONITOR: &[(&str, Kind)] = &[
    ("for", Text),
    ("failure-limit", Number),
    ("http", Text),
    ("command", Texts),
    ("status", Number),
    ("body-contains", Text),
    ("timeout", Text),
    ("prometheus", Text),
    ("query", Text),
    ("min", Number),
];
const APPROVAL: &[(&str, Kind)] = &[
    ("required", Number),
    ("approvers", Texts),
    ("allow-self", Flag),
    ("expires", Text),
    ("source", OneOf(&["release", "github-environment"])),
    ("environment", Text),
];
const ENVIRONMENT: &[(&str, Kind)] = &[
    ("deploy", Texts),
    ("rollback", Texts),
    ("url", Text),
    ("verify", Table(VERIFY)),
    ("from", Text),
    ("soak", Text),
    ("approval", Table(APPROVAL)),
    ("on-verify-failure", OneOf(&["rollback", "hold"])),
    ("monitor", Table(MONITOR)),
];
const FREEZE: &[(&str, Kind)] = &[("from", Text), ("until", Text), ("reason", Text)];
const SECTIONS: &[(&str, &[(&str, Kind)])] = &[
    (
        "versioning",
        &[
            ("initial", OneOf(&["0.1.0", "1.0.0-rc.1", "1.0"])),
            ("zero-major-breaking", OneOf(&["minor", "major"])),
            ("zero-major-feature", OneOf(&["patch", "minor"])),
            ("non-conventional", OneOf(&["ignore", "patch", "error"])),
            ("dependents", OneOf(&["none", "patch", "same"])),
            ("types", Table(&[("feat", BUMPS), ("docs", BUMPS)])),
        ],
    ),
    ("workspace", &[("discover", Words(&["cargo", "npm", "python"])), ("ignore", Texts)]),
    ("repo", &[("tag", Text), ("commits", Flag), ("packages", Flag), ("assets", Texts)]),
    ("changelog", &[("packages", Flag), ("root", Text), ("repository-url", Text)]),
    ("templates", &[("changelog", Text), ("release-notes", Text), ("plan-comment", Text)]),
    ("cut", &[("branches", Texts), ("remote", Text), ("commit-message", Text)]),
    (
        "promotion",
        &[
            ("tag-on", OneOf(&["cut", "prod"])),
            ("ledger", Text),
            ("concurrency", OneOf(&["queue", "reject"])),
            ("lock-timeout", Text),
            ("github-deployments", Flag),
            ("freeze", Tables(FREEZE)),
        ],
    ),
    ("components", &[("backend", Texts), ("infra", Texts)]),
    ("environments", &[("staging", Table(ENVIRONMENT)), ("prod", Table(ENVIRONMENT))]),
];
const PACKAGE: &[(&str, Kind)] = &[
    ("name", Text),
    ("path", Text),
    ("include", Texts),
    ("exclude", Texts),
    ("tag", Text),
    ("changelog", Text),
    ("version-files", Texts),
    ("assets", Texts),
];
const NOTIFY: &[(&str, Kind)] = &[
    ("kind", OneOf(&["webhook", "github", "slack"])),
    ("url-env", OneOf(&["SLACK_WEBHOOK_URL", "https://hooks.example/x", "1BAD"])),
    ("events", Words(&["verified", "rolled-back", "held", "released", "approval-needed", "rolledback"])),
    ("environments", Words(&["staging", "prod", "qa"])),
    ("timeout", OneOf(&["5s", "0s", "1m", "soon"])),
    ("name", Text),
];
const RULE: &[(&str, Kind)] = &[
    ("name", Text),
    ("paths", Texts),
    ("components", Texts),
    ("match", OneOf(&["all", "any"])),
    ("breaking", Flag),
    ("bump", BUMPS),
    ("applies-to", OneOf(&["repo", "packages"])),
];

fn word() -> BoxedStrategy<toml_edit::Value> {
    prop_oneof![4 => proptest::sample::select(WORDS).prop_map(toml_edit::Value::from), 1 => "\\PC{0,12}".prop_map(toml_edit::Value::from)].boxed()
}

/// A value for a key of `kind`: nearly always of that type (a file has many keys, and one wrong
/// type stops deserialization before validation), rarely anything.
fn shaped(kind: Kind) -> BoxedStrategy<toml_edit::Value> {
    let right = match kind {
        Text => word(),
        Texts => proptest::collection::vec(word(), 0..3)
            .prop_map(|values| toml_edit::Value::Array(values.into_iter().collect()))
            .boxed(),
        Number => prop_oneof![Just(0i64), Just(1), Just(2), Just(5), Just(99), Just(999), Just(65536), -3i64..10]
            .prop_map(toml_edit::Value::from)
            .boxed(),
        Flag => any::<bool>().prop_map(toml_edit::Value::from).boxed(),
        OneOf(words) => prop_oneof![
            199 => proptest::sample::select(words).prop_map(toml_edit::Value::from),
            1 => word()
        ]
        .boxed(),
        Words(words) => proptest::collection::vec(proptest::sample::select(words), 0..3)
            .prop_map(|values| toml_edit::Value::Array(values.into_iter().collect()))
            .boxed(),
        Tables(keys) => proptest::collection::vec(
            shaped_table(keys).prop_map(|table| toml_edit::Value::InlineTable(table.into_inline_table())),
            0..3,
        )
        .prop_map(|values| toml_edit::Value::Array(values.into_iter().collect()))
        .boxed(),
        Table(keys) => {
            shaped_table(keys).prop_map(|table| toml_edit::Value::InlineTable(table.into_inline_table())).boxed()
        }
    };
    prop_oneof![299 => right, 1 => value()].boxed()
}

/// Some of `keys`, each with a shaped value.
fn shaped_table(keys: &'static [(&'static str, Kind)]) -> BoxedStrategy<toml_edit::Table> {
    let entries: Vec<BoxedStrategy<Option<(&'static str, toml_edit::Value)>>> = keys
        .iter()
        .map(|&(key, kind)| {
            // Keys a table needs are nearly always there, so the checks behind them are reached.
            let presence = if ["name", "deploy", "http", "bump", "applies-to", "from", "until"].contains(&key) {
                0.95
            } else {
                0.4
            };
            proptest::option::weighted(presence, shaped(kind).prop_map(move |value| (key, value))).boxed()
        })
        .collect();
    entries
        .prop_map(|entries| {
            let mut table = toml_edit::Table::new();
            for (key, value) in entries.into_iter().flatten() {
                table.insert(key, toml_edit::Item::Value(value));
            }
            table
        })
        .boxed()
}

/// A release.toml with the right sections and keys, and values that are often wrong.
fn shaped_document() -> impl Strategy<Value = String> {
    let sections: Vec<BoxedStrategy<Option<(&'static str, toml_edit::Table)>>> = SECTIONS
        .iter()
        .map(|&(name, keys)| {
            proptest::option::weighted(0.35, shaped_table(keys).prop_map(move |table| (name, table))).boxed()
        })
        .collect();
    (
        sections,
        proptest::collection::vec(shaped_table(PACKAGE), 0..3),
        proptest::collection::vec(shaped_table(RULE), 0..3),
        proptest::collection::vec(shaped_table(NOTIFY), 0..3),
    )
        .prop_map(|(sections, packages, rules, notify)| {
            let mut document = toml_edit::DocumentMut::new();
            for (name, table) in sections.into_iter().flatten() {
                document.insert(name, toml_edit::Item::Table(table));
            }
            for (name, tables) in [("package", packages), ("rule", rules), ("notify", notify)] {
                if !tables.is_empty() {
                    document.insert(name, toml_edit::Item::ArrayOfTables(tables.into_iter().collect()));
                }
            }
            document.to_string()
        })
}

/// A file that loads, to edit at random.
const VALID: &str = r#"[versioning]
initial = "1.0.0"
[[package]]
name = "api"
path = "apps/api"
tag = "api@v{version}"
version-files = ["apps/api/VERSION", { path = "chart/Chart.yaml", marker = "x-release-version" }]
[repo]
tag = "v{version}"
[[rule]]
name = "infra"
paths = ["infra/**"]
bump = "major"
applies-to = "repo"
[cut]
branches = ["main"]
remote = "origin"
[promotion]
freeze = [{ from = "2025-12-20T00:00:00Z", until = "2026-01-05T00:00:00Z" }]
[environments.staging]
deploy = ["./deploy.sh", "staging"]
url = "http://127.0.0.1:8081"
verify = { http = "{url}/health", count = 5, consecutive-successes = 2, timeout = "1s" }
[environments.prod]
deploy = ["./deploy.sh", "prod"]
rollback = ["./rollback.sh"]
from = "staging"
approval = { required = 1, approvers = ["alice"] }
"#;

fn parse(text: &str) {
    // Ok or Err are both fine; the error must also render.
    if let Err(error) = Config::parse(Path::new("release.toml"), text) {
        let _ = error.to_string();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        parse(&String::from_utf8_lossy(&bytes));
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(dir.path().join("release.toml"), &bytes).unwrap();
        if let Err(error) = Config::load(dir.path()) {
            let _ = error.to_string();
        }
    }

    #[test]
    fn arbitrary_toml_never_panics(text in document()) {
        parse(&text);
    }

    #[test]
    fn release_tomls_with_odd_values_never_panic(text in shaped_document()) {
        parse(&text);
    }

    #[test]
    fn edited_valid_files_never_panic(
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0..4usize, "\\PC{0,3}|[\\[\\]{}=\"',.\\n#]"), 1..4)
    ) {
        let mut text = VALID.to_string();
        for (at, remove, insert) in edits {
            let mut start = at.index(text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + remove).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, &insert);
        }
        parse(&text);
    }
}

#[test]
fn the_valid_file_loads() {
    Config::parse(Path::new("release.toml"), VALID).unwrap();
}
