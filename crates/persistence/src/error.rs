//! The errors every repository method returns.

use sea_orm::{DbErr, SqlErr};

/// Why a repository method failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The row does not exist, or the caller may not see it.
    #[error("not found")]
    NotFound,
    /// A unique value is taken or a concurrent change won; names what clashed.
    #[error("conflict on {0}")]
    Conflict(&'static str),
    /// A stored row no longer decodes into a consistent record.
    #[error("stored {table} row {id} is inconsistent: {detail}")]
    Corrupt {
        /// Table of the row.
        table: &'static str,
        /// Key of the row.
        id: String,
        /// What failed to decode.
        detail: String,
    },
    /// The database cannot be reached right now; retrying later may succeed.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// The database failed in a way the caller cannot act on.
    #[error("database error")]
    Unexpected(#[source] DbErr),
}

impl RepoError {
    /// Maps a database error, turning a unique-constraint violation into
    /// [`RepoError::Conflict`] named `what`.
    pub(crate) fn unique(err: DbErr, what: &'static str) -> Self {
        if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            Self::Conflict(what)
        } else {
            Self::from(err)
        }
    }
}

impl From<DbErr> for RepoError {
    fn from(err: DbErr) -> Self {
        if matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) || is_transient(&err) {
            Self::Unavailable(err)
        } else {
            Self::Unexpected(err)
        }
    }
}

/// Whether the database refused for a moment rather than for good: SQLite still locked
/// after the busy timeout, or a PostgreSQL serialisation failure or deadlock. A retry may
/// succeed, so these are reported as unavailable rather than as bugs.
fn is_transient(err: &DbErr) -> bool {
    let text = err.to_string();
    [
        "database is locked",
        "could not serialize access",
        "deadlock detected",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}
