//! Fresh databases for tests: an in-memory SQLite database, or a new PostgreSQL database
//! created next to the one `TEST_DATABASE_URL` names.

use sea_orm::{ConnectionTrait, Database, DbErr};
use uuid::Uuid;

use crate::Store;

/// The environment variable naming a PostgreSQL server for tests.
pub const ENV: &str = "TEST_DATABASE_URL";

/// The PostgreSQL URL from `TEST_DATABASE_URL`, when set and non-empty.
#[must_use]
pub fn postgres_url() -> Option<String> {
    std::env::var(ENV).ok().filter(|url| !url.trim().is_empty())
}

/// Creates an empty PostgreSQL database named `grants_t_<random>` on the server of
/// `admin_url` and returns its URL.
///
/// # Errors
/// The database's error when the server refuses.
pub async fn create_postgres_database(admin_url: &str) -> Result<String, DbErr> {
    let name = format!("grants_t_{}", Uuid::new_v4().simple());
    let admin = Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    admin.close().await?;
    let (base, _) = admin_url.rsplit_once('/').unwrap_or((admin_url, ""));
    Ok(format!("{base}/{name}"))
}

/// Drops the database `url` names (made by [`create_postgres_database`]) from the server of
/// `admin_url`, closing its other connections first.
///
/// # Errors
/// The database's error when the server refuses.
pub async fn drop_postgres_database(admin_url: &str, url: &str) -> Result<(), DbErr> {
    let name = url.rsplit_once('/').map_or(url, |(_, name)| name);
    let admin = Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    admin.close().await
}

/// A migrated store on a fresh in-memory SQLite database.
///
/// # Errors
/// The database's error when connecting or migrating fails.
pub async fn sqlite_memory() -> Result<Store, DbErr> {
    let store = Store::connect("sqlite::memory:", 1).await?;
    store.migrate().await?;
    Ok(store)
}

/// A migrated store on a fresh PostgreSQL database on the server of `admin_url`.
///
/// # Errors
/// The database's error when creating, connecting or migrating fails.
pub async fn postgres(admin_url: &str) -> Result<Store, DbErr> {
    let url = create_postgres_database(admin_url).await?;
    let store = Store::connect(&url, 5).await?;
    store.migrate().await?;
    Ok(store)
}

/// Declares, for each named `async fn(Store)` of the calling module, a test on a fresh
/// in-memory SQLite database in module `$sqlite` and one on a fresh PostgreSQL database in
/// module `$postgres`. The PostgreSQL tests are skipped with a notice when
/// `TEST_DATABASE_URL` is unset, and fail then under `CI`.
#[macro_export]
macro_rules! on_both_databases {
    ($sqlite:ident, $postgres:ident; $($name:ident),+ $(,)?) => {
        mod $sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let store = $crate::testdb::sqlite_memory()
                        .await
                        .unwrap_or_else(|e| panic!("sqlite: {e}"));
                    super::$name(store).await;
                }
            )+
        }
        mod $postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(url) = $crate::testdb::postgres_url() else {
                        assert!(std::env::var("CI").is_err(), "CI must set {}", $crate::testdb::ENV);
                        eprintln!("skipped: {} is not set", $crate::testdb::ENV);
                        return;
                    };
                    let store = $crate::testdb::postgres(&url)
                        .await
                        .unwrap_or_else(|e| panic!("postgres: {e}"));
                    super::$name(store).await;
                }
            )+
        }
    };
}

impl Store {
    /// Reverts every migration, leaving the database as empty as a newly created one, for
    /// tests of a server whose database was recreated under it.
    ///
    /// # Errors
    /// The database's error when a migration fails to revert.
    pub async fn revert_all_migrations(&self) -> Result<(), DbErr> {
        use migration::{Migrator, MigratorTrait};
        Migrator::down(&self.db, None).await?;
        self.db
            .execute_unprepared("DROP TABLE IF EXISTS seaql_migrations")
            .await
            .map(drop)
    }
}

impl Store {
    /// Applies only the first `steps` pending migrations, for tests of a later migration
    /// over data an earlier release wrote.
    ///
    /// # Errors
    /// The database's error when a migration fails.
    pub async fn migrate_steps(&self, steps: u32) -> Result<(), DbErr> {
        use migration::{Migrator, MigratorTrait};
        Migrator::up(&self.db, Some(steps)).await
    }

    /// Runs `sql` as it is, for tests that write rows the way an earlier release did.
    ///
    /// # Errors
    /// The database's error.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, DbErr> {
        self.db
            .execute_unprepared(sql)
            .await
            .map(|done| done.rows_affected())
    }
}
