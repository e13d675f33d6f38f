//! A call's lifecycle and the phase people see.

use chrono::{DateTime, Utc};

use super::types::*;

/// What is stored about a call's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    /// Being written; invisible to applicants and editable.
    Draft,
    /// Published; whether it is open follows from its dates.
    Published,
    /// Closed early, or recorded as closed after its closing instant.
    Closed,
    /// Its funding decisions are made.
    Decided,
}

impl CallState {
    /// Every stored state.
    pub const ALL: [CallState; 4] = [
        CallState::Draft,
        CallState::Published,
        CallState::Closed,
        CallState::Decided,
    ];

    /// The stable code used in the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Closed => "closed",
            Self::Decided => "decided",
        }
    }
}

crate::codes::closed_set!(CallState, UnknownCallState, "unknown_call_state");

/// What people see, derived from the stored state and the instant: published calls are
/// `Scheduled` before `opens_at`, `Open` from `opens_at` (inclusive) until `closes_at`
/// (exclusive), `Closed` from `closes_at` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallPhase {
    /// Not yet published.
    Draft,
    /// Published but not yet open.
    Scheduled,
    /// Accepting submissions.
    Open,
    /// No longer accepting submissions.
    Closed,
    /// Decisions made.
    Decided,
}

impl CallPhase {
    /// Every phase.
    pub const ALL: [CallPhase; 5] = [
        CallPhase::Draft,
        CallPhase::Scheduled,
        CallPhase::Open,
        CallPhase::Closed,
        CallPhase::Decided,
    ];

    /// The stable code used in the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Decided => "decided",
        }
    }
}

crate::codes::displayed_as_code!(CallPhase);

/// The phase of a call in `state` with the given dates at the instant `now`.
#[must_use]
pub fn phase(
    state: CallState,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> CallPhase {
    match state {
        CallState::Draft => CallPhase::Draft,
        CallState::Published if now < opens_at => CallPhase::Scheduled,
        CallState::Published if now < closes_at => CallPhase::Open,
        CallState::Published | CallState::Closed => CallPhase::Closed,
        CallState::Decided => CallPhase::Decided,
    }
}

/// Why a call's lifecycle change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallTransitionError {
    /// The call is no longer a draft; the payload is the refused action ("edited",
    /// "published").
    #[error("only a draft call can be {0}")]
    NotDraft(&'static str),
    /// Only a published call can be closed.
    #[error("only a published call can be closed")]
    NotPublished,
    /// Publishing a call whose closing instant is not in the future.
    #[error("the closing instant has already passed")]
    ClosingInPast,
}

/// Publishes a draft call whose closing instant is still ahead of `now`.
///
/// # Errors
/// [`CallTransitionError::NotDraft`] unless `state` is `Draft`;
/// [`CallTransitionError::ClosingInPast`] when `spec.closes_at` is not after `now`.
pub fn publish(
    state: CallState,
    spec: &CallSpec,
    now: DateTime<Utc>,
) -> Result<CallState, CallTransitionError> {
    match state {
        CallState::Draft if spec.closes_at > now => Ok(CallState::Published),
        CallState::Draft => Err(CallTransitionError::ClosingInPast),
        CallState::Published | CallState::Closed | CallState::Decided => {
            Err(CallTransitionError::NotDraft("published"))
        }
    }
}

/// Closes a published call, early or (to record it) after its closing instant.
///
/// # Errors
/// [`CallTransitionError::NotPublished`] unless `state` is `Published`.
pub fn close(state: CallState) -> Result<CallState, CallTransitionError> {
    match state {
        CallState::Published => Ok(CallState::Closed),
        CallState::Draft | CallState::Closed | CallState::Decided => {
            Err(CallTransitionError::NotPublished)
        }
    }
}

/// Checks that a call in `state` may be edited.
///
/// # Errors
/// [`CallTransitionError::NotDraft`] unless `state` is `Draft`.
pub fn check_editable(state: CallState) -> Result<(), CallTransitionError> {
    match state {
        CallState::Draft => Ok(()),
        CallState::Published | CallState::Closed | CallState::Decided => {
            Err(CallTransitionError::NotDraft("edited"))
        }
    }
}
