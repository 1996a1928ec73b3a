//! Follow bookkeeping: moved to the guest SDK (`aerie_guest::follows`), shared with
//! the inbox component.

pub use aerie_guest::follows::*;
