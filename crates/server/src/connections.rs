//! Serving HTTP/1.1 connections with the limits poem's own server loop lacks, so that idle
//! or trickling clients cannot hold the service's sockets:
//!
//! - a connection must deliver a complete request head within the header timeout, counted
//!   from when the server starts waiting for it: on a new connection, and on a kept-alive
//!   one after its last response (so an idle kept-alive connection is closed by it too);
//! - a request body that brings no byte for the body idle time is answered 408 and its
//!   connection closed; it is never a total limit, so a large upload over 2G goes through
//!   as long as bytes keep coming;
//! - at most a configured number of connections are served at once; further clients wait
//!   in the listen queue until one ends.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::listener::{Acceptor, TcpAcceptor};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use tokio::sync::{Semaphore, watch};

use crate::error::{Problem, problem_response};

/// The limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a request head may take, from when the server starts waiting for it.
    pub header_timeout: Duration,
    /// How long a request body may go without a byte.
    pub body_idle: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// How long requests in flight may finish after shutdown begins.
    pub drain: Duration,
}

/// Serves `app` on `acceptor` until `shutdown` completes, then lets requests in flight
/// finish for up to `limits.drain`.
///
/// # Errors
/// Never at present; accept failures (such as running out of file descriptors) are logged
/// and retried after a pause.
pub async fn serve<E>(
    mut acceptor: TcpAcceptor,
    app: E,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<()>
where
    E: Endpoint + 'static,
{
    let app = Arc::new(app);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot?,
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = acceptor.accept() => accepted,
        };
        let (io, local, remote, scheme) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of file descriptors, say: pause rather than spin.
                tracing::warn!(error = %err, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let app = Arc::clone(&app);
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let app = Arc::clone(&app);
                let request = Request::from((req, local.clone(), remote.clone(), scheme.clone()));
                async move {
                    let response = answer(&*app, request, limits.body_idle).await;
                    Ok::<_, Infallible>(hyper::Response::from(response))
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let connection = builder
                .serve_connection(TokioIo::new(io), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopping.wait_for(|stop| *stop) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.drain, connection).await;
        });
    }
    drop(acceptor);
    let _ = stop.send(true);
    // Every connection holds a slot until it ends.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.drain, slots.acquire_many(all)).await;
    Ok(())
}

/// Calls `app` with a body that fails after `idle` without a byte; such a request is
/// answered 408 and its connection closed, whatever the endpoint made of the failure.
async fn answer<E: Endpoint>(app: &E, mut request: Request, idle: Duration) -> Response {
    // In HTTP/1.1 a request without either header has no body to wait for.
    let has_body = request
        .headers()
        .contains_key(poem::http::header::CONTENT_LENGTH)
        || request
            .headers()
            .contains_key(poem::http::header::TRANSFER_ENCODING);
    if !has_body {
        return match app.call(request).await {
            Ok(output) => output.into_response(),
            Err(err) => err.into_response(),
        };
    }
    let stalled = Arc::new(AtomicBool::new(false));
    let body = request.take_body();
    request.set_body(idle_limited(body, idle, Arc::clone(&stalled)));
    let response = match app.call(request).await {
        Ok(output) => output.into_response(),
        Err(err) => err.into_response(),
    };
    if !stalled.load(Ordering::SeqCst) {
        return response;
    }
    let mut timed_out = problem_response(&Problem {
        kind: "/problems/request-timeout".to_owned(),
        title: "The request body stopped arriving".to_owned(),
        status: 408,
        detail: Some(format!(
            "no byte of the body arrived for {} s; send the request again",
            idle.as_secs()
        )),
        errors: None,
    });
    timed_out.headers_mut().insert(
        poem::http::header::CONNECTION,
        poem::http::HeaderValue::from_static("close"),
    );
    timed_out
}

/// `body`, failing with `TimedOut` when no chunk arrives for `idle`.
fn idle_limited(body: Body, idle: Duration, stalled: Arc<AtomicBool>) -> Body {
    let chunks = body.into_bytes_stream();
    let limited = futures_util::stream::unfold(Some(chunks), move |chunks| {
        let stalled = Arc::clone(&stalled);
        async move {
            let mut chunks = chunks?;
            match tokio::time::timeout(idle, chunks.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(chunks))),
                Ok(None) => None,
                Err(_) => {
                    stalled.store(true, Ordering::SeqCst);
                    let err = std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body stopped arriving",
                    );
                    Some((Err(err), None))
                }
            }
        }
    });
    Body::from_bytes_stream(limited)
}
