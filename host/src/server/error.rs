//! Mastodon-style JSON errors: `{"error": "..."}` with the right status.

use axum::body::Body;

/// A JSON error response.
pub fn json_error(status: u16, message: &str) -> http::Response<Body> {
    let body = serde_json::json!({ "error": message }).to_string();
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body))
        .expect("a static response is valid")
}
