//! Links to commits, pull requests and compare views, from the `origin` remote.

/// A GitHub (or GitHub Enterprise) repository's web address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// `https://github.com/owner/repo`, no trailing slash.
    pub base: String,
}

impl Links {
    /// From an explicit web address (`[changelog] repository-url`).
    pub fn new(base: &str) -> Links {
        Links { base: base.trim_end_matches('/').to_string() }
    }

    /// From a remote URL: `https://host/owner/repo(.git)`, `git@host:owner/repo(.git)`,
    /// `ssh://git@host(:port)/owner/repo(.git)`. Any host, so GitHub Enterprise works too.
    pub fn from_remote(url: &str) -> Option<Links> {
        let url = url.trim();
        let (host, path) = if let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, after)| after); // credentials
            rest.split_once('/')?
        } else if let Some(rest) = url.strip_prefix("ssh://") {
            let rest = rest.split_once('@').map_or(rest, |(_, after)| after);
            let (host, path) = rest.split_once('/')?;
            (host.split(':').next()?, path)
        } else if let Some((user_host, path)) = url.split_once(':') {
            if user_host.contains('/') {
                return None; // a local path such as /tmp/a:b
            }
            (user_host.rsplit_once('@').map_or(user_host, |(_, host)| host), path)
        } else {
            return None;
        };
        let path = path.trim_end_matches('/').trim_end_matches(".git");
        let mut parts = path.split('/').filter(|part| !part.is_empty());
        let (owner, repo) = (parts.next()?, parts.next()?);
        if host.is_empty() || parts.next().is_some() {
            return None;
        }
        Some(Links { base: format!("https://{host}/{owner}/{repo}") })
    }

    pub fn commit(&self, sha: release_commit_id::CommitId) -> String {
        format!("{}/commit/{sha}", self.base)
    }

    pub fn pull(&self, number: u64) -> String {
        format!("{}/pull/{number}", self.base)
    }

    pub fn compare(&self, from: &str, to: &str) -> String {
        format!("{}/compare/{}...{}", self.base, encode(from), encode(to))
    }
}

/// Tags may hold `@` and `/`; a compare URL needs them escaped.
fn encode(tag: &str) -> String {
    tag.replace('%', "%25").replace('@', "%40").replace('/', "%2F").replace('#', "%23")
}

#[cfg(test)]
mod tests {
    use super::Links;

    #[test]
    fn remotes_of_every_form() {
        let check = |url: &str, expected: Option<&str>| {
            assert_eq!(Links::from_remote(url).map(|links| links.base), expected.map(str::to_string), "{url}");
        };
        check("https://github.com/acme/shop.git", Some("https://github.com/acme/shop"));
        check("https://github.com/acme/shop", Some("https://github.com/acme/shop"));
        check("https://x-access-token:abc@github.com/acme/shop.git", Some("https://github.com/acme/shop"));
        check("git@github.com:acme/shop.git", Some("https://github.com/acme/shop"));
        check("ssh://git@github.example.com:2222/acme/shop.git", Some("https://github.example.com/acme/shop"));
        check("git@ghe.corp.local:platform/api", Some("https://ghe.corp.local/platform/api"));
        check("/srv/git/shop.git", None);
        check("file:///srv/git/shop.git", None);
    }

    #[test]
    fn compare_links_escape_tag_characters() {
        let links = Links::new("https://github.com/acme/shop/");
        assert_eq!(
            links.compare("@shop/ui-v1.0.0", "@shop/ui-v2.0.0"),
            "https://github.com/acme/shop/compare/%40shop%2Fui-v1.0.0...%40shop%2Fui-v2.0.0"
        );
    }
}
