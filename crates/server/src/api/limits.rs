//! Rate limits on the doors guessing comes through, counted in the database per minute so
//! that every replica counts together:
//!
//! - logins: failed attempts per client address and per (account, client address). Only
//!   failures count and only from where they came, so nobody can lock an account out from
//!   elsewhere: the right password from an address without recent failures always works;
//! - registrations: per client address and per address registered;
//! - password-reset requests: per client address and per address asked for;
//! - confirmations and password-reset codes: per client address.
//!
//! The client address is the connection's peer, or what trusted proxies report
//! (`GRANTS_TRUSTED_PROXIES`).

use chrono::Duration;
use poem::{FromRequest, Request, RequestBody};

use crate::client_ip::{IpRange, client_ip};
use crate::error::ApiError;
use crate::state::AppState;

/// The client's address, as rate limits count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl<'a> FromRequest<'a> for ClientAddress {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let remote = req.remote_addr();
        let Some(peer) = remote.as_socket_addr().map(std::net::SocketAddr::ip) else {
            return Ok(Self(remote.to_string()));
        };
        let trusted: Vec<IpRange> = req
            .data::<AppState>()
            .map(|state| {
                state
                    .settings
                    .trusted_proxies
                    .iter()
                    .filter_map(|proxy| IpRange::parse(proxy).ok())
                    .collect()
            })
            .unwrap_or_default();
        if trusted.is_empty() {
            return Ok(Self(peer.to_canonical().to_string()));
        }
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        Ok(Self(client_ip(peer, &forwarded, &trusted).to_string()))
    }
}

/// A one-minute window.
fn window() -> Duration {
    Duration::minutes(1)
}

/// What is being attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Logging in.
    Login,
    /// Registering an account.
    Register,
    /// Confirming a registered address.
    Confirm,
    /// Asking for a password reset.
    Reset,
    /// Setting a password with a reset code.
    ResetConfirm,
}

impl Door {
    const fn code(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Register => "register",
            Self::Confirm => "confirm",
            Self::Reset => "reset",
            Self::ResetConfirm => "reset-confirm",
        }
    }
}

/// Counts one attempt at `door` from `client` (and at `account`, an address that parses as
/// e-mail), refusing it when a limit is reached.
///
/// # Errors
/// [`ApiError::TooManyRequests`] with the seconds to wait; database failures as usual.
pub async fn admit(
    state: &AppState,
    door: Door,
    client: &ClientAddress,
    account: Option<&str>,
) -> Result<(), ApiError> {
    let keys = limited_keys(
        state,
        format!("{}:address:{}", door.code(), client.0),
        account.map(|account| format!("{}:account:{account}", door.code())),
    );
    let now = state.clock.now();
    for (key, limit) in keys {
        if let Some(wait) = state
            .store
            .hit_rate_limit(&key, now, window(), limit)
            .await?
        {
            return Err(ApiError::TooManyRequests(wait.num_seconds().max(1)));
        }
    }
    Ok(())
}

/// The counter of a client address and, when given, the one of an account, each with its
/// limit; a limit of 0 means none, so its counter is left out.
fn limited_keys(
    state: &AppState,
    address_key: String,
    account_key: Option<String>,
) -> Vec<(String, u32)> {
    let settings = &state.settings;
    let mut keys = vec![(address_key, settings.auth_rate_per_address)];
    keys.extend(account_key.map(|key| (key, settings.auth_rate_per_account)));
    keys.retain(|(_, limit)| *limit > 0);
    keys
}

/// Parses `email` and counts one attempt at `door` from `client` and at that address (when
/// it parses). Returns the parsed address; one that cannot parse is counted by client
/// address only.
///
/// # Errors
/// As [`admit`].
pub async fn admit_address(
    state: &AppState,
    door: Door,
    client: &ClientAddress,
    email: &str,
) -> Result<Option<domain::email::Email>, ApiError> {
    let email = domain::email::Email::parse(email).ok();
    admit(
        state,
        door,
        client,
        email.as_ref().map(domain::email::Email::as_str),
    )
    .await?;
    Ok(email)
}

/// The failure counters of a login to `account` from `client`, with their limits.
fn login_failure_keys(
    state: &AppState,
    client: &ClientAddress,
    account: Option<&str>,
) -> Vec<(String, u32)> {
    limited_keys(
        state,
        format!("login-failed:address:{}", client.0),
        account.map(|account| format!("login-failed:account:{account}:address:{}", client.0)),
    )
}

/// Refuses a login from `client` while its recent failures (all of them, or those for
/// `account`) have reached their limits. Counts nothing: only failures are counted, by
/// [`count_login_failure`].
///
/// # Errors
/// [`ApiError::TooManyRequests`] with the seconds to wait; database failures as usual.
pub async fn admit_login(
    state: &AppState,
    client: &ClientAddress,
    account: Option<&str>,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    for (key, limit) in login_failure_keys(state, client, account) {
        if let Some(wait) = state
            .store
            .rate_limit_reached(&key, now, window(), limit)
            .await?
        {
            return Err(ApiError::TooManyRequests(wait.num_seconds().max(1)));
        }
    }
    Ok(())
}

/// Counts a failed login to `account` from `client`.
///
/// # Errors
/// Database failures.
pub async fn count_login_failure(
    state: &AppState,
    client: &ClientAddress,
    account: Option<&str>,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    for (key, limit) in login_failure_keys(state, client, account) {
        state
            .store
            .hit_rate_limit(&key, now, window(), limit)
            .await?;
    }
    Ok(())
}
