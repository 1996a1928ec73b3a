//! The HTTP front: axum routes for what the host serves itself (`/health`,
//! `/health/ready`, `/metrics`, the inbox, and the Mastodon-facing routes of
//! [`crate::mastodon`]: OAuth, streaming, media files at `/system/media/*` and
//! `/system/accounts/*`) and a dispatcher that hands every other path to the component
//! the manifest routes it to. Unrouted paths get a JSON 404. Browsers' cross-origin
//! calls are answered by [`cors`]. The sockets under it, with
//! their timeouts and caps, are [`listener`]'s; body limits per route are [`body_limits`].

pub mod body_limits;
pub mod client_info;
pub mod conn_limits;
pub mod cors;
pub mod error;
pub mod fd_limit;
pub mod listener;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aerie_contract::headers;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::db::Database;
use crate::mastodon::{media_files, rate_limit};
use crate::runtime::Runtime;
use client_info::ProxyTrust;
use error::json_error;
use routes::RouteTable;

/// Headers only the host may set on requests to components; incoming copies are dropped.
pub const HOST_HEADER_PREFIX: &str = headers::PREFIX;

/// What request handlers share.
pub struct AppState {
    pub runtime: Arc<Runtime>,
    pub routes: RouteTable,
    pub trust: ProxyTrust,
    pub database: Database,
    /// Used as the Host when a request carries none (HTTP/1.0).
    pub web_domain: String,
    /// Password checks per client address (OAuth login).
    pub login_limit: crate::auth::login_limit::LoginLimit,
    /// Client API requests per account or address.
    pub api_rate_limit: rate_limit::ApiRateLimit,
    /// This node's streaming connections.
    pub hub: std::sync::Arc<crate::mastodon::streaming::hub::Hub>,
}

/// Limits applied to every request.
pub struct HttpLimits {
    pub request_timeout: Duration,
    /// Bodies of routes that take files (uploads).
    pub body_limit: usize,
    /// Bodies of every other route.
    pub api_body_limit: usize,
}

/// Builds the router.
pub fn router(state: Arc<AppState>, limits: &HttpLimits) -> Router {
    Router::new()
        .route("/health", get(|| async { "OK" }))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .merge(crate::mastodon::oauth::routes())
        .merge(crate::mastodon::userinfo::routes())
        .merge(crate::mastodon::streaming::routes())
        .merge(crate::mastodon::push::api::routes())
        .merge(crate::federation::inbox::routes())
        .merge(media_files::routes())
        .fallback(dispatch)
        .layer(middleware::from_fn_with_state(state.clone(), count_statuses))
        // Pictures (by default), videos and sounds are compressed already.
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new().and(NotForContentType::const_new("video/")).and(NotForContentType::const_new("audio/")),
            ),
        )
        .layer(middleware::from_fn_with_state(
            body_limits::BodyLimits { uploads: limits.body_limit, other: limits.api_body_limit },
            body_limits::enforce,
        ))
        // Outside the dispatcher: preflights need no token and are not rate limited.
        .layer(middleware::from_fn_with_state(cors::layer(), cors::enforce))
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, limits.request_timeout))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until ctrl-c or SIGTERM, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    trust: ProxyTrust,
    options: listener::EdgeOptions,
) -> std::io::Result<()> {
    listener::serve(listener, router, trust, options, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("installing the SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Readiness: the database answers, and writes have room again after running out
/// of space (`disk_full` probes then). `/health` itself only says the process serves.
async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if let Err(e) = state.database.query("SELECT 1 AS ok", vec![]).await {
        tracing::error!(error = %e, "health check: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
    }
    match crate::disk_full::still_full(&state.database).await {
        None => "OK".into_response(),
        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("storage full: {reason}")).into_response(),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.runtime.metrics.render()).into_response()
}

async fn count_statuses(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state.runtime.metrics.record_status(response.status().as_u16());
    response
}

/// Hands the request to the component its path is routed to.
async fn dispatch(State(state): State<Arc<AppState>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, mut request: Request<Body>) -> Response {
    let Some(id) = state.routes.find(request.uri().path()) else {
        return json_error(404, "Not found");
    };
    let Some(component) = state.runtime.component(id) else {
        tracing::error!(component = id, "a route points at a component that is not loaded");
        return json_error(503, "This part of the instance is not available right now");
    };
    let client = state.trust.client(peer, request.headers());
    let headers = request.headers_mut();
    let reserved: Vec<_> = headers.keys().filter(|k| k.as_str().starts_with(HOST_HEADER_PREFIX)).cloned().collect();
    for name in reserved {
        headers.remove(name);
    }
    headers.insert(headers::SCHEME, HeaderValue::from_static(if client.https { "https" } else { "http" }));
    if let Ok(ip) = HeaderValue::from_str(&client.ip.to_string()) {
        headers.insert(headers::CLIENT_IP, ip);
    }
    if !headers.contains_key(http::header::HOST)
        && let Ok(host) = HeaderValue::from_str(&state.web_domain)
    {
        headers.insert(http::header::HOST, host);
    }
    // wasi:http treats Host as forbidden and drops it, so the public host (after the
    // trusted-proxy rules) travels in a host-set header of its own.
    let public_host = client.host.clone().unwrap_or_else(|| state.web_domain.clone());
    if let Ok(host) = HeaderValue::from_str(&public_host) {
        headers.insert(headers::HOST, host);
    }
    let query = request.uri().query().map(str::to_string);
    if matches!(*request.method(), http::Method::GET | http::Method::HEAD) {
        let path_and_query = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
        let target_uri = format!("{}://{public_host}{path_and_query}", if client.https { "https" } else { "http" });
        match crate::federation::signed_fetch::check(
            &state.database,
            request.method().as_str(),
            &path_and_query,
            &target_uri,
            request.headers(),
        )
        .await
        {
            Ok(crate::federation::signed_fetch::Signer::Account(account)) => {
                request.headers_mut().insert(crate::federation::signed_fetch::SIGNER_HEADER, HeaderValue::from(account));
            }
            Ok(crate::federation::signed_fetch::Signer::Anonymous) => {}
            Err(reason) => return json_error(401, &format!("Verification failed: {reason}")),
        }
    }
    let mut caller = rate_limit::Caller::Address(client.ip);
    if let Some(token) = crate::mastodon::tokens::in_request(request.headers(), query.as_deref()) {
        match crate::mastodon::tokens::resolve(&state.database, &token).await {
            Ok(Ok(auth)) => {
                if let Some(account) = auth.account_id {
                    caller = rate_limit::Caller::Account(account);
                }
                let headers = request.headers_mut();
                if let Some(account) = auth.account_id {
                    headers.insert(headers::ACCOUNT_ID, HeaderValue::from(account));
                }
                if let Some(app) = auth.application_id {
                    headers.insert(headers::APP_ID, HeaderValue::from(app));
                }
                if let Ok(scopes) = HeaderValue::from_str(&auth.scopes.to_string()) {
                    headers.insert(headers::SCOPES, scopes);
                }
            }
            Ok(Err(problem)) => return json_error(401, problem.message()),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "resolving a bearer token failed");
                return json_error(503, "The instance cannot check access tokens right now; try again shortly");
            }
        }
    }
    let count = if request.uri().path().starts_with("/api/") { state.api_rate_limit.count(caller) } else { None };
    let mut response = match count {
        Some(count) if !count.allowed => json_error(429, "Too many requests"),
        _ => state.runtime.handle_http(&component, request, client.https).await,
    };
    if let Some(count) = count {
        for (name, value) in count.headers() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}
