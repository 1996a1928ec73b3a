//! Native tests of `actions::lists` against the in-memory harness: creating,
//! updating and deleting lists (titles and replies policies checked, another
//! account's list not found), members (only followed accounts, each once, all or
//! none), members leaving with the follow (unfollow, a remote `Undo`, a block, a
//! deleted account), and the `list:<id>` streams of a member's statuses.

mod common;

use aerie_core::actions::Origin;
use aerie_core::actions::lists::{self as actions, Changes, Refusal};
use aerie_core::actions::statuses::Posted;
use aerie_core::actions::{accounts, blocks, follows};
use aerie_core::rows::StatusRow;
use aerie_core::store::blocks::Block;
use aerie_core::store::lists;
use aerie_sdk::db::Autocommit;
use aerie_sdk::{harness, settings};
use common::*;

fn titled(title: &str) -> Changes {
    Changes { title: Some(title.into()), ..Default::default() }
}

fn follow(follower: i64, target: i64) {
    let target = account(target);
    follows::follow(follower, &target, follows::Options::default(), &Origin::Local).expect("followed");
}

fn members(list: i64) -> Vec<i64> {
    let page = aerie_core::contract::paging::Page::default();
    let mut ids: Vec<i64> = lists::members_page(&Autocommit, list, &page, true).unwrap().into_iter().map(|(id, _)| id).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn lists_are_created_checked_updated_and_deleted_by_their_owner_only() {
    let alice = local_account("alice");
    let bob = local_account("bob");

    assert_eq!(actions::create(alice, Changes::default()).unwrap(), Err(Refusal::Invalid("Title can't be blank")));
    assert_eq!(actions::create(alice, titled("   ")).unwrap(), Err(Refusal::Invalid("Title can't be blank")));
    let bad = Changes { replies_policy: Some("all".into()), ..titled("x") };
    assert!(matches!(actions::create(alice, bad).unwrap(), Err(Refusal::Invalid(_))));

    let list = actions::create(alice, titled(" Friends ")).unwrap().expect("created");
    assert_eq!((list.title.as_str(), list.replies_policy.as_str(), list.exclusive), ("Friends", "list", false));
    assert_eq!(lists::of_owner(&Autocommit, alice).unwrap(), vec![list.clone()]);
    assert!(lists::of_owner(&Autocommit, bob).unwrap().is_empty());

    // Only what is given changes.
    let changed = Changes { replies_policy: Some("none".into()), exclusive: Some(true), ..Default::default() };
    let updated = actions::update(alice, list.id, changed).unwrap().expect("updated");
    assert_eq!((updated.title.as_str(), updated.replies_policy.as_str(), updated.exclusive), ("Friends", "none", true));
    assert_eq!(lists::by_id(&Autocommit, alice, list.id).unwrap(), Some(updated));

    // Bob cannot touch it.
    assert_eq!(actions::update(bob, list.id, titled("mine")).unwrap(), Err(Refusal::NotFound));
    assert_eq!(actions::delete(bob, list.id).unwrap(), Err(Refusal::NotFound));
    assert_eq!(actions::add_accounts(bob, list.id, &[]).unwrap(), Err(Refusal::NotFound));
    assert_eq!(lists::by_id(&Autocommit, bob, list.id).unwrap(), None);

    assert_eq!(actions::delete(alice, list.id).unwrap(), Ok(()));
    assert_eq!(lists::by_id(&Autocommit, alice, list.id).unwrap(), None);
    assert_eq!(actions::delete(alice, list.id).unwrap(), Err(Refusal::NotFound));
}

#[test]
fn only_followed_accounts_are_members_and_they_leave_with_the_follow() {
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    let dave = local_account("dave");
    let remote = remote_account("erin", "remote.example");
    for target in [bob, carol, dave] {
        follow(alice, target);
    }
    // A remote account is followed once its Accept arrives; here, accepted already.
    aerie_core::store::follows::create(&Autocommit, alice, remote, true, false).unwrap();
    let stranger = local_account("stranger");
    let list = actions::create(alice, titled("All")).unwrap().unwrap();
    let other = actions::create(alice, titled("Other")).unwrap().unwrap();

    // All or none: a stranger spoils the batch.
    assert_eq!(
        actions::add_accounts(alice, list.id, &[bob, stranger]).unwrap(),
        Err(Refusal::Invalid("Account must be a followed account"))
    );
    assert!(members(list.id).is_empty());
    assert_eq!(actions::add_accounts(alice, list.id, &[bob, carol, dave]).unwrap(), Ok(()));
    assert_eq!(actions::add_accounts(alice, list.id, &[bob]).unwrap(), Err(Refusal::Invalid("Account is already on the list")));
    assert_eq!(actions::add_accounts(alice, other.id, &[bob]).unwrap(), Ok(()));
    let mut expected = vec![bob, carol, dave];
    expected.sort_unstable();
    assert_eq!(members(list.id), expected);
    let holding: Vec<i64> = lists::of_owner_holding(&Autocommit, alice, bob).unwrap().iter().map(|l| l.id).collect();
    assert_eq!(holding, vec![list.id, other.id]);

    // Unfollowing takes bob out of every list of alice's.
    follows::unfollow(alice, bob, &Origin::Local).unwrap();
    assert!(!members(list.id).contains(&bob) && members(other.id).is_empty());

    // A block by either side ends the follow, and the membership.
    blocks::block(&Block { id: settings::next_id(), account: carol, target: alice, uri: None }).unwrap();
    assert!(!members(list.id).contains(&carol));

    // Removing a member; ids not on the list are ignored.
    assert_eq!(actions::remove_accounts(alice, list.id, &[dave, stranger]).unwrap(), Ok(()));
    assert!(members(list.id).is_empty());

    // A remote member leaves when its account is deleted.
    assert_eq!(actions::add_accounts(alice, list.id, &[remote]).unwrap(), Ok(()));
    accounts::delete_remote(remote).unwrap();
    assert!(members(list.id).is_empty());

    // Someone else's list stays as it was when alice's follows end.
    let bobs = actions::create(bob, titled("Bob's")).unwrap().unwrap();
    follow(bob, dave);
    assert_eq!(actions::add_accounts(bob, bobs.id, &[dave]).unwrap(), Ok(()));
    follows::unfollow(alice, dave, &Origin::Local).unwrap();
    assert_eq!(members(bobs.id), vec![dave]);
}

#[test]
fn a_members_statuses_stream_to_its_lists_by_their_replies_policy() {
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    let dave = local_account("dave");
    for target in [bob, carol, dave] {
        follow(alice, target);
    }
    let by_list = actions::create(alice, titled("list")).unwrap().unwrap();
    let followed = actions::create(alice, Changes { replies_policy: Some("followed".into()), ..titled("followed") }).unwrap().unwrap();
    let none =
        actions::create(alice, Changes { replies_policy: Some("none".into()), exclusive: Some(true), ..titled("none") }).unwrap().unwrap();
    for list in [&by_list, &followed, &none] {
        assert_eq!(actions::add_accounts(alice, list.id, &[bob, carol]).unwrap(), Ok(()));
    }
    let streams = |kind: &str| -> Vec<String> {
        let events = harness::take_events();
        events
            .into_iter()
            .filter(|e| e.kind == kind)
            .flat_map(|e| e.streams)
            .filter(|s| s.starts_with("list:") || s.starts_with("user:"))
            .collect()
    };
    let list_key = |id: i64| format!("list:{id}");
    harness::take_events();

    let original = status(bob, true, "hello", &[]);
    let heard = streams("update");
    for list in [&by_list, &followed, &none] {
        assert!(heard.contains(&list_key(list.id)), "{heard:?}");
    }
    // Bob is in an exclusive list of alice's: his posts leave her home stream.
    assert!(!heard.contains(&format!("user:{alice}")), "{heard:?}");

    let carol_post = status(carol, true, "carol here", &[]);
    harness::take_events();
    let dave_post = status(dave, true, "dave here", &[]);
    harness::take_events();
    let reply = |to: &StatusRow| {
        let now = settings::now_millis();
        let id = settings::next_id();
        let row = StatusRow {
            id,
            account_id: bob,
            local: true,
            text: "a reply".into(),
            content_html: "<p>a reply</p>".into(),
            uri: Some(format!("https://example.test/statuses/{id}")),
            visibility: "public".into(),
            in_reply_to_id: Some(to.id),
            in_reply_to_account_id: Some(to.account_id),
            created_at: now,
            updated_at: now,
            ..Default::default()
        };
        assert!(matches!(post_row(&Origin::Local, row, &[]), Posted::Created(_)));
    };

    // A reply to a member: `list` and `followed`, not `none`.
    reply(&carol_post);
    let heard: Vec<String> = harness::take_events().into_iter().rfind(|e| e.kind == "update").unwrap().streams;
    assert!(heard.contains(&list_key(by_list.id)) && heard.contains(&list_key(followed.id)), "{heard:?}");
    assert!(!heard.contains(&list_key(none.id)), "{heard:?}");

    // A reply to someone alice follows outside the list: only `followed`.
    reply(&dave_post);
    let heard: Vec<String> = harness::take_events().into_iter().rfind(|e| e.kind == "update").unwrap().streams;
    assert!(heard.contains(&list_key(followed.id)), "{heard:?}");
    assert!(!heard.contains(&list_key(by_list.id)) && !heard.contains(&list_key(none.id)), "{heard:?}");

    // A reply to oneself: every list.
    reply(&original);
    let heard: Vec<String> = harness::take_events().into_iter().rfind(|e| e.kind == "update").unwrap().streams;
    for list in [&by_list, &followed, &none] {
        assert!(heard.contains(&list_key(list.id)), "{heard:?}");
    }
}
