//! Notifications as data: which change tells whom what. Rendering and sending belong to the
//! server; this module only decides that a mail is owed.

use chrono::{DateTime, Duration, Utc};

use crate::event::{Event, Transition};
use crate::status::ApplicationStatus;

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// The application was submitted; carries the receipt.
    Submitted,
    /// An officer sent the application back for changes.
    RevisionRequested,
    /// The revised application was submitted.
    Resubmitted,
    /// The application was refused as ineligible.
    Ineligible,
    /// The application went to its reviewers.
    UnderReview,
    /// The application was funded.
    Approved,
    /// The application is on the reserve list.
    Waitlisted,
    /// The application was not funded.
    Rejected,
    /// The applicant withdrew the application.
    Withdrawn,
    /// A reviewer was given an application to review.
    ReviewerAssigned,
    /// A reviewer's review is due within [`REMINDER_WINDOW_HOURS`].
    ReviewDueSoon,
    /// Someone registered with the address: the link that confirms it.
    VerifyEmail,
    /// Someone tried to register an address that already has an account.
    AccountExists,
    /// The holder of an account asked to reset its password: the code that does it.
    PasswordReset,
    /// A reviewer declared a conflict of interest with an application's organisation after
    /// being assigned to it, and no longer reviews it.
    ReviewerRecused,
    /// An organisation's owner invited the address to join it.
    MemberInvited,
}

/// Who receives a kind of mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The members of the applying organisation.
    Applicant,
    /// The reviewer of an assignment.
    Reviewer,
    /// The holder of an address, about their account.
    Account,
    /// The officer in charge of the application's call: its creator.
    Officer,
}

/// How long before an assignment's due instant its reviewer is reminded.
pub const REMINDER_WINDOW_HOURS: i64 = 48;

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 16] = [
        NotificationKind::Submitted,
        NotificationKind::RevisionRequested,
        NotificationKind::Resubmitted,
        NotificationKind::Ineligible,
        NotificationKind::UnderReview,
        NotificationKind::Approved,
        NotificationKind::Waitlisted,
        NotificationKind::Rejected,
        NotificationKind::Withdrawn,
        NotificationKind::ReviewerAssigned,
        NotificationKind::ReviewDueSoon,
        NotificationKind::VerifyEmail,
        NotificationKind::AccountExists,
        NotificationKind::PasswordReset,
        NotificationKind::ReviewerRecused,
        NotificationKind::MemberInvited,
    ];

    /// The stable code used in the database, the API and template names.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::RevisionRequested => "revision_requested",
            Self::Resubmitted => "resubmitted",
            Self::Ineligible => "ineligible",
            Self::UnderReview => "under_review",
            Self::Approved => "approved",
            Self::Waitlisted => "waitlisted",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::ReviewerAssigned => "reviewer_assigned",
            Self::ReviewDueSoon => "review_due_soon",
            Self::VerifyEmail => "verify_email",
            Self::AccountExists => "account_exists",
            Self::PasswordReset => "password_reset",
            Self::ReviewerRecused => "reviewer_recused",
            Self::MemberInvited => "member_invited",
        }
    }

    /// Who receives it.
    #[must_use]
    pub const fn audience(self) -> Audience {
        match self {
            Self::Submitted
            | Self::RevisionRequested
            | Self::Resubmitted
            | Self::Ineligible
            | Self::UnderReview
            | Self::Approved
            | Self::Waitlisted
            | Self::Rejected
            | Self::Withdrawn => Audience::Applicant,
            Self::ReviewerAssigned | Self::ReviewDueSoon => Audience::Reviewer,
            Self::VerifyEmail | Self::AccountExists | Self::PasswordReset | Self::MemberInvited => {
                Audience::Account
            }
            Self::ReviewerRecused => Audience::Officer,
        }
    }
}

crate::codes::closed_set!(
    NotificationKind,
    UnknownNotification,
    "unknown_notification"
);

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt (or being sent under a claim).
    Pending,
    /// Accepted by the mail server.
    Sent,
    /// Given up after the last attempt; an admin may retry it.
    Failed,
    /// No longer owed when it came to be sent: the recipient left the organisation, the
    /// assignment was declined, or the review was submitted.
    Cancelled,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
        DeliveryStatus::Cancelled,
    ];

    /// The stable code used in the database and the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

crate::codes::closed_set!(
    DeliveryStatus,
    UnknownDeliveryStatus,
    "unknown_delivery_status"
);

/// The mail an application's change owes its applicant, if any. Applicants are mailed only
/// about changes they can see: completing or reopening a review leaves the status they see
/// at `under_review`, so those owe nothing.
#[must_use]
pub fn for_event(transition: &Transition) -> Option<NotificationKind> {
    if transition.from.as_seen_by_applicant() == transition.to.as_seen_by_applicant() {
        return None;
    }
    Some(match transition.event {
        Event::Submitted => NotificationKind::Submitted,
        Event::Withdrawn => NotificationKind::Withdrawn,
        Event::RevisionRequested { .. } => NotificationKind::RevisionRequested,
        Event::Resubmitted => NotificationKind::Resubmitted,
        Event::MarkedIneligible { .. } => NotificationKind::Ineligible,
        Event::ReviewStarted => NotificationKind::UnderReview,
        Event::Waitlisted { .. } => NotificationKind::Waitlisted,
        Event::Approved { .. } => NotificationKind::Approved,
        Event::Rejected { .. } => NotificationKind::Rejected,
        Event::ReviewCompleted | Event::ReviewReopened { .. } => return None,
    })
}

/// Whether an application in `status` lets its applicant read the reviewers' feedback, so a
/// mail may link to it.
#[must_use]
pub const fn links_feedback(kind: NotificationKind) -> bool {
    match kind {
        NotificationKind::Approved | NotificationKind::Waitlisted | NotificationKind::Rejected => {
            true
        }
        NotificationKind::Submitted
        | NotificationKind::RevisionRequested
        | NotificationKind::Resubmitted
        | NotificationKind::Ineligible
        | NotificationKind::UnderReview
        | NotificationKind::Withdrawn
        | NotificationKind::ReviewerAssigned
        | NotificationKind::ReviewDueSoon
        | NotificationKind::VerifyEmail
        | NotificationKind::AccountExists
        | NotificationKind::PasswordReset
        | NotificationKind::ReviewerRecused
        | NotificationKind::MemberInvited => false,
    }
}

/// The earliest due instant that earns a reminder at `now`: assignments due at or before
/// it (and not yet past) are within [`REMINDER_WINDOW_HOURS`].
#[must_use]
pub fn reminder_horizon(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::hours(REMINDER_WINDOW_HOURS)
}

/// Whether the mail announcing an assignment made at `now` and due at `due_at` stands in
/// for its reminder: the review is already due within the reminder window, so a second
/// mail moments later would only repeat the deadline the first one gives.
#[must_use]
pub fn assignment_mail_reminds(due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    due_at.is_some_and(|due_at| due_at <= reminder_horizon(now))
}

/// Whether an assignment due at `due_at` earns its one reminder at `now`: it is due within
/// the window and not yet past, it is still open (`status` of its application is being
/// reviewed), and no reminder went out before.
#[must_use]
pub fn reminder_owed(
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    review_submitted: bool,
    already_reminded: bool,
    application: ApplicationStatus,
) -> bool {
    let Some(due_at) = due_at else {
        return false;
    };
    !review_submitted
        && !already_reminded
        && application == ApplicationStatus::UnderReview
        && due_at > now
        && due_at <= reminder_horizon(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::transition::CommandKind;

    fn event(command: CommandKind, from: ApplicationStatus, to: ApplicationStatus) -> Transition {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let event = Event::from_parts(
            command,
            Some("why".to_owned()),
            Some(at),
            Money::from_minor(1),
        );
        Transition {
            event: event.unwrap_or(Event::Withdrawn),
            from,
            to,
            at,
        }
    }

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for kind in NotificationKind::ALL {
            assert_eq!(kind.code().parse::<NotificationKind>(), Ok(kind));
            assert!(seen.insert(kind.code()), "{kind} twice");
        }
        assert_eq!("sent".parse::<NotificationKind>(), Err(UnknownNotification));
    }

    #[test]
    fn every_visible_change_owes_its_applicant_a_mail() {
        use ApplicationStatus as S;
        use CommandKind as C;
        let cases = [
            (
                C::Submit,
                S::Draft,
                S::Submitted,
                Some(NotificationKind::Submitted),
            ),
            (
                C::Withdraw,
                S::Draft,
                S::Withdrawn,
                Some(NotificationKind::Withdrawn),
            ),
            (
                C::RequestRevision,
                S::Submitted,
                S::RevisionRequested,
                Some(NotificationKind::RevisionRequested),
            ),
            (
                C::Resubmit,
                S::RevisionRequested,
                S::Submitted,
                Some(NotificationKind::Resubmitted),
            ),
            (
                C::MarkIneligible,
                S::Submitted,
                S::Ineligible,
                Some(NotificationKind::Ineligible),
            ),
            (
                C::StartReview,
                S::Submitted,
                S::UnderReview,
                Some(NotificationKind::UnderReview),
            ),
            (C::CompleteReview, S::UnderReview, S::Reviewed, None),
            (C::ReopenReview, S::Reviewed, S::UnderReview, None),
            (
                C::Waitlist,
                S::Reviewed,
                S::Waitlisted,
                Some(NotificationKind::Waitlisted),
            ),
            (
                C::Approve,
                S::Waitlisted,
                S::Approved,
                Some(NotificationKind::Approved),
            ),
            (
                C::Reject,
                S::Reviewed,
                S::Rejected,
                Some(NotificationKind::Rejected),
            ),
        ];
        for (command, from, to, expected) in cases {
            assert_eq!(for_event(&event(command, from, to)), expected, "{command}");
        }
        for kind in NotificationKind::ALL {
            let expected = matches!(
                kind,
                NotificationKind::ReviewerAssigned | NotificationKind::ReviewDueSoon
            );
            assert_eq!(kind.audience() == Audience::Reviewer, expected, "{kind}");
            let about_account = matches!(
                kind,
                NotificationKind::VerifyEmail
                    | NotificationKind::AccountExists
                    | NotificationKind::PasswordReset
                    | NotificationKind::MemberInvited
            );
            assert_eq!(
                kind.audience() == Audience::Account,
                about_account,
                "{kind}"
            );
        }
    }

    #[test]
    fn an_assignment_due_within_the_window_is_reminded_by_its_own_mail() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(100);
        let hours = |h| Some(now + Duration::hours(h));
        assert!(assignment_mail_reminds(hours(1), now));
        assert!(assignment_mail_reminds(hours(REMINDER_WINDOW_HOURS), now));
        assert!(!assignment_mail_reminds(
            hours(REMINDER_WINDOW_HOURS + 1),
            now
        ));
        assert!(!assignment_mail_reminds(None, now));
    }

    #[test]
    fn a_reminder_is_owed_once_inside_the_window() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(100);
        let under = ApplicationStatus::UnderReview;
        let soon = Some(now + Duration::hours(47));
        assert!(reminder_owed(soon, now, false, false, under));
        assert!(reminder_owed(
            Some(now + Duration::hours(48)),
            now,
            false,
            false,
            under
        ));
        assert!(!reminder_owed(
            Some(now + Duration::hours(49)),
            now,
            false,
            false,
            under
        ));
        assert!(
            !reminder_owed(Some(now), now, false, false, under),
            "already due"
        );
        assert!(
            !reminder_owed(None, now, false, false, under),
            "no due date"
        );
        assert!(!reminder_owed(soon, now, true, false, under), "submitted");
        assert!(
            !reminder_owed(soon, now, false, true, under),
            "reminded before"
        );
        assert!(
            !reminder_owed(soon, now, false, false, ApplicationStatus::Withdrawn),
            "withdrawn"
        );
    }

    #[test]
    fn only_decisions_link_the_feedback() {
        let linked: Vec<NotificationKind> = NotificationKind::ALL
            .into_iter()
            .filter(|k| links_feedback(*k))
            .collect();
        assert_eq!(
            linked,
            vec![
                NotificationKind::Approved,
                NotificationKind::Waitlisted,
                NotificationKind::Rejected
            ]
        );
    }
}
