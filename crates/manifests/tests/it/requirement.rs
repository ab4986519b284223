use release_manifests::bump_requirement;

use crate::version;

#[test]
fn requirements() {
    // (requirement, new version, rewritten or None when left alone)
    let cases: &[(&str, &str, Option<&str>)] = &[
        // Precision is kept.
        ("1", "1.3.0", None),
        ("1", "2.0.0", Some("2")),
        ("1.2", "1.3.0", Some("1.3")),
        ("1.2", "1.2.5", None),
        ("1.2.3", "1.3.0", Some("1.3.0")),
        ("0.2", "0.3.0", Some("0.3")),
        // Operators are kept.
        ("^1.2.3", "1.3.0", Some("^1.3.0")),
        ("^0.0.3", "0.0.4", Some("^0.0.4")),
        ("~1.2", "1.3.0", Some("~1.3")),
        ("~1.2.3", "1.2.4", Some("~1.2.4")),
        ("=1.2.3", "1.3.0", Some("=1.3.0")),
        ("=1.2", "1.3.5", Some("=1.3")),
        // Spaces, `v` and surrounding whitespace are kept.
        ("= 1.2.3", "1.3.0", Some("= 1.3.0")),
        ("^v1.2.3", "1.3.0", Some("^v1.3.0")),
        ("v1.2.3", "1.3.0", Some("v1.3.0")),
        (" ^1.2.3 ", "1.3.0", Some(" ^1.3.0 ")),
        // Pre-releases: written in full; an old one is replaced; build metadata never written.
        ("1.2", "2.0.0-rc.1", Some("2.0.0-rc.1")),
        ("^1", "2.0.0-alpha", Some("^2.0.0-alpha")),
        ("=2.0.0-rc.1", "2.0.0", Some("=2.0.0")),
        ("^1.2.3+build.1", "1.3.0", Some("^1.3.0")),
        ("1.2.3", "1.3.0+build.7", Some("1.3.0")),
        ("1.3.0", "1.3.0+build.7", None),
        // Already the new version.
        ("^1.3.0", "1.3.0", None),
        // Ranges: left alone, satisfied or not.
        (">=1.0", "1.3.0", None),
        (">1.0", "1.3.0", None),
        ("<1.3", "1.3.0", None),
        ("<=1.2", "1.3.0", None),
        (">=2.0", "1.3.0", None),
        // Several comparators, wildcards, hyphen ranges.
        (">=1.0, <2", "1.3.0", None),
        (">=1.0 <2", "1.3.0", None),
        ("^1.0.0 || ^2.0.0", "1.3.0", None),
        ("1.0.0 - 2.0.0", "1.3.0", None),
        ("*", "1.3.0", None),
        ("1.x", "1.3.0", None),
        ("1.2.*", "1.3.0", None),
        ("", "1.3.0", None),
        // Not versions at all.
        ("workspace:^", "1.3.0", None),
        ("workspace:^1.2.3", "1.3.0", None),
        ("file:../ui", "1.3.0", None),
        ("link:../ui", "1.3.0", None),
        ("npm:other@^1.2.3", "1.3.0", None),
        ("github:acme/ui#v1.2.3", "1.3.0", None),
        ("git+https://github.com/acme/ui.git#1.2.3", "1.3.0", None),
        ("latest", "1.3.0", None),
        // Malformed: too many components, a pre-release on a partial version, `==`, `~>`.
        ("1.2.3.4", "1.3.0", None),
        ("1.2-rc.1", "1.3.0", None),
        ("==1.2.3", "1.3.0", None),
        ("~>1.2", "1.3.0", None),
    ];
    for (requirement, new, expected) in cases {
        assert_eq!(bump_requirement(requirement, &version(new)).as_deref(), *expected, "{requirement:?} to {new}");
    }
}
