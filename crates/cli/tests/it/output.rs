//! What people read: the terminal table and the pull-request comment.

use release_test_support::Fixture;

use crate::{release, transcript};

fn seeds() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Fixture::load("seeds-monorepo").unwrap().build(dir.path()).unwrap();
    dir
}

#[test]
fn text_table_for_the_seeds_monorepo() {
    let dir = seeds();
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan"])));
}

#[test]
fn markdown_comment_for_the_seeds_monorepo() {
    let dir = seeds();
    insta::assert_snapshot!(transcript(dir.path(), &release(dir.path(), &["plan", "--format", "markdown"])));
}

#[test]
fn package_filter_keeps_the_whole_plan_behind_it() {
    let dir = seeds();
    // client-ui is bumped because ui-library is, even when only client-ui is shown.
    let output = release(dir.path(), &["plan", "--format", "json", "--package", "client-ui"]);
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = plan["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0]["next_version"], "2.0.1");
    assert_eq!(packages[0]["reasons"][0]["kind"], "dependency");
    assert_eq!(packages[0]["reasons"][0]["package"], "ui-library");
}

#[test]
fn the_comment_shows_where_the_release_will_be_promoted() {
    let dir = seeds();
    let mut config = fs_err::read_to_string(dir.path().join("release.toml")).unwrap();
    config.push_str(
        r#"
[promotion]
tag-on = "prod"

[environments.prod]
deploy = ["./deploy.sh"]
from = "staging"
soak = "30m"
approval = { required = 2, approvers = ["alice", "bob`s", "carol"] }

[environments.preview]
deploy = ["./deploy.sh"]

[environments.staging]
deploy = ["./deploy.sh"]
approval = { source = "github-environment", environment = "staging-gate" }
"#,
    );
    fs_err::write(dir.path().join("release.toml"), config).unwrap();
    let output = release(dir.path(), &["plan", "--format", "markdown"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let comment = String::from_utf8(output.stdout).unwrap();
    let start = comment.find("**After the cut").expect("a promotion section");
    let section: Vec<&str> = comment[start..].lines().take_while(|line| !line.is_empty()).collect();
    assert_eq!(
        section,
        [
            "**After the cut, 3.0.0 is promoted through:**",
            "- `preview`",
            "- `staging`: 1 approval in the GitHub Environment `staging-gate`",
            "- `prod`: verified in `staging` for 30m first; 2 approvals from `alice`, `bob's`, `carol`; tags and GitHub releases once verified",
        ]
    );
}
