//! A unit of work: one database transaction that a use case opens, reads and writes through,
//! and commits. Dropping a [`Tx`] without committing rolls everything back.
//!
//! The locks are writes to one row, so they work the same on SQLite (whose writers queue
//! for the database) and PostgreSQL (where they take the row's lock until commit):
//! - [`Tx::lock_call`] orders every change inside one call: status changes, assignments,
//!   reviews, decisions and pool changes;
//! - [`Tx::share_call`] is the lock's shared form, for changes that only need the call to
//!   stay as it is (new drafts, submissions): they run side by side, and wait only for a
//!   holder of the call's lock, as that holder waits for them. On SQLite, whose writers
//!   queue for the whole database, it is a plain read;
//! - [`Tx::lock_applications`] orders the changes of the same applications made under the
//!   shared form;
//! - [`Tx::lock_account`] orders the changes of one account that no call lock covers,
//!   such as a reviewer's conflict declarations against the assignments made to them.

use domain::ids::{ApplicationId, CallId, OrganizationId, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, call, organization, user};
use crate::error::RepoError;

/// An open transaction. Its methods are the reads and writes a use case composes.
#[derive(Debug)]
pub struct Tx {
    pub(crate) tx: DatabaseTransaction,
}

impl Store {
    /// Opens a transaction. On SQLite it takes the database's write lock at once (waiting
    /// up to the busy timeout for it): a transaction that read first could not upgrade to
    /// writing once another writer had committed after its reads.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when no connection can be had.
    pub async fn begin(&self) -> Result<Tx, RepoError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(Tx {
            tx: self.db.begin_with_options(options).await?,
        })
    }
}

impl Tx {
    /// Makes every write of the transaction durable.
    ///
    /// # Errors
    /// The database's error when the commit fails; nothing is written then.
    pub async fn commit(self) -> Result<(), RepoError> {
        self.tx.commit().await.map_err(RepoError::from)
    }

    /// Takes the lock of call `id` until the transaction ends.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the call does not exist.
    pub async fn lock_call(&self, id: CallId) -> Result<(), RepoError> {
        let id = id.uuid();
        let locked = call::Entity::update_many()
            .col_expr(call::Column::Version, Expr::col(call::Column::Version))
            .filter(call::Column::Id.eq(id))
            .exec(&self.tx)
            .await?;
        if locked.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        Ok(())
    }

    /// Takes the shared form of call `id`'s lock until the transaction ends: other holders
    /// of the shared form go on, a holder of [`Tx::lock_call`] waits, or is waited for.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the call does not exist.
    pub async fn share_call(&self, id: CallId) -> Result<(), RepoError> {
        call::Entity::find_by_id(id.uuid())
            .select_only()
            .column(call::Column::Id)
            .lock_shared()
            .into_tuple::<Uuid>()
            .one(&self.tx)
            .await?
            .map(|_| ())
            .ok_or(RepoError::NotFound)
    }

    /// Takes the locks of the applications among `ids` that exist until the transaction
    /// ends.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn lock_applications(&self, ids: &[ApplicationId]) -> Result<(), RepoError> {
        application::Entity::update_many()
            .col_expr(
                application::Column::Version,
                Expr::col(application::Column::Version),
            )
            .filter(application::Column::Id.is_in(ids.iter().map(|id| id.uuid())))
            .exec(&self.tx)
            .await?;
        Ok(())
    }

    /// Takes the lock of organisation `id` until the transaction ends; changes of its
    /// membership take it too.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the organisation does not exist.
    pub async fn lock_organization(&self, id: OrganizationId) -> Result<(), RepoError> {
        let id = id.uuid();
        let locked = organization::Entity::update_many()
            .col_expr(
                organization::Column::Version,
                Expr::col(organization::Column::Version),
            )
            .filter(organization::Column::Id.eq(id))
            .exec(&self.tx)
            .await?;
        if locked.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        Ok(())
    }

    /// Takes the lock of account `id` until the transaction ends.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist.
    pub async fn lock_account(&self, id: UserId) -> Result<(), RepoError> {
        let id = id.uuid();
        let locked = user::Entity::update_many()
            .col_expr(user::Column::UpdatedAt, Expr::col(user::Column::UpdatedAt))
            .filter(user::Column::Id.eq(id))
            .exec(&self.tx)
            .await?;
        if locked.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        Ok(())
    }
}

impl Tx {
    /// Takes the locks of every account in `ids` (those that exist) until the transaction
    /// ends, in the order of their ids.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn lock_accounts(&self, ids: &[UserId]) -> Result<(), RepoError> {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        for id in sorted {
            match self.lock_account(id).await {
                Ok(()) | Err(RepoError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }
}
