//! GitHub's JSON objects as the fake sends them: every field GitHub's description requires,
//! filled with plausible values whose URLs point back at the fake.

use serde_json::{Value, json};

use super::state::{State, download_tag};
use super::{Asset, BOT_LOGIN, Comment, Deployment, DeploymentStatus, Release};

/// Where the fake lives and which repository it plays.
pub(crate) struct Site {
    /// `http://127.0.0.1:PORT`, both the API host and the web host.
    pub(crate) base: String,
    pub(crate) owner: String,
    pub(crate) repo: String,
    /// The repository's id, for node ids and the repository object.
    pub(crate) repository_id: u64,
}

impl Site {
    /// An API URL under the repository: `{base}/repos/{owner}/{repo}{rest}`.
    pub(crate) fn api(&self, rest: &str) -> String {
        format!("{}/repos/{}/{}{rest}", self.base, self.owner, self.repo)
    }

    /// A web URL under the repository: `{base}/{owner}/{repo}{rest}`.
    pub(crate) fn web(&self, rest: &str) -> String {
        format!("{}/{}/{}{rest}", self.base, self.owner, self.repo)
    }

    /// GitHub's `simple-user`.
    pub(crate) fn user(&self, login: &str, id: u64) -> Value {
        let api = format!("{}/users/{login}", self.base);
        json!({
            "login": login,
            "id": id,
            "node_id": node_id("U_kgDO", id),
            "avatar_url": format!("{}/avatars/u/{id}?v=4", self.base),
            "gravatar_id": "",
            "url": api,
            "html_url": format!("{}/{login}", self.base),
            "followers_url": format!("{api}/followers"),
            "following_url": format!("{api}/following{{/other_user}}"),
            "gists_url": format!("{api}/gists{{/gist_id}}"),
            "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{api}/subscriptions"),
            "organizations_url": format!("{api}/orgs"),
            "repos_url": format!("{api}/repos"),
            "events_url": format!("{api}/events{{/privacy}}"),
            "received_events_url": format!("{api}/received_events"),
            "type": if login.ends_with("[bot]") { "Bot" } else { "User" },
            "user_view_type": "public",
            "site_admin": false,
        })
    }

    /// GitHub's `repository`, as embedded in a pull request's head and base.
    pub(crate) fn repository(&self, owner: &Value, created_at: &str) -> Value {
        let mut repository = self.repository_fields(owner, created_at);
        let api = self.api("");
        for (name, suffix) in REPOSITORY_LINKS {
            repository[*name] = Value::String(format!("{api}{suffix}"));
        }
        for name in REPOSITORY_COUNTS {
            repository[name] = json!(0);
        }
        repository
    }

    /// The repository's own fields: names, URLs, settings and dates.
    fn repository_fields(&self, owner: &Value, created_at: &str) -> Value {
        let api = self.api("");
        let web = self.web("");
        let host = self.base.trim_start_matches("http://").trim_start_matches("https://");
        json!({
            "id": self.repository_id,
            "node_id": node_id("R_kgDO", self.repository_id),
            "name": self.repo,
            "full_name": format!("{}/{}", self.owner, self.repo),
            "owner": owner,
            "private": false,
            "html_url": web,
            "description": null,
            "fork": false,
            "url": api,
            "git_url": format!("git://{host}/{}/{}.git", self.owner, self.repo),
            "ssh_url": format!("git@{host}:{}/{}.git", self.owner, self.repo),
            "clone_url": format!("{web}.git"),
            "svn_url": web,
            "mirror_url": null,
            "homepage": null,
            "language": null,
            "default_branch": "main",
            "is_template": false,
            "topics": [],
            "has_issues": true,
            "has_projects": false,
            "has_wiki": false,
            "has_pages": false,
            "has_downloads": true,
            "has_discussions": false,
            "archived": false,
            "disabled": false,
            "visibility": "public",
            "license": null,
            "pushed_at": created_at,
            "created_at": created_at,
            "updated_at": created_at,
            "allow_forking": true,
            "web_commit_signoff_required": false,
        })
    }
}

/// A repository's hypermedia links under its API URL, many of them RFC 6570 templates as GitHub
/// writes them.
const REPOSITORY_LINKS: &[(&str, &str)] = &[
    ("archive_url", "/{archive_format}{/ref}"),
    ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"),
    ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"),
    ("downloads_url", "/downloads"),
    ("events_url", "/events"),
    ("forks_url", "/forks"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("hooks_url", "/hooks"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"),
    ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"),
    ("labels_url", "/labels{/name}"),
    ("languages_url", "/languages"),
    ("merges_url", "/merges"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"),
    ("stargazers_url", "/stargazers"),
    ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("tags_url", "/tags"),
    ("teams_url", "/teams"),
    ("trees_url", "/git/trees{/sha}"),
];

/// A repository's counters, all zero in the fake.
const REPOSITORY_COUNTS: [&str; 8] = [
    "forks",
    "forks_count",
    "stargazers_count",
    "watchers",
    "watchers_count",
    "size",
    "open_issues",
    "open_issues_count",
];

/// GitHub's objects for what the fake holds.
impl State {
    pub(super) fn release_json(&self, release: &Release) -> Value {
        let snapshot = self.release_snapshot(release);
        let author = self.site.user(BOT_LOGIN, self.users[BOT_LOGIN]);
        let tag = &snapshot.tag_name;
        let published = !snapshot.draft;
        json!({
            "url": self.site.api(&format!("/releases/{}", snapshot.id)),
            "assets_url": self.site.api(&format!("/releases/{}/assets", snapshot.id)),
            "upload_url": snapshot.upload_url,
            "html_url": snapshot.html_url,
            "tarball_url": published.then(|| self.site.api(&format!("/tarball/{tag}"))),
            "zipball_url": published.then(|| self.site.api(&format!("/zipball/{tag}"))),
            "id": snapshot.id,
            "node_id": node_id("RE_kwDO", snapshot.id),
            "tag_name": snapshot.tag_name,
            "target_commitish": snapshot.target_commitish,
            "name": snapshot.name,
            "body": snapshot.body,
            "draft": snapshot.draft,
            "prerelease": snapshot.prerelease,
            "immutable": false,
            "created_at": snapshot.created_at,
            "updated_at": snapshot.updated_at,
            "published_at": snapshot.published_at,
            "author": author,
            "assets": snapshot.assets.iter().map(|asset| self.asset_json(&snapshot, asset)).collect::<Vec<_>>(),
        })
    }

    pub(super) fn asset_json(&self, release: &Release, asset: &Asset) -> Value {
        let tag = download_tag(release);
        json!({
            "url": self.site.api(&format!("/releases/assets/{}", asset.id)),
            "browser_download_url": self.site.web(&format!("/releases/download/{tag}/{}", asset.name)),
            "id": asset.id,
            "node_id": node_id("RA_kwDO", asset.id),
            "name": asset.name,
            "label": asset.label,
            "state": asset.state,
            "content_type": asset.content_type,
            "size": asset.size,
            "digest": asset.digest,
            "download_count": asset.download_count,
            "created_at": asset.created_at,
            "updated_at": asset.created_at,
            "uploader": self.site.user(BOT_LOGIN, self.users[BOT_LOGIN]),
        })
    }

    pub(super) fn comment_json(&self, comment: &Comment) -> Value {
        json!({
            "id": comment.id,
            "node_id": node_id("IC_kwDO", comment.id),
            "url": self.site.api(&format!("/issues/comments/{}", comment.id)),
            "html_url": comment.html_url,
            "issue_url": self.site.api(&format!("/issues/{}", comment.issue_number)),
            "body": comment.body,
            "user": self.site.user(&comment.user_login, self.users.get(&comment.user_login).copied().unwrap_or(0)),
            "author_association": "NONE",
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
        })
    }

    pub(super) fn commit_comment_json(&self, comment: &super::CommitComment) -> Value {
        json!({
            "id": comment.id,
            "node_id": node_id("CC_kwDO", comment.id),
            "url": self.site.api(&format!("/comments/{}", comment.id)),
            "html_url": comment.html_url,
            "body": comment.body,
            "path": null,
            "position": null,
            "line": null,
            "commit_id": comment.commit_id,
            "user": self.site.user(&comment.user_login, self.users.get(&comment.user_login).copied().unwrap_or(0)),
            "author_association": "NONE",
            "created_at": comment.created_at,
            "updated_at": comment.created_at,
        })
    }

    pub(super) fn deployment_json(&self, deployment: &Deployment) -> Value {
        let url = self.site.api(&format!("/deployments/{}", deployment.id));
        json!({
            "url": url,
            "id": deployment.id,
            "node_id": node_id("DE_kwDO", deployment.id),
            "sha": deployment.sha,
            "ref": deployment.git_ref,
            "task": deployment.task,
            "payload": deployment.payload,
            "original_environment": deployment.original_environment,
            "environment": deployment.environment,
            "description": deployment.description,
            "creator": self.site.user(BOT_LOGIN, self.users[BOT_LOGIN]),
            "created_at": deployment.created_at,
            "updated_at": deployment.statuses.last().map_or(&deployment.created_at, |status| &status.created_at),
            "statuses_url": format!("{url}/statuses"),
            "repository_url": self.site.api(""),
            "transient_environment": deployment.transient_environment,
            "production_environment": deployment.production_environment,
        })
    }

    pub(super) fn status_json(&self, deployment: &Deployment, status: &DeploymentStatus) -> Value {
        let deployment_url = self.site.api(&format!("/deployments/{}", deployment.id));
        json!({
            "url": format!("{deployment_url}/statuses/{}", status.id),
            "id": status.id,
            "node_id": node_id("DES_kwDO", status.id),
            "state": status.state,
            "creator": self.site.user(BOT_LOGIN, self.users[BOT_LOGIN]),
            "description": status.description,
            "environment": status.environment,
            "target_url": status.target_url,
            "log_url": status.log_url,
            "environment_url": status.environment_url,
            "created_at": status.created_at,
            "updated_at": status.created_at,
            "deployment_url": deployment_url,
            "repository_url": self.site.api(""),
        })
    }

    pub(super) fn environment_json(&mut self, name: &str) -> Value {
        let next = self.next_id;
        let id = *self.environments.entry(name.to_string()).or_insert(next);
        if id == next {
            self.next_id += 1;
        }
        json!({
            "id": id,
            "node_id": node_id("EN_kwDO", id),
            "name": name,
            "url": self.site.api(&format!("/environments/{name}")),
            "html_url": self.site.web(&format!("/deployments/activity_log?environments_filter={name}")),
            "created_at": timestamp(crate::EPOCH),
            "updated_at": timestamp(crate::EPOCH),
        })
    }

    pub(super) fn pull_json(&mut self, number: u64) -> Value {
        let user = self.user(BOT_LOGIN);
        let urls = PullUrls::new(&self.site, number, &self.pulls[&number].head_sha);
        let mut pull = self.pull_fields(number, &urls, user);
        pull["_links"] = urls.links(&self.site);
        self.add_pull_details(&mut pull, number);
        pull
    }

    /// A pull request's own fields: its URLs, state, dates, merge and head and base.
    fn pull_fields(&self, number: u64, urls: &PullUrls, user: Value) -> Value {
        let pull = &self.pulls[&number];
        let repository = self.site.repository(&self.site.user(&self.site.owner, 1), &timestamp(crate::EPOCH));
        let id = self.site.repository_id * 1000 + number;
        let PullUrls { api, issue, html, statuses } = urls;
        let side = |name: &str, sha: &str| {
            json!({
                "label": format!("{}:{name}", self.site.owner),
                "ref": name,
                "sha": sha,
                "user": self.site.user(&self.site.owner, 1),
                "repo": repository,
            })
        };
        let (merged, merge_commit_sha, merged_at) = match &pull.merged {
            Some((sha, at)) => (true, Some(sha.clone()), Some(at.clone())),
            None => (false, None, None),
        };
        json!({
            "url": api,
            "id": id,
            "node_id": node_id("PR_kwDO", id),
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": issue,
            "commits_url": format!("{api}/commits"),
            "review_comments_url": format!("{api}/comments"),
            "review_comment_url": self.site.api("/pulls/comments{/number}"),
            "comments_url": format!("{issue}/comments"),
            "statuses_url": statuses,
            "number": number,
            "state": if merged || pull.closed { "closed" } else { "open" },
            "locked": false,
            "title": pull.title,
            "user": user,
            "created_at": pull.created_at,
            "updated_at": merged_at.clone().unwrap_or_else(|| pull.updated_at.clone()),
            "closed_at": if pull.closed { merged_at.clone().or_else(|| Some(pull.updated_at.clone())) } else { merged_at.clone() },
            "merged_at": merged_at,
            "merge_commit_sha": merge_commit_sha,
            "head": side(&pull.head_ref, &pull.head_sha),
            "base": side(&pull.base_ref, &pull.head_sha),
            "author_association": "MEMBER",
            "auto_merge": null,
            "draft": false,
            "merged": merged,
            "mergeable": if merged { Value::Null } else { Value::Bool(true) },
            "rebaseable": if merged { Value::Null } else { Value::Bool(true) },
            "mergeable_state": if merged { "unknown" } else { "clean" },
            "merged_by": if merged { user.clone() } else { Value::Null },
            "maintainer_can_modify": false,
        })
    }

    /// What follows the links: the empty fields, the body and labels, the lists and the counts.
    fn add_pull_details(&self, pull: &mut Value, number: u64) {
        for name in ["milestone", "active_lock_reason", "assignee"] {
            pull[name] = Value::Null;
        }
        let pull_state = &self.pulls[&number];
        pull["body"] = pull_state.body.clone().map_or(Value::Null, Value::String);
        let labels: Vec<Value> = pull_state.labels.iter().map(|name| self.label_json(name)).collect();
        pull["labels"] = Value::Array(labels);
        for name in ["assignees", "requested_reviewers", "requested_teams"] {
            pull[name] = json!([]);
        }
        let comments = self.comments.iter().filter(|comment| comment.issue_number == number).count();
        let counts = [("comments", comments), ("review_comments", 0), ("commits", 1), ("additions", 1)];
        for (name, count) in counts.into_iter().chain([("deletions", 0), ("changed_files", 1)]) {
            pull[name] = json!(count);
        }
    }
}

/// The URLs of one pull request, shared by its fields and its `_links`.
struct PullUrls {
    api: String,
    issue: String,
    html: String,
    statuses: String,
}

impl PullUrls {
    fn new(site: &Site, number: u64, head_sha: &str) -> PullUrls {
        PullUrls {
            api: site.api(&format!("/pulls/{number}")),
            issue: site.api(&format!("/issues/{number}")),
            html: site.web(&format!("/pull/{number}")),
            statuses: site.api(&format!("/statuses/{head_sha}")),
        }
    }

    fn links(&self, site: &Site) -> Value {
        let link = |href: &str| json!({ "href": href });
        let PullUrls { api, issue, html, statuses } = self;
        json!({
            "self": link(api),
            "html": link(html),
            "issue": link(issue),
            "comments": link(&format!("{issue}/comments")),
            "review_comments": link(&format!("{api}/comments")),
            "review_comment": link(&site.api("/pulls/comments{/number}")),
            "commits": link(&format!("{api}/commits")),
            "statuses": link(statuses),
        })
    }
}

/// A GitHub-style global node id: a type prefix and a number.
pub(crate) fn node_id(prefix: &str, id: u64) -> String {
    format!("{prefix}{id:08X}")
}

/// `seconds` after the Unix epoch as GitHub writes instants: `2025-01-01T00:00:00Z`.
pub(crate) fn timestamp(seconds: i64) -> String {
    release_config::promotion::format_utc(seconds)
}

/// GitHub's error body: `{"message", "documentation_url", "status"}`.
pub(crate) fn error(message: &str, documentation_url: &str, status: u16) -> Value {
    json!({"message": message, "documentation_url": documentation_url, "status": status.to_string()})
}

/// GitHub's 422 body for a field that collides with an existing resource.
pub(crate) fn already_exists(resource: &str, field: &str, documentation_url: &str) -> Value {
    json!({
        "message": "Validation Failed",
        "errors": [{"resource": resource, "code": "already_exists", "field": field}],
        "documentation_url": documentation_url,
        "status": "422",
    })
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(timestamp(1_709_210_096), "2024-02-29T12:34:56Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z");
    }
}
