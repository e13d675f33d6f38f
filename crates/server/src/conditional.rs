//! Conditional reads: a `GET` whose `If-None-Match` names the current `ETag` is answered
//! `304 Not Modified` with no body, so a client on a slow connection re-downloads nothing.

use poem::http::{Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// The middleware.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConditionalGet;

impl<E: Endpoint> Middleware<E> for ConditionalGet {
    type Output = ConditionalGetEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ConditionalGetEndpoint { inner: ep }
    }
}

/// The endpoint produced by [`ConditionalGet`].
#[derive(Debug)]
pub struct ConditionalGetEndpoint<E> {
    inner: E,
}

/// The tag without its weak marker and quotes.
fn opaque(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/").trim_matches('"')
}

/// Whether the `If-None-Match` list `header` matches `etag`.
fn matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == opaque(etag))
}

impl<E: Endpoint> Endpoint for ConditionalGetEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Self::Output> {
        let if_none_match = (req.method() == Method::GET)
            .then(|| req.header(header::IF_NONE_MATCH).map(str::to_owned))
            .flatten();
        let response = self.inner.call(req).await?.into_response();
        let Some(if_none_match) = if_none_match else {
            return Ok(response);
        };
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match etag {
            Some(etag) if response.status() == StatusCode::OK && matches(&if_none_match, &etag) => {
                Ok(Response::builder()
                    .status(StatusCode::NOT_MODIFIED)
                    .header(header::ETAG, etag)
                    .finish())
            }
            Some(_) | None => Ok(response),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        assert!(matches("\"3\"", "\"3\""));
        assert!(matches("W/\"3\"", "\"3\""));
        assert!(matches("\"1\", \"3\"", "\"3\""));
        assert!(matches("*", "\"3\""));
        assert!(!matches("\"2\"", "\"3\""));
    }
}
