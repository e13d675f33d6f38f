//! The outermost middleware: a request id, a log line per request, metrics, and every
//! error turned into a problem response.

use std::sync::Arc;
use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::OperationId;
use tracing::Instrument;

use crate::error::{PROBLEM_JSON, api_error_from_poem, problem_response};
use crate::metrics::Metrics;

/// The header carrying the request id, accepted from the client or generated.
pub const REQUEST_ID: &str = "x-request-id";

/// Wraps an endpoint with request ids, logs, metrics and problem responses.
#[derive(Debug, Clone)]
pub struct Observe {
    metrics: Arc<Metrics>,
}

impl Observe {
    /// Records into `metrics`.
    #[must_use]
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ObserveEndpoint {
            inner: ep,
            metrics: self.metrics.clone(),
        }
    }
}

/// The endpoint produced by [`Observe`].
#[derive(Debug)]
pub struct ObserveEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
}

fn request_id(req: &Request) -> String {
    req.header(REQUEST_ID)
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Self::Output> {
        let id = request_id(&req);
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
        let started = Instant::now();
        let result = self.inner.call(req).instrument(span.clone()).await;
        let mut response = match result {
            Ok(output) => output.into_response(),
            Err(err) => {
                let operation = err.data::<OperationId>().copied();
                let mut response = into_problem(err);
                if let Some(operation) = operation {
                    response.set_data(operation);
                }
                response
            }
        };
        if response.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
            && !response.headers().contains_key(poem::http::header::ALLOW)
        {
            let allowed = crate::api::document::allowed_methods(&path)
                .and_then(|methods| poem::http::HeaderValue::from_str(&methods).ok());
            if let Some(allowed) = allowed {
                response
                    .headers_mut()
                    .insert(poem::http::header::ALLOW, allowed);
            }
        }
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let route = response
            .data::<OperationId>()
            .map_or_else(|| fallback_route(&path, status), |op| op.0);
        self.metrics
            .record(method_label(&method), route, status, elapsed);
        span.in_scope(|| {
            tracing::info!(
                status,
                route,
                latency_ms = elapsed.as_secs_f64() * 1000.0,
                "answered"
            );
        });
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        Ok(response)
    }
}

/// A poem error as a problem response, keeping responses that already are problems.
pub(crate) fn into_problem(err: poem::Error) -> Response {
    // A browser page of an origin that is not let in (or asking for more than allowed).
    if err.is::<poem::error::CorsError>() {
        return problem_response(
            &crate::error::ApiError::Forbidden("this origin may not call the API from a browser")
                .to_problem(),
        );
    }
    let status = err.status();
    if err.is_from_response() {
        let response = err.into_response();
        let is_problem = response
            .content_type()
            .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
        if is_problem {
            return response;
        }
        return problem_response(
            &api_error_from_poem(poem::Error::from_status(status)).to_problem(),
        );
    }
    let api = match status {
        poem::http::StatusCode::METHOD_NOT_ALLOWED => {
            return method_not_allowed();
        }
        _ => api_error_from_poem(err),
    };
    problem_response(&api.to_problem())
}

fn method_not_allowed() -> Response {
    let problem = crate::error::Problem {
        kind: "/problems/method-not-allowed".to_owned(),
        title: "The method is not allowed on this resource".to_owned(),
        status: 405,
        detail: None,
        errors: None,
    };
    problem_response(&problem)
}

/// The method as a metrics label; unknown extension methods share one label so the
/// number of series stays bounded.
fn method_label(method: &poem::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

/// A bounded route label for requests no operation answered.
fn fallback_route(path: &str, status: u16) -> &'static str {
    match path {
        "/health" => "health",
        "/ready" => "ready",
        "/metrics" => "metrics",
        p if p.starts_with("/docs") => "docs",
        "/api/v1/openapi.json" => "openapi",
        p if p.starts_with("/api/v1/") && status != 404 && status != 405 => "api",
        _ if status == 404 => "unmatched",
        _ => "other",
    }
}
