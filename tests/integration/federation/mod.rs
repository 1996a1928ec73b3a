//! Federation: aerie instances (and a Fedify server) talking over loopback — discovery,
//! interactions, follows, account changes, backfill, what the inbox takes and refuses,
//! Linked Data signatures, moderation policies and reports.

mod accounts;
mod backfill;
mod discovery;
mod fedify_peer;
mod follows;
mod inbox;
mod interactions;
mod ld_signatures;
mod policies;
mod reports;
