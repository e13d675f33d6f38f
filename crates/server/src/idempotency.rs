//! `Idempotency-Key` on POST: a retried request gets the first answer instead of acting
//! twice.
//!
//! Operations that document the header take an [`IdempotencyKey`] and hand it to their use
//! case, which claims the key as the first write of its transaction and stores its answer
//! in the same commit as the change. A crash therefore leaves neither a change without its
//! answer nor a key that blocks retries; a retry made while the first request is in flight
//! waits for it and replays its answer. Keys belong to the signed-in account and live 24
//! hours. The same key with a different request is refused (422). Refusals and server
//! errors store nothing, so the request may be retried. `/auth/*` requests are never
//! keyed, so no token is ever stored or replayed; requests without a valid bearer token
//! pass through unchanged.

use persistence::idempotency::{KeyClaim, Stored, StoredResponse};
use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};
use sha2::{Digest, Sha256};

use crate::api::keys::KeySlot;
use crate::bounds::MAX_BODY_BYTES;
use crate::error::{ApiError, ProblemField, problem_response};
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

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

fn send(stored: StoredResponse, replayed: bool) -> Response {
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
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// The answer already stored under `claim`, as it is to be sent, if there is one.
async fn stored(state: &AppState, claim: &KeyClaim) -> Option<Response> {
    match state.store.stored_answer(claim).await {
        Ok(None) => None,
        Ok(Some(Stored::Answer(answer))) => Some(send(answer, true)),
        Ok(Some(Stored::Mismatch)) => Some(problem(&ApiError::Unprocessable {
            slug: "idempotency-key-reused",
            detail: "this Idempotency-Key was used with a different request".to_owned(),
            fields: Vec::new(),
        })),
        Ok(Some(Stored::Unanswered)) => Some(problem(&ApiError::Conflict {
            slug: "idempotency-key-in-use",
            detail: "a request with this Idempotency-Key is still being answered; retry shortly"
                .to_owned(),
        })),
        Err(err) => Some(problem(&ApiError::from(err))),
    }
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
        // Without a valid token the operation answers 401 before the key matters; the
        // bearer check also refuses a token whose login has ended, so a stored answer is
        // never replayed to a closed session.
        let Some(claims) = claims else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
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
        let body = match req.take_body().into_bytes_limit(MAX_BODY_BYTES).await {
            Ok(body) => body,
            Err(_) => return Ok(problem(&ApiError::PayloadTooLarge)),
        };
        let claim = KeyClaim {
            user: claims.sub.into(),
            key,
            request_hash: fingerprint(&req, &body),
            now,
        };
        req.set_body(Body::from_bytes(body));
        let slot = KeySlot::new(claim.clone());
        req.extensions_mut().insert(slot.clone());
        let response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => crate::observe::into_problem(err),
        };
        if let Some(answer) = slot.answer() {
            return Ok(send(answer, false));
        }
        // Nothing was stored for this request. An unauthorised caller learns nothing of
        // the key; otherwise another request with the key may have been answered first
        // (this one then waited for it, or was refused because of its effect).
        if response.status() == StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        Ok(stored(&state, &claim).await.unwrap_or(response))
    }
}
