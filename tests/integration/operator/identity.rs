//! The domain is set once: `--domain` on first start records it; a later change is
//! refused with why and how to fix it, on both engines.

use crate::support::{ENGINES, Launch};

#[tokio::test]
async fn a_changed_domain_is_refused_with_the_fix() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let pg = crate::support::pg_for(engine).await;
        let mut launch = Launch::new(dir.path()).arg("--data-dir").arg(data.display().to_string());
        if let Some(pg) = &pg {
            launch = launch.env("AERIE_DATABASE_URL", pg.url.clone());
        }
        let first =
            Launch { args: [launch.args.clone(), vec!["--domain".into(), "first.example".into()]].concat(), ..launch_clone(&launch) };
        let server = first.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        let config_text = std::fs::read_to_string(data.join("aerie.toml")).unwrap();
        assert!(config_text.contains("domain = \"first.example\""), "--domain is written into the new config");
        let (_, v2) = server.get_json("/api/v2/instance").await;
        assert_eq!(v2["domain"], "first.example");
        server.stop();

        std::fs::write(data.join("aerie.toml"), config_text.replace("first.example", "second.example")).unwrap();
        let (code, stderr) = launch.serve().err().expect("a changed domain must not start");
        assert_eq!(code, Some(2), "{engine:?}: {stderr}");
        assert!(stderr.contains("first.example") && stderr.contains("second.example"), "{stderr}");
        assert!(stderr.contains("cannot change") && stderr.contains("fix:"), "{stderr}");

        let check = launch.run(&["config", "check"]);
        assert_eq!(check.status.code(), Some(2), "config check sees it too");

        // Putting the domain back is the fix.
        std::fs::write(data.join("aerie.toml"), &config_text).unwrap();
        let server = launch.serve().unwrap_or_else(|(code, err)| panic!("{engine:?}: exit {code:?}: {err}"));
        server.stop();
    }
}

#[tokio::test]
async fn a_local_trial_can_be_given_a_domain_before_it_has_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let launch = Launch::new(dir.path()).arg("--data-dir").arg(data.display().to_string());
    let server = launch.serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    server.stop();
    let config = std::fs::read_to_string(data.join("aerie.toml")).unwrap();
    std::fs::write(data.join("aerie.toml"), config.replace("# domain = \"social.example.org\"", "domain = \"home.example\"")).unwrap();
    let server = launch.serve().unwrap_or_else(|(code, err)| panic!("exit {code:?}: {err}"));
    let (_, v1) = server.get_json("/api/v1/instance").await;
    assert_eq!(v1["uri"], "home.example");
    let show = launch.run(&["admin", "instance", "show"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("home.example"), "admin works while the server runs");
}

fn launch_clone(launch: &Launch) -> Launch {
    Launch {
        binary: launch.binary.clone(),
        cwd: launch.cwd.clone(),
        args: launch.args.clone(),
        env: launch.env.clone(),
        shared_cache: launch.shared_cache,
    }
}
