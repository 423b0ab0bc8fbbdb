use serde_json::Value;

/// A request to the test server.
pub struct Request {
    inner: ureq::Request,
}

/// What the server answered, whatever the status.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    headers: Vec<(String, String)>,
    pub text: String,
}

impl Request {
    pub(crate) fn new(method: &str, url: &str, host: &str) -> Self {
        Self {
            inner: ureq::request(method, url).set("Host", host),
        }
    }

    pub fn bearer(self, token: &str) -> Self {
        Self {
            inner: self.inner.set("Authorization", &format!("Bearer {token}")),
        }
    }

    pub fn header(self, name: &str, value: &str) -> Self {
        Self {
            inner: self.inner.set(name, value),
        }
    }

    /// Appends a query-string parameter, percent-encoded.
    pub fn query(self, name: &str, value: &str) -> Self {
        Self {
            inner: self.inner.query(name, value),
        }
    }

    pub fn send(self) -> Response {
        Response::from(self.inner.call())
    }

    pub fn json(self, body: &Value) -> Response {
        Response::from(self.inner.send_json(body))
    }

    /// A raw body with the given content type.
    pub fn body(self, content_type: &str, body: &[u8]) -> Response {
        Response::from(
            self.inner
                .set("Content-Type", content_type)
                .send_bytes(body),
        )
    }

    pub fn form(self, fields: &[(&str, &str)]) -> Response {
        Response::from(self.inner.send_form(fields))
    }
}

impl From<Result<ureq::Response, ureq::Error>> for Response {
    fn from(result: Result<ureq::Response, ureq::Error>) -> Self {
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(other) => panic!("request failed before any answer: {other}"),
        };
        let status = response.status();
        let content_type = response.header("content-type").unwrap_or("").to_owned();
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|name| response.header(&name).map(|v| (name.clone(), v.to_owned())))
            .collect();
        let text = response.into_string().unwrap_or_default();
        Self {
            status,
            content_type,
            headers,
            text,
        }
    }
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a problem+json answer of `status` whose type ends in `kind`.
    #[track_caller]
    pub fn expect_problem(self, status: u16, kind: &str) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.content_type, "application/problem+json",
            "body: {}",
            self.text
        );
        let body = self.json();
        let kind_found = body["type"].as_str().unwrap_or("");
        assert!(
            kind_found.ends_with(&format!("/{kind}")),
            "problem type {kind_found} is not {kind}"
        );
        assert_eq!(body["status"], status);
        body
    }

    /// The fields named by a validation problem.
    #[track_caller]
    pub fn field_errors(self) -> Vec<String> {
        let body = self.expect_problem(400, "validation");
        body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}
