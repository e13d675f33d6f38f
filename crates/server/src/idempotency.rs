//! `Idempotency-Key` on POST: a retried request gets the first response instead of acting
//! twice.
//!
//! Keys belong to the signed-in account and live 24 hours; `/auth/*` requests are never
//! recorded, so no token is ever stored or replayed. The same key with a different
//! request is refused (422); a retry that arrives while the first is still being answered
//! is told so (409) and acts not at all. Server errors are not remembered, so the client
//! may retry them. Requests without a valid bearer token (registration, login, refresh)
//! are passed through unchanged: they are safe to repeat by themselves.

use chrono::Duration;
use persistence::idempotency::{Claim, KeyPolicy, StoredResponse};
use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};
use sha2::{Digest, Sha256};

use crate::app::MAX_BODY_BYTES;
use crate::error::{ApiError, ProblemField, problem_response};
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// Response headers kept for replay besides the content type.
const KEPT_HEADERS: [&str; 2] = ["etag", "location"];
/// How long keys are remembered.
const POLICY: KeyPolicy = KeyPolicy {
    ttl: Duration::hours(24),
    abandoned_after: Duration::minutes(5),
};

/// The middleware.
#[derive(Debug, Clone, Copy, Default)]
pub struct Idempotency;

impl<E: Endpoint> Middleware<E> for Idempotency {
    type Output = IdempotencyEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        IdempotencyEndpoint { inner: ep }
    }
}

/// The endpoint produced by [`Idempotency`].
#[derive(Debug)]
pub struct IdempotencyEndpoint<E> {
    inner: E,
}

fn problem(err: &ApiError) -> Response {
    problem_response(&err.to_problem())
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic())
}

fn fingerprint(req: &Request, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(
        req.uri()
            .path_and_query()
            .map_or("", |p| p.as_str())
            .as_bytes(),
    );
    hasher.update(b"\n");
    hasher.update(req.content_type().unwrap_or_default().as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn replay(stored: StoredResponse) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK))
        .body(stored.body);
    if let Some(content_type) = stored
        .content_type
        .and_then(|ct| HeaderValue::from_str(&ct).ok())
    {
        response
            .headers_mut()
            .insert(poem::http::header::CONTENT_TYPE, content_type);
    }
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (
            poem::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

impl<E: Endpoint> Endpoint for IdempotencyEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        if req.method() != Method::POST {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        // Token responses are never stored or replayed: a replayed refresh would hand out
        // a spent token's successor again.
        let is_auth = req.original_uri().path().starts_with("/api/v1/auth/");
        // A key that is not text is kept as `None` and refused below, never ignored.
        let Some(key) = req
            .headers()
            .get(HEADER)
            .filter(|_| !is_auth)
            .map(|value| value.to_str().ok().map(str::to_owned))
        else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        let Some(state) = req.data::<AppState>().cloned() else {
            return Ok(problem(&ApiError::internal(anyhow::anyhow!(
                "application state missing"
            ))));
        };
        let now = state.clock.now();
        let claims = req
            .header(poem::http::header::AUTHORIZATION)
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .and_then(|(_, token)| state.jwt.verify(token.trim(), now).ok());
        // Without a valid token, or with one whose login has ended, the operation answers
        // 401 before the key matters: a stored answer is never replayed to a closed session.
        let Some(claims) = claims else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        if let Some(session) = claims.sid {
            match state.store.session_open(session).await {
                Ok(true) => {}
                Ok(false) => {
                    return self.inner.call(req).await.map(IntoResponse::into_response);
                }
                Err(err) => return Ok(problem(&ApiError::from(err))),
            }
        }
        let user = claims.sub;
        let Some(key) = key.filter(|key| valid_key(key)) else {
            return Ok(problem(&ApiError::Malformed {
                detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned(),
                fields: vec![ProblemField {
                    field: "Idempotency-Key".to_owned(),
                    code: "invalid".to_owned(),
                    message: "must be 1 to 255 visible ASCII characters".to_owned(),
                }],
            }));
        };
        let body = req.take_body().into_bytes_limit(MAX_BODY_BYTES).await;
        let body = match body {
            Ok(body) => body,
            Err(_) => return Ok(problem(&ApiError::PayloadTooLarge)),
        };
        let hash = fingerprint(&req, &body);
        let claim = state
            .store
            .claim_idempotency_key(user, &key, &hash, now, POLICY)
            .await;
        match claim {
            Err(err) => return Ok(problem(&ApiError::from(err))),
            Ok(Claim::Completed(stored)) => return Ok(replay(stored)),
            Ok(Claim::Mismatch) => {
                return Ok(problem(&ApiError::Unprocessable {
                    slug: "idempotency-key-reused",
                    detail: "this Idempotency-Key was used with a different request".to_owned(),
                    fields: Vec::new(),
                }));
            }
            Ok(Claim::InProgress) => {
                return Ok(problem(&ApiError::Conflict {
                    slug: "idempotency-key-in-use",
                    detail:
                        "a request with this Idempotency-Key is still being answered; retry shortly"
                            .to_owned(),
                }));
            }
            Ok(Claim::Claimed) => {}
        }
        req.set_body(Body::from_bytes(body));
        let response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => crate::observe::into_problem(err),
        };
        if response.status().is_server_error() {
            if let Err(err) = state.store.release_idempotency_key(user, &key).await {
                tracing::error!(error = %err, "releasing an idempotency key failed");
            }
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let bytes = match body.into_bytes().await {
            Ok(bytes) => bytes,
            Err(err) => {
                let _ = state.store.release_idempotency_key(user, &key).await;
                return Ok(problem(&ApiError::internal(err)));
            }
        };
        let stored = StoredResponse {
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(poem::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            headers: KEPT_HEADERS
                .iter()
                .filter_map(|name| {
                    parts
                        .headers
                        .get(*name)
                        .and_then(|v| v.to_str().ok())
                        .map(|v| ((*name).to_owned(), v.to_owned()))
                })
                .collect(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if let Err(err) = state
            .store
            .complete_idempotency_key(user, &key, stored)
            .await
        {
            tracing::error!(error = %err, "recording an idempotent response failed");
        }
        Ok(Response::from_parts(parts, Body::from_bytes(bytes)))
    }
}
