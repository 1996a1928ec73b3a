//! `/.well-known/*`: discovery.
pub mod host_meta;
pub mod webfinger;
