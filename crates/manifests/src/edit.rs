//! Byte-range replacement: the one way this crate changes text.

use std::ops::Range;

/// Replacements of byte ranges of one text, applied at once. Everything outside the ranges is
/// copied as it was, which is what keeps comments, indentation and line endings intact.
pub(crate) struct Edits<'a> {
    text: &'a str,
    replacements: Vec<(Range<usize>, String)>,
}

impl<'a> Edits<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, replacements: Vec::new() }
    }

    /// Replaces `range` with `with`; a replacement by the same bytes is no edit at all.
    pub(crate) fn replace(&mut self, range: Range<usize>, with: String) {
        if self.text[range.clone()] != with {
            self.replacements.push((range, with));
        }
    }

    /// Replaces the string literal at `range` (quotes included) so it holds `new`; `decoded` is
    /// the literal's current value.
    pub(crate) fn replace_string(&mut self, range: Range<usize>, decoded: &str, new: &str) {
        let literal = rewrite_literal(&self.text[range.clone()], decoded, new);
        self.replace(range, literal);
    }

    pub(crate) fn apply(mut self) -> String {
        self.replacements.sort_by_key(|(range, _)| (range.start, range.end));
        // The same value reached twice (say, a duplicated key) is one edit.
        self.replacements.dedup_by(|second, first| first.0 == second.0);
        let mut out = String::with_capacity(self.text.len() + 16 * self.replacements.len());
        let mut copied = 0;
        for (range, with) in &self.replacements {
            debug_assert!(range.start >= copied, "overlapping edits at {range:?}");
            out.push_str(&self.text[copied..range.start]);
            out.push_str(with);
            copied = range.end;
        }
        out.push_str(&self.text[copied..]);
        out
    }
}

/// A new string literal in the style of `raw` (a TOML or JSON string literal, quotes included).
///
/// When the literal has no escapes (its inner text is its value) and the new value needs none,
/// the delimiters are kept: `'1.2'` stays single-quoted, `"""1.2"""` stays triple-quoted. Otherwise
/// the value is written as a basic `"..."` string with the escapes TOML and JSON share.
pub(crate) fn rewrite_literal(raw: &str, decoded: &str, new: &str) -> String {
    let plain = !new.chars().any(|c| matches!(c, '"' | '\'' | '\\') || c.is_control());
    for delimiter in ["\"\"\"", "'''", "\"", "'"] {
        let inner = raw
            .strip_prefix(delimiter)
            .and_then(|rest| rest.strip_suffix(delimiter))
            .filter(|_| raw.len() >= 2 * delimiter.len());
        if let Some(inner) = inner {
            if inner == decoded && plain {
                return format!("{delimiter}{new}{delimiter}");
            }
            break;
        }
    }
    basic(new)
}

fn basic(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Splits a leading UTF-8 byte order mark off, so parsers see the text they expect and the mark
/// is put back unchanged.
pub(crate) fn split_bom(text: &str) -> (&str, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(body) => (&text[..3], body),
        None => ("", text),
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite_literal;

    #[test]
    fn literals_keep_their_style() {
        let check = |raw: &str, decoded: &str, new: &str, expected: &str| {
            assert_eq!(rewrite_literal(raw, decoded, new), expected, "{raw}");
        };
        check("\"1.2\"", "1.2", "1.3", "\"1.3\"");
        check("'1.2'", "1.2", "1.3", "'1.3'");
        check("\"\"\"1.2\"\"\"", "1.2", "1.3", "\"\"\"1.3\"\"\"");
        check("'''1.2'''", "1.2", "1.3", "'''1.3'''");
        check("\"\"", "", "1.3", "\"1.3\"");
        // An escape in the old literal: the value is written plainly, escaped where needed.
        check("\"\\u0031.2\"", "1.2", "1.3", "\"1.3\"");
        check("\"a \\\"b\\\" 1.2\"", "a \"b\" 1.2", "a \"b\" 1.3", "\"a \\\"b\\\" 1.3\"");
        check("'x'", "x", "it's", "\"it's\"");
        check("\"\"\"\n1.2\"\"\"", "1.2", "1.3", "\"1.3\"");
    }
}
