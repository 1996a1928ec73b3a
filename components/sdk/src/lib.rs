//! The guest SDK shared by every aerie component.
//!
//! - [`db`]: typed access to the host's `aerie:host/db` capability (portable SQL with
//!   `$1..$n` placeholders, typed values, rows with column names, transactions).
//! - [`log`]: the host's structured log.
//! - [`http`]: a small request/response layer over WASI 0.2 `wasi:http`, so handler
//!   components deal in paths, JSON and Mastodon-style errors rather than streams.
//!
//! Components export `wasi:http/incoming-handler` themselves with
//! `wasip2::http::proxy::export!`, and call [`http::serve`] from `handle`.

pub mod db;
pub mod http;
pub mod log;

/// Bindings generated from the one `wit/` folder at the repository root.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/host", "../../wit/app"],
        world: "aerie:app/capabilities",
        generate_all,
    });
}
