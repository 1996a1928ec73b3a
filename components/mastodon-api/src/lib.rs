//! The Mastodon client API as a `wasi:http` component.
//!
//! The host routes `/api/*`, `/.well-known/nodeinfo` and `/nodeinfo/*` here (see the
//! built-in manifest in `host/src/manifest.rs`). Files under `routes/` mirror URLs.

mod instance_info;
mod routes;

use aerie_guest::http::{self, Request, Response};
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct MastodonApi;

wasip2::http::proxy::export!(MastodonApi);

impl wasip2::exports::http::incoming_handler::Guest for MastodonApi {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        http::serve(request, out, route);
    }
}

fn route(request: Request) -> Response {
    let path = request.path.trim_end_matches('/');
    match (request.method.as_str(), path) {
        ("GET" | "HEAD", "/api/v1/instance") => routes::api::v1::instance::get(&request),
        ("GET" | "HEAD", "/api/v2/instance") => routes::api::v2::instance::get(&request),
        ("GET" | "HEAD", "/.well-known/nodeinfo") => routes::nodeinfo::discovery(&request),
        ("GET" | "HEAD", "/nodeinfo/2.1") => routes::nodeinfo::document(&request, "2.1"),
        ("GET" | "HEAD", "/nodeinfo/2.0") => routes::nodeinfo::document(&request, "2.0"),
        _ => Response::not_found(),
    }
}
