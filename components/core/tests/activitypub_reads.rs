//! Native tests of the store reads the ActivityPub documents are made from (actors,
//! follow collections, Notes) against the in-memory harness.

mod common;

use aerie_core::store;
use aerie_sdk::db::Autocommit;
use aerie_sdk::settings;
use common::*;

fn uri(id: i64) -> String {
    account(id).uri.expect("a URI")
}

#[test]
fn follow_collections_list_live_actors_newest_follow_first() {
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    let dave = local_account("dave");
    for follower in [bob, carol, dave] {
        assert!(store::follows::create(&Autocommit, follower, alice, true, false).unwrap());
    }
    store::accounts::mark_deleted(&Autocommit, carol, settings::now_millis()).unwrap();

    assert_eq!(store::follows::actor_uris_page(&Autocommit, alice, true, 10, 0).unwrap(), vec![uri(dave), uri(bob)]);
    assert_eq!(store::follows::actor_uris_page(&Autocommit, alice, true, 1, 1).unwrap(), vec![uri(bob)]);
    assert_eq!(store::follows::actor_uris_page(&Autocommit, bob, false, 10, 0).unwrap(), vec![uri(alice)]);
    assert!(store::follows::actor_uris_page(&Autocommit, alice, false, 10, 0).unwrap().is_empty());
}

#[test]
fn an_actor_is_found_by_name_even_when_gone_and_names_where_it_moved() {
    let erin = local_account("erin");
    let frank = local_account("frank");
    store::accounts::set_moved_to(&Autocommit, erin, frank).unwrap();
    store::accounts::mark_deleted(&Autocommit, erin, settings::now_millis()).unwrap();

    let found = store::accounts::local_named(&Autocommit, "ERIN").unwrap().expect("a deleted account is still found");
    assert_eq!(found.id, erin);
    assert!(store::accounts::local_by_username(&Autocommit, "erin").unwrap().is_none());
    let (also_known_as, moved_to) = store::accounts::actor_links(&Autocommit, erin).unwrap();
    assert!(also_known_as.is_empty());
    assert_eq!(moved_to, Some(uri(frank)));
    assert_eq!(store::accounts::uris_of(&Autocommit, &[frank]).unwrap(), vec![(frank, uri(frank))]);
}

#[test]
fn a_notes_mentions_and_uri_are_read_by_status() {
    let gina = local_account("gina");
    let hank = local_account("hank");
    let posted = status(gina, true, "hello @hank", &[hank]);

    let mentioned = store::mentions::accounts_of(&Autocommit, &[posted.id]).unwrap();
    assert_eq!(mentioned.iter().map(|(s, a)| (*s, a.id)).collect::<Vec<_>>(), vec![(posted.id, hank)]);
    assert_eq!(store::statuses::uris_of(&Autocommit, &[posted.id]).unwrap(), vec![(posted.id, posted.uri.clone().unwrap())]);
    let visible = store::statuses::public_visible(&Autocommit, None, &[posted.id]).unwrap();
    assert_eq!(visible.iter().map(|s| s.id).collect::<Vec<_>>(), vec![posted.id]);
    assert!(store::statuses::first_public_replies(&Autocommit, None, &[posted.id], 5).unwrap().is_empty());
    assert!(store::polls::tallies(&Autocommit, &[]).unwrap().is_empty());
}
