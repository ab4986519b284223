//! Where GitHub is, which repository, and which token, from the environment and the remote.

use std::fmt;

use crate::ForgeError;

/// A token and the variable it came from. Debug and Display never show the token.
#[derive(Clone)]
pub struct Token {
    pub(crate) value: String,
    pub variable: &'static str,
}

impl Token {
    /// A token read from `variable` (named in errors; the value never is).
    pub fn new(value: impl Into<String>, variable: &'static str) -> Token {
        Token { value: value.into(), variable }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token {{ variable: {:?}, value: <hidden> }}", self.variable)
    }
}

#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// `GITHUB_API_URL`, default `https://api.github.com`, no trailing slash.
    pub api_url: String,
    pub owner: String,
    pub repo: String,
    pub token: Option<Token>,
}

impl GitHubConfig {
    /// Reads `GITHUB_API_URL`, `GITHUB_TOKEN` / `GH_TOKEN`, and the repository from
    /// `GITHUB_REPOSITORY` or the `origin` URL. With `require_token`, a missing token is an error.
    pub fn from_env(origin: Option<&str>, require_token: bool) -> Result<GitHubConfig, ForgeError> {
        let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let api_url = variable("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
        let api_url = api_url.trim_end_matches('/').to_string();
        let token = match (variable("GITHUB_TOKEN"), variable("GH_TOKEN")) {
            (Some(value), _) => Some(Token { value, variable: "GITHUB_TOKEN" }),
            (None, Some(value)) => Some(Token { value, variable: "GH_TOKEN" }),
            (None, None) => None,
        };
        if require_token && token.is_none() {
            return Err(ForgeError::NoToken);
        }
        let (owner, repo) = match variable("GITHUB_REPOSITORY") {
            Some(full) => match full.split_once('/') {
                Some((owner, repo)) if !owner.is_empty() && !repo.is_empty() && !repo.contains('/') => {
                    (owner.to_string(), repo.to_string())
                }
                _ => return Err(ForgeError::NotGitHub { url: format!("GITHUB_REPOSITORY={full}") }),
            },
            None => {
                let origin = origin.ok_or(ForgeError::NoRepository)?;
                let custom_api = api_url != "https://api.github.com";
                parse_remote(origin, custom_api).ok_or_else(|| ForgeError::NotGitHub { url: origin.to_string() })?
            }
        };
        Ok(GitHubConfig { api_url, owner, repo, token })
    }
}

/// `owner/repo` from a remote URL. Only github.com, unless a custom API URL says the host is a
/// GitHub Enterprise server.
fn parse_remote(url: &str, any_host: bool) -> Option<(String, String)> {
    let url = url.trim();
    let (host, path) = if let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
        let rest = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
        rest.split_once('/')?
    } else if let Some(rest) = url.strip_prefix("ssh://") {
        let rest = rest.split_once('@').map_or(rest, |(_, after)| after);
        let (host, path) = rest.split_once('/')?;
        (host.split(':').next()?, path)
    } else {
        let (user_host, path) = url.split_once(':')?;
        if user_host.contains('/') {
            return None;
        }
        (user_host.rsplit_once('@').map_or(user_host, |(_, host)| host), path)
    };
    if !any_host && host != "github.com" && host != "www.github.com" {
        return None;
    }
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let (owner, repo) = path.split_once('/')?;
    (!owner.is_empty() && !repo.is_empty() && !repo.contains('/')).then(|| (owner.to_string(), repo.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes() {
        let check = |url: &str, any: bool, expected: Option<(&str, &str)>| {
            assert_eq!(
                parse_remote(url, any),
                expected.map(|(owner, repo)| (owner.to_string(), repo.to_string())),
                "{url}"
            );
        };
        check("git@github.com:acme/shop.git", false, Some(("acme", "shop")));
        check("https://github.com/acme/shop", false, Some(("acme", "shop")));
        check("ssh://git@github.com/acme/shop.git", false, Some(("acme", "shop")));
        check("https://gitlab.com/acme/shop.git", false, None);
        check("git@ghe.corp:acme/shop.git", true, Some(("acme", "shop")));
        check("/srv/git/shop.git", false, None);
    }

    #[test]
    fn tokens_are_never_shown() {
        let token = Token { value: "ghp_secret".into(), variable: "GH_TOKEN" };
        assert!(!format!("{token:?}").contains("ghp_secret"));
    }
}
