//! Refresh tokens: stored as hashes, rotated on use, revoked by family on reuse.

use chrono::{DateTime, Utc};
use domain::ids::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::refresh_token;
use crate::error::{Clash, RepoError};
use crate::records::User;

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// The token was current: it is now spent and its successor stored in the same login
    /// (the family, whose id is the second field).
    Rotated(User, Uuid),
    /// The token had already been used or revoked: its whole family is now revoked.
    Reused,
    /// The token is past its expiry.
    Expired,
    /// No such token.
    Unknown,
}

impl Store {
    /// Stores the first refresh token of a new login (a new family) and returns the
    /// family's id, which the login's access tokens carry as their session.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn start_token_family(
        &self,
        user_id: UserId,
        token_hash: String,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Uuid, RepoError> {
        let user_id = user_id.uuid();
        let family = Uuid::now_v7();
        insert(&self.db, family, user_id, token_hash, expires_at, now).await?;
        Ok(family)
    }

    /// Whether the login `family` is still open: not logged out and not cut off by a reused
    /// refresh token.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    pub async fn session_open(&self, family: Uuid) -> Result<bool, RepoError> {
        let open = refresh_token::Entity::find()
            .select_only()
            .column(refresh_token::Column::Id)
            .filter(refresh_token::Column::FamilyId.eq(family))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .into_tuple::<Uuid>()
            .one(&self.db)
            .await?;
        Ok(open.is_some())
    }

    /// The account and login of the portal sign-in whose token hash is `token_hash`, with
    /// when it ends: `None` when it is unknown, ended (logged out, revoked) or expired.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    pub async fn cookie_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, Uuid, DateTime<Utc>)>, RepoError> {
        let Some(token) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .filter(refresh_token::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let user = self.get_user(token.user_id.into()).await?;
        Ok(Some((user, token.family_id, token.expires_at)))
    }

    /// Moves the end of the portal sign-in whose token hash is `token_hash` to
    /// `expires_at`, unless it has ended meanwhile.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn extend_cookie_session(
        &self,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::ExpiresAt, Expr::value(expires_at))
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Spends the token whose hash is `old_hash` and stores `new_hash` in its family. A token
    /// presented a second time revokes its family, so a stolen token stops working for the
    /// thief and the owner alike.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: String,
        new_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotateOutcome, RepoError> {
        let tx = self.db.begin().await?;
        // Spend the token first: the write takes the lock before anything is read, so of
        // two concurrent rotations exactly one spends it (SQLite waits instead of failing
        // on a stale read; PostgreSQL re-checks the row after the winner commits).
        let spent = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
            .filter(refresh_token::Column::TokenHash.eq(old_hash))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .filter(refresh_token::Column::ExpiresAt.gt(now))
            .exec(&tx)
            .await?;
        let Some(token) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(old_hash))
            .one(&tx)
            .await?
        else {
            return Ok(RotateOutcome::Unknown);
        };
        if spent.rows_affected != 1 {
            if token.used_at.is_none() && token.revoked_at.is_none() {
                return Ok(RotateOutcome::Expired);
            }
            // Presented again after it was spent or revoked: whoever holds the family is
            // cut off.
            revoke_family(&tx, token.family_id, now).await?;
            tx.commit().await?;
            return Ok(RotateOutcome::Reused);
        }
        insert(
            &tx,
            token.family_id,
            token.user_id,
            new_hash,
            new_expires_at,
            now,
        )
        .await?;
        tx.commit().await?;
        let user = self.get_user(token.user_id.into()).await?;
        Ok(RotateOutcome::Rotated(user, token.family_id))
    }

    /// Ends the login `family` of `user_id`. When `token_hash` is given it must be a refresh
    /// token of that login; otherwise nothing is revoked and the answer is `false`. Ending a
    /// login that has already ended is not an error.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn end_session(
        &self,
        user_id: UserId,
        family: Uuid,
        token_hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let user_id = user_id.uuid();
        if let Some(token_hash) = token_hash {
            let of_this_login = refresh_token::Entity::find()
                .filter(refresh_token::Column::TokenHash.eq(token_hash))
                .filter(refresh_token::Column::UserId.eq(user_id))
                .filter(refresh_token::Column::FamilyId.eq(family))
                .one(&self.db)
                .await?
                .is_some();
            if !of_this_login {
                return Ok(false);
            }
        }
        revoke_family(&self.db, family, now).await?;
        Ok(true)
    }

    /// Revokes the family of the token whose hash is `token_hash`, if it belongs to `user_id`.
    /// Logging out twice, or with an unknown token, is not an error.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn revoke_token_family(
        &self,
        user_id: UserId,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let user_id = user_id.uuid();
        let token = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .filter(refresh_token::Column::UserId.eq(user_id))
            .one(&self.db)
            .await?;
        if let Some(token) = token {
            revoke_family(&self.db, token.family_id, now).await?;
        }
        Ok(())
    }
}

async fn insert<C: sea_orm::ConnectionTrait>(
    conn: &C,
    family_id: Uuid,
    user_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        created_at: Set(now),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await
    .map_err(|e| RepoError::unique(e, Clash::RefreshToken))?;
    Ok(())
}

async fn revoke_family<C: sea_orm::ConnectionTrait>(
    conn: &C,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
