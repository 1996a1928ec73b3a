//! Handlers, one file per URL.
pub mod actor;
pub mod emojis;
pub mod users;
pub mod well_known;
