//! Integration tests: the real `aerie` binary on loopback, real SQLite files, a fresh
//! PostgreSQL database per test on 127.0.0.1:5432, real components.
//!
//! One test binary: every module shares one compiled host, one build of the
//! components and one `.cwasm` cache.

mod support;

mod activitypub;
mod api_hardening;
mod avatars;
mod blobs;
mod clients;
mod config_errors;
mod database;
mod edge;
mod external_peer;
mod federation;
mod federation_more;
mod fedi;
mod first_start;
mod grants;
mod home_timeline;
mod hot_reload;
mod identity;
mod inbox_hardening;
mod instances;
mod jobs;
mod ld_signatures;
mod limits;
mod media;
mod migrate;
mod oauth;
mod operations;
mod policies;
mod polls;
mod proxy;
mod reports;
mod sandbox_postgres;
mod sandbox_sql;
mod streaming;
mod visibility;
mod visibility_api;
