//! A fresh database with the seeded dataset, and its removal after the run.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use persistence::Store;
use persistence::seed::{Manifest, Plan};

use crate::{Args, Backend, Scale};

/// The password of every seeded account.
pub const PASSWORD: &str = "load-test-password-2026";

/// A seeded database, ready for the server.
#[derive(Debug)]
pub struct Prepared {
    /// The database's URL.
    pub url: String,
    /// The server's `GRANTS_DATABASE_URL`: [`Prepared::url`], on PostgreSQL without TLS
    /// unless `--postgres-tls` (the server and the database share the machine).
    pub server_url: String,
    /// What was seeded.
    pub manifest: Manifest,
    /// How long seeding took.
    pub seed_time: Duration,
}

/// Creates the database, migrates it and seeds the dataset of `args.scale`.
///
/// # Errors
/// When the database cannot be created, migrated or seeded.
pub async fn prepare(args: &Args, run_dir: &Path) -> anyhow::Result<Prepared> {
    let url = match args.database {
        Backend::Sqlite => {
            let file = std::path::absolute(run_dir.join("grants.sqlite"))?;
            format!("sqlite://{}?mode=rwc", file.display())
        }
        Backend::Postgres => persistence::testdb::create_postgres_database(&args.postgres_url)
            .await
            .context("creating the PostgreSQL database")?,
    };
    let hash = tokio::task::spawn_blocking(|| {
        Argon2::default()
            .hash_password(PASSWORD.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))
    })
    .await??;
    let now = chrono::Utc::now();
    let plan = match args.scale {
        Scale::Full => Plan::full(hash, now),
        Scale::Small => Plan::small(hash, now),
    };
    let store = Store::connect(&url, 2).await.context("connecting")?;
    store.migrate().await.context("migrating")?;
    eprintln!("seeding {:?} dataset into {:?}", args.scale, args.database);
    let started = Instant::now();
    let manifest = store.seed(&plan).await.context("seeding")?;
    let seed_time = started.elapsed();
    store
        .close()
        .await
        .context("closing the seeding connection")?;
    eprintln!(
        "seeded in {:.1} s: {:?}",
        seed_time.as_secs_f64(),
        manifest.counts
    );
    let server_url = if args.database == Backend::Postgres && !args.postgres_tls {
        format!("{url}?sslmode=disable")
    } else {
        url.clone()
    };
    Ok(Prepared {
        url,
        server_url,
        manifest,
        seed_time,
    })
}

impl Prepared {
    /// Drops a PostgreSQL database; a SQLite file stays in the run directory.
    pub async fn dispose(&self, args: &Args) {
        if args.database == Backend::Postgres
            && let Err(e) =
                persistence::testdb::drop_postgres_database(&args.postgres_url, &self.url).await
        {
            eprintln!("could not drop the load-test database: {e}");
        }
    }
}
