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
