//! How the fake answers one request, in named steps: `serve` reads it off the socket,
//! `process` inspects it against GitHub's description (`inspect`), records it (`record`),
//! injects a scheduled fault or answers from the state (`answer`), and checks the response
//! (`checked`). A panic inside is a violation, never a dead server.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{MutexGuard, PoisonError};

use serde_json::Value;

use super::description::{Body, Description, Lookup, Operation};
use super::reply::{Reply, ReplyBody};
use super::state::Call;
use super::{Fault, Incoming, Inner, RATE_LIMIT_DOCS, RecordedBody, RecordedRequest, Shared, UPLOADS_PREFIX, objects};

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while serving is recorded as a violation; the state stays usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn serve(&self, mut request: tiny_http::Request) {
        let header = |name: &str| {
            let found =
                request.headers().iter().find(|header| header.field.as_str().as_str().eq_ignore_ascii_case(name));
            found.map(|header| header.value.as_str().to_string())
        };
        let mut incoming = Incoming {
            method: request.method().as_str().to_ascii_uppercase(),
            url: request.url().to_string(),
            authorization: header("Authorization"),
            content_type: header("Content-Type"),
            bytes: Vec::new(),
        };
        let read = request.as_reader().read_to_end(&mut incoming.bytes);
        let reply = match read {
            Err(error) => Reply::json(400, objects::error(&format!("reading the body: {error}"), DOCS, 400)),
            Ok(_) => catch_unwind(AssertUnwindSafe(|| self.lock().process(&self.description, incoming)))
                .unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("a panic");
                    self.lock().violations.push(format!("the fake itself failed: {message}"));
                    Reply::json(500, objects::error(&format!("fake github: {message}"), DOCS, 500))
                }),
        };
        let _ = request.respond(reply.into_response());
    }
}

const DOCS: &str = "https://docs.github.com/rest";

/// A request as the fake understood it: its operation (if GitHub documents one), its parts, and
/// what in it breaks GitHub's description.
struct Inspected<'d> {
    raw_path: String,
    raw_query: String,
    query: Vec<(String, String)>,
    /// A release asset download (`/OWNER/REPO/releases/download/TAG/NAME`): (tag, name).
    download: Option<(String, String)>,
    operation: Option<&'d Operation>,
    body: Body,
    path_parameters: BTreeMap<String, String>,
    problems: Vec<String>,
}

impl Inspected<'_> {
    fn docs_url(&self) -> &str {
        self.operation.map_or(DOCS, |operation| operation.docs_url.as_str())
    }
}

impl Inner {
    fn process(&mut self, description: &Description, incoming: Incoming) -> Reply {
        self.received += 1;
        let number = self.received;
        let inspected = self.inspect(description, &incoming);
        self.record(&incoming, &inspected);
        let fault = self.faults.remove(&number);
        let lost_answer = match fault {
            Some(Fault::AfterHandling(status)) => Some(status),
            _ => None,
        };
        let docs_url = inspected.docs_url().to_string();
        let mut reply = match fault.filter(|_| lost_answer.is_none()) {
            Some(fault) => {
                let reply = fault.reply(&docs_url, number);
                self.checked(description, inspected.operation, reply)
            }
            None => self.answer(description, &incoming, &inspected),
        };
        if let Some(status) = lost_answer {
            reply = Fault::Status(status).reply(&docs_url, number);
        }
        reply.add_standard_headers(number);
        if let Some(recorded) = self.requests.last_mut() {
            recorded.status = reply.status;
        }
        reply
    }

    /// Finds the request's operation in the description and checks the request against it.
    fn inspect<'d>(&self, description: &'d Description, incoming: &Incoming) -> Inspected<'d> {
        let (raw_path, raw_query) = incoming.url.split_once('?').unwrap_or((&incoming.url, ""));
        let query = parse_query(raw_query);
        let (uploads, api_path) = match raw_path.strip_prefix(UPLOADS_PREFIX) {
            Some(rest) if rest.starts_with('/') => (true, rest),
            _ => (false, raw_path),
        };
        let download = (incoming.method == "GET" && !uploads).then(|| self.state.download_target(raw_path)).flatten();
        let lookup = match download {
            Some(_) => None,
            None => Some(description.lookup(&incoming.method, api_path, uploads)),
        };
        let (operation, path_parameters) = match &lookup {
            Some(Lookup::Found { operation, path_parameters }) => (
                Some(*operation),
                path_parameters.iter().map(|(name, value)| (name.clone(), percent_decode(value, false))).collect(),
            ),
            _ => (None, BTreeMap::new()),
        };
        let body = read_body(&incoming.bytes, operation);
        let problems = match &lookup {
            Some(Lookup::Found { operation, .. }) => {
                operation.check_request(&path_parameters, &query, &body, incoming.content_type.as_deref())
            }
            Some(Lookup::Undocumented { reason }) => vec![reason.clone()],
            None => Vec::new(),
        };
        Inspected {
            raw_path: raw_path.to_string(),
            raw_query: raw_query.to_string(),
            query,
            download,
            operation,
            body,
            path_parameters,
            problems,
        }
    }

    /// Keeps the request, and the ways it breaks GitHub's description, for the test to read.
    fn record(&mut self, incoming: &Incoming, inspected: &Inspected<'_>) {
        let label = inspected.operation.map_or_else(
            || "(no operation)".to_string(),
            |operation| format!("{} ({} {})", operation.id, operation.method, operation.template),
        );
        for problem in &inspected.problems {
            self.violations.push(format!("{label} request: {problem}"));
        }
        self.requests.push(RecordedRequest {
            method: incoming.method.clone(),
            path: percent_decode(&inspected.raw_path, false),
            query: inspected.query.clone(),
            body: match &inspected.body {
                Body::Empty => RecordedBody::Empty,
                Body::Json(value) => RecordedBody::Json(value.clone()),
                Body::NotJson(_) | Body::Raw(_) => RecordedBody::Bytes(incoming.bytes.len()),
            },
            operation: inspected.operation.map(|operation| operation.id.clone()),
            status: 0,
        });
    }

    /// GitHub's answer: an error for a request that breaks the description, a download, the
    /// 401 or 403 of the token, or the operation's own answer, checked against the description.
    fn answer(&mut self, description: &Description, incoming: &Incoming, inspected: &Inspected<'_>) -> Reply {
        let docs_url = inspected.docs_url();
        let operation = inspected.operation;
        if !inspected.problems.is_empty() {
            let status = if operation.is_some() { 400 } else { 404 };
            let message =
                format!("fake github: the request breaks GitHub's description: {}", inspected.problems.join("; "));
            return Reply::json(status, objects::error(&message, docs_url, status));
        }
        if let Some((tag, name)) = &inspected.download {
            return self.state.download(tag, name);
        }
        if let Some(reply) = self.authenticate(incoming.authorization.as_deref(), docs_url) {
            return self.checked(description, operation, reply);
        }
        let reply = if incoming.method != "GET"
            && let (Some(prefix), Some(operation)) = (&self.read_only, operation)
            && operation.id.starts_with(prefix.as_str())
        {
            Reply::json(403, objects::error("Resource not accessible by integration", docs_url, 403))
        } else {
            let operation = operation.expect("a request without problems matched an operation");
            self.state.handle(&Call {
                operation: &operation.id,
                docs_url,
                path: &inspected.path_parameters,
                query: &inspected.query,
                raw_query: &inspected.raw_query,
                request_path: &inspected.raw_path,
                json: match &inspected.body {
                    Body::Json(value) => value,
                    _ => &Value::Null,
                },
                bytes: &incoming.bytes,
                content_type: incoming.content_type.as_deref(),
            })
        };
        self.checked(description, operation, reply)
    }

    /// The reply, checked against the operation's documented responses when there is one.
    fn checked(&mut self, description: &Description, operation: Option<&Operation>, reply: Reply) -> Reply {
        match operation {
            Some(operation) => self.check_response(description, operation, reply),
            None => reply,
        }
    }

    /// `None` when the request may go on, or GitHub's 401.
    fn authenticate(&self, authorization: Option<&str>, docs_url: &str) -> Option<Reply> {
        let token = self.token.as_deref()?;
        let message = match authorization.and_then(|value| value.split_once(' ')) {
            None => "Requires authentication",
            Some((scheme, given))
                if (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
                    && given.trim() == token =>
            {
                return None;
            }
            Some(_) => "Bad credentials",
        };
        Some(Reply::json(401, objects::error(message, docs_url, 401)))
    }

    fn check_response(&mut self, description: &Description, operation: &Operation, reply: Reply) -> Reply {
        let body = match &reply.body {
            ReplyBody::Json(value) => Some(value),
            ReplyBody::Empty => None,
            // Only asset downloads send bytes, and they are not an operation.
            ReplyBody::Bytes { .. } => return reply,
        };
        match description.check_response(operation, reply.status, body) {
            Ok(()) => reply,
            Err(message) => {
                let label = format!("{} ({} {})", operation.id, operation.method, operation.template);
                self.violations.push(format!("{label} response {}: {message}", reply.status));
                let message = format!("fake github: the response breaks GitHub's description: {message}");
                Reply::json(500, objects::error(&message, &operation.docs_url, 500))
            }
        }
    }
}

impl Fault {
    fn reply(self, docs_url: &str, number: u64) -> Reply {
        match self {
            Fault::Status(status) if status >= 400 => {
                Reply::json(status, objects::error(reason(status), docs_url, status))
            }
            Fault::Status(status) | Fault::AfterHandling(status) => Reply::empty(status),
            Fault::RateLimit { reset } => {
                let message = format!(
                    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include \
                     the request ID FAKE:{number:08X}."
                );
                Reply::json(403, objects::error(&message, RATE_LIMIT_DOCS, 403))
                    .header("x-ratelimit-limit", "5000")
                    .header("x-ratelimit-remaining", "0")
                    .header("x-ratelimit-reset", &reset.to_string())
                    .header("x-ratelimit-used", "5000")
                    .header("x-ratelimit-resource", "core")
            }
        }
    }
}

/// GitHub's message for an error status.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Bad credentials",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        410 => "Gone",
        422 => "Validation Failed",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        500..=599 => "Server Error",
        _ => "Error",
    }
}

fn read_body(bytes: &[u8], operation: Option<&Operation>) -> Body {
    if bytes.is_empty() {
        Body::Empty
    } else if operation.is_some_and(Operation::takes_raw_body) {
        Body::Raw(bytes.len())
    } else {
        match serde_json::from_slice(bytes) {
            Ok(value) => Body::Json(value),
            Err(error) => Body::NotJson(error.to_string()),
        }
    }
}

/// `a=1&b=x%20y` as decoded pairs (`+` is a space in a query).
fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name, true), percent_decode(value, true))
        })
        .collect()
}

pub(super) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |offset: usize| bytes.get(index + offset).and_then(|byte| (*byte as char).to_digit(16));
        match bytes[index] {
            b'%' if hex(1).is_some() && hex(2).is_some() => {
                out.push((hex(1).unwrap_or(0) * 16 + hex(2).unwrap_or(0)) as u8);
                index += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{parse_query, percent_decode};

    #[test]
    fn decodes_paths_and_queries() {
        assert_eq!(percent_decode("api%2Fv1.0.0", false), "api/v1.0.0");
        assert_eq!(percent_decode("a+b%", false), "a+b%");
        assert_eq!(
            parse_query("name=my+file%20.tar.gz&label=&page"),
            vec![
                ("name".to_string(), "my file .tar.gz".to_string()),
                ("label".to_string(), String::new()),
                ("page".to_string(), String::new())
            ]
        );
    }
}
