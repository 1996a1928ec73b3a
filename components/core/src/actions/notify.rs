//! Notifications once written: the recipients' streams hear of them after the
//! transaction that wrote them ([`crate::store::notifications`]) commits.

use aerie_sdk::events;

use crate::store::notifications::Notice;

/// Tells the recipients' streams, after the transaction that wrote them committed.
pub fn publish(notices: impl IntoIterator<Item = Notice>) {
    for notice in notices {
        events::notification(notice.id, notice.recipient);
    }
}
