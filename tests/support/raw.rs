//! A raw HTTP/1.1 connection, for what a polite client cannot send: header
//! values no library would write, requests that stop halfway.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub struct RawConnection {
    stream: TcpStream,
}

/// A response as read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

impl RawConnection {
    /// Connects to the server at `base` (`http://127.0.0.1:PORT`).
    pub fn open(base: &str) -> Self {
        let address = base.trim_start_matches("http://");
        let stream = TcpStream::connect(address).expect("connect to the test server");
        Self { stream }
    }

    pub fn send(&mut self, bytes: &[u8]) -> &mut Self {
        self.stream
            .write_all(bytes)
            .expect("send to the test server");
        self
    }

    /// Reads one response (head, and a body of `Content-Length` bytes),
    /// waiting at most `within`.
    #[track_caller]
    pub fn response(&mut self, within: Duration) -> RawResponse {
        self.stream.set_read_timeout(Some(within)).unwrap();
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(at) = find(&bytes, b"\r\n\r\n") {
                break at + 4;
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!(
                    "the connection closed before a response: {:?}",
                    String::from_utf8_lossy(&bytes)
                ),
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("no response within {within:?}: {e}"),
            }
        };
        let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {head}"));
        let mut response = RawResponse {
            status,
            head,
            body: String::new(),
        };
        let length: usize = response
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while bytes.len() < head_end + length {
            match self.stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("the body did not arrive within {within:?}: {e}"),
            }
        }
        response.body = String::from_utf8_lossy(&bytes[head_end..]).into_owned();
        response
    }

    /// Whether the server closes the connection within `within`, and what it
    /// sent before closing.
    pub fn closed_within(&mut self, within: Duration) -> Result<String, String> {
        let started = Instant::now();
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let left = within.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(String::from_utf8_lossy(&received).into_owned());
            }
            self.stream.set_read_timeout(Some(left)).unwrap();
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(String::from_utf8_lossy(&received).into_owned()),
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset) => {
                    return Ok(String::from_utf8_lossy(&received).into_owned())
                }
                Err(_) => return Err(String::from_utf8_lossy(&received).into_owned()),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
