//! Media attachments end to end, on both engines: a real PNG (made by
//! `support::fixtures`) uploaded as multipart, described, posted, read back in the
//! status, the timelines and the edit history, and fetched from its URL byte for
//! byte; the limits (size, count, type, someone else's upload), who may read an
//! upload, both blob backends (a local folder and S3 through moto), and a picture
//! federated to another instance.

use std::time::Instant;

use aerie::mastodon::media_files;
use serde_json::{Value, json};

use crate::support::federation::{a_and_b, eventually, home_has};
use crate::support::fixtures::{png, small_png};
use crate::support::http::{fetch, get, multipart, path_of, post, upload};
use crate::support::moto::Moto;
use crate::support::{ENGINES, Engine, Instance, client, database_section, pg_for, write_config};

async fn put(instance: &Instance, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = client().put(instance.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ids(statuses: &Value) -> Vec<&str> {
    statuses.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn uploads_are_stored_served_described_and_posted() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        for name in ["alice", "bob", "carol"] {
            instance.create_account(name, &format!("{name}-password-1"));
        }
        let scopes = "read write follow";
        let alice = instance.token("alice", "alice-password-1", scopes).await;
        let bob = instance.token("bob", "bob-password-1", scopes).await;
        let carol = instance.token("carol", "carol-password-1", scopes).await;
        let at = format!("{engine:?}");

        // The limits clients read are the ones enforced below.
        let (_, info) = get(&instance, &alice, "/api/v2/instance").await;
        let limits = &info["configuration"]["media_attachments"];
        assert_eq!(limits["image_size_limit"], 16_777_216, "{at}: {limits}");
        assert!(limits["supported_mime_types"].as_array().unwrap().contains(&json!("image/png")), "{at}");
        assert_eq!(info["configuration"]["statuses"]["max_media_attachments"], 4, "{at}");

        // A ~1 MB picture, uploaded the v2 way with a description and a focal point:
        // processed at once, so 200 with its URL.
        let picture = png(600, 600, |x, y| [(x * 7 % 256) as u8, (y * 13 % 256) as u8, ((x ^ y) % 256) as u8]);
        assert!(picture.len() > 1_000_000, "{}", picture.len());
        let started = Instant::now();
        let (status, media) =
            upload(&instance, &alice, "/api/v2/media", &picture, "image/png", &[("description", "A noisy square"), ("focus", "0.5,-0.25")])
                .await;
        let elapsed = started.elapsed();
        eprintln!("{at}: uploading a {} byte PNG took {} ms", picture.len(), elapsed.as_millis());
        assert_eq!(status, 200, "{at}: {media}");
        assert_eq!(media["type"], "image", "{at}: {media}");
        assert_eq!(media["description"], "A noisy square", "{at}");
        assert_eq!(media["meta"]["original"]["width"], 600, "{at}: {media}");
        assert_eq!(media["meta"]["original"]["height"], 600, "{at}");
        assert_eq!(media["meta"]["original"]["size"], "600x600", "{at}");
        assert_eq!(media["meta"]["original"]["aspect"], 1.0, "{at}");
        assert_eq!(media["meta"]["focus"], json!({"x": 0.5, "y": -0.25}), "{at}");
        assert_eq!(media["blurhash"].as_str().map(str::len), Some(36), "{at}: a 4×4 blurhash: {media}");
        let url = media["url"].as_str().unwrap().to_string();
        assert!(url.starts_with(&instance.url("/system/media/")), "{at}: an absolute URL on the instance: {url}");
        assert_eq!(media["preview_url"], media["url"], "{at}");
        assert_eq!(media["remote_url"], Value::Null, "{at}");
        let big_id = media["id"].as_str().unwrap().to_string();

        // The file is served as uploaded, with the type from its bytes and caching.
        let (status, headers, bytes) = fetch(&url, None).await;
        assert_eq!(status, 200, "{at}");
        assert!(bytes == picture, "{at}: the served file is the upload ({} vs {} bytes)", bytes.len(), picture.len());
        assert_eq!(headers["content-type"], "image/png", "{at}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{at}");
        assert!(headers["cache-control"].to_str().unwrap().contains("max-age=31536000"), "{at}");
        let (status, headers, part) = fetch(&url, Some("bytes=8-15")).await;
        assert_eq!((status, part.as_slice()), (206, &picture[8..16]), "{at}: a byte range");
        assert_eq!(headers["content-range"], format!("bytes 8-15/{}", picture.len()).as_str(), "{at}");
        assert_eq!(fetch(&url, Some(&format!("bytes={}-", picture.len()))).await.0, 416, "{at}");
        // Nothing but media keys, and no way out of them.
        for path in
            ["/system/media/%2e%2e/%2e%2e/aerie.toml", "/system/media/..%2f..%2faerie.toml", "/system/media/nope.png", "/system/other/x"]
        {
            let (status, _, body) = fetch(&instance.url(path), None).await;
            assert_eq!(status, 404, "{at}: {path}: {}", String::from_utf8_lossy(&body));
        }

        // Only its owner reads or describes it; she may change the description until it is posted.
        let media_path = format!("/api/v1/media/{big_id}");
        let (status, again) = get(&instance, &alice, &media_path).await;
        assert_eq!((status, &again["url"]), (200, &media["url"]), "{at}: {again}");
        assert_eq!(get(&instance, &bob, &media_path).await.0, 404, "{at}: someone else's upload");
        assert_eq!(put(&instance, &bob, &media_path, json!({"description": "mine now"})).await.0, 404, "{at}");
        let (status, described) = put(&instance, &alice, &media_path, json!({"description": "Noise, in colour", "focus": "0,0"})).await;
        assert_eq!(status, 200, "{at}: {described}");
        assert_eq!(described["description"], "Noise, in colour", "{at}");
        assert_eq!(described["meta"]["focus"], json!({"x": 0.0, "y": 0.0}), "{at}");

        // The v1 way, a small picture without a description.
        let small = small_png();
        let (status, second) = upload(&instance, &alice, "/api/v1/media", &small, "application/octet-stream", &[]).await;
        assert_eq!(status, 200, "{at}: {second}");
        assert_eq!(second["description"], Value::Null, "{at}");
        let second_id = second["id"].as_str().unwrap().to_string();

        // Posted without text, in the order given; the status, the timelines and the
        // media-only filters show them.
        let (status, posted) =
            post(&instance, &alice, "/api/v1/statuses", json!({"media_ids": [second_id, big_id], "visibility": "public"})).await;
        assert_eq!(status, 200, "{at}: a status of pictures alone: {posted}");
        let attached = posted["media_attachments"].as_array().unwrap();
        assert_eq!(attached.len(), 2, "{at}: {posted}");
        assert_eq!((attached[0]["id"].as_str(), attached[1]["id"].as_str()), (Some(second_id.as_str()), Some(big_id.as_str())), "{at}");
        assert_eq!(attached[1]["description"], "Noise, in colour", "{at}");
        assert_eq!(attached[1]["url"], media["url"], "{at}");
        let status_id = posted["id"].as_str().unwrap().to_string();
        let (_, text_only) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "just words"})).await;
        let text_id = text_only["id"].as_str().unwrap().to_string();
        let (_, read) = get(&instance, &bob, &format!("/api/v1/statuses/{status_id}")).await;
        assert_eq!(read["media_attachments"], posted["media_attachments"], "{at}");
        let (_, home) = get(&instance, &alice, "/api/v1/timelines/home").await;
        let in_home = home.as_array().unwrap().iter().find(|s| s["id"] == status_id.as_str()).expect("in the home timeline");
        assert_eq!(in_home["media_attachments"][0]["id"], second_id.as_str(), "{at}");
        let (_, media_only) = get(&instance, &bob, "/api/v1/timelines/public?only_media=true").await;
        assert_eq!(ids(&media_only), [status_id.as_str()], "{at}: only_media: {media_only}");
        let (_, everything) = get(&instance, &bob, "/api/v1/timelines/public").await;
        assert!(ids(&everything).contains(&text_id.as_str()), "{at}");
        let alice_id = posted["account"]["id"].as_str().unwrap();
        let (_, account_media) = get(&instance, &bob, &format!("/api/v1/accounts/{alice_id}/statuses?only_media=true")).await;
        assert_eq!(ids(&account_media), [status_id.as_str()], "{at}");

        // Once posted, an upload is no longer described through /api/v1/media, nor
        // posted again, nor posted by anyone else.
        assert_eq!(put(&instance, &alice, &media_path, json!({"description": "late"})).await.0, 404, "{at}");
        let (status, error) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "again", "media_ids": [big_id]})).await;
        assert_eq!(status, 422, "{at}: already attached: {error}");
        let (_, bobs) = upload(&instance, &bob, "/api/v2/media", &small, "image/png", &[]).await;
        let bobs_id = bobs["id"].as_str().unwrap().to_string();
        let (status, error) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "his", "media_ids": [bobs_id]})).await;
        assert_eq!(status, 422, "{at}: someone else's upload: {error}");
        assert!(error["error"].as_str().unwrap().starts_with("Validation failed"), "{at}: {error}");

        // At most four.
        let mut five = Vec::new();
        for _ in 0..5 {
            five.push(upload(&instance, &alice, "/api/v2/media", &small, "image/png", &[]).await.1["id"].as_str().unwrap().to_string());
        }
        let (status, error) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "five", "media_ids": five})).await;
        assert_eq!(status, 422, "{at}: five attachments: {error}");

        // Editing: a new order, one more file and a new description through media_attributes;
        // the history keeps each version's files.
        let (status, edited) = put(
            &instance,
            &alice,
            &format!("/api/v1/statuses/{status_id}"),
            json!({"status": "now with words", "media_ids": [big_id, second_id, five[0]],
                   "media_attributes": [{"id": five[0], "description": "the third"}]}),
        )
        .await;
        assert_eq!(status, 200, "{at}: {edited}");
        let order: Vec<&str> = edited["media_attachments"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert_eq!(order, [big_id.as_str(), second_id.as_str(), five[0].as_str()], "{at}");
        assert_eq!(edited["media_attachments"][2]["description"], "the third", "{at}");
        let (_, history) = get(&instance, &bob, &format!("/api/v1/statuses/{status_id}/history")).await;
        let counts: Vec<usize> = history.as_array().unwrap().iter().map(|v| v["media_attachments"].as_array().unwrap().len()).collect();
        assert_eq!(counts, [2, 3], "{at}: {history}");

        // Size and type limits answer 422 the Mastodon way.
        let mut too_big = small.clone();
        too_big.resize(16 * 1024 * 1024 + 1, 0);
        let (status, error) = upload(&instance, &alice, "/api/v2/media", &too_big, "image/png", &[]).await;
        assert_eq!(status, 422, "{at}: {error}");
        assert_eq!(error["error"], "Validation failed: File file size must be less than 16 MB", "{at}");
        let (status, error) = upload(&instance, &alice, "/api/v2/media", b"<svg onload='alert(1)'/>", "image/svg+xml", &[]).await;
        assert_eq!((status, error["error"].as_str()), (422, Some("Validation failed: File content type is invalid")), "{at}");
        let (content_type, body) = multipart(&[("description", "no file")], None);
        let response = client()
            .post(instance.url("/api/v2/media"))
            .bearer_auth(&alice)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422, "{at}: no file");
        let read_only = instance.token("alice", "alice-password-1", "read").await;
        assert_eq!(upload(&instance, &read_only, "/api/v2/media", &small, "image/png", &[]).await.0, 403, "{at}: write:media");

        // A followers-only status with a picture: carol follows nobody and sees neither.
        let (_, hidden) = upload(&instance, &alice, "/api/v2/media", &small, "image/png", &[]).await;
        let hidden_id = hidden["id"].as_str().unwrap().to_string();
        let (_, private) = post(
            &instance,
            &alice,
            "/api/v1/statuses",
            json!({"status": "for followers", "visibility": "private", "media_ids": [hidden_id]}),
        )
        .await;
        let private_id = private["id"].as_str().unwrap();
        assert_eq!(private["media_attachments"][0]["id"], hidden_id.as_str(), "{at}");
        assert_eq!(get(&instance, &carol, &format!("/api/v1/statuses/{private_id}")).await.0, 404, "{at}");
        assert_eq!(get(&instance, &carol, &format!("/api/v1/media/{hidden_id}")).await.0, 404, "{at}: not her upload");
        let (_, carols_media) = get(&instance, &carol, &format!("/api/v1/accounts/{alice_id}/statuses?only_media=true")).await;
        assert!(!ids(&carols_media).contains(&private_id), "{at}: {carols_media}");

        // Deleting a status detaches its files (delete and redraft posts them again);
        // delete_media removes them and their files.
        let (status, deleted) = client()
            .delete(instance.url(&format!("/api/v1/statuses/{status_id}")))
            .bearer_auth(&alice)
            .send()
            .await
            .map(|r| (r.status().as_u16(), r))
            .unwrap();
        let deleted: Value = deleted.json().await.unwrap();
        assert_eq!(status, 200, "{at}");
        assert_eq!(deleted["media_attachments"].as_array().unwrap().len(), 3, "{at}: the answer keeps them for a redraft");
        let (status, redraft) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "redrafted", "media_ids": [big_id]})).await;
        assert_eq!(status, 200, "{at}: {redraft}");
        let redraft_id = redraft["id"].as_str().unwrap();
        let response = client()
            .delete(instance.url(&format!("/api/v1/statuses/{redraft_id}?delete_media=true")))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{at}");
        assert_eq!(get(&instance, &alice, &media_path).await.0, 404, "{at}: the upload is gone");
        assert_eq!(fetch(&url, None).await.0, 404, "{at}: and so is its file");

        // An upload never posted can be deleted.
        let unused = &five[4];
        let response = client().delete(instance.url(&format!("/api/v1/media/{unused}"))).bearer_auth(&alice).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{at}");
        assert_eq!(get(&instance, &alice, &format!("/api/v1/media/{unused}")).await.0, 404, "{at}");
    }
}

#[tokio::test]
async fn media_files_are_served_from_an_s3_bucket() {
    let moto = Moto::start(false).await;
    moto.store("aerie-media").await; // creates the bucket
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let pg = pg_for(engine).await;
        let config = write_config(
            dir.path(),
            &format!(
                "[instance]\ndomain = \"social.test\"\n\n[server]\nscheme = \"http\"\n\n[blobs]\nbackend = \"s3\"\nendpoint = \"{}\"\n\
                 bucket = \"aerie-media\"\naccess_key_id = \"aerie-test\"\nsecret_access_key = \"aerie-test-secret\"\n\n{}",
                moto.endpoint,
                database_section(pg.as_ref())
            ),
        );
        let launch = crate::support::Launch::with_config(dir.path(), &config);
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        let instance = Instance { server, launch, engine, dir, pg };
        instance.create_account("alice", "alice-password-1");
        let alice = instance.token("alice", "alice-password-1", "read write").await;
        let picture = png(300, 200, |x, y| [(x % 256) as u8, (y % 256) as u8, 128]);
        let (status, media) = upload(&instance, &alice, "/api/v2/media", &picture, "image/png", &[("description", "from S3")]).await;
        assert_eq!(status, 200, "{engine:?}: {media}");
        let url = media["url"].as_str().unwrap();
        let (status, headers, bytes) = fetch(url, None).await;
        assert_eq!(status, 200, "{engine:?}");
        assert!(bytes == picture, "{engine:?}: the file comes back from the bucket");
        assert_eq!(headers["content-type"], "image/png");
        let (status, _, part) = fetch(url, Some("bytes=-4")).await;
        assert_eq!((status, part.as_slice()), (206, &picture[picture.len() - 4..]), "{engine:?}");
        // The object is in the bucket under the key the URL names.
        let key = path_of(url).trim_start_matches("/system/").to_string();
        let store = aerie::blobs::BlobStore::from_config(&moto.config("aerie-media"), "unused".as_ref()).await.unwrap();
        assert_eq!(store.head(&key).await.unwrap(), Some(picture.len() as u64), "{engine:?}: {key}");
        assert_eq!(media_files::content_type(&key), "image/png");
    }
}

#[tokio::test]
async fn a_picture_federates_with_its_description_and_url() {
    for (engine_a, engine_b) in [(Engine::Sqlite, Engine::Postgres), (Engine::Postgres, Engine::Sqlite)] {
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let scopes = "read write follow";
        let alice = a.token("alice", "alice-password-1", scopes).await;
        let bob = b.token("bob", "bob-password-1", scopes).await;
        let at = format!("{engine_a:?}→{engine_b:?}");

        let (_, found) = get(&a, &alice, "/api/v2/search?q=%40bob%40b.test&resolve=true&type=accounts").await;
        let bob_id = found["accounts"][0]["id"].as_str().unwrap().to_string();
        post(&a, &alice, &format!("/api/v1/accounts/{bob_id}/follow"), json!({})).await;
        eventually(&format!("{at}: alice follows bob"), || async {
            let (_, r) = get(&a, &alice, &format!("/api/v1/accounts/relationships?id[]={bob_id}")).await;
            (r[0]["following"] == true).then_some(())
        })
        .await;

        let picture = small_png();
        let (status, media) =
            upload(&b, &bob, "/api/v2/media", &picture, "image/png", &[("description", "A red and blue flag"), ("focus", "-0.5,0.5")])
                .await;
        assert_eq!(status, 200, "{at}: {media}");
        let (status, posted) = post(&b, &bob, "/api/v1/statuses", json!({"status": "a picture from b", "media_ids": [media["id"]]})).await;
        assert_eq!(status, 200, "{at}: {posted}");

        // The Note b serves carries the Document.
        let note_path = path_of(posted["uri"].as_str().unwrap());
        let (_, note) = crate::support::http::get_ap(&b, &note_path).await;
        let document = &note["attachment"][0];
        assert_eq!(document["type"], "Document", "{at}: {note}");
        assert_eq!(document["mediaType"], "image/png", "{at}");
        assert_eq!(document["name"], "A red and blue flag", "{at}");
        assert_eq!(document["focalPoint"], json!([-0.5, 0.5]), "{at}");
        assert_eq!((document["width"].as_u64(), document["height"].as_u64()), (Some(40), Some(30)), "{at}");
        assert_eq!(document["blurhash"], media["blurhash"], "{at}");
        let file_url = document["url"].as_str().unwrap();
        assert!(file_url.starts_with("http://b.test/system/media/"), "{at}: the instance's own address: {file_url}");

        // Alice sees it on a with the attachment at its remote URL (not cached here).
        let on_a = eventually(&format!("{at}: bob's picture on a"), || home_has(&a, &alice, "a picture from b")).await;
        let remote = &on_a["media_attachments"][0];
        assert_eq!(remote["type"], "image", "{at}: {on_a}");
        assert_eq!(remote["url"], file_url, "{at}");
        assert_eq!(remote["remote_url"], file_url, "{at}");
        assert_eq!(remote["description"], "A red and blue flag", "{at}");
        assert_eq!(remote["blurhash"], media["blurhash"], "{at}");
        assert_eq!(remote["meta"]["original"]["width"], 40, "{at}");
        assert_eq!(remote["meta"]["focus"], json!({"x": -0.5, "y": 0.5}), "{at}");
        // The URL leads to the file (b.test resolves to b's loopback port here).
        let (status, _, bytes) = fetch(&b.url(&path_of(file_url)), None).await;
        assert_eq!(status, 200, "{at}");
        assert!(bytes == picture, "{at}");
        let (_, media_only) = get(&a, &alice, "/api/v1/timelines/public?only_media=true").await;
        assert!(ids(&media_only).contains(&on_a["id"].as_str().unwrap()), "{at}: only_media knows remote files");

        // An edit that changes the description reaches a too.
        let status_id = posted["id"].as_str().unwrap();
        let (status, edited) = put(
            &b,
            &bob,
            &format!("/api/v1/statuses/{status_id}"),
            json!({"status": "a picture from b, described", "media_ids": [media["id"]],
                   "media_attributes": [{"id": media["id"], "description": "A flag, red and blue"}]}),
        )
        .await;
        assert_eq!(status, 200, "{at}: {edited}");
        eventually(&format!("{at}: the edit on a"), || async {
            let status = home_has(&a, &alice, "described").await?;
            (status["media_attachments"][0]["description"] == "A flag, red and blue").then_some(())
        })
        .await;
    }
}
