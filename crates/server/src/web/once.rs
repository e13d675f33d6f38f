//! One-time form tokens: every form the portal serves carries a fresh one, and a handler
//! whose action must happen once claims it before acting. A repeat of the same form (a
//! double tap, a resend over a flaky link) is answered as the first was, without acting
//! again; one that arrives while the first is still at work waits for its answer.

use std::time::Duration;

use persistence::forms::FormClaim;

use crate::error::ApiError;
use crate::state::AppState;

/// How long a repeat waits for the first post's answer, and how often it looks.
const WAIT: Duration = Duration::from_secs(10);
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// What to do with a posted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once {
    /// Act; then [`answered`] (or [`refused`]) with the token.
    First(String),
    /// Answer as the first post was answered (its recorded outcome).
    Repeat(String),
}

/// A fresh token for a form being served.
///
/// # Errors
/// When the random source fails.
pub fn fresh() -> Result<String, getrandom::Error> {
    super::csrf::fresh()
}

/// Claims the form token `token`; a form without one (served before tokens existed) acts.
///
/// # Errors
/// Database failures; a first post that neither answers nor lapses within the wait is
/// reported as unavailable.
pub async fn claim(state: &AppState, token: &str) -> Result<Once, ApiError> {
    if token.is_empty() || token.len() > 64 {
        return Ok(Once::First(String::new()));
    }
    let started = tokio::time::Instant::now();
    loop {
        match state.store.claim_form(token, state.clock.now()).await? {
            FormClaim::First => return Ok(Once::First(token.to_owned())),
            FormClaim::Answered(outcome) => return Ok(Once::Repeat(outcome)),
            FormClaim::Pending if started.elapsed() < WAIT => {
                tokio::time::sleep(LOOK_EVERY).await;
            }
            FormClaim::Pending => {
                return Err(ApiError::Unavailable(anyhow::anyhow!(
                    "an earlier post of the form is still being answered"
                )));
            }
        }
    }
}

/// Records that the form of `token` was answered with `outcome`.
pub async fn answered(state: &AppState, token: &str, outcome: &str) {
    if !token.is_empty()
        && let Err(err) = state.store.answer_form(token, outcome).await
    {
        tracing::warn!(error = %err, "recording a form's answer failed");
    }
}

/// Lets the form of `token` be sent again: it was refused and changed nothing.
pub async fn refused(state: &AppState, token: &str) {
    if !token.is_empty()
        && let Err(err) = state.store.release_form(token).await
    {
        tracing::warn!(error = %err, "releasing a form's token failed");
    }
}
