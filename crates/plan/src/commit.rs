//! Conventional commit parsing, with the normalisation git's stored messages need.

use conventional_commit_parser::commit::CommitType;

/// What a commit message says, once parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedCommit {
    /// Lowercase commit type (`feat`, `fix`, ...); `None` when the message is not conventional.
    pub kind: Option<String>,
    pub scope: Option<String>,
    /// The summary line without the type prefix and without a trailing `(#123)`.
    pub summary: String,
    pub body: Option<String>,
    pub breaking: bool,
    /// The text of `BREAKING CHANGE:` footers, or the summary for a `!` commit.
    pub breaking_description: Option<String>,
    /// The pull request number of a squash merge, `feat: x (#123)`.
    pub pr: Option<u64>,
    /// A `Release-As: x.y.z` footer.
    pub release_as: Option<String>,
    /// For a revert: the commit id it reverts (`This reverts commit <id>.`).
    pub reverts: Option<String>,
}

impl ParsedCommit {
    pub fn is_conventional(&self) -> bool {
        self.kind.is_some()
    }
}

/// Parses a commit message as git stores it (trailing newline, maybe CRLF).
pub fn parse_message(message: &str) -> ParsedCommit {
    parse(message, true)
}

/// `parse_message`; `header_shortcut` off sends every conventional-looking message through the
/// full parser (the property test compares the two).
fn parse(message: &str, header_shortcut: bool) -> ParsedCommit {
    // Most messages have no CR: borrowed, not copied.
    let normalized: std::borrow::Cow<'_, str> =
        if message.contains('\r') { message.replace("\r\n", "\n").into() } else { message.into() };
    let normalized = normalized.trim_end();
    let first_line = normalized.lines().next().unwrap_or("").trim_end();
    let reverts = reverted_commit(normalized);

    if !looks_conventional(first_line) {
        let (summary, pr) = split_pr(first_line.strip_prefix("Revert ").map_or(first_line, |rest| rest));
        let summary = if first_line.starts_with("Revert ") { first_line.to_string() } else { summary };
        return ParsedCommit { summary, pr, reverts, ..ParsedCommit::default() };
    }

    if header_shortcut && let Some(parsed) = parse_common_shapes(normalized, reverts.clone()) {
        return parsed;
    }

    match conventional_commit_parser::parse(normalized) {
        Ok(commit) => {
            let kind = match &commit.commit_type {
                CommitType::Feature => "feat".to_string(),
                CommitType::BugFix => "fix".to_string(),
                CommitType::Chore => "chore".to_string(),
                CommitType::Revert => "revert".to_string(),
                CommitType::Performances => "perf".to_string(),
                CommitType::Documentation => "docs".to_string(),
                CommitType::Style => "style".to_string(),
                CommitType::Refactor => "refactor".to_string(),
                CommitType::Test => "test".to_string(),
                CommitType::Build => "build".to_string(),
                CommitType::Ci => "ci".to_string(),
                CommitType::Custom(other) => other.to_ascii_lowercase(),
            };
            let (summary, pr) = split_pr(commit.summary.trim());
            let breaking_footers: Vec<&str> = commit
                .footers
                .iter()
                .filter(|footer| footer.is_breaking_change())
                .map(|footer| footer.content.trim())
                .collect();
            let breaking =
                commit.is_breaking_change || first_line.split(':').next().is_some_and(|head| head.ends_with('!'));
            let breaking_description = if !breaking_footers.is_empty() {
                Some(breaking_footers.join("\n\n"))
            } else if breaking {
                Some(summary.clone())
            } else {
                None
            };
            let release_as = commit
                .footers
                .iter()
                .find(|footer| footer.token.eq_ignore_ascii_case("release-as"))
                .map(|footer| footer.content.trim().to_string());
            ParsedCommit {
                kind: Some(kind),
                scope: commit.scope.map(|scope| scope.trim().to_string()),
                summary,
                body: commit.body,
                breaking,
                breaking_description,
                pr,
                release_as,
                reverts,
            }
        }
        Err(_) => {
            let (summary, pr) = split_pr(first_line);
            ParsedCommit { summary, pr, reverts, ..ParsedCommit::default() }
        }
    }
}

/// A message of the common shapes, parsed without pest: a header line (`type(scope)!:
/// summary`, exactly one space after the colon, what the grammar's `summary` rule takes), maybe
/// a body with no `:` and no `#` (every footer separator needs one, so no footer can start in
/// it), then maybe footer lines, each `Token: value` or `Token #value` from its first byte. For
/// these the grammar's body is the text before the footer lines and each footer is one line.
/// Most messages of a big history are such, and pest's parse (its body rule looks for a footer
/// at every line) was most of a warm plan's time. `None` for anything the full parser must
/// decide (a carriage return, a separator elsewhere, an indented or multi-line footer, a scope
/// with whitespace or parentheses, a type that is not ASCII letters).
fn parse_common_shapes(message: &str, reverts: Option<String>) -> Option<ParsedCommit> {
    if message.contains('\r') {
        return None;
    }
    let (header, body, footers) = match message.split_once('\n') {
        Some((header, rest)) => {
            let (body, footers) = split_footers(rest)?;
            (header, body, footers)
        }
        None => (message, None, Vec::new()),
    };
    let (head, rest) = header.split_once(':')?;
    let content = rest.strip_prefix(' ').filter(|content| !content.is_empty())?;
    let (head, bang) = match head.strip_suffix('!') {
        Some(head) => (head, true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((kind, scope)) => (kind, Some(scope.strip_suffix(')')?)),
        None => (head, None),
    };
    if kind.is_empty() || !kind.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        return None;
    }
    if let Some(scope) = scope
        && (scope.is_empty() || scope.chars().any(|char| char.is_whitespace() || char == '(' || char == ')'))
    {
        return None;
    }
    let (summary, pr) = split_pr(content.trim());
    let breaking_footers: Vec<&str> = footers
        .iter()
        .filter(|(token, _)| *token == "BREAKING CHANGE" || *token == "BREAKING-CHANGE")
        .map(|(_, content)| *content)
        .collect();
    let breaking = bang || !breaking_footers.is_empty();
    let breaking_description = if !breaking_footers.is_empty() {
        Some(breaking_footers.join("\n\n"))
    } else {
        breaking.then(|| summary.clone())
    };
    let release_as = footers
        .iter()
        .find(|(token, _)| token.eq_ignore_ascii_case("release-as"))
        .map(|(_, content)| content.to_string());
    Some(ParsedCommit {
        kind: Some(kind.to_ascii_lowercase()),
        scope: scope.map(str::to_string),
        breaking_description,
        summary,
        body: body.map(str::to_string),
        breaking,
        pr,
        release_as,
        reverts,
    })
}

/// What follows the header: the body (trimmed, `None` when blank) and the footer lines at the
/// end, (token, trimmed value); `None` when a footer separator appears before them.
fn split_footers(rest: &str) -> Option<(Option<&str>, Vec<Footer<'_>>)> {
    let lines: Vec<&str> = rest.split('\n').collect();
    let mut start = lines.len();
    let mut footers = Vec::new();
    while start > 0
        && let Some(footer) = footer_line(lines[start - 1])
    {
        footers.push(footer);
        start -= 1;
    }
    footers.reverse();
    let body_length: usize = lines[..start].iter().map(|line| line.len() + 1).sum();
    let body = &rest[..body_length.min(rest.len())];
    if body.contains([':', '#']) {
        return None;
    }
    let body = body.trim();
    Some(((!body.is_empty()).then_some(body), footers))
}

/// A footer's token and trimmed value.
type Footer<'a> = (&'a str, &'a str);

/// A line that is one whole footer: a token (`BREAKING CHANGE`, `BREAKING-CHANGE`, or ASCII
/// letters, digits and `-`), `: ` or ` #`, and a value that is not blank.
fn footer_line(line: &str) -> Option<Footer<'_>> {
    let token_end = if line.starts_with("BREAKING CHANGE") || line.starts_with("BREAKING-CHANGE") {
        // The grammar takes these first and never backtracks into a longer token.
        "BREAKING CHANGE".len()
    } else {
        line.find(|char: char| !(char.is_ascii_alphanumeric() || char == '-')).unwrap_or(line.len())
    };
    if token_end == 0 {
        return None;
    }
    let (token, rest) = line.split_at(token_end);
    let content = rest.strip_prefix(": ").or_else(|| rest.strip_prefix(" #"))?.trim();
    (!content.is_empty()).then_some((token, content))
}

/// A cheap check of the first line's shape (`type(scope)!: summary`), so the full parser only runs
/// on messages that can be conventional. Most of a big history's cost would otherwise be errors.
fn looks_conventional(first_line: &str) -> bool {
    let Some((head, rest)) = first_line.split_once(':') else {
        return false;
    };
    if !rest.starts_with(' ') || rest.trim().is_empty() {
        return false;
    }
    let head = head.strip_suffix('!').unwrap_or(head);
    let (kind, scope) = match head.split_once('(') {
        Some((kind, scope)) => match scope.strip_suffix(')') {
            Some(scope) if !scope.contains(['(', ')']) && !scope.trim().is_empty() => (kind, Some(scope)),
            _ => return false,
        },
        None => (head, None),
    };
    !kind.is_empty()
        && kind.bytes().all(|byte| byte.is_ascii_alphabetic())
        && scope.is_none_or(|scope| !scope.is_empty())
}

/// `add x (#123)` -> (`add x`, 123).
fn split_pr(summary: &str) -> (String, Option<u64>) {
    let trimmed = summary.trim_end();
    if let Some(rest) = trimmed.strip_suffix(')')
        && let Some(start) = rest.rfind("(#")
    {
        let digits = &rest[start + 2..];
        if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return (rest[..start].trim_end().to_string(), digits.parse().ok());
        }
    }
    (trimmed.to_string(), None)
}

/// Finds git's `This reverts commit <id>.` line.
fn reverted_commit(message: &str) -> Option<String> {
    message.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("This reverts commit ")?;
        let id: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
        (id.len() >= 7).then_some(id.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_git_stores() {
        let check = |message: &str, kind: Option<&str>, summary: &str, breaking: bool| {
            let parsed = parse_message(message);
            assert_eq!(parsed.kind.as_deref(), kind, "{message:?}");
            assert_eq!(parsed.summary, summary, "{message:?}");
            assert_eq!(parsed.breaking, breaking, "{message:?}");
        };
        check("feat: add x\n", Some("feat"), "add x", false);
        check("feat(api): add x\r\n\r\nbody\r\n", Some("feat"), "add x", false);
        check("Feat: capital type\n", Some("feat"), "capital type", false);
        check("fix!: drop y\n", Some("fix"), "drop y", true);
        check("feat(api)!: drop y\n", Some("feat"), "drop y", true);
        check("refactor: z\n\nBREAKING CHANGE: the api moved\n", Some("refactor"), "z", true);
        check("refactor: z\n\nBREAKING-CHANGE: the api moved\n", Some("refactor"), "z", true);
        check("update readme\n", None, "update readme", false);
        check("Merge pull request #12 from a/b\n", None, "Merge pull request #12 from a/b", false);
        check("feat : spaced\n", None, "feat : spaced", false);
        check("wip:\n", None, "wip:", false);
    }

    #[test]
    fn footers_and_squash_numbers() {
        let parsed = parse_message("feat(ui): add button (#123)\n\nsome body\n\nRelease-As: 2.0.0\n");
        assert_eq!(parsed.summary, "add button");
        assert_eq!(parsed.pr, Some(123));
        assert_eq!(parsed.scope.as_deref(), Some("ui"));
        assert_eq!(parsed.release_as.as_deref(), Some("2.0.0"));
        let parsed = parse_message("fix: x\n\nBREAKING CHANGE: config keys renamed\n");
        assert_eq!(parsed.breaking_description.as_deref(), Some("config keys renamed"));
    }

    /// The shapes most messages have take the shortcut, and it gives what pest gives.
    #[test]
    fn common_shapes_skip_the_full_parser_and_agree_with_it() {
        for message in [
            "feat(p24): add retry (#12388)\n\nThe retry now talks to the theme\nthe old adapter.\n\nRefs: #910\nCo-authored-by: Other <other@example.com>",
            "fix: x\n\nBREAKING CHANGE: keys renamed\nRelease-As: 2.0.0",
            "fix!: x\nRefs #12",
            "docs: y\n\nbody\n\n",
            "chore(ci): z",
        ] {
            assert!(parse_common_shapes(message.trim_end(), None).is_some(), "{message:?}");
            assert_eq!(parse(message, true), parse(message, false), "{message:?}");
        }
        for message in ["fix: x\n\nBREAKING-CHANGE-X: y", "fix: x\n\n  Refs: 1", "fix: x\n\na: b\n\nRefs: 1"] {
            assert!(parse_common_shapes(message, None).is_none(), "{message:?}");
            assert_eq!(parse(message, true), parse(message, false), "{message:?}");
        }
    }

    #[test]
    fn reverts_name_their_commit() {
        let parsed =
            parse_message("Revert \"feat: add x\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n");
        assert_eq!(parsed.kind, None);
        assert_eq!(parsed.reverts.as_deref(), Some("0123456789abcdef0123456789abcdef01234567"));
        let parsed = parse_message("revert: add x\n\nThis reverts commit abcdef1234567.\n");
        assert_eq!(parsed.kind.as_deref(), Some("revert"));
        assert_eq!(parsed.reverts.as_deref(), Some("abcdef1234567"));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Messages shaped like conventional commits (type, scope, `!`, summary, body, footers),
        /// so the parser's deeper paths run, not only the "not conventional" exit.
        fn conventional() -> impl Strategy<Value = String> {
            (
                "(feat|fix|Feat|chore|revert|[a-z]{1,6})",
                proptest::option::of("[a-z/ ()!:-]{0,8}"),
                any::<bool>(),
                "[ ]{0,2}",
                "\\PC{0,30}",
                proptest::option::of("[\\PC\n]{0,60}"),
                proptest::collection::vec(
                    prop_oneof![
                        "BREAKING CHANGE: \\PC{0,20}",
                        "BREAKING-CHANGE: \\PC{0,20}",
                        "Release-As: [0-9.a-z-]{0,10}",
                        "This reverts commit [0-9a-f]{0,40}\\.",
                        "[A-Za-z-]{1,10}: \\PC{0,20}",
                        "[A-Za-z-]{1,10} #\\PC{0,10}",
                    ],
                    0..4,
                ),
            )
                .prop_map(|(kind, scope, bang, space, summary, body, footers)| {
                    let mut message = kind;
                    if let Some(scope) = scope {
                        message.push_str(&format!("({scope})"));
                    }
                    if bang {
                        message.push('!');
                    }
                    message.push_str(&format!(":{space}{summary}"));
                    if let Some(body) = body {
                        message.push_str(&format!("\n\n{body}"));
                    }
                    if !footers.is_empty() {
                        message.push_str(&format!("\n\n{}", footers.join("\n")));
                    }
                    message
                })
        }

        /// A footer line, or something close to one.
        fn footer() -> impl Strategy<Value = String> {
            prop_oneof![
                "(BREAKING CHANGE|BREAKING-CHANGE|BREAKING CHANGES|BREAKING-CHANGE-X|breaking change|Release-As|release-as|Refs|Co-authored-by|a-b|x)(: | #|:|  #|: \n)[a-z0-9 .:#<>@]{0,12}",
                " {1,2}Refs: [0-9]{1,3}",
                "[a-z]{1,6}",
            ]
        }

        /// One header line, with the characters that decide its shape over-represented.
        fn header() -> impl Strategy<Value = String> {
            "[a-zA-Z0-9 !é]{0,6}(\\([a-z \t()!:\u{a0}é]{0,5}\\))?!?:[ ]{0,2}[a-z :!()#0-9\r\u{a0}]{0,12}( \\(#[0-9]{1,4}\\))?"
        }

        fn message() -> impl Strategy<Value = String> {
            prop_oneof![any::<String>(), "[\\PC\n\r\t]{0,80}", conventional()]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            /// The header shortcut gives what the full parser gives, on every message.
            #[test]
            fn the_header_shortcut_agrees_with_the_full_parser(
                message in prop_oneof![
                    message(),
                    header(),
                    (header(), "[a-z \n\t\u{a0}:#!-]{0,40}").prop_map(|(header, body)| format!("{header}\n{body}")),
                    (header(), "[a-z \n\u{a0}]{0,40}").prop_map(|(header, body)| format!("{header}\n\n{body}\n")),
                    (header(), "[a-z \n\t]{0,30}", proptest::collection::vec(footer(), 1..4), "[\n ]{0,3}").prop_map(
                        |(header, body, footers, gap)| format!("{header}\n{body}{gap}\n{}", footers.join("\n"))
                    ),
                ]
            ) {
                prop_assert_eq!(parse(&message, true), parse(&message, false));
            }

            /// Any message parses (no panic), and git's trailing newline and CRLF line endings
            /// change nothing.
            #[test]
            fn any_message_parses_the_same_with_a_trailing_newline_and_with_crlf(message in message()) {
                let parsed = parse_message(&message);
                prop_assert_eq!(&parse_message(&format!("{message}\n")), &parsed);
                // CRLF is how a message written with LF line endings may be stored; a lone CR
                // is a character of its own, not a line ending, so it is left out here.
                let lf = message.replace('\r', "");
                let parsed = parse_message(&lf);
                prop_assert_eq!(&parse_message(&lf.replace('\n', "\r\n")), &parsed);
                prop_assert_eq!(&parse_message(&format!("{}\r\n", lf.replace('\n', "\r\n"))), &parsed);
            }
        }
    }
}
