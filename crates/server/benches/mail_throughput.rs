//! How fast the mail worker drains the outbox into a local SMTP server.
//!
//! Seeds 5,000 queued mails (500 applications withdrawn by an organisation of ten members)
//! through the persistence layer, starts the worker as `grants serve` would, against an
//! SMTP server in this process, and reports mails per second from the first claim to the
//! last acceptance. SQLite file by default; set `BENCH_DATABASE_URL` to a PostgreSQL
//! maintenance database URL to run it on a fresh PostgreSQL database instead, and
//! `BENCH_MAIL_CONCURRENCY` to send more or fewer mails at once than the default.
//!
//! Run: `cargo bench -p grants-server --bench mail_throughput`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use domain::application::ApplicationContent;
use domain::event::{Event, Transition};
use domain::language::Language;
use domain::organization::MemberRole;
use domain::region::Region;
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::Actor;
use mail_sink::MailSink;
use persistence::applications::ActedBy;
use persistence::{Store, fixtures};
use server::clock::SystemClock;
use server::config::{MailTransport, Secret, Settings};
use server::mail::WorkerConfig;

const MEMBERS: usize = 10;
const APPLICATIONS: usize = 500;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("grants-mail-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let (database, backend) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(admin) => (
            persistence::testdb::create_postgres_database(&admin).await?,
            "PostgreSQL",
        ),
        Err(_) => (
            format!("sqlite://{}?mode=rwc", dir.join("grants.sqlite").display()),
            "SQLite",
        ),
    };
    let sink = MailSink::start().await?;
    let settings = Settings {
        data_dir: dir.clone(),
        database_url: Some(Secret::new(database)),
        jwt_secret: Some(Secret::new("benchmark-secret-that-is-long-enough")),
        mail_transport: MailTransport::Smtp,
        smtp_url: Some(Secret::new(sink.url())),
        mail_from: "Гранты <grants@granty.test>".to_owned(),
        mail_poll_ms: 20,
        mail_concurrency: match std::env::var("BENCH_MAIL_CONCURRENCY") {
            Ok(n) => n.parse()?,
            Err(_) => Settings::default().mail_concurrency,
        },
        ..Settings::default()
    };
    let config = WorkerConfig::from_settings(&settings);
    let state = server::app::build_state(settings, Arc::new(SystemClock)).await?;
    let seeded = Instant::now();
    let queued = seed(&state.store).await?;
    eprintln!(
        "seeded {queued} mails in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let worker = server::app::start_worker(&state, config)?;
    let mails = sink.wait_for(queued, Duration::from_secs(600)).await;
    let elapsed = started.elapsed().as_secs_f64();
    worker.stop().await;
    let counts = state.store.outbox_counts().await?;
    anyhow::ensure!(
        mails.len() == queued && counts.pending == 0 && counts.failed == 0,
        "{} mails arrived of {queued}; {} still pending, {} failed",
        mails.len(),
        counts.pending,
        counts.failed
    );
    #[allow(clippy::cast_precision_loss)]
    let rate = queued as f64 / elapsed;
    println!(
        "mail worker on {backend}: {queued} mails in {elapsed:.2} s = {rate:.0} mails/s \
         (batch {}, {} in flight)",
        config.batch, config.concurrency
    );
    state.store.close().await?;
    std::fs::remove_dir_all(dir).ok();
    Ok(())
}

/// Queues `MEMBERS × APPLICATIONS` mails; returns how many.
async fn seed(store: &Store) -> anyhow::Result<usize> {
    let now = Utc::now();
    let mut owner = None;
    for i in 0..MEMBERS {
        let language = Language::ALL[i % Language::ALL.len()];
        let member = fixtures::user(&format!("member{i}@mail.kz"), Role::Applicant, language);
        owner.get_or_insert(store.create_user(member, now).await?.id);
    }
    let owner = owner.ok_or_else(|| anyhow::anyhow!("no members"))?;
    let org = store
        .create_organization(owner, fixtures::organization(now.date_naive()), now)
        .await?
        .id;
    for i in 1..MEMBERS {
        store
            .add_member(org, &format!("member{i}@mail.kz"), MemberRole::Member, now)
            .await?;
    }
    let officer = fixtures::user("officer@grants.kz", Role::Officer, Language::Ru);
    let officer = store.create_user(officer, now).await?.id;
    let call = store
        .create_call(&fixtures::call(now), officer, now)
        .await?
        .id;
    let withdraw = Transition {
        event: Event::Withdrawn,
        from: ApplicationStatus::Draft,
        to: ApplicationStatus::Withdrawn,
        at: now,
    };
    let by = ActedBy {
        user: Some(owner),
        actor: Actor::Member,
    };
    for i in 0..APPLICATIONS {
        let content = ApplicationContent {
            title: Some(format!("Жоба {i:04}")),
            ..ApplicationContent::default()
        };
        let draft = store
            .create_application(call, org, Region::Aktobe, owner, &content, now)
            .await?;
        store
            .record_transition(draft.id, draft.version, &withdraw, by, None)
            .await?;
    }
    Ok(MEMBERS * APPLICATIONS)
}
