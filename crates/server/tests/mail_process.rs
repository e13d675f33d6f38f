//! Mail through the `grants` binary: the default transport writes files; a server killed
//! with SIGKILL among a thousand concurrent submissions keeps every acknowledged one with its
//! audit event and its mail, and half-writes none; two processes on one
//! PostgreSQL database deliver each mail exactly once. The SMTP server runs in the test.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use mail_sink::MailSink;
use serde_json::{Value, json};

const GRANTS: &str = env!("CARGO_BIN_EXE_grants");
const PASSWORD: &str = "көктем-ауыл-2026";
const JWT_SECRET: &str = "mail-process-test-secret-of-enough-length";

fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grants-mail-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// How a test runs the binary: its data directory and environment.
#[derive(Clone)]
struct Env {
    dir: PathBuf,
    vars: Vec<(String, String)>,
}

impl Env {
    fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            vars: vec![
                ("GRANTS_JWT_SECRET".to_owned(), JWT_SECRET.to_owned()),
                (
                    "GRANTS_MAIL_FROM".to_owned(),
                    "Гранты <grants@granty.test>".to_owned(),
                ),
                (
                    "GRANTS_PUBLIC_URL".to_owned(),
                    "https://granty.test".to_owned(),
                ),
                ("GRANTS_MAIL_POLL_MS".to_owned(), "50".to_owned()),
            ],
        }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(GRANTS);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GRANTS_DATA_DIR", &self.dir)
            .env("GRANTS_LOG", "info");
        for (name, value) in &self.vars {
            command.env(name, value);
        }
        command
    }
}

/// A running `grants` process, killed when dropped.
struct Process {
    child: Child,
    base: Option<String>,
}

impl Process {
    /// Starts `grants <subcommand>`; for `serve`, waits until it listens.
    fn start(env: &Env, subcommand: &str) -> Self {
        let mut child = env
            .command()
            .arg(subcommand)
            .env("GRANTS_BIND", "127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning grants {subcommand}: {e}"));
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                let message = parsed["fields"]["message"].as_str().unwrap_or_default();
                if message == "listening" || message == "mail worker started" {
                    let address = parsed["fields"]["address"].as_str().unwrap_or_default();
                    let _ = tx.send(address.to_owned());
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("grants {subcommand} did not start: {e}"));
        let base = (subcommand == "serve").then(|| {
            // The worker may report before the listener; wait for the listener's line.
            let address = if address.is_empty() {
                rx.recv_timeout(Duration::from_secs(30))
                    .unwrap_or_else(|e| panic!("no address: {e}"))
            } else {
                address
            };
            format!("http://{address}")
        });
        Self { child, base }
    }

    fn base(&self) -> &str {
        self.base.as_deref().unwrap_or_default()
    }

    fn signal(&mut self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill {signal} failed");
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn create_admin(env: &Env) {
    let mut child = env
        .command()
        .args([
            "admin",
            "create",
            "--email",
            "admin@grants.kz",
            "--name",
            "Admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh PostgreSQL database, or `None` (outside CI) when none is configured.
/// Registers `email` over HTTP and confirms it with `grants admin confirm-email`, so the
/// test does not depend on when the confirmation mail goes out.
async fn register(api: &Api, env: &Env, email: &str) {
    let body = json!({"email": email, "password": PASSWORD, "name": "Ерлан", "language": "ru"});
    api.post("/auth/register", "", &body).await;
    let output = env
        .command()
        .args(["admin", "confirm-email", "--email", email])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Whether `subject` is a confirmation mail's (in Russian, as [`register`] asks): those go
/// out whenever the worker gets to them, so tests about other mail leave them aside.
fn confirmation(subject: &str) -> bool {
    subject.starts_with("Подтвердите адрес")
}

async fn postgres_database() -> Option<String> {
    let Some(admin) = persistence::testdb::postgres_url() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set {}",
            persistence::testdb::ENV
        );
        eprintln!("skipped: {} is not set", persistence::testdb::ENV);
        return None;
    };
    Some(
        persistence::testdb::create_postgres_database(&admin)
            .await
            .unwrap_or_else(|e| panic!("creating a database: {e}")),
    )
}

/// An HTTP client for one server.
struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    fn new(base: &str) -> Self {
        Self {
            base: format!("{base}/api/v1"),
            client: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .json(body);
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn ok(&self, method: reqwest::Method, path: &str, token: &str, body: &Value) -> Value {
        let (status, body) = self.call(method, path, token, body).await;
        assert!((200..300).contains(&status), "{path}: {status} {body}");
        body
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Value {
        self.ok(reqwest::Method::POST, path, token, body).await
    }

    async fn token(&self, email: &str) -> String {
        let tokens = self
            .post(
                "/auth/login",
                "",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        tokens["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A published call, an organisation whose owner speaks Russian, and `members` more
/// members (invited and accepted); returns (owner token, organisation id, call id).
async fn setup(api: &Api, env: &Env, members: usize) -> (String, String, String) {
    let admin = api.token("admin@grants.kz").await;
    api.post(
        "/users",
        &admin,
        &json!({"email": "officer@grants.kz", "name": "Officer", "password": PASSWORD, "role": "officer"}),
    )
    .await;
    let officer = api.token("officer@grants.kz").await;
    let now = chrono::Utc::now();
    let call = api
        .post(
            "/calls",
            &officer,
            &json!({
                "title": "Ауыл аманаты",
                "description": "Гранты для сельских НПО",
                "priority_areas": ["public_health"],
                "budget": "100000000", "min_grant": "100000", "max_grant": "3000000",
                "cofinancing_share": "0",
                "opens_at": (now - chrono::Duration::days(1)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::days(30)).to_rfc3339(),
                "rubric": [{"key": "relevance", "title": "Relevance", "max_score": 10, "weight": 1}],
                "reviewers_per_application": 1, "fundable_min_score": 50,
                "disagreement_spread": 30, "aggregation": "mean"
            }),
        )
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    api.post(&format!("/calls/{call}/publish"), &officer, &json!({}))
        .await;
    register(api, env, "owner@mail.kz").await;
    let owner = api.token("owner@mail.kz").await;
    let org = api
        .post(
            "/organizations",
            &owner,
            &json!({
                "name": "Ақ ниет", "bin": "040540001230", "region": "aktobe",
                "settlement": "Шалқар", "rural": true, "registered_on": "2019-03-01",
                "contact_email": "aqniet@mail.kz"
            }),
        )
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for i in 0..members {
        let email = format!("member{i}@mail.kz");
        register(api, env, &email).await;
        let invited = api
            .post(
                &format!("/organizations/{org}/members"),
                &owner,
                &json!({"email": email}),
            )
            .await;
        // Accepted at once, so the invitation's mail is no longer owed when a worker
        // comes to it.
        let member = api.token(&email).await;
        let id = invited["id"].as_str().unwrap_or_default();
        api.post(&format!("/invitations/{id}/accept"), &member, &json!({}))
            .await;
    }
    (owner, org, call)
}

/// `count` complete drafts titled `Жоба N`; returns their ids in order.
async fn drafts(api: &Api, owner: &str, org: &str, call: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let body = json!({
            "organization_id": org,
            "title": format!("Жоба {i:04}"),
            "summary": "Ауылдағы жоба", "problem": "Мәселе", "goals": "Мақсат",
            "activities": "Іс-шаралар", "target_groups": ["children"],
            "beneficiaries": 100, "settlement": "Шалқар", "duration_months": 6,
            "budget_lines": [{"category": "equipment", "description": "Жабдық", "quantity": 1, "unit_cost": "500000", "cofinanced": "0"}]
        });
        let created = api
            .post(&format!("/calls/{call}/applications"), owner, &body)
            .await;
        ids.push(created["id"].as_str().unwrap_or_default().to_owned());
    }
    ids
}

async fn submit_all(api: &Api, owner: &str, ids: &[String]) {
    for id in ids {
        let done = api
            .post(&format!("/applications/{id}/submit"), owner, &json!({}))
            .await;
        assert_eq!(done["status"], json!("submitted"));
    }
}

#[tokio::test]
async fn by_default_each_mail_is_written_as_a_file() {
    let dir = data_dir();
    let env = Env::new(&dir);
    create_admin(&env);
    let server = Process::start(&env, "serve");
    let api = Api::new(server.base());
    let (owner, org, call) = setup(&api, &env, 0).await;
    let ids = drafts(&api, &owner, &org, &call, 1).await;
    api.post(
        &format!("/applications/{}/withdraw", ids[0]),
        &owner,
        &json!({}),
    )
    .await;
    let mail_dir = dir.join("mail");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let files = loop {
        let files: Vec<PathBuf> = std::fs::read_dir(&mail_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .filter(|p| {
                        let mail = mail_sink::Received {
                            from: String::new(),
                            to: Vec::new(),
                            data: std::fs::read(p).unwrap_or_default(),
                        };
                        !confirmation(&mail.subject().unwrap_or_default())
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !files.is_empty() || std::time::Instant::now() > deadline {
            break files;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read_to_string(&files[0]).unwrap_or_else(|e| panic!("{e}"));
    let stem = files[0]
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    assert!(
        raw.contains(&format!("Message-ID: <{stem}@granty.test>")),
        "{raw}"
    );
    assert!(raw.contains("owner@mail.kz"), "{raw}");
    drop(server);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_server_killed_among_a_thousand_submissions_keeps_each_whole_with_its_event_and_mail() {
    let Some(database) = postgres_database().await else {
        return;
    };
    let sink = MailSink::start().await.unwrap_or_else(|e| panic!("{e}"));
    let dir = data_dir();
    let env = Env::new(&dir)
        .with("GRANTS_DATABASE_URL", &database)
        .with("GRANTS_MAIL_TRANSPORT", "smtp")
        .with("GRANTS_SMTP_URL", &sink.url())
        .with("GRANTS_MAIL_LEASE_SECS", "2")
        .with("GRANTS_MAIL_SEND_TIMEOUT_SECS", "1");
    create_admin(&env);
    let mut first = Process::start(&env, "serve");
    let api = Api::new(first.base());
    let (owner, org, call) = setup(&api, &env, 0).await;
    let ids = drafts(&api, &owner, &org, &call, 1000).await;

    // A thousand submissions at once; the server dies after a third of them answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let mut burst = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let (client, base, owner, answered) = (
            api.client.clone(),
            api.base.clone(),
            owner.clone(),
            Arc::clone(&answered),
        );
        burst.spawn(async move {
            let response = client
                .post(format!("{base}/applications/{id}/submit"))
                .bearer_auth(owner)
                .send()
                .await;
            answered.fetch_add(1, Ordering::SeqCst);
            (id, response.map(|r| r.status().as_u16()).ok())
        });
    }
    while answered.load(Ordering::SeqCst) < ids.len() / 3 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    first.signal("-KILL");
    let mut acknowledged = BTreeSet::new();
    while let Some(done) = burst.join_next().await {
        let (id, status) = done.unwrap_or_else(|e| panic!("{e}"));
        if status == Some(200) {
            acknowledged.insert(id);
        }
    }
    assert!(
        !acknowledged.is_empty() && acknowledged.len() < ids.len(),
        "{}",
        acknowledged.len()
    );

    let second = Process::start(&env, "serve");
    let api = Api::new(second.base());
    let owner = api.token("owner@mail.kz").await;
    let mut submitted = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let application = api
            .ok(
                reqwest::Method::GET,
                &format!("/applications/{id}"),
                &owner,
                &Value::Null,
            )
            .await;
        match application["status"].as_str() {
            Some("submitted") => {
                submitted.insert(format!("Жоба {i:04}"), id.clone());
            }
            Some("draft") => assert!(
                !acknowledged.contains(id),
                "an acknowledged submission was lost"
            ),
            other => panic!("{id} is {other:?}"),
        }
        // The audit trail agrees with the status: one submission event, or none.
        let history = api
            .ok(
                reqwest::Method::GET,
                &format!("/applications/{id}/history"),
                &owner,
                &Value::Null,
            )
            .await;
        let submissions = history.as_array().map_or(0, |events| {
            events
                .iter()
                .filter(|e| e["command"] == "submit" && e["to"] == "submitted")
                .count()
        });
        let expected = usize::from(application["status"] == "submitted");
        assert_eq!(submissions, expected, "{id}: half-written: {history}");
    }
    assert!(
        acknowledged
            .iter()
            .all(|id| submitted.values().any(|s| s == id))
    );

    // Every committed submission's mail arrives, after the dead server's lease lapses.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut mails = Vec::new();
    while mails.len() < submitted.len() && tokio::time::Instant::now() < deadline {
        let arrived = sink
            .wait_for(sink.count() + 1, Duration::from_millis(200))
            .await;
        mails = arrived
            .into_iter()
            .filter(|m| !confirmation(&m.subject().unwrap_or_default()))
            .collect();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails_after = sink.mails();
    let mut by_title: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for mail in &mails_after {
        let subject = mail.subject().unwrap_or_default();
        if confirmation(&subject) {
            continue;
        }
        let title = submitted
            .keys()
            .find(|t| subject.contains(t.as_str()))
            .unwrap_or_else(|| panic!("mail for an uncommitted change: {subject}"))
            .clone();
        by_title
            .entry(title)
            .or_default()
            .insert(mail.message_id().unwrap_or_default());
    }
    assert!(mails.len() >= submitted.len());
    assert_eq!(
        by_title.len(),
        submitted.len(),
        "a committed change lost its mail"
    );
    assert!(
        by_title.values().all(|ids| ids.len() == 1),
        "a re-sent mail must repeat its Message-ID"
    );
    drop(second);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn two_servers_on_one_database_deliver_each_of_a_thousand_mails_once() {
    let Some(database) = postgres_database().await else {
        return;
    };
    let sink = MailSink::start().await.unwrap_or_else(|e| panic!("{e}"));
    let dir = data_dir();
    let env = Env::new(&dir)
        .with("GRANTS_DATABASE_URL", &database)
        .with("GRANTS_MAIL_TRANSPORT", "smtp")
        .with("GRANTS_SMTP_URL", &sink.url());
    create_admin(&env);
    // Queue 1,000 mails with no worker running: 100 submissions to ten members each.
    let mut queueing = Process::start(&env.clone().with("GRANTS_MAIL_WORKER", "false"), "serve");
    let api = Api::new(queueing.base());
    let (owner, org, call) = setup(&api, &env, 9).await;
    let ids = drafts(&api, &owner, &org, &call, 100).await;
    submit_all(&api, &owner, &ids).await;
    queueing.signal("-TERM");
    assert!(sink.mails().is_empty());

    let workers = [
        Process::start(&env, "worker"),
        Process::start(&env, "worker"),
    ];
    let mails = sink.wait_for(1_000, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let all = sink.mails();
    let distinct: BTreeSet<String> = all.iter().filter_map(|m| m.message_id()).collect();
    assert_eq!(mails.len(), 1_000);
    assert_eq!(
        (all.len(), distinct.len()),
        (1_000, 1_000),
        "a mail was sent twice"
    );
    drop(workers);
    std::fs::remove_dir_all(dir).ok();
}
