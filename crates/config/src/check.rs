//! Checks of values that leave `release`: URLs handed to the health checker. A URL that passes
//! here can be requested.
//!
//! Each check returns what is wrong as a phrase that reads after the value ("starts with `-`"),
//! or `None` when the value is fine.

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
