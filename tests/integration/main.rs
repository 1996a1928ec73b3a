//! Integration tests: the real `aerie` binary on loopback, real SQLite files, a fresh
//! PostgreSQL database per test on 127.0.0.1:5432, real components.
//!
//! One test binary: every module shares one compiled host, one build of the
//! components and one `.cwasm` cache. The tests are grouped as the system is; each
//! group's `mod.rs` lists its files, and `support/` holds the shared machinery.

mod support;

mod api;
mod federation;
mod operator;
mod runtime;
mod storage;
