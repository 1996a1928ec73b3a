//! Scheduled statuses as clients use them: `POST /api/v1/statuses` with
//! `scheduled_at` posts nothing until the time comes (no status, no timeline, no
//! stream event, no notification), then the `scheduled-status` job posts it exactly
//! once through the same action as an immediate post; `/api/v1/scheduled_statuses`
//! lists, shows, moves and cancels them, for their author only; Mastodon's 422s.
//!
//! Tests cannot wait five minutes: they schedule for later, then move the row's time
//! into the past in the database and make its jobs due, as the clock would.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::federation::eventually;
use crate::support::fixtures::small_png;
use crate::support::http::{delete, get, post, upload};
use crate::support::{ENGINES, Instance, client};

fn iso(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let time = std::time::UNIX_EPOCH + Duration::from_secs(secs as u64);
    let datetime: chrono::DateTime<chrono::Utc> = time.into();
    datetime.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

fn in_minutes(minutes: i64) -> String {
    iso(aerie::clock::now_millis() + minutes * 60_000)
}

async fn put(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = client().put(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn texts(statuses: &Value) -> Vec<String> {
    statuses.as_array().unwrap().iter().map(|s| s["content"].as_str().unwrap_or_default().to_string()).collect()
}

/// How many `update` events of `buffer` (an SSE stream) carry status `id`.
fn updates_of(buffer: &str, id: &str) -> usize {
    buffer
        .split("event: update")
        .skip(1)
        .filter(|event| event.contains(&format!("\\\"id\\\":\\\"{id}\\\"")) || event.contains(&format!("\"id\":\"{id}\"")))
        .count()
}

#[tokio::test]
async fn a_scheduled_status_stays_unseen_until_its_time_then_appears_once() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        for name in ["alice", "bob", "carol"] {
            instance.create_account(name, &format!("{name}-password-1"));
        }
        let alice = instance.token("alice", "alice-password-1", "read write").await;
        let bob = instance.token("bob", "bob-password-1", "read write").await;
        let carol = instance.token("carol", "carol-password-1", "read write").await;
        let (_, me) = get(&instance, &alice, "/api/v1/accounts/verify_credentials").await;
        let alice_id = me["id"].as_str().unwrap().to_string();
        let (status, _) = post(&instance, &bob, &format!("/api/v1/accounts/{alice_id}/follow"), json!({})).await;
        assert_eq!(status, 200, "{engine:?}");

        // Bob streams his home from the start.
        let mut stream = client().get(instance.url("/api/v1/streaming/user")).bearer_auth(&bob).send().await.unwrap();
        assert_eq!(stream.status(), 200, "{engine:?}");

        let at = in_minutes(10);
        let (status, text_post) = post(
            &instance,
            &alice,
            "/api/v1/statuses",
            json!({"status": "later, @carol", "visibility": "public", "scheduled_at": at, "spoiler_text": "soon", "language": "en"}),
        )
        .await;
        assert_eq!(status, 200, "{engine:?}: {text_post}");
        assert!(
            text_post["content"].is_null() && text_post["account"].is_null(),
            "{engine:?}: a ScheduledStatus, not a Status: {text_post}"
        );
        assert_eq!(text_post["scheduled_at"], at, "{engine:?}");
        assert_eq!(text_post["params"]["text"], "later, @carol", "{engine:?}");
        assert_eq!(text_post["params"]["visibility"], "public", "{engine:?}");
        assert_eq!(text_post["params"]["spoiler_text"], "soon", "{engine:?}");
        assert_eq!(text_post["params"]["language"], "en", "{engine:?}");
        assert_eq!(text_post["media_attachments"], json!([]), "{engine:?}");

        // With a picture: reserved for it, shown in its media_attachments, usable nowhere else.
        let (status, media) = upload(&instance, &alice, "/api/v2/media", &small_png(), "image/png", &[("description", "a dot")]).await;
        assert!(status == 200 || status == 202, "{engine:?}: {media}");
        let media_id = media["id"].as_str().unwrap().to_string();
        let (status, media_post) = post(
            &instance,
            &alice,
            "/api/v1/statuses",
            json!({"status": "a picture, later", "media_ids": [media_id], "scheduled_at": in_minutes(30)}),
        )
        .await;
        assert_eq!(status, 200, "{engine:?}: {media_post}");
        assert_eq!(media_post["media_attachments"][0]["id"], media_id, "{engine:?}: {media_post}");
        assert_eq!(media_post["params"]["media_ids"], json!([media_id]), "{engine:?}");
        let (status, refused) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "now", "media_ids": [media_id]})).await;
        assert_eq!(status, 422, "{engine:?}: a reserved upload is not attachable elsewhere: {refused}");

        // With a poll.
        let (status, poll_post) = post(
            &instance,
            &alice,
            "/api/v1/statuses",
            json!({"status": "tea or coffee, later?", "poll": {"options": ["tea", "coffee"], "expires_in": 3600}, "scheduled_at": in_minutes(40)}),
        )
        .await;
        assert_eq!(status, 200, "{engine:?}: {poll_post}");
        assert_eq!(poll_post["params"]["poll"]["options"], json!(["tea", "coffee"]), "{engine:?}");

        // One to cancel.
        let (status, cancelled) =
            post(&instance, &alice, "/api/v1/statuses", json!({"status": "never to be seen", "scheduled_at": in_minutes(50)})).await;
        assert_eq!(status, 200, "{engine:?}: {cancelled}");

        // Nothing is out there.
        let (_, own) = get(&instance, &alice, &format!("/api/v1/accounts/{alice_id}/statuses")).await;
        assert_eq!(own, json!([]), "{engine:?}");
        let (_, home) = get(&instance, &bob, "/api/v1/timelines/home").await;
        assert_eq!(home, json!([]), "{engine:?}");
        let (_, public) = get(&instance, &bob, "/api/v1/timelines/public").await;
        assert_eq!(public, json!([]), "{engine:?}");
        let (_, notes) = get(&instance, &carol, "/api/v1/notifications").await;
        assert_eq!(notes, json!([]), "{engine:?}");
        let (_, me) = get(&instance, &alice, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(me["statuses_count"], 0, "{engine:?}");
        let db = instance.database().await;
        assert_eq!(db.query("SELECT id FROM statuses", vec![]).await.unwrap().len(), 0, "{engine:?}: no status row");

        // Listed (newest first, paged through Link), one by one; bob sees none of them.
        let listed = client().get(instance.url("/api/v1/scheduled_statuses?limit=2")).bearer_auth(&alice).send().await.unwrap();
        assert_eq!(listed.status(), 200, "{engine:?}");
        let link = listed.headers().get("link").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(link.contains("rel=\"next\"") && link.contains("max_id="), "{engine:?}: {link}");
        let page: Value = listed.json().await.unwrap();
        assert_eq!(page.as_array().unwrap().len(), 2, "{engine:?}: {page}");
        assert_eq!(page[0]["id"], cancelled["id"], "{engine:?}: newest first");
        let (_, all) = get(&instance, &alice, "/api/v1/scheduled_statuses").await;
        assert_eq!(all.as_array().unwrap().len(), 4, "{engine:?}: {all}");
        let text_path = format!("/api/v1/scheduled_statuses/{}", text_post["id"].as_str().unwrap());
        let (status, one) = get(&instance, &alice, &text_path).await;
        assert_eq!((status, &one["params"]["text"]), (200, &json!("later, @carol")), "{engine:?}: {one}");
        let (_, bobs) = get(&instance, &bob, "/api/v1/scheduled_statuses").await;
        assert_eq!(bobs, json!([]), "{engine:?}");
        let (status, _) = get(&instance, &bob, &text_path).await;
        assert_eq!(status, 404, "{engine:?}: another's scheduled status");
        let (status, _) = put(&instance, &bob, &text_path, json!({"scheduled_at": in_minutes(60)})).await;
        assert_eq!(status, 404, "{engine:?}");
        let (status, _) = delete(&instance, &bob, &text_path).await;
        assert_eq!(status, 404, "{engine:?}");

        // Moved: a new time, still nothing posted.
        let moved_to = in_minutes(20);
        let (status, moved) = put(&instance, &alice, &text_path, json!({"scheduled_at": moved_to})).await;
        assert_eq!(status, 200, "{engine:?}: {moved}");
        assert_eq!(moved["scheduled_at"], moved_to, "{engine:?}");
        let (status, too_soon) = put(&instance, &alice, &text_path, json!({"scheduled_at": in_minutes(2)})).await;
        assert_eq!(status, 422, "{engine:?}: {too_soon}");
        assert_eq!(too_soon["error"], "Validation failed: Scheduled at The scheduled date must be in the future", "{engine:?}");
        let (_, still) = get(&instance, &alice, &text_path).await;
        assert_eq!(still["scheduled_at"], moved_to, "{engine:?}: a refused move changes nothing");

        // Cancelled: gone, and its job will find nothing.
        let cancelled_path = format!("/api/v1/scheduled_statuses/{}", cancelled["id"].as_str().unwrap());
        let (status, _) = delete(&instance, &alice, &cancelled_path).await;
        assert_eq!(status, 200, "{engine:?}");
        let (status, _) = get(&instance, &alice, &cancelled_path).await;
        assert_eq!(status, 404, "{engine:?}");

        // Still nothing on bob's stream.
        let mut buffer = String::new();
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while let Ok(Some(chunk)) = stream.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        assert!(!buffer.contains("event: update"), "{engine:?}: nothing streamed before the time: {buffer}");

        // The time comes (every job of theirs due, the moved one's old job included).
        let past = aerie::clock::now_millis() - 1_000;
        db.execute("UPDATE scheduled_statuses SET scheduled_at = $1", vec![past.into()]).await.unwrap();
        db.execute("UPDATE jobs SET run_at = 0 WHERE kind = 'scheduled-status'", vec![]).await.unwrap();
        let jobs = db.query("SELECT id FROM jobs WHERE kind = 'scheduled-status'", vec![]).await.unwrap();
        assert_eq!(jobs.len(), 5, "{engine:?}: one job per schedule and per move");

        eventually(&format!("{engine:?}: the three statuses are posted"), || async {
            let (_, own) = get(&instance, &alice, &format!("/api/v1/accounts/{alice_id}/statuses")).await;
            (own.as_array().is_some_and(|l| l.len() >= 3)).then_some(own)
        })
        .await;
        // Every job has run (none left to post a second time).
        eventually(&format!("{engine:?}: the jobs are done"), || async {
            let left =
                db.query("SELECT id FROM jobs WHERE kind = 'scheduled-status' AND state IN ('pending', 'running')", vec![]).await.unwrap();
            left.is_empty().then_some(())
        })
        .await;
        let (_, own) = get(&instance, &alice, &format!("/api/v1/accounts/{alice_id}/statuses")).await;
        let all_texts = texts(&own);
        assert_eq!(own.as_array().unwrap().len(), 3, "{engine:?}: exactly once each: {all_texts:?}");
        assert!(!all_texts.iter().any(|t| t.contains("never to be seen")), "{engine:?}: the cancelled one is not posted");
        let posted = own.as_array().unwrap().iter().find(|s| s["content"].as_str().unwrap().contains("later, ")).unwrap().clone();
        assert_eq!(posted["spoiler_text"], "soon", "{engine:?}");
        assert_eq!(posted["language"], "en", "{engine:?}");
        assert_eq!(posted["mentions"][0]["username"], "carol", "{engine:?}");
        let pictured = own.as_array().unwrap().iter().find(|s| s["content"].as_str().unwrap().contains("a picture")).unwrap();
        assert_eq!(pictured["media_attachments"][0]["id"], media_id, "{engine:?}");
        assert_eq!(pictured["media_attachments"][0]["description"], "a dot", "{engine:?}");
        let polled = own.as_array().unwrap().iter().find(|s| s["content"].as_str().unwrap().contains("tea or coffee")).unwrap();
        assert_eq!(polled["poll"]["options"][1]["title"], "coffee", "{engine:?}");
        assert_eq!(polled["poll"]["expired"], false, "{engine:?}");

        let (_, home) = get(&instance, &bob, "/api/v1/timelines/home").await;
        assert_eq!(home.as_array().unwrap().len(), 3, "{engine:?}: the follower gets them: {home}");
        let (_, public) = get(&instance, &carol, "/api/v1/timelines/public").await;
        assert_eq!(public.as_array().unwrap().len(), 3, "{engine:?}");
        let (_, notes) = get(&instance, &carol, "/api/v1/notifications?types[]=mention").await;
        assert_eq!(notes.as_array().unwrap().len(), 1, "{engine:?}: one mention notification: {notes}");
        assert_eq!(notes[0]["status"]["id"], posted["id"], "{engine:?}");
        let (_, me) = get(&instance, &alice, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(me["statuses_count"], 3, "{engine:?}");
        let (_, left) = get(&instance, &alice, "/api/v1/scheduled_statuses").await;
        assert_eq!(left, json!([]), "{engine:?}: posted ones are no longer scheduled");

        // Bob's stream carried each once.
        let id = posted["id"].as_str().unwrap().to_string();
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Ok(Some(chunk)) = stream.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        assert_eq!(updates_of(&buffer, &id), 1, "{engine:?}: streamed once: {buffer}");
    }
}

#[tokio::test]
async fn scheduling_refusals_are_mastodons() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        let alice = instance.token("alice", "alice-password-1", "read write").await;
        let reader = instance.token("alice", "alice-password-1", "read").await;

        let (status, too_soon) =
            post(&instance, &alice, "/api/v1/statuses", json!({"status": "soon", "scheduled_at": in_minutes(2)})).await;
        assert_eq!(status, 422, "{engine:?}: {too_soon}");
        assert_eq!(too_soon["error"], "Validation failed: Scheduled at The scheduled date must be in the future", "{engine:?}");
        let (status, _) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "when?", "scheduled_at": "tomorrowish"})).await;
        assert_eq!(status, 422, "{engine:?}");
        let (status, blank) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "", "scheduled_at": in_minutes(30)})).await;
        assert_eq!(status, 422, "{engine:?}: the status is checked when scheduled: {blank}");
        let (status, _) = post(&instance, &reader, "/api/v1/statuses", json!({"status": "hi", "scheduled_at": in_minutes(30)})).await;
        assert_eq!(status, 403, "{engine:?}: write:statuses");
        let (status, _) = get(&instance, &reader, "/api/v1/scheduled_statuses").await;
        assert_eq!(status, 200, "{engine:?}: read:statuses");
        let (status, _) = get(&instance, "", "/api/v1/scheduled_statuses").await;
        assert_eq!(status, 401, "{engine:?}");

        // A time already past posts at once, as in Mastodon.
        let (status, now) = post(
            &instance,
            &alice,
            "/api/v1/statuses",
            json!({"status": "right now", "scheduled_at": iso(aerie::clock::now_millis() - 60_000)}),
        )
        .await;
        assert_eq!(status, 200, "{engine:?}: {now}");
        assert!(now["content"].as_str().unwrap().contains("right now"), "{engine:?}: a Status: {now}");

        // 25 on one day; the 26th that day is refused, the next day is fine.
        let day = 86_400_000;
        let that_day = (aerie::clock::now_millis() / day + 2) * day;
        for i in 0..25 {
            let (status, answer) = post(
                &instance,
                &alice,
                "/api/v1/statuses",
                json!({"status": format!("busy {i}"), "scheduled_at": iso(that_day + i * 60_000)}),
            )
            .await;
            assert_eq!(status, 200, "{engine:?}: {i}: {answer}");
        }
        let (status, full) =
            post(&instance, &alice, "/api/v1/statuses", json!({"status": "one more", "scheduled_at": iso(that_day + 3 * 3_600_000)})).await;
        assert_eq!(status, 422, "{engine:?}: {full}");
        assert_eq!(
            full["error"], "Validation failed: Scheduled at You have exceeded the limit of 25 scheduled posts for today",
            "{engine:?}"
        );
        let (status, _) =
            post(&instance, &alice, "/api/v1/statuses", json!({"status": "next day", "scheduled_at": iso(that_day + day)})).await;
        assert_eq!(status, 200, "{engine:?}");
        let (_, own) = get(&instance, &alice, "/api/v1/timelines/home").await;
        assert_eq!(own.as_array().unwrap().len(), 1, "{engine:?}: only the immediate post is out: {own}");
    }
}
