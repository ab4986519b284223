/// A tag template such as `{name}-v{version}`: a literal prefix and suffix around the version.
///
/// `{name}` is filled in per package; `{version}` must appear exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTemplate {
    template: String,
}

/// Why a tag template was refused, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTemplateError {
    pub message: String,
    pub hint: &'static str,
}

impl std::fmt::Display for TagTemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (hint: {})", self.message, self.hint)
    }
}

/// Names and versions a template is tried with: whatever a template's literal text makes of
/// them, it makes of every name and version (they start and end with a letter or a digit).
const SAMPLES: [(&str, &str); 3] = [("name", "1.0.0"), ("@scope/name", "1.0.0-rc.1"), ("name_2", "10.20.30+build.5")];

impl TagTemplate {
    /// Checks that the template names `{version}` exactly once, uses no other placeholder, and
    /// gives a valid git tag name (`git check-ref-format`) that git cannot read as an option.
    pub fn parse(template: &str) -> Result<TagTemplate, TagTemplateError> {
        let placeholder = |message: String| TagTemplateError {
            message,
            hint: "write the version as `{version}`, e.g. `{name}-v{version}`",
        };
        let count = template.matches("{version}").count();
        if count == 0 {
            return Err(placeholder(format!("tag template `{template}` has no `{{version}}`")));
        }
        if count > 1 {
            return Err(placeholder(format!("tag template `{template}` has `{{version}}` more than once")));
        }
        let rest = template.replace("{version}", "").replace("{name}", "");
        if rest.contains('{') || rest.contains('}') {
            return Err(placeholder(format!(
                "tag template `{template}` has a placeholder other than `{{name}}` and `{{version}}`"
            )));
        }
        let parsed = TagTemplate { template: template.to_string() };
        for (name, version) in SAMPLES {
            let tag = parsed.render(name, version);
            if let Some(problem) = crate::check::tag_name_problem(&tag) {
                return Err(TagTemplateError {
                    message: format!("tag template `{template}` gives tags like `{tag}`, which {problem}"),
                    hint: "a tag is a git ref name: no spaces, `..`, `@{`, or any of ~^:?*[\\; not starting with `-`, `/` or `refs/`; not ending with `.`, `/` or `.lock`",
                });
            }
        }
        Ok(parsed)
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.template
    }

    /// The tag for a package name and a version.
    pub fn render(&self, name: &str, version: &str) -> String {
        self.template.replace("{name}", name).replace("{version}", version)
    }

    /// The literal text before and after the version, with `{name}` filled in.
    pub fn affixes(&self, name: &str) -> (String, String) {
        let (prefix, suffix) = self.template.split_once("{version}").expect("checked at parse time");
        (prefix.replace("{name}", name), suffix.replace("{name}", name))
    }
}

#[cfg(test)]
mod tests {
    use super::TagTemplate;

    #[test]
    fn templates_render_and_split() {
        let template = TagTemplate::parse("{name}@v{version}").unwrap();
        assert_eq!(template.render("api", "1.2.3"), "api@v1.2.3");
        assert_eq!(template.affixes("api"), ("api@v".to_string(), String::new()));
        let template = TagTemplate::parse("release/{version}/{name}").unwrap();
        assert_eq!(template.affixes("web"), ("release/".to_string(), "/web".to_string()));
    }

    #[test]
    fn templates_without_one_version_are_refused() {
        // A literal `@{` is refused here too: every brace is a placeholder.
        for bad in ["{name}-v", "v{version}-{version}", "v{version}-{build}", "v@{{version}", "v{version}@{"] {
            let error = TagTemplate::parse(bad).expect_err(bad);
            assert!(error.hint.contains("{version}"), "{bad}: {error}");
        }
    }

    /// Tags reach `git tag`, `git push` and refspecs as arguments: a template whose tags git
    /// would read as an option (`-v1.0.0`) or refuse as a ref must fail when the config loads,
    /// not half-way through a cut.
    #[test]
    fn templates_giving_invalid_git_tag_names_are_refused() {
        let check = |template: &str, expected: &str| {
            let error = TagTemplate::parse(template).expect_err(template);
            assert_eq!(error.message, expected, "{template}");
            assert!(error.hint.starts_with("a tag is a git ref name"), "{template}: {error}");
        };
        check(
            "-v{version}",
            "tag template `-v{version}` gives tags like `-v1.0.0`, which starts with `-`, so git would read it as an option",
        );
        check("/v{version}", "tag template `/v{version}` gives tags like `/v1.0.0`, which starts with `/`");
        check(
            "refs/tags/v{version}",
            "tag template `refs/tags/v{version}` gives tags like `refs/tags/v1.0.0`, which starts with `refs/`",
        );
        check("v {version}", "tag template `v {version}` gives tags like `v 1.0.0`, which contains ` `");
        check("v..{version}", "tag template `v..{version}` gives tags like `v..1.0.0`, which contains `..`");
        check("{name}:{version}", "tag template `{name}:{version}` gives tags like `name:1.0.0`, which contains `:`");
        check(
            "v{version}\t",
            "tag template `v{version}\t` gives tags like `v1.0.0\t`, which contains the control character '\\t'",
        );
        check(
            "v{version}.lock",
            "tag template `v{version}.lock` gives tags like `v1.0.0.lock`, which ends with `.lock`",
        );
        check("v{version}/", "tag template `v{version}/` gives tags like `v1.0.0/`, which ends with `/`");
        check("v{version}.", "tag template `v{version}.` gives tags like `v1.0.0.`, which ends with `.`");
        check(
            "{name}/.{version}",
            "tag template `{name}/.{version}` gives tags like `name/.1.0.0`, which has a part starting with `.`",
        );
        check(
            "{name}//{version}",
            "tag template `{name}//{version}` gives tags like `name//1.0.0`, which contains `//`",
        );
        for good in ["v{version}", "{name}-v{version}", "{name}@{version}", "release/{version}/{name}", "{version}"] {
            assert!(TagTemplate::parse(good).is_ok(), "{good}");
        }
    }
}
