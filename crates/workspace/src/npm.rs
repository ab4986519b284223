//! npm, pnpm, yarn and bun: `workspaces` in package.json (array or `{ packages }`),
//! `pnpm-workspace.yaml`, and standalone packages.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use release_config::Ecosystem;
use serde_json::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::{
    DependencyKind, Found, Step, WorkspaceError, describe_json, first_line, is_inside, join, json_line, members,
    parent, read_text, version,
};

fn is_named(file: &str, name: &str) -> bool {
    file == name || file.ends_with(&format!("/{name}"))
}

fn read_json(root: &Path, manifest: &str) -> Result<(Value, String), WorkspaceError> {
    let text = read_text(root, manifest)?;
    // npm accepts a UTF-8 byte order mark (editors on Windows write one); apply keeps it on write.
    match serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text)) {
        Ok(value) => Ok((value, text)),
        Err(error) => Err(WorkspaceError::Parse {
            path: PathBuf::from(manifest),
            line: error.line(),
            column: error.column(),
            message: error.to_string().split(" at line ").next().unwrap_or("").to_string(),
        }),
    }
}

/// A workspace member pattern and the line it is on.
struct Pattern {
    text: String,
    line: usize,
}

/// The `workspaces` of a package.json: a list (npm, yarn, bun) or `{ "packages": [...] }` (yarn
/// classic). Anything else npm refuses ("workspaces config expects an Array"), and so do we.
fn npm_workspaces(manifest: &str, text: &str, document: &Value) -> Result<Vec<Pattern>, WorkspaceError> {
    let (items, key, steps): (&Value, &str, Vec<Step<'_>>) = match document.get("workspaces") {
        None => return Ok(Vec::new()),
        Some(Value::Object(object)) => match object.get("packages") {
            None => return Ok(Vec::new()),
            Some(items) => (items, "workspaces.packages", vec![Step::Key("workspaces"), Step::Key("packages")]),
        },
        Some(items) => (items, "workspaces", vec![Step::Key("workspaces")]),
    };
    let wrong = |found: &Value, steps: &[Step<'_>], expected: &str| WorkspaceError::WrongType {
        path: PathBuf::from(manifest),
        line: json_line(text, steps),
        key: key.to_string(),
        expected: expected.into(),
        found: describe_json(found),
        hint: "npm reads a list of folders or globs, e.g. `\"workspaces\": [\"packages/*\"]`".into(),
    };
    let Value::Array(items) = items else {
        return Err(wrong(items, &steps, "a list"));
    };
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let mut steps = steps.clone();
        steps.push(Step::Index(index));
        match item {
            Value::String(pattern) if !pattern.trim().is_empty() => {
                out.push(Pattern { text: pattern.clone(), line: json_line(text, &steps) });
            }
            other => return Err(wrong(other, &steps, "a list of non-empty strings")),
        }
    }
    Ok(out)
}

/// What a YAML node is, for a message.
fn describe(event: &Event) -> String {
    match event {
        Event::Scalar(value, TScalarStyle::Plain, ..) => match yaml_rust2::Yaml::from_str(value) {
            yaml_rust2::Yaml::Null => "null".into(),
            yaml_rust2::Yaml::Boolean(value) => format!("the boolean {value}"),
            yaml_rust2::Yaml::Integer(value) => format!("the number {value}"),
            yaml_rust2::Yaml::Real(value) => format!("the number {value}"),
            _ => format!("the string {value:?}"),
        },
        Event::Scalar(value, ..) if value.is_empty() => "an empty string".into(),
        Event::Scalar(value, ..) => format!("the string {value:?}"),
        Event::MappingStart(..) => "a mapping".into(),
        Event::SequenceStart(..) => "a list".into(),
        _ => "an alias".into(),
    }
}

/// Follows the events of the first document: depth 1 is the top-level mapping, where keys
/// and values alternate.
#[derive(Default)]
struct Receiver {
    depth: usize,
    expecting_key: bool,
    /// The top-level value now being read is `packages`.
    in_packages: bool,
    seen_key: bool,
    patterns: Vec<Pattern>,
    /// The first problem: what was found instead, on which line, and what was expected.
    problem: Option<(String, usize, &'static str)>,
}

impl MarkedEventReceiver for Receiver {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.problem.is_some() {
            return;
        }
        let line = mark.line();
        match (&event, self.depth) {
            (Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd, _) => {}
            (Event::MappingStart(..), 0) => {
                self.depth = 1;
                self.expecting_key = true;
            }
            (Event::MappingEnd, 1) => self.depth = 0,
            (Event::Scalar(value, ..), 0) if value.is_empty() => {} // an empty file
            (_, 0) => self.problem = Some((describe(&event), line, "a mapping of settings")),
            // A top-level key.
            (Event::Scalar(value, ..), 1) if self.expecting_key => {
                self.in_packages = value == "packages";
                self.seen_key = true;
                self.expecting_key = false;
            }
            // A top-level value.
            (Event::Scalar(value, TScalarStyle::Plain, ..), 1)
                if self.in_packages && matches!(yaml_rust2::Yaml::from_str(value), yaml_rust2::Yaml::Null) =>
            {
                self.expecting_key = true;
            }
            (Event::SequenceStart(..), 1) if self.in_packages => self.depth = 2,
            (_, 1) if self.in_packages => self.problem = Some((describe(&event), line, "a list")),
            (Event::Scalar(..) | Event::Alias(..), 1) => self.expecting_key = true,
            (Event::MappingStart(..) | Event::SequenceStart(..), 1) => self.depth = 3,
            // The items of `packages`.
            (Event::SequenceEnd, 2) => {
                self.depth = 1;
                self.expecting_key = true;
            }
            (Event::Scalar(value, style, ..), 2)
                if !value.trim().is_empty()
                    && (*style != TScalarStyle::Plain
                        || matches!(yaml_rust2::Yaml::from_str(value), yaml_rust2::Yaml::String(_))) =>
            {
                self.patterns.push(Pattern { text: value.clone(), line });
            }
            (_, 2) => self.problem = Some((describe(&event), line, "a list of non-empty strings")),
            // Inside another top-level value: only its end matters.
            (Event::MappingStart(..) | Event::SequenceStart(..), depth) => self.depth = depth + 1,
            (Event::MappingEnd | Event::SequenceEnd, 3) => {
                self.depth = 1;
                self.expecting_key = true;
            }
            (Event::MappingEnd | Event::SequenceEnd, depth) => self.depth = depth - 1,
            _ => {}
        }
    }
}

/// The `packages:` list of a pnpm-workspace.yaml. pnpm refuses a file that is not YAML, and a
/// `packages` that is not a list of non-empty strings; so do we (with the line). A file without
/// `packages` (settings or catalogs only) has no members.
fn pnpm_packages(file: &str, text: &str) -> Result<Vec<Pattern>, WorkspaceError> {
    let mut receiver = Receiver::default();
    Parser::new_from_str(text).load(&mut receiver, false).map_err(|error| WorkspaceError::Parse {
        path: PathBuf::from(file),
        line: error.marker().line(),
        column: error.marker().col() + 1,
        message: first_line(error.info()),
    })?;
    match receiver.problem {
        Some((found, line, _)) if !receiver.seen_key => Err(WorkspaceError::Parse {
            path: PathBuf::from(file),
            line,
            column: 1,
            message: format!("expected a mapping of settings such as `packages:`, found {found}"),
        }),
        Some((found, line, expected)) => Err(WorkspaceError::WrongType {
            path: PathBuf::from(file),
            line,
            key: "packages".into(),
            expected: expected.into(),
            found,
            hint: "pnpm reads a list of globs, one per line: `  - \"packages/*\"`".into(),
        }),
        None => Ok(receiver.patterns),
    }
}

/// Parsed manifests by path, with their text (for the line of a later complaint).
type Documents = BTreeMap<String, (Value, String)>;

/// A workspace root (its folder) and the folders of its members.
type Roots = Vec<(String, Vec<String>)>;

/// The packages of the repository; `listed` are the folders `release.toml` names with a `path`,
/// which are read even outside the root workspace.
///
/// When the repository root is a workspace (`workspaces` in its package.json, or a
/// pnpm-workspace.yaml), only the root and its members are read: any other package.json (a test
/// fixture, an example app) is never parsed. A root that is one published package without a
/// workspace counts as a workspace of no members: the repository is that package. Otherwise every tracked package.json is read, and
/// those under a nested workspace that are not its members are skipped.
pub(crate) fn discover(
    root: &Path,
    files: &[&str],
    listed: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<Found>, WorkspaceError> {
    let manifests: Vec<&str> = files.iter().copied().filter(|file| is_named(file, "package.json")).collect();
    let pnpm_files: HashSet<&str> =
        files.iter().copied().filter(|file| is_named(file, "pnpm-workspace.yaml")).collect();
    let mut documents = Documents::new();
    if manifests.contains(&"package.json") {
        documents.insert("package.json".to_string(), read_json(root, "package.json")?);
    }
    let context = Context { root, manifests: &manifests, pnpm_files: &pnpm_files };
    let root_members = match context.workspace(".", documents.get("package.json"), warnings)? {
        Some(members) => Some(members),
        // The root is one published package and no workspace: the repository is that package,
        // and the package.json files below it are test fixtures and examples, not packages.
        None if is_single_package(documents.get("package.json"), files) => Some(Vec::new()),
        None => None,
    };
    let mut roots = Roots::new();
    if let Some(members) = root_members {
        let wanted = members.iter().chain(listed).filter_map(|folder| join(folder, "package.json"));
        for manifest in wanted.collect::<Vec<_>>() {
            if manifests.contains(&manifest.as_str()) && !documents.contains_key(&manifest) {
                let document = read_json(root, &manifest)?;
                documents.insert(manifest, document);
            }
        }
        roots.push((".".to_string(), members));
    } else {
        for manifest in manifests.iter().filter(|manifest| crate::outside_tests(manifest, listed)) {
            if !documents.contains_key(*manifest) {
                documents.insert(manifest.to_string(), read_json(root, manifest)?);
            }
        }
        for (manifest, document) in &documents {
            let folder = parent(manifest);
            if let Some(members) = context.workspace(folder, Some(document), warnings)? {
                roots.push((folder.to_string(), members));
            }
        }
    }
    let mut found = Vec::new();
    for (manifest, (document, text)) in &documents {
        let is_listed = listed.iter().any(|path| path == parent(manifest));
        if let Some(package) = package(manifest, document, text, &roots, is_listed)? {
            found.push(package);
        }
    }
    Ok(found)
}

/// A root package.json that is a package of its own (a name, not private) with no workspace, in a
/// repository without lerna.json (whose `packages` would make the subfolders packages).
fn is_single_package(root: Option<&(Value, String)>, files: &[&str]) -> bool {
    let Some((document, _)) = root else { return false };
    let named = document.get("name").and_then(Value::as_str).is_some_and(|name| !name.trim().is_empty());
    let private = document.get("private").and_then(Value::as_bool) == Some(true);
    named && !private && !files.contains(&"lerna.json")
}

struct Context<'a> {
    root: &'a Path,
    manifests: &'a [&'a str],
    pnpm_files: &'a HashSet<&'a str>,
}

impl Context<'_> {
    /// The member folders of the workspace whose root is `folder`, if it is one: the
    /// `workspaces` of its package.json and the `packages` of its pnpm-workspace.yaml, with `!`
    /// negations.
    fn workspace(
        &self,
        folder: &str,
        document: Option<&(Value, String)>,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Vec<String>>, WorkspaceError> {
        let manifest = join(folder, "package.json").unwrap_or_default();
        // Each pattern with the file and line it comes from.
        let mut patterns: Vec<(String, Pattern)> = Vec::new();
        if let Some((document, text)) = document {
            let own = npm_workspaces(&manifest, text, document)?;
            patterns.extend(own.into_iter().map(|pattern| (manifest.clone(), pattern)));
        }
        let pnpm = join(folder, "pnpm-workspace.yaml").unwrap_or_default();
        let has_pnpm = self.pnpm_files.contains(pnpm.as_str());
        if has_pnpm {
            let text = read_text(self.root, &pnpm)?;
            patterns.extend(pnpm_packages(&pnpm, &text)?.into_iter().map(|pattern| (pnpm.clone(), pattern)));
        }
        if patterns.is_empty() && !has_pnpm {
            return Ok(None);
        }
        let (excludes, includes): (Vec<_>, Vec<_>) =
            patterns.into_iter().partition(|(_, pattern)| pattern.text.starts_with('!'));
        let excludes: Vec<String> = excludes.iter().map(|(_, pattern)| pattern.text[1..].to_string()).collect();
        let include_texts: Vec<String> = includes.iter().map(|(_, pattern)| pattern.text.clone()).collect();
        let found =
            members(folder, &include_texts, &excludes, self.manifests, "package.json", &PathBuf::from(&manifest))?;
        // npm and pnpm link a member outside the workspace root; one outside the repository is
        // not tracked here, so it cannot be released from here: said, then skipped.
        for index in found.outside {
            let (file, pattern) = &includes[index];
            warnings.push(format!(
                "{file}:{}: workspace member `{}` is outside the repository; skipped (release versions only packages tracked in this repository)",
                pattern.line, pattern.text
            ));
        }
        Ok(Some(found.folders))
    }
}

/// The package a package.json declares, if it is one of this repository: a published workspace
/// root, a member of its workspace, outside every workspace, or `listed` in release.toml.
fn package(
    manifest: &str,
    document: &Value,
    text: &str,
    roots: &Roots,
    listed: bool,
) -> Result<Option<Found>, WorkspaceError> {
    let folder = parent(manifest).to_string();
    let is_root = roots.iter().any(|(root, _)| root == &folder);
    let is_member = roots.iter().any(|(_, members)| members.contains(&folder));
    let inside_root = roots.iter().any(|(root, _)| is_inside(&folder, root));
    let private = document.get("private").and_then(Value::as_bool) == Some(true);
    let name = match document.get("name") {
        // A package.json without a name (a workspace root, a folder of scripts) is no package.
        None => return Ok(None),
        Some(Value::String(name)) if !name.trim().is_empty() => name,
        // npm refuses it ("name field must be a string").
        Some(other) => {
            return Err(WorkspaceError::WrongType {
                path: PathBuf::from(manifest),
                line: json_line(text, &[Step::Key("name")]),
                key: "name".into(),
                expected: "a non-empty string".into(),
                found: describe_json(other),
                hint: "write the package's name, e.g. `\"name\": \"@scope/my-package\"`".into(),
            });
        }
    };
    // A workspace root is a package only when it is published; a package.json under a
    // workspace that is not a member (a template, a test fixture) is not a package.
    let outside = !is_root && !is_member && inside_root && !listed;
    if (is_root && !listed && (private || document.get("version").is_none())) || outside {
        return Ok(None);
    }
    let path = PathBuf::from(manifest);
    let version = match document.get("version") {
        Some(Value::String(text)) => Some(version(&path, "version", text)?),
        Some(other) => {
            return Err(WorkspaceError::Version { path, key: "version".into(), value: other.to_string() });
        }
        None => None,
    };
    let mut dependencies = Vec::new();
    for (key, kind) in [
        ("dependencies", DependencyKind::Normal),
        ("devDependencies", DependencyKind::Dev),
        ("peerDependencies", DependencyKind::Peer),
        ("optionalDependencies", DependencyKind::Optional),
    ] {
        if let Some(Value::Object(table)) = document.get(key) {
            dependencies.extend(table.keys().map(|name| (name.clone(), kind)));
        }
    }
    Ok(Some(Found {
        name: name.to_string(),
        path: folder,
        ecosystem: Ecosystem::Npm,
        manifest: manifest.to_string(),
        has_version: version.is_some(),
        private,
        version,
        version_inherited: false,
        version_group: None,
        dependencies,
        binds: None,
    }))
}

#[cfg(test)]
mod tests {
    fn packages(yaml: &str) -> Result<Vec<String>, String> {
        super::pnpm_packages("pnpm-workspace.yaml", yaml)
            .map(|patterns| patterns.into_iter().map(|pattern| format!("{}@{}", pattern.text, pattern.line)).collect())
            .map_err(|error| error.to_string())
    }

    #[test]
    fn pnpm_workspace_packages() {
        let yaml = "packages:\n  - 'apps/*'\n  - \"packages/**\" # all\n  - '!**/test/**'\ncatalog:\n  react: ^18\n";
        assert_eq!(packages(yaml).unwrap(), ["apps/*@2", "packages/**@3", "!**/test/**@4"]);
        // Settings before `packages`, nested values, a flow list: all YAML, all read.
        let yaml = "catalogs:\n  react18:\n    react: [18, 19]\npackages: ['apps/*', \"libs/*\"]\nonlyBuiltDependencies:\n  - esbuild\n";
        assert_eq!(packages(yaml).unwrap(), ["apps/*@4", "libs/*@4"]);
        assert_eq!(packages("").unwrap(), Vec::<String>::new());
        assert_eq!(packages("catalog:\n  react: ^18\n").unwrap(), Vec::<String>::new());
        assert_eq!(packages("packages:\n").unwrap(), Vec::<String>::new());
    }

    /// Regression: a pnpm-workspace.yaml that pnpm refuses used to be read as best it could (or
    /// as nothing), so the plan silently lost the workspace's packages.
    #[test]
    fn pnpm_workspace_files_pnpm_refuses_are_errors_with_their_line() {
        let check = |yaml: &str, expected: &str| {
            let error = packages(yaml).unwrap_err();
            assert!(error.starts_with(expected), "expected: {expected}\n     got: {error}");
        };
        check("packages: [\n  - \"a", "pnpm-workspace.yaml:2:");
        check("packages:\n  - 'a\n", "pnpm-workspace.yaml:2:5: cannot parse manifest: while scanning a quoted scalar");
        check(
            "packages: \"packages/*\"\n",
            "pnpm-workspace.yaml:1: `packages` must be a list, not the string \"packages/*\" (hint: pnpm reads",
        );
        check(
            "catalog: {}\npackages:\n  apps: '*'\n",
            "pnpm-workspace.yaml:3: `packages` must be a list, not a mapping",
        );
        check(
            "packages:\n  - apps/*\n  - 42\n",
            "pnpm-workspace.yaml:3: `packages` must be a list of non-empty strings, not the number 42",
        );
        check(
            "packages:\n  - ''\n",
            "pnpm-workspace.yaml:2: `packages` must be a list of non-empty strings, not an empty string",
        );
        check("- apps/*\n", "pnpm-workspace.yaml:1:1: cannot parse manifest: expected a mapping of settings");
    }
}
