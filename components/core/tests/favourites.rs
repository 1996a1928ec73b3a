//! Native tests of `actions::favourites` against the in-memory harness.

mod common;

use aerie_core::actions::Origin;
use aerie_core::actions::favourites::{Favourited, favourite, unfavourite};
use aerie_core::store::notifications::FAVOURITE;
use aerie_sdk::harness;
use common::*;

#[test]
fn favouriting_twice_makes_one_row_one_count_and_one_notification() {
    let author = local_account("author");
    let fan = local_account("fan");
    let status = status(author, true, "hello", &[]);
    harness::take_events();

    assert!(matches!(favourite(fan, &status, &Origin::Local).unwrap(), Favourited::Added(_)));
    assert_eq!(favourite(fan, &status, &Origin::Local).unwrap(), Favourited::Already);

    assert_eq!(count("SELECT COUNT(*) AS n FROM favourites WHERE status_id = $1", &[aerie_sdk::db::Value::Int64(status.id)]), 1);
    assert_eq!(status_row(status.id).favourites_count, 1);
    assert_eq!(notifications(author, fan, FAVOURITE), 1);
    let events = harness::take_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].kind, "notification");
    assert_eq!(events[0].streams, [format!("user:{author}")]);
}

#[test]
fn unfavouriting_takes_the_count_and_the_notification_back() {
    let author = local_account("author");
    let fan = local_account("fan");
    let status = status(author, true, "hello", &[]);
    favourite(fan, &status, &Origin::Local).unwrap();

    let removed = unfavourite(fan, status.id).unwrap().expect("the favourite");
    assert_eq!((removed.account_id, removed.status_id), (fan, status.id));
    assert_eq!(status_row(status.id).favourites_count, 0);
    assert_eq!(notifications(author, fan, FAVOURITE), 0);
    assert_eq!(unfavourite(fan, status.id).unwrap(), None);
}
