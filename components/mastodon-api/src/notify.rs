//! Notifications: moved to the guest SDK (`aerie_guest::notify`) so the inbox
//! component writes them by the same rules.

pub use aerie_guest::notify::*;
