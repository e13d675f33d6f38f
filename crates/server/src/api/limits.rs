//! Rate limits on the doors guessing comes through: logins and registrations per client
//! address and per account, confirmations per client address. Counted in the database,
//! per minute, so that every replica counts together.

use chrono::Duration;
use poem::web::RemoteAddr;

use crate::error::ApiError;
use crate::state::AppState;

/// What is being attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Logging in.
    Login,
    /// Registering an account.
    Register,
    /// Confirming a registered address.
    Confirm,
}

impl Door {
    const fn code(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Register => "register",
            Self::Confirm => "confirm",
        }
    }
}

/// Counts one attempt at `door` from `remote` (and at `account`, an address that parses as
/// e-mail), refusing it when a limit is reached.
///
/// # Errors
/// [`ApiError::TooManyRequests`] with the seconds to wait; database failures as usual.
pub async fn admit(
    state: &AppState,
    door: Door,
    remote: &RemoteAddr,
    account: Option<&str>,
) -> Result<(), ApiError> {
    let settings = &state.settings;
    let address = remote
        .as_socket_addr()
        .map_or_else(|| remote.to_string(), |a| a.ip().to_string());
    let mut keys = vec![(
        format!("{}:address:{address}", door.code()),
        settings.auth_rate_per_address,
    )];
    if let Some(account) = account {
        keys.push((
            format!("{}:account:{account}", door.code()),
            settings.auth_rate_per_account,
        ));
    }
    let now = state.clock.now();
    for (key, limit) in keys {
        if limit == 0 {
            continue;
        }
        if let Some(wait) = state
            .store
            .hit_rate_limit(&key, now, Duration::minutes(1), limit)
            .await?
        {
            return Err(ApiError::TooManyRequests(wait.num_seconds().max(1)));
        }
    }
    Ok(())
}

/// Parses `email` and counts one attempt at `door` from `remote` and at that address (when
/// it parses). Returns the parsed address; one that cannot parse is counted by client
/// address only.
///
/// # Errors
/// As [`admit`].
pub async fn admit_address(
    state: &AppState,
    door: Door,
    remote: &RemoteAddr,
    email: &str,
) -> Result<Option<domain::email::Email>, ApiError> {
    let email = domain::email::Email::parse(email).ok();
    admit(
        state,
        door,
        remote,
        email.as_ref().map(domain::email::Email::as_str),
    )
    .await?;
    Ok(email)
}
