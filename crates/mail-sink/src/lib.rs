//! An SMTP server that runs inside a test or benchmark: it speaks the protocol through
//! `mailin` over real TCP connections, accepts every mail (or refuses them with a temporary
//! failure on request, to imitate a failing server) and keeps what it received for inspection.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mail_parser::MessageParser;
use mailin::{Action, Handler, Response, SessionBuilder, response};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One mail as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message as sent, headers and body.
    pub data: Vec<u8>,
}

impl Received {
    fn parsed(&self) -> Option<mail_parser::Message<'_>> {
        MessageParser::default().parse(&self.data)
    }

    /// The `Message-ID` without angle brackets.
    #[must_use]
    pub fn message_id(&self) -> Option<String> {
        self.parsed()?.message_id().map(str::to_owned)
    }

    /// The decoded subject.
    #[must_use]
    pub fn subject(&self) -> Option<String> {
        self.parsed()?.subject().map(str::to_owned)
    }

    /// The decoded plain-text body.
    #[must_use]
    pub fn text(&self) -> Option<String> {
        self.parsed()?.body_text(0).map(|t| t.into_owned())
    }

    /// The decoded HTML body.
    #[must_use]
    pub fn html(&self) -> Option<String> {
        self.parsed()?.body_html(0).map(|t| t.into_owned())
    }

    /// A header's raw value, for headers the parser has no accessor for.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<String> {
        let parsed = self.parsed()?;
        parsed.header_raw(name).map(|v| v.trim().to_owned())
    }
}

#[derive(Debug, Default)]
struct Shared {
    mails: Mutex<Vec<Received>>,
    arrived: Notify,
    refusing: AtomicBool,
    data_reply_delay_ms: AtomicU64,
}

/// A running sink. Dropping it stops listening and closes every connection.
#[derive(Debug)]
pub struct MailSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl MailSink {
    /// Starts a sink on a free port of 127.0.0.1.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start() -> io::Result<Self> {
        Self::start_on("127.0.0.1:0".parse().map_err(io::Error::other)?).await
    }

    /// Starts a sink on `addr`.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start_on(addr: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn(accept(listener, Arc::clone(&shared)));
        Ok(Self { addr, shared, task })
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// An `smtp://` URL for it, without TLS.
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.addr)
    }

    /// While `true`, every mail is answered with a temporary failure (451) and not kept.
    pub fn refuse(&self, refusing: bool) {
        self.shared.refusing.store(refusing, Ordering::SeqCst);
    }

    /// Answers the end of every mail's data only after `delay`, like a slow relay. The mail
    /// is kept before the pause, as a relay that accepted it would.
    pub fn delay_data_reply(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.shared
            .data_reply_delay_ms
            .store(millis, Ordering::SeqCst);
    }

    /// Everything received so far.
    #[must_use]
    pub fn mails(&self) -> Vec<Received> {
        self.shared
            .mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Removes and returns everything received so far, so later counts start from zero.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(
            &mut *self
                .shared
                .mails
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Waits until at least `count` mails have arrived or `timeout` passes, and returns
    /// what arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            if self.count() >= count {
                break;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                break;
            }
        }
        self.mails()
    }

    /// How many mails have arrived.
    #[must_use]
    pub fn count(&self) -> usize {
        self.shared
            .mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let builder = SessionBuilder::new("mail-sink.test");
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        // Finished sessions are reaped here; the set aborts the rest when the sink stops.
        while sessions.try_join_next().is_some() {}
        sessions.spawn(serve(
            stream,
            peer.ip(),
            builder.clone(),
            Arc::clone(&shared),
        ));
    }
}

async fn serve(stream: TcpStream, ip: IpAddr, builder: SessionBuilder, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut session = builder.build(ip, Collector::new(Arc::clone(&shared)));
    if reply(&mut write, &session.greeting()).await.is_err() {
        return;
    }
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let answer = session.process(&line);
        let delay = shared.data_reply_delay_ms.load(Ordering::SeqCst);
        if delay > 0 && line == b".\r\n" {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        match answer.action {
            Action::NoReply => {}
            Action::Reply => {
                if reply(&mut write, &answer).await.is_err() {
                    return;
                }
            }
            Action::Close | Action::UpgradeTls => {
                let _ = reply(&mut write, &answer).await;
                return;
            }
        }
    }
}

async fn reply(write: &mut tokio::net::tcp::OwnedWriteHalf, answer: &Response) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(64);
    answer.write_to(&mut bytes)?;
    write.write_all(&bytes).await
}

/// Collects one session's mails.
struct Collector {
    shared: Arc<Shared>,
    current: Option<Received>,
}

impl Collector {
    fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            current: None,
        }
    }
}

impl Handler for Collector {
    // Refusals come at MAIL FROM: the session stays ready for the next transaction, which
    // it would not after a refusal at the end of DATA.
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        if self.shared.refusing.load(Ordering::SeqCst) {
            response::INTERNAL_ERROR
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received {
            from: from.to_owned(),
            to: to.to_vec(),
            data: Vec::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let Some(mail) = self.current.take() else {
            return response::OK;
        };
        self.shared
            .mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mail);
        self.shared.arrived.notify_waiters();
        response::OK
    }
}
