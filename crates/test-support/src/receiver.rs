//! A real HTTP receiver on loopback for notification tests: it records every request it gets,
//! and answers 200, fails with a status, or hangs (never answers), as the test sets it.

use std::sync::{Arc, Mutex};

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    Fail(u16),
    /// Reads the request and never answers (the connection stays open until the receiver drops).
    Hang,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub body: serde_json::Value,
    /// The `Idempotency-Key` header.
    pub key: Option<String>,
    /// How it was answered.
    pub mode: Mode,
}

pub struct Receiver {
    pub url: String,
    server: Arc<tiny_http::Server>,
    mode: Arc<Mutex<Mode>>,
    received: Arc<Mutex<Vec<Received>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    pub fn start(mode: Mode) -> Receiver {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("a loopback port"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let mode = Arc::new(Mutex::new(mode));
        let received = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, mode, received) = (server.clone(), mode.clone(), received.clone());
            std::thread::spawn(move || {
                let mut hanging = Vec::new();
                for mut request in server.incoming_requests() {
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let key = request
                        .headers()
                        .iter()
                        .find(|header| header.field.equiv("Idempotency-Key"))
                        .map(|header| header.value.to_string());
                    let now = *mode.lock().unwrap();
                    received.lock().unwrap().push(Received {
                        path: request.url().to_string(),
                        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                        key,
                        mode: now,
                    });
                    match now {
                        Mode::Accept => drop(request.respond(tiny_http::Response::from_string("ok"))),
                        Mode::Fail(status) => {
                            drop(request.respond(tiny_http::Response::from_string("no").with_status_code(status)))
                        }
                        Mode::Hang => hanging.push(request),
                    }
                }
            })
        };
        Receiver { url: format!("http://127.0.0.1:{port}/hook"), server, mode, received, thread: Some(thread) }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
