//! Backups: an archive taken while the server serves and takes writes restores into a
//! new data directory that then serves every account, status, follow, media file
//! (byte for byte) and the same keys; the archive is 0600; `verify` fails on one
//! flipped byte and names the damaged file; restore refuses a non-empty data dir.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;

use crate::support::fixtures::small_png;
use crate::support::http::{fetch, get, get_ap, path_of, post, upload};
use crate::support::{Engine, Instance, Launch, PgDatabase};

/// The one archive in `dir` (and no partial one beside it).
fn the_archive(dir: &Path) -> PathBuf {
    let names: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!names.iter().any(|p| p.to_string_lossy().ends_with(".partial")), "a partial archive was left: {names:?}");
    let archives: Vec<&PathBuf> = names.iter().filter(|p| p.to_string_lossy().ends_with(".tar.gz")).collect();
    assert_eq!(archives.len(), 1, "{names:?}");
    archives[0].clone()
}

fn run_ok(launch: &Launch, args: &[&str]) -> String {
    let out = launch.run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "aerie {args:?}: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_sqlite_backup_taken_under_writes_restores_into_a_new_data_dir_that_serves_the_same_instance() {
    round_trip(Engine::Sqlite, false).await;
}

#[tokio::test]
async fn a_postgres_backup_taken_under_writes_restores_onto_postgres() {
    round_trip(Engine::Postgres, true).await;
}

#[tokio::test]
async fn a_postgres_backup_restores_onto_sqlite() {
    round_trip(Engine::Postgres, false).await;
}

/// Backs an instance on `engine` up under writes, restores it (onto a new PostgreSQL
/// database when `onto_postgres`, else the new data dir's SQLite file) and checks the
/// restored instance serves the same accounts, statuses, follow, media and keys.
async fn round_trip(engine: Engine, onto_postgres: bool) {
    let at = format!("{engine:?} onto {}", if onto_postgres { "PostgreSQL" } else { "SQLite" });
    let instance = Instance::start(engine).await;
    instance.create_account("alice", "correct-horse-9");
    instance.create_account("bob", "battery-staple-9");
    let alice = instance.token("alice", "correct-horse-9", "read write follow").await;
    let bob = instance.token("bob", "battery-staple-9", "read write follow").await;

    // Before the backup: statuses, a follow, a picture.
    let (_, alice_account) = get(&instance, &alice, "/api/v1/accounts/verify_credentials").await;
    let alice_id = alice_account["id"].as_str().unwrap().to_string();
    let (code, _) = post(&instance, &bob, &format!("/api/v1/accounts/{alice_id}/follow"), json!({})).await;
    assert_eq!(code, 200);
    let (code, media) = upload(&instance, &alice, "/api/v2/media", &small_png(), "image/png", &[]).await;
    assert_eq!(code, 200, "{media}");
    let (code, with_media) =
        post(&instance, &alice, "/api/v1/statuses", json!({"status": "a picture", "media_ids": [media["id"]], "visibility": "public"}))
            .await;
    assert_eq!(code, 200, "{with_media}");
    let mut before = vec![with_media["id"].as_str().unwrap().to_string()];
    for i in 0..10 {
        let (code, status) = post(&instance, &alice, "/api/v1/statuses", json!({"status": format!("before {i}")})).await;
        assert_eq!(code, 200, "{status}");
        before.push(status["id"].as_str().unwrap().to_string());
    }
    let media_url = with_media["media_attachments"][0]["url"].as_str().unwrap().to_string();
    let (code, _, media_bytes) = fetch(&media_url, None).await;
    assert_eq!(code, 200);
    let (_, actor) = get_ap(&instance, "/users/alice").await;
    let public_key = actor["publicKey"]["publicKeyPem"].as_str().unwrap().to_string();

    // The backup runs while bob keeps posting.
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (writing, url, bob) = (writing.clone(), instance.url("/api/v1/statuses"), bob.clone());
        tokio::spawn(async move {
            let mut written = 0;
            while writing.load(Ordering::Relaxed) {
                let response = crate::support::client()
                    .post(&url)
                    .bearer_auth(&bob)
                    .json(&json!({"status": format!("during {written}")}))
                    .send()
                    .await;
                assert_eq!(response.unwrap().status().as_u16(), 200);
                written += 1;
            }
            written
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let backups = tempfile::tempdir().unwrap();
    let launch = Launch::with_config(instance.dir.path(), &instance.dir.path().join("aerie.toml"));
    let to = backups.path().display().to_string();
    let stdout = tokio::task::spawn_blocking(move || run_ok(&launch, &["admin", "backup", "create", "--to", &to])).await.unwrap();
    writing.store(false, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 0, "no write happened during the backup");
    assert!(stdout.contains("backup written to"), "{stdout}");

    let archive = the_archive(backups.path());
    let mode = std::fs::metadata(&archive).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the archive holds secrets");
    let archive_arg = archive.display().to_string();
    let verified = run_ok(&instance.launch, &["admin", "backup", "verify", &archive_arg]);
    assert!(verified.contains("is good") && verified.contains("2 accounts"), "{at}: {verified}");

    // Restore into a new data dir, serve it.
    let new_dir = tempfile::tempdir().unwrap();
    let new_launch = Launch::with_config(new_dir.path(), &new_dir.path().join("aerie.toml"));
    let new_pg = if onto_postgres { Some(PgDatabase::create().await) } else { None };
    match &new_pg {
        Some(pg) => run_ok(&new_launch, &["admin", "backup", "restore", &archive_arg, "--database-url", &pg.url]),
        None => run_ok(&new_launch, &["admin", "backup", "restore", &archive_arg]),
    };
    // The restored config names the database the rows went to, not the old one.
    let restored_config = std::fs::read_to_string(new_dir.path().join("aerie.toml")).unwrap();
    match &new_pg {
        Some(pg) => assert!(restored_config.contains(&pg.url), "{at}: {restored_config}"),
        None => assert!(!restored_config.contains("postgres://"), "{at}: {restored_config}"),
    }
    if !onto_postgres {
        assert!(new_dir.path().join("data/aerie.db").is_file(), "{at}");
    }
    // A second restore onto it is refused with the reason.
    let again = new_launch.run(&["admin", "backup", "restore", &archive_arg]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"), "{}", String::from_utf8_lossy(&again.stderr));
    let server = new_launch.serve().unwrap_or_else(|(code, err)| panic!("{at}: the restored instance: exit {code:?}: {err}"));
    let restored_engine = if onto_postgres { Engine::Postgres } else { Engine::Sqlite };
    let restored = Instance { server, launch: new_launch, engine: restored_engine, dir: new_dir, pg: new_pg };

    // The same accounts, logins (the old token), statuses, follow, media bytes, keys.
    let (code, me) = get(&restored, &alice, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(code, 200, "{at}: the old token works on the restored instance: {me}");
    assert_eq!(me["id"], alice_account["id"]);
    for id in &before {
        let (code, status) = get(&restored, &alice, &format!("/api/v1/statuses/{id}")).await;
        assert_eq!(code, 200, "{at}: status {id}: {status}");
    }
    let (_, relationships) = get(&restored, &bob, &format!("/api/v1/accounts/relationships?id[]={alice_id}")).await;
    assert_eq!(relationships[0]["following"], true, "{relationships}");
    let (code, _, restored_bytes) = fetch(&restored.url(&path_of(&media_url)), None).await;
    assert_eq!(code, 200);
    assert_eq!(restored_bytes, media_bytes, "{at}: the media file is restored byte for byte");
    let (_, restored_actor) = get_ap(&restored, "/users/alice").await;
    assert_eq!(restored_actor["publicKey"]["publicKeyPem"].as_str(), Some(public_key.as_str()));
    for key in ["instance.pem", "vapid.pem"] {
        if let Ok(old) = std::fs::read(instance.dir.path().join("data/keys").join(key)) {
            let new = std::fs::read(restored.dir.path().join("data/keys").join(key)).unwrap();
            assert_eq!(old, new, "{at}: keys/{key}");
        }
    }
    // bob's statuses during the backup: as many as the snapshot saw, all of them whole.
    let (_, bob_account) = get(&restored, &bob, "/api/v1/accounts/verify_credentials").await;
    assert!(bob_account["statuses_count"].as_i64().unwrap() <= written, "{bob_account}");
}

/// Decompresses `archive`, lets `edit` change the tar bytes, compresses it again into `out`.
fn rewrite(archive: &Path, out: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap()).read_to_end(&mut tar).unwrap();
    edit(&mut tar);
    let mut encoder = flate2::write::GzEncoder::new(std::fs::File::create(out).unwrap(), flate2::Compression::default());
    encoder.write_all(&tar).unwrap();
    encoder.finish().unwrap();
}

#[tokio::test]
async fn verify_fails_on_one_flipped_byte_and_names_the_damaged_file() {
    let instance = Instance::start(Engine::Sqlite).await;
    instance.create_account("alice", "correct-horse-9");
    let backups = tempfile::tempdir().unwrap();
    run_ok(&instance.launch, &["admin", "backup", "create", "--to", &backups.path().display().to_string()]);
    let archive = the_archive(backups.path());
    run_ok(&instance.launch, &["admin", "backup", "verify", &archive.display().to_string()]);

    // A byte flipped in the compressed stream.
    let bytes = std::fs::read(&archive).unwrap();
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let damaged = backups.path().join("damaged.tar.gz");
    std::fs::write(&damaged, &flipped).unwrap();
    let out = instance.launch.run(&["admin", "backup", "verify", &damaged.display().to_string()]);
    assert!(!out.status.success(), "a flipped byte went unnoticed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("damaged"), "{}", String::from_utf8_lossy(&out.stderr));

    // A byte flipped inside the key's bytes, in a well-formed archive: named by path.
    let tampered = backups.path().join("tampered.tar.gz");
    rewrite(&archive, &tampered, |tar| {
        // After the key's tar header (the database holds the PEM too).
        let header = tar.windows(17).position(|w| w == b"keys/instance.pem").unwrap();
        let at = header + tar[header..].windows(10).position(|w| w == b"-----BEGIN").unwrap() + 20;
        tar[at] ^= 0x01;
    });
    let out = instance.launch.run(&["admin", "backup", "verify", &tampered.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a flipped byte in a key went unnoticed");
    assert!(stderr.contains("keys/instance.pem does not match its checksum"), "{stderr}");

    // Restoring the tampered archive leaves nothing behind.
    let new_dir = tempfile::tempdir().unwrap();
    let data = new_dir.path().join("data");
    let launch = Launch::with_config(new_dir.path(), &new_dir.path().join("aerie.toml"));
    let out = launch.run(&["admin", "backup", "restore", &tampered.display().to_string()]);
    assert!(!out.status.success());
    assert!(!data.exists() && !new_dir.path().join("aerie.toml").exists(), "a failed restore left files behind");
}
