//! Pull requests, their labels and branch refs, as the release pull request uses them.

use serde_json::{Value, json};

use super::PullRequest;
use super::objects::{self, node_id};
use super::reply::Reply;
use super::state::{Call, Pull, State, not_found, number, query, text};

/// A placeholder head commit for a branch the fake was not told about (it does not see git).
const UNKNOWN_SHA: &str = "0000000000000000000000000000000000000000";

impl State {
    pub(crate) fn pull_requests(&self) -> Vec<PullRequest> {
        self.pulls
            .iter()
            .map(|(number, pull)| PullRequest {
                number: *number,
                title: pull.title.clone(),
                body: pull.body.clone(),
                head_ref: pull.head_ref.clone(),
                base_ref: pull.base_ref.clone(),
                labels: pull.labels.clone(),
                state: if pull.closed { "closed".into() } else { "open".into() },
                merged: pull.merged.is_some(),
            })
            .collect()
    }

    pub(crate) fn close_pull(&mut self, number: u64) -> bool {
        let now = self.tick();
        let Some(pull) = self.pulls.get_mut(&number) else { return false };
        pull.closed = true;
        pull.updated_at = now;
        true
    }

    pub(super) fn list_pulls(&mut self, call: &Call<'_>) -> Reply {
        let state = query(call, "state").unwrap_or("open");
        let owner = self.site.owner.clone();
        let wanted: Vec<u64> = self
            .pulls
            .iter()
            .filter(|(_, pull)| match state {
                "open" => !pull.closed,
                "closed" => pull.closed,
                _ => true,
            })
            .filter(|(_, pull)| query(call, "head").is_none_or(|head| head == format!("{owner}:{}", pull.head_ref)))
            .filter(|(_, pull)| query(call, "base").is_none_or(|base| base == pull.base_ref))
            .map(|(number, _)| *number)
            .collect();
        let items = wanted.into_iter().map(|number| self.simple_pull_json(number)).collect();
        self.page(call, items)
    }

    /// `pull-request-simple`: a list leaves out what needs computing.
    fn simple_pull_json(&mut self, number: u64) -> Value {
        let mut pull = self.pull_json(number);
        {
            let object = pull.as_object_mut().expect("a pull request is an object");
            for field in [
                "merged",
                "mergeable",
                "rebaseable",
                "mergeable_state",
                "merged_by",
                "comments",
                "review_comments",
                "maintainer_can_modify",
                "commits",
                "additions",
                "deletions",
                "changed_files",
            ] {
                object.remove(field);
            }
        }
        pull
    }

    /// The pull requests whose head is the commit, or that merged as it.
    pub(super) fn pulls_of_commit(&mut self, call: &Call<'_>) -> Reply {
        let sha = call.path.get("commit_sha").cloned().unwrap_or_default();
        let numbers: Vec<u64> = self
            .pulls
            .iter()
            .filter(|(_, pull)| pull.head_sha == sha || pull.merged.as_ref().is_some_and(|(merge, _)| merge == &sha))
            .map(|(number, _)| *number)
            .collect();
        let items = numbers.into_iter().map(|number| self.simple_pull_json(number)).collect();
        self.page(call, items)
    }

    pub(super) fn create_pull(&mut self, call: &Call<'_>) -> Reply {
        let (Some(head), Some(base)) = (text(call.json, "head"), text(call.json, "base")) else {
            return Reply::json(422, objects::error("Validation Failed", call.docs_url, 422));
        };
        let head = head.rsplit(':').next().unwrap_or(&head).to_string();
        let duplicate = self.pulls.values().any(|pull| !pull.closed && pull.head_ref == head && pull.base_ref == base);
        if duplicate {
            let message = format!("A pull request already exists for {}:{head}.", self.site.owner);
            return Reply::json(422, objects::error(&message, call.docs_url, 422));
        }
        let number = self.pulls.keys().max().map_or(1, |last| last + 1);
        let now = self.tick();
        let head_sha = self.refs.get(&head).cloned().unwrap_or_else(|| UNKNOWN_SHA.to_string());
        self.pulls.insert(
            number,
            Pull {
                head_sha,
                head_ref: head,
                base_ref: base,
                title: text(call.json, "title").unwrap_or_default(),
                created_at: now.clone(),
                updated_at: now,
                merged: None,
                body: text(call.json, "body"),
                labels: Vec::new(),
                closed: false,
            },
        );
        let json = self.pull_json(number);
        let location = self.site.api(&format!("/pulls/{number}"));
        Reply::json(201, json).header("Location", &location)
    }

    pub(super) fn update_pull(&mut self, call: &Call<'_>) -> Reply {
        let Some(number) = number(call, "pull_number").filter(|number| self.pulls.contains_key(number)) else {
            return not_found(call);
        };
        let now = self.tick();
        let pull = self.pulls.get_mut(&number).expect("checked above");
        if let Some(title) = text(call.json, "title") {
            pull.title = title;
        }
        if let Some(body) = text(call.json, "body") {
            pull.body = Some(body);
        }
        if let Some(base) = text(call.json, "base") {
            pull.base_ref = base;
        }
        match text(call.json, "state").as_deref() {
            Some("closed") => pull.closed = true,
            Some("open") if pull.merged.is_none() => pull.closed = false,
            _ => {}
        }
        pull.updated_at = now;
        let json = self.pull_json(number);
        Reply::json(200, json)
    }

    pub(super) fn add_labels(&mut self, call: &Call<'_>) -> Reply {
        let Some(number) = number(call, "issue_number").filter(|number| self.pulls.contains_key(number)) else {
            return not_found(call);
        };
        let names: Vec<String> = call.json["labels"]
            .as_array()
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|label| label.as_str().or_else(|| label["name"].as_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let pull = self.pulls.get_mut(&number).expect("checked above");
        for name in names {
            if !pull.labels.contains(&name) {
                pull.labels.push(name);
            }
        }
        let labels = pull.labels.clone();
        Reply::json(200, Value::Array(labels.iter().map(|name| self.label_json(name)).collect()))
    }

    pub(super) fn remove_label(&mut self, call: &Call<'_>) -> Reply {
        let Some(number) = number(call, "issue_number").filter(|number| self.pulls.contains_key(number)) else {
            return not_found(call);
        };
        let name = call.path.get("name").cloned().unwrap_or_default();
        let pull = self.pulls.get_mut(&number).expect("checked above");
        let Some(index) = pull.labels.iter().position(|label| *label == name) else {
            return Reply::json(404, objects::error("Label does not exist", call.docs_url, 404));
        };
        pull.labels.remove(index);
        let labels = pull.labels.clone();
        Reply::json(200, Value::Array(labels.iter().map(|name| self.label_json(name)).collect()))
    }

    pub(super) fn delete_ref(&mut self, call: &Call<'_>) -> Reply {
        let name = call.path.get("ref").cloned().unwrap_or_default();
        let branch = name.strip_prefix("heads/").unwrap_or(&name).to_string();
        if self.refs.remove(&branch).is_none() {
            return Reply::json(422, objects::error("Reference does not exist", call.docs_url, 422));
        }
        Reply::empty(204)
    }

    pub(super) fn label_json(&self, name: &str) -> Value {
        // A stable id per name, so the same label reads the same every time.
        let id = 9_000_000 + name.bytes().fold(0u64, |hash, byte| (hash * 31 + u64::from(byte)) % 1_000_000);
        json!({
            "id": id,
            "node_id": node_id("LA_kwDO", id),
            "url": self.site.api(&format!("/labels/{}", name.replace(' ', "%20"))),
            "name": name,
            "description": "",
            "color": "ededed",
            "default": false,
        })
    }
}
