//! The guest SDK shared by every aerie component.
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
//! - [`media`]: media attachments: rows, their Mastodon entity and ActivityStreams
//!   attachment, and remote attachments stored by reference.
//! - Three vocabularies kept apart: [`rows`] (the database), [`entities`] (Mastodon
//!   JSON) and [`activitystreams`] (federation), with [`convert`] between them and
//!   [`time`] for their dates.
//! - [`visible`]: reading statuses under the one visibility rule.
//! - [`events`]: streaming events (what happened, to which streams).
//! - [`federation`]: signed fetches of remote documents and durable delivery, by the host;
//!   [`remote`]: remote actors and statuses resolved, fetched and stored;
//!   [`outbound`]: what local actions send out (activities and their audiences).
//! - [`notify`], [`follows`], [`stream_audience`]: notifications, follow bookkeeping and
//!   the streams of a status, shared by the API and the inbox.
//! - [`kv`], [`queue`], [`settings`], [`blobs`]: the component's key-value namespace, durable
//!   jobs, its manifest settings, time and ids, the blob store.
//!
//! HTTP components export `wasi:http/incoming-handler` themselves with
//! `wasip2::http::proxy::export!` and call [`http::serve`] from `handle`; job
//! components implement [`job_bindings::exports::aerie::app::job_handler::Guest`]
//! and export it with `aerie_guest::job_bindings::export_job!`.

pub mod activitystreams;
pub mod addressing;
pub mod auth;
pub mod blobs;
pub mod convert;
pub mod db;
pub mod entities;
pub mod events;
pub mod federation;
pub mod follows;
pub mod http;
pub mod json;
/// The model rules shared with the host: visibility and paging.
pub use aerie_model as model;
/// Status text the Mastodon way: extracting, rendering, counting, sanitizing.
pub use aerie_text as text;
pub mod kv;
pub mod log;
pub mod media;
pub mod multipart;
pub mod notify;
pub mod outbound;
pub mod params;
pub mod poll_end;
pub mod queue;
pub mod remote;
pub mod rows;
pub mod settings;
pub mod status_tags;
pub mod stream_audience;
pub mod time;
pub mod visible;

/// Bindings generated from the one `wit/` folder at the repository root.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/host", "../../wit/app"],
        world: "aerie:app/capabilities",
        generate_all,
    });
}

/// Bindings of the `aerie:app/job` world, reusing the capability bindings above.
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
        default_bindings_module: "aerie_guest::job_bindings",
    });
}

/// Bindings of the `aerie:app/policy-plugin` world (moderation policies): implement
/// [`policy_bindings::exports::aerie::app::policy::Guest`] and export it with
/// `aerie_guest::policy_bindings::export_policy!`. Policies may use [`kv`] and [`log`].
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
        default_bindings_module: "aerie_guest::policy_bindings",
    });
}
