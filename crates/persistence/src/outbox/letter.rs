//! A claimed mail as the worker sends it: one variant per kind, each holding exactly the
//! facts its templates show, so a mail that lacks one cannot be built at all.

use chrono::{DateTime, Utc};
use domain::ids::{ApplicationId, AssignmentId, UserId};
use domain::language::Language;
use domain::money::Money;
use domain::notification::NotificationKind;
use domain::organization::MemberRole;
use uuid::Uuid;

/// A claimed row with everything its mail needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The outbox row.
    pub id: Uuid,
    /// The claim that must be shown to mark it.
    pub claim: Uuid,
    /// Attempts including this one.
    pub attempts: i32,
    /// Who it goes to.
    pub recipient: Recipient,
    /// What it says.
    pub mail: Mail,
}

impl Letter {
    /// What it is about.
    #[must_use]
    pub const fn kind(&self) -> NotificationKind {
        self.mail.kind()
    }
}

/// Who a mail goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Preferred language.
    pub language: Language,
}

/// What a mail says, by audience and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mail {
    /// To the holder of an address, about their account.
    Account(AccountMail),
    /// To a member of the applying organisation, about a change of its application.
    Applicant {
        /// The application.
        application: ApplicationFacts,
        /// The applying organisation's name.
        organization_name: String,
        /// What changed.
        news: News,
    },
    /// To a reviewer, about an assignment (never naming the applicant).
    Reviewer {
        /// The application.
        application: ApplicationFacts,
        /// The assignment.
        assignment: AssignmentFacts,
        /// Why they are mailed.
        news: ReviewerNews,
    },
    /// To the officer in charge of the application's call.
    Officer {
        /// The application.
        application: ApplicationFacts,
        /// What happened.
        news: OfficerNews,
    },
}

impl Mail {
    /// The kind of mail.
    #[must_use]
    pub const fn kind(&self) -> NotificationKind {
        match self {
            Self::Account(AccountMail::VerifyEmail { .. }) => NotificationKind::VerifyEmail,
            Self::Account(AccountMail::PasswordReset(_)) => NotificationKind::PasswordReset,
            Self::Account(AccountMail::AccountExists) => NotificationKind::AccountExists,
            Self::Account(AccountMail::Invited(_)) => NotificationKind::MemberInvited,
            Self::Applicant { news, .. } => news.kind(),
            Self::Reviewer {
                news: ReviewerNews::Assigned,
                ..
            } => NotificationKind::ReviewerAssigned,
            Self::Reviewer {
                news: ReviewerNews::DueSoon,
                ..
            } => NotificationKind::ReviewDueSoon,
            Self::Officer {
                news: OfficerNews::ReviewerRecused { .. },
                ..
            } => NotificationKind::ReviewerRecused,
        }
    }

    /// The application it is about, unless it is about an account.
    #[must_use]
    pub const fn application(&self) -> Option<&ApplicationFacts> {
        match self {
            Self::Account(_) => None,
            Self::Applicant { application, .. }
            | Self::Reviewer { application, .. }
            | Self::Officer { application, .. } => Some(application),
        }
    }
}

/// Mail about the recipient's own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountMail {
    /// The code that confirms a registered address.
    VerifyEmail {
        /// The code.
        code: Verification,
        /// Whether several registrations of the address are pending, so that confirming
        /// asks for the password chosen.
        repeated: bool,
    },
    /// The code that resets the password.
    PasswordReset(Verification),
    /// Someone tried to register the address again.
    AccountExists,
    /// An organisation's owner invited the account's holder to join it.
    Invited(InvitationFacts),
}

/// What an invitation mail tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationFacts {
    /// The organisation.
    pub organization_name: String,
    /// Who invited them.
    pub inviter_name: String,
    /// The role they get on accepting.
    pub role: MemberRole,
    /// When it lapses unanswered.
    pub expires_at: DateTime<Utc>,
}

/// A code that waits for its holder: the confirmation of an address, or a password reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The account.
    pub user_id: UserId,
    /// The random value the code is derived from; a new registration (or reset request)
    /// replaces it, which retires earlier codes.
    pub nonce: String,
    /// When it was issued.
    pub sent_at: DateTime<Utc>,
}

/// What every mail about an application names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFacts {
    /// The application.
    pub id: ApplicationId,
    /// Its title, when it has one.
    pub title: Option<String>,
    /// The call's title.
    pub call_title: String,
}

/// The assignment a reviewer's mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssignmentFacts {
    /// The assignment.
    pub id: AssignmentId,
    /// When the review is due, if a deadline was set.
    pub due_at: Option<DateTime<Utc>>,
}

/// A submission as its mail reports it: that submission's receipt and instant, even when
/// the mail goes out after a later resubmission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The SHA-256 of the content it froze.
    pub receipt: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// The change an applicant is told about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// The application was submitted.
    Submitted {
        /// The submission.
        submission: Submission,
        /// When the call closes.
        closes_at: DateTime<Utc>,
        /// The amount requested.
        requested: Money,
    },
    /// The revised application was submitted.
    Resubmitted {
        /// The submission.
        submission: Submission,
    },
    /// An officer sent the application back for changes.
    RevisionRequested {
        /// What to change.
        comment: String,
        /// By when.
        due_at: DateTime<Utc>,
    },
    /// The application was refused as ineligible.
    Ineligible {
        /// Why.
        reason: String,
    },
    /// The application went to its reviewers.
    UnderReview,
    /// The application was funded.
    Approved {
        /// The grant.
        awarded: Money,
        /// The amount requested.
        requested: Money,
    },
    /// The application is on the reserve list.
    Waitlisted,
    /// The application was not funded.
    Rejected {
        /// Why.
        reason: String,
    },
    /// The applicant withdrew the application.
    Withdrawn,
}

impl News {
    /// The kind of mail that carries it.
    #[must_use]
    pub const fn kind(&self) -> NotificationKind {
        match self {
            Self::Submitted { .. } => NotificationKind::Submitted,
            Self::Resubmitted { .. } => NotificationKind::Resubmitted,
            Self::RevisionRequested { .. } => NotificationKind::RevisionRequested,
            Self::Ineligible { .. } => NotificationKind::Ineligible,
            Self::UnderReview => NotificationKind::UnderReview,
            Self::Approved { .. } => NotificationKind::Approved,
            Self::Waitlisted => NotificationKind::Waitlisted,
            Self::Rejected { .. } => NotificationKind::Rejected,
            Self::Withdrawn => NotificationKind::Withdrawn,
        }
    }
}

/// Why a reviewer is mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewerNews {
    /// They were given the application to review.
    Assigned,
    /// Their review is due soon.
    DueSoon,
}

/// What the officer in charge of a call is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficerNews {
    /// A reviewer declared a conflict with the applying organisation and no longer reviews
    /// the application.
    ReviewerRecused {
        /// The reviewer's name.
        reviewer_name: String,
        /// Whether their submitted review was set aside.
        review_set_aside: bool,
    },
}
