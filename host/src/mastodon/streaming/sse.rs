//! Server-Sent Events: `GET /api/v1/streaming/<channel>` (Mastodon.py and others).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use http::HeaderMap;

use super::channels::Channel;
use super::{Origin, authenticate, check_access, check_list, query_param};
use crate::server::AppState;
use crate::server::error::json_error;

pub async fn stream(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    open(&state, peer, &channel, &headers, query.as_deref()).await
}

/// Opens an SSE stream on `channel_path` (`user`, `public/local`, `hashtag?tag=x`).
pub(super) async fn open(
    state: &Arc<AppState>,
    peer: SocketAddr,
    channel_path: &str,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Response {
    let listener = match authenticate(state, headers, query, None).await {
        Ok(listener) => listener,
        Err(response) => return response,
    };
    let tag = query_param(query, "tag");
    let list = query_param(query, "list");
    let channel = match Channel::from_path(channel_path, tag.as_deref(), list.as_deref(), listener.account_id) {
        Ok(channel) => channel,
        Err(message) if message == "Missing access token" => return json_error(401, &message),
        Err(message) => return json_error(400, &message),
    };
    if let Err(response) = check_access(&listener, &channel) {
        return response;
    }
    let origin = Origin::of(state, peer, headers);
    if let Err(response) = check_list(state, &listener, &channel, &origin).await {
        return response;
    }
    let (connection, receiver) = state.hub.connect(listener, origin);
    // One channel on a new connection is always within the cap.
    let _ = connection.subscribe(channel);
    Sse::new(events(connection, receiver)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("thump")).into_response()
}

fn events(
    connection: super::hub::Connection,
    receiver: tokio::sync::mpsc::Receiver<super::hub::Message>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    // The connection lives in the stream's state: when the client goes away, axum drops
    // the stream and with it the subscription.
    futures::stream::unfold((connection, receiver), |(connection, mut receiver)| async move {
        let message = receiver.recv().await?;
        Some((Ok(Event::default().event(message.event).data(&*message.payload)), (connection, receiver)))
    })
}
