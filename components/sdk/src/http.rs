//! A small request/response layer over WASI 0.2 `wasi:http`.
//!
//! Handlers receive a [`Request`] with the body already read (the host caps body
//! size before the component runs) and return a [`Response`]; [`serve`] does the
//! stream plumbing. Errors follow Mastodon's shape: `{"error": "..."}`.

use std::io::{Read as _, Write as _};

use wasip2::http::types::{Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};

/// The host-set headers with the public scheme and host (see `aerie_contract::headers`).
pub use aerie_contract::headers::{HOST as HOST_HEADER, SCHEME as SCHEME_HEADER};

/// Largest body buffer reserved up front from `Content-Length`.
const MAX_PRESIZED_BODY: usize = 64 << 20;

/// An incoming request, read whole.
pub struct Request {
    /// The method in upper case (`GET`, `POST`, ...).
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Every header as received, names as sent (read them with [`Request::header`]).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The whole body (the host caps its size before the component runs).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (case-insensitive) as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// The public host name of this request (`social.example` or `127.0.0.1:8080`),
    /// checked to be a plain authority; `None` when the host sent none.
    pub fn host(&self) -> Option<&str> {
        self.header(HOST_HEADER).filter(|h| !h.is_empty() && !h.contains(['/', ' ', '<', '>', '"', '\\', '?', '#', '@']))
    }

    /// `scheme://host` as the client reached the instance.
    pub fn base_url(&self) -> Option<String> {
        self.host().map(|host| format!("{}://{host}", self.scheme()))
    }

    /// The public scheme of this request as the host determined it.
    pub fn scheme(&self) -> &str {
        match self.header(SCHEME_HEADER) {
            Some("https") => "https",
            _ => "http",
        }
    }
}

/// A response to send.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// Headers to send; `content-length` is added when missing.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::to_json(status, value)
    }

    /// A JSON response with a specific content type (for example NodeInfo's profile).
    pub fn json_as(status: u16, content_type: &str, value: &serde_json::Value) -> Self {
        let mut response = Response::json(status, value);
        response.headers[0].1 = content_type.to_string();
        response
    }

    /// A Mastodon-style error: `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Self {
        Response::json(status, &serde_json::json!({ "error": message }))
    }

    /// 404 with a Mastodon-style body.
    pub fn not_found() -> Self {
        Response::error(404, "Record not found")
    }
}

fn method_name(method: &Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other.to_ascii_uppercase(),
    }
}

fn read_request(request: IncomingRequest) -> Result<Request, String> {
    let method = method_name(&request.method());
    let path_with_query = request.path_with_query().unwrap_or_else(|| "/".into());
    let (path, query) = match path_with_query.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (path_with_query, String::new()),
    };
    let headers = request.headers().entries();
    let mut body = Vec::new();
    // Sized once from Content-Length (the host caps the body before the component
    // runs), so a large upload is not copied while the buffer doubles.
    let length = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| std::str::from_utf8(v).ok());
    if let Some(length) = length.and_then(|l| l.trim().parse::<usize>().ok()) {
        body.reserve_exact(length.min(MAX_PRESIZED_BODY));
    }
    if let Ok(incoming) = request.consume() {
        if let Ok(mut stream) = incoming.stream() {
            stream.read_to_end(&mut body).map_err(|e| format!("reading the body: {e}"))?;
        }
        IncomingBody::finish(incoming);
    }
    Ok(Request { method, path, query, headers, body })
}

fn write_response(out: ResponseOutparam, response: Response) {
    let mut fields: Vec<(String, Vec<u8>)> = response.headers.into_iter().map(|(n, v)| (n, v.into_bytes())).collect();
    // The whole body is known, so say its length: the client then reads it without
    // chunked framing, and the host checks that exactly this much is written.
    // (204 and 304 answers carry no body and must not say a length.)
    if !matches!(response.status, 204 | 304) && !fields.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
        fields.push(("content-length".into(), response.body.len().to_string().into_bytes()));
    }
    let headers = Fields::from_list(&fields).unwrap_or_else(|_| Fields::new());
    let outgoing = OutgoingResponse::new(headers);
    let _ = outgoing.set_status_code(response.status);
    let Ok(body) = outgoing.body() else { return };
    ResponseOutparam::set(out, Ok(outgoing));
    if let Ok(mut stream) = body.write() {
        let _ = stream.write_all(&response.body);
        let _ = stream.flush();
    }
    let _ = OutgoingBody::finish(body, None);
}

/// Reads `request`, runs `handler` and writes its answer to `out`.
pub fn serve(request: IncomingRequest, out: ResponseOutparam, handler: impl FnOnce(Request) -> Response) {
    let response = match read_request(request) {
        Ok(request) => handler(request),
        Err(reason) => Response::error(400, &reason),
    };
    write_response(out, response);
}

impl Response {
    /// A JSON response from any serializable value.
    pub fn to_json<T: serde::Serialize>(status: u16, value: &T) -> Self {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: crate::json::to_vec(value).unwrap_or_default(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }
}

/// A database failure at the HTTP edge: the cause goes to the log, the client gets
/// a safe 503 (so handlers can use `?` on database calls).
#[cfg(feature = "db")]
impl From<crate::db::Error> for Response {
    fn from(error: crate::db::Error) -> Response {
        crate::log::warn(&format!("database call failed: {error}"));
        Response::error(503, "The instance database is unavailable, try again shortly")
    }
}
