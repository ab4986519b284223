//! The golden-file check shared by every format.

use std::path::Path;

use release_manifests::ManifestError;

/// Checks the case in `tests/golden/<case>/`: `edit(before)` is exactly `after`, the lines that
/// differ between the two are exactly `changed` (1-based), and editing `after` changes nothing.
pub(crate) fn check(case: &str, changed: &[usize], edit: impl Fn(&str) -> Result<String, ManifestError>) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(case);
    let before = read(&folder, "before");
    let after = read(&folder, "after");

    let edited = edit(&before).unwrap_or_else(|error| panic!("{case}: {error}"));
    assert_eq!(edited, after, "{case}: edit(before) is not after.{}", extension(&folder));

    let before_lines: Vec<&str> = before.split_inclusive('\n').collect();
    let after_lines: Vec<&str> = after.split_inclusive('\n').collect();
    assert_eq!(before_lines.len(), after_lines.len(), "{case}: an edit added or removed lines");
    let differing: Vec<usize> = before_lines
        .iter()
        .zip(&after_lines)
        .enumerate()
        .filter(|(_, (before, after))| before != after)
        .map(|(index, _)| index + 1)
        .collect();
    assert_eq!(differing, changed, "{case}: the lines that change");

    let again = edit(&after).unwrap_or_else(|error| panic!("{case}, second run: {error}"));
    assert_eq!(again, after, "{case}: editing twice is not editing once");
}

fn read(folder: &Path, stem: &str) -> String {
    let path = folder.join(format!("{stem}.{}", extension(folder)));
    fs_err::read_to_string(path).unwrap()
}

fn extension(folder: &Path) -> String {
    let entries = fs_err::read_dir(folder).unwrap();
    let names: Vec<String> = entries.map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let before = names.iter().find_map(|name| name.strip_prefix("before.")).expect("a before.<ext> file");
    before.to_string()
}
