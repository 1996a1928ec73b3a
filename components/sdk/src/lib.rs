//! The plugin SDK of aerie: the platform every component and plugin builds on, with no
//! Mastodon or ActivityPub vocabulary of its own (that is `aerie-core`).
//!
//! - [`db`]: typed access to the host's `aerie:host/db` capability (portable SQL with
//!   `$1..$n` placeholders, typed values, rows with column names, transactions).
//! - [`log`]: the host's structured log.
//! - [`http`]: a small request/response layer over WASI 0.2 `wasi:http`, so handler
//!   components deal in paths, JSON and Mastodon-style errors rather than streams;
//!   [`json`] writes their JSON (serde_json's output, with a faster string scan).
//! - [`auth`]: the [`auth::Viewer`] the host put in the request and Mastodon's scope rules;
//!   [`params`]: query and body parameters read the same way for form, multipart and JSON;
//!   [`multipart`]: multipart bodies as bytes, files included.
//! - [`events`]: streaming events (what happened, to which streams).
//! - [`federation`]: signed fetches of remote documents and durable delivery, by the host.
//! - [`kv`], [`queue`], [`settings`], [`blobs`]: the component's key-value namespace, durable
//!   jobs, its manifest settings, time and ids, the blob store.
//! - [`addressing`]: helpers for moderation policies that change who an activity reaches.
//!
//! Each capability wrapper sits behind a cargo feature of its name (`db`, `kv`, `queue`,
//! `blobs`, `events`, `federation`, `config` for [`settings`]; `http` for the request
//! layer), all on by default; a policy plugin takes `default-features = false`.
//! `native-harness` (off by default; tests enable it as a dev-dependency feature)
//! serves the wrappers natively off wasm32 ([`harness`]: in-memory SQLite, a test clock,
//! recorded events) so actions can be tested without the host.
//!
//! A component's entry point is one attribute on one function, per hook:
//!
//! - [`http_component`] (feature `http`): `fn handle(request: http::Request) -> http::Response`
//!   becomes the component's `wasi:http/incoming-handler` export;
//! - [`job`](macro@job): `fn handle(job: job::Job) -> Result<(), String>` becomes the `job` world's
//!   `job-handler` export;
//! - [`policy`](macro@policy): `fn filter(activity, direction, peer, config) -> policy::Verdict` becomes
//!   the `policy-plugin` world's `policy` export.
//!
//! ```ignore
//! use aerie_sdk::http::{Request, Response};
//!
//! #[aerie_sdk::http_component]
//! fn handle(request: Request) -> Response {
//!     Response::json(200, &serde_json::json!({ "path": request.path }))
//! }
//! ```
//!
//! Compiling examples of each hook are in `components/sdk/examples/`.

#![deny(missing_docs)]

pub mod addressing;
#[cfg(feature = "http")]
pub mod auth;
#[cfg(feature = "blobs")]
pub mod blobs;
#[cfg(feature = "db")]
pub mod db;
#[cfg(feature = "events")]
pub mod events;
#[cfg(feature = "federation")]
pub mod federation;
#[cfg(all(feature = "native-harness", not(target_arch = "wasm32")))]
pub mod harness;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "http")]
pub mod json;
#[cfg(feature = "kv")]
pub mod kv;
pub mod log;
#[cfg(feature = "http")]
pub mod multipart;
#[cfg(feature = "http")]
pub mod params;
#[cfg(feature = "queue")]
pub mod queue;
#[cfg(feature = "config")]
pub mod settings;

#[cfg(feature = "http")]
pub use aerie_sdk_macros::http_component;
pub use aerie_sdk_macros::{job, policy};

/// What the entry macros' generated code names; not part of the API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "http")]
    pub use wasip2;
}

/// The types of the `job` world's export, for functions under [`macro@job`].
pub mod job {
    pub use crate::job_bindings::exports::aerie::app::job_handler::Job;
}

/// The types of the `policy-plugin` world's export, for functions under [`macro@policy`].
pub mod policy {
    pub use crate::policy_bindings::exports::aerie::app::policy::{Direction, Verdict};
}

/// Bindings generated from the one `wit/` folder at the repository root.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/host", "../../wit/app"],
        world: "aerie:app/capabilities",
        generate_all,
    });
}

/// Bindings of the `aerie:app/job` world, reusing the capability bindings above; what
/// [`macro@job`] exports through (its types are in [`job`]).
#[doc(hidden)]
pub mod job_bindings {
    wit_bindgen::generate!({
        path: ["../../wit/host", "../../wit/app"],
        world: "aerie:app/job",
        with: {
            "aerie:host/db@0.1.0": crate::bindings::aerie::host::db,
            "aerie:host/log@0.1.0": crate::bindings::aerie::host::log,
            "aerie:host/kv@0.1.0": crate::bindings::aerie::host::kv,
            "aerie:host/config@0.1.0": crate::bindings::aerie::host::config,
            "aerie:host/clock@0.1.0": crate::bindings::aerie::host::clock,
            "aerie:host/queue@0.1.0": crate::bindings::aerie::host::queue,
            "aerie:host/blobs@0.1.0": crate::bindings::aerie::host::blobs,
            "aerie:host/events@0.1.0": crate::bindings::aerie::host::events,
            "aerie:host/federation@0.1.0": crate::bindings::aerie::host::federation,
        },
        pub_export_macro: true,
        export_macro_name: "export_job",
        default_bindings_module: "aerie_sdk::job_bindings",
    });
}

/// Bindings of the `aerie:app/policy-plugin` world (moderation policies, which may use
/// [`kv`] and [`log`]); what [`macro@policy`] exports through (its types are in
/// [`policy`]).
#[doc(hidden)]
pub mod policy_bindings {
    wit_bindgen::generate!({
        path: ["../../wit/host", "../../wit/app"],
        world: "aerie:app/policy-plugin",
        with: {
            "aerie:host/log@0.1.0": crate::bindings::aerie::host::log,
            "aerie:host/kv@0.1.0": crate::bindings::aerie::host::kv,
        },
        pub_export_macro: true,
        export_macro_name: "export_policy",
        default_bindings_module: "aerie_sdk::policy_bindings",
    });
}
