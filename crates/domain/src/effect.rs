//! What an application's recorded event changes on the application itself, besides its
//! status: the pure mapping persistence writes as it is handed.

use chrono::{DateTime, Utc};

use crate::event::{Event, Transition};
use crate::money::Money;
use crate::status::ApplicationStatus;

/// The revision request an event leaves on the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// As it was.
    Keep,
    /// Asked for, with the comment and the deadline.
    Ask {
        /// What to change.
        comment: String,
        /// By when.
        due_at: DateTime<Utc>,
    },
    /// Answered: no revision is pending any more.
    Clear,
}

/// The columns an event sets on its application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    /// The new status.
    pub status: ApplicationStatus,
    /// The revision request.
    pub revision: Revision,
    /// The grant, set by an approval.
    pub awarded: Option<Money>,
    /// Whether the working content is frozen as submitted, with its receipt.
    pub freezes: bool,
}

/// The effect of `transition` on its application.
#[must_use]
pub fn of(transition: &Transition) -> Effect {
    let mut effect = Effect {
        status: transition.to,
        revision: Revision::Keep,
        awarded: None,
        freezes: false,
    };
    match &transition.event {
        Event::Submitted => effect.freezes = true,
        Event::Resubmitted => {
            effect.freezes = true;
            effect.revision = Revision::Clear;
        }
        Event::RevisionRequested { comment, due_at } => {
            effect.revision = Revision::Ask {
                comment: comment.clone(),
                due_at: *due_at,
            };
        }
        Event::Approved { awarded, .. } => effect.awarded = Some(*awarded),
        Event::Withdrawn
        | Event::MarkedIneligible { .. }
        | Event::ReviewStarted
        | Event::ReviewCompleted
        | Event::ReviewReopened { .. }
        | Event::Waitlisted { .. }
        | Event::Rejected { .. } => {}
    }
    effect
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::transition::CommandKind;

    fn due() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 10, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn event(command: CommandKind, from: ApplicationStatus, to: ApplicationStatus) -> Transition {
        let reason = "Бюджетті нақтылаңыз".to_owned();
        let event = Event::from_parts(
            command,
            Some(reason),
            Some(due()),
            Money::from_minor(50_000_000),
        );
        Transition {
            event: event.unwrap_or(Event::Withdrawn),
            from,
            to,
            at: due(),
        }
    }

    #[test]
    fn each_command_sets_only_its_own_columns() {
        use ApplicationStatus as S;
        let cases = [
            (
                CommandKind::Submit,
                S::Draft,
                S::Submitted,
                true,
                Revision::Keep,
                false,
            ),
            (
                CommandKind::Resubmit,
                S::RevisionRequested,
                S::Submitted,
                true,
                Revision::Clear,
                false,
            ),
            (
                CommandKind::RequestRevision,
                S::Submitted,
                S::RevisionRequested,
                false,
                Revision::Ask {
                    comment: "Бюджетті нақтылаңыз".to_owned(),
                    due_at: due(),
                },
                false,
            ),
            (
                CommandKind::Approve,
                S::Reviewed,
                S::Approved,
                false,
                Revision::Keep,
                true,
            ),
            (
                CommandKind::Withdraw,
                S::Submitted,
                S::Withdrawn,
                false,
                Revision::Keep,
                false,
            ),
            (
                CommandKind::Reject,
                S::Reviewed,
                S::Rejected,
                false,
                Revision::Keep,
                false,
            ),
            (
                CommandKind::Waitlist,
                S::Reviewed,
                S::Waitlisted,
                false,
                Revision::Keep,
                false,
            ),
            (
                CommandKind::StartReview,
                S::Submitted,
                S::UnderReview,
                false,
                Revision::Keep,
                false,
            ),
        ];
        for (command, from, to, freezes, revision, awards) in cases {
            let effect = of(&event(command, from, to));
            assert_eq!(effect.status, to, "{command:?}");
            assert_eq!(effect.freezes, freezes, "{command:?}");
            assert_eq!(effect.revision, revision, "{command:?}");
            assert_eq!(effect.awarded.is_some(), awards, "{command:?}");
        }
    }
}
