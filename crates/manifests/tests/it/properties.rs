//! Property tests: for any text around a version field (comments, white space, other keys and
//! tables, fields named `version` elsewhere, CRLF, a BOM), an edit changes the version's bytes
//! and nothing else.

use proptest::prelude::*;
use release_manifests::{Version, Versions, edit_cargo_toml, edit_package_json, edit_pyproject};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, ..ProptestConfig::default() }
}

fn semver() -> impl Strategy<Value = Version> {
    (0u64..200, 0u64..200, 0u64..200, proptest::option::of(0u64..20)).prop_map(|(major, minor, patch, rc)| {
        let mut version = Version::new(major, minor, patch);
        if let Some(rc) = rc {
            version.pre = semver::Prerelease::new(&format!("rc.{rc}")).unwrap();
        }
        version
    })
}

/// Spaces and tabs.
fn blank() -> impl Strategy<Value = String> {
    "[ \t]{0,3}"
}

/// Text of a comment: printable, some of it beyond ASCII, and a few that look like TOML.
fn comment_text() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,24}", "[a-zé→€ü ]{0,12}", Just("version = \"0.0.0\"".to_string())]
}

/// A TOML value that is not a table header.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\"[a-zA-Z0-9 ._:#=-]{0,12}\"",
        "'[a-zA-Z0-9 ._:#\"=-]{0,12}'",
        (0i64..100_000).prop_map(|number| number.to_string()),
        Just("true".to_string()),
        Just("[1, \"two\", { version = \"3.0.0\" }]".to_string()),
        Just("{ version = \"9.9.9\", path = \"x\" }".to_string()),
        Just("\"\"\"\nmulti\nline = \"x\"\n\"\"\"".to_string()),
    ]
}

/// Lines around the version field inside its table: comments, blank lines, other keys
/// (`k0`, `k1`, ... so none repeats), each with its own white space.
fn toml_lines(first_key: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            (blank(), comment_text()).prop_map(|(indent, text)| format!("{indent}# {text}\n")),
            blank().prop_map(|indent| format!("{indent}\n")),
            (blank(), blank(), toml_value(), proptest::option::of(comment_text())).prop_map(
                |(before, around, value, comment)| {
                    let comment = comment.map(|text| format!(" # {text}")).unwrap_or_default();
                    format!("{before}KEY{around}={around}{value}{comment}\n")
                }
            ),
        ],
        0..6,
    )
    .prop_map(move |lines| {
        let mut key = first_key;
        lines
            .into_iter()
            .map(|line| {
                if line.contains("KEY") {
                    key += 1;
                    line.replacen("KEY", &format!("k{key}"), 1)
                } else {
                    line
                }
            })
            .collect()
    })
}

/// The version's assignment split around its value's bytes: (text before the value with its
/// opening quote, the quote, text after the closing quote up to the end of the line).
fn version_line() -> impl Strategy<Value = (String, char, String)> {
    (blank(), blank(), blank(), prop_oneof![Just('"'), Just('\'')], proptest::option::of(comment_text())).prop_map(
        |(indent, left, right, quote, comment)| {
            let comment = comment.map(|text| format!("{right} # {text}")).unwrap_or_default();
            (format!("{indent}version{left}={right}{quote}"), quote, format!("{quote}{comment}\n"))
        },
    )
}

/// A document split at the version's value: `before + old + after`; then with CRLF or a BOM.
#[derive(Debug, Clone)]
struct Document {
    before: String,
    after: String,
}

impl Document {
    fn text(&self, version: &Version) -> String {
        format!("{}{version}{}", self.before, self.after)
    }

    fn finish(mut self, crlf: bool, bom: bool) -> Document {
        if crlf {
            self.before = self.before.replace('\n', "\r\n");
            self.after = self.after.replace('\n', "\r\n");
        }
        if bom {
            self.before.insert(0, '\u{feff}');
        }
        self
    }
}

/// Tables after the one holding the version, with `version` keys of their own that must stay.
fn other_tables() -> impl Strategy<Value = String> {
    (toml_lines(100), toml_lines(200)).prop_map(|(first, second)| {
        format!("\n[tool.other]\nversion = \"0.0.1\"\n{first}\n[[bin]]\nname = \"x\"\n{second}")
    })
}

fn toml_document(table: &'static str) -> impl Strategy<Value = Document> {
    (
        toml_lines(0),
        toml_lines(10),
        version_line(),
        toml_lines(20),
        other_tables(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(top, inside, (open, _, close), rest, tables, crlf, bom, final_newline)| {
            let mut after = format!("{close}{rest}{tables}");
            if !final_newline {
                after = after.trim_end_matches('\n').to_string();
            }
            let before = format!("{top}[{table}]\nname = \"demo\"\n{inside}{open}");
            Document { before, after }.finish(crlf, bom)
        })
}

fn json_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\"[a-zA-Z0-9 ._:#'-]{0,12}\"",
        "\"\\\\u00e9[a-z]{0,4}\\\\\"\"",
        (0i64..100_000).prop_map(|number| number.to_string()),
        Just("null".to_string()),
        Just("[1, \"version\", {\"version\": \"9.9.9\"}]".to_string()),
        Just("{\"version\": \"9.9.9\", \"x\": {}}".to_string()),
    ]
}

/// A member's indentation, the white space around its colon, and its value.
fn json_member() -> impl Strategy<Value = (String, String, String)> {
    (blank(), "[ \t\n]{0,2}", json_value())
}

fn json_document() -> impl Strategy<Value = Document> {
    (
        proptest::collection::vec(json_member(), 0..5),
        proptest::collection::vec(json_member(), 0..5),
        "[ \t\n]{0,3}",
        "[ \t\n]{0,3}",
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(first, second, left, right, crlf, bom)| {
            let mut key = 0;
            let mut members = |list: Vec<(String, String, String)>| -> String {
                list.into_iter()
                    .map(|(indent, around, value)| {
                        key += 1;
                        format!("\n{indent}\"k{key}\"{around}:{around}{value},")
                    })
                    .collect()
            };
            let first = members(first);
            let second = members(second);
            let before = format!("{{{first}\n  \"name\": \"demo\",\n  \"version\"{left}:{right}\"");
            let after = format!("\",{second}\n  \"private\": true\n}}\n");
            Document { before, after }.finish(crlf, bom)
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cargo_toml_edits_change_only_the_version(document in toml_document("package"), old in semver(), new in semver()) {
        let text = document.text(&old);
        let edited = edit_cargo_toml("Cargo.toml", &text, Some(&new), None, &Versions::new());
        prop_assert_eq!(edited.map_err(|error| error.to_string()), Ok(document.text(&new)), "{}", text);
    }

    #[test]
    fn workspace_package_versions_change_only_the_version(document in toml_document("workspace.package"), old in semver(), new in semver()) {
        let text = document.text(&old);
        let edited = edit_cargo_toml("Cargo.toml", &text, None, Some(&new), &Versions::new());
        prop_assert_eq!(edited.map_err(|error| error.to_string()), Ok(document.text(&new)), "{}", text);
    }

    #[test]
    fn pyproject_edits_change_only_the_version(
        document in prop_oneof![toml_document("project"), toml_document("tool.poetry")],
        old in semver(),
        new in semver(),
    ) {
        let text = document.text(&old);
        let edited = edit_pyproject("pyproject.toml", &text, Some(&new), &Versions::new());
        prop_assert_eq!(edited.map_err(|error| error.to_string()), Ok(document.text(&new)), "{}", text);
    }

    #[test]
    fn package_json_edits_change_only_the_version(document in json_document(), old in semver(), new in semver()) {
        let text = document.text(&old);
        let edited = edit_package_json("package.json", &text, Some(&new), &Versions::new());
        prop_assert_eq!(edited.map_err(|error| error.to_string()), Ok(document.text(&new)), "{}", text);
    }
}
