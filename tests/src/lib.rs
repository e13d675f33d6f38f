//! Helpers for end-to-end tests: a real server on a random port with its own fresh
//! database, and a small HTTP client around it.
//!
//! The database is a SQLite file in a temporary directory, or a new PostgreSQL database
//! when `GRANTS_TEST_BACKEND=postgres` (the server is named by `TEST_DATABASE_URL`).

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use domain::account::{AccountInput, NewAccount};
use reqwest::Method;
use serde_json::{Value, json};
use server::clock::ManualClock;
use server::config::{Secret, Settings};
use server::state::AppState;
use tokio::sync::oneshot;

/// The JWT secret every test server signs with.
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256";
/// A password every test account uses.
pub const PASSWORD: &str = "көктем-ауыл-2026";

/// A running server and a client for it.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The server's clock; move it to test expiry and deadlines.
    pub clock: Arc<ManualClock>,
    /// The server's state, for setting up what has no route (the first admin).
    pub state: AppState,
    /// The mail worker, when the server sends mail.
    pub mail_worker: Option<server::mail::WorkerHandle>,
    shutdown: Option<oneshot::Sender<()>>,
    data_dir: PathBuf,
    database_url: String,
}

/// An HTTP response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Resp {
    /// A header's value as text.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A string field of the body.
    #[must_use]
    pub fn str(&self, field: &str) -> &str {
        self.body[field].as_str().unwrap_or_default()
    }

    /// Panics unless this is a problem document with `status` and type `/problems/{slug}`.
    pub fn assert_problem(&self, status: u16, slug: &str) {
        assert_eq!(self.status, status, "status of {}", self.text);
        assert!(
            self.header("content-type")
                .is_some_and(|ct| ct.starts_with("application/problem+json")),
            "content type {:?} of {}",
            self.header("content-type"),
            self.text
        );
        assert_eq!(
            self.body["status"],
            json!(status),
            "problem status in {}",
            self.text
        );
        assert_eq!(
            self.body["type"],
            json!(format!("/problems/{slug}")),
            "problem type in {}",
            self.text
        );
        assert!(
            self.body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "title in {}",
            self.text
        );
    }

    /// The `field` paths of a problem's `errors`.
    #[must_use]
    pub fn problem_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An instant the test clock starts at.
#[must_use]
pub fn start_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 6, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Whether the tests run against PostgreSQL.
#[must_use]
pub fn on_postgres() -> bool {
    std::env::var("GRANTS_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

async fn database_url(data_dir: &std::path::Path) -> String {
    if on_postgres() {
        let admin = persistence::testdb::postgres_url().unwrap_or_else(|| {
            panic!(
                "GRANTS_TEST_BACKEND=postgres needs {}",
                persistence::testdb::ENV
            )
        });
        persistence::testdb::create_postgres_database(&admin)
            .await
            .unwrap_or_else(|e| panic!("creating a PostgreSQL test database: {e}"))
    } else {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("grants.sqlite").display()
        )
    }
}

/// Starts a server with a fresh database on a random port; mail is queued but not sent.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(None).await
}

/// The mail worker's pacing in tests: it looks for mail every 20 ms, and a failed attempt
/// waits a minute on the test clock (move the clock to make it due) before the next, up
/// to five attempts.
#[must_use]
pub fn test_worker_config() -> server::mail::WorkerConfig {
    server::mail::WorkerConfig {
        batch: 50,
        concurrency: 4,
        lease: chrono::Duration::minutes(5),
        send_timeout: std::time::Duration::from_secs(60),
        backoff: server::mail::backoff::Backoff {
            base: std::time::Duration::from_secs(60),
            cap: std::time::Duration::from_secs(3600),
            max_attempts: 5,
        },
        poll: std::time::Duration::from_millis(20),
        reminder_every: std::time::Duration::from_millis(20),
    }
}

/// The sender of test mail.
pub const MAIL_FROM: &str = "Гранты <grants@granty.test>";
/// The public URL of test servers, for links in mail.
pub const PUBLIC_URL: &str = "https://granty.test";

/// Starts a server that sends its mail to the SMTP server at `smtp_url`.
pub async fn spawn_app_with_mail(smtp_url: &str) -> TestApp {
    spawn_app_with(Some(smtp_url)).await
}

/// Starts a server whose settings `configure` adjusts first; mail is queued, not sent.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_inner(None, None, configure).await
}

async fn spawn_app_with(smtp_url: Option<&str>) -> TestApp {
    spawn_app_inner(smtp_url, None, |_| {}).await
}

impl TestApp {
    /// A second server on this one's database, as another replica behind the same load
    /// balancer would be; its clock starts where the tests' clocks start.
    pub async fn replica(&self) -> TestApp {
        spawn_app_inner(None, Some(self.database_url.clone()), |_| {}).await
    }
}

async fn spawn_app_inner(
    smtp_url: Option<&str>,
    database: Option<String>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let data_dir = std::env::temp_dir().join(format!("grants-e2e-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir)
        .unwrap_or_else(|e| panic!("creating {}: {e}", data_dir.display()));
    let database = match database {
        Some(url) => url,
        None => database_url(&data_dir).await,
    };
    let settings = Settings {
        bind: "127.0.0.1:0".to_owned(),
        data_dir: data_dir.clone(),
        database_url: Some(Secret::new(database.clone())),
        database_max_connections: Some(5),
        jwt_secret: Some(Secret::new(JWT_SECRET)),
        mail_transport: if smtp_url.is_some() {
            server::config::MailTransport::Smtp
        } else {
            server::config::MailTransport::Log
        },
        smtp_url: smtp_url.map(Secret::new),
        mail_from: MAIL_FROM.to_owned(),
        public_url: PUBLIC_URL.to_owned(),
        // Tests log in far more often than people; the limits have their own test.
        auth_rate_per_address: 0,
        auth_rate_per_account: 0,
        ..Settings::default()
    };
    let mut settings = settings;
    configure(&mut settings);
    let clock = Arc::new(ManualClock::new(start_instant()));
    let state = server::app::build_state(settings, clock.clone())
        .await
        .unwrap_or_else(|e| panic!("starting the server: {e:#}"));
    let mail_worker = smtp_url.map(|_| {
        server::app::start_worker(&state, test_worker_config())
            .unwrap_or_else(|e| panic!("starting the mail worker: {e:#}"))
    });
    let bound = server::app::bind(state.clone())
        .await
        .unwrap_or_else(|e| panic!("binding: {e:#}"));
    let addr = bound.local_addr().unwrap_or_else(|e| panic!("{e:#}"));
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = rx.await;
        };
        if let Err(err) = bound.run(shutdown).await {
            eprintln!("test server failed: {err:#}");
        }
    });
    TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        clock,
        state,
        mail_worker,
        shutdown: Some(tx),
        data_dir,
        database_url: database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A request being built.
#[derive(Debug)]
pub struct Req<'a> {
    app: &'a TestApp,
    builder: reqwest::RequestBuilder,
}

impl Req<'_> {
    /// Adds `Authorization: Bearer token`.
    #[must_use]
    pub fn token(mut self, token: &str) -> Self {
        self.builder = self.builder.bearer_auth(token);
        self
    }

    /// Sends `body` as JSON.
    #[must_use]
    pub fn json(mut self, body: &Value) -> Self {
        self.builder = self.builder.json(body);
        self
    }

    /// Sends raw bytes with a content type.
    #[must_use]
    pub fn raw(mut self, content_type: &str, body: impl Into<reqwest::Body>) -> Self {
        self.builder = self.builder.header("content-type", content_type).body(body);
        self
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// Adds a header whose value is raw bytes, which may be outside ASCII.
    ///
    /// # Panics
    /// When the bytes hold a line break or NUL, which HTTP cannot carry.
    #[must_use]
    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Self {
        let value = reqwest::header::HeaderValue::from_bytes(value)
            .unwrap_or_else(|e| panic!("header value: {e}"));
        self.builder = self.builder.header(name, value);
        self
    }

    /// Sends the request and reads the whole response.
    ///
    /// # Panics
    /// When the request fails, or the answer's status is not among those the API document
    /// lists for the operation (every test thereby checks the document).
    pub async fn send(self) -> Resp {
        let _ = self.app;
        let (client, request) = self.builder.build_split();
        let request = request.unwrap_or_else(|e| panic!("request: {e}"));
        let method = request.method().as_str().to_owned();
        let path = request.url().path().to_owned();
        let response = client
            .execute(request)
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status().as_u16();
        if let Some(documented) = server::api::document::documented_statuses(&method, &path) {
            assert!(
                documented.contains(&status),
                "{method} {path} answered {status}, which the document does not list \
                 (it lists {documented:?})"
            );
        }
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }
}

impl TestApp {
    /// Starts a request to `path` (relative to the server root).
    #[must_use]
    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            app: self,
            builder: self.client.request(method, format!("{}{path}", self.base)),
        }
    }

    /// `GET /api/v1{path}`.
    #[must_use]
    pub fn get(&self, path: &str) -> Req<'_> {
        self.req(Method::GET, &format!("/api/v1{path}"))
    }

    /// `POST /api/v1{path}`.
    #[must_use]
    pub fn post(&self, path: &str) -> Req<'_> {
        self.req(Method::POST, &format!("/api/v1{path}"))
    }

    /// `PUT /api/v1{path}`.
    #[must_use]
    pub fn put(&self, path: &str) -> Req<'_> {
        self.req(Method::PUT, &format!("/api/v1{path}"))
    }

    /// `PATCH /api/v1{path}`.
    #[must_use]
    pub fn patch(&self, path: &str) -> Req<'_> {
        self.req(Method::PATCH, &format!("/api/v1{path}"))
    }

    /// `DELETE /api/v1{path}`.
    #[must_use]
    pub fn delete(&self, path: &str) -> Req<'_> {
        self.req(Method::DELETE, &format!("/api/v1{path}"))
    }

    /// Registers an applicant and returns the response.
    pub async fn register(&self, email: &str) -> Resp {
        self.post("/auth/register")
            .json(&json!({"email": email, "password": PASSWORD, "name": "Айгерім Нұрланқызы", "language": "kk"}))
            .send()
            .await
    }

    /// Logs in and returns the response.
    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post("/auth/login")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
    }

    /// The code the confirmation mail to unconfirmed `email` carries, made from the
    /// database's nonce with the server's keys (as the mail worker makes it).
    pub async fn confirmation_code(&self, email: &str) -> String {
        let (id, nonce) = self.pending_confirmation(email).await;
        self.state
            .confirmations
            .token(id, &nonce)
            .unwrap_or_else(|| panic!("a confirmation key"))
    }

    /// The account and the nonce of the confirmation pending for `email`.
    async fn pending_confirmation(&self, email: &str) -> (uuid::Uuid, String) {
        self.state
            .store
            .pending_verification_of(email)
            .await
            .unwrap_or_else(|e| panic!("no confirmation pending for {email}: {e}"))
    }

    /// The eight-digit confirmation number the mail to `email` carries, computed the way
    /// the server does.
    pub async fn confirmation_number(&self, email: &str) -> String {
        let (id, nonce) = self.pending_confirmation(email).await;
        self.state
            .confirmations
            .number(id, &nonce)
            .unwrap_or_else(|| panic!("a confirmation key"))
    }

    /// Asks for a password reset of `email` and returns the code its mail carries,
    /// computed the way the server does.
    pub async fn reset_code(&self, email: &str) -> String {
        let asked = self
            .post("/auth/password-reset")
            .json(&json!({ "email": email }))
            .send()
            .await;
        assert_eq!(asked.status, 202, "{}", asked.text);
        let (id, nonce) = self
            .state
            .store
            .pending_reset_of(email)
            .await
            .unwrap_or_else(|e| panic!("no reset pending for {email}: {e}"));
        self.state
            .confirmations
            .reset_token(id, &nonce)
            .unwrap_or_else(|| panic!("a reset key"))
    }

    /// `POST /auth/verify-email` with `code`.
    pub async fn verify_email(&self, code: &str) -> Resp {
        self.post("/auth/verify-email")
            .json(&json!({ "token": code }))
            .send()
            .await
    }

    /// Registers an applicant and confirms the address, without logging in; returns the
    /// confirmation's answer, the account.
    pub async fn registered(&self, email: &str) -> Resp {
        let registered = self.register(email).await;
        assert_eq!(registered.status, 202, "{}", registered.text);
        let confirmed = self
            .verify_email(&self.confirmation_code(email).await)
            .await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text);
        confirmed
    }

    /// Registers an applicant, confirms the address, logs in, and returns the access token.
    pub async fn applicant(&self, email: &str) -> String {
        self.registered(email).await;
        self.token_for(email).await
    }

    /// An applicant stored with a confirmed address and no mail, for tests about something
    /// else whose mail must not include a confirmation; returns the access token.
    pub async fn confirmed_applicant(&self, email: &str) -> String {
        let input = AccountInput {
            email,
            password: PASSWORD,
            name: "Ерлан",
            language: Some("ru"),
        };
        let account = NewAccount::register(input).unwrap_or_else(|e| panic!("{e}"));
        usecases::signin::create_confirmed(
            &self.state.store,
            &server::api::accounts::credentials(&self.state),
            account,
            self.state.clock.now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        self.token_for(email).await
    }

    /// Logs in with [`PASSWORD`] and returns the access token.
    pub async fn token_for(&self, email: &str) -> String {
        let login = self.login(email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        login.str("access_token").to_owned()
    }

    /// Creates the first admin the way `grants admin create` does, and returns its token.
    pub async fn admin(&self, email: &str) -> String {
        let input = AccountInput {
            email,
            password: PASSWORD,
            name: "Admin",
            language: Some("en"),
        };
        let account = NewAccount::by_admin(input, "admin").unwrap_or_else(|e| panic!("{e}"));
        usecases::signin::create_confirmed(
            &self.state.store,
            &server::api::accounts::credentials(&self.state),
            account,
            self.state.clock.now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        self.token_for(email).await
    }

    /// Has an admin create a staff account with `role`, and returns its token.
    pub async fn staff(&self, admin_token: &str, email: &str, role: &str) -> String {
        let created = self
            .post("/users")
            .token(admin_token)
            .json(&json!({"email": email, "name": "Эксперт", "password": PASSWORD, "role": role, "language": "ru"}))
            .send()
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        self.token_for(email).await
    }

    /// Creates an organisation as the holder of `token` and returns its id.
    pub async fn organization(&self, token: &str, bin: &str) -> String {
        let created = self
            .post("/organizations")
            .token(token)
            .json(&organization_body(bin))
            .send()
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.str("id").to_owned()
    }
}

impl TestApp {
    /// Has the owner holding `owner` invite `email` to organisation `org` as `role`, and
    /// the invitee (a confirmed applicant with [`PASSWORD`]) accept; returns the new
    /// member's account id.
    pub async fn member(&self, owner: &str, org: &str, email: &str, role: &str) -> String {
        let invited = self
            .post(&format!("/organizations/{org}/members"))
            .token(owner)
            .json(&json!({"email": email, "role": role}))
            .send()
            .await;
        assert_eq!(invited.status, 202, "{}", invited.text);
        let invitee = self.token_for(email).await;
        let accepted = self
            .post(&format!("/invitations/{}/accept", invited.str("id")))
            .token(&invitee)
            .send()
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        self.get("/me")
            .token(&invitee)
            .send()
            .await
            .str("id")
            .to_owned()
    }
}

/// A valid organisation body with `bin`.
#[must_use]
pub fn organization_body(bin: &str) -> Value {
    json!({
        "name": "«Ақ ниет» қоғамдық бірлестігі",
        "bin": bin,
        "region": "aktobe",
        "settlement": "Шалқар",
        "rural": true,
        "registered_on": "2019-03-01",
        "contact_email": "aqniet@mail.kz"
    })
}

/// Valid BINs with distinct numbers, built with the check-digit algorithm.
#[must_use]
pub fn valid_bin(serial: u32) -> String {
    (0..100)
        .find_map(|extra| {
            // Seven digits of serial: distinct for the first hundred thousand serials.
            let first = format!("1905{:07}", (serial * 100 + extra) % 10_000_000);
            let digits: Vec<u32> = first.bytes().map(|b| u32::from(b - b'0')).collect();
            let mut array = [0u32; 11];
            array.copy_from_slice(&digits);
            domain::bin::check_digit(&array).map(|check| format!("{first}{check}"))
        })
        .unwrap_or_default()
}

/// The instant calls open in tests: a day before the clock starts.
#[must_use]
pub fn opens_at() -> DateTime<Utc> {
    start_instant() - chrono::Duration::days(1)
}

/// The instant calls close in tests: thirty days after the clock starts.
#[must_use]
pub fn closes_at() -> DateTime<Utc> {
    start_instant() + chrono::Duration::days(30)
}

/// A valid call body.
#[must_use]
pub fn call_body() -> Value {
    json!({
        "title": "Ауылдағы әйелдер мен балаларға қолдау 2027",
        "description": "Гранты для сельских НПО: поддержка женщин и детей, здоровье, экология.",
        "priority_areas": ["women_and_children", "public_health"],
        "budget": "10000000.00",
        "min_grant": "500000",
        "max_grant": "3000000.00",
        "cofinancing_share": "0.1",
        "opens_at": opens_at().to_rfc3339(),
        "closes_at": closes_at().to_rfc3339(),
        "eligibility": {"rural_only": true, "min_years_registered": 1, "regions": []},
        "rubric": [
            {"key": "relevance", "title": "Relevance to the village", "max_score": 10, "weight": 2},
            {"key": "budget", "title": "Sound budget", "max_score": 5, "weight": 1}
        ],
        "reviewers_per_application": 2,
        "fundable_min_score": 60,
        "disagreement_spread": 25,
        "aggregation": "mean"
    })
}

/// Complete application content: total 1 200 000.00, co-financed 150 000.00, requested
/// 1 050 000.00.
#[must_use]
pub fn complete_content() -> Value {
    json!({
        "title": "Балалар алаңы — Детская площадка в ауле",
        "summary": "Ауылда балаларға арналған қауіпсіз ойын алаңын салу.",
        "problem": "В ауле нет безопасного места для игр детей.",
        "goals": "Построить площадку и обучить волонтёров.",
        "activities": "Закупка оборудования, монтаж, открытие.",
        "target_groups": ["children", "mothers"],
        "beneficiaries": 350,
        "settlement": "Шалқар",
        "duration_months": 12,
        "budget_lines": [
            {"category": "equipment", "description": "Ойын жабдығы", "quantity": 4, "unit_cost": "250000.00", "cofinanced": "100000.00"},
            {"category": "services", "description": "Монтаж", "quantity": 1, "unit_cost": "200000", "cofinanced": "50000.00"}
        ]
    })
}

impl TestApp {
    /// Creates and publishes a call from `body` as the officer holding `token`; returns its id.
    pub async fn published_call(&self, token: &str, body: &Value) -> String {
        let created = self.post("/calls").token(token).json(body).send().await;
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.str("id").to_owned();
        let published = self
            .post(&format!("/calls/{id}/publish"))
            .token(token)
            .send()
            .await;
        assert_eq!(published.status, 200, "{}", published.text);
        id
    }

    /// Creates a draft for `call` by `organization` with `content` (plus the organisation id).
    pub async fn draft(
        &self,
        token: &str,
        call: &str,
        organization: &str,
        content: &Value,
    ) -> Resp {
        let mut body = content.clone();
        body["organization_id"] = json!(organization);
        self.post(&format!("/calls/{call}/applications"))
            .token(token)
            .json(&body)
            .send()
            .await
    }
}

/// A complete review for the two criteria of [`call_body`]'s rubric.
#[must_use]
pub fn review_body(relevance: u32, budget: u32, comment: &str) -> Value {
    json!({
        "scores": [
            {"criterion": "relevance", "score": relevance, "comment": "Relevant to the village"},
            {"criterion": "budget", "score": budget}
        ],
        "comment": comment,
        "recommendation": "fund",
        "confidence": 2
    })
}

/// Lower-case hex SHA-256 of `text`.
#[must_use]
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
