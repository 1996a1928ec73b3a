//! A thread's replies fetched on demand (Mastodon's FetchReplies): when a client
//! opens the thread of a remote status (`GET /api/v1/statuses/:id/context`), the
//! Mastodon API queues a `replies` job for it (`remote::queue_replies_fetch`, once per
//! status per quarter hour). The job fetches the status again (signed by the instance
//! actor), walks its `replies` collection — the first page and `next` pages, only on
//! the status's own server, at most [`MAX_PAGES`] fetched pages and [`MAX_ITEMS`]
//! items — and stores each reply that is public or unlisted. Items are always fetched
//! from their own origin by id (an inline copy is not trusted), through the same
//! `store_note` as a delivered status; followers-only and direct ones are never
//! stored this way.

use std::collections::HashSet;

use aerie_core::activitystreams::{self as as2, Collection, Object, PageRef};
use aerie_core::contract::jobs::RepliesJob;
use aerie_core::remote::{self, RemoteError};
use aerie_core::store;
use aerie_sdk::db;
use aerie_sdk::{federation, log};

/// The job kind.
pub const KIND: &str = remote::REPLIES_KIND;
/// Collection pages fetched for one status, at most.
pub const MAX_PAGES: usize = 5;
/// Replies looked at for one status, at most.
pub const MAX_ITEMS: usize = 40;

/// Runs one `replies` job (a [`RepliesJob`]). Network trouble fails the job (the host
/// retries it a few times; replies already stored are not fetched again); anything
/// else is logged and the job ends.
pub fn run(payload: &[u8]) -> Result<(), String> {
    let status_id = match RepliesJob::parse(payload) {
        Ok(job) => job.status,
        Err(reason) => {
            log::warn(&format!("replies: {reason}"));
            return Ok(());
        }
    };
    let Some(status) = store::statuses::by_id(&db::Autocommit, status_id).map_err(|e| e.to_string())? else { return Ok(()) };
    let Some(uri) = status.uri.clone().filter(|_| !status.local && status.deleted_at.is_none()) else { return Ok(()) };
    let collection = match replies_collection(&uri) {
        Ok(Some(collection)) => collection,
        Ok(None) => return Ok(()),
        Err(e) if e.is_temporary() => return Err(e.to_string()),
        Err(e) => {
            log::info(&format!("replies of {uri}: {e}"));
            return Ok(());
        }
    };
    let walk = walk(&uri, collection, &mut |url| fetch_collection(url));
    if let Some(reason) = &walk.stopped {
        if walk.temporary && walk.uris.is_empty() {
            return Err(reason.clone());
        }
        log::info(&format!("replies of {uri}: stopped early: {reason}"));
    }
    let (mut known, mut temporary) = (0, None);
    for item in &walk.uris {
        match remote::resolve_public_status_uri(item) {
            Ok(Some(_)) => known += 1,
            Ok(None) => {}
            Err(e) if e.is_temporary() => temporary = Some(format!("{item}: {e}")),
            Err(e) => log::info(&format!("replies of {uri}: {item} skipped: {e}")),
        }
    }
    log::info(&format!("replies of {uri}: {known} of {} listed replies known here", walk.uris.len()));
    // Retried later: what is stored now is found in the database then.
    temporary.map_or(Ok(()), Err)
}

/// The `replies` collection of the remote status at `uri`, as its server serves the
/// status now (`None`: gone, or it has none).
fn replies_collection(uri: &str) -> Result<Option<Collection>, RemoteError> {
    let value = match federation::fetch_json(uri) {
        Ok(value) => value,
        Err(federation::Error::NotFound(_) | federation::Error::Gone(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match as2::Object::from_value(value) {
        as2::Object::Note(note) if remote::same_origin(&note.id, uri) => Ok(note.replies),
        as2::Object::Note(note) => Err(RemoteError::Invalid(format!("{uri} served an object of another host: {}", note.id))),
        other => Err(RemoteError::Invalid(format!("{uri} is not a status ({:?})", other.id()))),
    }
}

fn fetch_collection(url: &str) -> Result<Collection, RemoteError> {
    let value = federation::fetch_json(url)?;
    serde_json::from_value(value).map_err(|e| RemoteError::Invalid(format!("{url} is not a collection: {e}")))
}

/// What walking a replies collection found.
#[derive(Debug, Default, PartialEq)]
pub struct Walk {
    /// The replies' URIs, in the collection's order, without duplicates.
    pub uris: Vec<String>,
    /// Why the walk ended before the collection did (a page that failed), if it did.
    pub stopped: Option<String>,
    /// Whether that failure was network trouble (worth retrying).
    pub temporary: bool,
}

/// The reply URIs in `collection` (the `replies` of status `status_uri`): its items or
/// those of its `first` page, then of each `next` page, fetched with `fetch` — only
/// pages on the status's own server, at most [`MAX_PAGES`] fetches and [`MAX_ITEMS`]
/// URIs, each page once. Pure but for `fetch`.
pub fn walk(status_uri: &str, collection: Collection, fetch: &mut dyn FnMut(&str) -> Result<Collection, RemoteError>) -> Walk {
    let mut out = Walk::default();
    let mut fetched: HashSet<String> = HashSet::new();
    let mut load = |url: &str, out: &mut Walk| -> Option<Collection> {
        if !remote::same_origin(url, status_uri) {
            out.stopped = Some(format!("{url} is not on the server of {status_uri}"));
            return None;
        }
        if fetched.len() >= MAX_PAGES || !fetched.insert(url.to_string()) {
            return None;
        }
        match fetch(url) {
            Ok(page) => Some(page),
            Err(e) => {
                out.temporary = e.is_temporary();
                out.stopped = Some(format!("{url}: {e}"));
                None
            }
        }
    };
    // Only an id (`"replies": "https://…"`): the collection itself is fetched.
    let mut page = match collection {
        c if is_bare(&c) => c.id.as_deref().and_then(|id| load(id, &mut out)),
        c => Some(c),
    };
    // A page is visited at most once per fetch and inline page, so this ends.
    for _ in 0..(MAX_PAGES * 2 + 2) {
        let Some(current) = page.take() else { break };
        for uri in current.entries().iter().filter_map(item_uri) {
            if out.uris.len() >= MAX_ITEMS {
                return out;
            }
            if uri != status_uri && !out.uris.contains(&uri) {
                out.uris.push(uri);
            }
        }
        let is_page = current.kind.ends_with("Page");
        let next = if is_page { current.next.map(PageRef::Link) } else { current.first.or(current.next.map(PageRef::Link)) };
        page = match next {
            None => None,
            Some(PageRef::Link(url)) => load(&url, &mut out),
            // A first page given only by its id (GoToSocial) is fetched.
            Some(PageRef::Page(inline)) if is_bare(&inline) => inline.id.as_deref().and_then(|id| load(id, &mut out)),
            Some(PageRef::Page(inline)) => Some(*inline),
        };
    }
    out
}

/// A collection (or page) known only by its id: no items and no way on.
fn is_bare(c: &Collection) -> bool {
    c.items.is_none() && c.ordered_items.is_none() && c.first.is_none() && c.next.is_none() && c.id.is_some()
}

/// The URI of one collection item: a bare id, an embedded object's id, or the object
/// of an embedded `Create`. Only http(s) URIs.
pub fn item_uri(item: &Object) -> Option<String> {
    let uri = match item {
        Object::Link(uri) => uri.clone(),
        Object::Note(note) => note.id.clone(),
        Object::Activity(activity) if activity.kind == "Create" => activity.object.as_ref()?.id()?.to_string(),
        _ => return None,
    };
    remote::authority(&uri).is_some().then_some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STATUS: &str = "https://m.example/users/a/statuses/1";

    fn collection(value: serde_json::Value) -> Collection {
        serde_json::from_value(value).unwrap()
    }

    /// A fetcher serving `pages` (url → document), counting its calls.
    fn server(
        pages: Vec<(String, serde_json::Value)>,
        calls: &mut Vec<String>,
    ) -> impl FnMut(&str) -> Result<Collection, RemoteError> + '_ {
        move |url: &str| {
            calls.push(url.to_string());
            match pages.iter().find(|(u, _)| u == url) {
                Some((_, page)) => Ok(collection(page.clone())),
                None => Err(RemoteError::Federation(federation::Error::NotFound(url.into()))),
            }
        }
    }

    #[test]
    fn mastodon_shape_first_page_embedded_then_next() {
        let replies = collection(json!({
            "id": format!("{STATUS}/replies"), "type": "Collection",
            "first": {"type": "CollectionPage", "partOf": format!("{STATUS}/replies"),
                      "next": format!("{STATUS}/replies?only_other_accounts=true&page=true"),
                      "items": [format!("{STATUS}/self-reply")]}
        }));
        let next = json!({"type": "CollectionPage", "id": format!("{STATUS}/replies?only_other_accounts=true&page=true"),
            "items": ["https://other.example/notes/9", {"type": "Note", "id": "https://m.example/users/b/statuses/2"}, format!("{STATUS}/self-reply")]});
        let mut calls = Vec::new();
        let walk =
            walk(STATUS, replies, &mut server(vec![(format!("{STATUS}/replies?only_other_accounts=true&page=true"), next)], &mut calls));
        assert_eq!(
            walk.uris,
            vec![format!("{STATUS}/self-reply"), "https://other.example/notes/9".into(), "https://m.example/users/b/statuses/2".into()]
        );
        assert_eq!(calls.len(), 1);
        assert_eq!(walk.stopped, None);
    }

    #[test]
    fn a_first_page_known_by_id_is_fetched() {
        // GoToSocial embeds only the first page's id.
        let replies = collection(json!({"id": format!("{STATUS}/replies"), "type": "Collection",
            "first": {"id": format!("{STATUS}/replies?page=true"), "type": "CollectionPage"}}));
        let page = json!({"type": "CollectionPage", "id": format!("{STATUS}/replies?page=true"),
            "orderedItems": [{"type": "Create", "id": "https://m.example/c/1", "object": "https://m.example/users/b/statuses/3"}]});
        let mut calls = Vec::new();
        let walk = walk(STATUS, replies, &mut server(vec![(format!("{STATUS}/replies?page=true"), page)], &mut calls));
        assert_eq!(walk.uris, vec!["https://m.example/users/b/statuses/3".to_string()]);
        // A bare link to the collection: the collection, then its first page.
        let bare = collection(json!({"id": format!("{STATUS}/replies")}));
        let whole = json!({"type": "OrderedCollection", "id": format!("{STATUS}/replies"), "first": format!("{STATUS}/replies?page=true")});
        let page = json!({"type": "OrderedCollectionPage", "orderedItems": ["https://m.example/n/4"]});
        let mut calls = Vec::new();
        let pages = vec![(format!("{STATUS}/replies"), whole), (format!("{STATUS}/replies?page=true"), page)];
        assert_eq!(walk_uris(bare, pages, &mut calls), vec!["https://m.example/n/4".to_string()]);
        assert_eq!(calls.len(), 2);
    }

    fn walk_uris(c: Collection, pages: Vec<(String, serde_json::Value)>, calls: &mut Vec<String>) -> Vec<String> {
        walk(STATUS, c, &mut server(pages, calls)).uris
    }

    #[test]
    fn bounded_and_on_the_status_server_only() {
        // Pages that go on forever: at most MAX_PAGES fetches.
        let mut pages = Vec::new();
        for i in 0..20 {
            pages.push((
                format!("{STATUS}/replies?page={i}"),
                json!({"type": "CollectionPage", "next": format!("{STATUS}/replies?page={}", i + 1), "items": [format!("https://m.example/n/{i}")]}),
            ));
        }
        let start = collection(json!({"type": "Collection", "first": format!("{STATUS}/replies?page=0")}));
        let mut calls = Vec::new();
        let uris = walk_uris(start, pages.clone(), &mut calls);
        assert_eq!((calls.len(), uris.len()), (MAX_PAGES, MAX_PAGES));
        // A page looping to itself is fetched once.
        let looping = vec![(
            format!("{STATUS}/replies?page=x"),
            json!({"type": "CollectionPage", "next": format!("{STATUS}/replies?page=x"), "items": ["https://m.example/n/x"]}),
        )];
        let mut calls = Vec::new();
        walk_uris(collection(json!({"type": "Collection", "first": format!("{STATUS}/replies?page=x")})), looping, &mut calls);
        assert_eq!(calls.len(), 1);
        // Many items: at most MAX_ITEMS.
        let items: Vec<String> = (0..100).map(|i| format!("https://m.example/n/{i}")).collect();
        let many = collection(json!({"type": "Collection", "first": {"type": "CollectionPage", "items": items}}));
        assert_eq!(walk_uris(many, vec![], &mut Vec::new()).len(), MAX_ITEMS);
        // A next page on another server is not followed.
        let elsewhere = collection(json!({"type": "Collection", "first": {"type": "CollectionPage",
            "next": "https://evil.example/replies?page=2", "items": ["https://m.example/n/1"]}}));
        let mut calls = Vec::new();
        let walk = walk(STATUS, elsewhere, &mut server(vec![], &mut calls));
        assert_eq!((walk.uris.len(), calls.len()), (1, 0));
        assert!(walk.stopped.unwrap().contains("evil.example"));
    }

    #[test]
    fn network_trouble_is_temporary() {
        let start = collection(json!({"type": "Collection", "first": format!("{STATUS}/replies?page=true")}));
        let walk = walk(STATUS, start, &mut |url: &str| Err(RemoteError::Federation(federation::Error::Unavailable(url.into()))));
        assert!(walk.temporary && walk.uris.is_empty(), "{walk:?}");
    }

    #[test]
    fn items() {
        assert_eq!(item_uri(&Object::Link("https://a/n/1".into())).as_deref(), Some("https://a/n/1"));
        assert_eq!(item_uri(&Object::Link("tag:a,2020:x".into())), None);
        assert_eq!(
            item_uri(&Object::from_value(json!({"type": "Like", "id": "https://a/l", "actor": "https://a/u", "object": "https://a/n"}))),
            None
        );
    }

    /// Every `replies` collection in the fixture corpus walks without a fetch
    /// going elsewhere than the status's server.
    #[test]
    fn fixtures_walk() {
        let dir = match std::env::var_os("AERIE_AP_FIXTURES") {
            Some(dir) => std::path::PathBuf::from(dir),
            None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/activitypub"),
        };
        let mut walked = 0;
        for server_dir in std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
            for file in std::fs::read_dir(server_dir.path()).unwrap().flatten() {
                let Ok(value) = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(file.path()).unwrap_or_default()) else {
                    continue;
                };
                let note = value.get("object").filter(|o| o.is_object()).unwrap_or(&value);
                let (Some(id), Some(replies)) = (note.get("id").and_then(|i| i.as_str()), note.get("replies")) else { continue };
                let Ok(replies) = serde_json::from_value::<Collection>(replies.clone()) else { continue };
                let mut calls = Vec::new();
                let walk = walk(id, replies, &mut server(vec![], &mut calls));
                assert!(calls.iter().all(|c| remote::same_origin(c, id)), "{}: {calls:?}", file.path().display());
                assert!(walk.uris.iter().all(|u| remote::authority(u).is_some()));
                walked += 1;
            }
        }
        assert!(walked >= 10, "only {walked} replies collections in the corpus");
    }
}
