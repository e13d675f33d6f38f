//! Accounts: creating, finding and changing users.

use chrono::{DateTime, Utc};
use domain::account::ProfileChange;
use domain::ids::UserId;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::user;
use crate::error::{Clash, RepoError};
use crate::records::{NewUser, Page, User};

pub(crate) fn decode(model: user::Model) -> Result<User, RepoError> {
    let corrupt = |detail: String| RepoError::Corrupt {
        table: "users",
        id: model.id.to_string(),
        detail,
    };
    let language = model
        .language
        .parse()
        .map_err(|e| corrupt(format!("language: {e}")))?;
    let role = model
        .role
        .parse()
        .map_err(|e| corrupt(format!("role: {e}")))?;
    Ok(User {
        id: model.id.into(),
        email: model.email,
        name: model.name,
        language,
        role,
        created_at: model.created_at,
        disabled: model.disabled_at.is_some(),
    })
}

impl Store {
    /// Stores a new account whose address counts as confirmed: staff accounts an admin
    /// creates, and the first admin.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"email"`) when the address is taken.
    pub async fn create_user(&self, new: NewUser, now: DateTime<Utc>) -> Result<User, RepoError> {
        create_user_in(&self.db, new, now).await
    }

    /// The confirmed account with `email` and its password hash, for logging in. An
    /// account whose address is not confirmed yet is not found.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no confirmed account has that address.
    pub async fn find_credentials(&self, email: &str) -> Result<(User, String), RepoError> {
        let model = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::EmailVerifiedAt.is_not_null())
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let hash = model.password_hash.clone();
        Ok((decode(model)?, hash))
    }

    /// The account with `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn get_user(&self, id: UserId) -> Result<User, RepoError> {
        let id = id.uuid();
        user(&self.db, id).await
    }

    /// Applies a profile change to the account `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn update_profile(
        &self,
        id: UserId,
        change: ProfileChange,
        now: DateTime<Utc>,
    ) -> Result<User, RepoError> {
        let id = id.uuid();
        let mut model: user::ActiveModel = user::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?
            .into();
        if let Some(name) = change.name {
            model.name = Set(name);
        }
        if let Some(language) = change.language {
            model.language = Set(language.code().to_owned());
        }
        model.updated_at = Set(now);
        decode(model.update(&self.db).await?)
    }

    /// Accounts ordered by creation, `limit` at a time, after the cursor `after`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn list_users(
        &self,
        role: Option<domain::role::Role>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Page<User>, RepoError> {
        let mut query = user::Entity::find().order_by_asc(user::Column::Id);
        if let Some(role) = role {
            query = query.filter(user::Column::Role.eq(role.code()));
        }
        if let Some(after) = after {
            query = query.filter(user::Column::Id.gt(after));
        }
        let rows = query.limit(limit + 1).all(&self.db).await?;
        crate::paging::keyset(rows, limit, |m| m.id, decode)
    }
}

#[cfg(feature = "test-support")]
impl Store {
    /// The account and pending nonce of the unconfirmed address `email`, for tests that
    /// confirm an address without reading its mail.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no unconfirmed account has that address.
    pub async fn pending_verification_of(&self, email: &str) -> Result<(Uuid, String), RepoError> {
        let (id, nonce) = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::EmailVerifiedAt.is_null())
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::VerificationNonce)
            .into_tuple::<(Uuid, Option<String>)>()
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        Ok((id, nonce.ok_or(RepoError::NotFound)?))
    }
}

pub(crate) async fn user<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<User, RepoError> {
    let model = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    decode(model)
}

async fn create_user_in<C: ConnectionTrait>(
    conn: &C,
    new: NewUser,
    now: DateTime<Utc>,
) -> Result<User, RepoError> {
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(new.email),
        name: Set(new.name),
        language: Set(new.language.code().to_owned()),
        role: Set(new.role.code().to_owned()),
        password_hash: Set(new.password_hash),
        created_at: Set(now),
        updated_at: Set(now),
        email_verified_at: Set(Some(now)),
        verification_nonce: Set(None),
        verification_sent_at: Set(None),
        disabled_at: Set(None),
        reset_nonce: Set(None),
        reset_sent_at: Set(None),
        verification_failures: Set(0),
    }
    .insert(conn)
    .await
    .map_err(|e| RepoError::unique(e, Clash::Email))?;
    decode(model)
}

impl crate::Tx {
    /// Stores account `new`, its address counting as confirmed.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] ([`Clash::Email`]) when the address is taken.
    pub async fn create_user(&self, new: NewUser, now: DateTime<Utc>) -> Result<User, RepoError> {
        create_user_in(&self.tx, new, now).await
    }
}
