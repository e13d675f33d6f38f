//! Whether a queued mail is still owed when it comes to be sent: one rule for every kind.

use crate::assignment::AssignmentStatus;
use crate::notification::{Audience, NotificationKind};

/// How things stand, when a queued mail comes to be sent, for what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Whether the recipient's address is confirmed.
    pub address_confirmed: bool,
    /// Whether a confirmation of the address is pending.
    pub confirmation_pending: bool,
    /// Whether a password reset is pending.
    pub reset_pending: bool,
    /// Whether the invitation the mail is about still waits for its answer.
    pub invitation_open: bool,
    /// The status of the assignment the mail is about, for reviewer mail.
    pub assignment: Option<AssignmentStatus>,
    /// Whether the recipient still belongs to the applying organisation, for applicant
    /// mail.
    pub member: bool,
}

/// Why a queued mail is no longer owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotOwed {
    /// The address was confirmed meanwhile.
    #[error("the address is already confirmed")]
    AddressConfirmed,
    /// No confirmation of the address is pending any more.
    #[error("no confirmation of the address is pending")]
    NoConfirmationPending,
    /// No password reset is pending any more.
    #[error("no password reset is pending")]
    NoResetPending,
    /// The reviewer declined the assignment.
    #[error("the assignment was declined")]
    AssignmentDeclined,
    /// The reviewer recused themselves from the assignment.
    #[error("the reviewer recused themselves")]
    AssignmentRecused,
    /// The review a reminder is about was submitted.
    #[error("the review was submitted")]
    ReviewSubmitted,
    /// The recipient left the applying organisation.
    #[error("the recipient left the organisation")]
    RecipientLeft,
    /// The invitation was answered, withdrawn or expired.
    #[error("the invitation no longer waits for an answer")]
    InvitationClosed,
}

/// Whether mail of `kind` is still owed as things `now` stand.
///
/// # Errors
/// [`NotOwed`] naming why it is not.
pub fn still_owed(kind: NotificationKind, now: Standing) -> Result<(), NotOwed> {
    match kind {
        NotificationKind::VerifyEmail if now.address_confirmed => {
            return Err(NotOwed::AddressConfirmed);
        }
        NotificationKind::VerifyEmail if !now.confirmation_pending => {
            return Err(NotOwed::NoConfirmationPending);
        }
        NotificationKind::PasswordReset if !now.reset_pending => {
            return Err(NotOwed::NoResetPending);
        }
        NotificationKind::MemberInvited if !now.invitation_open => {
            return Err(NotOwed::InvitationClosed);
        }
        NotificationKind::VerifyEmail
        | NotificationKind::PasswordReset
        | NotificationKind::AccountExists
        | NotificationKind::Submitted
        | NotificationKind::RevisionRequested
        | NotificationKind::Resubmitted
        | NotificationKind::Ineligible
        | NotificationKind::UnderReview
        | NotificationKind::Approved
        | NotificationKind::Waitlisted
        | NotificationKind::Rejected
        | NotificationKind::Withdrawn
        | NotificationKind::ReviewerAssigned
        | NotificationKind::ReviewDueSoon
        | NotificationKind::ReviewerRecused
        | NotificationKind::MemberInvited => {}
    }
    match now.assignment {
        Some(AssignmentStatus::Declined) => return Err(NotOwed::AssignmentDeclined),
        // The recusal is what the officer's notice reports; the reviewer is owed nothing
        // more about the assignment.
        Some(AssignmentStatus::Recused) if kind.audience() == Audience::Reviewer => {
            return Err(NotOwed::AssignmentRecused);
        }
        // The assignment mail still tells the reviewer what they reviewed; a reminder
        // would be wrong.
        Some(AssignmentStatus::Submitted) if kind == NotificationKind::ReviewDueSoon => {
            return Err(NotOwed::ReviewSubmitted);
        }
        Some(
            AssignmentStatus::Assigned
            | AssignmentStatus::Accepted
            | AssignmentStatus::Submitted
            | AssignmentStatus::Recused,
        )
        | None => {}
    }
    match kind.audience() {
        Audience::Applicant if !now.member => Err(NotOwed::RecipientLeft),
        Audience::Applicant | Audience::Reviewer | Audience::Account | Audience::Officer => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTLED: Standing = Standing {
        address_confirmed: true,
        confirmation_pending: false,
        reset_pending: false,
        invitation_open: false,
        assignment: None,
        member: true,
    };

    #[test]
    fn each_kind_is_owed_until_what_it_is_about_is_settled() {
        use AssignmentStatus as A;
        use NotificationKind as K;
        let unconfirmed = Standing {
            address_confirmed: false,
            confirmation_pending: true,
            ..SETTLED
        };
        let reset = Standing {
            reset_pending: true,
            ..SETTLED
        };
        let assigned = |status| Standing {
            assignment: Some(status),
            ..SETTLED
        };
        let left = Standing {
            member: false,
            ..SETTLED
        };
        let cases = [
            (K::VerifyEmail, unconfirmed, Ok(())),
            (K::VerifyEmail, SETTLED, Err(NotOwed::AddressConfirmed)),
            (
                K::VerifyEmail,
                Standing {
                    confirmation_pending: false,
                    ..unconfirmed
                },
                Err(NotOwed::NoConfirmationPending),
            ),
            (K::PasswordReset, reset, Ok(())),
            (K::PasswordReset, SETTLED, Err(NotOwed::NoResetPending)),
            (K::AccountExists, SETTLED, Ok(())),
            (
                K::MemberInvited,
                Standing {
                    invitation_open: true,
                    ..SETTLED
                },
                Ok(()),
            ),
            (K::MemberInvited, SETTLED, Err(NotOwed::InvitationClosed)),
            (K::ReviewerAssigned, assigned(A::Assigned), Ok(())),
            (K::ReviewerAssigned, assigned(A::Submitted), Ok(())),
            (
                K::ReviewerAssigned,
                assigned(A::Declined),
                Err(NotOwed::AssignmentDeclined),
            ),
            (K::ReviewDueSoon, assigned(A::Accepted), Ok(())),
            (
                K::ReviewDueSoon,
                assigned(A::Submitted),
                Err(NotOwed::ReviewSubmitted),
            ),
            (
                K::ReviewDueSoon,
                assigned(A::Declined),
                Err(NotOwed::AssignmentDeclined),
            ),
            (
                K::ReviewerAssigned,
                assigned(A::Recused),
                Err(NotOwed::AssignmentRecused),
            ),
            (
                K::ReviewDueSoon,
                assigned(A::Recused),
                Err(NotOwed::AssignmentRecused),
            ),
            // The officer is told of a recusal however things stand.
            (K::ReviewerRecused, assigned(A::Recused), Ok(())),
            (
                K::ReviewerRecused,
                Standing {
                    member: false,
                    ..assigned(A::Recused)
                },
                Ok(()),
            ),
            (K::Approved, SETTLED, Ok(())),
            (K::Approved, left, Err(NotOwed::RecipientLeft)),
            (K::Submitted, left, Err(NotOwed::RecipientLeft)),
            // Reviewers are not members of the organisation they review.
            (
                K::ReviewerAssigned,
                Standing {
                    member: false,
                    ..assigned(A::Assigned)
                },
                Ok(()),
            ),
        ];
        for (kind, standing, expected) in cases {
            assert_eq!(
                still_owed(kind, standing),
                expected,
                "{kind:?} {standing:?}"
            );
        }
    }
}
