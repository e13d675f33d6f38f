//! An admin's change to an account's role or standing, with the rule that one active
//! admin always remains, settled under a lock on the admins' rows.

use chrono::{DateTime, Utc};
use domain::ids::UserId;
use domain::role::Role;
use domain::staff::{self, AccountChange, AccountChangeError, AccountStanding};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};

use crate::Store;
use crate::entity::{refresh_token, user};
use crate::error::RepoError;
use crate::records::User;

/// Why an account change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountChangeFailure {
    /// A rule refused it.
    #[error(transparent)]
    Refused(#[from] AccountChangeError),
    /// The account is missing or the database failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<sea_orm::DbErr> for AccountChangeFailure {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Repo(err.into())
    }
}

impl Store {
    /// Changes the role or standing of account `id` as an admin asked. A new role or
    /// disabling ends every login of the account in the same transaction, so its tokens
    /// stop working on their next request.
    ///
    /// Concurrent changes are settled by locking every admin's row first: two admins
    /// demoting each other at once cannot leave none.
    ///
    /// # Errors
    /// [`AccountChangeFailure::Refused`] by the rules of [`staff::decide`];
    /// [`RepoError::NotFound`] for an unknown account.
    pub async fn change_account(
        &self,
        id: UserId,
        change: AccountChange,
        now: DateTime<Utc>,
    ) -> Result<User, AccountChangeFailure> {
        let id = id.uuid();
        let tx = self.db.begin().await?;
        // A write that changes nothing, to every admin's row: PostgreSQL locks the rows
        // (a concurrent change waits, then sees the result), SQLite takes its write lock.
        user::Entity::update_many()
            .col_expr(user::Column::Role, Expr::col(user::Column::Role))
            .filter(user::Column::Role.eq(Role::Admin.code()))
            .exec(&tx)
            .await?;
        let model = user::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(RepoError::NotFound)?;
        let before = AccountStanding {
            role: crate::accounts::decode(model.clone())?.role,
            disabled: model.disabled_at.is_some(),
        };
        let other_active_admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin.code()))
            .filter(user::Column::DisabledAt.is_null())
            .filter(user::Column::Id.ne(id))
            .count(&tx)
            .await?;
        let after = staff::decide(before, change, other_active_admins)?;
        let disabled_at = match (before.disabled, after.disabled) {
            (false, true) => Some(now),
            (true, true) => model.disabled_at,
            (true | false, false) => None,
        };
        user::Entity::update_many()
            .col_expr(user::Column::Role, Expr::value(after.role.code()))
            .col_expr(user::Column::DisabledAt, Expr::value(disabled_at))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(id))
            .exec(&tx)
            .await?;
        if staff::ends_logins(before, after) {
            refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
                .filter(refresh_token::Column::UserId.eq(id))
                .filter(refresh_token::Column::RevokedAt.is_null())
                .exec(&tx)
                .await?;
        }
        let changed = user::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(RepoError::NotFound)?;
        tx.commit().await?;
        Ok(crate::accounts::decode(changed)?)
    }
}
