//! What happened to an application: one variant per command, each carrying exactly the
//! facts of its kind, so an approval cannot be recorded without its award nor a revision
//! request without its deadline.

use chrono::{DateTime, Utc};

use crate::command::CommandKind;
use crate::money::Money;
use crate::status::ApplicationStatus;

/// A change decided on an application, with its own facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The draft was submitted.
    Submitted,
    /// The applicant withdrew the application.
    Withdrawn,
    /// An officer sent the application back for changes.
    RevisionRequested {
        /// What to change, trimmed.
        comment: String,
        /// By when.
        due_at: DateTime<Utc>,
    },
    /// The revised application was submitted.
    Resubmitted,
    /// The application was refused as ineligible.
    MarkedIneligible {
        /// Why, trimmed.
        reason: String,
    },
    /// The application went to its reviewers.
    ReviewStarted,
    /// Every review the call asks for is in.
    ReviewCompleted,
    /// A reviewed application went back to review.
    ReviewReopened {
        /// Why, trimmed.
        reason: String,
    },
    /// The application was put on the waiting list.
    Waitlisted {
        /// Why, when its score is below the call's fundable minimum.
        override_reason: Option<String>,
    },
    /// The application was funded.
    Approved {
        /// The grant.
        awarded: Money,
        /// Why, when its score is below the call's fundable minimum.
        override_reason: Option<String>,
    },
    /// The application was declined.
    Rejected {
        /// Why, trimmed.
        reason: String,
    },
}

/// A stored event lacks a fact its kind carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {command} event lacks its {fact}")]
pub struct MissingFact {
    /// The kind of the event.
    pub command: CommandKind,
    /// The fact it lacks.
    pub fact: &'static str,
}

impl Event {
    /// The command that causes it.
    #[must_use]
    pub const fn command(&self) -> CommandKind {
        match self {
            Self::Submitted => CommandKind::Submit,
            Self::Withdrawn => CommandKind::Withdraw,
            Self::RevisionRequested { .. } => CommandKind::RequestRevision,
            Self::Resubmitted => CommandKind::Resubmit,
            Self::MarkedIneligible { .. } => CommandKind::MarkIneligible,
            Self::ReviewStarted => CommandKind::StartReview,
            Self::ReviewCompleted => CommandKind::CompleteReview,
            Self::ReviewReopened { .. } => CommandKind::ReopenReview,
            Self::Waitlisted { .. } => CommandKind::Waitlist,
            Self::Approved { .. } => CommandKind::Approve,
            Self::Rejected { .. } => CommandKind::Reject,
        }
    }

    /// The reason or revision comment it carries, if its kind has one.
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::RevisionRequested { comment, .. } => Some(comment),
            Self::MarkedIneligible { reason }
            | Self::ReviewReopened { reason }
            | Self::Rejected { reason } => Some(reason),
            Self::Waitlisted { override_reason }
            | Self::Approved {
                override_reason, ..
            } => override_reason.as_deref(),
            Self::Submitted
            | Self::Withdrawn
            | Self::Resubmitted
            | Self::ReviewStarted
            | Self::ReviewCompleted => None,
        }
    }

    /// The revision deadline, for a revision request.
    #[must_use]
    pub const fn revision_due_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::RevisionRequested { due_at, .. } => Some(*due_at),
            Self::Submitted
            | Self::Withdrawn
            | Self::Resubmitted
            | Self::MarkedIneligible { .. }
            | Self::ReviewStarted
            | Self::ReviewCompleted
            | Self::ReviewReopened { .. }
            | Self::Waitlisted { .. }
            | Self::Approved { .. }
            | Self::Rejected { .. } => None,
        }
    }

    /// The grant, for an approval.
    #[must_use]
    pub const fn awarded(&self) -> Option<Money> {
        match self {
            Self::Approved { awarded, .. } => Some(*awarded),
            Self::Submitted
            | Self::Withdrawn
            | Self::RevisionRequested { .. }
            | Self::Resubmitted
            | Self::MarkedIneligible { .. }
            | Self::ReviewStarted
            | Self::ReviewCompleted
            | Self::ReviewReopened { .. }
            | Self::Waitlisted { .. }
            | Self::Rejected { .. } => None,
        }
    }

    /// Rebuilds an event from the columns it is stored in.
    ///
    /// # Errors
    /// [`MissingFact`] when a fact its kind carries is absent.
    pub fn from_parts(
        command: CommandKind,
        reason: Option<String>,
        revision_due_at: Option<DateTime<Utc>>,
        awarded: Option<Money>,
    ) -> Result<Self, MissingFact> {
        let missing = |fact| MissingFact { command, fact };
        let required = |reason: Option<String>| reason.ok_or_else(|| missing("reason"));
        Ok(match command {
            CommandKind::Submit => Self::Submitted,
            CommandKind::Withdraw => Self::Withdrawn,
            CommandKind::RequestRevision => Self::RevisionRequested {
                comment: reason.ok_or_else(|| missing("comment"))?,
                due_at: revision_due_at.ok_or_else(|| missing("deadline"))?,
            },
            CommandKind::Resubmit => Self::Resubmitted,
            CommandKind::MarkIneligible => Self::MarkedIneligible {
                reason: required(reason)?,
            },
            CommandKind::StartReview => Self::ReviewStarted,
            CommandKind::CompleteReview => Self::ReviewCompleted,
            CommandKind::ReopenReview => Self::ReviewReopened {
                reason: required(reason)?,
            },
            CommandKind::Waitlist => Self::Waitlisted {
                override_reason: reason,
            },
            CommandKind::Approve => Self::Approved {
                awarded: awarded.ok_or_else(|| missing("award"))?,
                override_reason: reason,
            },
            CommandKind::Reject => Self::Rejected {
                reason: required(reason)?,
            },
        })
    }
}

/// An event as it happened to one application: the statuses it moved between and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// What happened.
    pub event: Event,
    /// The status before.
    pub from: ApplicationStatus,
    /// The status after.
    pub to: ApplicationStatus,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl Transition {
    /// The command that caused it.
    #[must_use]
    pub const fn command(&self) -> CommandKind {
        self.event.command()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn due() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 10, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn every_event() -> Vec<Event> {
        let award = Money::from_minor(50_000_000).unwrap_or_default();
        vec![
            Event::Submitted,
            Event::Withdrawn,
            Event::RevisionRequested {
                comment: "Бюджетті нақтылаңыз".to_owned(),
                due_at: due(),
            },
            Event::Resubmitted,
            Event::MarkedIneligible {
                reason: "BIN".to_owned(),
            },
            Event::ReviewStarted,
            Event::ReviewCompleted,
            Event::ReviewReopened {
                reason: "one review was set aside".to_owned(),
            },
            Event::Waitlisted {
                override_reason: None,
            },
            Event::Waitlisted {
                override_reason: Some("regional balance".to_owned()),
            },
            Event::Approved {
                awarded: award,
                override_reason: None,
            },
            Event::Rejected {
                reason: "outside the priorities".to_owned(),
            },
        ]
    }

    #[test]
    fn every_event_survives_its_columns() {
        let events = every_event();
        let mut kinds: Vec<CommandKind> = events.iter().map(Event::command).collect();
        kinds.dedup();
        assert_eq!(kinds, CommandKind::ALL.to_vec());
        for event in events {
            let back = Event::from_parts(
                event.command(),
                event.reason().map(str::to_owned),
                event.revision_due_at(),
                event.awarded(),
            );
            assert_eq!(back, Ok(event));
        }
    }

    #[test]
    fn a_stored_event_without_its_facts_is_refused() {
        let cases = [
            (CommandKind::Approve, "award"),
            (CommandKind::RequestRevision, "comment"),
            (CommandKind::Reject, "reason"),
            (CommandKind::MarkIneligible, "reason"),
            (CommandKind::ReopenReview, "reason"),
        ];
        for (command, fact) in cases {
            assert_eq!(
                Event::from_parts(command, None, None, None),
                Err(MissingFact { command, fact })
            );
        }
        assert_eq!(
            Event::from_parts(
                CommandKind::RequestRevision,
                Some("why".to_owned()),
                None,
                None
            ),
            Err(MissingFact {
                command: CommandKind::RequestRevision,
                fact: "deadline"
            })
        );
        assert_eq!(
            Event::from_parts(CommandKind::Waitlist, None, None, None),
            Ok(Event::Waitlisted {
                override_reason: None
            })
        );
    }
}
