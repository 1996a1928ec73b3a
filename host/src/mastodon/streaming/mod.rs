//! Mastodon's streaming API, served by the host: WebSocket at `/api/v1/streaming`
//! (token by query, `Authorization` or `Sec-WebSocket-Protocol`, echoed back;
//! subscribe/unsubscribe messages) and Server-Sent Events at
//! `/api/v1/streaming/{user,public,public/local,hashtag,direct,...}`.
//!
//! Events arrive from components as ids on the [`crate::events::EventBus`]; the
//! [`hub`] matches them against subscriptions and [`render`]s each one once per
//! distinct viewer by asking the component that serves the API for the entity as that
//! viewer — so visibility, favourited state and filters are the API's own.

// Handlers answer with ready HTTP responses on their error side, as axum does.
#![allow(clippy::result_large_err)]

pub mod channels;
pub mod hub;
pub mod render;
mod sse;
mod websocket;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use http::HeaderMap;

use crate::mastodon::scopes::Scopes;
use crate::server::AppState;
use crate::server::error::json_error;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/streaming", get(websocket::upgrade))
        .route("/api/v1/streaming/", get(websocket::upgrade))
        .route("/api/v1/streaming/health", get(|| async { "OK" }))
        .route("/api/v1/streaming/{*channel}", get(sse::stream))
}

/// Who is listening: the token's account and scopes, or nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listener {
    pub account_id: Option<i64>,
    pub scopes: Scopes,
}

/// Resolves the token of a streaming request (header, query or WebSocket protocol).
/// No token is an anonymous listener; a bad one is refused.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    protocol_token: Option<&str>,
) -> Result<Listener, Response> {
    let token = crate::mastodon::tokens::in_request(headers, query).or(protocol_token.map(str::to_string));
    let Some(token) = token else { return Ok(Listener::default()) };
    match crate::mastodon::tokens::resolve(&state.database, &token).await {
        Ok(Ok(auth)) => Ok(Listener { account_id: auth.account_id, scopes: auth.scopes }),
        Ok(Err(problem)) => Err(json_error(401, problem.message())),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "streaming: resolving a token failed");
            Err(json_error(503, "The instance cannot check access tokens right now"))
        }
    }
}

/// `scheme://host` and the flags the renderer passes on to the component.
#[derive(Debug, Clone)]
pub struct Origin {
    pub https: bool,
    pub host: String,
}

impl Origin {
    pub fn of(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Origin {
        let client = state.trust.client(peer, headers);
        Origin { https: client.https, host: client.host.unwrap_or_else(|| state.web_domain.clone()) }
    }
}

pub(crate) fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?).ok()?.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Refuses a channel the listener may not open, in Mastodon's words.
pub(crate) fn check_access(listener: &Listener, channel: &channels::Channel) -> Result<(), Response> {
    if channel.needs_user() {
        if listener.account_id.is_none() {
            return Err(json_error(401, "Missing access token"));
        }
        let wanted = if channel.is_notifications_only() { "read:notifications" } else { "read:statuses" };
        if !listener.scopes.covers(wanted) {
            return Err(json_error(403, "Access token does not have the required scopes"));
        }
    }
    Ok(())
}

/// Refuses a `list` channel to anyone but the list's owner, in Mastodon's words: the
/// API component is asked for the list as the listener (another account's list is a
/// 404 there). Other channels pass.
pub(crate) async fn check_list(
    state: &AppState,
    listener: &Listener,
    channel: &channels::Channel,
    origin: &Origin,
) -> Result<(), Response> {
    let Some(list) = channel.list_id() else { return Ok(()) };
    let renderer = render::Renderer { runtime: state.runtime.clone(), routes: state.routes.clone() };
    if renderer.may_read(&aerie_contract::events::list_path(list), listener, origin).await {
        Ok(())
    } else {
        Err(json_error(LIST_NOT_FOUND.0, LIST_NOT_FOUND.1))
    }
}

/// Mastodon's streaming server refuses a list the listener does not own as an
/// authentication error.
pub(crate) const LIST_NOT_FOUND: (u16, &str) = (401, "List not found");
