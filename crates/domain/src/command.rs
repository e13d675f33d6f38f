//! What someone asks to happen to an application: the commands of the state machine.

use chrono::{DateTime, Utc};

use crate::money::Money;

/// The kind of a [`Command`], without its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// Submit a draft.
    Submit,
    /// Withdraw the application.
    Withdraw,
    /// Send the application back for changes.
    RequestRevision,
    /// Submit the revised application.
    Resubmit,
    /// Refuse the application as ineligible.
    MarkIneligible,
    /// Hand the application to its reviewers.
    StartReview,
    /// Record that every review is in.
    CompleteReview,
    /// Send a reviewed application back to review.
    ReopenReview,
    /// Put a reviewed application on the waiting list.
    Waitlist,
    /// Fund the application.
    Approve,
    /// Decline the application.
    Reject,
}

impl CommandKind {
    /// Every command kind.
    pub const ALL: [CommandKind; 11] = [
        CommandKind::Submit,
        CommandKind::Withdraw,
        CommandKind::RequestRevision,
        CommandKind::Resubmit,
        CommandKind::MarkIneligible,
        CommandKind::StartReview,
        CommandKind::CompleteReview,
        CommandKind::ReopenReview,
        CommandKind::Waitlist,
        CommandKind::Approve,
        CommandKind::Reject,
    ];

    /// The stable code used in the API and the event log.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Withdraw => "withdraw",
            Self::RequestRevision => "request_revision",
            Self::Resubmit => "resubmit",
            Self::MarkIneligible => "mark_ineligible",
            Self::StartReview => "start_review",
            Self::CompleteReview => "complete_review",
            Self::ReopenReview => "reopen_review",
            Self::Waitlist => "waitlist",
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }
}

crate::codes::displayed_as_code!(CommandKind);

/// Something someone asks to happen to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Submit a draft.
    Submit,
    /// Withdraw the application.
    Withdraw,
    /// Send the application back for changes.
    RequestRevision {
        /// What to change; required.
        comment: String,
        /// The instant the revision is due; in the future.
        due_at: DateTime<Utc>,
    },
    /// Submit the revised application.
    Resubmit,
    /// Refuse the application as ineligible.
    MarkIneligible {
        /// Why; required.
        reason: String,
    },
    /// Hand the application to its reviewers.
    StartReview,
    /// Record that every review is in.
    CompleteReview,
    /// Send a reviewed application back to review.
    ReopenReview {
        /// Why; required.
        reason: String,
    },
    /// Put a reviewed application on the waiting list.
    Waitlist {
        /// Why; required only to waitlist a score below the call's fundable minimum.
        reason: Option<String>,
    },
    /// Fund the application.
    Approve {
        /// The amount granted.
        awarded: Money,
        /// Why; required only to fund a score below the call's fundable minimum.
        reason: Option<String>,
    },
    /// Decline the application.
    Reject {
        /// Why; required.
        reason: String,
    },
}

impl Command {
    /// The kind of this command.
    #[must_use]
    pub const fn kind(&self) -> CommandKind {
        match self {
            Self::Submit => CommandKind::Submit,
            Self::Withdraw => CommandKind::Withdraw,
            Self::RequestRevision { .. } => CommandKind::RequestRevision,
            Self::Resubmit => CommandKind::Resubmit,
            Self::MarkIneligible { .. } => CommandKind::MarkIneligible,
            Self::StartReview => CommandKind::StartReview,
            Self::CompleteReview => CommandKind::CompleteReview,
            Self::ReopenReview { .. } => CommandKind::ReopenReview,
            Self::Waitlist { .. } => CommandKind::Waitlist,
            Self::Approve { .. } => CommandKind::Approve,
            Self::Reject { .. } => CommandKind::Reject,
        }
    }
}
