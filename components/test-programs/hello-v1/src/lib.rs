//! Test program: answers {"version": 1}; two builds let tests swap one for the other.

use aerie_sdk::http::{Request, Response};

#[aerie_sdk::http_component]
fn handle(_request: Request) -> Response {
    Response::json(200, &serde_json::json!({ "version": 1 }))
}
