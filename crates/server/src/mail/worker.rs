//! The outbox worker: claims due rows under a lease, composes and sends them, and marks each
//! one sent or reschedules it with backoff; once a minute it queues due reminders. Safe to
//! run in every replica: the database decides which worker sends which row.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use persistence::Store;
use persistence::outbox::{Letter, Undeliverable};
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::backoff::{Backoff, random_unit};
use super::compose::Letterhead;
use super::templates::Templates;
use super::transport::{SendError, Transport};
use crate::clock::Clock;
use crate::config::Settings;
use crate::metrics::{MailOutcome, Metrics};

/// How long sent and cancelled rows stay in the outbox, for admins to look back on.
pub const KEEP_SENT_DAYS: i64 = 30;

/// How often old rows are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Rows claimed at once.
    pub batch: u64,
    /// Mails in flight at once (and SMTP connections in the pool).
    pub concurrency: u32,
    /// How long a claim holds a row before another worker may take it.
    pub lease: chrono::Duration,
    /// The longest one mail's whole SMTP exchange may take; at most half the lease.
    pub send_timeout: Duration,
    /// Retries.
    pub backoff: Backoff,
    /// The pause when nothing is due.
    pub poll: Duration,
    /// How often reminders are looked for.
    pub reminder_every: Duration,
}

impl WorkerConfig {
    /// The pacing `settings` ask for.
    #[must_use]
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            // Two rounds per connection per claim: few claims, short batches.
            batch: u64::from(settings.mail_concurrency) * 2,
            concurrency: settings.mail_concurrency,
            // Settings keep the lease within a day.
            lease: chrono::Duration::seconds(
                i64::try_from(settings.mail_lease_secs).unwrap_or(86_400),
            ),
            send_timeout: Duration::from_secs(settings.mail_send_timeout_secs),
            backoff: Backoff {
                base: Duration::from_millis(settings.mail_retry_base_ms),
                cap: Duration::from_secs(3600),
                max_attempts: settings.mail_max_attempts,
            },
            poll: Duration::from_millis(settings.mail_poll_ms),
            reminder_every: Duration::from_secs(60),
        }
    }
}

/// Templates, letterhead and transport: everything needed to turn a row into a sent mail.
#[derive(Debug)]
pub struct Mailer {
    templates: Templates,
    letterhead: Letterhead,
    transport: Transport,
}

impl Mailer {
    /// The mailer `settings` describe.
    ///
    /// # Errors
    /// When the sender address, the public URL or the SMTP settings are unusable.
    pub fn from_settings(
        settings: &Settings,
        confirmations: crate::auth::Confirmations,
        connections: u32,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = settings.mail_from.parse().with_context(|| {
            format!("GRANTS_MAIL_FROM {:?} is not a mailbox", settings.mail_from)
        })?;
        let id_domain = from.email.domain().to_owned();
        Ok(Self {
            templates: Templates::load().context("loading the mail templates")?,
            letterhead: Letterhead {
                from,
                public_url: settings.public_url.trim_end_matches('/').to_owned(),
                id_domain,
                confirmations,
                operator_contact: settings.operator_contact.clone(),
            },
            transport: Transport::from_settings(settings, connections)?,
        })
    }

    /// The Message-ID a row's mail carries.
    #[must_use]
    pub fn message_id(&self, id: uuid::Uuid) -> String {
        self.letterhead.message_id(id)
    }
}

/// A running worker.
#[derive(Debug)]
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming, lets the mails in flight finish, and waits for the worker to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "mail worker ended abnormally");
        }
    }
}

/// Sends the outbox.
#[derive(Debug, Clone)]
pub struct Worker {
    store: Store,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    mailer: Arc<Mailer>,
    config: WorkerConfig,
}

impl Worker {
    /// A worker over `store`.
    #[must_use]
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        mailer: Arc<Mailer>,
        config: WorkerConfig,
    ) -> Self {
        Self {
            store,
            clock,
            metrics,
            mailer,
            config,
        }
    }

    /// Runs until stopped through the handle.
    #[must_use]
    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, task }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        tracing::info!("mail worker started");
        let mut next_reminders = tokio::time::Instant::now();
        let mut next_purge = tokio::time::Instant::now();
        while !*stopped.borrow() {
            if tokio::time::Instant::now() >= next_purge {
                next_purge += PURGE_EVERY;
                let before = self.clock.now() - chrono::Duration::days(KEEP_SENT_DAYS);
                match self.store.purge_mail(before).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "old sent mail purged from the outbox"),
                    Err(err) => tracing::warn!(error = %err, "purging the outbox failed"),
                }
            }
            if tokio::time::Instant::now() >= next_reminders {
                next_reminders += self.config.reminder_every;
                match self.store.enqueue_reminders(self.clock.now()).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "review reminders queued"),
                    Err(err) => tracing::warn!(error = %err, "queueing reminders failed"),
                }
            }
            let pause = match self.run_once().await {
                // A full batch means more may be waiting.
                Ok(claimed) if claimed as u64 >= self.config.batch => continue,
                Ok(_) => self.config.poll,
                Err(err) => {
                    tracing::warn!(error = format!("{err:#}"), "mail worker round failed");
                    self.config.poll
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = stopped.changed() => {}
            }
        }
        tracing::info!("mail worker stopped");
    }

    /// Claims one batch of due rows and sends it; returns how many rows were claimed.
    ///
    /// Each mail is marked as soon as the mail server accepts it, so only a crash in that
    /// instant sends a mail twice (with the same Message-ID). Sends start only in the first
    /// half of the lease: rows not started by then go back to the queue, so a row is taken
    /// again by another worker only if one send outlasts half a lease.
    ///
    /// # Errors
    /// When the claim fails; failures of single mails are recorded on their rows.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let claimed_at = tokio::time::Instant::now();
        let letters = self
            .store
            .claim_mail(self.clock.now(), self.config.lease, self.config.batch)
            .await
            .context("claiming mail")?;
        let claimed = letters.len();
        let Some(claim) = letters.first().map(|l| match l {
            Ok(letter) => letter.claim,
            Err(lost) => lost.claim,
        }) else {
            return Ok(0);
        };
        let send_until = claimed_at + self.config.lease.to_std().unwrap_or_default() / 2;
        let slots = Arc::new(Semaphore::new(self.config.concurrency.max(1) as usize));
        let mut sending = JoinSet::new();
        for letter in letters {
            let worker = self.clone();
            let slots = Arc::clone(&slots);
            sending.spawn(async move {
                let _slot = slots.acquire_owned().await;
                worker.deliver(letter, send_until).await
            });
        }
        let mut unsent = Vec::new();
        while let Some(done) = sending.join_next().await {
            match done {
                Ok(Some(id)) => unsent.push(id),
                Ok(None) => {}
                Err(err) => tracing::error!(error = %err, "a mail task ended abnormally"),
            }
        }
        if !unsent.is_empty() {
            tracing::warn!(
                unsent = unsent.len(),
                "half the lease passed before these mails could start; they go back to the queue"
            );
            if let Err(err) = self
                .store
                .release_mail(&unsent, claim, self.clock.now())
                .await
            {
                tracing::error!(error = %err, "releasing unsent mail failed");
            }
        }
        Ok(claimed)
    }

    /// Sends one letter and records the outcome on its row; returns the row's id when it
    /// was not started for lack of lease.
    async fn deliver(
        &self,
        letter: Result<Letter, Undeliverable>,
        send_until: tokio::time::Instant,
    ) -> Option<uuid::Uuid> {
        let letter = match letter {
            Ok(letter) => letter,
            Err(lost) if !lost.owed => {
                tracing::info!(outbox_id = %lost.id, why = %lost.why, "mail no longer owed");
                let now = self.clock.now();
                match self
                    .store
                    .mark_cancelled(lost.id, lost.claim, now, &lost.why)
                    .await
                {
                    Ok(_) => {}
                    Err(err) => {
                        tracing::error!(outbox_id = %lost.id, error = %err, "cancelling mail failed")
                    }
                }
                return None;
            }
            Err(lost) => {
                tracing::error!(outbox_id = %lost.id, why = %lost.why, "mail cannot be written");
                self.record_failure(lost.id, lost.claim, &lost.why, None)
                    .await;
                return None;
            }
        };
        let attempts = u32::try_from(letter.attempts).unwrap_or(u32::MAX);
        if attempts > self.config.backoff.max_attempts {
            // Earlier claims lapsed without an outcome (a worker died each time).
            let why = "no attempt left: earlier attempts ended without an outcome";
            self.record_failure(letter.id, letter.claim, why, None)
                .await;
            return None;
        }
        if tokio::time::Instant::now() > send_until {
            return Some(letter.id);
        }
        let message = match self
            .mailer
            .letterhead
            .compose(&self.mailer.templates, &letter)
        {
            Ok(message) => message,
            Err(err) => {
                tracing::error!(outbox_id = %letter.id, error = %err, "mail cannot be composed");
                self.record_failure(letter.id, letter.claim, &err.to_string(), None)
                    .await;
                return None;
            }
        };
        let sent = tokio::time::timeout(
            self.config.send_timeout,
            self.mailer.transport.send(letter.id, message),
        )
        .await
        .unwrap_or_else(|_| {
            Err(SendError {
                text: format!(
                    "the mail server did not finish within {} s",
                    self.config.send_timeout.as_secs_f32()
                ),
            })
        });
        match sent {
            Ok(()) => {
                match self
                    .store
                    .mark_sent(&[letter.id], letter.claim, self.clock.now())
                    .await
                {
                    Ok(marked) => {
                        self.metrics.record_sent(marked);
                        if marked == 0 {
                            tracing::warn!(outbox_id = %letter.id, "mail claim lapsed before it was marked");
                        }
                    }
                    Err(err) => {
                        tracing::error!(outbox_id = %letter.id, error = %err, "marking sent mail failed");
                    }
                }
            }
            Err(err) => {
                // Every refusal is retried, even a permanent-looking one: a wrong SMTP
                // password answers 535 to every mail, and must not fail them all at once.
                let retry = self.config.backoff.after(attempts, random_unit());
                tracing::warn!(
                    outbox_id = %letter.id,
                    attempts,
                    retry_in_ms = retry.map(|d| d.as_millis()),
                    error = %err,
                    "mail not sent"
                );
                self.record_failure(letter.id, letter.claim, &err.text, retry)
                    .await;
            }
        }
        None
    }

    async fn record_failure(
        &self,
        id: uuid::Uuid,
        claim: uuid::Uuid,
        error: &str,
        retry: Option<Duration>,
    ) {
        let now = self.clock.now();
        let retry_at = retry
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| now + d);
        self.metrics.record_mail(match retry_at {
            Some(_) => MailOutcome::Retrying,
            None => MailOutcome::GivenUp,
        });
        match self
            .store
            .mark_attempt_failed(id, claim, now, error, retry_at)
            .await
        {
            Ok(true) => {}
            // The lease lapsed and another worker took the row; it will report it.
            Ok(false) => tracing::warn!(outbox_id = %id, "mail claim lapsed before it was marked"),
            Err(err) => tracing::error!(outbox_id = %id, error = %err, "marking mail failed"),
        }
    }
}
