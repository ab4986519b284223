//! The GitHub REST operations the fake serves: the one list that `cargo xtask github-openapi`
//! extracts from GitHub's description and that the fake checks its fixture against.

/// `@octokit/openapi`'s version that `cargo xtask github-openapi` extracts by default.
pub const OPENAPI_VERSION: &str = "23.0.2";

/// The npm package that carries GitHub's official REST description.
pub const OPENAPI_PACKAGE: &str = "@octokit/openapi";

/// The file inside that package: the dereferenced description of api.github.com.
pub const OPENAPI_FILE: &str = "generated/api.github.com.deref.json";

/// One documented operation: GitHub's `operationId`, the HTTP method and the path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedOperation {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
}

const fn operation(id: &'static str, method: &'static str, path: &'static str) -> DocumentedOperation {
    DocumentedOperation { id, method, path }
}

/// Every operation the fake answers, in the order of GitHub's documentation.
pub const OPERATIONS: &[DocumentedOperation] = &[
    operation("repos/list-releases", "GET", "/repos/{owner}/{repo}/releases"),
    operation("repos/create-release", "POST", "/repos/{owner}/{repo}/releases"),
    operation("repos/get-release-by-tag", "GET", "/repos/{owner}/{repo}/releases/tags/{tag}"),
    operation("repos/get-release", "GET", "/repos/{owner}/{repo}/releases/{release_id}"),
    operation("repos/update-release", "PATCH", "/repos/{owner}/{repo}/releases/{release_id}"),
    operation("repos/list-release-assets", "GET", "/repos/{owner}/{repo}/releases/{release_id}/assets"),
    operation("repos/upload-release-asset", "POST", "/repos/{owner}/{repo}/releases/{release_id}/assets"),
    operation("repos/delete-release-asset", "DELETE", "/repos/{owner}/{repo}/releases/assets/{asset_id}"),
    operation("issues/list-comments", "GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    operation("issues/create-comment", "POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    operation("issues/update-comment", "PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    operation("issues/add-labels", "POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    operation("issues/remove-label", "DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    operation("pulls/list", "GET", "/repos/{owner}/{repo}/pulls"),
    operation(
        "repos/list-pull-requests-associated-with-commit",
        "GET",
        "/repos/{owner}/{repo}/commits/{commit_sha}/pulls",
    ),
    operation("repos/list-comments-for-commit", "GET", "/repos/{owner}/{repo}/commits/{commit_sha}/comments"),
    operation("repos/create-commit-comment", "POST", "/repos/{owner}/{repo}/commits/{commit_sha}/comments"),
    operation("pulls/create", "POST", "/repos/{owner}/{repo}/pulls"),
    operation("pulls/get", "GET", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    operation("pulls/update", "PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    operation("git/delete-ref", "DELETE", "/repos/{owner}/{repo}/git/refs/{ref}"),
    operation("repos/list-deployments", "GET", "/repos/{owner}/{repo}/deployments"),
    operation("repos/create-deployment", "POST", "/repos/{owner}/{repo}/deployments"),
    operation("repos/create-deployment-status", "POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    operation("actions/get-reviews-for-run", "GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/approvals"),
];
