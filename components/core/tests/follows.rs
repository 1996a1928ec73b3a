//! Native tests of following (`store::follows`, as the API and the inbox use it in
//! one transaction) against the in-memory harness: the counters on both sides.

mod common;

use aerie_core::store::follows::{self, Request};
use aerie_sdk::{db, settings};
use common::*;

fn counters(id: i64) -> (i64, i64) {
    let row = account(id);
    (row.following_count, row.followers_count)
}

#[test]
fn follow_accept_and_remove_keep_the_counters() {
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");

    // A follow, made twice: counted once.
    let tx = db::begin().unwrap();
    assert!(follows::create(&tx, alice, bob, true, false).unwrap());
    assert!(!follows::create(&tx, alice, bob, true, true).unwrap());
    tx.commit().unwrap();
    assert_eq!(counters(alice), (1, 0));
    assert_eq!(counters(bob), (0, 1));

    // A request to a locked account counts nothing until it is accepted.
    let request = Request { id: settings::next_id(), follower: carol, target: bob, show_reblogs: true, notify: false, uri: None };
    follows::insert_request(&db::Autocommit, &request, settings::now_millis(), false).unwrap();
    assert_eq!(counters(bob), (0, 1));
    let tx = db::begin().unwrap();
    let taken = follows::take_request(&tx, carol, bob).unwrap().expect("the request");
    assert!(follows::create(&tx, carol, bob, taken.show_reblogs, taken.notify).unwrap());
    tx.commit().unwrap();
    assert!(follows::request(&db::Autocommit, carol, bob).unwrap().is_none());
    assert_eq!(counters(carol), (1, 0));
    assert_eq!(counters(bob), (0, 2));

    // Removing ends the follow once.
    let tx = db::begin().unwrap();
    follows::remove(&tx, alice, bob).unwrap();
    follows::remove(&tx, alice, bob).unwrap();
    tx.commit().unwrap();
    assert!(!follows::exists(&db::Autocommit, alice, bob).unwrap());
    assert_eq!(counters(alice), (0, 0));
    assert_eq!(counters(bob), (0, 1));
}
