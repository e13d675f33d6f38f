//! Accounts: creating, finding and changing users.

use chrono::{DateTime, Duration, Utc};
use domain::account::{ACCOUNT_EXISTS_NOTICE_HOURS, ProfileChange};
use domain::ids::UserId;
use domain::notification::NotificationKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
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

/// What a self-registration did. Each outcome looks the same to the caller's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// A new account that logs in once its address is confirmed; the confirmation mail is
    /// queued.
    Created(User),
    /// The address's unconfirmed account now holds the new details and a new nonce, so
    /// earlier links stop working; a new confirmation mail is queued.
    Renewed(User),
    /// The address has a confirmed account, which is left as it was; its holder is told by
    /// mail unless they were told within [`ACCOUNT_EXISTS_NOTICE_HOURS`].
    Exists(User),
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

    /// Registers an applicant with `new` (whose role is ignored), as one transaction with
    /// the mail it owes. `nonce` is the random value the confirmation link is derived from.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn register_applicant(
        &self,
        new: NewUser,
        nonce: String,
        now: DateTime<Utc>,
    ) -> Result<Registration, RepoError> {
        // Two registrations of one new address race to insert it; the loser finds the
        // winner's unconfirmed account on its second pass and renews it.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let tx = self.db.begin().await?;
            match register_in(&tx, &new, &nonce, now).await {
                Ok(done) => {
                    tx.commit().await?;
                    return Ok(done);
                }
                Err(RepoError::Conflict(Clash::Email)) if attempts < 2 => tx.rollback().await?,
                Err(err) => return Err(err),
            }
        }
    }

    /// The pending confirmation of account `id`: its nonce and when it was issued.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist or has no confirmation
    /// pending.
    pub async fn pending_verification(
        &self,
        id: UserId,
    ) -> Result<(String, DateTime<Utc>), RepoError> {
        let id = id.uuid();
        let (nonce, sent_at) = user::Entity::find_by_id(id)
            .filter(user::Column::EmailVerifiedAt.is_null())
            .select_only()
            .column(user::Column::VerificationNonce)
            .column(user::Column::VerificationSentAt)
            .into_tuple::<(Option<String>, Option<DateTime<Utc>>)>()
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        nonce.zip(sent_at).ok_or(RepoError::NotFound)
    }

    /// Marks account `id` confirmed, provided its pending nonce is still `nonce`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account is confirmed already or its nonce changed.
    pub async fn confirm_email(
        &self,
        id: UserId,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<User, RepoError> {
        let which = Condition::all()
            .add(user::Column::Id.eq(id.uuid()))
            .add(user::Column::VerificationNonce.eq(nonce));
        if !self.mark_confirmed(which, now).await? {
            return Err(RepoError::NotFound);
        }
        self.get_user(id).await
    }

    /// Marks the one unconfirmed account `which` selects confirmed; whether there was one.
    async fn mark_confirmed(
        &self,
        which: Condition,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let done = user::Entity::update_many()
            .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
            .col_expr(
                user::Column::VerificationNonce,
                Expr::value(Option::<String>::None),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(which)
            .filter(user::Column::EmailVerifiedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// Marks the unconfirmed account with `email` confirmed, whatever its nonce: an
    /// operator's confirmation by hand.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no unconfirmed account has that address.
    pub async fn confirm_address(
        &self,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<User, RepoError> {
        let which = Condition::all().add(user::Column::Email.eq(email));
        if !self.mark_confirmed(which, now).await? {
            return Err(RepoError::NotFound);
        }
        let model = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        decode(model)
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

async fn register_in<C: ConnectionTrait>(
    conn: &C,
    new: &NewUser,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<Registration, RepoError> {
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(new.email.as_str()))
        .one(conn)
        .await?;
    let Some(existing) = existing else {
        let model = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(new.email.clone()),
            name: Set(new.name.clone()),
            language: Set(new.language.code().to_owned()),
            role: Set(domain::role::Role::Applicant.code().to_owned()),
            password_hash: Set(new.password_hash.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            email_verified_at: Set(None),
            verification_nonce: Set(Some(nonce.to_owned())),
            verification_sent_at: Set(Some(now)),
            disabled_at: Set(None),
            reset_nonce: Set(None),
            reset_sent_at: Set(None),
        }
        .insert(conn)
        .await
        .map_err(|e| RepoError::unique(e, Clash::Email))?;
        let user = decode(model)?;
        crate::outbox::enqueue_for_account(
            conn,
            user.id.uuid(),
            NotificationKind::VerifyEmail,
            now,
        )
        .await?;
        return Ok(Registration::Created(user));
    };
    if existing.email_verified_at.is_some() {
        let user = decode(existing)?;
        let since = now - Duration::hours(ACCOUNT_EXISTS_NOTICE_HOURS);
        let kind = NotificationKind::AccountExists;
        if !crate::outbox::queued_since(conn, user.id.uuid(), kind, since).await? {
            crate::outbox::enqueue_for_account(conn, user.id.uuid(), kind, now).await?;
        }
        return Ok(Registration::Exists(user));
    }
    let mut model: user::ActiveModel = existing.into();
    model.name = Set(new.name.clone());
    model.language = Set(new.language.code().to_owned());
    model.password_hash = Set(new.password_hash.clone());
    model.verification_nonce = Set(Some(nonce.to_owned()));
    model.verification_sent_at = Set(Some(now));
    model.updated_at = Set(now);
    let user = decode(model.update(conn).await?)?;
    crate::outbox::enqueue_for_account(conn, user.id.uuid(), NotificationKind::VerifyEmail, now)
        .await?;
    Ok(Registration::Renewed(user))
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
