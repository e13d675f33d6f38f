//! The `grants` binary as an operator uses it: migrate, create the first admin, serve,
//! stop on SIGTERM, and keep tokens valid across a restart on the embedded default.

mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use support::{
    GRANTS, PASSWORD, create_admin, create_admin_with, data_dir, exchange, get_me, grants, login,
    serve, serve_with,
};

#[test]
fn openapi_prints_the_committed_document() {
    let output = Command::new(GRANTS)
        .arg("openapi")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(output.status.success());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.yaml");
    let committed = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "openapi/openapi.yaml is stale: run `cargo run -q -p grants-server -- openapi > openapi/openapi.yaml`"
    );
    assert!(
        output.stderr.is_empty(),
        "stderr must stay clean: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn migrate_creates_the_embedded_database() {
    let dir = data_dir();
    let output = grants(&dir)
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.join("grants.sqlite").exists());
    // Running it again is harmless.
    let again = grants(&dir)
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn an_operator_confirms_by_hand_an_address_whose_mail_does_not_arrive() {
    let dir = data_dir();
    let served = serve(&dir);
    let client = reqwest::Client::new();
    let api = format!("{}/api/v1", served.base);
    let (registered, _) = exchange(
        client
            .post(format!("{api}/auth/register"))
            .json(&json!({"email": "ngo@mail.kz", "password": PASSWORD, "name": "NGO"})),
    )
    .await;
    assert_eq!(registered, 202);
    let login = || {
        exchange(
            client
                .post(format!("{api}/auth/login"))
                .json(&json!({"email": "ngo@mail.kz", "password": PASSWORD})),
        )
    };
    assert_eq!(login().await.0, 401);
    let confirm = || {
        grants(&dir)
            .args(["admin", "confirm-email", "--email", "NGO@mail.kz"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let confirmed = confirm();
    assert!(
        confirmed.status.success(),
        "{}",
        String::from_utf8_lossy(&confirmed.stderr)
    );
    let id = String::from_utf8_lossy(&confirmed.stdout).trim().to_owned();
    let (status, tokens) = login().await;
    assert_eq!(status, 200);
    let (_, me) = exchange(
        client
            .get(format!("{api}/me"))
            .bearer_auth(tokens["access_token"].as_str().unwrap_or_default()),
    )
    .await;
    assert_eq!(me["id"], json!(id));
    let again = confirm();
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("waits for confirmation"), "{stderr}");
    assert!(served.terminate().success());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn admin_create_refuses_duplicates_and_weak_passwords() {
    let dir = data_dir();
    let created = create_admin(&dir, "admin@grants.kz", PASSWORD);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let id = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "printed {id:?}");

    let again = create_admin(&dir, "admin@grants.kz", PASSWORD);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let weak = create_admin(&dir, "other@grants.kz", "password123");
    assert!(!weak.status.success());
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(stderr.contains("password"), "{stderr}");
    assert!(
        !stderr.contains("password123"),
        "the password must not be echoed: {stderr}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unusable_settings_stop_the_server_with_a_message() {
    let dir = data_dir();
    let output = grants(&dir)
        .arg("serve")
        .env("GRANTS_MAIL_TRANSPORT", "pigeon")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("GRANTS_MAIL_TRANSPORT"));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn serve_stops_on_sigterm_and_tokens_survive_a_restart() {
    let dir = data_dir();
    let created = create_admin(&dir, "admin@grants.kz", PASSWORD);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let first = serve(&dir);
    let login = login(&first.base, "admin@grants.kz").await;
    assert_eq!(login.status().as_u16(), 200);
    let tokens: Value = login.json().await.unwrap_or_default();
    let token = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(get_me(&first.base, &token).await, 200);
    let ready = reqwest::get(format!("{}/ready", first.base))
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(ready.ok(), Some(200));
    let status = first.terminate();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(dir.join("jwt_secret")).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
    }

    let second = serve(&dir);
    assert_eq!(
        get_me(&second.base, &token).await,
        200,
        "a token from before the restart still works"
    );
    assert!(second.terminate().success());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn tokens_outlive_a_secret_rotation_while_the_old_secret_is_listed() {
    let dir = data_dir();
    let (old, new) = (
        "the-first-secret-of-at-least-32-characters",
        "the-second-secret-of-at-least-32-characters",
    );
    let created = create_admin_with(
        &dir,
        &[("GRANTS_JWT_SECRET", old)],
        "admin@grants.kz",
        PASSWORD,
    );
    assert!(created.status.success());

    let first = serve_with(&dir, &[("GRANTS_JWT_SECRET", old)]);
    let tokens: Value = login(&first.base, "admin@grants.kz")
        .await
        .json()
        .await
        .unwrap_or_default();
    let token = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(first.terminate().success());

    let rotated = serve_with(
        &dir,
        &[
            ("GRANTS_JWT_SECRET", new),
            ("GRANTS_JWT_PREVIOUS_SECRETS", old),
        ],
    );
    assert_eq!(
        get_me(&rotated.base, &token).await,
        200,
        "an old token still works"
    );
    let fresh: Value = login(&rotated.base, "admin@grants.kz")
        .await
        .json()
        .await
        .unwrap_or_default();
    let fresh = fresh["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(get_me(&rotated.base, &fresh).await, 200);
    assert!(rotated.terminate().success());

    let retired = serve_with(&dir, &[("GRANTS_JWT_SECRET", new)]);
    assert_eq!(
        get_me(&retired.base, &token).await,
        401,
        "the old secret is retired"
    );
    assert_eq!(get_me(&retired.base, &fresh).await, 200);
    assert!(retired.terminate().success());
    std::fs::remove_dir_all(dir).ok();
}

/// Sends `request`; returns its status and JSON body (`null` when it has none).

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let dir = data_dir();
    let jwt_secret = "jwt-secret-that-must-never-be-logged-0123";
    let smtp_password = "smtp-password-never-logged";
    let env = [
        ("GRANTS_JWT_SECRET", jwt_secret),
        ("GRANTS_LOG", "debug"),
        ("GRANTS_MAIL_TRANSPORT", "smtp"),
        // Nothing listens there: the worker logs its failures, which must not show the URL's
        // password.
        (
            "GRANTS_SMTP_URL",
            "smtp://mailer:smtp-password-never-logged@127.0.0.1:9?tls=none",
        ),
        ("GRANTS_MAIL_POLL_MS", "20"),
    ];
    let created = create_admin_with(&dir, &env, "admin@grants.kz", PASSWORD);
    assert!(created.status.success());
    let admin_log = String::from_utf8_lossy(&created.stderr).into_owned();

    let served = serve_with(&dir, &env);
    let client = reqwest::Client::new();
    let api = format!("{}/api/v1", served.base);
    let applicant_password = "дала-жел-самал-2026";
    let (registered, _) = exchange(
        client
            .post(format!("{api}/auth/register"))
            .json(&json!({"email": "ngo@mail.kz", "password": applicant_password, "name": "NGO", "language": "kk"})),
    )
    .await;
    assert_eq!(registered, 202);
    // The code the confirmation mail would carry, from the database's nonce and the secret.
    let store = persistence::Store::connect(
        &format!("sqlite://{}?mode=rwc", dir.join("grants.sqlite").display()),
        1,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (id, nonce) = store
        .pending_verification_of("ngo@mail.kz")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store.close().await.unwrap_or_else(|e| panic!("{e}"));
    let code = server::auth::Confirmations::new(&server::config::Secret::new(jwt_secret), &[])
        .token(id, &nonce)
        .unwrap_or_default();
    let (confirmed, _) = exchange(
        client
            .post(format!("{api}/auth/verify-email"))
            .json(&json!({ "token": code })),
    )
    .await;
    assert_eq!(confirmed, 200);
    let (_, tokens) = exchange(
        client
            .post(format!("{api}/auth/login"))
            .json(&json!({"email": "ngo@mail.kz", "password": applicant_password})),
    )
    .await;
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!access.is_empty() && !refresh.is_empty());
    let (wrong, _) = exchange(
        client
            .post(format!("{api}/auth/login"))
            .json(&json!({"email": "ngo@mail.kz", "password": "wrong-but-secret-password"})),
    )
    .await;
    assert_eq!(wrong, 401);
    let (me, _) = exchange(client.get(format!("{api}/me")).bearer_auth(&access)).await;
    assert_eq!(me, 200);
    let (_, rotated) = exchange(
        client
            .post(format!("{api}/auth/refresh"))
            .json(&json!({"refresh_token": refresh})),
    )
    .await;
    let second_refresh = rotated["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (logout, _) = exchange(
        client
            .post(format!("{api}/auth/logout"))
            .bearer_auth(&access)
            .json(&json!({"refresh_token": second_refresh})),
    )
    .await;
    assert!(logout < 300);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = format!("{admin_log}{}", served.log());
    assert!(served.terminate().success());
    assert!(log.contains("\"status\":401"), "the flow was logged: {log}");
    for secret in [
        PASSWORD,
        applicant_password,
        "wrong-but-secret-password",
        jwt_secret,
        smtp_password,
        access.as_str(),
        refresh.as_str(),
        second_refresh.as_str(),
        code.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret:?} appears in the logs");
    }
    // Nor any part of a token: its signature is the part that matters.
    let signature = access.rsplit('.').next().unwrap_or_default();
    assert!(!signature.is_empty() && !log.contains(signature));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_bad_setting_stops_the_server_before_it_touches_anything() {
    let dir = data_dir();
    let data = dir.join("data");
    for (name, value, named) in [
        ("GRANTS_BIND", "nonsense", "bind"),
        ("GRANTS_PUBLIC_URL", "not a url", "public_url"),
        ("GRANTS_LOG", "[[[", "log"),
        (
            "GRANTS_DATABASE_URL",
            "mysql://root:hunter2@db/grants",
            "postgres://",
        ),
    ] {
        let output = grants(&data)
            .arg("serve")
            .env(name, value)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name}={value} started: {stderr}");
        assert!(stderr.contains(named), "{name}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(!data.exists(), "{name}={value} created the data directory");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_unreachable_database_is_named_once_without_its_password() {
    let dir = data_dir();
    // Nothing listens on port 1.
    let output = grants(&dir)
        .arg("serve")
        .env("GRANTS_BIND", "127.0.0.1:0")
        .env(
            "GRANTS_DATABASE_URL",
            "postgres://grants:hunter2@127.0.0.1:1/grants",
        )
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("connecting to the database").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("postgres://127.0.0.1:1/grants"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_health_probe_succeeds_only_while_the_server_is_ready() {
    let dir = data_dir();
    let served = serve(&dir);
    let bind = served
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let probe = |path: Option<&str>| {
        let mut command = grants(&dir);
        command.arg("health").env("GRANTS_BIND", &bind);
        if let Some(path) = path {
            command.args(["--path", path]);
        }
        command.output().unwrap_or_else(|e| panic!("{e}"))
    };
    for path in [None, Some("/health")] {
        let ok = probe(path);
        assert!(
            ok.status.success(),
            "{path:?}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
    }
    let missing = probe(Some("/nowhere"));
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404"));
    let status = served.terminate();
    assert!(status.success(), "{status:?}");
    let down = probe(None);
    assert!(!down.status.success(), "a stopped server is not healthy");
    std::fs::remove_dir_all(dir).ok();
}
