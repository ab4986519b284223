//! A server that answers from a script, one connection per answer, for sequences the test
//! service has no mode for.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone)]
pub enum Reply {
    /// A status and a body.
    Answer(u16, String),
    /// Reads the request, then closes the connection without a word.
    Close,
}

pub fn answer(status: u16) -> Reply {
    Reply::Answer(status, format!("{{\"status\":{status}}}"))
}

pub struct Scripted {
    port: u16,
    served: Arc<AtomicUsize>,
}

impl Scripted {
    /// Answers the n-th connection with `script[n % script.len()]`: the script repeats.
    pub fn start(script: Vec<Reply>) -> Scripted {
        assert!(!script.is_empty());
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&served);
        // The thread outlives the test, blocked in accept; the process ends it.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let number = counter.fetch_add(1, Ordering::SeqCst);
                reply(&mut stream, &script[number % script.len()]);
            }
        });
        Scripted { port, served }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/health", self.port)
    }

    /// How many connections were answered (or closed).
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

fn reply(stream: &mut TcpStream, reply: &Reply) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(read) => head.extend_from_slice(&buffer[..read]),
        }
    }
    if let Reply::Answer(status, body) = reply {
        let response =
            format!("HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        let _ = stream.write_all(response.as_bytes());
    }
}
