//! Renders an event for one viewer by asking the component that serves the API:
//! `GET /api/v1/statuses/:id` (with the stream's filter context, so the viewer's
//! filters apply), `GET /api/v1/notifications/:id` or `GET /api/v1/conversations/:id`
//! as that viewer. A 404 means the
//! viewer may not see it (or filters hide it), and nothing is sent.

use std::sync::Arc;

use aerie_contract::{events, headers};
use axum::body::Body;
use http_body_util::BodyExt as _;

use super::{Listener, Origin};
use crate::runtime::Runtime;
use crate::server::routes::RouteTable;

#[derive(Clone)]
pub struct Renderer {
    pub runtime: Arc<Runtime>,
    pub routes: RouteTable,
}

impl Renderer {
    /// The payload of event `kind` about `id` for `viewer` on a stream of filter
    /// context `context`, or `None` when they may not see it (or rendering failed;
    /// that is logged).
    pub async fn render(&self, kind: &str, id: i64, viewer: &Listener, origin: &Origin, context: Option<&str>) -> Option<Arc<str>> {
        let path = match kind {
            events::DELETE => return Some(id.to_string().into()),
            events::UPDATE | events::STATUS_UPDATE => events::status_path_in(id, context),
            events::NOTIFICATION => events::notification_path(id),
            events::CONVERSATION => events::conversation_path(id),
            other => {
                tracing::warn!(kind = other, "a component published a streaming event of an unknown kind");
                return None;
            }
        };
        let response = self.get(&path, viewer, origin).await?;
        if response.status() != http::StatusCode::OK {
            if response.status() != http::StatusCode::NOT_FOUND {
                tracing::warn!(path, status = %response.status(), "rendering a streaming event failed");
            }
            return None;
        }
        let bytes = response.into_body().collect().await.ok()?.to_bytes();
        String::from_utf8(bytes.to_vec()).ok().map(Into::into)
    }

    /// Whether `viewer` may read `path` from the API component (it answers 200): a
    /// list's stream opens only for a listener who can read the list, its owner.
    pub async fn may_read(&self, path: &str, viewer: &Listener, origin: &Origin) -> bool {
        self.get(path, viewer, origin).await.is_some_and(|r| r.status() == http::StatusCode::OK)
    }

    /// `GET path` from the component that serves it, as `viewer`.
    async fn get(&self, path: &str, viewer: &Listener, origin: &Origin) -> Option<http::Response<Body>> {
        let route_path = path.split('?').next().unwrap_or(path);
        let component = self.runtime.component(self.routes.find(route_path)?)?;
        let mut request = http::Request::builder()
            .method("GET")
            .uri(path)
            .header("host", &origin.host)
            .header(headers::HOST, &origin.host)
            .header(headers::SCHEME, if origin.https { "https" } else { "http" })
            .header("accept", "application/json");
        if let Some(account) = viewer.account_id {
            request = request.header(headers::ACCOUNT_ID, account).header(headers::SCOPES, viewer.scopes.to_string());
        }
        let request = request.body(Body::empty()).ok()?;
        Some(self.runtime.handle_http(&component, request, origin.https).await)
    }
}
