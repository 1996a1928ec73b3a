//! OAuth as Mastodon clients use it, over real HTTP on both engines: app registration
//! (form and JSON), password, authorization-code (+PKCE, driving the HTML form, and the
//! out-of-band page), client-credentials and refresh grants, revocation, scopes, token
//! hashing at rest, login rate limiting, and the admin CLI that makes the accounts.

use serde_json::{Value, json};

use crate::support::{ENGINES, Instance, client, client_no_redirects};

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

async fn register_app(instance: &Instance, scopes: &str) -> (String, String) {
    let response = client()
        .post(instance.url("/api/v1/apps"))
        .form(&[
            ("client_name", "aerie tests"),
            ("redirect_uris", &format!("{OOB}\n{REDIRECT}")),
            ("scopes", scopes),
            ("website", "https://example.org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let app: Value = response.json().await.unwrap();
    assert_eq!(app["name"], "aerie tests");
    assert_eq!(app["redirect_uris"], json!([OOB, REDIRECT]));
    (app["client_id"].as_str().unwrap().to_string(), app["client_secret"].as_str().unwrap().to_string())
}

async fn token_request(instance: &Instance, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client().post(instance.url("/oauth/token")).form(form).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn get_with(instance: &Instance, path: &str, token: &str) -> (u16, Value) {
    let response = client().get(instance.url(path)).bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// Submits the HTML authorize form as a browser would; returns the response.
async fn submit_authorize(instance: &Instance, fields: &[(&str, &str)]) -> reqwest::Response {
    client_no_redirects().post(instance.url("/oauth/authorize")).form(fields).send().await.unwrap()
}

fn code_from_location(response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT), "{location}");
    let query = location.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    assert!(pairs.contains(&("state".into(), "xyz".into())), "state comes back: {location}");
    pairs.into_iter().find(|(k, _)| k == "code").unwrap().1
}

#[tokio::test]
async fn oauth_flows_work_as_clients_use_them() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        instance.create_account("alice", "alice-password-1");
        let (client_id, secret) = register_app(&instance, "read write follow push").await;

        // JSON registration answers the same way.
        let json_app: Value = client()
            .post(instance.url("/api/v1/apps"))
            .json(&json!({ "client_name": "json app", "redirect_uris": [REDIRECT], "scopes": "read" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json_app["scopes"], json!(["read"]), "{engine:?}: {json_app}");
        // A registration without a name is a validation error in Mastodon's shape.
        let bad = client().post(instance.url("/api/v1/apps")).form(&[("redirect_uris", OOB)]).send().await.unwrap();
        assert_eq!(bad.status(), 422);
        assert!(bad.json::<Value>().await.unwrap()["error"].as_str().unwrap().starts_with("Validation failed"));

        // Password grant: wrong password refused, right one answers with the scope.
        let base = [("client_id", client_id.as_str()), ("client_secret", secret.as_str())];
        let (status, body) = token_request(
            &instance,
            &[base[0], base[1], ("grant_type", "password"), ("username", "alice@social.test"), ("password", "nope"), ("scope", "read")],
        )
        .await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{engine:?}: {body}");
        let (status, body) = token_request(
            &instance,
            &[
                base[0],
                base[1],
                ("grant_type", "password"),
                ("username", "alice@social.test"),
                ("password", "alice-password-1"),
                ("scope", "read write follow push"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{engine:?}: {body}");
        assert_eq!(body["scope"], "read write follow push", "Mastodon.py needs every requested scope echoed");
        assert_eq!(body["token_type"], "Bearer");
        let token = body["access_token"].as_str().unwrap().to_string();
        let refresh_token = body["refresh_token"].as_str().unwrap().to_string();

        let (status, app) = get_with(&instance, "/api/v1/apps/verify_credentials", &token).await;
        assert_eq!((status, app["name"].as_str()), (200, Some("aerie tests")));
        // A component route gets the token resolved; a bad token is refused before it.
        assert_eq!(get_with(&instance, "/api/v1/instance", &token).await.0, 200);
        let (status, body) = get_with(&instance, "/api/v1/instance", "not-a-token").await;
        assert_eq!((status, body["error"].as_str()), (401, Some("The access token is invalid")));

        // Asking for more than the app registered is refused.
        let (status, body) =
            token_request(&instance, &[base[0], base[1], ("grant_type", "client_credentials"), ("scope", "admin:write")]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")));
        let (status, body) = token_request(&instance, &[base[0], base[1], ("grant_type", "client_credentials"), ("scope", "read")]).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("refresh_token").is_none(), "app tokens have no refresh token");
        // A wrong client secret is an invalid client.
        let (status, body) =
            token_request(&instance, &[("client_id", &client_id), ("client_secret", "wrong"), ("grant_type", "client_credentials")]).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));

        // Authorization code with PKCE, through the HTML page.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let page = client()
            .get(instance.url("/oauth/authorize/"))
            .query(&[
                ("response_type", "code"),
                ("client_id", client_id.as_str()),
                ("redirect_uri", REDIRECT),
                ("scope", "read write"),
                ("state", "xyz"),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("<form") && html.contains("name=\"password\"") && html.contains(challenge), "{html}");
        let form = [
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "read write"),
            ("state", "xyz"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("login", "alice"),
        ];
        let wrong = submit_authorize(&instance, &[&form[..], &[("password", "bad")]].concat()).await;
        assert_eq!(wrong.status(), 401);
        assert!(wrong.text().await.unwrap().contains("Invalid email or password"));
        let ok = submit_authorize(&instance, &[&form[..], &[("password", "alice-password-1")]].concat()).await;
        assert!(ok.status().is_redirection(), "{engine:?}: {}", ok.status());
        let code = code_from_location(&ok);
        let exchange = |code: String, verifier: &'static str| {
            let (id, secret) = (client_id.clone(), secret.clone());
            let instance = &instance;
            async move {
                token_request(
                    instance,
                    &[
                        ("client_id", &id),
                        ("client_secret", &secret),
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("redirect_uri", REDIRECT),
                        ("code_verifier", verifier),
                    ],
                )
                .await
            }
        };
        let (status, body) = exchange(code.clone(), "wrong-verifier-wrong-verifier-wrong-verifier").await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        let ok = submit_authorize(&instance, &[&form[..], &[("password", "alice-password-1")]].concat()).await;
        let code = code_from_location(&ok);
        let (status, body) = exchange(code.clone(), verifier).await;
        assert_eq!((status, body["scope"].as_str()), (200, Some("read write")), "{body}");
        let (status, _) = exchange(code, verifier).await;
        assert_eq!(status, 400, "a code works once");

        // Out-of-band apps get a page showing the code.
        let oob = submit_authorize(
            &instance,
            &[
                ("client_id", client_id.as_str()),
                ("redirect_uri", OOB),
                ("scope", "read"),
                ("login", "alice@social.test"),
                ("password", "alice-password-1"),
            ],
        )
        .await;
        assert_eq!(oob.status(), 200);
        let html = oob.text().await.unwrap();
        let code = html.split("<code id=\"code\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let (status, body) =
            token_request(&instance, &[base[0], base[1], ("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", OOB)])
                .await;
        assert_eq!(status, 200, "{body}");

        // Refresh: a new token; the old refresh token is spent.
        let (status, body) =
            token_request(&instance, &[base[0], base[1], ("grant_type", "refresh_token"), ("refresh_token", &refresh_token)]).await;
        assert_eq!(status, 200, "{body}");
        let refreshed = body["access_token"].as_str().unwrap().to_string();
        assert_eq!(get_with(&instance, "/api/v1/apps/verify_credentials", &refreshed).await.0, 200);
        let (status, _) =
            token_request(&instance, &[base[0], base[1], ("grant_type", "refresh_token"), ("refresh_token", &refresh_token)]).await;
        assert_eq!(status, 400);

        // Revocation takes effect at once.
        let revoked =
            client().post(instance.url("/oauth/revoke")).form(&[base[0], base[1], ("token", refreshed.as_str())]).send().await.unwrap();
        assert_eq!(revoked.status(), 200);
        let (status, body) = get_with(&instance, "/api/v1/instance", &refreshed).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("The access token was revoked")));

        // Only hashes are stored.
        let db = instance.database().await;
        let rows = db.query("SELECT token_hash, refresh_token_hash FROM oauth_tokens", vec![]).await.unwrap();
        assert!(rows.len() >= 4);
        for row in &rows.rows {
            for value in row {
                if let Some(text) = value.as_str() {
                    assert_ne!(text, token);
                    assert_ne!(text, refresh_token);
                }
            }
        }
        let secrets = db.query("SELECT client_secret_hash FROM application_secrets", vec![]).await.unwrap();
        assert!(secrets.rows.iter().all(|r| r[0].as_str() != Some(secret.as_str())));
        let credentials = db.query("SELECT password_hash FROM account_credentials", vec![]).await.unwrap();
        assert!(credentials.text(0, "password_hash").unwrap().starts_with("$argon2id$"));
        db.close().await;

        // The metadata document names the endpoints.
        let (status, meta) = instance.server.get_json("/.well-known/oauth-authorization-server").await;
        assert_eq!(status, 200);
        assert!(meta["token_endpoint"].as_str().unwrap().ends_with("/oauth/token"));
        assert!(meta["code_challenge_methods_supported"].as_array().unwrap().contains(&json!("S256")));
    }
}

#[tokio::test]
async fn admin_cli_manages_accounts_and_logins_follow_their_state() {
    for engine in ENGINES {
        let instance = Instance::start(engine).await;
        let launch = &instance.launch;
        let out = launch.run(&["admin", "accounts", "create", "bob", "--email", "bob@social.test", "--role", "moderator"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let password = stdout.lines().find_map(|l| l.strip_prefix("New password: ")).expect("a generated password is printed").to_string();
        assert!(password.len() >= 20);

        let (client_id, secret) = register_app(&instance, "read").await;
        let login = |password: String| {
            let (id, secret) = (client_id.clone(), secret.clone());
            let instance = &instance;
            async move {
                token_request(
                    instance,
                    &[
                        ("client_id", &id),
                        ("client_secret", &secret),
                        ("grant_type", "password"),
                        ("username", "bob"),
                        ("password", &password),
                    ],
                )
                .await
            }
        };
        let (status, body) = login(password.clone()).await;
        assert_eq!(status, 400, "an unconfirmed account cannot log in yet");
        assert!(body["error_description"].as_str().unwrap().contains("not confirmed"), "{body}");
        assert!(launch.run(&["admin", "accounts", "modify", "bob", "--confirm"]).status.success());
        let (status, body) = login(password.clone()).await;
        assert_eq!(status, 200, "{engine:?}: {body}");
        let token = body["access_token"].as_str().unwrap().to_string();

        // Disabling ends access for existing tokens too.
        assert!(launch.run(&["admin", "accounts", "modify", "bob", "--disable"]).status.success());
        assert_eq!(get_with(&instance, "/api/v1/instance", &token).await.0, 401);
        assert!(launch.run(&["admin", "accounts", "modify", "bob", "--enable"]).status.success());
        assert_eq!(get_with(&instance, "/api/v1/instance", &token).await.0, 200);

        // A new password ends the sessions and the old password stops working.
        let out = launch.run(&["admin", "accounts", "modify", "bob", "--reset-password"]);
        let new_password = String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("New password: ")).unwrap().to_string();
        assert_eq!(get_with(&instance, "/api/v1/instance", &token).await.0, 401);
        assert_eq!(login(password).await.0, 400);
        assert_eq!(login(new_password.clone()).await.0, 200);

        let list = String::from_utf8_lossy(&launch.run(&["admin", "accounts", "list"]).stdout).to_string();
        assert!(list.contains("bob") && list.contains("moderator") && list.contains("1 account(s)"), "{list}");

        // Names and emails are unique; bad input names the problem.
        let dup = launch.run(&["admin", "accounts", "create", "BOB", "--email", "other@social.test"]);
        assert_eq!(dup.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&dup.stderr).contains("taken"));
        let bad = launch.run(&["admin", "accounts", "create", "no spaces", "--email", "x@social.test"]);
        assert_eq!(bad.status.code(), Some(2));

        assert!(launch.run(&["admin", "accounts", "delete", "bob"]).status.success());
        assert_eq!(login(new_password).await.0, 400, "a deleted account cannot log in");
        let list = String::from_utf8_lossy(&launch.run(&["admin", "accounts", "list"]).stdout).to_string();
        assert!(list.contains("0 account(s)"), "{list}");
    }
}

#[tokio::test]
async fn password_guessing_is_slowed_per_address() {
    let instance = Instance::start(crate::support::Engine::Sqlite).await;
    instance.create_account("carol", "carol-password-1");
    let (client_id, secret) = register_app(&instance, "read").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, _) = token_request(
            &instance,
            &[
                ("client_id", &client_id),
                ("client_secret", &secret),
                ("grant_type", "password"),
                ("username", "carol"),
                ("password", "guess"),
            ],
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 10, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}
