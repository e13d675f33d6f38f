//! Registering as an applicant, confirming the address, and admins creating staff.

use chrono::{DateTime, Utc};
use domain::account::{AccountInput, NewAccount};
use domain::role::Role;
use persistence::records::{NewUser, User};
use persistence::{PendingRegistration, RepoError, Store};
use uuid::Uuid;

use super::credentials::Credentials;
use crate::access::Caller;
use crate::error::CodeKind;
use crate::error::{Error, invalid};
use crate::keys::{self, Remember};

/// `account` with its password hashed, ready to store.
pub(super) async fn hashed(
    credentials: &impl Credentials,
    account: NewAccount,
) -> Result<NewUser, Error> {
    let password_hash = credentials.hash(account.password).await?;
    Ok(NewUser {
        email: account.email.as_str().to_owned(),
        name: account.name,
        language: account.language,
        role: account.role,
        password_hash,
    })
}

/// Registers an applicant from `input`; returns the address as the service writes it.
/// The outcome is the same whether or not the address already has an account (its
/// holder is told by mail instead), and so is the work: the password is hashed anyway.
///
/// # Errors
/// [`Error::Invalid`] naming every field that breaks a rule.
pub async fn register(
    store: &Store,
    credentials: &impl Credentials,
    input: AccountInput<'_>,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let account = NewAccount::register(input)?;
    let new = hashed(credentials, account).await?;
    let email = new.email.clone();
    let nonce = credentials.nonce()?;
    store.register_applicant(new, nonce, now).await?;
    Ok(email)
}

/// Confirms the address of the account `code` names; the account can then log in. A code
/// works once, while it is the address's latest and fresh. It proves the address; the
/// registration it confirms is the address's only pending one or, when the address was
/// registered several times, the one whose password `password` is (the others are
/// dropped), so that someone who registered another's address cannot have their password
/// confirmed by its holder.
///
/// # Errors
/// [`Error::InvalidCode`] for a code that is wrong, used, replaced or expired;
/// [`Error::Invalid`] on `password` when several registrations are pending and it is
/// absent or matches none.
pub async fn confirm_address(
    store: &Store,
    credentials: &impl Credentials,
    code: &str,
    password: Option<String>,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let refused = || Error::InvalidCode(CodeKind::Confirmation);
    let account = credentials.code_account(code).ok_or_else(refused)?;
    let (nonce, sent_at) = match store.pending_verification(account).await {
        Ok(pending) => pending,
        Err(RepoError::NotFound) => return Err(refused()),
        Err(err) => return Err(err.into()),
    };
    if !credentials.code_holds(CodeKind::Confirmation, code, &nonce)
        || !domain::account::verification_live(sent_at, now)
    {
        return Err(refused());
    }
    confirm_pending(store, credentials, account, &nonce, password, now)
        .await?
        .ok_or_else(refused)
}

/// The refusal of a confirmation number that is not the address's current one.
fn wrong_number(renewed: bool) -> Error {
    if renewed {
        invalid(
            "number",
            "number_renewed",
            "too many wrong numbers: a new one has been mailed",
        )
    } else {
        invalid(
            "number",
            "wrong_number",
            "this is not the number mailed to this address",
        )
    }
}

/// Confirms the address `email` with the eight-digit `number` mailed beside the link, for
/// someone who types it on a phone. A wrong number counts against the code: at the
/// fifth, the code is replaced and a new one mailed. The registration confirmed is chosen
/// as [`confirm_address`] chooses it.
///
/// # Errors
/// [`Error::Invalid`] on `number` for a number that is malformed, wrong (or of an address
/// with nothing to confirm, told apart from nothing), stale, or that used up the code's
/// tries; on `password` as [`confirm_address`].
pub async fn confirm_by_number(
    store: &Store,
    credentials: &impl Credentials,
    email: &str,
    number: &str,
    password: Option<String>,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let Some(number) = domain::account::confirmation_number(number) else {
        return Err(invalid(
            "number",
            "malformed_number",
            "type the eight digits from the mail",
        ));
    };
    let email = domain::email::Email::parse(email).map_err(|e| {
        invalid(
            "email",
            domain::validation::FieldProblem::code(&e),
            e.to_string(),
        )
    })?;
    let (account, nonce, sent_at) = match store.unconfirmed_account(email.as_str()).await {
        Ok(found) => found,
        Err(RepoError::NotFound) => return Err(wrong_number(false)),
        Err(err) => return Err(err.into()),
    };
    if !domain::account::verification_live(sent_at, now) {
        return Err(wrong_number(false));
    }
    if !credentials.number_holds(account, &nonce, &number) {
        let renewed = store
            .count_confirmation_failure(
                account,
                &nonce,
                &credentials.nonce()?,
                domain::account::CONFIRMATION_NUMBER_TRIES,
                now,
            )
            .await?;
        return Err(wrong_number(renewed));
    }
    confirm_pending(store, credentials, account, &nonce, password, now)
        .await?
        .ok_or_else(|| wrong_number(false))
}

/// Confirms account `account`'s address, whose code `nonce` was proved, with the
/// registration its holder made; `None` when it was confirmed or replaced meanwhile.
async fn confirm_pending(
    store: &Store,
    credentials: &impl Credentials,
    account: domain::ids::UserId,
    nonce: &str,
    password: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<User>, Error> {
    let pending = store.pending_registrations(account).await?;
    let chosen = match pending.as_slice() {
        [] => return Ok(None),
        [only] => only.id,
        several => chosen(credentials, several, password).await?,
    };
    match store
        .confirm_registration(account, nonce, chosen, now)
        .await
    {
        Ok(user) => Ok(Some(user)),
        // Confirmed or replaced in the meantime.
        Err(RepoError::NotFound) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The registration among `several` whose password is `password`.
async fn chosen(
    credentials: &impl Credentials,
    several: &[PendingRegistration],
    password: Option<String>,
) -> Result<Uuid, Error> {
    let Some(password) = password else {
        return Err(invalid(
            "password",
            "required",
            "this address was registered more than once: give the password you chose",
        ));
    };
    for registration in several {
        let hash = registration.password_hash.clone();
        if credentials.verify(password.clone(), hash).await? {
            return Ok(registration.id);
        }
    }
    Err(invalid(
        "password",
        "no_registration",
        "no registration of this address has this password",
    ))
}

/// Creates a reviewer, officer or admin account from `input`, its address counting as
/// confirmed (admins).
///
/// # Errors
/// [`Error::Forbidden`] for anyone else; [`Error::Invalid`]; a taken address is a store
/// conflict.
pub async fn create_staff(
    store: &Store,
    credentials: &impl Credentials,
    caller: Caller,
    input: AccountInput<'_>,
    role: Role,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, User>>,
) -> Result<User, Error> {
    caller.require(Role::Admin, "only admins create accounts")?;
    let account = NewAccount::by_admin(input, role.code())?;
    let new = hashed(credentials, account).await?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let user = tx.create_user(new, now).await?;
    keys::commit(tx, remember, &user).await?;
    Ok(user)
}

/// Stores `account` with its password hashed, its address counting as confirmed: for
/// accounts an admin creates, and the first admin, whom an operator creates.
///
/// # Errors
/// A taken address is a store conflict.
pub async fn create_confirmed(
    store: &Store,
    credentials: &impl Credentials,
    account: NewAccount,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let new = hashed(credentials, account).await?;
    Ok(store.create_user(new, now).await?)
}
