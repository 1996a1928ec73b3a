//! The state changes, one function per change (favourite, unfavourite, boost,
//! follow, block, ...), called by the Mastodon API for local accounts and by the
//! inbox for remote ones.
//!
//! Conventions (follow them when adding an action):
//! - An action takes what it acts on (already checked by the caller: visibility,
//!   scopes, trust in the activity) and its [`Origin`].
//! - It does everything the change means inside, once: the rows and counters
//!   (through [`crate::store`], in one transaction), the notifications, and after
//!   the commit the stream events. Callers write no SQL and publish nothing.
//! - It returns what happened (an outcome type, e.g. [`favourites::Favourited`]) so
//!   the caller can answer and, for a local origin, federate it: the API builds the
//!   activity from the outcome (`Like` with the stored id), the inbox does not.
//! - Errors are the database's ([`aerie_sdk::db::Error`]): the API turns them into a
//!   500, the inbox into a retry.

pub mod accounts;
pub mod announcements;
pub mod blocks;
pub mod boosts;
pub mod conversations;
pub mod favourites;
pub mod filters;
pub mod follows;
pub mod lists;
pub mod notification_requests;
pub mod notify;
pub mod polls;
pub mod saved;
pub mod scheduled;
pub mod statuses;
pub mod tags;

/// Where a state change comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A local account, through the client API: the action mints the activity ids.
    Local,
    /// A remote actor, through the inbox: `uri` is the activity's id (empty when it
    /// had none), kept so a later `Undo` can name it.
    Remote { uri: String },
}

impl Origin {
    /// The remote activity's id, when there is one.
    pub fn remote_uri(&self) -> Option<&str> {
        match self {
            Origin::Local => None,
            Origin::Remote { uri } => Some(uri.as_str()).filter(|u| !u.is_empty()),
        }
    }
}
