//! Assembling and running the server: routes, middleware, state and shutdown.

use std::sync::Arc;

use anyhow::Context;
use persistence::Store;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::middleware::{Compression, Cors};
use poem::web::{CompressionAlgo, CompressionLevel, Data};
use poem::{EndpointExt, IntoEndpoint, Response, Route, get, handler};

use crate::api;
use crate::auth::{Confirmations, JwtKeys, secret_file};
use crate::clock::{Clock, SystemClock};
use crate::conditional::ConditionalGet;
use crate::config::Settings;
use crate::connections::ConnectionLimits;
use crate::idempotency::Idempotency;
use crate::mail::{Mailer, Worker, WorkerConfig, WorkerHandle};
use crate::metrics::{Metrics, OutboxDepth};
use crate::observe::Observe;
use crate::state::AppState;

/// Connects to the database, migrates it and builds the shared state.
///
/// # Errors
/// When the database cannot be reached or migrated, or the JWT secret cannot be loaded.
pub async fn build_state(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let store = Store::connect(&settings.database_url(), settings.pool_size())
        .await
        .with_context(|| {
            format!(
                "connecting to the database ({})",
                settings.database_location()
            )
        })?;
    store
        .migrate()
        .await
        .with_context(|| format!("migrating the database ({})", settings.database_location()))?;
    let secret = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None => secret_file::load_or_create(&settings.data_dir)?,
    };
    Ok(AppState {
        store,
        jwt: JwtKeys::rotated(
            &secret,
            &settings.jwt_previous_secrets,
            settings.access_token_ttl_secs,
        ),
        confirmations: Confirmations::new(&secret, &settings.jwt_previous_secrets),
        portal: Arc::new(
            crate::web::Portal::load(&secret, &settings.jwt_previous_secrets)
                .context("loading the portal's templates")?,
        ),
        clock,
        metrics: Arc::new(Metrics::default()),
        document: {
            let (json, page) = api::document::for_server(&settings.public_url);
            (json.into(), page.into())
        },
        settings: Arc::new(settings),
    })
}

/// Builds the whole HTTP application for `state`.
#[must_use]
pub fn routes(state: AppState) -> impl poem::Endpoint<Output = Response> {
    let service = api::service::service();
    let metrics = state.metrics.clone();
    let cors = cors(&state.settings);
    crate::web::mount(Route::new())
        .nest(
            api::service::PREFIX,
            service
                .with(Idempotency)
                .around(crate::problem_language::localise),
        )
        .at(
            format!("{}/openapi.json", api::service::PREFIX),
            get(openapi_json),
        )
        .nest("/docs", get(swagger_ui))
        .at("/health", get(health))
        .at("/ready", get(ready))
        .at("/metrics", get(render_metrics))
        .with(ConditionalGet)
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .data(state)
        // Gzip and Brotli at their fastest level: most of the saving on a slow connection
        // for a fraction of the CPU of the best level.
        .with(
            Compression::new()
                .algorithms([CompressionAlgo::GZIP, CompressionAlgo::BR])
                .with_quality(CompressionLevel::Fastest),
        )
        .with(Observe::new(metrics))
        .around(security_headers)
        .into_endpoint()
        .map_to_response()
}

/// The API document, naming this server (built once, at start-up).
#[handler]
fn openapi_json(state: Data<&AppState>) -> poem::Response {
    use poem::IntoResponse as _;
    state
        .document
        .0
        .clone()
        .with_content_type("application/json; charset=utf-8")
        .into_response()
}

/// The Swagger UI page for the API document.
#[handler]
fn swagger_ui(state: Data<&AppState>) -> poem::Response {
    use poem::IntoResponse as _;
    state
        .document
        .1
        .clone()
        .with_content_type("text/html; charset=utf-8")
        .into_response()
}

/// Headers every response carries, errors included: no content sniffing, no framing, no
/// referrer; the API allows no content at all, the portal only its own files, and the API
/// document's browser page sets nothing more.
async fn security_headers<E: poem::Endpoint>(
    endpoint: Arc<E>,
    req: poem::Request,
) -> poem::Result<Response> {
    let path = req.uri().path();
    let policy = if path.starts_with("/docs") {
        None
    } else if path.starts_with("/api/") || path == "/api" {
        Some("default-src 'none'; frame-ancestors 'none'")
    } else {
        Some(PORTAL_POLICY)
    };
    let mut response = endpoint.get_response(req).await;
    let headers = response.headers_mut();
    let fixed = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ];
    for (name, value) in fixed {
        headers.insert(name, poem::http::HeaderValue::from_static(value));
    }
    if let Some(policy) = policy {
        headers.insert(
            "content-security-policy",
            poem::http::HeaderValue::from_static(policy),
        );
    }
    Ok(response)
}

/// The portal's Content-Security-Policy: its own style sheet and script only, forms only to
/// itself, never in a frame.
const PORTAL_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; \
    frame-ancestors 'none'";

/// CORS for the configured origins (and the service's own public origin), or `None` when
/// no origin is configured: then browsers of other origins get no CORS headers at all.
fn cors(settings: &Settings) -> Option<Cors> {
    if settings.cors_origins.is_empty() {
        return None;
    }
    let own = crate::config::web_origin(&settings.public_url);
    let origins: Vec<String> = settings.cors_origins.iter().cloned().chain(own).collect();
    Some(
        Cors::new()
            .allow_origins(origins)
            .allow_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
            .allow_headers([
                "authorization",
                "content-type",
                "if-match",
                "if-none-match",
                "idempotency-key",
                "x-request-id",
            ])
            .expose_headers(["etag", "location", "retry-after", "x-request-id"])
            .max_age(600),
    )
}

#[handler]
fn health() -> Response {
    json_status(200, "ok")
}

#[handler]
async fn ready(state: Data<&AppState>) -> Response {
    match state.store.schema_current().await {
        Ok(true) => json_status(200, "ready"),
        Ok(false) => {
            tracing::warn!("the database schema does not match this binary's migrations");
            crate::error::problem_response(
                &crate::error::ApiError::Unavailable(anyhow::anyhow!(
                    "the database schema does not match this release; run `grants migrate`"
                ))
                .to_problem(),
            )
        }
        Err(err) => {
            tracing::warn!(error = %err, "database not reachable");
            crate::error::problem_response(
                &crate::error::ApiError::Unavailable(anyhow::anyhow!("database not reachable"))
                    .to_problem(),
            )
        }
    }
}

#[handler]
async fn render_metrics(state: Data<&AppState>) -> Response {
    let depth = match state.store.outbox_counts().await {
        Ok(counts) => Some(OutboxDepth {
            pending: counts.pending,
            failed: counts.failed,
        }),
        Err(err) => {
            tracing::warn!(error = %err, "outbox depth unavailable");
            None
        }
    };
    Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render_with(depth))
}

fn json_status(code: u16, status: &str) -> Response {
    Response::builder()
        .status(poem::http::StatusCode::from_u16(code).unwrap_or_default())
        .content_type("application/json")
        .body(format!("{{\"status\":\"{status}\"}}"))
}

/// A server bound to its address, ready to run.
pub struct Bound {
    acceptor: TcpAcceptor,
    state: AppState,
    worker: Option<WorkerHandle>,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Bound {
    /// The address actually bound (useful with port 0).
    ///
    /// # Errors
    /// When the socket has no local address.
    pub fn local_addr(&self) -> anyhow::Result<std::net::SocketAddr> {
        self.acceptor
            .local_addr()
            .into_iter()
            .find_map(|addr| addr.as_socket_addr().copied())
            .context("listener has no socket address")
    }

    /// Runs `worker` beside the server; it is stopped after the last request, before the
    /// database closes.
    pub fn attach_worker(&mut self, worker: WorkerHandle) {
        self.worker = Some(worker);
    }

    /// Serves until `shutdown` completes, then finishes requests in flight.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = routes(self.state.clone());
        let settings = &self.state.settings;
        let limits = ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(settings.header_timeout_secs),
            body_idle: std::time::Duration::from_secs(settings.body_idle_secs),
            max_connections: usize::try_from(settings.max_connections).unwrap_or(usize::MAX),
            drain: std::time::Duration::from_secs(10),
        };
        crate::connections::serve(self.acceptor, app, limits, shutdown)
            .await
            .context("serving HTTP")?;
        if let Some(worker) = self.worker {
            worker.stop().await;
        }
        self.state
            .store
            .close()
            .await
            .context("closing the database")?;
        Ok(())
    }
}

/// Binds `settings.bind` for `state`.
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind(state: AppState) -> anyhow::Result<Bound> {
    let addr = state.settings.bind.clone();
    let acceptor = TcpListener::bind(addr.clone())
        .into_acceptor()
        .await
        .with_context(|| format!("binding {addr}"))?;
    Ok(Bound {
        acceptor,
        state,
        worker: None,
    })
}

/// Starts the server with the system clock and runs it until SIGTERM or Ctrl-C.
///
/// # Errors
/// When start-up or serving fails.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let state = build_state(settings, Arc::new(SystemClock)).await?;
    tokio::spawn(purge_idempotency_keys(state.clone()));
    let worker = if state.settings.mail_worker {
        Some(start_worker(
            &state,
            WorkerConfig::from_settings(&state.settings),
        )?)
    } else {
        None
    };
    let mut bound = bind(state).await?;
    if let Some(worker) = worker {
        bound.attach_worker(worker);
    }
    tracing::info!(address = %bound.local_addr()?, "listening");
    bound.run(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Starts the mail worker for `state` with `config`.
///
/// # Errors
/// When the mail settings (sender, SMTP URL) are unusable.
pub fn start_worker(state: &AppState, config: WorkerConfig) -> anyhow::Result<WorkerHandle> {
    let mailer = Mailer::from_settings(
        &state.settings,
        state.confirmations.clone(),
        config.concurrency,
    )
    .context("setting up mail")?;
    Ok(Worker::new(
        state.store.clone(),
        state.clock.clone(),
        state.metrics.clone(),
        Arc::new(mailer),
        config,
    )
    .spawn())
}

/// Runs only the mail worker, with the system clock, until SIGTERM or Ctrl-C.
///
/// # Errors
/// When start-up fails.
pub async fn work(settings: Settings) -> anyhow::Result<()> {
    let state = build_state(settings, Arc::new(SystemClock)).await?;
    let worker = start_worker(&state, WorkerConfig::from_settings(&state.settings))?;
    shutdown_signal().await;
    worker.stop().await;
    state.store.close().await.context("closing the database")?;
    tracing::info!("stopped");
    Ok(())
}

/// Forgets idempotency keys and portal form tokens older than a day and rate-limit counters
/// of past windows, once an hour, for as long as the server runs.
async fn purge_idempotency_keys(state: AppState) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        let cutoff = state.clock.now() - chrono::Duration::hours(24);
        match state.store.purge_idempotency_keys(cutoff).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency keys purged"),
            Err(err) => tracing::warn!(error = %err, "purging idempotency keys failed"),
        }
        if let Err(err) = state.store.purge_form_tokens(cutoff).await {
            tracing::warn!(error = %err, "purging form tokens failed");
        }
        if let Err(err) = state.store.purge_parked_forms(cutoff).await {
            tracing::warn!(error = %err, "purging parked forms failed");
        }
        let ended = state.clock.now() - chrono::Duration::hours(1);
        if let Err(err) = state.store.purge_rate_limits(ended).await {
            tracing::warn!(error = %err, "purging rate-limit counters failed");
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
