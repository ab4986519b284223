//! Checks of values that leave `release`: names handed to `git` as arguments (remotes, refs, tag
//! names) and URLs handed to the health checker. A value that passes here cannot be read by `git`
//! as an option, and a URL that passes here can be requested.
//!
//! Each check returns what is wrong as a phrase that reads after the value ("starts with `-`"),
//! or `None` when the value is fine.

/// What makes `name` an invalid git ref name (the rules of `git check-ref-format`), if anything.
/// `name` is the part after `refs/tags/` for a tag, or a full `refs/...` name.
pub(crate) fn ref_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.starts_with('-') {
        return Some("starts with `-`, so git would read it as an option".into());
    }
    if name == "@" {
        return Some("is `@`, which git reads as HEAD".into());
    }
    if let Some(character) = name.chars().find(|character| character.is_control()) {
        return Some(format!("contains the control character {character:?}"));
    }
    if let Some(character) = name.chars().find(|character| " ~^:?*[\\".contains(*character)) {
        return Some(format!("contains `{character}`"));
    }
    for sequence in ["..", "@{", "//"] {
        if name.contains(sequence) {
            return Some(format!("contains `{sequence}`"));
        }
    }
    if name.starts_with('/') {
        return Some("starts with `/`".into());
    }
    for suffix in ["/", ".", ".lock"] {
        if name.ends_with(suffix) {
            return Some(format!("ends with `{suffix}`"));
        }
    }
    if name.split('/').any(|part| part.starts_with('.')) {
        return Some("has a part starting with `.`".into());
    }
    if name.split('/').any(|part| part.ends_with(".lock")) {
        return Some("has a part ending with `.lock`".into());
    }
    None
}

/// What makes `tag` unusable as a tag name, if anything: a valid ref name under `refs/tags/`
/// that does not itself start with `refs/` (git would then find two refs by one name).
pub(crate) fn tag_name_problem(tag: &str) -> Option<String> {
    if tag.starts_with("refs/") {
        return Some("starts with `refs/`".into());
    }
    ref_name_problem(tag)
}

/// What makes `name` unusable as the name of a git remote, if anything. Remote names are
/// refname parts (`refs/remotes/<name>/...`); URLs and paths are not accepted here because the
/// remote is also looked up by name (its URL for links, its branches for the upstream check).
pub(crate) fn remote_name_problem(name: &str) -> Option<String> {
    if name.contains('/') {
        return Some("contains `/`: it is a path or a URL, not the name of a remote".into());
    }
    ref_name_problem(name)
}

/// What makes `text` a URL that the health check cannot request, if anything: it must be an
/// absolute `http://` or `https://` URL with a host (what `release-verify` speaks).
pub(crate) fn http_url_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("is empty".into());
    }
    if let Some(character) = text.chars().find(|character| character.is_whitespace() || character.is_control()) {
        return Some(format!("contains {character:?}"));
    }
    if let Some((scheme, _)) = text.split_once("://")
        && !scheme.eq_ignore_ascii_case("http")
        && !scheme.eq_ignore_ascii_case("https")
    {
        return Some(format!("uses `{scheme}://`: only http:// and https:// can be checked"));
    }
    let uri: http::Uri = match text.parse() {
        Ok(uri) => uri,
        Err(_) if !text.contains("://") => return Some("is not a URL: it has no `http://` or `https://`".into()),
        Err(error) => return Some(format!("is not a URL: {error}")),
    };
    if uri.scheme_str().is_none() {
        return Some("is not a URL: it has no `http://` or `https://`".into());
    }
    match uri.authority() {
        Some(authority) if !authority.host().is_empty() => {}
        _ => return Some("has no host".into()),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names_follow_git_check_ref_format() {
        let check = |name: &str, expected: Option<&str>| {
            assert_eq!(ref_name_problem(name).as_deref(), expected, "{name:?}");
        };
        for good in
            ["v1.0.0", "api-v1.0.0+build.5", "@acme/web@1.0.0", "release/1.0.0/web", "refs/heads/release-ledger"]
        {
            check(good, None);
        }
        check("", Some("is empty"));
        check("-v1.0.0", Some("starts with `-`, so git would read it as an option"));
        check("@", Some("is `@`, which git reads as HEAD"));
        check("v1\u{7}", Some("contains the control character '\\u{7}'"));
        check("v1\u{7f}", Some("contains the control character '\\u{7f}'"));
        check("v 1", Some("contains ` `"));
        for character in ['~', '^', ':', '?', '*', '[', '\\'] {
            let expected = format!("contains `{character}`");
            check(&format!("v{character}1"), Some(&expected));
        }
        check("v1..2", Some("contains `..`"));
        check("v@{1}", Some("contains `@{`"));
        check("a//b", Some("contains `//`"));
        check("/v1", Some("starts with `/`"));
        check("v1/", Some("ends with `/`"));
        check("v1.", Some("ends with `.`"));
        check("v1.lock", Some("ends with `.lock`"));
        check("a/.v1", Some("has a part starting with `.`"));
        check(".v1", Some("has a part starting with `.`"));
        check("a.lock/v1", Some("has a part ending with `.lock`"));
    }

    #[test]
    fn tags_and_remotes_add_their_own_rules() {
        assert_eq!(tag_name_problem("refs/tags/v1").as_deref(), Some("starts with `refs/`"));
        assert_eq!(tag_name_problem("v1"), None);
        assert_eq!(remote_name_problem("origin"), None);
        assert_eq!(remote_name_problem("my-fork_2"), None);
        assert_eq!(remote_name_problem("-x").as_deref(), Some("starts with `-`, so git would read it as an option"));
        assert_eq!(
            remote_name_problem("git@github.com:acme/shop.git").as_deref(),
            Some("contains `/`: it is a path or a URL, not the name of a remote")
        );
        assert_eq!(remote_name_problem("").as_deref(), Some("is empty"));
    }

    #[test]
    fn urls_must_be_absolute_http_or_https_with_a_host() {
        for good in [
            "http://127.0.0.1:8081/health",
            "https://staging.example.com",
            "HTTPS://example.com/health?version=1.0.0",
            "http://[::1]:8080/",
            "https://user:secret@example.com/health",
        ] {
            assert_eq!(http_url_problem(good), None, "{good}");
        }
        let check = |url: &str, expected: &str| {
            assert_eq!(http_url_problem(url).as_deref(), Some(expected), "{url:?}");
        };
        check("", "is empty");
        check("not a url", "contains ' '");
        check("example.com/health", "is not a URL: it has no `http://` or `https://`");
        check("/health", "is not a URL: it has no `http://` or `https://`");
        check("file:///etc/passwd", "uses `file://`: only http:// and https:// can be checked");
        check("ftp://example.com/health", "uses `ftp://`: only http:// and https:// can be checked");
        check("http:///health", "is not a URL: invalid format");
        check("http://:8080/health", "has no host");
    }
}
