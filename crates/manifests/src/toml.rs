//! TOML through `toml_edit`'s span-keeping `Document`: it only finds where values are, the text
//! is edited by byte range (see `edit.rs`), so nothing is ever re-serialised.

use semver::Version;
use toml_edit::{Document, Item, TableLike, Value};

use crate::edit::Edits;
use crate::error::{ManifestError, not_semver, parse_error};

pub(crate) fn parse<'t>(path: &str, text: &'t str) -> Result<Document<&'t str>, ManifestError> {
    Document::parse(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        parse_error(path, "TOML", text, offset, error.message())
    })
}

/// A string value and the span of its literal.
pub(crate) fn string(item: &Item) -> Option<(&str, std::ops::Range<usize>)> {
    match item {
        Item::Value(value @ Value::String(string)) => Some((string.value().as_str(), value.span()?)),
        _ => None,
    }
}

/// Sets the string field `key` of `table` to `new`. Returns `false` when there is no such field,
/// so the caller can say what to add; a field that is not a string is an error.
pub(crate) fn set_version(
    edits: &mut Edits<'_>,
    path: &str,
    text: &str,
    table: &dyn TableLike,
    key: &str,
    full_key: &str,
    new: &Version,
) -> Result<bool, ManifestError> {
    let Some((key_node, item)) = table.get_key_value(key) else {
        return Ok(false);
    };
    if let Some((value, span)) = string(item) {
        edits.replace_string(span, value, &new.to_string());
        return Ok(true);
    }
    let (offset, raw) = match item.span() {
        Some(span) => (span.start, text[span].to_string()),
        None => (key_node.span().map_or(0, |span| span.start), item.to_string().trim().to_string()),
    };
    Err(not_semver(path, text, offset, full_key, &raw))
}

/// The table-like item at a dotted path of plain keys.
pub(crate) fn table_at<'d>(root: &'d dyn TableLike, keys: &[&str]) -> Option<&'d dyn TableLike> {
    let mut table = root;
    for key in keys {
        table = table.get(key)?.as_table_like()?;
    }
    Some(table)
}
