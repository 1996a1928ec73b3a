//! Serving one HTTP request with a `wasi:http/incoming-handler` component: a fresh
//! instance from the pre-instantiated component, per request.

use std::time::{Duration, Instant};

use axum::body::Body;
use http_body_util::BodyExt;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

use super::{Handler, LoadedComponent, Runtime};
use crate::server::error::json_error;

/// Extra wall-clock time allowed past the guest's budget for host calls it awaits
/// (the epoch deadline only counts while guest code runs).
const HOST_GRACE: Duration = Duration::from_secs(5);

impl Runtime {
    /// Runs `request` through `component` and returns its response; a trap, a
    /// runaway guest or a guest that never answers becomes a JSON 500.
    pub async fn handle_http(&self, component: &LoadedComponent, request: http::Request<Body>, https: bool) -> http::Response<Body> {
        if component.rate.as_ref().is_some_and(|rate| !rate.allow()) {
            self.metrics.record_call(&component.id, "rate-limited", 0.0);
            return json_error(429, "Too many requests");
        }
        let started = Instant::now();
        let (response, outcome) = self.call_http(component, request, https).await;
        self.record(component, outcome, started.elapsed());
        response
    }

    async fn call_http(
        &self,
        component: &LoadedComponent,
        request: http::Request<Body>,
        https: bool,
    ) -> (http::Response<Body>, &'static str) {
        let Handler::Http(pre) = &component.handler else {
            return (json_error(500, "This route points at a component that does not serve HTTP"), "error");
        };
        let mut store = self.new_store(component);
        let scheme = if https { Scheme::Https } else { Scheme::Http };
        let request = request.map(|body| body.map_err(|_| wasmtime_wasi_http::Error::HttpProtocolError));
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let prepared = store
            .data_mut()
            .http()
            .new_incoming_request(scheme, request)
            .and_then(|req| Ok((req, store.data_mut().http().new_response_outparam(sender)?)));
        let (req, out) = match prepared {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(component = %component.id, error = %e, "the request could not be handed to the component");
                return (json_error(400, "Malformed request"), "error");
            }
        };
        let pre = pre.clone();
        let task = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            let result = proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await;
            result.map_err(|error| wasmtime::Error::from(Failure { error, timed_out: store.data().timed_out }))
        });

        let limit = component.time_budget + HOST_GRACE;
        match tokio::time::timeout(limit, receiver).await {
            Ok(Ok(Ok(response))) => (response.map(Body::new), "ok"),
            Ok(Ok(Err(code))) => {
                tracing::warn!(component = %component.id, error = ?code, "the component answered with an error code");
                (json_error(500, "The request could not be completed"), "error")
            }
            Ok(Err(_)) => {
                // The guest returned or trapped without setting a response.
                let (outcome, reason) = match task.await {
                    Ok(Ok(())) => ("error", "it returned without sending a response".to_string()),
                    Ok(Err(e)) => classify(&e),
                    Err(join) => ("error", format!("its task failed: {join}")),
                };
                tracing::error!(component = %component.id, outcome, "component failed: {reason}");
                (json_error(500, &format!("The request could not be completed: component {} {reason}", component.id)), outcome)
            }
            Err(_) => {
                task.abort();
                tracing::error!(component = %component.id, limit_ms = limit.as_millis() as u64, "component did not answer in time");
                (
                    json_error(500, &format!("The request could not be completed: component {} did not answer in time", component.id)),
                    "timeout",
                )
            }
        }
    }
}

/// A failed call, with whether the epoch callback stopped it.
#[derive(Debug)]
pub(super) struct Failure {
    pub error: wasmtime::Error,
    pub timed_out: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.error)
    }
}

impl std::error::Error for Failure {}

/// Turns a failure into a metric outcome and a reason safe to show.
pub(super) fn classify(error: &wasmtime::Error) -> (&'static str, String) {
    let Some(failure) = error.downcast_ref::<Failure>() else {
        return ("error", "could not be instantiated".into());
    };
    if failure.timed_out {
        return ("timeout", "was stopped: it ran past its time budget".into());
    }
    let text = format!("{:?}", failure.error);
    if text.contains("memory") && (text.contains("grow") || text.contains("limit")) {
        return ("memory", "was stopped: it exceeded its memory limit".into());
    }
    ("trap", "trapped".into())
}
