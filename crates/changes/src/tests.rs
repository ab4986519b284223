//! Tables for the change-file formats.

use super::*;

fn bumps(file: &ChangeFile) -> Vec<(&str, Bump)> {
    file.bumps.iter().map(|(name, bump)| (name.as_str(), *bump)).collect()
}

#[test]
fn both_formats_parse() {
    let check = |format, text: &str, expected: &[(&str, Bump)], tag: Option<&str>, summary: &str| {
        let file = parse(format, "x.md", text).unwrap();
        assert_eq!(bumps(&file), expected, "{text:?}");
        assert_eq!(file.tag.as_deref(), tag, "{text:?}");
        assert_eq!(file.summary, summary, "{text:?}");
    };
    check(
        Format::Changesets,
        "---\n\"api\": minor\n---\n\nAdd a route\n",
        &[("api", Bump::Minor)],
        None,
        "Add a route",
    );
    check(
        Format::Changesets,
        "---\n'@acme/web': patch\n\"api\": major # breaking\n---\n\nTwo\n\nparagraphs\n",
        &[("@acme/web", Bump::Patch), ("api", Bump::Major)],
        None,
        "Two\n\nparagraphs",
    );
    check(Format::Changesets, "\u{feff}---\r\napi: none\r\n---\r\nCRLF\r\n", &[("api", Bump::None)], None, "CRLF");
    check(Format::Covector, "---\n\"api\": patch:bug\n---\n\nFix it\n", &[("api", Bump::Patch)], Some("bug"), "Fix it");
    check(Format::Covector, "---\n{ \"api\": minor }\n---\nflow\n", &[("api", Bump::Minor)], None, "flow");
}

#[test]
fn bad_files_name_the_file_and_say_what_is_wrong() {
    let check = |format, text: &str, expected: &str| {
        assert_eq!(parse(format, ".changeset/x.md", text).unwrap_err().to_string(), expected, "{text:?}");
    };
    check(
        Format::Changesets,
        "Just text\n",
        ".changeset/x.md: no front matter (hint: a change file starts with `---`, one `\"package\": bump` line per package, `---`, then the summary)",
    );
    check(
        Format::Changesets,
        "---\napi: huge\n---\nx\n",
        ".changeset/x.md: `api: huge` is not a bump (hint: use major, minor, patch or none)",
    );
    check(
        Format::Changesets,
        "---\napi: patch:bug\n---\nx\n",
        ".changeset/x.md: `api: patch:bug` is not a bump (hint: use major, minor, patch or none)",
    );
    check(
        Format::Changesets,
        "---\n---\nx\n",
        ".changeset/x.md: names no package (hint: write one `\"package\": bump` line per package between the `---` lines)",
    );
    let yaml = parse(Format::Changesets, ".changeset/x.md", "---\napi: [minor\n---\nx\n").unwrap_err().to_string();
    assert!(yaml.starts_with(".changeset/x.md: the front matter is not YAML: "), "{yaml}");
}

#[test]
fn read_takes_the_enabled_sources_and_warns_about_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs_err::create_dir_all(root.join(".changeset")).unwrap();
    fs_err::write(root.join(".changeset/README.md"), "# Changesets\n").unwrap();
    fs_err::write(root.join(".changeset/config.json"), "{}").unwrap();
    fs_err::write(root.join(".changeset/b.md"), "---\napi: patch\n---\nb\n").unwrap();
    fs_err::write(root.join(".changeset/a.md"), "---\napi: minor\n---\na\n").unwrap();
    let off = read(root, &[Source::Commits]).unwrap();
    assert!(off.files.is_empty());
    assert_eq!(
        off.warnings,
        [
            "`.changeset/config.json` is here but changesets files are not read (hint: add `sources = [\"commits\", \"changesets\"]` under `[versioning]` in release.toml)"
        ]
    );
    let on = read(root, &[Source::Commits, Source::Changesets]).unwrap();
    assert!(on.warnings.is_empty());
    let paths: Vec<&str> = on.files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(paths, [".changeset/a.md", ".changeset/b.md"]);
}

#[test]
fn write_makes_a_file_that_reads_back_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), Format::Changesets, "@acme/api", Bump::Minor, "Add the /health route!").unwrap();
    assert_eq!(first, ".changeset/add-the-health-route.md");
    let second = write(dir.path(), Format::Changesets, "@acme/api", Bump::Patch, "Add the health route").unwrap();
    assert_eq!(second, ".changeset/add-the-health-route-2.md");
    let text = fs_err::read_to_string(dir.path().join(&first)).unwrap();
    assert_eq!(text, "---\n\"@acme/api\": minor\n---\n\nAdd the /health route!\n");
    let file = parse(Format::Changesets, &first, &text).unwrap();
    assert_eq!(bumps(&file), [("@acme/api", Bump::Minor)]);
    assert!(matches!(write(dir.path(), Format::Covector, "api", Bump::Patch, "  "), Err(ChangesError::EmptyMessage)));
    assert!(matches!(format_for(&[Source::Commits]), Err(ChangesError::NoSource)));
    assert_eq!(format_for(&[Source::Commits, Source::Covector]).unwrap(), Format::Covector);
}
