//! `grants health`: asks a running server on this machine whether it is ready, for
//! container health checks in an image that has no HTTP client.

use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long the whole probe may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The address to probe for a server bound to `bind`: a wildcard address is reached on
/// the loopback interface of the same family.
fn target(bind: &str) -> anyhow::Result<String> {
    let (host, port) = bind
        .rsplit_once(':')
        .with_context(|| format!("GRANTS_BIND {bind:?} has no port"))?;
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        other => other,
    };
    Ok(format!("{host}:{port}"))
}

/// Sends `GET path` to the server bound to `bind` and succeeds on a 200 answer.
///
/// # Errors
/// When the server cannot be reached within five seconds or answers anything but 200.
pub async fn check(bind: &str, path: &str) -> anyhow::Result<()> {
    let address = target(bind)?;
    let exchange = async {
        let mut stream = TcpStream::connect(&address)
            .await
            .with_context(|| format!("connecting to {address}"))?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut head = Vec::with_capacity(64);
        // The status line is all that matters; stop after it.
        let mut byte = [0_u8; 1];
        while head.len() < 256 && !head.ends_with(b"\r\n") {
            if stream.read(&mut byte).await? == 0 {
                break;
            }
            head.push(byte[0]);
        }
        anyhow::Ok(String::from_utf8_lossy(&head).trim().to_owned())
    };
    let status_line = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .with_context(|| format!("no answer from {address} within {} s", TIMEOUT.as_secs()))??;
    let status = status_line.split_whitespace().nth(1).unwrap_or_default();
    if status != "200" {
        bail!("{path} on {address} answered {status_line:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn wildcard_binds_are_probed_on_the_loopback() {
        assert_eq!(
            target("0.0.0.0:8080").ok().as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(target("[::]:8080").ok().as_deref(), Some("[::1]:8080"));
        assert_eq!(
            target("10.0.0.5:9000").ok().as_deref(),
            Some("10.0.0.5:9000")
        );
        assert!(target("nonsense").is_err());
    }
}
