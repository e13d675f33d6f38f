//! Logins: starting one for an authenticated account, renewing it with a single-use
//! refresh token, and ending it. Tokens reach here as digests only.

use chrono::{DateTime, Utc};
use persistence::records::User;
use persistence::{RotateOutcome, Store};
use uuid::Uuid;

use crate::access::Caller;
use crate::error::{Error, invalid};

/// Starts a login of `user` whose refresh token has digest `digest`, valid until
/// `expires`; returns the login's id.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub async fn start_login(
    store: &Store,
    user: &User,
    digest: String,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Uuid, Error> {
    Ok(store
        .start_token_family(user.id, digest, expires, now)
        .await?)
}

/// Renews the login of the refresh token with digest `presented`, which then stops
/// working, with a new one of digest `next`; returns the account and the login. A token
/// presented a second time ends its login.
///
/// # Errors
/// [`Error::Unauthenticated`] for a token used before, expired or unknown.
pub async fn renew_login(
    store: &Store,
    presented: &str,
    next: String,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(User, Uuid), Error> {
    match store
        .rotate_refresh_token(presented, next, expires, now)
        .await?
    {
        RotateOutcome::Rotated(user, session) => Ok((user, session)),
        RotateOutcome::Reused => Err(Error::Unauthenticated(
            "the refresh token was already used; sign in again",
        )),
        RotateOutcome::Expired => Err(Error::Unauthenticated("the refresh token has expired")),
        RotateOutcome::Unknown => Err(Error::Unauthenticated("the refresh token is invalid")),
    }
}

/// Ends the caller's login `session`, with every refresh token of it; a presented refresh
/// token (its digest) must be of the same login. An access token that names no login
/// ends the login of the presented refresh token.
///
/// # Errors
/// [`Error::Invalid`] when neither names a login; [`Error::NotThisLogin`] when the
/// refresh token is of another login (nothing is ended then).
pub async fn end_login(
    store: &Store,
    caller: Caller,
    session: Option<Uuid>,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let ended = match (session, presented) {
        (Some(session), presented) => {
            store
                .end_session(caller.id, session, presented, now)
                .await?
        }
        (None, Some(presented)) => {
            store.revoke_token_family(caller.id, presented, now).await?;
            true
        }
        (None, None) => {
            return Err(invalid(
                "refresh_token",
                "required",
                "this access token names no login; send the login's refresh token",
            ));
        }
    };
    if ended {
        Ok(())
    } else {
        Err(Error::NotThisLogin)
    }
}

/// The account and login of the portal sign-in whose token has digest `digest`, renewing
/// it when it is due (a sign-in lasts a month from its last renewal), and whether it was
/// renewed now. A disabled account's sign-in counts as ended.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub async fn resume_login(
    store: &Store,
    digest: &str,
    now: DateTime<Utc>,
) -> Result<Option<(User, Uuid, bool)>, Error> {
    let Some((user, session, expires_at)) = store.cookie_session(digest, now).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    let renews = domain::account::portal_session_renews(expires_at, now);
    if renews {
        store
            .extend_cookie_session(digest, domain::account::portal_session_expires_at(now))
            .await?;
    }
    Ok(Some((user, session, renews)))
}
