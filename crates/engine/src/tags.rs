//! Which tags are whose: every package's tag convention (release.toml's template, or the one the
//! repository's tags already follow) and every tagged version of every package, from one pass
//! over the tags. None of it depends on the head, so a session computes it once.

use std::collections::{BTreeSet, HashMap};

use release_config::{Config, TagTemplate};
use release_git::Tag;
use release_workspace::Workspace;

/// The packages with their conventions settled, and each target's tagged versions.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub workspace: Workspace,
    /// Per target (each package, then the repository when release.toml has `[repo]`): the tags
    /// that parse under its template, `(tag name, version, index into the session's tags)`,
    /// highest version first.
    pub releases: Vec<Vec<(String, semver::Version, usize)>>,
    /// Discovery's warnings, then those about tags.
    pub warnings: Vec<String>,
}

/// covector's own package names (`.changes/config.json`) that name a package of the workspace:
/// `(covector name, package name)`, by the package's folder and the manager's ecosystem. With
/// `skipped`, a name for a package discovery set aside maps to that package's name too.
pub(crate) fn covector_targets(
    names: &[(String, String, Option<String>)],
    workspace: &Workspace,
    skipped: bool,
) -> Vec<(String, String)> {
    let manifest_of = |manager: &str| match manager {
        "rust" | "cargo" => Some("Cargo.toml"),
        "javascript" | "npm" | "pnpm" | "yarn" => Some("package.json"),
        "python" | "pip" => Some("pyproject.toml"),
        _ => None,
    };
    let mut out = Vec::new();
    for (alias, folder, manager) in names {
        if workspace.packages.iter().any(|package| &package.name == alias) {
            continue;
        }
        let manifest = manager.as_deref().and_then(manifest_of);
        let candidates: Vec<&str> = workspace
            .packages
            .iter()
            .filter(|package| &package.path == folder)
            .filter(|package| {
                manifest.is_none_or(|file| package.manifest.as_deref().is_some_and(|path| path.ends_with(file)))
            })
            .map(|package| package.name.as_str())
            .collect();
        let name = match candidates[..] {
            [name] => name.to_string(),
            [] if skipped => match workspace.skipped.iter().find(|found| &found.path == folder) {
                Some(found) => found.name.clone(),
                None => continue,
            },
            _ => continue,
        };
        out.push((alias.clone(), name));
    }
    out
}

pub(crate) fn catalog(
    config: &Config,
    mut workspace: Workspace,
    tags: &[Tag],
    covector: &[(String, String, Option<String>)],
) -> Catalog {
    // What the configuration and discovery said come first: they are about the files the rest
    // is computed from.
    let mut warnings = config.warnings.clone();
    warnings.extend(workspace.warnings.iter().cloned());
    let mut targets: Vec<(String, TagTemplate)> =
        workspace.packages.iter().map(|package| (package.name.clone(), package.tag.clone())).collect();
    if let Some(repo_config) = &config.repo {
        targets.push((String::new(), repo_config.tag.clone()));
    }
    // The other tag conventions of packages whose template release.toml does not set: one pass
    // over the tags matches them all.
    let aliases = covector_targets(covector, &workspace, false);
    let conventions = other_conventions(config, &workspace, &aliases);
    let configured = targets.len();
    targets.extend(
        conventions.iter().map(|(package, template)| (workspace.packages[*package].name.clone(), template.clone())),
    );
    let mut releases = releases_by_target(&targets, tags, configured, &mut warnings);
    let inferred = releases.split_off(configured);
    infer_tags(&mut workspace, &mut releases, &conventions, inferred, &mut warnings);
    Catalog { workspace, releases, warnings }
}

/// The tags of one target that parse under its template: (name, version, index of the tag),
/// newest first.
type Tagged = Vec<(String, semver::Version, usize)>;

/// The tag conventions repositories already use, besides the one a package has, for every
/// package whose tag template release.toml does not set: `{name}-v{version}`, `{name}-{version}`
/// (tokio's), `{name}@{version}`,
/// `{name}@v{version}`, the same with the npm scope removed, and for a single package
/// `v{version}` and `{version}`. `(package index, template)`.
fn other_conventions(
    config: &Config,
    workspace: &Workspace,
    aliases: &[(String, String)],
) -> Vec<(usize, TagTemplate)> {
    let single = workspace.packages.len() == 1 && config.repo.is_none();
    // Parsed once, not once per package: a monorepo has hundreds of packages.
    let parse = |texts: &[String]| -> Vec<TagTemplate> {
        texts.iter().filter_map(|text| TagTemplate::parse(text).ok()).collect()
    };
    let common =
        parse(&["{name}-v{version}", "{name}-{version}", "{name}@{version}", "{name}@v{version}"].map(String::from));
    let single_only = parse(&["v{version}", "{version}"].map(String::from));
    let mut out = Vec::new();
    for (index, package) in workspace.packages.iter().enumerate() {
        let explicit = config.packages.iter().any(|entry| entry.name == package.name && entry.tag.is_some());
        if explicit {
            continue;
        }
        let mut own: Vec<String> = Vec::new();
        if let Some((_, unscoped)) = package.name.split_once('/').filter(|_| package.name.starts_with('@')) {
            own.extend([
                format!("{unscoped}-v{{version}}"),
                format!("{unscoped}-{{version}}"),
                format!("{unscoped}@{{version}}"),
                format!("{unscoped}@v{{version}}"),
            ]);
        }
        let mut candidates = common.clone();
        candidates.extend(parse(&own));
        if single {
            candidates.extend(single_only.iter().cloned());
        }
        // covector tags packages by its own names (`fs-v2.0.3` for `tauri-plugin-fs`).
        for (alias, _) in aliases.iter().filter(|(_, name)| *name == package.name) {
            let texts = [
                format!("{alias}-v{{version}}"),
                format!("{alias}-{{version}}"),
                format!("{alias}@v{{version}}"),
                format!("{alias}@{{version}}"),
            ];
            candidates.extend(parse(&texts));
        }
        // Each convention once per package, and not the package's own.
        let mut seen = vec![package.tag.affixes(&package.name)];
        for template in candidates {
            let affixes = template.affixes(&package.name);
            if !seen.contains(&affixes) {
                seen.push(affixes);
                out.push((index, template));
            }
        }
    }
    out
}

/// Chooses each unconfigured package's convention from the tags it already has: its default when
/// only that matches (or none does), the one that matches otherwise, and when several do, the
/// one with the newest release, with a warning that names them. Each choice that is not the
/// default is said in the warnings with the line that pins it in release.toml.
fn infer_tags(
    workspace: &mut Workspace,
    releases: &mut [Tagged],
    conventions: &[(usize, TagTemplate)],
    mut inferred: Vec<Tagged>,
    warnings: &mut Vec<String>,
) {
    for (index, package) in workspace.packages.iter_mut().enumerate() {
        // (template, its tags), the package's own first.
        let mut matching: Vec<(TagTemplate, Tagged)> = Vec::new();
        if !releases[index].is_empty() {
            matching.push((package.tag.clone(), std::mem::take(&mut releases[index])));
        }
        for (found, (_, template)) in inferred.iter_mut().zip(conventions).filter(|(_, (owner, _))| *owner == index) {
            if !found.is_empty() {
                matching.push((template.clone(), std::mem::take(found)));
            }
        }
        let newest = |tags: &[(String, semver::Version, usize)]| tags.first().map(|(_, version, _)| version.clone());
        let Some(best) =
            (0..matching.len()).max_by(|&a, &b| newest(&matching[a].1).cmp(&newest(&matching[b].1)).then(b.cmp(&a)))
        else {
            continue;
        };
        let pin = |template: &TagTemplate| {
            format!("a `[[package]]` entry with name = \"{}\" and tag = \"{}\"", package.name, template.as_str())
        };
        if matching.len() > 1 {
            let examples: Vec<String> = matching.iter().map(|(_, tags)| format!("`{}`", tags[0].0)).collect();
            warnings.push(format!(
                "package `{}` has tags of {} conventions ({}); the newest, `{}`, is used (hint: choose one in release.toml: {})",
                package.name,
                matching.len(),
                examples.join(", "),
                matching[best].0.as_str(),
                pin(&matching[best].0)
            ));
        } else if matching[best].0.as_str() != package.tag.as_str() {
            warnings.push(format!(
                "package `{}` has no tags like `{}`; its tags look like `{}`, so `{}` is used (hint: pin it in release.toml: {})",
                package.name,
                package.tag.render(&package.name, "1.0.0"),
                matching[best].1[0].0,
                matching[best].0.as_str(),
                pin(&matching[best].0)
            ));
        }
        let (template, tags) = matching.swap_remove(best);
        package.tag = template;
        releases[index] = tags;
    }
}

/// Per target (a package, or the repository as the last target), every tag of its template
/// that parses as semver, highest version first. Only the first `warn_for` targets (the
/// configured ones, not conventions being tried) warn about tags they cannot read.
fn releases_by_target(
    targets: &[(String, TagTemplate)],
    tags: &[Tag],
    warn_for: usize,
    warnings: &mut Vec<String>,
) -> Vec<Tagged> {
    let affixes: Vec<(String, String)> = targets.iter().map(|(name, template)| template.affixes(name)).collect();
    // Targets by their exact prefix: a tag is looked up once per distinct prefix length, so
    // thousands of tags against hundreds of templates stay linear in the tags.
    let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, (prefix, _)) in affixes.iter().enumerate() {
        by_prefix.entry(prefix.as_str()).or_default().push(index);
    }
    let mut lengths: Vec<usize> = by_prefix.keys().map(|prefix| prefix.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut out: Vec<Tagged> = vec![Vec::new(); targets.len()];
    let mut warned = BTreeSet::new();
    for (position, tag) in tags.iter().enumerate() {
        let candidates = lengths
            .iter()
            .filter_map(|&length| tag.name.get(..length))
            .filter_map(|prefix| by_prefix.get(prefix))
            .flatten();
        for &index in candidates {
            let (prefix, suffix) = &affixes[index];
            let Some(middle) =
                tag.name.strip_prefix(prefix.as_str()).and_then(|rest| rest.strip_suffix(suffix.as_str()))
            else {
                continue;
            };
            match semver::Version::parse(middle) {
                Ok(version) => out[index].push((tag.name.clone(), version, position)),
                Err(_) => {
                    // `{name}-v{version}` of package `a` also matches tag `a-b-v1.0.0` of package `a-b`
                    // at the prefix; only warn when no other target claims the tag. Asked last:
                    // it tries every target, and `p1-{version}` meets every `p1-v1.2.0`.
                    let claimed = || {
                        affixes.iter().any(|(other_prefix, other_suffix)| {
                            tag.name
                                .strip_prefix(other_prefix.as_str())
                                .and_then(|rest| rest.strip_suffix(other_suffix.as_str()))
                                .is_some_and(|middle| semver::Version::parse(middle).is_ok())
                        })
                    };
                    let looks_versioned = middle.starts_with(|character: char| character.is_ascii_digit());
                    if index < warn_for && looks_versioned && !warned.contains(&tag.name) && !claimed() {
                        warned.insert(tag.name.clone());
                        warnings.push(format!(
                            "tag `{}` matches the template `{}` but `{middle}` is not a semantic version; skipped",
                            tag.name,
                            targets[index].1.as_str()
                        ));
                    }
                }
            }
        }
    }
    for releases in &mut out {
        releases.sort_by(|a, b| b.1.cmp(&a.1));
    }
    out
}
