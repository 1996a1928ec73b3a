//! Cross-origin access for browser clients (Elk, Phanpy, the Mastodon web app), as
//! Mastodon answers it: any origin may call the client API, the token and revoke
//! endpoints, discovery (`/.well-known/*`, `/nodeinfo/*`) and media files, without
//! credentials (the bearer token travels in `Authorization`, never in a cookie).
//!
//! The consent page (`/oauth/authorize`) and the inbox stay same-origin: the first is a
//! form a user submits, the second is for servers. Preflights are answered here, before
//! the dispatcher, so they need no token and do not count against the API rate limit.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderName, Method};
use tower::ServiceExt;
use tower_http::cors::{AllowHeaders, Any, CorsLayer};

/// How long a browser may reuse a preflight's answer (rack-cors' default).
const MAX_AGE: Duration = Duration::from_secs(7200);

/// The response headers a page's script may read: paging and rate-limit state.
const EXPOSED: [&str; 6] = ["link", "x-ratelimit-reset", "x-ratelimit-limit", "x-ratelimit-remaining", "x-request-id", "idempotency-key"];

/// The CORS answer of the paths browsers may call cross-origin.
pub fn layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST, Method::PUT, Method::DELETE, Method::GET, Method::PATCH, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(EXPOSED.map(HeaderName::from_static))
        .max_age(MAX_AGE)
}

/// Whether browsers may call `path` from another origin.
pub fn applies_to(path: &str) -> bool {
    const PREFIXES: [&str; 4] = ["/api/", "/.well-known/", "/nodeinfo/", "/system/"];
    PREFIXES.iter().any(|prefix| path.starts_with(prefix)) || matches!(path, "/oauth/token" | "/oauth/revoke" | "/nodeinfo")
}

/// Middleware: answers preflights and adds the CORS headers on the paths of
/// [`applies_to`]; every other path passes through untouched.
pub async fn enforce(State(cors): State<CorsLayer>, request: Request, next: Next) -> Response {
    if !applies_to(request.uri().path()) {
        return next.run(request).await;
    }
    match tower::Layer::layer(&cors, next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::applies_to;

    #[test]
    fn the_client_api_and_discovery_are_cross_origin_the_consent_page_and_inbox_are_not() {
        for path in [
            "/api/v1/apps",
            "/api/v1/streaming/user",
            "/oauth/token",
            "/oauth/revoke",
            "/.well-known/webfinger",
            "/nodeinfo/2.0",
            "/system/media/a.png",
        ] {
            assert!(applies_to(path), "{path}");
        }
        for path in ["/oauth/authorize", "/inbox", "/users/alice/inbox", "/users/alice", "/health", "/oauth/tokens"] {
            assert!(!applies_to(path), "{path}");
        }
    }
}
