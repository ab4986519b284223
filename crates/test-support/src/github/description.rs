//! GitHub's own description of the operations the fake serves (`fixtures/github/openapi.json`,
//! extracted by `cargo xtask github-openapi`), and the checks of requests and responses
//! against it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result, anyhow, bail};
use jsonschema::Validator;
use serde_json::Value;

use super::OPERATIONS;

/// `fixtures/github/openapi.json`.
pub fn description_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/github/openapi.json")
}

/// The description, loaded and compiled once per process.
pub(crate) fn shared() -> Result<Arc<Description>> {
    static DESCRIPTION: OnceLock<std::result::Result<Arc<Description>, String>> = OnceLock::new();
    DESCRIPTION
        .get_or_init(|| Description::load(&description_path()).map(Arc::new).map_err(|error| format!("{error:#}")))
        .clone()
        .map_err(|error| anyhow!(error))
}

pub(crate) struct Description {
    pub(crate) version: String,
    operations: Vec<Operation>,
    basic_error: Validator,
}

pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) template: String,
    pub(crate) docs_url: String,
    /// Served on GitHub's uploads host rather than the API host.
    pub(crate) uploads: bool,
    segments: Vec<Segment>,
    parameters: Vec<Parameter>,
    body: Option<BodySpec>,
    /// Every documented status, with the validator of its JSON body when it has one.
    responses: BTreeMap<u16, Option<Validator>>,
}

enum Segment {
    Literal(String),
    Parameter { name: String, multi: bool },
}

struct Parameter {
    name: String,
    in_path: bool,
    required: bool,
    kind: Kind,
    validator: Validator,
}

/// How a parameter's text is read before its schema is checked.
#[derive(Clone, Copy)]
enum Kind {
    Integer,
    Number,
    Boolean,
    Text,
}

struct BodySpec {
    required: bool,
    /// `None` for a raw body (the asset upload's bytes).
    json: Option<Validator>,
}

/// A request's body as the checks see it.
pub(crate) enum Body {
    Empty,
    Json(Value),
    NotJson(String),
    Raw(usize),
}

pub(crate) enum Lookup<'a> {
    Found {
        operation: &'a Operation,
        path_parameters: BTreeMap<String, String>,
    },
    /// The path is documented, not with this method (or not on this host).
    Undocumented {
        reason: String,
    },
}

impl Description {
    pub(crate) fn load(path: &Path) -> Result<Description> {
        let text = fs_err::read_to_string(path)
            .context("reading GitHub's description (hint: run `cargo xtask github-openapi`)")?;
        let document: Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Description::parse(&document).with_context(|| format!("reading {}", path.display()))
    }

    pub(crate) fn parse(document: &Value) -> Result<Description> {
        let version = document["x-source"]["version"].as_str().context("no `x-source.version`")?.to_string();
        let basic_error = compile(&document["components"]["schemas"]["basic-error"]).context("`basic-error`")?;
        let mut operations = Vec::new();
        for (template, item) in document["paths"].as_object().context("no `paths`")? {
            for (method, operation) in item.as_object().context("a path item that is not an object")? {
                let parsed = Operation::parse(template, method, operation)
                    .with_context(|| format!("{} {template}", method.to_ascii_uppercase()))?;
                operations.push(parsed);
            }
        }
        for expected in OPERATIONS {
            let found = operations.iter().find(|operation| operation.id == expected.id);
            if !found.is_some_and(|found| found.method == expected.method && found.template == expected.path) {
                bail!(
                    "`{}` ({} {}) is missing (hint: run `cargo xtask github-openapi`)",
                    expected.id,
                    expected.method,
                    expected.path
                );
            }
        }
        Ok(Description { version, operations, basic_error })
    }

    /// The operation that `method` on `path` (still percent-encoded, without the uploads
    /// prefix) is, preferring the template with the most literal segments.
    pub(crate) fn lookup(&self, method: &str, path: &str, uploads: bool) -> Lookup<'_> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut candidates: Vec<(&Operation, BTreeMap<String, String>, usize)> = self
            .operations
            .iter()
            .filter_map(|operation| {
                let (parameters, literals) = operation.matches(&segments)?;
                Some((operation, parameters, literals))
            })
            .collect();
        candidates.sort_by_key(|(_, _, literals)| std::cmp::Reverse(*literals));
        let here = format!("{method} {}{path}", if uploads { "(uploads host) " } else { "" });
        if let Some(index) = candidates.iter().position(|(operation, ..)| operation.method == method) {
            let (operation, path_parameters, _) = candidates.swap_remove(index);
            if operation.uploads != uploads {
                let reason = if operation.uploads {
                    format!(
                        "{here}: `{}` is served on GitHub's uploads host (the fake's `/uploads` prefix, as in a release's `upload_url`), not on the API host",
                        operation.id
                    )
                } else {
                    format!("{here}: `{}` is served on the API host, not the uploads host", operation.id)
                };
                return Lookup::Undocumented { reason };
            }
            return Lookup::Found { operation, path_parameters };
        }
        let documented: Vec<String> =
            candidates.iter().map(|(operation, ..)| format!("{} `{}`", operation.method, operation.id)).collect();
        let reason = if documented.is_empty() {
            format!("{here}: no operation the fake serves has this path")
        } else {
            format!("{here}: not an operation of GitHub's description (this path documents {})", documented.join(", "))
        };
        Lookup::Undocumented { reason }
    }

    /// Checks a response the fake is about to send: a documented status with its documented
    /// body, or an undocumented error status with GitHub's basic error body.
    pub(crate) fn check_response(
        &self,
        operation: &Operation,
        status: u16,
        body: Option<&Value>,
    ) -> Result<(), String> {
        match (operation.responses.get(&status), body) {
            (Some(Some(validator)), Some(body)) => validate(validator, body),
            (Some(Some(_)), None) => Err(format!("status {status} is documented with a JSON body, and none was sent")),
            (Some(None), None) => Ok(()),
            (Some(None), Some(body)) if status >= 400 => validate(&self.basic_error, body),
            (Some(None), Some(_)) => Err(format!("status {status} is documented without a body, and one was sent")),
            (None, body) if status >= 400 => body.map_or(Ok(()), |body| validate(&self.basic_error, body)),
            (None, _) => {
                let documented: Vec<String> = operation.responses.keys().map(u16::to_string).collect();
                Err(format!("status {status} is not documented (documented: {})", documented.join(", ")))
            }
        }
    }
}

impl Operation {
    fn parse(template: &str, method: &str, operation: &Value) -> Result<Operation> {
        let id = operation["operationId"].as_str().context("no `operationId`")?.to_string();
        let mut parameters = Vec::new();
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().context("a parameter without a name")?.to_string();
            let schema = &parameter["schema"];
            parameters.push(Parameter {
                in_path: parameter["in"] == "path",
                required: parameter["required"] == true,
                kind: match schema["type"].as_str() {
                    Some("integer") => Kind::Integer,
                    Some("number") => Kind::Number,
                    Some("boolean") => Kind::Boolean,
                    _ => Kind::Text,
                },
                validator: compile(schema).with_context(|| format!("parameter `{name}`"))?,
                name,
            });
        }
        let segments = template
            .trim_start_matches('/')
            .split('/')
            .map(|segment| match segment.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
                Some(name) => {
                    let multi = operation["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|parameter| parameter["name"] == name && parameter["x-multi-segment"] == true);
                    Segment::Parameter { name: name.to_string(), multi }
                }
                None => Segment::Literal(segment.to_string()),
            })
            .collect();
        let body = match operation.get("requestBody") {
            None => None,
            Some(body) => {
                let content = body["content"].as_object().context("a request body without `content`")?;
                let json = match content.get("application/json") {
                    Some(media) => Some(compile(&media["schema"]).context("the request body")?),
                    None => None,
                };
                Some(BodySpec { required: body["required"] == true, json })
            }
        };
        let mut responses = BTreeMap::new();
        for (status, response) in operation["responses"].as_object().context("no `responses`")? {
            let status: u16 = status.parse().with_context(|| format!("response status `{status}`"))?;
            let validator = match response["content"].get("application/json") {
                Some(media) => Some(compile(&media["schema"]).with_context(|| format!("response {status}"))?),
                None => None,
            };
            responses.insert(status, validator);
        }
        let uploads = operation["servers"]
            .as_array()
            .is_some_and(|servers| servers.iter().any(|server| server["url"] == "https://uploads.github.com"));
        Ok(Operation {
            id,
            method: method.to_ascii_uppercase(),
            template: template.to_string(),
            docs_url: operation["externalDocs"]["url"].as_str().unwrap_or("https://docs.github.com/rest").to_string(),
            uploads,
            segments,
            parameters,
            body,
            responses,
        })
    }

    /// The raw path parameters and the number of literal segments, when `segments` fits.
    fn matches(&self, segments: &[&str]) -> Option<(BTreeMap<String, String>, usize)> {
        let mut parameters = BTreeMap::new();
        let mut literals = 0;
        let mut position = 0;
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(literal) => {
                    if segments.get(position) != Some(&literal.as_str()) {
                        return None;
                    }
                    literals += 1;
                    position += 1;
                }
                Segment::Parameter { name, multi } => {
                    let after = self.segments.len() - index - 1;
                    let take = if *multi { segments.len().checked_sub(position + after)? } else { 1 };
                    let value = segments.get(position..position + take)?.join("/");
                    if take == 0 || value.is_empty() {
                        return None;
                    }
                    parameters.insert(name.clone(), value);
                    position += take;
                }
            }
        }
        (position == segments.len()).then_some((parameters, literals))
    }

    /// Everything wrong with a request for this operation; empty when it is as documented.
    /// `path_parameters` are decoded already; `query` pairs too.
    pub(crate) fn check_request(
        &self,
        path_parameters: &BTreeMap<String, String>,
        query: &[(String, String)],
        body: &Body,
        content_type: Option<&str>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for parameter in &self.parameters {
            let values: Vec<&str> = if parameter.in_path {
                path_parameters.get(&parameter.name).map(String::as_str).into_iter().collect()
            } else {
                query.iter().filter(|(name, _)| *name == parameter.name).map(|(_, value)| value.as_str()).collect()
            };
            let place = if parameter.in_path { "path" } else { "query" };
            if values.is_empty() && parameter.required {
                problems.push(format!("{place} parameter `{}` is required", parameter.name));
            }
            for value in values {
                if let Err(message) = validate(&parameter.validator, &parameter.kind.read(value)) {
                    problems.push(format!("{place} parameter `{}` = {value:?}: {message}", parameter.name));
                }
            }
        }
        match (&self.body, body) {
            (None, Body::Empty) => {}
            (None, _) => problems.push("the operation takes no request body, and one was sent".to_string()),
            (Some(spec), Body::Empty) => {
                if spec.required {
                    problems.push("the request body is required, and none was sent".to_string());
                }
            }
            (Some(BodySpec { json: Some(validator), .. }), Body::Json(value)) => {
                if let Err(message) = validate(validator, value) {
                    problems.push(format!("request body: {message}"));
                }
            }
            (Some(BodySpec { json: Some(_), .. }), Body::NotJson(error)) => {
                problems.push(format!("the request body is not JSON: {error}"));
            }
            (Some(BodySpec { json: Some(_), .. }), Body::Raw(length)) => {
                problems.push(format!("the request body is {length} bytes of something other than JSON"));
            }
            (Some(BodySpec { json: None, .. }), _) => {
                // The upload's raw bytes: GitHub's description asks for their media type.
                if content_type.is_none_or(str::is_empty) {
                    problems.push("the `Content-Type` header is required for the raw body".to_string());
                }
            }
        }
        problems
    }

    /// Whether this operation's body is raw bytes rather than JSON.
    pub(crate) fn takes_raw_body(&self) -> bool {
        self.body.as_ref().is_some_and(|body| body.json.is_none())
    }
}

impl Kind {
    /// A parameter's text as the JSON value its schema describes; text that does not parse
    /// stays a string, so the schema check reports it.
    fn read(self, text: &str) -> Value {
        let parsed = match self {
            Kind::Integer => text.parse::<i64>().ok().map(Value::from),
            Kind::Number => text.parse::<f64>().ok().map(Value::from),
            Kind::Boolean => text.parse::<bool>().ok().map(Value::from),
            Kind::Text => None,
        };
        parsed.unwrap_or_else(|| Value::String(text.to_string()))
    }
}

impl std::fmt::Display for Body {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Empty => formatter.write_str("empty"),
            Body::Json(_) => formatter.write_str("JSON"),
            Body::NotJson(error) => write!(formatter, "not JSON ({error})"),
            Body::Raw(length) => write!(formatter, "{length} bytes"),
        }
    }
}

fn compile(schema: &Value) -> Result<Validator> {
    if !schema.is_object() && !schema.is_boolean() {
        bail!("not a schema: {schema}");
    }
    options().build(schema).map_err(|error| anyhow!("invalid schema: {error}"))
}

fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        // GitHub answers `""` for an unset URL that its description types `format: uri` (a
        // deployment status's `target_url`), so the empty string counts as one here.
        .with_format("uri", |text: &str| text.is_empty() || strict_uri().is_valid(&Value::String(text.into())))
}

fn strict_uri() -> &'static Validator {
    static STRICT: OnceLock<Validator> = OnceLock::new();
    STRICT.get_or_init(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({"type": "string", "format": "uri"}))
            .expect("a constant schema")
    })
}

/// The validator's complaints, each with where in the instance it is.
fn validate(validator: &Validator, instance: &Value) -> Result<(), String> {
    let messages: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| {
            let mut message = error.to_string();
            if message.len() > 300 {
                let cut = (0..=300).rev().find(|index| message.is_char_boundary(*index)).unwrap_or(0);
                message.truncate(cut);
                message.push_str("...");
            }
            let at = error.instance_path().to_string();
            format!("{message} (at {})", if at.is_empty() { "/" } else { &at })
        })
        .collect();
    if messages.is_empty() { Ok(()) } else { Err(messages.join("; ")) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Lookup, description_path, shared};

    #[test]
    fn responses_missing_required_fields_are_refused() {
        let description = shared().expect("the description loads");
        let Lookup::Found { operation, .. } = description.lookup("GET", "/repos/o/r/releases/1", false) else {
            panic!("get-release is documented")
        };
        let error = description.check_response(operation, 200, Some(&json!({"id": 1}))).expect_err("incomplete");
        assert!(error.contains("\"author\" is a required property"), "{error}");
        assert!(description.check_response(operation, 404, Some(&json!({"message": "Not Found"}))).is_ok());
        let error = description.check_response(operation, 404, Some(&json!({"message": 1}))).expect_err("not a string");
        assert!(error.contains("(at /message)"), "{error}");
        assert!(description_path().ends_with("fixtures/github/openapi.json"));
    }

    #[test]
    fn multi_segment_tags_take_the_rest_of_the_path() {
        let description = shared().expect("the description loads");
        let Lookup::Found { operation, path_parameters } =
            description.lookup("GET", "/repos/o/r/releases/tags/api/v1.0.0", false)
        else {
            panic!("get-release-by-tag is documented")
        };
        assert_eq!(operation.id, "repos/get-release-by-tag");
        assert_eq!(path_parameters["tag"], "api/v1.0.0");
    }
}
