//! Operating under stress: a restarted node takes back its killed process's jobs at
//! once, processes starting together on a fresh instance take turns migrating, and a
//! full disk is answered with 507, a failing `/health/ready` and an ERROR naming the
//! data directory, until space is freed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aerie::config::DatabaseConfig;
use aerie::db::Value;
use aerie::jobs::{Jobs, NewJob};

use crate::support::{ENGINES, Launch, client, password_token, scalar, write_config};

#[tokio::test]
async fn a_restarted_node_reruns_its_killed_process_jobs_at_once_not_after_the_lease() {
    for engine in ENGINES {
        // The default lease: were the job left to it, it would run again in 5 minutes.
        let setup = crate::support::RecorderSetup::new(engine, 300).await;
        let (data, db) = (&setup.data, &setup.db);
        let launch = Launch::with_config(setup.dir.path(), &setup.config);
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        let payload = b"slow:4000:beta".to_vec();
        client().post(server.url("/probe/enqueue/record")).body(payload.clone()).send().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while setup.runs("beta").await < 1 {
            assert!(Instant::now() < deadline, "{engine:?}: the slow job never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(server); // SIGKILL mid-job: its lease (300 s) is left behind
        let lease_until = scalar(db, "SELECT lease_until FROM jobs WHERE payload = $1", vec![Value::Bytes(payload.clone())]).await;
        assert!(
            lease_until.and_then(|v| v.as_i64()).unwrap() > aerie::clock::now_millis() + 200_000,
            "{engine:?}: the killed process's lease still has minutes to run"
        );

        let restarted = Instant::now();
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: restart: exit {code:?}: {err}"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while scalar(db, "SELECT COUNT(*) FROM job_log WHERE tag = 'beta'", vec![]).await != Some(Value::Int(1)) {
            assert!(Instant::now() < deadline, "{engine:?}: the job did not run again within a minute of the restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let took = restarted.elapsed();
        eprintln!("{engine:?}: the killed process's job ran again {} ms after the restart began", took.as_millis());
        assert!(took < Duration::from_secs(120), "{engine:?}: ran again {} s after the restart", took.as_secs());
        assert!(server.stderr_shows("took back the jobs"), "{engine:?}: the log says so:\n{}", server.stderr.lock().unwrap());
        assert!(server.stderr_shows("requeued=1"), "{engine:?}: and how many:\n{}", server.stderr.lock().unwrap());
        assert_eq!(setup.runs("beta").await, 2, "{engine:?}: the handler ran a second time");
        // The restarted process holds its own lock; the killed one's file is gone.
        let locks: Vec<_> = std::fs::read_dir(data.join("nodes")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(locks.len(), 1, "{engine:?}: {locks:?}");
        server.stop();
        db.close().await;
    }
}

#[tokio::test]
async fn reclaiming_a_gone_process_jobs_requeues_them_and_dead_letters_those_out_of_attempts() {
    for engine in ENGINES {
        let t = crate::support::test_db(engine, &DatabaseConfig::default()).await;
        let ids = std::sync::Arc::new(aerie::ids::IdGenerator::new(3));
        let (gone, other) = (Jobs::new(t.db.clone(), "host:100", ids.clone()), Jobs::new(t.db.clone(), "host:200", ids));
        let mut last_try = NewJob::new("k", b"last".to_vec());
        last_try.max_attempts = 1;
        gone.enqueue(last_try).await.unwrap();
        gone.enqueue(NewJob::new("k", b"again".to_vec())).await.unwrap();
        assert_eq!(gone.claim(10, Duration::from_secs(300)).await.unwrap().len(), 2);
        other.enqueue(NewJob::new("k", b"alive".to_vec())).await.unwrap();
        assert_eq!(other.claim(10, Duration::from_secs(300)).await.unwrap().len(), 1);

        let reclaimed = other.reclaim("host:100").await.unwrap();
        assert_eq!((reclaimed.pending, reclaimed.dead), (1, 1), "{engine:?}");
        let state = |payload: &'static [u8]| {
            let db = t.db.clone();
            async move {
                let rows =
                    db.query("SELECT state, last_error FROM jobs WHERE payload = $1", vec![Value::Bytes(payload.to_vec())]).await.unwrap();
                (rows.text(0, "state").unwrap().to_string(), rows.text(0, "last_error").map(str::to_string))
            }
        };
        assert_eq!(state(b"last").await.0, "dead", "{engine:?}: its only attempt ended with its process");
        let (again, why) = state(b"again").await;
        assert_eq!(again, "pending", "{engine:?}");
        assert!(why.unwrap().contains("host:100 stopped"), "{engine:?}");
        assert_eq!(state(b"alive").await.0, "running", "{engine:?}: a live process's job is left alone");
        // Due now: the next claim takes it, without waiting for the 300 s lease.
        let next = other.claim(10, Duration::from_secs(300)).await.unwrap();
        assert_eq!(next.iter().map(|j| j.payload.as_slice()).collect::<Vec<_>>(), [b"again".as_slice()], "{engine:?}");
        assert_eq!(next[0].attempt, 2);
        t.db.close().await;
    }
}

#[tokio::test]
async fn eight_account_creations_and_a_first_serve_at_once_all_succeed() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let pg = crate::support::pg_for(engine).await;
        // A fresh instance: a config, and neither a data directory nor a schema yet.
        let config = write_config(
            dir.path(),
            &format!(
                "[instance]\ndomain = \"social.test\"\n\n[server]\nscheme = \"http\"\n\n{}",
                crate::support::database_section(pg.as_ref())
            ),
        );
        let data = dir.path().join("data");
        assert!(!data.exists());
        let launch = || Launch::with_config(dir.path(), &config);
        let serving = std::thread::spawn({
            let launch = launch();
            move || launch.serve()
        });
        let creators: Vec<_> = (0..8)
            .map(|i| {
                let launch = launch();
                std::thread::spawn(move || {
                    let name = format!("user{i}");
                    let email = format!("{name}@social.test");
                    let out = launch.run(&[
                        "admin",
                        "accounts",
                        "create",
                        &name,
                        "--email",
                        &email,
                        "--password",
                        "a-long-password-1",
                        "--confirmed",
                    ]);
                    (name, out)
                })
            })
            .collect();
        for creator in creators {
            let (name, out) = creator.join().unwrap();
            assert!(
                out.status.success(),
                "{engine:?}: creating {name} failed (exit {:?}):\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let server = serving.join().unwrap().unwrap_or_else(|(code, err)| panic!("{engine:?}: serve: exit {code:?}: {err}"));
        let out = launch().run(&["admin", "accounts", "list"]);
        let listed = String::from_utf8_lossy(&out.stdout);
        assert!(listed.contains("8 account(s)"), "{engine:?}: {listed}");
        // And they are usable: one logs in through the server that started alongside.
        let token = password_token(&server.url(""), "user7", "a-long-password-1", "read").await;
        assert!(!token.is_empty());
        server.stop();
    }
}

#[tokio::test]
async fn a_migration_waits_for_the_process_holding_the_lock_and_says_so() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let pg = crate::support::pg_for(engine).await;
        let config = write_config(dir.path(), &crate::support::database_section(pg.as_ref()));
        let launch = Launch::with_config(dir.path(), &config);

        // Another process is migrating: it holds the lock aerie takes.
        let holder: Box<dyn std::any::Any> = match &pg {
            Some(pg) => {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&pg.url).await.unwrap();
                sqlx::query("SELECT pg_advisory_lock($1)").bind(aerie::db::migrate::PG_LOCK_KEY).execute(&mut conn).await.unwrap();
                Box::new(conn)
            }
            None => {
                let path = aerie::db::migrate::sqlite_lock_path(&data.join("aerie.db"));
                let file = std::fs::File::create(&path).unwrap();
                file.lock().unwrap();
                std::fs::write(&path, "the test's own process").unwrap();
                Box::new(file)
            }
        };
        let started = Instant::now();
        let migrating = std::thread::spawn(move || launch.run(&["migrate"]));
        std::thread::sleep(Duration::from_secs(3));
        assert!(!migrating.is_finished(), "{engine:?}: migrate waits while the lock is held");
        drop(holder); // the other process is done (for PostgreSQL: its session ends)
        let out = migrating.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{engine:?}: {stderr}");
        assert!(started.elapsed() >= Duration::from_secs(3));
        assert!(stderr.contains("another aerie process is migrating the database; waiting for it"), "{engine:?}: {stderr}");
        let who = if pg.is_some() { "PostgreSQL backend pid" } else { "the test's own process" };
        assert!(stderr.contains(who), "{engine:?}: the log says who holds the lock: {stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("schema is up to date"));
    }
}

/// A small tmpfs mounted for one test, unmounted on drop. Needs root (or
/// CAP_SYS_ADMIN), as the test machines and CI containers have.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(path: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(path).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(path)
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "this test fills a small tmpfs to make the disk full for real and needs root (CAP_SYS_ADMIN) to mount it: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { path: path.to_path_buf() }
    }

    /// Writes a file until the disk refuses more; returns its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 512] {
            let bytes = vec![0x5a_u8; chunk];
            while file.write_all(&bytes).and_then(|_| file.flush()).is_ok() {}
        }
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

#[tokio::test]
async fn a_full_disk_answers_507_fails_ready_and_recovers_when_space_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let disk = SmallDisk::mount(&data, "24m");
    let config = write_config(dir.path(), "[instance]\ndomain = \"social.test\"\n\n[server]\nscheme = \"http\"\n");
    let launch = Launch::with_config(dir.path(), &config);
    let server = launch.serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    let out = launch.run(&[
        "admin",
        "accounts",
        "create",
        "alice",
        "--email",
        "alice@social.test",
        "--password",
        "alice-password-1",
        "--confirmed",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = password_token(&server.url(""), "alice", "alice-password-1", "read write").await;
    let post = |text: String| {
        let request = client().post(server.url("/api/v1/statuses")).bearer_auth(&token).json(&serde_json::json!({ "status": text }));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    assert_eq!(post("before the disk fills".into()).await.0, 200);
    assert_eq!(server.get_text("/health/ready").await.0, 200);

    let filler = disk.fill();
    // SQLite may still fit a few writes in its log's free pages; each post needs more.
    let mut refused = None;
    for i in 0..400 {
        let (status, body) = post(format!("post {i} on a full disk, padded to need pages: {}", "x".repeat(400))).await;
        if status != 200 {
            eprintln!("disk full: post {i} after the disk filled was the first refused ({status})");
            refused = Some((status, body));
            break;
        }
    }
    let (status, body) = refused.expect("a disk with no space left never refused a post");
    assert_eq!(status, 507, "a full disk is Insufficient Storage: {body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert!(json["error"].as_str().unwrap().contains("out of storage space"), "{json}");

    // An upload, whose original goes to the blob folder on the same full disk.
    let picture = crate::support::fixtures::png(300, 300, |x, y| [x as u8, y as u8, (x ^ y) as u8]);
    let (content_type, body) = crate::support::http::multipart(&[], Some(("picture.png", "image/png", &picture)));
    let response = client()
        .post(server.url("/api/v2/media"))
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 507, "an upload to a full disk: {text}");
    assert!(serde_json::from_str::<serde_json::Value>(&text).unwrap()["error"].is_string(), "{text}");

    // The host's own routes too: registering an app writes its secret.
    let response = client()
        .post(server.url("/api/v1/apps"))
        .form(&[("client_name", "full disk"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 507, "an app registered on a full disk: {text}");
    assert!(text.contains("out of storage space"), "{text}");

    let (status, reason) = server.get_text("/health/ready").await;
    assert_eq!(status, 503, "not ready while writes fail: {reason}");
    assert!(reason.contains("storage full"), "{reason}");
    assert!(server.stderr_shows("OUT OF STORAGE SPACE"), "{}", server.stderr.lock().unwrap());
    let log = server.stderr.lock().unwrap().clone();
    let line = log.lines().find(|l| l.contains("OUT OF STORAGE SPACE")).unwrap();
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains(&data.display().to_string()), "the log names the data directory: {line}");
    assert!(line.contains("free space") && line.contains("S3"), "and the fix: {line}");

    std::fs::remove_file(&filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, reason) = server.get_text("/health/ready").await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "ready never recovered after space was freed: {status} {reason}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = post("after space was freed".into()).await;
    assert_eq!(status, 200, "{body}");
    assert!(server.stderr_shows("writes succeed again"));
    server.stop();
    drop(disk);
}
