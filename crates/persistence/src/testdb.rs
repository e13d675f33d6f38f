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
