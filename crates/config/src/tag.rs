/// A tag template such as `{name}-v{version}`: a literal prefix and suffix around the version.
///
/// `{name}` is filled in per package; `{version}` must appear exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTemplate {
    template: String,
}

impl TagTemplate {
    /// Checks that the template names `{version}` exactly once and uses no other placeholder.
    pub fn parse(template: &str) -> Result<TagTemplate, String> {
        let count = template.matches("{version}").count();
        if count == 0 {
            return Err(format!("tag template `{template}` has no `{{version}}`"));
        }
        if count > 1 {
            return Err(format!("tag template `{template}` has `{{version}}` more than once"));
        }
        let rest = template.replace("{version}", "").replace("{name}", "");
        if rest.contains('{') || rest.contains('}') {
            return Err(format!("tag template `{template}` has a placeholder other than `{{name}}` and `{{version}}`"));
        }
        if template.chars().any(|character| character.is_whitespace() || "~^:?*[\\".contains(character)) {
            return Err(format!("tag template `{template}` has a character git does not allow in a tag"));
        }
        Ok(TagTemplate { template: template.to_string() })
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
        for bad in ["{name}-v", "v{version}-{version}", "v{version}-{build}", "v {version}"] {
            assert!(TagTemplate::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
