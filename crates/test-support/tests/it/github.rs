//! The GitHub fake, driven by a plain HTTP client the way octocrab drives it.

use release_test_support::github::{
    FakeGitHub, OPENAPI_FILE, OPENAPI_PACKAGE, OPERATIONS, RecordedBody, description_path,
};
use serde_json::{Value, json};

const TOKEN: &str = "secret";

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!("status {}: body is not JSON ({error}): {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// One request; `authorization` is the whole header value.
fn send(
    method: &str,
    url: &str,
    authorization: Option<&str>,
    content_type: Option<&str>,
    body: Option<Vec<u8>>,
) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut builder = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Accept", "application/vnd.github+json")
        .header("User-Agent", "release-test-support");
    if let Some(authorization) = authorization {
        builder = builder.header("Authorization", authorization);
    }
    if let Some(content_type) = content_type {
        builder = builder.header("Content-Type", content_type);
    }
    let result = match body {
        Some(body) => agent.run(builder.body(body).expect("a valid request")),
        None => agent.run(builder.body(()).expect("a valid request")),
    };
    let mut response = result.unwrap_or_else(|error| panic!("{method} {url}: {error}"));
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().to_string()))
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().expect("a readable body");
    Answer { status, headers, body }
}

/// An authenticated JSON request to `{base_url}{path}`.
fn call(github: &FakeGitHub, method: &str, path: &str, body: Option<Value>) -> Answer {
    let bearer = format!("Bearer {TOKEN}");
    let body = body.map(|body| body.to_string().into_bytes());
    let content_type = body.as_ref().map(|_| "application/json");
    send(method, &format!("{}{path}", github.base_url()), Some(&bearer), content_type, body)
}

fn fake() -> FakeGitHub {
    let github = FakeGitHub::start("acme", "widgets");
    github.require_token(TOKEN);
    github
}

#[test]
fn release_lifecycle_with_an_asset() {
    let github = fake();
    let created = call(
        &github,
        "POST",
        "/repos/acme/widgets/releases",
        Some(json!({"tag_name": "api-v1.0.0", "name": "api 1.0.0", "body": "notes", "target_commitish": "main"})),
    );
    assert_eq!(created.status, 201, "{}", created.json());
    let release = created.json();
    let id = release["id"].as_u64().expect("an id");
    assert_eq!(
        release["upload_url"],
        format!("{}/uploads/repos/acme/widgets/releases/{id}/assets{{?name,label}}", github.base_url())
    );
    assert_eq!(release["author"]["login"], "release-bot");
    assert!(release["published_at"].is_string());

    let by_tag = call(&github, "GET", "/repos/acme/widgets/releases/tags/api-v1.0.0", None);
    assert_eq!((by_tag.status, by_tag.json()["id"].as_u64()), (200, Some(id)));

    let updated =
        call(&github, "PATCH", &format!("/repos/acme/widgets/releases/{id}"), Some(json!({"body": "new notes"})));
    assert_eq!((updated.status, updated.json()["body"].clone()), (200, json!("new notes")));

    // Upload through the release's own `upload_url`, expanded the RFC 6570 way.
    let upload_url =
        release["upload_url"].as_str().expect("a string").replace("{?name,label}", "?name=api+linux.tar.gz");
    let bytes = b"\x1f\x8b pretend tarball".to_vec();
    let bearer = format!("Bearer {TOKEN}");
    let uploaded = send("POST", &upload_url, Some(&bearer), Some("application/gzip"), Some(bytes.clone()));
    assert_eq!(uploaded.status, 201, "{}", uploaded.json());
    let asset = uploaded.json();
    assert_eq!(asset["name"], "api.linux.tar.gz", "GitHub renames the space");
    assert_eq!(asset["size"], bytes.len());
    assert_eq!(asset["state"], "uploaded");
    assert!(asset["digest"].as_str().is_some_and(|digest| digest.starts_with("sha256:") && digest.len() == 71));

    let download = send("GET", asset["browser_download_url"].as_str().expect("a string"), None, None, None);
    assert_eq!((download.status, download.body), (200, bytes.clone()));

    let listed = call(&github, "GET", &format!("/repos/acme/widgets/releases/{id}/assets"), None);
    assert_eq!(listed.json().as_array().map(Vec::len), Some(1));

    let [snapshot] = &github.releases()[..] else { panic!("one release: {:?}", github.releases()) };
    assert!(snapshot.latest);
    assert_eq!(snapshot.body.as_deref(), Some("new notes"));
    assert_eq!(snapshot.assets[0].bytes, bytes);
    assert_eq!(snapshot.assets[0].content_type, "application/gzip");
    assert_eq!(snapshot.assets[0].download_count, 1);

    let asset_id = asset["id"].as_u64().expect("an id");
    let deleted = call(&github, "DELETE", &format!("/repos/acme/widgets/releases/assets/{asset_id}"), None);
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
    let again = call(&github, "DELETE", &format!("/repos/acme/widgets/releases/assets/{asset_id}"), None);
    assert_eq!((again.status, again.json()["message"].clone()), (404, json!("Not Found")));
    let listed = call(&github, "GET", &format!("/repos/acme/widgets/releases/{id}/assets"), None);
    assert_eq!(listed.json(), json!([]));

    let operations: Vec<Option<String>> = github.requests().into_iter().map(|request| request.operation).collect();
    let expected = [
        Some("repos/create-release"),
        Some("repos/get-release-by-tag"),
        Some("repos/update-release"),
        Some("repos/upload-release-asset"),
        None,
        Some("repos/list-release-assets"),
        Some("repos/delete-release-asset"),
        Some("repos/delete-release-asset"),
        Some("repos/list-release-assets"),
    ];
    assert_eq!(operations, expected.map(|operation| operation.map(str::to_string)));
    assert_eq!(github.requests()[3].body, RecordedBody::Bytes(bytes.len()));
}

#[test]
fn a_second_release_for_a_tag_is_refused_and_drafts_have_no_tag() {
    let github = fake();
    let first = call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"tag_name": "v1.0.0"})));
    assert_eq!(first.status, 201);
    let second = call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"tag_name": "v1.0.0"})));
    assert_eq!(second.status, 422);
    assert_eq!(second.json()["message"], "Validation Failed");
    assert_eq!(
        second.json()["errors"],
        json!([{"resource": "Release", "code": "already_exists", "field": "tag_name"}])
    );

    let draft =
        call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"tag_name": "v1.1.0", "draft": true})));
    assert_eq!(draft.status, 201);
    assert!(draft.json()["html_url"].as_str().is_some_and(|url| url.contains("/releases/tag/untagged-")));
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/releases/tags/v1.1.0", None).status, 404);

    // Publishing without `make_latest` makes it the latest; `"false"` would have kept v1.0.0.
    let draft_id = draft.json()["id"].as_u64().expect("an id");
    let published =
        call(&github, "PATCH", &format!("/repos/acme/widgets/releases/{draft_id}"), Some(json!({"draft": false})));
    assert_eq!(published.status, 200);
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/releases/tags/v1.1.0", None).status, 200);
    let latest: Vec<(String, bool)> =
        github.releases().into_iter().map(|release| (release.tag_name, release.latest)).collect();
    assert_eq!(latest, [("v1.0.0".to_string(), false), ("v1.1.0".to_string(), true)]);

    let patch = call(
        &github,
        "POST",
        "/repos/acme/widgets/releases",
        Some(json!({"tag_name": "v1.0.1", "make_latest": "false"})),
    );
    assert_eq!(patch.status, 201);
    assert!(github.releases().iter().any(|release| release.tag_name == "v1.1.0" && release.latest));

    let listed = call(&github, "GET", "/repos/acme/widgets/releases?per_page=2", None);
    let tags: Vec<Value> =
        listed.json().as_array().expect("an array").iter().map(|release| release["tag_name"].clone()).collect();
    assert_eq!(tags, [json!("v1.0.1"), json!("v1.1.0")], "newest first");
    let link = listed.header("link").expect("a Link header");
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
}

#[test]
fn comments_are_created_listed_and_updated() {
    let github = fake();
    github.add_pull(7, &"a".repeat(40), "release/next", "main", "chore: release");
    let first = call(&github, "POST", "/repos/acme/widgets/issues/7/comments", Some(json!({"body": "plan v1"})));
    assert_eq!(first.status, 201);
    let first = first.json();
    assert_eq!(first["user"]["login"], "release-bot");
    assert!(
        first["html_url"].as_str().is_some_and(|url| url.ends_with(&format!("/pull/7#issuecomment-{}", first["id"])))
    );
    let second = call(&github, "POST", "/repos/acme/widgets/issues/7/comments", Some(json!({"body": "other"})));
    assert_eq!(second.status, 201);

    let id = first["id"].as_u64().expect("an id");
    let updated =
        call(&github, "PATCH", &format!("/repos/acme/widgets/issues/comments/{id}"), Some(json!({"body": "plan v2"})));
    assert_eq!(updated.status, 200);
    assert_ne!(updated.json()["updated_at"], updated.json()["created_at"]);

    let page = call(&github, "GET", "/repos/acme/widgets/issues/7/comments?per_page=1", None);
    assert_eq!(page.json().as_array().map(|comments| comments[0]["body"].clone()), Some(json!("plan v2")));
    assert!(page.header("link").is_some_and(|link| link.contains("rel=\"last\"")));
    let bodies: Vec<String> = github.comments(7).into_iter().map(|comment| comment.body).collect();
    assert_eq!(bodies, ["plan v2", "other"]);
    assert!(github.comments(8).is_empty());
    let unknown = call(&github, "PATCH", "/repos/acme/widgets/issues/comments/7", Some(json!({"body": "x"})));
    assert_eq!(unknown.status, 404, "issue numbers are not comment ids");
}

#[test]
fn pull_requests_answer_the_full_documented_object() {
    let github = fake();
    github.add_pull(12, &"b".repeat(40), "feature", "main", "feat: thing");
    let open = call(&github, "GET", "/repos/acme/widgets/pulls/12", None);
    assert_eq!(open.status, 200);
    assert_eq!((open.json()["state"].clone(), open.json()["head"]["ref"].clone()), (json!("open"), json!("feature")));
    github.merge_pull(12, &"c".repeat(40));
    let merged = call(&github, "GET", "/repos/acme/widgets/pulls/12", None).json();
    assert_eq!((merged["merged"].clone(), merged["merge_commit_sha"].clone()), (json!(true), json!("c".repeat(40))));
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/pulls/13", None).status, 404);
    assert_eq!(call(&github, "GET", "/repos/other/widgets/pulls/12", None).status, 404);
}

#[test]
fn deployments_resolve_refs_and_statuses_deactivate_older_ones() {
    let github = fake();
    let sha = "d".repeat(40);
    github.add_ref("api-v1.0.0", &sha);
    let unknown = call(&github, "POST", "/repos/acme/widgets/deployments", Some(json!({"ref": "nope"})));
    assert_eq!((unknown.status, unknown.json()["message"].clone()), (422, json!("No ref found for: nope")));

    let mut ids = Vec::new();
    for git_ref in ["api-v1.0.0", sha.as_str()] {
        let body = json!({"ref": git_ref, "environment": "staging", "payload": {"component": "api"}});
        let created = call(&github, "POST", "/repos/acme/widgets/deployments", Some(body));
        assert_eq!(created.status, 201, "{}", created.json());
        assert_eq!(created.json()["sha"], sha);
        let id = created.json()["id"].as_u64().expect("an id");
        let status = call(
            &github,
            "POST",
            &format!("/repos/acme/widgets/deployments/{id}/statuses"),
            Some(json!({"state": "success", "environment_url": "https://staging.example.com"})),
        );
        assert_eq!(status.status, 201, "{}", status.json());
        ids.push(id);
    }
    let states: Vec<Vec<String>> = github
        .deployments()
        .into_iter()
        .map(|deployment| deployment.statuses.into_iter().map(|status| status.state).collect())
        .collect();
    assert_eq!(states, [vec!["success", "inactive"], vec!["success"]]);

    let listed = call(&github, "GET", "/repos/acme/widgets/deployments?environment=staging&ref=api-v1.0.0", None);
    let listed: Vec<u64> =
        listed.json().as_array().expect("an array").iter().filter_map(|item| item["id"].as_u64()).collect();
    assert_eq!(listed, [ids[0]]);
    assert_eq!(
        call(&github, "POST", "/repos/acme/widgets/deployments/1/statuses", Some(json!({"state": "success"}))).status,
        404
    );
}

#[test]
fn run_approvals_are_seeded_by_the_test() {
    let github = fake();
    github.add_run_approval(42, "production", "octocat", "approved", "ship it");
    let reviews = call(&github, "GET", "/repos/acme/widgets/actions/runs/42/approvals", None).json();
    assert_eq!(reviews[0]["state"], "approved");
    assert_eq!(reviews[0]["user"]["login"], "octocat");
    assert_eq!(reviews[0]["environments"][0]["name"], "production");
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/actions/runs/43/approvals", None).json(), json!([]));
}

#[test]
fn requests_without_the_token_get_401() {
    let github = fake();
    let url = format!("{}/repos/acme/widgets/releases", github.base_url());
    let missing = send("GET", &url, None, None, None);
    assert_eq!((missing.status, missing.json()["message"].clone()), (401, json!("Requires authentication")));
    let wrong = send("GET", &url, Some("Bearer nope"), None, None);
    assert_eq!((wrong.status, wrong.json()["message"].clone()), (401, json!("Bad credentials")));
    assert!(wrong.json()["documentation_url"].is_string());
    assert_eq!(send("GET", &url, Some("token secret"), None, None).status, 200);
}

#[test]
fn injected_failures_answer_in_order() {
    let github = fake();
    github.fail_next(1, 502);
    let failed = call(&github, "GET", "/repos/acme/widgets/releases", None);
    assert_eq!((failed.status, failed.json()["message"].clone()), (502, json!("Server Error")));
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/releases", None).status, 200);

    github.fail_request(2, 500);
    let statuses: Vec<u16> =
        (0..3).map(|_| call(&github, "GET", "/repos/acme/widgets/releases", None).status).collect();
    assert_eq!(statuses, [200, 500, 200]);
    // A failed create leaves nothing behind.
    github.fail_next(1, 503);
    assert_eq!(call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"tag_name": "v1"}))).status, 503);
    assert!(github.releases().is_empty());
}

#[test]
fn the_rate_limit_answers_403_with_its_headers() {
    let github = fake();
    github.rate_limit_next(1, 1_900_000_000);
    let limited = call(&github, "GET", "/repos/acme/widgets/releases", None);
    assert_eq!(limited.status, 403);
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("x-ratelimit-reset"), Some("1900000000"));
    assert!(
        limited.json()["message"].as_str().is_some_and(|message| message.starts_with("API rate limit exceeded for"))
    );
    let next = call(&github, "GET", "/repos/acme/widgets/releases", None);
    assert_eq!(next.status, 200);
    assert_ne!(next.header("x-ratelimit-remaining"), Some("0"));
}

/// A fork pull request's `GITHUB_TOKEN`: reads work, every write is GitHub's 403 and changes
/// nothing.
#[test]
fn a_read_only_token_reads_and_gets_403_for_writes() {
    let github = fake();
    github.read_only();
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/releases", None).status, 200);
    let refused = call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"tag_name": "v1"})));
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["message"], json!("Resource not accessible by integration"));
    assert!(refused.json()["documentation_url"].is_string());
    assert!(github.releases().is_empty());
}

#[test]
fn a_body_that_breaks_the_schema_is_a_violation() {
    let github = fake();
    let answer = call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"name": "no tag", "draft": "yes"})));
    assert_eq!(answer.status, 400);
    let violations = github.take_violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    let violation = &violations[0];
    assert!(violation.starts_with("repos/create-release (POST /repos/{owner}/{repo}/releases) request"), "{violation}");
    assert!(violation.contains("\"tag_name\" is a required property"), "{violation}");
    assert!(violation.contains("/draft"), "{violation}");
    assert!(github.releases().is_empty());
}

#[test]
fn undocumented_methods_paths_and_hosts_are_violations() {
    let github = fake();
    let created = call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"tag_name": "v1"})));
    let id = created.json()["id"].as_u64().expect("an id");
    // GitHub documents PATCH for an update: a client sending PUT or POST is caught.
    assert_eq!(call(&github, "PUT", &format!("/repos/acme/widgets/releases/{id}"), Some(json!({}))).status, 404);
    assert_eq!(call(&github, "POST", "/repos/acme/widgets/issues/comments/5", Some(json!({"body": "x"}))).status, 404);
    // `latest` is not a release id.
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/releases/latest", None).status, 400);
    // Uploads go to the uploads host.
    let bearer = format!("Bearer {TOKEN}");
    let url = format!("{}/repos/acme/widgets/releases/{id}/assets?name=a.txt", github.base_url());
    assert_eq!(send("POST", &url, Some(&bearer), Some("text/plain"), Some(b"a".to_vec())).status, 404);
    // An upload needs its `name`.
    let url = format!("{}/uploads/repos/acme/widgets/releases/{id}/assets", github.base_url());
    assert_eq!(send("POST", &url, Some(&bearer), Some("text/plain"), Some(b"a".to_vec())).status, 400);

    let violations = github.take_violations();
    assert_eq!(violations.len(), 5, "{violations:#?}");
    assert!(
        violations[0].contains("PUT /repos/acme/widgets/releases/")
            && violations[0].contains("PATCH `repos/update-release`")
    );
    assert!(violations[1].contains("PATCH `issues/update-comment`"), "{}", violations[1]);
    assert!(violations[2].contains("path parameter `release_id` = \"latest\""), "{}", violations[2]);
    assert!(violations[3].contains("uploads host"), "{}", violations[3]);
    assert!(violations[4].contains("query parameter `name` is required"), "{}", violations[4]);
}

#[test]
fn responses_are_checked_too() {
    let github = fake();
    // 204 is no documented answer of list-releases: the fake refuses to send it.
    github.fail_next(1, 204);
    assert_eq!(call(&github, "GET", "/repos/acme/widgets/releases", None).status, 500);
    let violations = github.take_violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(violations[0].starts_with("repos/list-releases (GET /repos/{owner}/{repo}/releases) response 204"));
    assert!(violations[0].contains("not documented"), "{}", violations[0]);
}

#[test]
#[should_panic(expected = "the GitHub fake saw 1 violation(s)")]
fn dropping_a_fake_with_violations_panics() {
    let github = fake();
    call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({})));
}

#[test]
fn the_description_holds_every_operation_the_fake_serves() {
    let text = fs_err::read_to_string(description_path()).expect("fixtures/github/openapi.json");
    let description: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(description["x-source"]["source"], OPENAPI_PACKAGE);
    assert_eq!(description["x-source"]["file"], OPENAPI_FILE);
    assert!(description["x-source"]["version"].is_string());
    for operation in OPERATIONS {
        let found = &description["paths"][operation.path][operation.method.to_ascii_lowercase()];
        assert_eq!(found["operationId"], operation.id, "{} {}", operation.method, operation.path);
        assert!(found["responses"].as_object().is_some_and(|responses| !responses.is_empty()), "{}", operation.id);
    }
    assert!(!text.contains("\"nullable\""), "OpenAPI 3.0's `nullable` is converted to JSON Schema");
    assert!(!text.contains("\"$ref\""), "schemas are inlined");
}

#[test]
fn tags_with_slashes_are_found_raw_or_encoded() {
    let github = fake();
    assert_eq!(
        call(&github, "POST", "/repos/acme/widgets/releases", Some(json!({"tag_name": "api/v2.0.0"}))).status,
        201
    );
    for path in ["/repos/acme/widgets/releases/tags/api/v2.0.0", "/repos/acme/widgets/releases/tags/api%2Fv2.0.0"] {
        let found = call(&github, "GET", path, None);
        assert_eq!((found.status, found.json()["tag_name"].clone()), (200, json!("api/v2.0.0")), "{path}");
    }
}
