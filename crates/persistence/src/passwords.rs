//! Passwords changed after the account exists: a reset by a mailed code, and a change by
//! the signed-in holder. Either ends the account's logins in the same transaction.

use chrono::{DateTime, Utc};
use domain::ids::UserId;
use domain::notification::NotificationKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{refresh_token, user};
use crate::error::RepoError;

impl Store {
    /// Starts a password reset for the confirmed, enabled account with `email`: stores
    /// `nonce` (which the mailed code is derived from, replacing any earlier one) and queues
    /// the mail. Returns whether there was such an account; the caller answers alike either
    /// way.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn start_password_reset(
        &self,
        email: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        // Immediate on SQLite: it reads the account before it writes, and the mail worker
        // writes meanwhile.
        let begun = self.begin().await?;
        let tx = &begun.tx;
        let id = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::EmailVerifiedAt.is_not_null())
            .filter(user::Column::DisabledAt.is_null())
            .select_only()
            .column(user::Column::Id)
            .into_tuple::<Uuid>()
            .one(tx)
            .await?;
        let Some(id) = id else {
            return Ok(false);
        };
        user::Entity::update_many()
            .col_expr(user::Column::ResetNonce, Expr::value(nonce))
            .col_expr(user::Column::ResetSentAt, Expr::value(now))
            .filter(user::Column::Id.eq(id))
            .exec(tx)
            .await?;
        crate::outbox::enqueue_for_account(tx, id, NotificationKind::PasswordReset, now).await?;
        begun.commit().await?;
        Ok(true)
    }

    /// The pending reset of account `id`: its nonce and when it was issued.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist, is disabled or has no reset
    /// pending.
    pub async fn pending_reset(&self, id: UserId) -> Result<(String, DateTime<Utc>), RepoError> {
        let id = id.uuid();
        let (nonce, sent_at) = user::Entity::find_by_id(id)
            .filter(user::Column::DisabledAt.is_null())
            .select_only()
            .column(user::Column::ResetNonce)
            .column(user::Column::ResetSentAt)
            .into_tuple::<(Option<String>, Option<DateTime<Utc>>)>()
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        nonce.zip(sent_at).ok_or(RepoError::NotFound)
    }

    /// Sets account `id`'s password to `password_hash`, provided its pending reset nonce is
    /// still `nonce` (a code works once), and ends every login of the account.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the reset was used, replaced or never started.
    pub async fn finish_password_reset(
        &self,
        id: UserId,
        nonce: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let id = id.uuid();
        let which = Condition::all()
            .add(user::Column::Id.eq(id))
            .add(user::Column::ResetNonce.eq(nonce))
            .add(user::Column::DisabledAt.is_null());
        self.set_password(which, id, password_hash, None, now).await
    }

    /// The password hash of account `id`, for checking the current password.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist.
    pub async fn password_hash(&self, id: UserId) -> Result<String, RepoError> {
        let id = id.uuid();
        user::Entity::find_by_id(id)
            .select_only()
            .column(user::Column::PasswordHash)
            .into_tuple::<String>()
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)
    }

    /// Sets the password of the one account `which` selects (account `id`), drops its
    /// pending reset and ends its logins but `keep`, in one transaction.
    async fn set_password(
        &self,
        which: Condition,
        id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let tx = self.db.begin().await?;
        set_password_in(&tx, which, id, password_hash, keep, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Revokes every refresh token of account `id`, but those of login `keep`.
async fn end_logins<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut revoke = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(id))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        revoke = revoke.filter(refresh_token::Column::FamilyId.ne(keep));
    }
    revoke.exec(conn).await?;
    Ok(())
}

#[cfg(feature = "test-support")]
impl Store {
    /// The account and pending reset nonce of `email`, for tests that reset a password
    /// without reading the mail.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no reset is pending for that address.
    pub async fn pending_reset_of(&self, email: &str) -> Result<(Uuid, String), RepoError> {
        let (id, nonce) = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::ResetNonce)
            .into_tuple::<(Uuid, Option<String>)>()
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        Ok((id, nonce.ok_or(RepoError::NotFound)?))
    }
}

async fn set_password_in<C: ConnectionTrait>(
    conn: &C,
    which: Condition,
    id: Uuid,
    password_hash: &str,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let done = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(
            user::Column::ResetNonce,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            user::Column::ResetSentAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(which)
        .exec(conn)
        .await?;
    if done.rows_affected != 1 {
        return Err(RepoError::NotFound);
    }
    end_logins(conn, id, keep, now).await
}

impl crate::Tx {
    /// Changes the password of account `id`; every login of it but `keep` ends.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist.
    pub async fn change_password(
        &self,
        id: UserId,
        password_hash: &str,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let id = id.uuid();
        let which = Condition::all().add(user::Column::Id.eq(id));
        set_password_in(&self.tx, which, id, password_hash, keep, now).await
    }
}
