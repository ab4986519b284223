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
