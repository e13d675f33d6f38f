//! PostgreSQL going away under load: requests fail fast with a 503 problem, and the same
//! server recovers by itself once the database is back.
//!
//! The server reaches PostgreSQL through a TCP proxy the test controls. Cutting the proxy
//! closes every open connection and refuses new ones, which is what a server sees while
//! PostgreSQL restarts; restoring it lets connections through again. (SQLite runs inside
//! the server's process, so there is no connection to lose; the test runs on PostgreSQL.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use grants_tests::{TestApp, on_postgres, spawn_app_configured, valid_bin};
use reqwest::Method;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy to `upstream` that can be cut and restored.
struct Proxy {
    port: u16,
    open: Arc<AtomicBool>,
    /// Bumped on every cut; each connection ends when it changes.
    cuts: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("binding the proxy: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        let open = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0u64);
        let (accept_open, accept_cuts) = (Arc::clone(&open), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_open.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let mut cut = accept_cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { port, open, cuts }
    }

    /// Closes every connection and refuses new ones.
    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// Lets connections through again.
    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// `postgres://user@host:port/db` with host and port replaced by the proxy's.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host) = authority
        .rsplit_once('@')
        .map_or(("", authority), |(u, h)| (u, h));
    let upstream = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    let user = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    (
        format!("{scheme}://{user}127.0.0.1:{port}/{path}"),
        upstream,
    )
}

/// One request's outcome: its status, its problem type and how long it took.
#[derive(Debug, Clone)]
struct Outcome {
    status: u16,
    kind: String,
    took: Duration,
}

async fn read_and_write(app: &TestApp, token: &str, org: &str) -> [Outcome; 2] {
    let mut outcomes = Vec::new();
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/organizations/{org}"), None),
        (
            Method::PATCH,
            "/api/v1/me".to_owned(),
            Some(json!({"name": "Айгерім"})),
        ),
    ] {
        let started = Instant::now();
        let mut req = app.req(method, &path).token(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await;
        outcomes.push(Outcome {
            status: resp.status,
            kind: resp.body["type"].as_str().unwrap_or_default().to_owned(),
            took: started.elapsed(),
        });
    }
    let second = outcomes.pop().unwrap_or_else(|| panic!("two outcomes"));
    let first = outcomes.pop().unwrap_or_else(|| panic!("two outcomes"));
    [first, second]
}

#[tokio::test]
async fn a_lost_database_answers_503_fast_and_the_server_recovers_by_itself() {
    if !on_postgres() {
        eprintln!("skipped: the database outage test runs on PostgreSQL");
        return;
    }
    // A first server creates and migrates a database; the one under test reaches the same
    // database through the proxy.
    let (tx, rx) = std::sync::mpsc::channel();
    let first = spawn_app_configured(|settings| {
        let url = settings
            .database_url
            .as_ref()
            .map(|s| s.expose().to_owned())
            .unwrap_or_default();
        let _ = tx.send(url);
    })
    .await;
    let url = rx.recv().unwrap_or_default();
    drop(first);
    let (_, upstream) = through(&url, 0);
    let proxy = Proxy::start(upstream).await;
    let (proxied, _) = through(&url, proxy.port);
    let app = spawn_app_configured(move |settings| {
        settings.database_url = Some(server::config::Secret::new(proxied));
        settings.database_max_connections = Some(8);
    })
    .await;

    let token = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&token, &valid_bin(1)).await;
    for outcome in read_and_write(&app, &token, &org).await {
        assert_eq!(outcome.status, 200, "{outcome:?}");
    }

    // Load from eight clients while PostgreSQL goes away for three seconds.
    let running = Arc::new(AtomicBool::new(true));
    let mut clients = tokio::task::JoinSet::new();
    let app = Arc::new(app);
    for _ in 0..8 {
        let (app, token, org, running) = (
            Arc::clone(&app),
            token.clone(),
            org.clone(),
            Arc::clone(&running),
        );
        clients.spawn(async move {
            let mut seen = Vec::new();
            while running.load(Ordering::SeqCst) {
                seen.extend(read_and_write(&app, &token, &org).await);
            }
            seen
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let during = read_and_write(&app, &token, &org).await;
    let ready = app.req(Method::GET, "/ready").send().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.restore();

    // The same server answers again without a restart.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut recovered = false;
    while Instant::now() < deadline && !recovered {
        let after = read_and_write(&app, &token, &org).await;
        recovered = after.iter().all(|o| o.status == 200);
        if !recovered {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    running.store(false, Ordering::SeqCst);
    let mut outcomes = Vec::new();
    while let Some(done) = clients.join_next().await {
        outcomes.extend(done.unwrap_or_else(|e| panic!("{e}")));
    }

    for outcome in &during {
        assert_eq!(
            (outcome.status, outcome.kind.as_str()),
            (503, "/problems/unavailable"),
            "{outcome:?}"
        );
    }
    assert_eq!(ready.status, 503, "{}", ready.text);
    assert!(recovered, "the server did not recover within 15 s");
    let failures: Vec<&Outcome> = outcomes.iter().filter(|o| o.status != 200).collect();
    assert!(!failures.is_empty(), "the outage was not seen under load");
    for outcome in &outcomes {
        assert!(
            outcome.status == 200
                || (outcome.status == 503 && outcome.kind == "/problems/unavailable"),
            "{outcome:?}"
        );
        // Fail fast: within the pool's acquire timeout (5 s) and a margin, never hanging.
        assert!(outcome.took < Duration::from_secs(7), "{outcome:?}");
    }
}
