//! Connecting, migrating and checking the database.

use std::time::Duration;

use std::collections::BTreeSet;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

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
        // Every statement is logged at debug level under the `sqlx::query` target (seen
        // with `GRANTS_LOG=sqlx::query=debug,info`), one slower than a second as a warning.
        options
            .sqlx_logging(true)
            .sqlx_logging_level(log::LevelFilter::Debug)
            .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, Duration::from_secs(1))
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

    /// Whether the database holds exactly the migrations this binary knows: none missing
    /// (a database recreated empty, or not yet migrated) and none unknown (a newer release
    /// migrated it). Reads only; never creates the migrations table.
    ///
    /// # Errors
    /// The database's error when it cannot be queried for a reason other than a missing
    /// migrations table.
    pub async fn schema_current(&self) -> Result<bool, DbErr> {
        let backend = self.db.get_database_backend();
        let table_exists = if backend == DbBackend::Postgres {
            "SELECT 1 AS present FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
        } else {
            "SELECT 1 AS present FROM sqlite_master \
             WHERE type = 'table' AND name = 'seaql_migrations'"
        };
        let present = self
            .db
            .query_one_raw(Statement::from_string(backend, table_exists))
            .await?
            .is_some();
        if !present {
            return Ok(false);
        }
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT version FROM seaql_migrations",
            ))
            .await?;
        let applied = rows
            .iter()
            .map(|row| row.try_get::<String>("", "version"))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let known: BTreeSet<String> = Migrator::migrations()
            .iter()
            .map(|migration| migration.name().to_owned())
            .collect();
        Ok(applied == known)
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
