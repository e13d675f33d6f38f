//! Self-registration of applicants. Each registration of an address not yet confirmed is
//! kept with its own name, language and password; the mailed code proves the address, and
//! confirming applies one registration: the only one, or the one whose password the
//! confirmer gives. Registering again never replaces what someone else chose.

use chrono::{DateTime, Duration, Utc};
use domain::account::{ACCOUNT_EXISTS_NOTICE_HOURS, VERIFICATION_TTL_HOURS};
use domain::ids::UserId;
use domain::language::Language;
use domain::notification::NotificationKind;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::accounts::decode;
use crate::entity::{registration, user};
use crate::error::{Clash, RepoError};
use crate::records::{NewUser, User};

/// What a self-registration did. Each outcome looks the same to the caller's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// A new account that logs in once its address is confirmed; the confirmation mail is
    /// queued.
    Created(User),
    /// The address's unconfirmed account gained another pending registration and a new
    /// nonce, so earlier codes stop working; a new confirmation mail is queued, which says
    /// that confirming will ask for the password.
    Pending(User),
    /// The address has a confirmed account, which is left as it was; its holder is told by
    /// mail unless they were told within [`ACCOUNT_EXISTS_NOTICE_HOURS`].
    Exists(User),
}

/// A registration waiting for its address to be confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRegistration {
    /// Identifier.
    pub id: Uuid,
    /// The name given.
    pub name: String,
    /// The language chosen.
    pub language: Language,
    /// PHC string of the Argon2id hash of the password chosen.
    pub password_hash: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Registers an applicant with `new` (whose role is ignored), as one transaction with
    /// the mail it owes. `nonce` is the random value the confirmation code is derived from.
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
        // winner's unconfirmed account on its second pass and adds its registration.
        let mut attempts = 0;
        loop {
            attempts += 1;
            // Immediate on SQLite: it reads the address before it writes.
            let tx = self.begin().await?;
            match register_in(&tx.tx, &new, &nonce, now).await {
                Ok(done) => {
                    tx.commit().await?;
                    return Ok(done);
                }
                Err(RepoError::Conflict(Clash::Email)) if attempts < 2 => tx.tx.rollback().await?,
                Err(err) => return Err(err),
            }
        }
    }

    /// The pending confirmation of account `id`: its latest nonce and when it was issued.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist or has no confirmation
    /// pending.
    pub async fn pending_verification(
        &self,
        id: UserId,
    ) -> Result<(String, DateTime<Utc>), RepoError> {
        let model = user::Entity::find_by_id(id.uuid())
            .filter(user::Column::EmailVerifiedAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        model
            .verification_nonce
            .zip(model.verification_sent_at)
            .ok_or(RepoError::NotFound)
    }

    /// The unconfirmed account with address `email`: its id, its latest nonce and when it
    /// was issued.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no account with that address waits for confirmation.
    pub async fn unconfirmed_account(
        &self,
        email: &str,
    ) -> Result<(UserId, String, DateTime<Utc>), RepoError> {
        let model = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::EmailVerifiedAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let id = UserId::from(model.id);
        model
            .verification_nonce
            .zip(model.verification_sent_at)
            .map(|(nonce, sent_at)| (id, nonce, sent_at))
            .ok_or(RepoError::NotFound)
    }

    /// Counts a wrong confirmation number typed against account `id`'s code `nonce`. At
    /// `tries` wrong numbers the code is replaced by `renewed`, the count starts again and
    /// a new confirmation mail is queued, in the same transaction. Returns whether the code
    /// was replaced; a count against a code already replaced changes nothing.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn count_confirmation_failure(
        &self,
        id: UserId,
        nonce: &str,
        renewed: &str,
        tries: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let begun = self.begin().await?;
        let tx = &begun.tx;
        let counted = user::Entity::update_many()
            .col_expr(
                user::Column::VerificationFailures,
                Expr::col(user::Column::VerificationFailures).add(1),
            )
            .filter(user::Column::Id.eq(id.uuid()))
            .filter(user::Column::VerificationNonce.eq(nonce))
            .filter(user::Column::EmailVerifiedAt.is_null())
            .exec(tx)
            .await?;
        if counted.rows_affected != 1 {
            begun.commit().await?;
            return Ok(false);
        }
        let renew = user::Entity::update_many()
            .col_expr(user::Column::VerificationNonce, Expr::value(renewed))
            .col_expr(user::Column::VerificationSentAt, Expr::value(now))
            .col_expr(user::Column::VerificationFailures, Expr::value(0))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(id.uuid()))
            .filter(user::Column::VerificationNonce.eq(nonce))
            .filter(user::Column::VerificationFailures.gte(i64::from(tries)))
            .exec(tx)
            .await?;
        let renewed_now = renew.rows_affected == 1;
        if renewed_now {
            crate::outbox::enqueue_for_account(tx, id.uuid(), NotificationKind::VerifyEmail, now)
                .await?;
        }
        begun.commit().await?;
        Ok(renewed_now)
    }

    /// The registrations of account `id` waiting for its address, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Corrupt`] for a row with an unknown language.
    pub async fn pending_registrations(
        &self,
        id: UserId,
    ) -> Result<Vec<PendingRegistration>, RepoError> {
        pending_of(&self.db, id.uuid()).await
    }

    /// Confirms the address of account `id`, provided its latest nonce is still `nonce`,
    /// with the details of its pending registration `chosen`; every other pending
    /// registration of the address is dropped.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account is confirmed already, its nonce changed or
    /// `chosen` is no longer pending.
    pub async fn confirm_registration(
        &self,
        id: UserId,
        nonce: &str,
        chosen: Uuid,
        now: DateTime<Utc>,
    ) -> Result<User, RepoError> {
        // Immediate on SQLite: it reads the registration before it writes.
        let begun = self.begin().await?;
        let tx = &begun.tx;
        let registration = registration::Entity::find_by_id(chosen)
            .filter(registration::Column::UserId.eq(id.uuid()))
            .one(tx)
            .await?
            .ok_or(RepoError::NotFound)?;
        let confirmed = user::Entity::update_many()
            .col_expr(user::Column::Name, Expr::value(registration.name))
            .col_expr(user::Column::Language, Expr::value(registration.language))
            .col_expr(
                user::Column::PasswordHash,
                Expr::value(registration.password_hash),
            )
            .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
            .col_expr(
                user::Column::VerificationNonce,
                Expr::value(Option::<String>::None),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(id.uuid()))
            .filter(user::Column::VerificationNonce.eq(nonce))
            .filter(user::Column::EmailVerifiedAt.is_null())
            .exec(tx)
            .await?;
        if confirmed.rows_affected != 1 {
            return Err(RepoError::NotFound);
        }
        registration::Entity::delete_many()
            .filter(registration::Column::UserId.eq(id.uuid()))
            .exec(tx)
            .await?;
        let user = crate::accounts::user(tx, id.uuid()).await?;
        begun.commit().await?;
        Ok(user)
    }

    /// Confirms the unconfirmed account with `email` by hand, whatever its nonce: an
    /// operator's confirmation, with the details of its one pending registration.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no unconfirmed account has that address;
    /// [`RepoError::Conflict`] ([`Clash::SeveralRegistrations`]) when several
    /// registrations of it are pending, so only its holder can say which is theirs.
    pub async fn confirm_address(
        &self,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<User, RepoError> {
        let model = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::EmailVerifiedAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        let pending = pending_of(&self.db, model.id).await?;
        let [only] = pending.as_slice() else {
            return Err(RepoError::Conflict(Clash::SeveralRegistrations));
        };
        let nonce = model.verification_nonce.unwrap_or_default();
        self.confirm_registration(model.id.into(), &nonce, only.id, now)
            .await
    }
}

async fn pending_of<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
) -> Result<Vec<PendingRegistration>, RepoError> {
    registration::Entity::find()
        .filter(registration::Column::UserId.eq(user_id))
        .order_by_asc(registration::Column::CreatedAt)
        .order_by_asc(registration::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|model| {
            let language = model.language.parse().map_err(|e| RepoError::Corrupt {
                table: "registrations",
                id: model.id.to_string(),
                detail: format!("language: {e}"),
            })?;
            Ok(PendingRegistration {
                id: model.id,
                name: model.name,
                language,
                password_hash: model.password_hash,
                created_at: model.created_at,
            })
        })
        .collect()
}

fn registration_row(user_id: Uuid, new: &NewUser, now: DateTime<Utc>) -> registration::ActiveModel {
    registration::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(new.name.clone()),
        language: Set(new.language.code().to_owned()),
        password_hash: Set(new.password_hash.clone()),
        created_at: Set(now),
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
            verification_failures: Set(0),
        }
        .insert(conn)
        .await
        .map_err(|e| RepoError::unique(e, Clash::Email))?;
        registration_row(model.id, new, now).insert(conn).await?;
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
    // Registrations whose codes have all lapsed are gone; the others stay as they were.
    let lapsed = now - Duration::hours(VERIFICATION_TTL_HOURS);
    registration::Entity::delete_many()
        .filter(registration::Column::UserId.eq(existing.id))
        .filter(registration::Column::CreatedAt.lte(lapsed))
        .exec(conn)
        .await?;
    registration_row(existing.id, new, now).insert(conn).await?;
    let mut model: user::ActiveModel = existing.into();
    model.verification_nonce = Set(Some(nonce.to_owned()));
    model.verification_sent_at = Set(Some(now));
    model.verification_failures = Set(0);
    model.updated_at = Set(now);
    let user = decode(model.update(conn).await?)?;
    crate::outbox::enqueue_for_account(conn, user.id.uuid(), NotificationKind::VerifyEmail, now)
        .await?;
    Ok(Registration::Pending(user))
}
