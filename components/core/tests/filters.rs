//! Native tests of the filter matcher (`filtering`) and of `actions::filters` against
//! the in-memory harness.

mod common;

use aerie_core::actions::filters::{self as actions, KeywordChange};
use aerie_core::entities::{MediaAttachment, Poll, PollOption, Status};
use aerie_core::filtering::{Filters, Scope, keyword_matches, searchable_text};
use aerie_core::store::filters::{self, FilterRow, FilterStatusRow, FullFilter, KeywordRow};
use aerie_core::text::html_to_text;
use aerie_sdk::db::Autocommit;
use aerie_sdk::harness;
use common::*;

fn filter(id: i64, context: &[&str], action: &str, keywords: &[(&str, bool)], statuses: &[i64]) -> FullFilter {
    FullFilter {
        filter: FilterRow {
            id,
            account_id: 1,
            title: format!("filter {id}"),
            context: context.iter().map(|c| c.to_string()).collect(),
            action: action.into(),
            expires_at: None,
        },
        keywords: keywords
            .iter()
            .enumerate()
            .map(|(i, (k, w))| KeywordRow { id: id * 100 + i as i64, filter_id: id, keyword: k.to_string(), whole_word: *w })
            .collect(),
        statuses: statuses.iter().map(|s| FilterStatusRow { id: id * 1000 + s, filter_id: id, status_id: *s }).collect(),
    }
}

fn entity(id: i64, content: &str) -> Status {
    Status { id: id.to_string(), content: content.into(), ..Status::default() }
}

#[test]
fn whole_words_match_on_word_boundaries_and_other_keywords_anywhere() {
    assert!(keyword_matches("i love rust.", "rust", true));
    assert!(!keyword_matches("trusty tools", "rust", true));
    assert!(keyword_matches("trusty tools", "rust", false));
    assert!(!keyword_matches("rust_lang", "rust", true), "_ is a word character");
    assert!(keyword_matches("rust-lang", "rust", true));
    assert!(keyword_matches("a rust", "rust", true), "at the end");
    assert!(!keyword_matches("rustacean", "rust", true));
    // A boundary is only required where the keyword itself starts or ends with a word character.
    assert!(keyword_matches("see #rustlang", "#rust", false));
    assert!(!keyword_matches("see #rustlang", "#rust", true));
    assert!(keyword_matches("see a#rust now", "#rust", true), "no boundary before a non-word start");
    assert!(keyword_matches("café au lait", "café", true));
    assert!(!keyword_matches("cafés", "café", true));
    // A later occurrence on boundaries still matches.
    assert!(keyword_matches("trusty, then rust", "rust", true));
    assert!(!keyword_matches("anything", "", false));
}

#[test]
fn text_without_html_spoiler_poll_and_media_are_searched_case_insensitively() {
    assert_eq!(html_to_text("<p>Hello &amp; <b>W</b>orld</p><p>two<br>lines &#39;x&#x27;</p>"), "Hello & World\n\ntwo\nlines 'x'");
    let mut status = entity(5, "<p>Plain <a href=\"https://x.example/SECRET\">link</a></p>");
    status.spoiler_text = "Spoiler Here".into();
    status.poll = Some(Poll { options: vec![PollOption { title: "Option Pineapple".into(), votes_count: None }], ..Poll::default() });
    status.media_attachments = vec![MediaAttachment { description: Some("A Cat photo".into()), ..MediaAttachment::default() }];
    let text = searchable_text(&status);
    for word in ["spoiler here", "plain link", "option pineapple", "a cat photo"] {
        assert!(text.contains(word), "{word:?} in {text:?}");
    }
    assert!(!text.contains("secret"), "attribute values are not text: {text:?}");

    let filters = Filters::new(vec![filter(1, &["home"], "warn", &[("PINEAPPLE", true), ("cat", true)], &[])]);
    let found = filters.matches(Scope::Context("home"), &[5], &text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].keyword_matches, vec!["PINEAPPLE".to_string(), "cat".to_string()]);
}

#[test]
fn context_action_and_status_ids_decide_what_a_status_shows() {
    let filters = Filters::new(vec![
        filter(1, &["home", "public"], "warn", &[("spoilers", true)], &[]),
        filter(2, &["home"], "hide", &[("politics", false)], &[]),
        filter(3, &["thread"], "warn", &[], &[42]),
    ]);
    assert!(filters.applies(Scope::Context("home")));
    assert!(!filters.applies(Scope::Context("account")));

    let warned = filters.apply(Scope::Context("home"), &entity(1, "<p>no spoilers please</p>")).expect("shown");
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].filter.id, "1");
    assert_eq!(warned[0].filter.filter_action, "warn");
    assert_eq!(warned[0].keyword_matches.as_deref(), Some(&["spoilers".to_string()][..]));
    assert_eq!(warned[0].status_matches, None);
    assert!(warned[0].filter.keywords.is_none(), "a result's filter has no rules");

    // hide drops the status in its context, and shows in others.
    assert_eq!(filters.apply(Scope::Context("home"), &entity(2, "<p>geopolitics today</p>")), None);
    assert_eq!(filters.apply(Scope::Context("public"), &entity(2, "<p>geopolitics today</p>")), Some(Vec::new()));
    // Without a context every filter is reported and nothing dropped.
    let any = filters.apply(Scope::Any, &entity(2, "<p>geopolitics today</p>")).expect("shown");
    assert_eq!(any[0].filter.filter_action, "hide");

    // A status filter matches the status, and a reblog of it.
    let thread = filters.apply(Scope::Context("thread"), &entity(42, "<p>x</p>")).expect("shown");
    assert_eq!(thread[0].status_matches.as_deref(), Some(&["42".to_string()][..]));
    let reblog = Status { id: "43".into(), reblog: Some(Box::new(entity(42, "<p>x</p>"))), ..Status::default() };
    let thread = filters.apply(Scope::Context("thread"), &reblog).expect("shown");
    assert_eq!(thread[0].status_matches.as_deref(), Some(&["42".to_string()][..]));
    // A reblog is matched on its original's text.
    let reblog = Status { id: "44".into(), reblog: Some(Box::new(entity(40, "<p>big spoilers</p>"))), ..Status::default() };
    assert_eq!(filters.apply(Scope::Context("public"), &reblog).expect("shown").len(), 1);
}

#[test]
fn filters_are_created_changed_and_deleted_with_their_rules_and_only_active_ones_apply() {
    let owner = local_account("owner");
    let other = local_account("other");
    let author = local_account("author");
    let post = status(author, true, "hello", &[]);
    let now = aerie_sdk::settings::now_millis();
    let base = FilterRow {
        id: 0,
        account_id: owner,
        title: "Films".into(),
        context: vec!["home".into()],
        action: "warn".into(),
        expires_at: None,
    };
    let created = actions::create(base.clone(), vec![("dune".into(), true), ("arrakis".into(), false)]).unwrap();
    assert_eq!(created.keywords.len(), 2);
    assert_eq!(created.filter.context, vec!["home".to_string()]);
    assert!(filters::by_id(&Autocommit, other, created.filter.id).unwrap().is_none(), "another account's filter is not found");

    let first = created.keywords[0].id;
    let second = created.keywords[1].id;
    let mut changed = created.filter.clone();
    changed.title = "Films and books".into();
    changed.context = vec!["home".into(), "public".into()];
    let updated = actions::update(
        &changed,
        vec![
            KeywordChange::Update { id: first, keyword: Some("Dune".into()), whole_word: Some(false) },
            KeywordChange::Remove { id: second },
            KeywordChange::Add { keyword: "spice".into(), whole_word: true },
        ],
    )
    .unwrap();
    assert_eq!(updated.filter.title, "Films and books");
    let words: Vec<(&str, bool)> = updated.keywords.iter().map(|k| (k.keyword.as_str(), k.whole_word)).collect();
    assert_eq!(words, [("Dune", false), ("spice", true)]);

    assert!(actions::add_status(created.filter.id, post.id).unwrap().is_some());
    assert!(actions::add_status(created.filter.id, post.id).unwrap().is_none(), "a status is named once");

    // Expired filters do not apply.
    let expired = FilterRow { expires_at: Some(now - 1), title: "old".into(), ..base.clone() };
    actions::create(expired, vec![("old".into(), true)]).unwrap();
    let active = filters::active(&Autocommit, owner, now).unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].statuses.len(), 1);
    assert_eq!(filters::of_account(&Autocommit, owner).unwrap().len(), 2);

    // A v1 filter is one keyword; deleting it deletes its filter too.
    let v1 = FilterRow { title: "phrase".into(), action: "hide".into(), ..base };
    let (v1_filter, keyword) = actions::create_v1(v1, "phrase".into(), true).unwrap();
    actions::delete_v1(owner, &keyword).unwrap();
    assert!(filters::by_id(&Autocommit, owner, v1_filter.id).unwrap().is_none());

    assert!(!actions::delete(other, created.filter.id).unwrap());
    assert!(actions::delete(owner, created.filter.id).unwrap());
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM filter_keywords WHERE filter_id = $1", &[aerie_sdk::db::Value::Int64(created.filter.id)]),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM filter_statuses WHERE filter_id = $1", &[aerie_sdk::db::Value::Int64(created.filter.id)]),
        0
    );
    harness::take_events();
}
