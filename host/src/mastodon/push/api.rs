//! `/api/v1/push/subscription` (scope `push`): the access token's Web Push
//! subscription, created (replacing any), read, changed (alerts and policy) and
//! removed, answered as Mastodon's `WebPushSubscription` entity.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use http::{HeaderMap, Method};

use super::params::{self, Invalid};
use super::subscriptions::{self, ALERT_TYPES, Subscription};
use crate::mastodon::tokens::{self, Authenticated};
use crate::server::AppState;
use crate::server::error::json_error;

pub const PATH: &str = "/api/v1/push/subscription";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route(PATH, get(handle).post(handle).put(handle).delete(handle))
}

/// Bodies of this route are a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;

async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (token, auth) = match authenticate(&state, &parts.headers, parts.uri.query()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(account) = auth.account_id else {
        return json_error(422, "This method requires an authenticated user");
    };
    let Some(push) = state.runtime.web_push() else {
        return json_error(503, "Web Push is not available on this node");
    };
    let server_key = push.vapid.public_key.clone();
    let db = &state.database;
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return json_error(413, "The request body is too large"),
    };
    let content_type = parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let flat = match params::read(parts.uri.query(), content_type, &body) {
        Ok(flat) => flat,
        Err(why) => return json_error(400, &why),
    };
    let result = match parts.method {
        Method::GET => subscriptions::of_token(db, auth.token_id).await,
        Method::POST => {
            let new = match params::subscription(&flat) {
                Ok(new) => new,
                Err(Invalid::Missing) => return json_error(400, "param is missing or the value is empty: subscription"),
                Err(Invalid::Field(why)) => return json_error(422, &why),
            };
            subscriptions::replace(db, auth.token_id, account, &push.seal.seal(&token), &new).await
        }
        Method::PUT => {
            let (alerts, policy) = match params::data(&flat) {
                Ok(data) => data,
                Err(why) => return json_error(422, &why),
            };
            subscriptions::update(db, auth.token_id, &alerts, &policy).await
        }
        _ => {
            return match subscriptions::delete_of_token(db, auth.token_id).await {
                Ok(()) => axum::Json(serde_json::json!({})).into_response(),
                Err(e) => unavailable(&e),
            };
        }
    };
    match result {
        Ok(Some(subscription)) => axum::Json(entity(&subscription, &server_key)).into_response(),
        Ok(None) => json_error(404, "Record not found"),
        Err(e) => unavailable(&e),
    }
}

fn unavailable(e: &crate::db::DbError) -> Response {
    tracing::error!(error = %e, "web push subscriptions: the database failed");
    json_error(503, "The instance cannot reach its database right now; try again shortly")
}

/// The bearer token (in the clear: a subscription keeps it for the push payload) and
/// what it grants; Mastodon's answers for a missing, bad or too narrow token.
async fn authenticate(state: &AppState, headers: &HeaderMap, query: Option<&str>) -> Result<(String, Authenticated), Response> {
    let Some(token) = tokens::in_request(headers, query) else {
        return Err(json_error(401, "The access token is invalid"));
    };
    match tokens::resolve(&state.database, &token).await {
        Ok(Ok(auth)) if auth.scopes.covers("push") => Ok((token, auth)),
        Ok(Ok(_)) => Err(json_error(403, "This action is outside the authorized scopes")),
        Ok(Err(problem)) => Err(json_error(401, problem.message())),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "web push: resolving a token failed");
            Err(json_error(503, "The instance cannot check access tokens right now; try again shortly"))
        }
    }
}

/// Mastodon's `WebPushSubscription`: `standard` is true because every push is sent
/// as RFC 8291 `aes128gcm`; `alerts` has the types the client named.
pub fn entity(subscription: &Subscription, server_key: &str) -> serde_json::Value {
    let mut alerts = serde_json::Map::new();
    for kind in ALERT_TYPES {
        if let Some(on) = subscription.alerts.get(*kind) {
            alerts.insert((*kind).to_string(), (*on).into());
        }
    }
    serde_json::json!({
        "id": subscription.id,
        "endpoint": subscription.endpoint,
        "standard": true,
        "alerts": alerts,
        "policy": subscription.policy,
        "server_key": server_key,
    })
}
