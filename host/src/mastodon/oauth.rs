//! The OAuth 2 endpoints Mastodon clients use, served by the host because they handle
//! secrets: app registration (`/api/v1/apps`), the authorization page
//! (`/oauth/authorize`, with `urn:ietf:wg:oauth:2.0:oob`), the token endpoint
//! (authorization_code with PKCE S256, password, client_credentials, refresh_token),
//! revocation and the RFC 8414 metadata document.

// Handlers answer with ready HTTP responses on their error side, as axum does.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use http::{HeaderMap, StatusCode, header};
use serde_json::json;

use crate::clock::now_millis;
use crate::db::Value;
use crate::server::AppState;
use crate::server::error::json_error;

use super::oauth_page::{self, AuthorizeForm};
use super::scopes::{self, Scopes};
use super::tokens;
use crate::auth::accounts::{self, LoginProblem};
use crate::auth::secrets::{self, hash_secret};

/// The redirect URI of apps that show the code for the user to copy.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// How long an authorization code stays usable.
const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/apps", post(register_app))
        .route("/api/v1/apps/verify_credentials", get(verify_app))
        .route("/oauth/authorize", get(authorize_page).post(authorize_submit))
        .route("/oauth/authorize/", get(authorize_page).post(authorize_submit))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/.well-known/oauth-authorization-server", get(metadata))
}

/// Request parameters from a form or JSON body (clients send either), or a query.
/// JSON arrays become space-separated (scopes) or newline-separated (redirect URIs).
pub fn params(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let is_json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json"));
    let mut out = HashMap::new();
    if is_json {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
            for (key, value) in map {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Array(items) => {
                        let sep = if key.starts_with("redirect_uri") { "\n" } else { " " };
                        items.iter().filter_map(|i| i.as_str()).collect::<Vec<_>>().join(sep)
                    }
                    serde_json::Value::Null => continue,
                    other => other.to_string(),
                };
                out.insert(key, text);
            }
        }
        return out;
    }
    query_params(std::str::from_utf8(body).unwrap_or(""))
}

fn query_params(text: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    for (key, value) in serde_urlencoded::from_str::<Vec<(String, String)>>(text).unwrap_or_default() {
        match key.strip_suffix("[]") {
            Some(base) => {
                let sep = if base.starts_with("redirect_uri") { "\n" } else { " " };
                let entry = out.entry(base.to_string()).or_default();
                if !entry.is_empty() {
                    entry.push_str(sep);
                }
                entry.push_str(&value);
            }
            None => {
                out.insert(key, value);
            }
        }
    }
    out
}

fn param<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// An OAuth error response (`{"error": code, "error_description": ...}`).
fn oauth_error(status: u16, code: &str, description: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(json!({ "error": code, "error_description": description }))).into_response()
}

/// `scheme://host` of this request, for absolute URLs in answers: the public host the
/// proxy rules settle on (the configured domain once there is one), never a raw `Host`.
pub(super) fn base_url(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> String {
    let client = state.trust.client(peer, headers);
    let host = client.host.unwrap_or_else(|| state.web_domain.clone());
    format!("{}://{host}", if client.https { "https" } else { "http" })
}

/// A registered app as stored.
struct App {
    id: i64,
    name: String,
    website: Option<String>,
    redirect_uris: Vec<String>,
    scopes: Scopes,
    client_id: String,
}

impl App {
    /// The Application entity; `vapid_key` is the instance's Web Push key (deprecated
    /// by Mastodon for the instance's, and still read by some clients).
    fn entity(&self, state: &AppState) -> serde_json::Value {
        json!({
            "id": self.id.to_string(),
            "name": self.name,
            "website": self.website,
            "scopes": self.scopes.iter().collect::<Vec<_>>(),
            "redirect_uri": self.redirect_uris.join("\n"),
            "redirect_uris": self.redirect_uris,
            "vapid_key": state.runtime.web_push().map(|push| push.vapid.public_key.as_str()).unwrap_or_default(),
        })
    }
}

const APP_COLUMNS: &str = "id, name, website, redirect_uris, scopes, client_id";

fn app_from(rows: &crate::db::RowSet) -> Option<App> {
    Some(App {
        id: rows.i64(0, "id")?,
        name: rows.text(0, "name").unwrap_or_default().to_string(),
        website: rows.text(0, "website").map(str::to_string),
        redirect_uris: rows.text(0, "redirect_uris").unwrap_or_default().lines().map(str::to_string).collect(),
        scopes: Scopes::parse(rows.text(0, "scopes").unwrap_or("read")).unwrap_or_default(),
        client_id: rows.text(0, "client_id").unwrap_or_default().to_string(),
    })
}

async fn app_by_client_id(state: &AppState, client_id: &str) -> anyhow::Result<Option<App>> {
    let rows =
        state.database.query(&format!("SELECT {APP_COLUMNS} FROM applications WHERE client_id = $1"), vec![client_id.into()]).await?;
    Ok(app_from(&rows))
}

/// The app a token request authenticates as: `client_id` + `client_secret` in the body
/// or in HTTP Basic.
async fn authenticate_client(state: &AppState, headers: &HeaderMap, params: &HashMap<String, String>) -> Result<App, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, secret)| (id.to_string(), secret.to_string())));
    let (client_id, secret) = match (param(params, "client_id"), param(params, "client_secret"), basic) {
        (Some(id), Some(secret), _) => (id.to_string(), secret.to_string()),
        (_, _, Some(pair)) => pair,
        _ => return Err(oauth_error(401, "invalid_client", "Client authentication failed: give client_id and client_secret.")),
    };
    let invalid = || {
        oauth_error(
            401,
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
        )
    };
    let app = app_by_client_id(state, &client_id).await.map_err(|e| internal(&e))?.ok_or_else(invalid)?;
    let stored = state
        .database
        .query("SELECT client_secret_hash FROM application_secrets WHERE application_id = $1", vec![app.id.into()])
        .await
        .map_err(|e| internal(&e.into()))?;
    if stored.text(0, "client_secret_hash") != Some(hash_secret(&secret).as_str()) {
        return Err(invalid());
    }
    Ok(app)
}

fn internal(error: &anyhow::Error) -> Response {
    tracing::error!(error = %format!("{error:#}"), "OAuth request failed");
    if crate::disk_full::caused(error) {
        return json_error(507, crate::disk_full::CLIENT_MESSAGE);
    }
    json_error(500, "Something went wrong on this server; the log has the details")
}

/// `POST /api/v1/apps`: registers a client app.
async fn register_app(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let params = params(&headers, &body);
    let Some(name) = param(&params, "client_name") else {
        return validation_error("client_name", "Application name can't be blank");
    };
    let Some(redirects) = param(&params, "redirect_uris") else {
        return validation_error("redirect_uris", "Redirect URI can't be blank");
    };
    let redirect_uris: Vec<String> = redirects.split(['\n', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    if let Some(bad) = redirect_uris.iter().find(|uri| uri.as_str() != OOB && !is_absolute_uri(uri)) {
        return validation_error("redirect_uris", &format!("Redirect URI must be an absolute URI ({bad})"));
    }
    let scopes = match Scopes::parse_or(param(&params, "scopes"), "read") {
        Ok(scopes) => scopes,
        Err(unknown) => return validation_error("scopes", &format!("Scopes has an unknown scope: {unknown}")),
    };
    let website = param(&params, "website").map(str::to_string);
    let app_id = state.runtime.ids().next();
    let client_id = secrets::random_secret();
    let client_secret = secrets::random_secret();
    let result = async {
        let tx = state.database.begin().await?;
        tx.execute(
            "INSERT INTO applications (id, name, website, redirect_uris, scopes, client_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                app_id.into(),
                name.into(),
                website.clone().into(),
                redirect_uris.join("\n").into(),
                scopes.to_string().into(),
                client_id.clone().into(),
                now_millis().into(),
            ],
        )
        .await?;
        tx.execute(
            "INSERT INTO application_secrets (application_id, client_secret_hash) VALUES ($1, $2)",
            vec![app_id.into(), hash_secret(&client_secret).into()],
        )
        .await?;
        tx.commit().await?;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = result {
        return internal(&e);
    }
    let app = App { id: app_id, name: name.to_string(), website, redirect_uris, scopes, client_id: client_id.clone() };
    let mut entity = app.entity(&state);
    entity["client_id"] = json!(client_id);
    entity["client_secret"] = json!(client_secret);
    entity["client_secret_expires_at"] = json!(0);
    axum::Json(entity).into_response()
}

fn is_absolute_uri(uri: &str) -> bool {
    match uri.split_once(':') {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
        }
        None => false,
    }
}

fn validation_error(field: &str, message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({ "error": format!("Validation failed: {message}"), "details": { field: [{ "error": "ERR_INVALID", "description": message }] } })),
    )
        .into_response()
}

/// `GET /api/v1/apps/verify_credentials`: the app of the presented token.
async fn verify_app(State(state): State<Arc<AppState>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Some(token) = tokens::in_request(&headers, query.as_deref()) else {
        return json_error(401, "The access token is invalid");
    };
    let auth = match tokens::resolve(&state.database, &token).await {
        Ok(Ok(auth)) => auth,
        Ok(Err(problem)) => return json_error(401, problem.message()),
        Err(e) => return internal(&e),
    };
    let rows = match state
        .database
        .query(&format!("SELECT {APP_COLUMNS} FROM applications WHERE id = $1"), vec![auth.application_id.into()])
        .await
    {
        Ok(rows) => rows,
        Err(e) => return internal(&e.into()),
    };
    match app_from(&rows) {
        Some(app) => axum::Json(app.entity(&state)).into_response(),
        None => json_error(401, "The access token is invalid"),
    }
}

/// Checks an authorization request against the registered app.
async fn check_authorize_request(state: &AppState, params: &HashMap<String, String>) -> Result<(App, String, Scopes), String> {
    let client_id = param(params, "client_id").ok_or("The request has no client_id.")?;
    let app = app_by_client_id(state, client_id)
        .await
        .map_err(|e| format!("{e:#}"))?
        .ok_or("No app is registered with this client_id. Register the app again.")?;
    if let Some(kind) = param(params, "response_type")
        && kind != "code"
    {
        return Err(format!("response_type {kind:?} is not supported; use \"code\"."));
    }
    let redirect_uri = match param(params, "redirect_uri") {
        Some(uri) => uri.to_string(),
        None if app.redirect_uris.len() == 1 => app.redirect_uris[0].clone(),
        None => return Err("The request has no redirect_uri.".into()),
    };
    if !app.redirect_uris.contains(&redirect_uri) {
        return Err(format!("The redirect URI {redirect_uri} is not registered for this app."));
    }
    let scopes = Scopes::parse_or(param(params, "scope"), "read").map_err(|unknown| format!("The scope {unknown:?} is not known."))?;
    if !app.scopes.covers_all(&scopes) {
        return Err(format!("The app asks for scopes ({scopes}) beyond those it registered ({}).", app.scopes));
    }
    if let Some(method) = param(params, "code_challenge_method")
        && method != "S256"
    {
        return Err("Only the S256 code challenge method is supported.".into());
    }
    Ok((app, redirect_uri, scopes))
}

/// `GET /oauth/authorize`: the login and consent page.
async fn authorize_page(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let params = query_params(query.as_deref().unwrap_or(""));
    match check_authorize_request(&state, &params).await {
        Ok((app, redirect_uri, scopes)) => Html(oauth_page::authorize(&AuthorizeForm {
            app_name: &app.name,
            client_id: &app.client_id,
            redirect_uri: &redirect_uri,
            scope: &scopes.to_string(),
            state: param(&params, "state").unwrap_or(""),
            code_challenge: param(&params, "code_challenge").unwrap_or(""),
            code_challenge_method: param(&params, "code_challenge_method").unwrap_or(""),
            login: "",
            error: None,
        }))
        .into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, Html(oauth_page::problem(&message))).into_response(),
    }
}

/// `POST /oauth/authorize`: checks the login and hands out a code.
async fn authorize_submit(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = params(&headers, &body);
    let (app, redirect_uri, scopes) = match check_authorize_request(&state, &params).await {
        Ok(checked) => checked,
        Err(message) => return (StatusCode::BAD_REQUEST, Html(oauth_page::problem(&message))).into_response(),
    };
    let oauth_state = param(&params, "state").unwrap_or("").to_string();
    if param(&params, "decision") == Some("deny") {
        if redirect_uri == OOB {
            return Html(oauth_page::problem("You denied the app access.")).into_response();
        }
        return Redirect::to(&with_query(&redirect_uri, &[("error", "access_denied"), ("state", &oauth_state)])).into_response();
    }
    let login = param(&params, "login").or(param(&params, "username")).or(param(&params, "email")).unwrap_or("");
    let password = params.get("password").map(String::as_str).unwrap_or("");
    let scope_text = scopes.to_string();
    let form = |error: &'static str| AuthorizeForm {
        app_name: &app.name,
        client_id: &app.client_id,
        redirect_uri: &redirect_uri,
        scope: &scope_text,
        state: &oauth_state,
        code_challenge: param(&params, "code_challenge").unwrap_or(""),
        code_challenge_method: param(&params, "code_challenge_method").unwrap_or(""),
        login,
        error: Some(error),
    };
    let client = state.trust.client(peer, &headers);
    if state.login_limit.attempt(client.ip).is_err() {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Html(oauth_page::authorize(&form("Too many login attempts. Wait a minute and try again."))),
        )
            .into_response();
    }
    let account_id = match accounts::check_login(&state.database, login, password).await {
        Ok(Ok(id)) => id,
        Ok(Err(problem)) => return (StatusCode::UNAUTHORIZED, Html(oauth_page::authorize(&form(problem.message())))).into_response(),
        Err(e) => return internal(&e),
    };
    let code = secrets::random_secret();
    let challenge = param(&params, "code_challenge").map(str::to_string);
    let stored = state
        .database
        .execute(
            "INSERT INTO oauth_codes (code_hash, application_id, account_id, scopes, redirect_uri, code_challenge, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                hash_secret(&code).into(),
                app.id.into(),
                account_id.into(),
                scope_text.clone().into(),
                redirect_uri.clone().into(),
                challenge.into(),
                (now_millis() + CODE_LIFETIME_MS).into(),
            ],
        )
        .await;
    if let Err(e) = stored {
        return internal(&e.into());
    }
    if redirect_uri == OOB {
        return Html(oauth_page::show_code(&app.name, &code)).into_response();
    }
    let mut pairs = vec![("code", code.as_str())];
    if !oauth_state.is_empty() {
        pairs.push(("state", oauth_state.as_str()));
    }
    Redirect::to(&with_query(&redirect_uri, &pairs)).into_response()
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{query}")
}

/// `POST /oauth/token`.
async fn token(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = params(&headers, &body);
    let app = match authenticate_client(&state, &headers, &params).await {
        Ok(app) => app,
        Err(response) => return response,
    };
    let requested = || match Scopes::parse_or(param(&params, "scope"), "read") {
        Ok(scopes) if app.scopes.covers_all(&scopes) => Ok(scopes),
        Ok(scopes) => {
            Err(oauth_error(400, "invalid_scope", &format!("The app registered scopes {} and cannot ask for {scopes}.", app.scopes)))
        }
        Err(unknown) => Err(oauth_error(400, "invalid_scope", &format!("The scope {unknown:?} is not known."))),
    };
    let granted = match param(&params, "grant_type").unwrap_or("") {
        "authorization_code" => redeem_code(&state, &app, &params).await,
        "password" => {
            let scopes = match requested() {
                Ok(s) => s,
                Err(r) => return r,
            };
            let client = state.trust.client(peer, &headers);
            if state.login_limit.attempt(client.ip).is_err() {
                return oauth_error(429, "invalid_grant", "Too many login attempts. Wait a minute and try again.");
            }
            let login = param(&params, "username").unwrap_or("");
            let password = params.get("password").map(String::as_str).unwrap_or("");
            match accounts::check_login(&state.database, login, password).await {
                Ok(Ok(account_id)) => Ok((Some(account_id), scopes)),
                Ok(Err(LoginProblem::WrongCredentials)) => {
                    Err(oauth_error(400, "invalid_grant", "The provided authorization grant is invalid: wrong email or password."))
                }
                Ok(Err(problem)) => Err(oauth_error(400, "invalid_grant", problem.message())),
                Err(e) => Err(internal(&e)),
            }
        }
        "client_credentials" => match requested() {
            Ok(scopes) => Ok((None, scopes)),
            Err(r) => Err(r),
        },
        "refresh_token" => refresh(&state, &app, &params).await,
        "" => Err(oauth_error(400, "invalid_request", "The request is missing grant_type.")),
        other => Err(oauth_error(400, "unsupported_grant_type", &format!("The grant type {other:?} is not supported."))),
    };
    let (account_id, scopes) = match granted {
        Ok(granted) => granted,
        Err(response) => return response,
    };
    match tokens::issue(&state.database, state.runtime.ids(), app.id, account_id, &scopes).await {
        Ok(issued) => {
            let mut answer = json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "scope": issued.scopes.to_string(),
                "created_at": issued.created_at / 1000,
            });
            if let Some(refresh) = issued.refresh_token {
                answer["refresh_token"] = json!(refresh);
            }
            axum::Json(answer).into_response()
        }
        Err(e) => internal(&e),
    }
}

type Grant = Result<(Option<i64>, Scopes), Response>;

async fn redeem_code(state: &AppState, app: &App, params: &HashMap<String, String>) -> Grant {
    let invalid = |why: &str| oauth_error(400, "invalid_grant", &format!("The provided authorization grant is invalid: {why}"));
    let code = param(params, "code").ok_or_else(|| invalid("no code was given"))?;
    // Taking the code deletes it: a code works once, even when two requests race.
    let rows = state
        .database
        .query(
            "DELETE FROM oauth_codes WHERE code_hash = $1 AND application_id = $2 \
             RETURNING account_id, scopes, redirect_uri, code_challenge, expires_at",
            vec![hash_secret(code).into(), app.id.into()],
        )
        .await
        .map_err(|e| internal(&e.into()))?;
    if rows.is_empty() {
        return Err(invalid("the code is unknown or was used already"));
    }
    if rows.i64(0, "expires_at").unwrap_or(0) < now_millis() {
        return Err(invalid("the code expired; authorize again"));
    }
    if let Some(uri) = param(params, "redirect_uri")
        && Some(uri) != rows.text(0, "redirect_uri")
    {
        return Err(invalid("redirect_uri does not match the one the code was issued for"));
    }
    if let Some(challenge) = rows.text(0, "code_challenge") {
        let verifier = param(params, "code_verifier").ok_or_else(|| invalid("code_verifier is missing"))?;
        if !secrets::pkce_matches(verifier, challenge) {
            return Err(invalid("code_verifier does not match the code challenge"));
        }
    }
    let scopes = Scopes::parse(rows.text(0, "scopes").unwrap_or("read")).unwrap_or_default();
    Ok((rows.i64(0, "account_id"), scopes))
}

async fn refresh(state: &AppState, app: &App, params: &HashMap<String, String>) -> Grant {
    let invalid = || oauth_error(400, "invalid_grant", "The refresh token is invalid, expired or revoked.");
    let refresh_token = param(params, "refresh_token").ok_or_else(invalid)?;
    let rows = state
        .database
        .query(
            "UPDATE oauth_tokens SET revoked_at = $1 \
             WHERE refresh_token_hash = $2 AND application_id = $3 AND revoked_at IS NULL RETURNING account_id, scopes",
            vec![now_millis().into(), hash_secret(refresh_token).into(), Value::Int(app.id)],
        )
        .await
        .map_err(|e| internal(&e.into()))?;
    if rows.is_empty() {
        return Err(invalid());
    }
    Ok((rows.i64(0, "account_id"), Scopes::parse(rows.text(0, "scopes").unwrap_or("read")).unwrap_or_default()))
}

/// `POST /oauth/revoke`.
async fn revoke(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let params = params(&headers, &body);
    let app = match authenticate_client(&state, &headers, &params).await {
        Ok(app) => app,
        Err(response) => return response,
    };
    let Some(token) = param(&params, "token") else {
        return oauth_error(400, "invalid_request", "The request is missing token.");
    };
    match tokens::revoke(&state.database, app.id, token).await {
        Ok(()) => axum::Json(json!({})).into_response(),
        Err(e) => internal(&e),
    }
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414), as Mastodon 4.3 serves it.
async fn metadata(State(state): State<Arc<AppState>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap) -> Response {
    let base = base_url(&state, peer, &headers);
    axum::Json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "userinfo_endpoint": format!("{base}/oauth/userinfo"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": scopes::SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
    .into_response()
}
