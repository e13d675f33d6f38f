//! The signed-in account's own profile, and admins' management of accounts and of the
//! mail outbox.

use chrono::{DateTime, Utc};
use domain::account::ProfileChange;
use domain::ids::UserId;
use domain::notification::DeliveryStatus;
use domain::role::Role;
use domain::staff::AccountChange;
use persistence::outbox::OutboxRecord;
use persistence::records::{Page, User};
use persistence::staff::AccountChangeFailure;
use persistence::{Clash, RepoError, Store};
use uuid::Uuid;

use crate::access::Caller;
use crate::error::{Conflict, Error};
use crate::keys::{self, Remember};

/// The caller's own account.
///
/// # Errors
/// [`Error::NotFound`] when the account is gone.
pub async fn me(store: &Store, caller: Caller) -> Result<User, Error> {
    Ok(store.get_user(caller.id).await?)
}

/// Changes the caller's name or preferred language.
///
/// # Errors
/// [`Error::Invalid`] for a blank or overlong name or an unknown language.
pub async fn update_me(
    store: &Store,
    caller: Caller,
    name: Option<&str>,
    language: Option<&str>,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let change = ProfileChange::parse(name, language)?;
    Ok(store.update_profile(caller.id, change, now).await?)
}

/// A page of accounts, optionally of one role (admins).
///
/// # Errors
/// [`Error::Forbidden`] for anyone else.
pub async fn list_users(
    store: &Store,
    caller: Caller,
    role: Option<Role>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<User>, Error> {
    caller.require(Role::Admin, "only admins list accounts")?;
    Ok(store.list_users(role, after, limit).await?)
}

/// Changes account `id`'s role or whether it is disabled (admins). Either ends every
/// login of the account at once.
///
/// # Errors
/// [`Error::Forbidden`] for anyone else; [`Conflict::AccountRefused`] for a change the
/// rules refuse (an applicant's role, the last active admin).
pub async fn update_user(
    store: &Store,
    caller: Caller,
    id: UserId,
    change: AccountChange,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    caller.require(Role::Admin, "only admins change accounts")?;
    match store.change_account(id, change, now).await {
        Ok(user) => Ok(user),
        Err(AccountChangeFailure::Refused(refused)) => {
            Err(Conflict::AccountRefused(refused).into())
        }
        Err(AccountChangeFailure::Repo(err)) => Err(err.into()),
    }
}

/// A page of outbox mail, optionally in one status (admins).
///
/// # Errors
/// [`Error::Forbidden`] for anyone else.
pub async fn outbox(
    store: &Store,
    caller: Caller,
    status: Option<DeliveryStatus>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<OutboxRecord>, Error> {
    caller.require(Role::Admin, "only admins read the outbox")?;
    Ok(store.list_outbox(status, after, limit).await?)
}

/// Queues failed mail `id` again (admins).
///
/// # Errors
/// [`Error::Forbidden`] for anyone else; [`Conflict::NotFailed`] for mail that has not
/// failed.
pub async fn retry_mail(
    store: &Store,
    caller: Caller,
    id: Uuid,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, OutboxRecord>>,
) -> Result<OutboxRecord, Error> {
    caller.require(Role::Admin, "only admins retry mail")?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let mail = match tx.retry_mail(id, now).await {
        Ok(mail) => mail,
        Err(RepoError::Conflict(Clash::Status)) => return Err(Conflict::NotFailed.into()),
        Err(err) => return Err(err.into()),
    };
    keys::commit(tx, remember, &mail).await?;
    Ok(mail)
}
