//! Avatars and headers end to end, on both engines: a real PNG avatar and a real JPEG
//! header (with EXIF) sent as the multipart files of update_credentials beside a text
//! field, shown in the account entity to its owner and to others, served from their
//! URLs (the JPEG without its metadata), carried by the actor document as `icon` and
//! `image`, replaced, refused when they are no picture or too large, removed with
//! `DELETE /api/v1/profile/avatar|header`. That both reach followers' servers in the
//! `Update` of the actor is checked in
//! `federation::accounts::a_profile_update_reaches_followers`.

use serde_json::json;

use crate::support::fixtures::{png, small_png};
use crate::support::http::{delete, fetch, get, get_ap, path_of, update_credentials_multipart};
use crate::support::{ENGINES, Instance};

/// A JPEG from a phone, with EXIF, a comment and trailing data that must not be served.
const PHOTO: &[u8] = include_bytes!("../../../components/media/fixtures/photo-exif.jpg");

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn avatars_and_headers_are_uploaded_served_and_removed() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        instance.create_account("bob", "bob-password-1");
        let alice = instance.token("alice", "alice-password-1", "read write").await;
        let bob = instance.token("bob", "bob-password-1", "read").await;
        let at = format!("{engine:?}");
        let (_, before) = get(&instance, &alice, "/api/v1/accounts/verify_credentials").await;
        let alice_id = before["id"].as_str().unwrap().to_string();
        assert_eq!(before["avatar"], instance.url("/avatars/original/missing.png"), "{at}: the default at first");

        // A PNG avatar and a JPEG header, with a text field mixed in.
        let avatar = small_png();
        let (status, me) = update_credentials_multipart(
            &instance,
            &alice,
            &[("display_name", "Alice in pictures")],
            &[("avatar", "me.png", "image/png", avatar.as_slice()), ("header", "holiday.jpg", "image/jpeg", PHOTO)],
        )
        .await;
        assert_eq!(status, 200, "{at}: {me}");
        assert_eq!(me["display_name"], "Alice in pictures", "{at}");
        let avatar_url = me["avatar"].as_str().unwrap().to_string();
        let header_url = me["header"].as_str().unwrap().to_string();
        assert!(avatar_url.starts_with(&instance.url("/system/accounts/avatars/")) && avatar_url.ends_with(".png"), "{at}: {avatar_url}");
        assert!(header_url.starts_with(&instance.url("/system/accounts/headers/")) && header_url.ends_with(".jpg"), "{at}: {header_url}");
        assert_eq!((&me["avatar_static"], &me["header_static"]), (&me["avatar"], &me["header"]), "{at}");
        assert!(me["source"].is_object(), "{at}: a CredentialAccount: {me}");

        // Everyone sees them, and their URLs serve the files.
        let (_, seen) = get(&instance, &bob, &format!("/api/v1/accounts/{alice_id}")).await;
        assert_eq!((&seen["avatar"], &seen["header"]), (&me["avatar"], &me["header"]), "{at}: {seen}");
        let (status, headers, bytes) = fetch(&avatar_url, None).await;
        assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/png"), "{at}");
        assert!(bytes == avatar, "{at}: the avatar is the upload");
        let (status, headers, bytes) = fetch(&header_url, None).await;
        assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/jpeg"), "{at}");
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "{at}: still a JPEG");
        assert!(bytes.len() < PHOTO.len() && !contains(&bytes, b"SECRET-"), "{at}: served without its metadata");
        for path in ["/system/accounts/..%2f..%2faerie.toml", "/system/accounts/%2e%2e/data/aerie.db", "/system/accounts/avatars/nope.png"]
        {
            assert_eq!(fetch(&instance.url(path), None).await.0, 404, "{at}: {path}");
        }

        // The actor document other servers fetch carries both, at the instance's own address.
        let (status, actor) = get_ap(&instance, "/users/alice").await;
        assert_eq!(status, 200, "{at}: {actor}");
        assert_eq!(actor["icon"]["type"], "Image", "{at}: {actor}");
        assert_eq!(actor["icon"]["mediaType"], "image/png", "{at}");
        assert_eq!(actor["icon"]["url"], format!("http://social.test{}", path_of(&avatar_url)), "{at}");
        assert_eq!(actor["image"]["mediaType"], "image/jpeg", "{at}");
        assert_eq!(actor["image"]["url"], format!("http://social.test{}", path_of(&header_url)), "{at}");
        let (_, jrd) = instance.server.get_json("/.well-known/webfinger?resource=acct:alice@social.test").await;
        let link = jrd["links"].as_array().unwrap().iter().find(|l| l["rel"] == "http://webfinger.net/rel/avatar").cloned();
        assert_eq!(
            link.map(|l| (l["type"].clone(), l["href"].clone())),
            Some((json!("image/png"), actor["icon"]["url"].clone())),
            "{at}: {jrd}"
        );

        // A new avatar replaces the old one and its file; the header stays.
        let second = png(64, 64, |x, y| [(x * 4) as u8, (y * 4) as u8, 90]);
        let (status, replaced) =
            update_credentials_multipart(&instance, &alice, &[], &[("avatar", "new.png", "application/octet-stream", second.as_slice())])
                .await;
        assert_eq!(status, 200, "{at}: {replaced}");
        let new_avatar_url = replaced["avatar"].as_str().unwrap().to_string();
        assert_ne!(new_avatar_url, avatar_url, "{at}: a new file name");
        assert_eq!(replaced["header"], me["header"], "{at}");
        assert!(fetch(&new_avatar_url, None).await.2 == second, "{at}");
        assert_eq!(fetch(&avatar_url, None).await.0, 404, "{at}: the replaced file is gone");

        // Refusals: 422 the Mastodon way, and nothing changes (the text field neither).
        let refusals: [(&str, &str, Vec<u8>, &str); 4] = [
            ("avatar", "image/png", b"plain words, not a picture".to_vec(), "Validation failed: Avatar content type is invalid"),
            ("header", "image/svg+xml", b"<svg onload='alert(1)'/>".to_vec(), "Validation failed: Header content type is invalid"),
            (
                "avatar",
                "image/png",
                b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2mp41".to_vec(),
                "Validation failed: Avatar content type is invalid",
            ),
            (
                "avatar",
                "image/png",
                {
                    let mut big = small_png();
                    big.resize((2 << 20) + 1, 0);
                    big
                },
                "Validation failed: Avatar file size must be less than 2 MB",
            ),
        ];
        for (field, content_type, bytes, message) in &refusals {
            let (status, error) = update_credentials_multipart(
                &instance,
                &alice,
                &[("display_name", "Refused")],
                &[(*field, "f", *content_type, bytes.as_slice())],
            )
            .await;
            assert_eq!((status, error["error"].as_str()), (422, Some(*message)), "{at}: {field} {content_type}: {error}");
        }
        let (_, unchanged) = get(&instance, &alice, "/api/v1/accounts/verify_credentials").await;
        assert_eq!(unchanged["display_name"], "Alice in pictures", "{at}");
        assert_eq!((&unchanged["avatar"], &unchanged["header"]), (&replaced["avatar"], &replaced["header"]), "{at}");
        let (status, _) = update_credentials_multipart(&instance, &bob, &[], &[("avatar", "me.png", "image/png", avatar.as_slice())]).await;
        assert_eq!(status, 403, "{at}: write:accounts is needed");

        // DELETE /api/v1/profile/avatar: the default again, the file and the icon gone.
        let (status, removed) = delete(&instance, &alice, "/api/v1/profile/avatar").await;
        assert_eq!(status, 200, "{at}: {removed}");
        assert_eq!(removed["avatar"], instance.url("/avatars/original/missing.png"), "{at}");
        assert_eq!(removed["header"], me["header"], "{at}: the header stays");
        assert!(removed["source"].is_object(), "{at}: a CredentialAccount");
        assert_eq!(fetch(&new_avatar_url, None).await.0, 404, "{at}");
        let (_, actor) = get_ap(&instance, "/users/alice").await;
        assert!(actor.get("icon").is_none() && actor["image"].is_object(), "{at}: {actor}");
        assert_eq!(delete(&instance, &alice, "/api/v1/profile/avatar").await.0, 200, "{at}: removing nothing is fine");
        let (status, removed) = delete(&instance, &alice, "/api/v1/profile/header").await;
        assert_eq!((status, removed["header"].as_str()), (200, Some(instance.url("/headers/original/missing.png").as_str())), "{at}");
        assert_eq!(fetch(&header_url, None).await.0, 404, "{at}");
        assert_eq!(delete(&instance, &alice, "/api/v1/profile/other").await.0, 404, "{at}");
        assert_eq!(delete(&instance, &bob, "/api/v1/profile/avatar").await.0, 403, "{at}: write:accounts");
    }
}
