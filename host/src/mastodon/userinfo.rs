//! `GET /oauth/userinfo` (Mastodon 4.4, OpenID Connect's UserInfo): who the token's
//! user is, for apps that only sign people in. It needs the `profile` scope (or
//! `read`, which covers the account); served by the host beside the other OAuth
//! endpoints, since it answers from the token alone.

use std::net::SocketAddr;
use std::sync::Arc;

use aerie_contract::{blob_keys, uris};
use axum::Router;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::HeaderMap;
use serde_json::json;

use super::oauth::base_url;
use super::tokens;
use crate::server::AppState;
use crate::server::error::json_error;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/oauth/userinfo", get(userinfo).post(userinfo))
}

async fn userinfo(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(token) = tokens::in_request(&headers, query.as_deref()) else {
        return json_error(401, "The access token is invalid");
    };
    let auth = match tokens::resolve(&state.database, &token).await {
        Ok(Ok(auth)) => auth,
        Ok(Err(problem)) => return json_error(401, problem.message()),
        Err(error) => {
            tracing::error!("userinfo: {error:#}");
            return json_error(503, "The instance database is unavailable, try again shortly");
        }
    };
    if !(auth.scopes.covers("profile") || auth.scopes.covers("read:accounts")) {
        return json_error(403, "This action is outside the authorized scopes");
    }
    let Some(account_id) = auth.account_id else {
        return json_error(422, "This method requires an authenticated user");
    };
    let rows = match state
        .database
        .query(
            "SELECT username, display_name, uri, url, avatar_key, avatar_url FROM accounts \
             WHERE id = $1 AND domain IS NULL AND deleted_at IS NULL",
            vec![account_id.into()],
        )
        .await
    {
        Ok(rows) if !rows.is_empty() => rows,
        Ok(_) => return json_error(401, "The access token is invalid"),
        Err(error) => {
            tracing::error!("userinfo: {error:#}");
            return json_error(503, "The instance database is unavailable, try again shortly");
        }
    };
    let base = base_url(&state, peer, &headers);
    let username = rows.text(0, "username").unwrap_or_default().to_string();
    let picture = match (rows.text(0, "avatar_key"), rows.text(0, "avatar_url")) {
        (Some(key), _) => blob_keys::url(&base, key),
        (None, Some(url)) => url.to_string(),
        (None, None) => uris::missing_avatar(&base),
    };
    axum::Json(json!({
        "iss": format!("{base}/"),
        "sub": rows.text(0, "uri").map(str::to_string).unwrap_or_else(|| uris::actor(&base, &username)),
        "name": rows.text(0, "display_name").filter(|n| !n.is_empty()).unwrap_or(&username),
        "preferred_username": username,
        "profile": rows.text(0, "url").map(str::to_string).unwrap_or_else(|| uris::profile(&base, &username)),
        "picture": picture,
    }))
    .into_response()
}
