//! The real client (octocrab's transport) against the fake GitHub, which checks every request and
//! response against GitHub's REST API description.

use release_forge::{Forge, ForgeError, GitHub, GitHubConfig, NewRelease, Token};
use release_test_support::github::FakeGitHub;

fn client(fake: &FakeGitHub, token: Option<&str>) -> GitHub {
    // Short waits so retry tests stay fast; the logic is the same as with the defaults.
    GitHub::with_timing(
        GitHubConfig {
            api_url: fake.base_url(),
            owner: "acme".into(),
            repo: "shop".into(),
            token: token.map(|token| Token::new(token, "GITHUB_TOKEN")),
        },
        std::time::Duration::from_millis(10),
        std::time::Duration::from_secs(2),
    )
    .unwrap()
}

fn release(tag: &str, body: &str) -> NewRelease {
    NewRelease {
        tag_name: tag.into(),
        target_commitish: "main".into(),
        name: tag.into(),
        body: body.into(),
        draft: false,
        prerelease: false,
        make_latest: "true".into(),
    }
}

#[test]
fn releases_and_assets_round_trip() {
    let fake = FakeGitHub::start("acme", "shop");
    fake.require_token("t0k3n");
    let github = client(&fake, Some("t0k3n"));
    assert_eq!(github.release_by_tag("v1.0.0").unwrap(), None);
    let created = github.create_release(&release("v1.0.0", "notes")).unwrap();
    assert_eq!(created.tag_name, "v1.0.0");
    let found = github.release_by_tag("v1.0.0").unwrap().unwrap();
    assert_eq!(found.body.as_deref(), Some("notes"));
    let updated = github.update_release(found.id, &release("v1.0.0", "better notes")).unwrap();
    assert_eq!(updated.body.as_deref(), Some("better notes"));

    let asset = github.upload_asset(&updated, "tool.tar.gz", b"bytes of the archive").unwrap();
    assert_eq!(asset.size, 20);
    assert_eq!(asset.digest.as_deref(), Some(release_forge::digest(b"bytes of the archive").as_str()));
    assert_eq!(github.release_assets(&updated).unwrap(), vec![asset.clone()]);
    github.delete_asset(asset.id).unwrap();
    assert!(github.release_assets(&updated).unwrap().is_empty());

    let scoped = github.create_release(&release("@shop/ui-v2.0.0", "ui")).unwrap();
    assert_eq!(github.release_by_tag("@shop/ui-v2.0.0").unwrap().unwrap().id, scoped.id);
    assert_eq!(fake.releases().len(), 2);
}

#[test]
fn comments_are_created_listed_and_updated_with_patch() {
    let fake = FakeGitHub::start("acme", "shop");
    let github = client(&fake, Some("t"));
    let comment = github.create_comment(7, "first").unwrap();
    let updated = github.update_comment(comment.id, "second").unwrap();
    assert_eq!(updated.body.as_deref(), Some("second"));
    let listed = github.comments(7).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(fake.comments(7)[0].body, "second");
    assert!(fake.requests().iter().any(|request| request.method == "PATCH"));
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let fake = FakeGitHub::start("acme", "shop");
    let github = client(&fake, Some("t"));
    fake.fail_next(2, 502);
    assert_eq!(github.release_by_tag("v9.9.9").unwrap(), None);
    fake.fail_next(10, 503);
    let error = github.release_by_tag("v9.9.9").unwrap_err();
    assert!(matches!(error, ForgeError::Http { status: 503, .. }), "{error}");
}

#[test]
fn a_near_rate_limit_reset_is_waited_out_a_far_one_stops_clearly() {
    let fake = FakeGitHub::start("acme", "shop");
    let github = client(&fake, Some("t"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    fake.rate_limit_next(1, now + 1);
    assert_eq!(github.release_by_tag("v1.0.0").unwrap(), None, "waited about a second, then went on");
    fake.rate_limit_next(1, now + 3600);
    let error = github.release_by_tag("v1.0.0").unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, ForgeError::RateLimited { .. }), "{text}");
    assert!(text.contains(&format!("until {}", now + 3600)) && text.contains("run the same command again"), "{text}");
}

#[test]
fn a_rejected_token_names_its_variable_never_its_value() {
    let fake = FakeGitHub::start("acme", "shop");
    fake.require_token("right");
    let github = client(&fake, Some("wrong-secret-value"));
    let error = github.release_by_tag("v1.0.0").unwrap_err().to_string();
    assert!(error.contains("GitHub rejected the token from `GITHUB_TOKEN` (401: Bad credentials)"), "{error}");
    assert!(!error.contains("wrong-secret-value"));
}

#[test]
fn deployments_and_their_statuses_and_a_runs_reviews() {
    let fake = FakeGitHub::start("acme", "shop");
    let github = client(&fake, Some("t0k3n"));
    let sha: release_commit_id::CommitId = "a".repeat(40).parse().unwrap();
    let deployment = github
        .create_deployment(&release_forge::NewDeployment {
            git_ref: sha,
            environment: "prod".into(),
            description: "release 1.0.0".into(),
            payload: serde_json::json!({ "version": "1.0.0" }),
            production_environment: true,
            auto_merge: false,
            required_contexts: Vec::new(),
        })
        .unwrap();
    assert_eq!((deployment.sha.as_str(), deployment.environment.as_str()), (sha.to_string().as_str(), "prod"));
    for state in ["in_progress", "success"] {
        let status = release_forge::NewDeploymentStatus {
            state: state.into(),
            description: format!("1.0.0 {state}"),
            environment_url: Some("http://127.0.0.1:1/".into()),
            log_url: None,
            auto_inactive: false,
        };
        github.create_deployment_status(deployment.id, &status).unwrap();
    }
    assert_eq!(github.deployments("prod", sha).unwrap(), vec![deployment.clone()]);
    assert!(github.deployments("staging", sha).unwrap().is_empty());
    let recorded = fake.deployments();
    let states: Vec<&str> = recorded[0].statuses.iter().map(|status| status.state.as_str()).collect();
    assert_eq!(states, ["in_progress", "success"]);
    assert_eq!(recorded[0].statuses[1].environment_url, "http://127.0.0.1:1/");

    fake.add_run_approval(77, "production", "alice", "approved", "looks good");
    fake.add_run_approval(77, "staging", "bob", "rejected", "");
    let reviews = github.run_reviews(77).unwrap();
    assert_eq!(reviews.len(), 2);
    assert_eq!(
        (reviews[0].environments.as_slice(), reviews[0].state.as_str(), reviews[0].login.as_str()),
        (["production".to_string()].as_slice(), "approved", "alice")
    );
    assert_eq!(reviews[0].comment, "looks good");
    assert!(github.run_reviews(78).unwrap().is_empty());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

/// GitHub sometimes answers 502 after a POST succeeded; the client retried every POST, so one
/// release, comment, asset or deployment could become two.
#[test]
fn a_create_answered_with_an_error_after_it_happened_is_not_made_twice() {
    let fake = FakeGitHub::start("acme", "shop");
    let github = client(&fake, Some("t"));
    let posts = |fake: &FakeGitHub| fake.requests().iter().filter(|request| request.method == "POST").count();

    fake.fail_after_handling(1, 502);
    let created = github.create_release(&release("v1.0.0", "notes")).unwrap();
    assert_eq!(created.tag_name, "v1.0.0");
    assert_eq!(fake.releases().len(), 1, "one release, though the answer was 502");
    assert_eq!(posts(&fake), 1, "the create was looked up, not sent again");

    fake.fail_after_handling(1, 502);
    let asset = github.upload_asset(&created, "tool.tar.gz", b"bytes").unwrap();
    assert_eq!((asset.name.as_str(), asset.size), ("tool.tar.gz", 5));
    assert_eq!(github.release_assets(&created).unwrap().len(), 1);

    fake.fail_after_handling(1, 502);
    let comment = github.create_comment(7, "the plan").unwrap();
    assert_eq!(comment.body.as_deref(), Some("the plan"));
    assert_eq!(fake.comments(7).len(), 1);

    let sha: release_commit_id::CommitId = "b".repeat(40).parse().unwrap();
    let deployment = release_forge::NewDeployment {
        git_ref: sha,
        environment: "prod".into(),
        description: "1.0.0".into(),
        payload: serde_json::json!({ "version": "1.0.0" }),
        production_environment: true,
        auto_merge: false,
        required_contexts: Vec::new(),
    };
    let first = github.create_deployment(&deployment).unwrap();
    // The next request is the listing before the create; the create itself is the second.
    fake.fail_after_handling(2, 502);
    let second = github.create_deployment(&deployment).unwrap();
    assert_ne!(first.id, second.id, "a deployment of the same commit made before is not the one asked for");
    assert_eq!(fake.deployments().len(), 2);

    // A POST that did not happen (502 before anything was done) is sent again, once.
    let before = posts(&fake);
    fake.fail_next(1, 502);
    github.create_release(&release("v1.0.1", "notes")).unwrap();
    assert_eq!(fake.releases().len(), 2);
    assert_eq!(posts(&fake) - before, 2);
}
