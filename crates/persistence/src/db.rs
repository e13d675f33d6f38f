//! Connecting, migrating and checking the database.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// The handle every use case runs through. Cheap to clone: it shares one pool.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`).
    ///
    /// An in-memory SQLite database lives only as long as its connection, so its pool is
    /// pinned to one connection that never expires. SQLite files run in WAL mode, so readers
    /// never wait for the writer.
    ///
    /// # Errors
    /// The database's error when it cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        let in_memory = url.starts_with("sqlite::memory:") || url.contains("mode=memory");
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(5));
        if in_memory {
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        } else {
            options.max_connections(max_connections);
        }
        if url.starts_with("sqlite:") {
            options.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        }
        let db = Database::connect(options).await?;
        Ok(Self { db })
    }

    /// Applies every pending migration.
    ///
    /// # Errors
    /// The database's error when a migration fails; the failing migration is rolled back
    /// where the database supports transactional DDL.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.db, None).await
    }

    /// Checks that the database answers a trivial query.
    ///
    /// # Errors
    /// The database's error when it does not.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    /// Which database this store talks to.
    #[must_use]
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Closes the pool, waiting for connections to be returned.
    ///
    /// # Errors
    /// The database's error when closing fails.
    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }
}
