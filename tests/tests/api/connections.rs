//! Idle, trickling and stalled clients cannot hold the service's connections.

use std::time::Duration;

use grants_tests::{TestApp, spawn_app_configured};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn app(max_connections: u32) -> TestApp {
    spawn_app_configured(|settings| {
        settings.header_timeout_secs = 1;
        settings.body_idle_secs = 1;
        settings.max_connections = max_connections;
    })
    .await
}

fn address(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection; returns what it sent, or `None` when it
/// kept the connection open past `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    match read {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn five_hundred_idle_sockets_neither_block_a_client_nor_stay_open() {
    let app = app(4096).await;
    let address = address(&app);
    let mut idle = Vec::new();
    for _ in 0..500 {
        idle.push(
            TcpStream::connect(&address)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    // A client that does speak is answered at once.
    let answered = tokio::time::timeout(
        Duration::from_secs(2),
        app.client.get(format!("{}/health", app.base)).send(),
    )
    .await;
    assert!(
        matches!(&answered, Ok(Ok(response)) if response.status() == 200),
        "{answered:?}"
    );
    // Every silent socket is closed after the header timeout (1 s here).
    for stream in &mut idle {
        assert!(
            closed_within(stream, Duration::from_secs(5))
                .await
                .is_some(),
            "an idle socket stayed open"
        );
    }
}

#[tokio::test]
async fn headers_sent_a_line_at_a_time_do_not_keep_a_connection() {
    let app = app(4096).await;
    let mut stream = TcpStream::connect(address(&app))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: grants\r\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // One more header line every 300 ms would go on for 6 s; the head must be complete
    // within the header timeout, however often bytes come.
    let started = tokio::time::Instant::now();
    let mut closed = false;
    for i in 0..20 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if stream
            .write_all(format!("X-Trickle-{i}: a\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
    }
    if !closed {
        closed = closed_within(&mut stream, Duration::from_millis(100))
            .await
            .is_some();
    }
    assert!(closed, "the trickling connection was kept");
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_408_but_a_slow_one_goes_through() {
    let app = app(4096).await;
    let address = address(&app);
    let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: grants\r\n\
                Content-Type: application/json\r\nContent-Length: 60\r\n\r\n";
    let mut stalled = TcpStream::connect(&address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    stalled
        .write_all(format!("{head}{{\"email\":").as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = closed_within(&mut stalled, Duration::from_secs(5))
        .await
        .unwrap_or_else(|| panic!("a stalled body kept its connection"));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("/problems/request-timeout"), "{answer}");

    // The same body a few bytes at a time, each within the idle time but 3 s in all:
    // the limit is on silence, never on the total.
    let body = r#"{"email":"a@mail.kz","password":"not-the-password-at-all"}"#;
    let head = head.replace("60", &body.len().to_string());
    let mut slow = TcpStream::connect(&address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    slow.write_all(head.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for chunk in body.as_bytes().chunks(body.len().div_ceil(6)) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        slow.write_all(chunk)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let mut answer = vec![0_u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut answer))
        .await
        .unwrap_or_else(|_| panic!("no answer"))
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

#[tokio::test]
async fn over_the_connection_cap_a_client_waits_for_a_free_slot() {
    let app = app(4).await;
    let address = address(&app);
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(
            TcpStream::connect(&address)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    // The fifth connection is served once the header timeout frees a slot.
    let answered = tokio::time::timeout(
        Duration::from_secs(5),
        app.client.get(format!("{}/health", app.base)).send(),
    )
    .await;
    assert!(
        matches!(&answered, Ok(Ok(response)) if response.status() == 200),
        "{answered:?}"
    );
}
