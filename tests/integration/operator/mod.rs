//! What an operator meets: first start, configuration errors, the domain set once,
//! recovery from kills and a full disk, the edge under slow and greedy clients, and
//! trusted proxies.

mod backup;
mod config_errors;
mod edge;
mod first_start;
mod identity;
mod proxy;
mod recovery;
