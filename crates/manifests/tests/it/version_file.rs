use release_manifests::edit_version_file;

use crate::golden::check;
use crate::version;

fn plain(text: &str) -> Result<String, release_manifests::ManifestError> {
    edit_version_file("VERSION", text, None, &version("1.2.3"), &version("1.3.0"))
}

#[test]
fn plain_file() {
    check("version_plain", &[1], plain);
}

#[test]
fn plain_file_with_v_and_crlf() {
    check("version_plain_v_crlf", &[1], plain);
}

#[test]
fn plain_file_without_final_newline() {
    check("version_plain_no_newline", &[1], plain);
}

#[test]
fn marked_line_in_crlf_yaml() {
    check("version_marker", &[3], |text| {
        edit_version_file("deploy.yaml", text, Some("x-release"), &version("1.2.3"), &version("1.3.0"))
    });
}

#[test]
fn whole_versions_only() {
    // (the marked line, expected after moving 1.2.3 to 1.3.0)
    let cases = [
        ("v = 1.2.3 # m", "v = 1.3.0 # m"),
        ("app:v1.2.3 # m", "app:v1.3.0 # m"),
        ("11.2.3 1.2.30 1.2.3. # m", "11.2.3 1.2.30 1.3.0. # m"),
        ("1.2.3-rc.1 1.2.3+b 1.2.3rc1 1.2.3- # m", "1.2.3-rc.1 1.2.3+b 1.2.3rc1 1.3.0- # m"),
        ("\"1.2.3\" and \"1.2.3\" # m", "\"1.3.0\" and \"1.2.3\" # m"),
        // Already moved: a release that failed after this edit can run again.
        ("from 1.2.3 to 1.3.0 # m", "from 1.2.3 to 1.3.0 # m"),
    ];
    for (line, expected) in cases {
        let edited = edit_version_file("f", line, Some("# m"), &version("1.2.3"), &version("1.3.0")).unwrap();
        assert_eq!(edited, expected, "{line}");
    }
}

#[test]
fn plain_file_keeps_surrounding_whitespace() {
    let cases = [("  1.2.3 \n\n", "  1.3.0 \n\n"), ("1.3.0\n", "1.3.0\n"), ("\u{feff}1.2.3\n", "\u{feff}1.3.0\n")];
    for (text, expected) in cases {
        assert_eq!(plain(text).unwrap(), expected, "{text:?}");
    }
}
