//! Passwords: signing in with one, changing it, and resetting a forgotten one.

use chrono::{DateTime, Utc};
use domain::email::Email;
use domain::validation::FieldProblem;
use persistence::records::User;
use persistence::{RepoError, Store};
use uuid::Uuid;

use super::credentials::Credentials;
use crate::access::Caller;
use crate::error::CodeKind;
use crate::error::{Error, invalid};
use crate::keys::{self, Remember};

/// Checks a new password against the policy, naming `field` when it is refused.
fn allowed(password: &str, email: &str, field: &str) -> Result<(), Error> {
    domain::password::check(password, email)
        .map_err(|err| invalid(field, err.code(), err.to_string()))
}

/// The account with address `email` and password `password`. An address that cannot
/// exist or has no account costs the same hashing work as a wrong password.
///
/// # Errors
/// [`Error::WrongCredentials`] for a wrong address or password; [`Error::Forbidden`] for a
/// disabled account (told only to the holder of its password).
pub async fn authenticate(
    store: &Store,
    credentials: &impl Credentials,
    email: Option<&Email>,
    password: String,
) -> Result<User, Error> {
    let found = match email {
        Some(email) => match store.find_credentials(email.as_str()).await {
            Ok(found) => Some(found),
            Err(RepoError::NotFound) => None,
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, credentials.dummy_hash().await),
    };
    let matches = credentials.verify(password, hash).await?;
    match (user, matches) {
        (Some(user), true) if user.disabled => {
            Err(Error::Forbidden("the account is disabled; ask an admin"))
        }
        (Some(user), true) => Ok(user),
        (Some(_) | None, _) => Err(Error::WrongCredentials),
    }
}

/// A change of password: the current one, and the new.
#[derive(Debug)]
pub struct Change {
    /// The account's password now.
    pub current: String,
    /// The password it is to have.
    pub new: String,
}

/// Changes the caller's password, given the current one; every other login of the
/// account ends (`session` is the one that goes on).
///
/// # Errors
/// [`Error::WrongPassword`] when the current password is wrong;
/// [`Error::Invalid`] when the new one breaks the policy.
pub async fn change_password(
    store: &Store,
    credentials: &impl Credentials,
    caller: Caller,
    session: Option<Uuid>,
    change: Change,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, ()>>,
) -> Result<(), Error> {
    let Change { current, new } = change;
    let user = store.get_user(caller.id).await?;
    let stored = store.password_hash(user.id).await?;
    if !credentials.verify(current, stored).await? {
        return Err(Error::WrongPassword);
    }
    allowed(&new, &user.email, "new_password")?;
    let hash = credentials.hash(new).await?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    tx.change_password(user.id, &hash, session, now).await?;
    keys::commit(tx, remember, &()).await?;
    Ok(())
}

/// Starts a password reset for `email`: a confirmed, enabled account's holder is mailed a
/// code. Nothing tells whether the address has an account.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub async fn start_reset(
    store: &Store,
    credentials: &impl Credentials,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let nonce = credentials.nonce()?;
    store
        .start_password_reset(email.as_str(), &nonce, now)
        .await?;
    Ok(())
}

/// Sets `password` on the account `code` names; every login of the account ends.
///
/// # Errors
/// [`Error::InvalidCode`] for a code that is wrong, used, replaced or expired;
/// [`Error::Invalid`] when the password breaks the policy.
pub async fn finish_reset(
    store: &Store,
    credentials: &impl Credentials,
    code: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let refused = || Error::InvalidCode(CodeKind::Reset);
    let account = credentials.code_account(code).ok_or_else(refused)?;
    let (nonce, sent_at) = match store.pending_reset(account).await {
        Ok(pending) => pending,
        Err(RepoError::NotFound) => return Err(refused()),
        Err(err) => return Err(err.into()),
    };
    if !credentials.code_holds(CodeKind::Reset, code, &nonce)
        || !domain::account::reset_live(sent_at, now)
    {
        return Err(refused());
    }
    let user = store.get_user(account).await?;
    allowed(&password, &user.email, "password")?;
    let hash = credentials.hash(password).await?;
    match store
        .finish_password_reset(account, &nonce, &hash, now)
        .await
    {
        Ok(()) => Ok(()),
        Err(RepoError::NotFound) => Err(refused()),
        Err(err) => Err(err.into()),
    }
}
