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

/// Two remote posts published in the same millisecond whose URIs hash alike want the
/// same id; both are stored (the second on the next id of that millisecond, so it still
/// sorts where it was published), and a repeat of the first is still "already stored".
#[test]
fn remote_posts_that_want_the_same_id_are_both_stored() {
    use aerie_core::actions::Origin;
    use aerie_core::actions::statuses::Posted;
    use aerie_core::rows::StatusRow;
    use aerie_sdk::settings;

    let remote = remote_account("far", "remote.test");
    let wanted = (settings::now_millis() - 1_000) << 16 | 0x1234;
    let send = |uri: &str| {
        let now = settings::now_millis();
        let row = StatusRow {
            id: wanted,
            account_id: remote,
            content_html: format!("<p>{uri}</p>"),
            uri: Some(uri.to_string()),
            visibility: "public".into(),
            created_at: wanted >> 16,
            updated_at: now,
            ..Default::default()
        };
        post_row(&Origin::Remote { uri: uri.to_string() }, row, &[])
    };

    let Posted::Created(first) = send("https://remote.test/notes/1") else { panic!("the first was not stored") };
    let Posted::Created(second) = send("https://remote.test/notes/2") else { panic!("the second was not stored") };
    assert_eq!(first.id, wanted);
    assert_eq!((second.id >> 16, second.id & 0xffff), (wanted >> 16, 0x1235), "the next id of the same millisecond");
    assert!(matches!(send("https://remote.test/notes/1"), Posted::AlreadyStored));
    assert_eq!(account(remote).statuses_count, 2);
}
