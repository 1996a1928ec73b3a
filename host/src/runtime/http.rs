//! Serving one HTTP request with a `wasi:http/incoming-handler` component.
//!
//! Instances are kept warm: after answering, an instance waits in its component's
//! [`IdlePool`] for the next request (up to `runtime.requests_per_instance` requests),
//! which saves instantiation on every call. An instance that trapped, ran out of
//! time or memory is dropped, never reused, and so is one that grew large; a reloaded component starts a new pool.
//! Components must therefore keep no per-request state in globals.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use http_body_util::BodyExt;
use wasmtime::Store;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::Proxy;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

use super::state::StoreState;
use super::{Handler, LoadedComponent, Runtime};
use crate::server::body_limits::BodyProgress;
use crate::server::error::json_error;

/// Extra wall-clock time allowed past the guest's budget for host calls it awaits
/// (the epoch deadline only counts while guest code runs).
const HOST_GRACE: Duration = Duration::from_secs(5);
/// An instance whose linear memory grew past this (a large upload read whole) is
/// dropped after its call rather than kept warm: wasm memory never shrinks, and the
/// pool reclaims a dropped instance's pages.
const KEEP_WARM_MEMORY: usize = 24 << 20;
/// Warm instances kept per component; more concurrent requests instantiate fresh ones.
const IDLE_PER_COMPONENT: usize = 16;

/// A warm instance and its store, with how many requests it has served.
struct Warm {
    store: Store<StoreState>,
    proxy: Proxy,
    served: u32,
}

/// A component's warm instances.
#[derive(Default)]
pub struct IdlePool(Mutex<Vec<Warm>>);

impl IdlePool {
    fn take(&self) -> Option<Warm> {
        self.0.lock().unwrap().pop()
    }

    fn put(&self, warm: Warm) {
        let mut idle = self.0.lock().unwrap();
        if idle.len() < IDLE_PER_COMPONENT {
            idle.push(warm);
        }
    }
}

impl Runtime {
    /// Runs `request` through `component` and returns its response; a trap, a
    /// runaway guest or a guest that never answers becomes a JSON 500, and one that ran
    /// out of memory on its request body a JSON 413.
    pub async fn handle_http(&self, component: &Arc<LoadedComponent>, request: http::Request<Body>, https: bool) -> http::Response<Body> {
        if component.rate.as_ref().is_some_and(|rate| !rate.allow()) {
            self.metrics.record_call(&component.id, "rate-limited", 0.0);
            return json_error(429, "Too many requests");
        }
        let started = Instant::now();
        let full_before = crate::disk_full::noticed_count();
        let (mut response, outcome) = self.call_http(component, request, https).await;
        self.record(component, outcome, started.elapsed());
        if response.status().is_server_error() && crate::disk_full::noticed_count() != full_before {
            // A write ran out of space meanwhile: the client learns that, not the
            // component's generic 503 (components see an `unavailable` db error).
            // The count is the process's, so a concurrent request's failure counts
            // too; while the disk is full, that is this failure's likely cause.
            response = json_error(507, crate::disk_full::CLIENT_MESSAGE);
        }
        response
    }

    async fn call_http(
        &self,
        component: &Arc<LoadedComponent>,
        request: http::Request<Body>,
        https: bool,
    ) -> (http::Response<Body>, &'static str) {
        let Handler::Http(pre) = &component.handler else {
            return (json_error(500, "This route points at a component that does not serve HTTP"), "error");
        };
        let (mut store, warm, served) = match component.idle.take() {
            Some(warm) => (warm.store, Some(warm.proxy), warm.served),
            None => (self.new_store(component), None, 0),
        };
        // The call's clock starts now, also for a warm instance.
        let state = store.data_mut();
        state.started = Instant::now();
        state.timed_out = false;
        store.set_epoch_deadline(1);
        let body_progress = request.extensions().get::<Arc<BodyProgress>>().cloned();
        let scheme = if https { Scheme::Https } else { Scheme::Http };
        let reads_only = matches!(*request.method(), http::Method::GET | http::Method::HEAD);
        let request = request.map(|body| body.map_err(|_| wasmtime_wasi_http::Error::HttpProtocolError));
        let (sender, mut receiver) = tokio::sync::oneshot::channel();
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
        let owner = component.clone();
        let reuse_limit = self.defaults.requests_per_instance;
        let mut guest: Pin<Box<dyn Future<Output = wasmtime::Result<()>> + Send>> = Box::pin(async move {
            let proxy = match warm {
                Some(proxy) => proxy,
                None => pre.instantiate_async(&mut store).await?,
            };
            let result = proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await;
            match result {
                Ok(()) => {
                    // Only an instance that finished cleanly, and did not grow large, serves again.
                    let memory = store.data().limits.memory_peak;
                    if memory > KEEP_WARM_MEMORY {
                        tracing::debug!(component = %owner.id, memory_mb = memory >> 20, "a large instance is dropped, not kept warm");
                    } else if served + 1 < reuse_limit {
                        owner.idle.put(Warm { store, proxy, served: served + 1 });
                    }
                    Ok(())
                }
                Err(error) => Err(wasmtime::Error::from(Failure { error, timed_out: store.data().timed_out })),
            }
        });

        // A GET or HEAD runs right here, in the connection's task, rather than in a
        // task of its own: most calls answer and finish within one poll (SQLite reads
        // are synchronous and a body up to a chunk fits the body channel), and handing
        // the call to another task costs a wake-up of another worker thread per
        // request. Only a guest still running when its answer's head is ready (a large
        // body streaming out, or host calls still pending) moves to a task of its own,
        // so hyper can send the head and drain the body meanwhile.
        //
        // Any other method runs in its own task from the start: hyper drops a
        // connection's futures when the client goes away, and a write must not stop
        // halfway because its client hung up.
        let mut detached = None;
        if !reads_only {
            let task = tokio::spawn(guest);
            detached = Some(task.abort_handle());
            guest = Box::pin(async move { task.await.map_err(|join| wasmtime::Error::from(TaskFailed(join.to_string())))? });
        }
        let limit = component.time_budget + HOST_GRACE;
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        let answered = tokio::select! {
            biased;
            finished = &mut guest => match receiver.try_recv() {
                Ok(answer) => Ok(answer),
                Err(_) => Err(Some(finished)),
            },
            answer = &mut receiver => match answer {
                Ok(answer) => {
                    // An inline guest still running goes on in a task of its own; a
                    // detached one already has its task, and dropping the future that
                    // waits for it leaves it running.
                    if detached.is_none() {
                        tokio::spawn(guest);
                    }
                    Ok(answer)
                }
                // The outparam was dropped unset: the guest has failed or is about to
                // finish without answering; its own result says which.
                Err(_) => tokio::select! {
                    finished = &mut guest => Err(Some(finished)),
                    _ = &mut deadline => Err(None),
                },
            },
            _ = &mut deadline => Err(None),
        };
        match answered {
            Ok(Ok(response)) => (response.map(Body::new), "ok"),
            Ok(Err(code)) => {
                tracing::warn!(component = %component.id, error = ?code, "the component answered with an error code");
                (json_error(500, "The request could not be completed"), "error")
            }
            Err(Some(finished)) => {
                // The guest returned or trapped without setting a response.
                let (outcome, reason) = match finished {
                    Ok(()) => ("error", "it returned without sending a response".to_string()),
                    Err(e) => classify(&e),
                };
                if outcome == "memory"
                    && let Some(progress) = &body_progress
                    && could_not_hold_body(progress, component.memory_bytes)
                {
                    tracing::warn!(component = %component.id, body_bytes = progress.size(), "component ran out of memory on its request body: 413");
                    return (json_error(413, "The request body is too large for this instance to process; send a smaller one"), outcome);
                }
                tracing::error!(component = %component.id, outcome, "component failed: {reason}");
                (json_error(500, &format!("The request could not be completed: component {} {reason}", component.id)), outcome)
            }
            Err(None) => {
                // Stopped: a guest in its own task is aborted, one running here is
                // dropped on return. Either way its instance is not reused.
                if let Some(task) = detached {
                    task.abort();
                }
                tracing::error!(component = %component.id, limit_ms = limit.as_millis() as u64, "component did not answer in time");
                (
                    json_error(500, &format!("The request could not be completed: component {} did not answer in time", component.id)),
                    "timeout",
                )
            }
        }
    }
}

/// Whether a guest stopped for memory was stopped by its request body: it ran out
/// before it had read all of it (a reader may size its buffer from Content-Length
/// first), or the body takes a quarter of its memory or more. Such a request is the
/// client's to fix (413), not the instance's (500).
fn could_not_hold_body(progress: &BodyProgress, memory_bytes: usize) -> bool {
    progress.size() > 0 && (!progress.finished() || progress.size().saturating_mul(4) >= memory_bytes as u64)
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

/// The task running a guest panicked or was cancelled.
#[derive(Debug)]
struct TaskFailed(String);

impl std::fmt::Display for TaskFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "its task failed: {}", self.0)
    }
}

impl std::error::Error for TaskFailed {}

/// Turns a failure into a metric outcome and a reason safe to show.
pub(super) fn classify(error: &wasmtime::Error) -> (&'static str, String) {
    if let Some(failed) = error.downcast_ref::<TaskFailed>() {
        return ("error", failed.to_string());
    }
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
