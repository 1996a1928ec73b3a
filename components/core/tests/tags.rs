//! Native tests of followed hashtags, featured hashtags and endorsements against the
//! in-memory harness: public statuses with a followed tag join the home timeline
//! (local or remote, once, also beyond the window the first statement reads), never
//! a private or direct one nor a reblog; tag history counts per day; featured tags'
//! rules and counts; endorsements need the follow and go with it.

mod common;

use aerie_core::actions::Origin;
use aerie_core::actions::follows;
use aerie_core::actions::statuses::{Attachments, Conversation, NewStatus, Posted, post};
use aerie_core::actions::tags::{self as actions, Refusal};
use aerie_core::contract::paging::Page;
use aerie_core::rows::StatusRow;
use aerie_core::store::tags::{self, DAY_MS};
use aerie_core::store::{endorsements, featured_tags, followed_tags, timelines};
use aerie_sdk::db::Autocommit;
use aerie_sdk::{harness, settings};
use common::*;

/// A status by `account` with `visibility` carrying hashtags `tags`.
fn tagged(account: i64, local: bool, visibility: &str, tags: &[&str]) -> i64 {
    let id = settings::next_id();
    let now = settings::now_millis();
    let text = tags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ");
    let row = StatusRow {
        id,
        account_id: account,
        local,
        text: if local { text.clone() } else { String::new() },
        content_html: format!("<p>{text}</p>"),
        uri: Some(format!("https://example.test/statuses/{id}")),
        visibility: visibility.into(),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    let origin = if local { Origin::Local } else { Origin::Remote { uri: String::new() } };
    let new = NewStatus {
        now,
        row,
        conversation: Conversation::New,
        mentioned: Vec::new(),
        silent: Vec::new(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        media: if local { Attachments::Uploads(Vec::new()) } else { Attachments::Remote(Vec::new()) },
        poll: None,
        scheduled: None,
    };
    match post(&origin, new).expect("posted") {
        Posted::Created(row) => row.id,
        _ => panic!("not created"),
    }
}

fn home(viewer: i64, page: &Page) -> Vec<i64> {
    let rows = timelines::home(&Autocommit, viewer, settings::now_millis(), page).unwrap();
    page.finish(rows).into_iter().map(|(id, _)| id).collect()
}

fn follow(follower: i64, target: i64) {
    follows::follow(follower, &account(target), follows::Options::default(), &Origin::Local).expect("followed");
}

#[test]
fn public_statuses_with_a_followed_tag_join_the_home_timeline() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    let remote = remote_account("erin", "remote.example");
    follow(alice, carol);

    let before = tagged(bob, true, "public", &["Rust"]);
    assert!(!home(alice, &Page::default()).contains(&before), "not followed yet");
    assert_eq!(actions::follow(alice, "#rust").unwrap().map(|t| t.name), Ok("rust".to_string()));
    assert!(followed_tags::follows_any(&Autocommit, alice).unwrap());

    let public = tagged(bob, true, "public", &["rust"]);
    let from_remote = tagged(remote, false, "public", &["RUST"]);
    let unlisted = tagged(bob, true, "unlisted", &["rust"]);
    let private = tagged(bob, true, "private", &["rust"]);
    let direct = tagged(bob, true, "direct", &["rust"]);
    let other_tag = tagged(bob, true, "public", &["go"]);
    // Followed and tagged: once.
    let both = tagged(carol, true, "public", &["rust"]);
    let seen = home(alice, &Page::default());
    assert_eq!(seen, vec![both, from_remote, public, before], "{seen:?}");
    for hidden in [unlisted, private, direct, other_tag] {
        assert!(!seen.contains(&hidden));
    }

    // Unfollowing the tag takes them out again; the followed account's stays.
    assert!(actions::unfollow(alice, "rust").unwrap().is_ok());
    assert_eq!(home(alice, &Page::default()), vec![both]);
    assert_eq!(actions::unfollow(alice, "never-used").unwrap(), Err(Refusal::NotFound));
    assert_eq!(actions::follow(alice, "123").unwrap().map(|t| t.id), Err(Refusal::Invalid("Name is invalid")));
}

#[test]
fn tagged_statuses_beyond_the_window_are_paged_in_order() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    let noisy = local_account("noisy");
    follow(alice, carol);
    actions::follow(alice, "rust").unwrap().unwrap();
    let mut expected = Vec::new();
    for i in 0..6 {
        expected.push(tagged(bob, true, "public", &["rust"]));
        expected.push(tagged(carol, true, "public", &[]));
        if i == 2 {
            // Carol's tagged status is both: listed once.
            expected.push(tagged(carol, true, "public", &["rust"]));
        }
    }
    // More than the window of statuses nobody asked for, newer than all of them.
    for _ in 0..300 {
        tagged(noisy, true, "public", &[]);
    }
    expected.reverse();
    let first = home(alice, &Page { limit: Some(5), ..Default::default() });
    assert_eq!(first, expected[..5].to_vec());
    let rest = home(alice, &Page { limit: Some(40), max_id: Some(first[4]), ..Default::default() });
    assert_eq!(rest, expected[5..].to_vec());
    let newer = home(alice, &Page { limit: Some(3), min_id: Some(expected[8]), ..Default::default() });
    assert_eq!(newer, expected[5..8].to_vec());
}

#[test]
fn history_counts_statuses_and_accounts_per_day() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let day = 20_000;
    harness::set_now(day * DAY_MS + 1_000);
    tagged(alice, true, "public", &["cats"]);
    tagged(alice, true, "public", &["cats"]);
    tagged(bob, true, "unlisted", &["cats"]);
    tagged(bob, true, "private", &["cats"]);
    harness::set_now((day + 2) * DAY_MS + 5_000);
    tagged(bob, true, "public", &["Cats"]);
    let tag = tags::by_name(&Autocommit, "CATS").unwrap().expect("stored");
    let mut used = tags::uses_per_day(&Autocommit, tag.id, day - 3).unwrap();
    used.sort_unstable();
    assert_eq!(used, vec![(day, 3, 2), (day + 2, 1, 1)]);
    assert_eq!(tags::uses_per_day(&Autocommit, tag.id, day + 1).unwrap(), vec![(day + 2, 1, 1)]);
}

#[test]
fn featured_tags_are_checked_counted_and_suggested() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    tagged(alice, true, "public", &["cats"]);
    tagged(alice, true, "public", &["cats", "dogs"]);
    tagged(alice, true, "private", &["cats"]);
    tagged(bob, true, "public", &["cats"]);

    let suggested: Vec<String> = tags::most_used_by(&Autocommit, alice, 10).unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(suggested, vec!["cats", "dogs"]);
    let cats = actions::feature(alice, "#Cats").unwrap().expect("featured");
    // Public and unlisted statuses of alice's own count.
    assert_eq!((cats.name.as_str(), cats.statuses_count), ("cats", 2));
    assert!(cats.last_status_at.is_some());
    assert_eq!(actions::feature(alice, "cats").unwrap(), Err(Refusal::Invalid("Tag has already been taken")));
    assert_eq!(actions::feature(alice, "no way").unwrap(), Err(Refusal::Invalid("Name is invalid")));
    let suggested: Vec<String> = tags::most_used_by(&Autocommit, alice, 10).unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(suggested, vec!["dogs"]);
    for i in 1..10 {
        actions::feature(alice, &format!("tag{i}")).unwrap().expect("under the limit");
    }
    assert_eq!(actions::feature(alice, "eleventh").unwrap(), Err(Refusal::Invalid("You can't feature more than 10 hashtags")));
    assert_eq!(featured_tags::of_account(&Autocommit, alice).unwrap().len(), 10);
    assert!(featured_tags::of_account(&Autocommit, bob).unwrap().is_empty());

    assert_eq!(actions::unfeature(bob, cats.id).unwrap(), Err(Refusal::NotFound));
    assert_eq!(actions::unfeature(alice, cats.id).unwrap(), Ok(()));
    assert_eq!(featured_tags::of_account(&Autocommit, alice).unwrap().len(), 9);
}

#[test]
fn endorsements_need_the_follow_and_go_with_it() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    assert!(actions::endorse(alice, bob).unwrap().is_err());
    follow(alice, bob);
    assert_eq!(actions::endorse(alice, bob).unwrap(), Ok(()));
    assert_eq!(actions::endorse(alice, bob).unwrap(), Ok(()));
    assert_eq!(endorsements::endorsed_among(&Autocommit, alice, &[bob]).unwrap(), vec![bob]);
    let page: Vec<i64> = endorsements::page(&Autocommit, alice, &Page::default()).unwrap().into_iter().map(|(_, a)| a.id).collect();
    assert_eq!(page, vec![bob]);
    follows::unfollow(alice, bob, &Origin::Local).unwrap();
    assert!(endorsements::endorsed_among(&Autocommit, alice, &[bob]).unwrap().is_empty());
    // Following again does not bring the endorsement back.
    follow(alice, bob);
    assert!(endorsements::page(&Autocommit, alice, &Page::default()).unwrap().is_empty());
}

#[test]
fn a_public_status_with_a_followed_tag_streams_to_the_followers_home() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    actions::follow(alice, "rust").unwrap().unwrap();
    actions::follow(carol, "rust").unwrap().unwrap();
    aerie_core::store::blocks::mute(&Autocommit, settings::next_id(), carol, bob, true, None, settings::now_millis()).unwrap();
    let home_streams = || -> Vec<String> {
        harness::take_events()
            .into_iter()
            .filter(|e| e.kind == "update")
            .flat_map(|e| e.streams)
            .filter(|s| s.starts_with("user:"))
            .collect()
    };
    harness::take_events();
    tagged(bob, true, "public", &["Rust"]);
    let heard = home_streams();
    assert!(heard.contains(&format!("user:{alice}")), "{heard:?}");
    assert!(!heard.contains(&format!("user:{carol}")), "carol mutes bob: {heard:?}");
    for visibility in ["unlisted", "private", "direct"] {
        tagged(bob, true, visibility, &["rust"]);
        let heard = home_streams();
        assert!(!heard.contains(&format!("user:{alice}")), "{visibility}: {heard:?}");
    }
}
