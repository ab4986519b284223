use super::*;

#[test]
fn paths_that_leave_the_repository_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs_err::create_dir_all(dir.path().join("apps/api")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("apps/link")).unwrap();
    assert!(inside(dir.path(), "apps/api/CHANGELOG.md").is_ok());
    assert!(inside(dir.path(), "apps/new/deeper/CHANGELOG.md").is_ok(), "missing folders are fine");
    for (path, via) in [
        ("../CHANGELOG.md", None),
        ("/etc/passwd", None),
        ("apps/../../x", None),
        ("apps/link/CHANGELOG.md", Some("apps/link")),
    ] {
        match inside(dir.path(), path) {
            Err(ApplyError::Escape { path: refused, via: found }) => {
                assert_eq!(refused, path);
                assert_eq!(
                    found.as_deref().map(|found| found.ends_with(via.unwrap_or("?"))),
                    via.map(|_| true),
                    "{path}"
                );
            }
            other => panic!("{path}: expected an escape error, got {other:?}"),
        }
    }
}

#[test]
fn writes_are_all_or_nothing_and_keep_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("a.txt"), "old a").unwrap();
    fs_err::write(dir.path().join("run.sh"), "old").unwrap();
    fs_err::set_permissions(dir.path().join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    fs_err::write(dir.path().join("blocker"), "a file where a folder should be").unwrap();
    let change = |path: &str, after: &str| FileChange { path: path.into(), before: None, after: after.into() };

    // The third change cannot be staged: nothing may change, and no temporary file may stay.
    let error = write_all(dir.path(), &[change("a.txt", "new a"), change("run.sh", "new"), change("blocker/x", "x")]);
    assert!(error.is_err());
    assert_eq!(fs_err::read_to_string(dir.path().join("a.txt")).unwrap(), "old a");
    let mut names: Vec<String> = fs_err::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.txt", "blocker", "run.sh"]);

    write_all(dir.path(), &[change("a.txt", "new a"), change("run.sh", "new"), change("docs/new.md", "n")]).unwrap();
    assert_eq!(fs_err::read_to_string(dir.path().join("a.txt")).unwrap(), "new a");
    assert_eq!(fs_err::read_to_string(dir.path().join("docs/new.md")).unwrap(), "n");
    let mode = fs_err::metadata(dir.path().join("run.sh")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
}

#[test]
fn unified_diff_names_new_and_changed_files() {
    let changes = [
        FileChange { path: "a.txt".into(), before: Some("1\n2\n3\n".into()), after: "1\ntwo\n3\n".into() },
        FileChange { path: "new.md".into(), before: None, after: "hello\n".into() },
    ];
    assert_eq!(
        unified_diff(&changes),
        "diff --release a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\ndiff --release a/new.md b/new.md\n--- /dev/null\n+++ b/new.md\n@@ -0,0 +1 @@\n+hello\n"
    );
}

#[test]
fn ancestors_go_up_to_the_root() {
    assert_eq!(ancestors("a/b/c"), ["a/b/c", "a/b", "a", "."]);
    assert_eq!(ancestors("."), ["."]);
}
