//! Handlers, one file per URL.
pub mod actor;
pub mod users;
pub mod well_known;
