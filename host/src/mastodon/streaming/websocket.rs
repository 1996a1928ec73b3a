//! The WebSocket stream: `GET /api/v1/streaming?stream=user` upgraded. The token comes
//! by query, `Authorization` or as the `Sec-WebSocket-Protocol` (masto.js), which is
//! echoed back. Clients send `{"type": "subscribe", "stream": "hashtag", "tag": "x"}`
//! and `unsubscribe`; the server sends `{"stream": [...], "event": ..., "payload": ...}`,
//! or `{"error": ..., "status": ...}` for a command it refuses (a bad stream, missing
//! scopes, more than [`super::hub::MAX_CHANNELS`] subscriptions); the socket stays open.
//! A plain GET without the upgrade is served as Server-Sent Events.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use serde_json::json;

use super::channels::Channel;
use super::hub::Connection;
use super::{LIST_NOT_FOUND, Listener, Origin, authenticate, check_access, check_list, query_param};
use crate::server::AppState;
use crate::server::error::json_error;

/// How often an idle socket is pinged, so proxies keep it open.
const PING_EVERY: Duration = Duration::from_secs(30);

pub async fn upgrade(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(ws) = ws else {
        let stream = query_param(query.as_deref(), "stream").unwrap_or_default();
        if stream.is_empty() {
            return json_error(400, "Use a WebSocket, or name a stream (?stream=user)");
        }
        return super::sse::open(&state, peer, &stream.replace(':', "/"), &headers, query.as_deref()).await;
    };
    let protocol = headers
        .get(http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').next().unwrap_or("").trim().to_string());
    let protocol = protocol.filter(|p| !p.is_empty());
    let listener = match authenticate(&state, &headers, query.as_deref(), protocol.as_deref()).await {
        Ok(listener) => listener,
        Err(response) => return response,
    };
    let origin = Origin::of(&state, peer, &headers);
    // A stream named in the URL is opened at once; it must be allowed before upgrading.
    let first = match query_param(query.as_deref(), "stream") {
        Some(name) => {
            let tag = query_param(query.as_deref(), "tag");
            let list = query_param(query.as_deref(), "list");
            match Channel::parse(&name, tag.as_deref(), list.as_deref(), listener.account_id) {
                Ok(channel) => match check_access(&listener, &channel) {
                    Ok(()) => match check_list(&state, &listener, &channel, &origin).await {
                        Ok(()) => Some(channel),
                        Err(response) => return response,
                    },
                    Err(response) => return response,
                },
                Err(message) if message == "Missing access token" => return json_error(401, &message),
                Err(message) => return json_error(400, &message),
            }
        }
        None => None,
    };
    let ws = match protocol {
        Some(token) => ws.protocols([token]),
        None => ws,
    };
    ws.on_upgrade(move |socket| run(socket, state, listener, origin, first)).into_response()
}

async fn run(mut socket: WebSocket, state: Arc<AppState>, listener: Listener, origin: Origin, first: Option<Channel>) {
    let (connection, mut receiver) = state.hub.connect(listener.clone(), origin.clone());
    // The first channel of an empty connection is always within the cap.
    if let Some(channel) = first {
        let _ = connection.subscribe(channel);
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            message = receiver.recv() => {
                let Some(message) = message else { break };
                let text = json!({ "stream": message.label, "event": message.event, "payload": &*message.payload }).to_string();
                if socket.send(WsMessage::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    if let Some(reply) = handle_command(&state, &connection, &listener, &origin, &text).await
                        && socket.send(WsMessage::Text(reply.into())).await.is_err()
                    {
                        break;
                    }
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if socket.send(WsMessage::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Applies a client's subscribe/unsubscribe; returns an error message to send back.
async fn handle_command(state: &AppState, connection: &Connection, listener: &Listener, origin: &Origin, text: &str) -> Option<String> {
    let error = |message: &str, status: u16| Some(json!({ "error": message, "status": status }).to_string());
    let Ok(command) = serde_json::from_str::<serde_json::Value>(text) else {
        return error("Could not parse the message as JSON", 400);
    };
    let kind = command["type"].as_str().unwrap_or("");
    let name = command["stream"].as_str().unwrap_or("");
    let channel = match Channel::parse(name, command["tag"].as_str(), command["list"].as_str(), listener.account_id) {
        Ok(channel) => channel,
        Err(message) if message == "Missing access token" => return error(&message, 401),
        Err(message) => return error(&message, 400),
    };
    match kind {
        "subscribe" => {
            if check_access(listener, &channel).is_err() {
                return error("Access token does not have the required scopes", 403);
            }
            if check_list(state, listener, &channel, origin).await.is_err() {
                return error(LIST_NOT_FOUND.1, LIST_NOT_FOUND.0);
            }
            match connection.subscribe(channel) {
                Ok(()) => None,
                Err(full) => error(&full.to_string(), 400),
            }
        }
        "unsubscribe" => {
            connection.unsubscribe(&channel);
            None
        }
        other => error(&format!("Unknown message type {other:?}"), 400),
    }
}
