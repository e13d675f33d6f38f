//! Invitations to join an organisation: an owner invites an address, and only the holder
//! of a confirmed applicant account with that address makes themself a member, by
//! accepting within [`INVITATION_DAYS`] days.

use chrono::{DateTime, Duration, Utc};

/// How many days an invitation waits for its answer.
pub const INVITATION_DAYS: i64 = 7;

/// When an invitation sent at `sent_at` lapses.
#[must_use]
pub fn expires_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::days(INVITATION_DAYS)
}

/// What became of an invitation, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationState {
    /// Waiting for the invitee (until it expires).
    Pending,
    /// The invitee joined.
    Accepted,
    /// The invitee said no.
    Declined,
    /// An owner withdrew it.
    Revoked,
}

impl InvitationState {
    /// Every stored state.
    pub const ALL: [InvitationState; 4] = [
        InvitationState::Pending,
        InvitationState::Accepted,
        InvitationState::Declined,
        InvitationState::Revoked,
    ];

    /// The stable code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Revoked => "revoked",
        }
    }
}

crate::codes::closed_set!(
    InvitationState,
    UnknownInvitationState,
    "unknown_invitation_state"
);

/// What an invitation is at an instant: its stored state, or `Expired` for a pending one
/// whose time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationStatus {
    /// Waiting for the invitee.
    Pending,
    /// The invitee joined.
    Accepted,
    /// The invitee said no.
    Declined,
    /// An owner withdrew it.
    Revoked,
    /// Nobody answered in time.
    Expired,
}

impl InvitationStatus {
    /// The status of an invitation stored as `state` that expires at `expires_at`, at `now`.
    #[must_use]
    pub fn of(state: InvitationState, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        match state {
            InvitationState::Pending if now >= expires_at => Self::Expired,
            InvitationState::Pending => Self::Pending,
            InvitationState::Accepted => Self::Accepted,
            InvitationState::Declined => Self::Declined,
            InvitationState::Revoked => Self::Revoked,
        }
    }

    /// The stable code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

/// An answer to an invitation, or an owner withdrawing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationAction {
    /// The invitee joins.
    Accept,
    /// The invitee says no.
    Decline,
    /// An owner withdraws it.
    Revoke,
}

/// Why an invitation cannot be answered or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    /// Its time ran out.
    #[error("the invitation has expired; ask the organisation for a new one")]
    Expired,
    /// It was answered or withdrawn already.
    #[error("the invitation was already {0}")]
    Settled(&'static str),
}

/// The state an invitation with status `status` moves to under `action`.
///
/// # Errors
/// [`InvitationError::Expired`] or [`InvitationError::Settled`] unless it is pending.
pub fn decide(
    status: InvitationStatus,
    action: InvitationAction,
) -> Result<InvitationState, InvitationError> {
    match status {
        InvitationStatus::Pending => Ok(match action {
            InvitationAction::Accept => InvitationState::Accepted,
            InvitationAction::Decline => InvitationState::Declined,
            InvitationAction::Revoke => InvitationState::Revoked,
        }),
        InvitationStatus::Expired => Err(InvitationError::Expired),
        InvitationStatus::Accepted | InvitationStatus::Declined | InvitationStatus::Revoked => {
            Err(InvitationError::Settled(status.code()))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn sent() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn a_pending_invitation_expires_after_seven_days_to_the_second() {
        let expires = expires_at(sent());
        let status = |now| InvitationStatus::of(InvitationState::Pending, expires, now);
        assert_eq!(status(sent()), InvitationStatus::Pending);
        assert_eq!(
            status(expires - Duration::seconds(1)),
            InvitationStatus::Pending
        );
        assert_eq!(status(expires), InvitationStatus::Expired);
        // A settled invitation keeps its state however late it is read.
        assert_eq!(
            InvitationStatus::of(
                InvitationState::Accepted,
                expires,
                expires + Duration::days(30)
            ),
            InvitationStatus::Accepted
        );
    }

    #[test]
    fn every_status_and_action_has_its_outcome() {
        use InvitationAction as A;
        use InvitationState as S;
        use InvitationStatus as T;
        let table = [
            (T::Pending, A::Accept, Ok(S::Accepted)),
            (T::Pending, A::Decline, Ok(S::Declined)),
            (T::Pending, A::Revoke, Ok(S::Revoked)),
            (T::Expired, A::Accept, Err(InvitationError::Expired)),
            (T::Expired, A::Decline, Err(InvitationError::Expired)),
            (T::Expired, A::Revoke, Err(InvitationError::Expired)),
            (
                T::Accepted,
                A::Accept,
                Err(InvitationError::Settled("accepted")),
            ),
            (
                T::Accepted,
                A::Revoke,
                Err(InvitationError::Settled("accepted")),
            ),
            (
                T::Declined,
                A::Accept,
                Err(InvitationError::Settled("declined")),
            ),
            (
                T::Declined,
                A::Decline,
                Err(InvitationError::Settled("declined")),
            ),
            (
                T::Revoked,
                A::Accept,
                Err(InvitationError::Settled("revoked")),
            ),
            (
                T::Revoked,
                A::Revoke,
                Err(InvitationError::Settled("revoked")),
            ),
        ];
        for (status, action, outcome) in table {
            assert_eq!(decide(status, action), outcome, "{status:?} × {action:?}");
        }
    }

    #[test]
    fn stored_states_read_back_from_their_codes() {
        for state in InvitationState::ALL {
            assert_eq!(state.code().parse::<InvitationState>(), Ok(state));
        }
        assert!("expired".parse::<InvitationState>().is_err());
    }
}
