//! The errors every repository method returns.

use sea_orm::{DbErr, SqlErr};

/// What a write clashed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Clash {
    /// The row changed since the version the caller read.
    #[error("version")]
    Version,
    /// The e-mail address belongs to another account.
    #[error("email")]
    Email,
    /// The BIN belongs to another verified organisation.
    #[error("bin")]
    Bin,
    /// The organisation is verified already.
    #[error("verification")]
    Verified,
    /// The account is already a member of the organisation.
    #[error("member")]
    Member,
    /// The row is no longer in the status the change starts from.
    #[error("status")]
    Status,
    /// The refresh token is already stored.
    #[error("refresh token")]
    RefreshToken,
    /// Another request holds or answered the idempotency key.
    #[error("idempotency key")]
    IdempotencyKey,
    /// The reviewer is already in the call's pool.
    #[error("pool member")]
    PoolMember,
    /// The reviewer already declared a conflict with the organisation.
    #[error("declared conflict")]
    DeclaredConflict,
    /// The reviewer is already assigned to the application.
    #[error("assignment")]
    Assignment,
    /// Several registrations of the address are pending, so only its holder can say
    /// which one is theirs.
    #[error("several registrations")]
    SeveralRegistrations,
}

/// Why a repository method failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The row does not exist, or the caller may not see it.
    #[error("not found")]
    NotFound,
    /// A unique value is taken or a concurrent change won; names what clashed.
    #[error("conflict on {0}")]
    Conflict(Clash),
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
    pub(crate) fn unique(err: DbErr, what: Clash) -> Self {
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
/// after the busy timeout, a PostgreSQL serialisation failure or deadlock, or a connection
/// lost on the way (PostgreSQL restarting, the network dropping). A retry may succeed, so
/// these are reported as unavailable rather than as bugs.
fn is_transient(err: &DbErr) -> bool {
    let lost = if let DbErr::Conn(e) | DbErr::Exec(e) | DbErr::Query(e) = err
        && let sea_orm::RuntimeErr::SqlxError(sqlx) = e
    {
        connection_lost(sqlx)
    } else {
        false
    };
    if lost {
        return true;
    }
    let text = err.to_string();
    [
        "database is locked",
        "could not serialize access",
        "deadlock detected",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// Whether sqlx lost its connection rather than got an answer: I/O and protocol failures,
/// a closed or exhausted pool, and PostgreSQL's connection-exception (08) and
/// operator-intervention (57P01–57P03, shutting down or starting up) codes.
fn connection_lost(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    if let Error::Database(db) = err {
        return db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        });
    }
    matches!(
        err,
        Error::Io(_)
            | Error::Tls(_)
            | Error::Protocol(_)
            | Error::PoolTimedOut
            | Error::PoolClosed
            | Error::WorkerCrashed
    )
}
