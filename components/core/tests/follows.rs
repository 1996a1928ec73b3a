//! Native tests of following against the in-memory harness: `store::follows` (the
//! counters on both sides) and `actions::follows` (follow, unfollow, accept, reject
//! and remove, from a local or a remote origin: rows, counters, notifications).

mod common;

use aerie_core::actions::Origin;
use aerie_core::actions::follows::{self as actions, Followed, Options};
use aerie_core::store::follows::{self, Request};
use aerie_sdk::db::Value;
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

fn lock(id: i64) {
    db::execute("UPDATE accounts SET locked = $2 WHERE id = $1", &[Value::Int64(id), Value::Int64(1)]).unwrap();
}

fn remote(uri: &str) -> Origin {
    Origin::Remote { uri: uri.into() }
}

#[test]
fn a_local_follow_counts_and_notifies_once() {
    let alice = local_account("alice");
    let bob = local_account("bob");
    let first = actions::follow(alice, &account(bob), Options::default(), &Origin::Local).unwrap();
    assert!(matches!(first, Followed::Following { new: true, .. }));
    // Asked again with other options: the same follow, updated, not counted again.
    let options = Options { show_reblogs: false, notify: true };
    let again = actions::follow(alice, &account(bob), options, &Origin::Local).unwrap();
    let Followed::Following { id, new: false } = again else { panic!("{again:?}") };
    assert_eq!(follows::id_of(&db::Autocommit, alice, bob).unwrap(), Some(id));
    assert_eq!(counters(alice), (1, 0));
    assert_eq!(counters(bob), (0, 1));
    assert_eq!(notifications(bob, alice, "follow"), 1);

    // Unfollowing returns the follow that ended, once; a local unfollow keeps the
    // notification.
    let ended = actions::unfollow(alice, bob, &Origin::Local).unwrap().expect("the follow");
    assert_eq!(ended.0, id);
    assert_eq!(actions::unfollow(alice, bob, &Origin::Local).unwrap(), None);
    assert_eq!(counters(alice), (0, 0));
    assert_eq!(counters(bob), (0, 0));
    assert_eq!(notifications(bob, alice, "follow"), 1);
}

#[test]
fn a_locked_account_gets_a_request_then_accepts_or_rejects_it() {
    let alice = local_account("alice");
    let carol = local_account("carol");
    let bob = local_account("bob");
    lock(bob);

    let asked = actions::follow(alice, &account(bob), Options::default(), &Origin::Local).unwrap();
    assert_eq!(asked, Followed::Requested { send: None });
    actions::follow(alice, &account(bob), Options { show_reblogs: false, notify: true }, &Origin::Local).unwrap();
    assert_eq!(notifications(bob, alice, "follow_request"), 1);
    assert_eq!(counters(bob), (0, 0));

    // Accepting makes the follow with the request's latest options, and the
    // notification becomes a follow one.
    let accepted = actions::accept(alice, bob, &Origin::Local).unwrap().expect("the request");
    assert!(!accepted.show_reblogs && accepted.notify);
    assert!(follows::exists(&db::Autocommit, alice, bob).unwrap());
    assert_eq!(counters(bob), (0, 1));
    assert_eq!(notifications(bob, alice, "follow_request"), 0);
    assert_eq!(notifications(bob, alice, "follow"), 1);
    assert_eq!(actions::accept(alice, bob, &Origin::Local).unwrap(), None);

    // Rejecting drops the request and its notification, and follows nothing.
    actions::follow(carol, &account(bob), Options::default(), &Origin::Local).unwrap();
    assert_eq!(notifications(bob, carol, "follow_request"), 1);
    assert!(actions::reject(carol, bob).unwrap().is_some());
    assert!(follows::request(&db::Autocommit, carol, bob).unwrap().is_none());
    assert!(!follows::exists(&db::Autocommit, carol, bob).unwrap());
    assert_eq!(notifications(bob, carol, "follow_request"), 0);
    assert_eq!(actions::reject(carol, bob).unwrap(), None);

    // Removing a follower ends its follow and says what ended.
    let ended = actions::remove_followers(bob, &[alice]).unwrap();
    assert!(matches!(ended.as_slice(), [Some(_)]));
    assert_eq!(counters(bob), (0, 0));
    assert_eq!(actions::remove_followers(bob, &[alice]).unwrap(), vec![None]);
}

#[test]
fn a_local_follow_of_a_remote_account_is_a_request_until_its_accept() {
    let alice = local_account("alice");
    let zed = remote_account("zed", "remote.example");
    let asked = actions::follow(alice, &account(zed), Options::default(), &Origin::Local).unwrap();
    let Followed::Requested { send: Some(follow_uri) } = asked else { panic!("{asked:?}") };
    // Asked again: the pending request's Follow was sent already.
    assert_eq!(actions::follow(alice, &account(zed), Options::default(), &Origin::Local).unwrap(), Followed::Requested { send: None });
    assert_eq!(notifications(zed, alice, "follow_request"), 0);
    assert_eq!(follows::request(&db::Autocommit, alice, zed).unwrap().and_then(|r| r.uri), Some(follow_uri.clone()));

    // The remote Accept makes the follow, which keeps the Follow's id.
    actions::accept(alice, zed, &remote("https://remote.example/accepts/1")).unwrap().expect("the request");
    assert_eq!(follows::follow_or_request(&db::Autocommit, alice, zed).unwrap().and_then(|(_, uri)| uri), Some(follow_uri));
    assert_eq!(counters(alice), (1, 0));
    assert_eq!(notifications(zed, alice, "follow"), 0);

    // Its Reject (or Undo of the Accept) ends it.
    actions::remove_followers(zed, &[alice]).unwrap();
    assert_eq!(counters(alice), (0, 0));
}

#[test]
fn a_remote_follow_and_its_undo() {
    let bob = local_account("bob");
    let zed = remote_account("zed", "remote.example");
    let followed = actions::follow(zed, &account(bob), Options::default(), &remote("https://remote.example/follows/1")).unwrap();
    let Followed::Following { id, new: true } = followed else { panic!("{followed:?}") };
    // A repeated Follow is the same follow, with the newer id kept.
    let again = actions::follow(zed, &account(bob), Options::default(), &remote("https://remote.example/follows/2")).unwrap();
    assert_eq!(again, Followed::Following { id, new: false });
    assert_eq!(follows::target_by_uri(&db::Autocommit, zed, "https://remote.example/follows/2").unwrap(), Some(bob));
    assert_eq!(counters(bob), (0, 1));
    assert_eq!(notifications(bob, zed, "follow"), 1);

    // The Undo ends it and withdraws the notification.
    actions::unfollow(zed, bob, &remote("https://remote.example/follows/2#undo")).unwrap();
    assert_eq!(counters(bob), (0, 0));
    assert_eq!(notifications(bob, zed, "follow"), 0);

    // A locked account gets a request and a follow request notification, once.
    lock(bob);
    let asked = actions::follow(zed, &account(bob), Options::default(), &remote("https://remote.example/follows/3")).unwrap();
    assert_eq!(asked, Followed::Requested { send: None });
    actions::follow(zed, &account(bob), Options::default(), &remote("https://remote.example/follows/4")).unwrap();
    assert_eq!(notifications(bob, zed, "follow_request"), 1);
    let pending = follows::request(&db::Autocommit, zed, bob).unwrap().expect("the request");
    assert_eq!(pending.uri.as_deref(), Some("https://remote.example/follows/4"));
    actions::unfollow(zed, bob, &remote("")).unwrap();
    assert!(follows::request(&db::Autocommit, zed, bob).unwrap().is_none());
    assert_eq!(notifications(bob, zed, "follow_request"), 0);
}
