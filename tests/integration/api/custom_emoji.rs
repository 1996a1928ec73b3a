//! Custom emoji, on both engines: the operator adds them with `aerie admin emoji add`
//! (a file that is not a PNG/GIF/WebP, one over 256 KiB and a bad shortcode are
//! refused with a clear error), clients list them from `GET /api/v1/custom_emojis`
//! (no token needed) and fetch the picture, a status naming `:shortcode:` carries the
//! emoji in `emojis` (a display name naming one, its `account`'s) and its Note in `tag` (its id serves the `Emoji`), and `remove`
//! takes it away; `import` adds a Mastodon-style .tar.gz. Across two
//! instances, a followed author's post brings its emoji along as a remote emoji.

use serde_json::{Value, json};

use crate::support::federation::{PAIRS, SCOPES, a_and_b, eventually, follow_and_wait, home_has};
use crate::support::http::{get, post, update_credentials_multipart};
use crate::support::{ENGINES, Instance, client};

/// A tiny PNG (only its first bytes are checked, as the CLI sniffs the type).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// Runs `aerie admin emoji ARGS`: (success, stdout, stderr).
fn cli(instance: &Instance, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["admin", "emoji"];
    all.extend_from_slice(args);
    let out = instance.launch.run(&all);
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

fn file(instance: &Instance, name: &str, bytes: &[u8]) -> String {
    let path = instance.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// The path of an absolute URL (the test reaches the server at its own address).
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/').map(|i| rest[i..].to_string()).unwrap_or_default()
}

#[tokio::test]
async fn custom_emoji_from_the_cli_to_statuses_and_notes() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        let alice = instance.token("alice", "alice-password-1", "read write").await;

        let (status, none) = get(&instance, "", "/api/v1/custom_emojis").await;
        assert_eq!((status, none), (200, json!([])), "{engine:?}");

        // Refusals name the problem.
        let png = file(&instance, "blobcat.png", PNG);
        let (ok, _, err) = cli(&instance, &["add", "a", &png]);
        assert!(!ok && err.contains("not a valid shortcode"), "{engine:?}: {err}");
        let (ok, _, err) = cli(&instance, &["add", "blob-cat", &png]);
        assert!(!ok && err.contains("not a valid shortcode"), "{engine:?}: {err}");
        let svg = file(&instance, "x.png", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        let (ok, _, err) = cli(&instance, &["add", "svgcat", &svg]);
        assert!(!ok && err.contains("not a PNG, GIF or WebP"), "{engine:?}: {err}");
        let big = file(&instance, "big.png", &[PNG, &vec![0u8; 300 * 1024]].concat());
        let (ok, _, err) = cli(&instance, &["add", "bigcat", &big]);
        assert!(!ok && err.contains("256 KiB"), "{engine:?}: {err}");
        let (ok, _, err) = cli(&instance, &["add", "nocat", "/nonexistent/file.png"]);
        assert!(!ok && err.contains("cannot read"), "{engine:?}: {err}");

        let (ok, out, err) = cli(&instance, &["add", "blobcat", &png, "--category", "Blobs"]);
        assert!(ok && out.contains(":blobcat:"), "{engine:?}: {err}");
        let (ok, _, err) = cli(&instance, &["add", "blobcat", &png]);
        assert!(!ok && err.contains("already"), "{engine:?}: {err}");
        let (ok, out, _) = cli(&instance, &["list"]);
        assert!(ok && out.contains(":blobcat:") && out.contains("Blobs") && out.contains("image/png"), "{engine:?}: {out}");

        let (status, list) = get(&instance, "", "/api/v1/custom_emojis").await;
        assert_eq!(status, 200, "{engine:?}");
        assert_eq!(list.as_array().unwrap().len(), 1, "{engine:?}: {list}");
        let emoji = &list[0];
        assert_eq!(emoji["shortcode"], "blobcat", "{engine:?}");
        assert_eq!(emoji["visible_in_picker"], true, "{engine:?}");
        assert_eq!(emoji["category"], "Blobs", "{engine:?}");
        let url = emoji["url"].as_str().unwrap().to_string();
        assert!(url.contains("/system/emojis/") && url.ends_with(".png"), "{engine:?}: {url}");
        assert_eq!(emoji["static_url"], url.as_str(), "{engine:?}");

        // The picture is served like media: its type from the key, nosniff.
        let picture = client().get(instance.url(&path_of(&url))).send().await.unwrap();
        assert_eq!(picture.status().as_u16(), 200, "{engine:?}");
        assert_eq!(picture.headers()["content-type"], "image/png", "{engine:?}");
        assert_eq!(picture.headers()["x-content-type-options"], "nosniff", "{engine:?}");
        assert_eq!(picture.bytes().await.unwrap().as_ref(), PNG, "{engine:?}");

        // A display name naming it shows it on the author of statuses.
        let (status, me) = update_credentials_multipart(&instance, &alice, &[("display_name", "Alice :blobcat:")], &[]).await;
        assert_eq!(status, 200, "{engine:?}: {me}");
        // A status naming it carries it; one that does not, nothing.
        let (status, posted) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "hello :blobcat: and :unknown:"})).await;
        assert_eq!(status, 200, "{engine:?}: {posted}");
        assert_eq!(posted["emojis"], json!([emoji]), "{engine:?}: {posted}");
        assert_eq!(posted["account"]["emojis"], json!([emoji]), "{engine:?}: {posted}");
        let (_, plain) = post(&instance, &alice, "/api/v1/statuses", json!({"status": "at 12:30:00 blobcat"})).await;
        assert_eq!(plain["emojis"], json!([]), "{engine:?}");
        let id = posted["id"].as_str().unwrap();
        let (_, fetched) = get(&instance, "", &format!("/api/v1/statuses/{id}")).await;
        assert_eq!(fetched["emojis"][0]["shortcode"], "blobcat", "{engine:?}: {fetched}");

        // Its Note names it in `tag` as an Emoji.
        let note: Value = client()
            .get(instance.url(&path_of(posted["uri"].as_str().unwrap())))
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let tag = note["tag"].as_array().unwrap().iter().find(|t| t["type"] == "Emoji").cloned();
        let tag = tag.unwrap_or_else(|| panic!("{engine:?}: no Emoji tag in {note}"));
        assert_eq!(tag["name"], ":blobcat:", "{engine:?}");
        assert!(tag["id"].as_str().unwrap().contains("/emojis/"), "{engine:?}: {tag}");
        assert_eq!(tag["icon"]["type"], "Image", "{engine:?}");
        assert_eq!(tag["icon"]["mediaType"], "image/png", "{engine:?}");
        assert_eq!(path_of(tag["icon"]["url"].as_str().unwrap()), path_of(&url), "{engine:?}");
        // Its id answers with the Emoji itself.
        let emoji_id = tag["id"].as_str().unwrap();
        let object: Value = client()
            .get(instance.url(&path_of(emoji_id)))
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (object["type"].clone(), object["id"].clone(), object["name"].clone()),
            (json!("Emoji"), json!(emoji_id), json!(":blobcat:"))
        );
        assert_eq!(object["icon"]["mediaType"], "image/png", "{engine:?}: {object}");

        // Removed: gone from the list, from statuses and its picture with it.
        let (ok, out, err) = cli(&instance, &["remove", "blobcat"]);
        assert!(ok && out.contains("removed"), "{engine:?}: {err}");
        let (ok, _, err) = cli(&instance, &["remove", "blobcat"]);
        assert!(!ok && err.contains("no emoji"), "{engine:?}: {err}");
        let (_, list) = get(&instance, "", "/api/v1/custom_emojis").await;
        assert_eq!(list, json!([]), "{engine:?}");
        let (_, fetched) = get(&instance, "", &format!("/api/v1/statuses/{id}")).await;
        assert_eq!(fetched["emojis"], json!([]), "{engine:?}");
        assert_eq!(fetched["account"]["emojis"], json!([]), "{engine:?}");
        let gone = client().get(instance.url(&path_of(&url))).send().await.unwrap();
        assert_eq!(gone.status().as_u16(), 404, "{engine:?}");
        let gone = client().get(instance.url(&path_of(emoji_id))).header("accept", "application/activity+json").send().await.unwrap();
        assert_eq!(gone.status().as_u16(), 404, "{engine:?}");

        // An archive Mastodon-style: pictures named after their shortcodes; what is
        // not a picture or has a bad name is skipped and named.
        let pack = instance.dir.path().join("pack");
        std::fs::create_dir_all(pack.join("blobs")).unwrap();
        std::fs::write(pack.join("blobs/blobfox.png"), PNG).unwrap();
        std::fs::write(pack.join("blobs/blobparty.gif"), b"GIF89a\x01\0\x01\0\0\0\0;").unwrap();
        std::fs::write(pack.join("blobs/fake.png"), b"not a picture").unwrap();
        std::fs::write(pack.join("blobs/bad-name.png"), PNG).unwrap();
        std::fs::write(pack.join("README.txt"), b"hi").unwrap();
        let archive = instance.dir.path().join("pack.tar.gz");
        let tar = std::process::Command::new("tar").arg("czf").arg(&archive).arg("-C").arg(&pack).arg(".").status().unwrap();
        assert!(tar.success());
        let (ok, out, err) = cli(&instance, &["import", &archive.display().to_string(), "--category", "Pack"]);
        assert!(ok, "{engine:?}: {err}");
        assert!(
            out.contains("imported 2 emoji, skipped 2") && out.contains("fake.png") && out.contains("bad-name.png"),
            "{engine:?}: {out}"
        );
        let (_, list) = get(&instance, "", "/api/v1/custom_emojis").await;
        let names: Vec<&str> = list.as_array().unwrap().iter().map(|e| e["shortcode"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["blobfox", "blobparty"], "{engine:?}: {list}");
        assert_eq!(list[1]["category"], "Pack", "{engine:?}");
        assert!(list[1]["url"].as_str().unwrap().ends_with(".gif"), "{engine:?}: {list}");
        let (ok, out, _) = cli(&instance, &["import", &archive.display().to_string()]);
        assert!(ok && out.contains("imported 0 emoji, skipped 4"), "{engine:?}: again, all taken or bad: {out}");
        let (ok, _, err) = cli(&instance, &["import", &png]);
        assert!(!ok && err.contains("not a tar archive"), "{engine:?}: {err}");
    }
}

#[tokio::test]
async fn remote_posts_bring_their_emoji() {
    for (engine_a, engine_b) in PAIRS {
        let at = format!("{engine_a:?}->{engine_b:?}");
        let (a, b) = a_and_b(engine_a, engine_b).await;
        a.create_account("alice", "alice-password-1");
        b.create_account("bob", "bob-password-1");
        let alice = a.token("alice", "alice-password-1", SCOPES).await;
        let bob = b.token("bob", "bob-password-1", SCOPES).await;
        let png = file(&a, "blobcat.png", PNG);
        let (ok, _, err) = cli(&a, &["add", "blobcat", &png]);
        assert!(ok, "{at}: {err}");

        follow_and_wait(&b, &bob, "alice@a.test", &at).await;
        let (status, _) = post(&a, &alice, "/api/v1/statuses", json!({"status": "federated :blobcat: party"})).await;
        assert_eq!(status, 200, "{at}");
        let seen = eventually(&format!("{at}: alice's post reaches bob"), || home_has(&b, &bob, "federated")).await;
        let emojis = seen["emojis"].as_array().unwrap();
        assert_eq!(emojis.len(), 1, "{at}: {seen}");
        assert_eq!(emojis[0]["shortcode"], "blobcat", "{at}");
        let url = emojis[0]["url"].as_str().unwrap();
        assert!(url.contains("a.test") && url.contains("/system/emojis/"), "{at}: the remote picture: {url}");

        // It is a.test's emoji, not b.test's own: b's picker does not list it, and a
        // local post of b naming it shows nothing.
        let (_, list) = get(&b, "", "/api/v1/custom_emojis").await;
        assert_eq!(list, json!([]), "{at}");
        let (_, own) = post(&b, &bob, "/api/v1/statuses", json!({"status": "mine :blobcat:"})).await;
        assert_eq!(own["emojis"], json!([]), "{at}");
    }
}
