//! Native tests of `actions::statuses` (post, delete) against the in-memory harness.

mod common;

use aerie_core::actions::statuses::{Files, delete};
use aerie_core::store::notifications::MENTION;
use aerie_sdk::db::Value;
use aerie_sdk::harness;
use common::*;

#[test]
fn posting_with_a_mention_counts_the_status_and_notifies_the_mentioned() {
    let author = local_account("author");
    let friend = local_account("friend");
    harness::take_events();

    let posted = status(author, true, "hi @friend", &[friend]);

    let stored = status_row(posted.id);
    assert_eq!((stored.account_id, stored.local, stored.text.as_str()), (author, true, "hi @friend"));
    assert!(stored.conversation_id.is_some());
    assert_eq!(account(author).statuses_count, 1);
    assert_eq!(count("SELECT COUNT(*) AS n FROM mentions WHERE status_id = $1", &[Value::Int64(posted.id)]), 1);
    assert_eq!(notifications(friend, author, MENTION), 1);
    let events = harness::take_events();
    assert!(events.iter().any(|e| e.kind == "notification" && e.streams == [format!("user:{friend}")]), "{events:?}");
    assert!(events.iter().any(|e| e.kind == "update" && e.id == posted.id && e.streams.contains(&"public".to_string())), "{events:?}");
}

#[test]
fn deleting_takes_the_counters_back() {
    let author = local_account("author");
    let friend = local_account("friend");
    let posted = status(author, true, "hi @friend", &[friend]);
    assert_eq!(account(author).statuses_count, 1);
    harness::take_events();

    let deleted = delete(&posted, Files::Remove).unwrap().expect("deleted");
    assert!(deleted.reblogs.is_empty());
    assert_eq!(account(author).statuses_count, 0);
    assert!(status_row(posted.id).deleted_at.is_some());
    let events = harness::take_events();
    assert!(events.iter().any(|e| e.kind == "delete" && e.id == posted.id), "{events:?}");
    // A second delete finds it deleted already.
    assert!(delete(&status_row(posted.id), Files::Remove).unwrap().is_none());
    assert_eq!(account(author).statuses_count, 0);
}
