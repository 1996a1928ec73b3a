//! Native tests of direct conversations, thread mutes and the notification policy
//! against the in-memory harness: a direct status joins its local author's
//! conversation (read) and each notified recipient's (unread), with `conversation`
//! events on their `direct` streams only; a remote direct status joins its local
//! recipient's; a deleted status hands the conversation back or removes it; a muted
//! thread notifies nothing; the policy filters a stranger's mention into a request,
//! accepting brings it back, dismissing drops it, `drop` stores nothing.

mod common;

use aerie_core::actions::statuses::{self, Files, Posted};
use aerie_core::actions::{Origin, conversations, follows, notification_requests as requests_actions};
use aerie_core::contract::paging::Page;
use aerie_core::rows::StatusRow;
use aerie_core::store::account_conversations as store;
use aerie_core::store::notification_requests::{self as requests, Action, Policy};
use aerie_sdk::db::Autocommit;
use aerie_sdk::{harness, settings};
use common::*;

fn direct(author: i64, local: bool, mentioned: &[i64]) -> StatusRow {
    let id = settings::next_id();
    let now = settings::now_millis();
    let row = StatusRow {
        id,
        account_id: author,
        local,
        text: "secret".into(),
        content_html: "<p>secret</p>".into(),
        uri: Some(format!("https://example.test/statuses/{id}")),
        visibility: "direct".into(),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    let origin = if local { Origin::Local } else { Origin::Remote { uri: String::new() } };
    match post_row(&origin, row, mentioned) {
        Posted::Created(row) => *row,
        _ => panic!("not posted"),
    }
}

fn follow(follower: i64, target: i64) {
    follows::follow(follower, &account(target), follows::Options::default(), &Origin::Local).expect("followed");
}

fn conversations_of(account: i64) -> Vec<store::ConversationRow> {
    store::page(&Autocommit, account, &Page::default()).unwrap()
}

#[test]
fn a_direct_status_joins_its_participants_conversations() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    let remote = remote_account("dan", "remote.example");
    follow(bob, alice);
    harness::take_events();

    let dm = direct(alice, true, &[bob, remote]);
    let mine = conversations_of(alice);
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].last_status_id, mine[0].unread), (dm.id, false));
    let mut others = vec![bob, remote];
    others.sort_unstable();
    assert_eq!(mine[0].participants, others);
    let theirs = conversations_of(bob);
    assert_eq!((theirs.len(), theirs[0].unread), (1, true));
    assert_eq!(theirs[0].participants, {
        let mut p = vec![alice, remote];
        p.sort_unstable();
        p
    });
    assert!(conversations_of(carol).is_empty());
    let events: Vec<_> = harness::take_events().into_iter().filter(|e| e.kind == "conversation").collect();
    let streams: Vec<(i64, Vec<String>)> = events.iter().map(|e| (e.id, e.streams.clone())).collect();
    assert_eq!(streams, [(mine[0].id, vec![format!("direct:{alice}")]), (theirs[0].id, vec![format!("direct:{bob}")])]);

    // A remote direct status joins its local recipient's conversation (carol takes
    // private mentions from strangers).
    requests_actions::set_policy(carol, &Policy { for_private_mentions: Action::Accept, ..Policy::default() }).unwrap();
    let incoming = direct(remote, false, &[carol]);
    let carols = conversations_of(carol);
    assert_eq!((carols.len(), carols[0].last_status_id, carols[0].unread), (1, incoming.id, true));

    // Read, then a deletion hands the thread back, and the last one removes it.
    assert!(conversations::mark_read(bob, theirs[0].id).unwrap().is_some_and(|c| !c.unread));
    assert!(conversations::mark_read(carol, theirs[0].id).unwrap().is_none(), "not carol's");
    statuses::delete(&incoming, Files::Keep).unwrap();
    assert!(conversations_of(carol).is_empty());
    assert!(!conversations::remove(carol, theirs[0].id).unwrap());
    assert!(conversations::remove(bob, theirs[0].id).unwrap());
    assert!(conversations_of(bob).is_empty());
    assert_eq!(conversations_of(alice).len(), 1, "alice keeps hers");
}

#[test]
fn a_muted_thread_notifies_nothing() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let thread = status(alice, true, "a thread", &[]);
    conversations::mute(alice, &thread).unwrap();
    let mut reply = status(bob, true, "@alice a reply", &[]);
    // In the thread: post it again as a reply sharing the conversation.
    reply.id = settings::next_id();
    reply.uri = Some(format!("https://example.test/statuses/{}", reply.id));
    reply.in_reply_to_id = Some(thread.id);
    reply.in_reply_to_account_id = Some(alice);
    let new = statuses::NewStatus {
        now: reply.updated_at,
        row: reply,
        conversation: statuses::Conversation::Of(thread.conversation_id.unwrap()),
        mentioned: vec![alice],
        silent: Vec::new(),
        tags: Vec::new(),
        media: statuses::Attachments::Uploads(Vec::new()),
        poll: None,
        scheduled: None,
    };
    statuses::post(&Origin::Local, new.clone()).unwrap();
    assert_eq!(notifications(alice, bob, "mention"), 0, "muted thread");
    conversations::unmute(alice, &thread).unwrap();
    let mut again = new;
    again.row.id = settings::next_id();
    again.row.uri = Some(format!("https://example.test/statuses/{}", again.row.id));
    statuses::post(&Origin::Local, again).unwrap();
    assert_eq!(notifications(alice, bob, "mention"), 1, "unmuted");
}

#[test]
fn the_policy_filters_drops_and_requests_are_accepted_or_dismissed() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    let policy = Policy { for_not_following: Action::Filter, ..Policy::default() };
    requests_actions::set_policy(alice, &policy).unwrap();
    assert_eq!(requests::policy(&Autocommit, alice).unwrap(), policy);

    let first = status(bob, true, "@alice hi", &[alice]);
    status(bob, true, "@alice hi again", &[alice]);
    let waiting = requests::requests_page(&Autocommit, alice, &Page::default()).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].from_account_id, waiting[0].notifications_count), (bob, 2));
    assert_eq!(requests::summary(&Autocommit, alice).unwrap(), (1, 2));
    assert!(harness::events().iter().all(|e| e.kind != "notification"), "a filtered notification is not streamed");
    let _ = first;

    requests_actions::accept(alice, &[waiting[0].id]).unwrap();
    assert!(requests::requests_page(&Autocommit, alice, &Page::default()).unwrap().is_empty());
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM notifications WHERE account_id = $1 AND filtered = 1", &[aerie_sdk::db::Value::Int64(alice)]),
        0
    );
    status(bob, true, "@alice accepted", &[alice]);
    assert_eq!(notifications(alice, bob, "mention"), 3);
    assert!(requests::requests_page(&Autocommit, alice, &Page::default()).unwrap().is_empty());

    status(carol, true, "@alice spam", &[alice]);
    let waiting = requests::requests_page(&Autocommit, alice, &Page::default()).unwrap();
    requests_actions::dismiss(bob, &[waiting[0].id]).unwrap();
    assert_eq!(requests::requests_page(&Autocommit, alice, &Page::default()).unwrap().len(), 1, "bob cannot dismiss alice's request");
    requests_actions::dismiss(alice, &[waiting[0].id]).unwrap();
    assert_eq!(notifications(alice, carol, "mention"), 0);

    requests_actions::set_policy(alice, &Policy { for_not_following: Action::Drop, ..policy }).unwrap();
    status(carol, true, "@alice more spam", &[alice]);
    assert_eq!(notifications(alice, carol, "mention"), 0);
    assert!(requests::requests_page(&Autocommit, alice, &Page::default()).unwrap().is_empty());
}

#[test]
fn an_edit_mentioning_someone_new_brings_them_in() {
    harness::reset();
    let alice = local_account("alice");
    let bob = local_account("bob");
    let carol = local_account("carol");
    for account in [bob, carol] {
        requests_actions::set_policy(account, &Policy { for_private_mentions: Action::Accept, ..Policy::default() }).unwrap();
    }
    let dm = direct(alice, true, &[bob]);
    assert!(conversations_of(carol).is_empty());
    let edit = statuses::Edit {
        row: StatusRow { text: "secret for carol too".into(), content_html: "<p>secret for carol too</p>".into(), ..dm.clone() },
        edited_at: settings::now_millis(),
        mentioned: vec![bob, carol],
        silent: Vec::new(),
        tags: Vec::new(),
        media: statuses::Attachments::Uploads(Vec::new()),
        poll: None,
        now: settings::now_millis(),
    };
    statuses::edit(&Origin::Local, &dm, edit).unwrap();
    let carols = conversations_of(carol);
    assert_eq!((carols.len(), carols[0].last_status_id, carols[0].unread), (1, dm.id, true));
    assert_eq!(conversations_of(bob).len(), 1, "bob had it already");
}
