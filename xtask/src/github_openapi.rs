//! `cargo xtask github-openapi [--version V]`: extracts the operations the GitHub fake serves
//! from GitHub's official REST description into `fixtures/github/openapi.json`.
//!
//! GitHub publishes its description as the npm package `@octokit/openapi`; `npm pack` fetches
//! it (the npm registry is the one place this needs), and its dereferenced file
//! (`generated/api.github.com.deref.json`, about 73 MB) has every schema inlined already. The
//! output keeps only the operations in `release_test_support::github::OPERATIONS`, as an
//! OpenAPI 3.1 document whose schemas are plain JSON Schema (draft 2020-12), so the fake can
//! hand them to a validator as they are:
//!
//! - OpenAPI 3.0's `nullable: true` becomes a type union (`"type": ["string", "null"]`, with
//!   `null` added to an `enum`, or an `anyOf` with `{"type": "null"}` when there is no `type`);
//! - a `oneOf` of which more than one branch now accepts `null` becomes an `anyOf`, since a
//!   `null` would otherwise match several branches and fail the `oneOf`;
//! - prose (`description`, `summary`, `example`, `examples`) and GitHub's `x-github*` and
//!   `x-octokit` extensions are dropped to keep the file small; a property that happens to be
//!   called `description` is a schema, not prose, and stays.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use release_test_support::github::{OPENAPI_FILE, OPENAPI_PACKAGE, OPENAPI_VERSION, OPERATIONS};
use serde_json::{Map, Value, json};

/// Where the extract lives, relative to the workspace root.
pub const OUTPUT: &str = "fixtures/github/openapi.json";

pub fn run(args: &[String], workspace_root: &Path) -> Result<()> {
    let version = match args {
        [] => OPENAPI_VERSION.to_string(),
        [flag, version] if flag == "--version" => version.clone(),
        _ => bail!("usage: cargo xtask github-openapi [--version V]"),
    };
    let scratch = tempfile::tempdir().context("creating a temp dir")?;
    let description_path = fetch(&version, scratch.path())?;
    eprintln!("reading {}", description_path.display());
    let description: Value = serde_json::from_slice(&fs_err::read(&description_path)?)
        .with_context(|| format!("parsing {}", description_path.display()))?;
    let extract = extract(&description, &version)?;
    let output = workspace_root.join(OUTPUT);
    fs_err::create_dir_all(output.parent().expect("the output path has a parent"))?;
    let mut text = serde_json::to_string_pretty(&extract)?;
    text.push('\n');
    fs_err::write(&output, &text)?;
    eprintln!("wrote {OUTPUT} ({} bytes, {OPENAPI_PACKAGE}@{version})", text.len());
    Ok(())
}

/// `npm pack`s the package into `dir` and unpacks the dereferenced description from it.
fn fetch(version: &str, dir: &Path) -> Result<PathBuf> {
    let spec = format!("{OPENAPI_PACKAGE}@{version}");
    eprintln!("npm pack {spec}");
    let output = Command::new("npm")
        .args(["pack", &spec, "--silent"])
        .current_dir(dir)
        .output()
        .context("running `npm pack` (hint: install node and npm)")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "`npm pack {spec}` failed ({}){} (hint: `npm view {OPENAPI_PACKAGE} versions` lists the published versions)",
            output.status,
            if stderr.trim().is_empty() { String::new() } else { format!(": {}", stderr.trim()) }
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(tarball) = stdout.lines().map(str::trim).rfind(|line| line.ends_with(".tgz")) else {
        bail!("`npm pack {spec}` named no tarball on stdout: {:?}", stdout.trim());
    };
    let member = format!("package/{OPENAPI_FILE}");
    let status =
        Command::new("tar").args(["-xzf", tarball, &member]).current_dir(dir).status().context("running `tar`")?;
    if !status.success() {
        bail!("`tar -xzf {tarball} {member}` failed ({status})");
    }
    Ok(dir.join(member))
}

/// The OpenAPI 3.1 document holding only our operations.
fn extract(description: &Value, version: &str) -> Result<Value> {
    let paths = description["paths"].as_object().context("the description has no `paths`")?;
    let mut out_paths = Map::new();
    let mut basic_error = None;
    for operation in OPERATIONS {
        let method = operation.method.to_ascii_lowercase();
        let found = paths.get(operation.path).and_then(|item| item.get(&method));
        let Some(source) = found.filter(|source| source["operationId"] == operation.id) else {
            let actual = locate(paths, operation.id)
                .map_or_else(|| "nowhere".to_string(), |(method, path)| format!("at {method} {path}"));
            bail!(
                "`{}` is not {} {} in the description, it is {actual} (hint: update OPERATIONS in \
                 crates/test-support/src/github/operations.rs)",
                operation.id,
                operation.method,
                operation.path
            );
        };
        let path_item = &paths[operation.path];
        let converted = convert_operation(source, path_item)?;
        if basic_error.is_none() {
            basic_error = find_titled(&converted["responses"], "Basic Error");
        }
        out_paths
            .entry(operation.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("path items are objects")
            .insert(method, converted);
    }
    let basic_error = basic_error.context("no operation documents GitHub's `Basic Error` schema")?;
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": description["info"]["title"],
            "version": description["info"]["version"],
        },
        "x-source": {"source": OPENAPI_PACKAGE, "version": version, "file": OPENAPI_FILE},
        "servers": description["servers"],
        "paths": out_paths,
        "components": {"schemas": {"basic-error": basic_error}},
    }))
}

/// Where an operation id really is: `(METHOD, path)`.
fn locate(paths: &Map<String, Value>, id: &str) -> Option<(String, String)> {
    paths.iter().find_map(|(path, item)| {
        item.as_object()?
            .iter()
            .find(|(_, operation)| operation["operationId"] == id)
            .map(|(method, _)| (method.to_ascii_uppercase(), path.clone()))
    })
}

fn convert_operation(source: &Value, path_item: &Value) -> Result<Value> {
    let mut out = Map::new();
    out.insert("operationId".into(), source["operationId"].clone());
    if let Some(url) = source["externalDocs"]["url"].as_str() {
        out.insert("externalDocs".into(), json!({ "url": url }));
    }
    if let Some(servers) = source["servers"].as_array() {
        let urls: Vec<Value> = servers.iter().map(|server| json!({ "url": server["url"] })).collect();
        out.insert("servers".into(), Value::Array(urls));
    }
    // Parameters may sit on the path item as well as on the operation; the operation's win.
    let mut parameters: Vec<Value> = Vec::new();
    let declared = path_item["parameters"].as_array().into_iter().chain(source["parameters"].as_array());
    for parameter in declared.flatten() {
        let converted = convert_parameter(parameter)?;
        parameters.retain(|existing| !(existing["name"] == converted["name"] && existing["in"] == converted["in"]));
        parameters.push(converted);
    }
    out.insert("parameters".into(), Value::Array(parameters));
    if let Some(body) = source.get("requestBody") {
        out.insert(
            "requestBody".into(),
            json!({
                "required": body["required"].as_bool().unwrap_or(false),
                "content": convert_content(&body["content"]),
            }),
        );
    }
    let responses = source["responses"].as_object().context("an operation without `responses`")?;
    let mut out_responses = Map::new();
    for (status, response) in responses {
        let mut converted = Map::new();
        converted.insert("description".into(), response.get("description").cloned().unwrap_or_else(|| json!("")));
        if let Some(content) = response.get("content") {
            converted.insert("content".into(), convert_content(content));
        }
        out_responses.insert(status.clone(), Value::Object(converted));
    }
    out.insert("responses".into(), Value::Object(out_responses));
    Ok(Value::Object(out))
}

fn convert_parameter(parameter: &Value) -> Result<Value> {
    let name = parameter["name"].as_str().context("a parameter without a name")?;
    let location = parameter["in"].as_str().with_context(|| format!("parameter `{name}` has no `in`"))?;
    let mut out = json!({
        "name": name,
        "in": location,
        "required": parameter["required"].as_bool().unwrap_or(false),
        "schema": to_json_schema(&parameter["schema"]),
    });
    if parameter["x-multi-segment"] == true {
        out["x-multi-segment"] = json!(true);
    }
    Ok(out)
}

fn convert_content(content: &Value) -> Value {
    let mut out = Map::new();
    for (media_type, media) in content.as_object().into_iter().flatten() {
        let schema = media.get("schema").map_or_else(|| json!({}), to_json_schema);
        out.insert(media_type.clone(), json!({ "schema": schema }));
    }
    Value::Object(out)
}

/// The first schema titled `title` among the responses' JSON bodies.
fn find_titled(responses: &Value, title: &str) -> Option<Value> {
    responses.as_object()?.values().find_map(|response| {
        let schema = &response["content"]["application/json"]["schema"];
        (schema["title"] == title).then(|| schema.clone())
    })
}

/// An OpenAPI 3.0 schema object as a JSON Schema (draft 2020-12) one, prose left out.
fn to_json_schema(schema: &Value) -> Value {
    let Some(object) = schema.as_object() else { return schema.clone() };
    let mut out = Map::new();
    for (key, value) in object {
        let converted = match key.as_str() {
            "description" | "summary" | "example" | "examples" | "externalDocs" | "nullable" => continue,
            _ if key.starts_with("x-") => continue,
            // Maps from names to schemas: every key is a name and stays.
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                let map = value.as_object().into_iter().flatten();
                Value::Object(map.map(|(name, schema)| (name.clone(), to_json_schema(schema))).collect())
            }
            "items" | "additionalProperties" | "not" | "contains" | "propertyNames" | "if" | "then" | "else" => {
                to_json_schema(value)
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                Value::Array(value.as_array().into_iter().flatten().map(to_json_schema).collect())
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        make_nullable(&mut out);
    }
    if let Some(Value::Array(branches)) = out.get("oneOf")
        && branches.iter().filter(|branch| accepts_null(branch)).count() > 1
    {
        let branches = out.remove("oneOf").expect("just seen");
        out.insert("anyOf".into(), branches);
    }
    Value::Object(out)
}

fn make_nullable(schema: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match schema.get_mut("type") {
        Some(Value::String(name)) => {
            let name = std::mem::take(name);
            schema.insert("type".into(), json!([name, "null"]));
        }
        Some(Value::Array(names)) => {
            if !names.contains(&json!("null")) {
                names.push(json!("null"));
            }
        }
        _ => {
            let rest = std::mem::take(schema);
            schema.insert("anyOf".into(), json!([rest, {"type": "null"}]));
        }
    }
}

fn accepts_null(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(name) => name == "null",
        Value::Array(names) => names.contains(&json!("null")),
        _ => schema["anyOf"].as_array().is_some_and(|branches| branches.iter().any(accepts_null)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_json_schema;

    fn check(input: serde_json::Value, expected: serde_json::Value) {
        assert_eq!(to_json_schema(&input), expected, "converting {input}");
    }

    #[test]
    fn converts_openapi_schemas_to_json_schema() {
        check(json!({"type": "string", "nullable": true}), json!({"type": ["string", "null"]}));
        check(json!({"type": "string", "nullable": false}), json!({"type": "string"}));
        check(
            json!({"type": "string", "enum": ["a", "b"], "nullable": true}),
            json!({"type": ["string", "null"], "enum": ["a", "b", null]}),
        );
        check(
            json!({"allOf": [{"type": "object"}], "nullable": true}),
            json!({"anyOf": [{"allOf": [{"type": "object"}]}, {"type": "null"}]}),
        );
        // A property named like a prose keyword is a schema and stays; the prose goes.
        check(
            json!({"type": "object", "description": "prose", "example": {}, "x-github": {},
                   "properties": {"description": {"type": "string", "nullable": true, "description": "prose"}}}),
            json!({"type": "object", "properties": {"description": {"type": ["string", "null"]}}}),
        );
        // GitHub's validation error `value`: three nullable branches, so `null` matches all.
        check(
            json!({"oneOf": [{"type": "string", "nullable": true}, {"type": "integer", "nullable": true}]}),
            json!({"anyOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}),
        );
        check(
            json!({"oneOf": [{"type": "object"}, {"type": "string"}]}),
            json!({"oneOf": [{"type": "object"}, {"type": "string"}]}),
        );
        check(
            json!({"type": "array", "items": {"type": "integer", "nullable": true}}),
            json!({"type": "array", "items": {"type": ["integer", "null"]}}),
        );
    }
}
