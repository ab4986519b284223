//! An answer as the fake builds it, before it becomes an HTTP response.

use serde_json::Value;

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: ReplyBody,
    pub(crate) headers: Vec<(String, String)>,
}

pub(crate) enum ReplyBody {
    Empty,
    Json(Value),
    Bytes { content_type: String, bytes: Vec<u8> },
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply { status, body: ReplyBody::Json(body), headers: Vec::new() }
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply { status, body: ReplyBody::Empty, headers: Vec::new() }
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The headers GitHub sends with every answer, where the reply has not set its own.
    pub(crate) fn add_standard_headers(&mut self, number: u64) {
        let remaining = 5000u64.saturating_sub(number).to_string();
        let reset = (crate::EPOCH + 3600).to_string();
        let standard = [
            ("x-github-request-id", format!("FAKE:{number:08X}")),
            ("x-github-api-version-selected", "2022-11-28".to_string()),
            ("x-ratelimit-limit", "5000".to_string()),
            ("x-ratelimit-remaining", remaining),
            ("x-ratelimit-reset", reset),
            ("x-ratelimit-used", number.to_string()),
            ("x-ratelimit-resource", "core".to_string()),
        ];
        for (name, value) in standard {
            if !self.headers.iter().any(|(existing, _)| existing.eq_ignore_ascii_case(name)) {
                self.headers.push((name.to_string(), value));
            }
        }
    }

    pub(crate) fn into_response(self) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        let (content_type, bytes) = match self.body {
            ReplyBody::Empty => (None, Vec::new()),
            ReplyBody::Json(value) => {
                (Some("application/json; charset=utf-8".to_string()), value.to_string().into_bytes())
            }
            ReplyBody::Bytes { content_type, bytes } => (Some(content_type), bytes),
        };
        let mut response = tiny_http::Response::from_data(bytes).with_status_code(self.status);
        let headers = content_type.map(|value| ("Content-Type".to_string(), value)).into_iter().chain(self.headers);
        for (name, value) in headers {
            if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(header);
            }
        }
        response
    }
}
