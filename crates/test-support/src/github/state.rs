//! What the fake remembers, and how each operation changes and shows it.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::objects::{self, Site, timestamp};
use super::reply::{Reply, ReplyBody};
use super::{Asset, BOT_LOGIN, Comment, CommitComment, Deployment, DeploymentStatus, Release, UPLOADS_PREFIX};

/// Ids start here, so that no id is a plausible issue number or an id of another kind.
const FIRST_ID: u64 = 1_000_001;
const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;

/// One call of a documented operation, its request already checked.
pub(crate) struct Call<'a> {
    pub(crate) operation: &'a str,
    pub(crate) docs_url: &'a str,
    /// Decoded path parameters.
    pub(crate) path: &'a BTreeMap<String, String>,
    /// Decoded query pairs.
    pub(crate) query: &'a [(String, String)],
    pub(crate) raw_query: &'a str,
    /// The path as received, for the links of a paginated list.
    pub(crate) request_path: &'a str,
    /// The JSON body, `Null` when there is none.
    pub(crate) json: &'a Value,
    pub(crate) bytes: &'a [u8],
    pub(crate) content_type: Option<&'a str>,
}

pub(crate) struct State {
    pub(super) site: Site,
    pub(super) next_id: u64,
    /// Seconds since the Unix epoch; moves one minute per change.
    pub(super) clock: i64,
    pub(super) users: BTreeMap<String, u64>,
    pub(super) releases: Vec<Release>,
    pub(super) latest: Option<u64>,
    pub(super) comments: Vec<Comment>,
    pub(super) commit_comments: Vec<CommitComment>,
    pub(super) pulls: BTreeMap<u64, Pull>,
    pub(super) refs: BTreeMap<String, String>,
    pub(super) deployments: Vec<Deployment>,
    pub(super) approvals: BTreeMap<u64, Vec<Approval>>,
    pub(super) environments: BTreeMap<String, u64>,
}

pub(super) struct Pull {
    pub(super) head_sha: String,
    pub(super) head_ref: String,
    pub(super) base_ref: String,
    pub(super) title: String,
    pub(super) created_at: String,
    pub(super) merged: Option<(String, String)>,
    pub(super) body: Option<String>,
    pub(super) labels: Vec<String>,
    /// Closed without a merge (a merged pull request is closed too).
    pub(super) closed: bool,
    pub(super) updated_at: String,
}

pub(super) struct Approval {
    pub(super) environment: String,
    pub(super) reviewer: String,
    pub(super) state: String,
    pub(super) comment: String,
}

impl State {
    pub(crate) fn new(base_url: &str, owner: &str, repo: &str) -> State {
        let mut state = State {
            site: Site {
                base: base_url.to_string(),
                owner: owner.to_string(),
                repo: repo.to_string(),
                repository_id: 0,
            },
            next_id: FIRST_ID,
            clock: crate::EPOCH,
            users: BTreeMap::new(),
            releases: Vec::new(),
            latest: None,
            comments: Vec::new(),
            commit_comments: Vec::new(),
            pulls: BTreeMap::new(),
            refs: BTreeMap::new(),
            deployments: Vec::new(),
            approvals: BTreeMap::new(),
            environments: BTreeMap::new(),
        };
        state.site.repository_id = state.next_id();
        state.user_id(BOT_LOGIN);
        state
    }

    pub(super) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(super) fn tick(&mut self) -> String {
        self.clock += 60;
        timestamp(self.clock)
    }

    fn user_id(&mut self, login: &str) -> u64 {
        let next = 101 + self.users.len() as u64;
        *self.users.entry(login.to_string()).or_insert(next)
    }

    pub(super) fn user(&mut self, login: &str) -> Value {
        let id = self.user_id(login);
        self.site.user(login, id)
    }

    // Seeding, from the test.

    pub(crate) fn add_pull(&mut self, number: u64, head_sha: &str, head_ref: &str, base_ref: &str, title: &str) {
        let created_at = self.tick();
        self.refs.insert(head_ref.to_string(), head_sha.to_string());
        let pull = Pull {
            head_sha: head_sha.to_string(),
            head_ref: head_ref.to_string(),
            base_ref: base_ref.to_string(),
            title: title.to_string(),
            updated_at: created_at.clone(),
            created_at,
            merged: None,
            body: None,
            labels: Vec::new(),
            closed: false,
        };
        self.pulls.insert(number, pull);
    }

    pub(crate) fn merge_pull(&mut self, number: u64, merge_commit_sha: &str) -> bool {
        let merged_at = self.tick();
        let Some(pull) = self.pulls.get_mut(&number) else { return false };
        pull.merged = Some((merge_commit_sha.to_string(), merged_at));
        pull.closed = true;
        true
    }

    pub(crate) fn add_ref(&mut self, name: &str, sha: &str) {
        self.refs.insert(name.to_string(), sha.to_string());
    }

    pub(crate) fn add_run_approval(
        &mut self,
        run_id: u64,
        environment: &str,
        reviewer: &str,
        state: &str,
        comment: &str,
    ) {
        let approval = Approval {
            environment: environment.to_string(),
            reviewer: reviewer.to_string(),
            state: state.to_string(),
            comment: comment.to_string(),
        };
        self.approvals.entry(run_id).or_default().push(approval);
    }

    // Snapshots, for the test.

    pub(crate) fn releases(&self) -> Vec<Release> {
        self.releases.iter().map(|release| self.release_snapshot(release)).collect()
    }

    pub(crate) fn comments(&self, issue_number: u64) -> Vec<Comment> {
        self.comments.iter().filter(|comment| comment.issue_number == issue_number).cloned().collect()
    }

    pub(crate) fn deployments(&self) -> Vec<Deployment> {
        self.deployments.clone()
    }

    pub(super) fn release_snapshot(&self, release: &Release) -> Release {
        let mut release = release.clone();
        release.latest = self.latest == Some(release.id);
        release.html_url = self.site.web(&format!("/releases/tag/{}", download_tag(&release)));
        release.upload_url = format!(
            "{}{UPLOADS_PREFIX}/repos/{}/{}/releases/{}/assets{{?name,label}}",
            self.site.base, self.site.owner, self.site.repo, release.id
        );
        let tag = download_tag(&release);
        for asset in &mut release.assets {
            asset.browser_download_url = self.site.web(&format!("/releases/download/{tag}/{}", asset.name));
        }
        release
    }

    // Operations.

    pub(crate) fn handle(&mut self, call: &Call<'_>) -> Reply {
        let same = |given: Option<&String>, ours: &str| given.is_some_and(|given| given.eq_ignore_ascii_case(ours));
        if !same(call.path.get("owner"), &self.site.owner) || !same(call.path.get("repo"), &self.site.repo) {
            return not_found(call);
        }
        match call.operation {
            "repos/list-releases" => self.list_releases(call),
            "repos/create-release" => self.create_release(call),
            "repos/get-release-by-tag" => self.get_release_by_tag(call),
            "repos/get-release" => self.get_release(call),
            "repos/update-release" => self.update_release(call),
            "repos/list-release-assets" => self.list_release_assets(call),
            "repos/upload-release-asset" => self.upload_release_asset(call),
            "repos/delete-release-asset" => self.delete_release_asset(call),
            "issues/list-comments" => self.list_comments(call),
            "issues/create-comment" => self.create_comment(call),
            "issues/update-comment" => self.update_comment(call),
            "pulls/get" => self.get_pull(call),
            "pulls/list" => self.list_pulls(call),
            "repos/list-pull-requests-associated-with-commit" => self.pulls_of_commit(call),
            "repos/list-comments-for-commit" => self.list_commit_comments(call),
            "repos/create-commit-comment" => self.create_commit_comment(call),
            "pulls/create" => self.create_pull(call),
            "pulls/update" => self.update_pull(call),
            "issues/add-labels" => self.add_labels(call),
            "issues/remove-label" => self.remove_label(call),
            "git/delete-ref" => self.delete_ref(call),
            "repos/list-deployments" => self.list_deployments(call),
            "repos/create-deployment" => self.create_deployment(call),
            "repos/create-deployment-status" => self.create_deployment_status(call),
            "actions/get-reviews-for-run" => self.get_reviews_for_run(call),
            other => {
                let message = format!("fake github: `{other}` is documented but not implemented");
                Reply::json(500, objects::error(&message, call.docs_url, 500))
            }
        }
    }

    fn list_releases(&mut self, call: &Call<'_>) -> Reply {
        // Newest first, drafts included (the token can push).
        let items: Vec<Value> = self.releases.iter().rev().map(|release| self.release_json(release)).collect();
        self.page(call, items)
    }

    fn create_release(&mut self, call: &Call<'_>) -> Reply {
        let body = call.json;
        let tag_name = text(body, "tag_name").unwrap_or_default();
        let draft = body["draft"].as_bool().unwrap_or(false);
        // Drafts are not tied to their tag until published; published releases own it.
        if !draft && self.published_with_tag(&tag_name, None) {
            return Reply::json(422, objects::already_exists("Release", "tag_name", call.docs_url));
        }
        let now = self.tick();
        let id = self.next_id();
        let mut notes = text(body, "body");
        if body["generate_release_notes"] == true {
            let generated = format!("**Full Changelog**: {}", self.site.web(&format!("/commits/{tag_name}")));
            notes = Some(notes.map_or(generated.clone(), |notes| format!("{notes}\n\n{generated}")));
        }
        self.releases.push(Release {
            id,
            tag_name,
            target_commitish: text(body, "target_commitish").unwrap_or_else(|| "main".to_string()),
            name: text(body, "name"),
            body: notes,
            draft,
            prerelease: body["prerelease"].as_bool().unwrap_or(false),
            latest: false,
            created_at: now.clone(),
            updated_at: now.clone(),
            published_at: (!draft).then_some(now),
            html_url: String::new(),
            upload_url: String::new(),
            assets: Vec::new(),
        });
        self.make_latest(id, body["make_latest"].as_str(), !draft);
        let release = self.release(id).expect("just created");
        let location = self.site.api(&format!("/releases/{id}"));
        Reply::json(201, self.release_json(release)).header("Location", &location)
    }

    fn get_release_by_tag(&mut self, call: &Call<'_>) -> Reply {
        // GitHub finds published releases only: a draft has no tag yet.
        let tag = call.path.get("tag").map(String::as_str).unwrap_or_default();
        match self.releases.iter().find(|release| !release.draft && release.tag_name == tag) {
            Some(release) => Reply::json(200, self.release_json(release)),
            None => not_found(call),
        }
    }

    fn get_release(&mut self, call: &Call<'_>) -> Reply {
        match number(call, "release_id").and_then(|id| self.release(id)) {
            Some(release) => Reply::json(200, self.release_json(release)),
            None => not_found(call),
        }
    }

    fn update_release(&mut self, call: &Call<'_>) -> Reply {
        let body = call.json;
        let Some(id) = number(call, "release_id").filter(|id| self.release(*id).is_some()) else {
            return not_found(call);
        };
        let current = self.release(id).expect("checked above");
        let was_draft = current.draft;
        let tag_name = text(body, "tag_name").unwrap_or_else(|| current.tag_name.clone());
        let draft = body["draft"].as_bool().unwrap_or(was_draft);
        if !draft && self.published_with_tag(&tag_name, Some(id)) {
            return Reply::json(422, objects::already_exists("Release", "tag_name", call.docs_url));
        }
        let now = self.tick();
        let release = self.releases.iter_mut().find(|release| release.id == id).expect("checked above");
        release.tag_name = tag_name;
        if let Some(target) = text(body, "target_commitish") {
            release.target_commitish = target;
        }
        if let Some(name) = text(body, "name") {
            release.name = Some(name);
        }
        if let Some(notes) = text(body, "body") {
            release.body = Some(notes);
        }
        if let Some(prerelease) = body["prerelease"].as_bool() {
            release.prerelease = prerelease;
        }
        release.draft = draft;
        match (was_draft, draft) {
            (true, false) => release.published_at = Some(now.clone()),
            (false, true) => release.published_at = None,
            _ => {}
        }
        release.updated_at = now;
        self.make_latest(id, body["make_latest"].as_str(), was_draft && !draft);
        Reply::json(200, self.release_json(self.release(id).expect("checked above")))
    }

    fn list_release_assets(&mut self, call: &Call<'_>) -> Reply {
        let Some(release) = number(call, "release_id").and_then(|id| self.release(id)) else {
            return not_found(call);
        };
        let items: Vec<Value> = release.assets.iter().map(|asset| self.asset_json(release, asset)).collect();
        self.page(call, items)
    }

    fn upload_release_asset(&mut self, call: &Call<'_>) -> Reply {
        let Some(id) = number(call, "release_id").filter(|id| self.release(*id).is_some()) else {
            return not_found(call);
        };
        let name = asset_name(query(call, "name").unwrap_or_default());
        if self.release(id).is_some_and(|release| release.assets.iter().any(|asset| asset.name == name)) {
            return Reply::json(422, objects::already_exists("ReleaseAsset", "name", call.docs_url));
        }
        let now = self.tick();
        let asset = Asset {
            id: self.next_id(),
            name,
            label: query(call, "label").map(str::to_string),
            content_type: call.content_type.unwrap_or("application/octet-stream").to_string(),
            size: call.bytes.len() as u64,
            state: "uploaded".to_string(),
            digest: format!("sha256:{}", hex(&Sha256::digest(call.bytes))),
            download_count: 0,
            browser_download_url: String::new(),
            created_at: now,
            bytes: call.bytes.to_vec(),
        };
        let release = self.releases.iter_mut().find(|release| release.id == id).expect("checked above");
        release.assets.push(asset.clone());
        let release = self.release(id).expect("checked above");
        Reply::json(201, self.asset_json(release, &asset))
    }

    fn delete_release_asset(&mut self, call: &Call<'_>) -> Reply {
        let id = number(call, "asset_id");
        for release in &mut self.releases {
            if let Some(index) = release.assets.iter().position(|asset| Some(asset.id) == id) {
                release.assets.remove(index);
                return Reply::empty(204);
            }
        }
        not_found(call)
    }

    fn list_comments(&mut self, call: &Call<'_>) -> Reply {
        let Some(issue) = number(call, "issue_number") else { return not_found(call) };
        let since = query(call, "since");
        let items: Vec<Value> = self
            .comments
            .iter()
            .filter(|comment| comment.issue_number == issue)
            .filter(|comment| since.is_none_or(|since| comment.updated_at.as_str() >= since))
            .map(|comment| self.comment_json(comment))
            .collect();
        self.page(call, items)
    }

    fn create_comment(&mut self, call: &Call<'_>) -> Reply {
        let Some(issue) = number(call, "issue_number") else { return not_found(call) };
        let now = self.tick();
        let id = self.next_id();
        let kind = if self.pulls.contains_key(&issue) { "pull" } else { "issues" };
        self.comments.push(Comment {
            id,
            issue_number: issue,
            body: text(call.json, "body").unwrap_or_default(),
            user_login: BOT_LOGIN.to_string(),
            created_at: now.clone(),
            updated_at: now,
            html_url: self.site.web(&format!("/{kind}/{issue}#issuecomment-{id}")),
        });
        let comment = self.comments.last().expect("just pushed");
        let location = self.site.api(&format!("/issues/comments/{id}"));
        Reply::json(201, self.comment_json(comment)).header("Location", &location)
    }

    fn list_commit_comments(&mut self, call: &Call<'_>) -> Reply {
        let sha = call.path.get("commit_sha").cloned().unwrap_or_default();
        let items: Vec<Value> = self
            .commit_comments
            .iter()
            .filter(|comment| comment.commit_id == sha)
            .map(|comment| self.commit_comment_json(comment))
            .collect();
        self.page(call, items)
    }

    fn create_commit_comment(&mut self, call: &Call<'_>) -> Reply {
        let sha = call.path.get("commit_sha").cloned().unwrap_or_default();
        let now = self.tick();
        let id = self.next_id();
        self.commit_comments.push(CommitComment {
            id,
            commit_id: sha.clone(),
            body: text(call.json, "body").unwrap_or_default(),
            user_login: BOT_LOGIN.to_string(),
            created_at: now,
            html_url: self.site.web(&format!("/commit/{sha}#commitcomment-{id}")),
        });
        let comment = self.commit_comments.last().expect("just pushed");
        let location = self.site.api(&format!("/comments/{id}"));
        Reply::json(201, self.commit_comment_json(comment)).header("Location", &location)
    }

    fn update_comment(&mut self, call: &Call<'_>) -> Reply {
        let id = number(call, "comment_id");
        let Some(index) = self.comments.iter().position(|comment| Some(comment.id) == id) else {
            return not_found(call);
        };
        let now = self.tick();
        let comment = &mut self.comments[index];
        comment.body = text(call.json, "body").unwrap_or_default();
        comment.updated_at = now;
        Reply::json(200, self.comment_json(&self.comments[index]))
    }

    fn get_pull(&mut self, call: &Call<'_>) -> Reply {
        match number(call, "pull_number").filter(|number| self.pulls.contains_key(number)) {
            Some(number) => {
                let json = self.pull_json(number);
                Reply::json(200, json)
            }
            None => not_found(call),
        }
    }

    fn list_deployments(&mut self, call: &Call<'_>) -> Reply {
        let matches = |deployment: &Deployment| {
            [("sha", &deployment.sha), ("ref", &deployment.git_ref), ("task", &deployment.task)]
                .into_iter()
                .chain([("environment", &deployment.environment)])
                .all(|(name, value)| query(call, name).is_none_or(|wanted| wanted == value))
        };
        let items: Vec<Value> = self
            .deployments
            .iter()
            .rev()
            .filter(|deployment| matches(deployment))
            .map(|deployment| self.deployment_json(deployment))
            .collect();
        self.page(call, items)
    }

    fn create_deployment(&mut self, call: &Call<'_>) -> Reply {
        let body = call.json;
        let git_ref = text(body, "ref").unwrap_or_default();
        let sha = if git_ref.len() == 40 && git_ref.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            git_ref.clone()
        } else if let Some(sha) = self.refs.get(&git_ref) {
            sha.clone()
        } else {
            let message = format!("No ref found for: {git_ref}");
            return Reply::json(422, objects::error(&message, call.docs_url, 422));
        };
        let environment = text(body, "environment").unwrap_or_else(|| "production".to_string());
        let now = self.tick();
        let deployment = Deployment {
            id: self.next_id(),
            git_ref,
            sha,
            task: text(body, "task").unwrap_or_else(|| "deploy".to_string()),
            original_environment: environment.clone(),
            production_environment: body["production_environment"].as_bool().unwrap_or(environment == "production"),
            environment,
            payload: match &body["payload"] {
                Value::Null => json!({}),
                payload => payload.clone(),
            },
            description: text(body, "description").unwrap_or_default(),
            transient_environment: body["transient_environment"].as_bool().unwrap_or(false),
            created_at: now,
            statuses: Vec::new(),
        };
        let json = self.deployment_json(&deployment);
        self.deployments.push(deployment);
        Reply::json(201, json)
    }

    fn create_deployment_status(&mut self, call: &Call<'_>) -> Reply {
        let body = call.json;
        let Some(index) = number(call, "deployment_id")
            .and_then(|id| self.deployments.iter().position(|deployment| deployment.id == id))
        else {
            return not_found(call);
        };
        let now = self.tick();
        let target_url = text(body, "target_url").unwrap_or_default();
        let state = text(body, "state").unwrap_or_default();
        if let Some(environment) = text(body, "environment") {
            self.deployments[index].environment = environment;
        }
        let status = DeploymentStatus {
            id: self.next_id(),
            state: state.clone(),
            description: text(body, "description").unwrap_or_default(),
            environment: self.deployments[index].environment.clone(),
            log_url: text(body, "log_url").unwrap_or_else(|| target_url.clone()),
            target_url,
            environment_url: text(body, "environment_url").unwrap_or_default(),
            created_at: now.clone(),
        };
        self.deployments[index].statuses.push(status.clone());
        if state == "success" && body["auto_inactive"].as_bool().unwrap_or(true) {
            self.deactivate_others(index, &now);
        }
        let json = self.status_json(&self.deployments[index], &status);
        Reply::json(201, json)
    }

    /// GitHub's `auto_inactive`: earlier successful deployments to the same non-transient,
    /// non-production environment get an `inactive` status.
    fn deactivate_others(&mut self, index: usize, now: &str) {
        let environment = self.deployments[index].environment.clone();
        for other in 0..self.deployments.len() {
            let deployment = &self.deployments[other];
            let eligible = other != index
                && deployment.environment == environment
                && !deployment.transient_environment
                && !deployment.production_environment
                && deployment.statuses.last().is_some_and(|status| status.state == "success");
            if eligible {
                let id = self.next_id();
                let deployment = &mut self.deployments[other];
                let last = deployment.statuses.last().expect("checked above").clone();
                deployment.statuses.push(DeploymentStatus {
                    id,
                    state: "inactive".to_string(),
                    description: String::new(),
                    created_at: now.to_string(),
                    ..last
                });
            }
        }
    }

    fn get_reviews_for_run(&mut self, call: &Call<'_>) -> Reply {
        let run = number(call, "run_id").unwrap_or_default();
        let approvals: Vec<(String, String, String, String)> = self
            .approvals
            .get(&run)
            .into_iter()
            .flatten()
            .map(|approval| {
                let Approval { environment, reviewer, state, comment } = approval;
                (environment.clone(), reviewer.clone(), state.clone(), comment.clone())
            })
            .collect();
        let items: Vec<Value> = approvals
            .into_iter()
            .map(|(environment, reviewer, state, comment)| {
                json!({
                    "environments": [self.environment_json(&environment)],
                    "state": state,
                    "user": self.user(&reviewer),
                    "comment": comment,
                })
            })
            .collect();
        Reply::json(200, Value::Array(items))
    }

    // Asset downloads: GitHub's web host, not an API operation.

    /// `(tag, name)` when `raw_path` is `/{owner}/{repo}/releases/download/{tag}/{name}`.
    pub(crate) fn download_target(&self, raw_path: &str) -> Option<(String, String)> {
        let prefix = format!("/{}/{}/releases/download/", self.site.owner, self.site.repo);
        let rest = raw_path.strip_prefix(&prefix)?;
        let (tag, name) = rest.rsplit_once('/')?;
        Some((super::serve::percent_decode(tag, false), super::serve::percent_decode(name, false)))
    }

    pub(crate) fn download(&mut self, tag: &str, name: &str) -> Reply {
        let found = self
            .releases
            .iter_mut()
            .filter(|release| download_tag(release) == tag)
            .find_map(|release| release.assets.iter_mut().find(|asset| asset.name == name));
        match found {
            Some(asset) => {
                asset.download_count += 1;
                Reply {
                    status: 200,
                    body: ReplyBody::Bytes { content_type: asset.content_type.clone(), bytes: asset.bytes.clone() },
                    headers: Vec::new(),
                }
            }
            None => Reply {
                status: 404,
                body: ReplyBody::Bytes { content_type: "text/plain".into(), bytes: b"Not Found".to_vec() },
                headers: Vec::new(),
            },
        }
    }

    // Helpers.

    pub(super) fn release(&self, id: u64) -> Option<&Release> {
        self.releases.iter().find(|release| release.id == id)
    }

    fn published_with_tag(&self, tag: &str, except: Option<u64>) -> bool {
        self.releases.iter().any(|release| !release.draft && release.tag_name == tag && Some(release.id) != except)
    }

    /// GitHub's `make_latest`: `true` (the default when a release is published) makes it the
    /// latest, `false` leaves the latest alone (or moves it off this one), `legacy` picks the
    /// newest published, non-prerelease release. Drafts and prereleases are never latest.
    fn make_latest(&mut self, id: u64, choice: Option<&str>, newly_published: bool) {
        let eligible = self.release(id).is_some_and(|release| !release.draft && !release.prerelease);
        if !eligible {
            if self.latest == Some(id) {
                self.latest = self.newest_published(Some(id));
            }
            return;
        }
        match choice {
            Some("true") => self.latest = Some(id),
            None if newly_published => self.latest = Some(id),
            Some("false") if self.latest == Some(id) => self.latest = self.newest_published(Some(id)),
            Some("legacy") => self.latest = self.newest_published(None),
            _ => {}
        }
    }

    fn newest_published(&self, except: Option<u64>) -> Option<u64> {
        let eligible = self.releases.iter().filter(|release| !release.draft && !release.prerelease);
        eligible.filter(|release| Some(release.id) != except).map(|release| release.id).max()
    }

    /// A list answer, paginated like GitHub: `per_page` (30, at most 100), `page`, and a
    /// `Link` header with `first`, `prev`, `next` and `last` where they apply.
    pub(super) fn page(&self, call: &Call<'_>, items: Vec<Value>) -> Reply {
        let read =
            |name: &str, default: usize| query(call, name).and_then(|value| value.parse().ok()).unwrap_or(default);
        let per_page = read("per_page", DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
        let page = read("page", 1).max(1);
        let last = items.len().div_ceil(per_page).max(1);
        let kept: Vec<&str> = call
            .raw_query
            .split('&')
            .filter(|pair| {
                let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
                !pair.is_empty() && name != "page" && name != "per_page"
            })
            .collect();
        let link = |page: usize, relation: &str| {
            let mut pairs = kept.clone();
            let per_page = format!("per_page={per_page}");
            let page = format!("page={page}");
            pairs.push(&per_page);
            pairs.push(&page);
            format!("<{}{}?{}>; rel=\"{relation}\"", self.site.base, call.request_path, pairs.join("&"))
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(link(page - 1, "prev"));
        }
        if page < last {
            links.push(link(page + 1, "next"));
            links.push(link(last, "last"));
        }
        if page > 1 {
            links.push(link(1, "first"));
        }
        let start = (page - 1).saturating_mul(per_page).min(items.len());
        let items: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
        let reply = Reply::json(200, Value::Array(items));
        if links.is_empty() { reply } else { reply.header("Link", &links.join(", ")) }
    }
}

/// The tag in a release's web URLs: a draft has none yet, so GitHub makes one up.
pub(super) fn download_tag(release: &Release) -> String {
    if release.draft { format!("untagged-{:020x}", release.id) } else { release.tag_name.clone() }
}

/// GitHub renames asset files with unusual characters: anything but letters, digits and
/// `-_.+` becomes `.`, and leading or trailing dots go (an approximation of its rules).
fn asset_name(requested: &str) -> String {
    let renamed: String = requested
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || "-_.+".contains(character) { character } else { '.' })
        .collect();
    let trimmed = renamed.trim_matches('.');
    if trimmed.is_empty() { "default".to_string() } else { trimmed.to_string() }
}

pub(super) fn not_found(call: &Call<'_>) -> Reply {
    Reply::json(404, objects::error("Not Found", call.docs_url, 404))
}

pub(super) fn number(call: &Call<'_>, name: &str) -> Option<u64> {
    call.path.get(name)?.parse().ok()
}

pub(super) fn query<'a>(call: &Call<'a>, name: &str) -> Option<&'a str> {
    call.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

pub(super) fn text(body: &Value, name: &str) -> Option<String> {
    body[name].as_str().map(str::to_string)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
