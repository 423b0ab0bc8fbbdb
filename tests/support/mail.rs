//! The mail a test server sent: its `mail_transport` is a folder of
//! `.eml` files (RFC 5322, as lettre's file transport writes them), one
//! temporary folder per test shared by its replicas.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long [`MailFolder::wait_for`] waits for the delivery worker.
const DELIVERY_WAIT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct MailFolder {
    pub dir: PathBuf,
}

/// One mail: its headers (unfolded) and its body (transfer encoding
/// undone).
#[derive(Debug, Clone)]
pub struct Eml {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl MailFolder {
    /// Every complete mail in the folder.
    pub fn all(&self) -> Vec<Eml> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|path| path.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .filter_map(|text| Eml::parse(&text))
            .collect()
    }

    /// The mails to `recipient`.
    pub fn to(&self, recipient: &str) -> Vec<Eml> {
        self.all()
            .into_iter()
            .filter(|mail| mail.header("To").is_some_and(|to| to.contains(recipient)))
            .collect()
    }

    /// Waits (bounded) until `count` mails to `recipient` were delivered,
    /// and returns them.
    pub fn wait_for_count(&self, recipient: &str, count: usize) -> Vec<Eml> {
        let start = Instant::now();
        loop {
            let found = self.to(recipient);
            if found.len() >= count {
                return found;
            }
            assert!(
                start.elapsed() < DELIVERY_WAIT,
                "{} of {count} mails to {recipient} after {DELIVERY_WAIT:?}; the folder has {:?}",
                found.len(),
                self.all()
                    .iter()
                    .map(|m| m.header("To").unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (bounded) for the first mail to `recipient`.
    pub fn wait_for(&self, recipient: &str) -> Eml {
        self.wait_for_count(recipient, 1).remove(0)
    }
}

impl Eml {
    /// `None` for a file still being written.
    fn parse(text: &str) -> Option<Self> {
        let (head, body) = text.split_once("\r\n\r\n")?;
        if !text.ends_with("\r\n") {
            return None;
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                let (_, value) = headers.last_mut()?;
                value.push_str(line.trim_start());
            } else {
                let (name, value) = line.split_once(':')?;
                headers.push((name.to_owned(), value.trim().to_owned()));
            }
        }
        let mut mail = Self {
            headers,
            body: String::new(),
        };
        mail.body = match mail.header("Content-Transfer-Encoding") {
            Some(encoding) if encoding.eq_ignore_ascii_case("quoted-printable") => {
                decode_quoted_printable(body)
            }
            _ => body.to_owned(),
        };
        Some(mail)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first `https://` link of the body.
    pub fn link(&self) -> String {
        let start = self.body.find("https://").expect("a link in the mail");
        self.body[start..]
            .split_whitespace()
            .next()
            .expect("a link")
            .to_owned()
    }

    /// The `token` of the mail's link.
    pub fn token(&self) -> String {
        let link = self.link();
        let (_, token) = link.split_once("?token=").expect("a token in the link");
        token.to_owned()
    }
}

/// RFC 2045 §6.7: soft line breaks go, `=XX` is a byte.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
