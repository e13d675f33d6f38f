//! The application state machine: who may do what from which status, and the guards
//! each command must pass. Deciding returns a [`Transition`]; only [`apply`] changes a status.

use chrono::{DateTime, NaiveDate, Utc};

use crate::application::{
    ApplicationContent, BudgetFailure, EligibilityFailure, budget_failures, eligibility_failures,
    missing_fields, totals,
};
use crate::call::{CallPhase, CallSpec};
pub use crate::command::{Command, CommandKind};
use crate::event::{Event, Transition};
use crate::money::Money;
use crate::organization::OrganizationProfile;
use crate::status::ApplicationStatus;
use crate::validation::FieldError;

/// Most characters in a reason or revision comment.
pub const REASON_MAX: usize = 2_000;

/// Who acts, relative to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A member of the applying organisation.
    Member,
    /// A programme officer.
    Officer,
    /// A reviewer.
    Reviewer,
    /// An administrator.
    Admin,
    /// The service itself, e.g. when the last review arrives.
    System,
}

impl Actor {
    /// Every actor.
    pub const ALL: [Actor; 5] = [
        Actor::Member,
        Actor::Officer,
        Actor::Reviewer,
        Actor::Admin,
        Actor::System,
    ];

    /// The stable code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Officer => "officer",
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
            Self::System => "system",
        }
    }
}

crate::codes::displayed_as_code!(Actor);

/// Everything outside the application that the rules need. Built by the caller.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The current instant.
    pub now: DateTime<Utc>,
    /// Who acts, relative to the application.
    pub actor: Actor,
    /// The application's call.
    pub call: &'a CallSpec,
    /// The call's phase at `now`.
    pub call_phase: CallPhase,
    /// The applying organisation.
    pub organization: &'a OrganizationProfile,
    /// Whether an officer has verified the applying organisation.
    pub organization_verified: bool,
    /// The date in the service's time zone, for years registered.
    pub today: NaiveDate,
    /// The application's current content.
    pub content: &'a ApplicationContent,
    /// The revision deadline, set while the status is `RevisionRequested`.
    pub revision_due_at: Option<DateTime<Utc>>,
    /// Reviewers assigned to the application.
    pub reviewers_assigned: u32,
    /// Reviews submitted for the application.
    pub reviews_submitted: u32,
    /// The aggregate score 0..=100 when known (used by approval).
    pub score: Option<u32>,
    /// The requested amount of the content's budget.
    pub requested_amount: Money,
    /// The sum already awarded in the call.
    pub call_awarded_total: Money,
}

/// Why a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// This actor may never issue this command.
    #[error("{actor} may not {command}")]
    Forbidden {
        /// The refused command.
        command: CommandKind,
        /// Who tried.
        actor: Actor,
    },
    /// The command does not apply in the current status.
    #[error("cannot {command} an application that is {status}")]
    WrongStatus {
        /// The refused command.
        command: CommandKind,
        /// The current status.
        status: ApplicationStatus,
    },
    /// Submitting outside the call's open phase.
    #[error("the call is not open for submissions")]
    CallNotOpen,
    /// Fields a submission needs are missing.
    #[error("the application is incomplete")]
    Incomplete(Vec<FieldError>),
    /// The organisation breaks the call's eligibility rules.
    #[error("the organisation is not eligible")]
    Ineligible(Vec<EligibilityFailure>),
    /// The budget does not fit the call. Empty when the budget's sums overflow.
    #[error("the budget does not fit the call")]
    BudgetOutOfLimits(Vec<BudgetFailure>),
    /// A required reason or comment is absent or blank.
    #[error("a reason is required")]
    ReasonRequired,
    /// The reason or comment is longer than [`REASON_MAX`] characters.
    #[error("the reason is too long")]
    ReasonTooLong,
    /// The reason holds control characters other than line breaks and tabs.
    #[error("the reason must not contain control characters")]
    ReasonInvalid,
    /// The revision deadline is not after now.
    #[error("the revision deadline must be in the future")]
    RevisionDueInPast,
    /// Resubmitting at or after the revision deadline.
    #[error("the revision deadline has passed")]
    RevisionDeadlinePassed,
    /// Starting review with nobody assigned.
    #[error("no reviewer is assigned")]
    NoReviewerAssigned,
    /// Completing review before the call's number of reviews is in.
    #[error("not all reviews are submitted")]
    ReviewsIncomplete,
    /// Awarding more than requested.
    #[error("the awarded amount is above the requested amount")]
    AwardAboveRequest,
    /// Awarding less than the call's minimum grant or more than its maximum.
    #[error("the awarded amount is outside the call's minimum and maximum grant")]
    AwardOutsideGrantLimits,
    /// Awarding more than the call has left.
    #[error("the award would exceed the call's budget")]
    OverBudget,
    /// Approving or waitlisting a score below the fundable minimum without an override
    /// reason.
    #[error("the score is below the fundable minimum; give an override reason")]
    BelowFundableMinimum,
}

impl TransitionError {
    /// The stable kebab-case slug.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden { .. } => "forbidden",
            Self::WrongStatus { .. } => "wrong-status",
            Self::CallNotOpen => "call-not-open",
            Self::Incomplete(_) => "incomplete",
            Self::Ineligible(_) => "ineligible",
            Self::BudgetOutOfLimits(_) => "budget-out-of-limits",
            Self::ReasonRequired => "reason-required",
            Self::ReasonTooLong => "reason-too-long",
            Self::ReasonInvalid => "reason-invalid",
            Self::RevisionDueInPast => "revision-due-in-past",
            Self::RevisionDeadlinePassed => "revision-deadline-passed",
            Self::NoReviewerAssigned => "no-reviewer-assigned",
            Self::ReviewsIncomplete => "reviews-incomplete",
            Self::AwardAboveRequest => "award-above-request",
            Self::AwardOutsideGrantLimits => "award-outside-grant-limits",
            Self::OverBudget => "over-budget",
            Self::BelowFundableMinimum => "below-fundable-minimum",
        }
    }
}

/// One row of the written table: the actors allowed to issue a command, the statuses it
/// may start from and the status it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The command.
    pub command: CommandKind,
    /// Who may issue it.
    pub actors: &'static [Actor],
    /// The statuses it may start from.
    pub from: &'static [ApplicationStatus],
    /// The status it leads to.
    pub to: ApplicationStatus,
}

/// The rule of `command`.
#[must_use]
pub const fn rule(command: CommandKind) -> Rule {
    use ApplicationStatus as S;
    let (actors, from, to): (&[Actor], &[ApplicationStatus], ApplicationStatus) = match command {
        CommandKind::Submit => (&[Actor::Member], &[S::Draft], S::Submitted),
        CommandKind::Withdraw => (
            &[Actor::Member],
            &[S::Draft, S::Submitted, S::RevisionRequested],
            S::Withdrawn,
        ),
        CommandKind::RequestRevision => (&[Actor::Officer], &[S::Submitted], S::RevisionRequested),
        CommandKind::Resubmit => (&[Actor::Member], &[S::RevisionRequested], S::Submitted),
        CommandKind::MarkIneligible => (
            &[Actor::Officer],
            &[S::Submitted, S::RevisionRequested],
            S::Ineligible,
        ),
        CommandKind::StartReview => (
            &[Actor::Officer, Actor::System],
            &[S::Submitted],
            S::UnderReview,
        ),
        CommandKind::CompleteReview => (&[Actor::System], &[S::UnderReview], S::Reviewed),
        CommandKind::ReopenReview => (
            &[Actor::Officer, Actor::System],
            &[S::Reviewed],
            S::UnderReview,
        ),
        CommandKind::Waitlist => (&[Actor::Officer], &[S::Reviewed], S::Waitlisted),
        CommandKind::Approve => (
            &[Actor::Officer],
            &[S::Reviewed, S::Waitlisted],
            S::Approved,
        ),
        CommandKind::Reject => (
            &[Actor::Officer],
            &[S::Reviewed, S::Waitlisted],
            S::Rejected,
        ),
    };
    Rule {
        command,
        actors,
        from,
        to,
    }
}

/// Whether `command` may start from `status` (whoever asks, whatever its guards say).
#[must_use]
pub fn starts_from(command: CommandKind, status: ApplicationStatus) -> bool {
    rule(command).from.contains(&status)
}

/// The command that sends an application in `status` to the operator: a resubmission
/// when a revision was requested, otherwise a first submission.
#[must_use]
pub fn sending_command(status: ApplicationStatus) -> Command {
    if starts_from(CommandKind::Resubmit, status) {
        Command::Resubmit
    } else {
        Command::Submit
    }
}

/// Decides `command` on an application in `status`. Checks, in this order, that the actor
/// is allowed, that the status is allowed, then the command's guards.
///
/// # Errors
/// [`TransitionError::Forbidden`], then [`TransitionError::WrongStatus`], then the first
/// failing guard of the command.
pub fn decide(
    status: ApplicationStatus,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Transition, TransitionError> {
    let kind = command.kind();
    let rule = rule(kind);
    if !rule.actors.contains(&ctx.actor) {
        return Err(TransitionError::Forbidden {
            command: kind,
            actor: ctx.actor,
        });
    }
    if !rule.from.contains(&status) {
        return Err(TransitionError::WrongStatus {
            command: kind,
            status,
        });
    }
    let event = match command {
        Command::Submit => {
            if ctx.call_phase != CallPhase::Open {
                return Err(TransitionError::CallNotOpen);
            }
            check_submission(ctx)?;
            Event::Submitted
        }
        Command::Resubmit => {
            if ctx.revision_due_at.is_none_or(|due| ctx.now >= due) {
                return Err(TransitionError::RevisionDeadlinePassed);
            }
            check_submission(ctx)?;
            Event::Resubmitted
        }
        Command::RequestRevision { comment, due_at } => {
            let comment = required_reason(comment)?;
            if *due_at <= ctx.now {
                return Err(TransitionError::RevisionDueInPast);
            }
            Event::RevisionRequested {
                comment,
                due_at: *due_at,
            }
        }
        Command::MarkIneligible { reason } => Event::MarkedIneligible {
            reason: required_reason(reason)?,
        },
        Command::ReopenReview { reason } => Event::ReviewReopened {
            reason: required_reason(reason)?,
        },
        Command::Reject { reason } => Event::Rejected {
            reason: required_reason(reason)?,
        },
        Command::StartReview => {
            if ctx.reviewers_assigned == 0 {
                return Err(TransitionError::NoReviewerAssigned);
            }
            Event::ReviewStarted
        }
        Command::CompleteReview => {
            if ctx.reviews_submitted < ctx.call.reviewers_per_application {
                return Err(TransitionError::ReviewsIncomplete);
            }
            Event::ReviewCompleted
        }
        Command::Approve { awarded, reason } => {
            let reason = optional_reason(reason.as_deref())?;
            if *awarded > ctx.requested_amount {
                return Err(TransitionError::AwardAboveRequest);
            }
            if *awarded < ctx.call.min_grant || *awarded > ctx.call.max_grant {
                return Err(TransitionError::AwardOutsideGrantLimits);
            }
            let within_budget = ctx
                .call_awarded_total
                .checked_add(*awarded)
                .is_some_and(|total| total <= ctx.call.budget);
            if !within_budget {
                return Err(TransitionError::OverBudget);
            }
            Event::Approved {
                awarded: *awarded,
                override_reason: fundable_or_overridden(ctx, reason)?,
            }
        }
        Command::Waitlist { reason } => {
            let reason = optional_reason(reason.as_deref())?;
            Event::Waitlisted {
                override_reason: fundable_or_overridden(ctx, reason)?,
            }
        }
        Command::Withdraw => Event::Withdrawn,
    };
    Ok(Transition {
        event,
        from: status,
        to: rule.to,
        at: ctx.now,
    })
}

/// The reason kept on a decision that treats the application as worth funding: none is
/// needed when its score reaches the call's fundable minimum, an override reason otherwise.
fn fundable_or_overridden(
    ctx: &Context<'_>,
    reason: Option<String>,
) -> Result<Option<String>, TransitionError> {
    let fundable = ctx
        .score
        .is_some_and(|score| score >= ctx.call.fundable_min_score);
    if !fundable && reason.is_none() {
        return Err(TransitionError::BelowFundableMinimum);
    }
    Ok(reason)
}

/// Applies a transition: the new status is `transition.to`. Never fails; `_status` is the
/// status it was decided from.
#[must_use]
pub const fn apply(_status: ApplicationStatus, transition: &Transition) -> ApplicationStatus {
    transition.to
}

/// The content, eligibility and budget guards shared by submission and resubmission.
fn check_submission(ctx: &Context<'_>) -> Result<(), TransitionError> {
    let missing = missing_fields(ctx.content);
    if !missing.is_empty() {
        return Err(TransitionError::Incomplete(missing));
    }
    let ineligible = eligibility_failures(
        &ctx.call.eligibility,
        ctx.organization,
        ctx.organization_verified,
        ctx.today,
    );
    if !ineligible.is_empty() {
        return Err(TransitionError::Ineligible(ineligible));
    }
    let failures = totals(&ctx.content.budget_lines)
        .map(|t| budget_failures(&t, ctx.call))
        .ok_or(TransitionError::BudgetOutOfLimits(Vec::new()))?;
    if !failures.is_empty() {
        return Err(TransitionError::BudgetOutOfLimits(failures));
    }
    Ok(())
}

/// The trimmed reason, which must be non-blank and at most [`REASON_MAX`] characters.
///
/// # Errors
/// [`TransitionError::ReasonRequired`], [`TransitionError::ReasonTooLong`] or
/// [`TransitionError::ReasonInvalid`].
pub fn required_reason(raw: &str) -> Result<String, TransitionError> {
    optional_reason(Some(raw))?.ok_or(TransitionError::ReasonRequired)
}

/// The trimmed reason, `None` when absent or blank.
fn optional_reason(raw: Option<&str>) -> Result<Option<String>, TransitionError> {
    match raw.map(str::trim) {
        Some(reason) if reason.chars().count() > REASON_MAX => Err(TransitionError::ReasonTooLong),
        Some(reason)
            if reason
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Err(TransitionError::ReasonInvalid)
        }
        Some(reason) if !reason.is_empty() => Ok(Some(reason.to_owned())),
        Some(_) | None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::application::{ApplicationContent, receipt};
    use crate::call::CallState;
    use crate::call::phase;
    use crate::fixtures::{at, call, content, organization, tenge, today};
    use ApplicationStatus as S;

    /// The table of the specification, typed out by hand.
    const ALLOWED: &[(ApplicationStatus, CommandKind, Actor, ApplicationStatus)] = &[
        (S::Draft, CommandKind::Submit, Actor::Member, S::Submitted),
        (S::Draft, CommandKind::Withdraw, Actor::Member, S::Withdrawn),
        (
            S::Submitted,
            CommandKind::Withdraw,
            Actor::Member,
            S::Withdrawn,
        ),
        (
            S::RevisionRequested,
            CommandKind::Withdraw,
            Actor::Member,
            S::Withdrawn,
        ),
        (
            S::Submitted,
            CommandKind::RequestRevision,
            Actor::Officer,
            S::RevisionRequested,
        ),
        (
            S::RevisionRequested,
            CommandKind::Resubmit,
            Actor::Member,
            S::Submitted,
        ),
        (
            S::Submitted,
            CommandKind::MarkIneligible,
            Actor::Officer,
            S::Ineligible,
        ),
        (
            S::RevisionRequested,
            CommandKind::MarkIneligible,
            Actor::Officer,
            S::Ineligible,
        ),
        (
            S::Submitted,
            CommandKind::StartReview,
            Actor::Officer,
            S::UnderReview,
        ),
        (
            S::Submitted,
            CommandKind::StartReview,
            Actor::System,
            S::UnderReview,
        ),
        (
            S::UnderReview,
            CommandKind::CompleteReview,
            Actor::System,
            S::Reviewed,
        ),
        (
            S::Reviewed,
            CommandKind::ReopenReview,
            Actor::Officer,
            S::UnderReview,
        ),
        (
            S::Reviewed,
            CommandKind::ReopenReview,
            Actor::System,
            S::UnderReview,
        ),
        (
            S::Reviewed,
            CommandKind::Waitlist,
            Actor::Officer,
            S::Waitlisted,
        ),
        (
            S::Reviewed,
            CommandKind::Approve,
            Actor::Officer,
            S::Approved,
        ),
        (
            S::Waitlisted,
            CommandKind::Approve,
            Actor::Officer,
            S::Approved,
        ),
        (
            S::Reviewed,
            CommandKind::Reject,
            Actor::Officer,
            S::Rejected,
        ),
        (
            S::Waitlisted,
            CommandKind::Reject,
            Actor::Officer,
            S::Rejected,
        ),
    ];

    fn allowed_to(
        status: ApplicationStatus,
        kind: CommandKind,
        actor: Actor,
    ) -> Option<ApplicationStatus> {
        ALLOWED
            .iter()
            .find(|(s, k, a, _)| (*s, *k, *a) == (status, kind, actor))
            .map(|row| row.3)
    }

    fn actor_allowed(kind: CommandKind, actor: Actor) -> bool {
        ALLOWED.iter().any(|(_, k, a, _)| (*k, *a) == (kind, actor))
    }

    /// The owned values a context borrows.
    struct World {
        call: CallSpec,
        organization: OrganizationProfile,
        content: ApplicationContent,
    }

    impl World {
        fn new() -> Self {
            Self {
                call: call(),
                organization: organization(),
                content: content(),
            }
        }

        fn now() -> DateTime<Utc> {
            at(10, 12, 0, 0)
        }

        /// A context in which every guard of every command passes.
        fn passing(&self, actor: Actor) -> Context<'_> {
            Context {
                now: Self::now(),
                actor,
                call: &self.call,
                call_phase: CallPhase::Open,
                organization: &self.organization,
                organization_verified: false,
                today: today(),
                content: &self.content,
                revision_due_at: Some(at(15, 18, 0, 0)),
                reviewers_assigned: 3,
                reviews_submitted: 3,
                score: Some(75),
                requested_amount: tenge(1_950_000),
                call_awarded_total: tenge(10_000_000),
            }
        }
    }

    /// A command of `kind` that passes its guards in [`World::passing`].
    fn passing_command(kind: CommandKind) -> Command {
        let reason = || " Budget is not justified. ".to_owned();
        match kind {
            CommandKind::Submit => Command::Submit,
            CommandKind::Withdraw => Command::Withdraw,
            CommandKind::RequestRevision => Command::RequestRevision {
                comment: reason(),
                due_at: at(17, 18, 0, 0),
            },
            CommandKind::Resubmit => Command::Resubmit,
            CommandKind::MarkIneligible => Command::MarkIneligible { reason: reason() },
            CommandKind::StartReview => Command::StartReview,
            CommandKind::CompleteReview => Command::CompleteReview,
            CommandKind::ReopenReview => Command::ReopenReview { reason: reason() },
            CommandKind::Waitlist => Command::Waitlist { reason: None },
            CommandKind::Approve => Command::Approve {
                awarded: tenge(1_900_000),
                reason: None,
            },
            CommandKind::Reject => Command::Reject { reason: reason() },
        }
    }

    #[test]
    fn every_status_command_and_actor_follows_the_table() {
        let world = World::new();
        let mut successes = 0;
        for status in ApplicationStatus::ALL {
            for kind in CommandKind::ALL {
                for actor in Actor::ALL {
                    let decided =
                        decide(status, &passing_command(kind), &world.passing(actor)).map(|e| e.to);
                    let expected = match allowed_to(status, kind, actor) {
                        Some(to) => Ok(to),
                        None if !actor_allowed(kind, actor) => Err(TransitionError::Forbidden {
                            command: kind,
                            actor,
                        }),
                        None => Err(TransitionError::WrongStatus {
                            command: kind,
                            status,
                        }),
                    };
                    if decided.is_ok() {
                        successes += 1;
                    }
                    assert_eq!(decided, expected, "{status} {kind} by {actor}");
                }
            }
        }
        assert_eq!(successes, ALLOWED.len());
    }

    #[test]
    fn the_rule_table_matches_the_written_table() {
        for kind in CommandKind::ALL {
            let rule = rule(kind);
            assert_eq!(rule.command, kind);
            for status in ApplicationStatus::ALL {
                for actor in Actor::ALL {
                    let by_rule = (rule.from.contains(&status) && rule.actors.contains(&actor))
                        .then_some(rule.to);
                    assert_eq!(by_rule, allowed_to(status, kind, actor));
                }
            }
        }
    }

    #[test]
    fn events_carry_the_payload_trimmed() {
        let world = World::new();
        let officer = world.passing(Actor::Officer);
        let event = decide(
            S::Submitted,
            &passing_command(CommandKind::RequestRevision),
            &officer,
        );
        assert_eq!(
            event,
            Ok(Transition {
                event: Event::RevisionRequested {
                    comment: "Budget is not justified.".to_owned(),
                    due_at: at(17, 18, 0, 0),
                },
                from: S::Submitted,
                to: S::RevisionRequested,
                at: World::now(),
            })
        );
        let approved = decide(
            S::Waitlisted,
            &passing_command(CommandKind::Approve),
            &officer,
        );
        assert_eq!(
            approved.map(|t| (t.event, t.to)),
            Ok((
                Event::Approved {
                    awarded: tenge(1_900_000),
                    override_reason: None
                },
                S::Approved
            ))
        );
    }

    #[test]
    fn apply_moves_to_the_event_target() {
        let world = World::new();
        let member = world.passing(Actor::Member);
        let status =
            decide(S::Draft, &Command::Submit, &member).map(|event| apply(S::Draft, &event));
        assert_eq!(status, Ok(S::Submitted));
    }

    #[test]
    fn submitting_needs_an_open_call() {
        let world = World::new();
        let call = &world.call;
        for (now, expected) in [
            (at(1, 8, 59, 59), Err(TransitionError::CallNotOpen)),
            (call.opens_at, Ok(S::Submitted)),
            (at(20, 17, 59, 59), Ok(S::Submitted)),
            (call.closes_at, Err(TransitionError::CallNotOpen)),
        ] {
            let ctx = Context {
                now,
                call_phase: phase(CallState::Published, call.opens_at, call.closes_at, now),
                ..world.passing(Actor::Member)
            };
            assert_eq!(
                decide(S::Draft, &Command::Submit, &ctx).map(|e| e.to),
                expected,
                "{now}"
            );
        }
    }

    #[test]
    fn submitting_needs_complete_content() {
        let world = World::new();
        let incomplete = ApplicationContent {
            title: None,
            budget_lines: Vec::new(),
            ..content()
        };
        let ctx = Context {
            content: &incomplete,
            ..world.passing(Actor::Member)
        };
        let fields: Vec<String> = match decide(S::Draft, &Command::Submit, &ctx) {
            Err(TransitionError::Incomplete(fields)) => {
                fields.into_iter().map(|f| f.field).collect()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(fields, vec!["title", "budget_lines"]);
    }

    #[test]
    fn submitting_needs_an_eligible_organisation() {
        let world = World::new();
        let urban = OrganizationProfile {
            rural: false,
            ..organization()
        };
        let ctx = Context {
            organization: &urban,
            organization_verified: false,
            ..world.passing(Actor::Member)
        };
        assert_eq!(
            decide(S::Draft, &Command::Submit, &ctx),
            Err(TransitionError::Ineligible(vec![
                EligibilityFailure::NotRural
            ]))
        );
    }

    #[test]
    fn submitting_needs_a_fitting_budget() {
        let world = World::new();
        let mut greedy = content();
        for line in &mut greedy.budget_lines {
            line.cofinanced = Money::ZERO;
        }
        let ctx = Context {
            content: &greedy,
            ..world.passing(Actor::Member)
        };
        assert_eq!(
            decide(S::Draft, &Command::Submit, &ctx),
            Err(TransitionError::BudgetOutOfLimits(vec![
                BudgetFailure::CofinancingTooLow {
                    cofinanced: Money::ZERO,
                    share: world.call.cofinancing_share,
                    total: tenge(2_200_000),
                }
            ]))
        );
    }

    #[test]
    fn submission_guards_are_checked_in_order() {
        let world = World::new();
        let empty = ApplicationContent::default();
        let urban = OrganizationProfile {
            rural: false,
            ..organization()
        };
        let closed = Context {
            call_phase: CallPhase::Closed,
            content: &empty,
            organization: &urban,
            organization_verified: false,
            ..world.passing(Actor::Member)
        };
        assert_eq!(
            decide(S::Draft, &Command::Submit, &closed),
            Err(TransitionError::CallNotOpen)
        );
        let open = Context {
            call_phase: CallPhase::Open,
            ..closed.clone()
        };
        assert_eq!(
            decide(S::Draft, &Command::Submit, &open).map_err(|e| e.code()),
            Err("incomplete")
        );
        let complete = content();
        let eligible_last = Context {
            content: &complete,
            ..open
        };
        assert_eq!(
            decide(S::Draft, &Command::Submit, &eligible_last).map_err(|e| e.code()),
            Err("ineligible")
        );
    }

    #[test]
    fn resubmitting_is_allowed_until_the_deadline() {
        let world = World::new();
        let due = at(15, 18, 0, 0);
        let resubmit_at = |now, due| {
            let ctx = Context {
                now,
                revision_due_at: due,
                call_phase: CallPhase::Closed,
                ..world.passing(Actor::Member)
            };
            decide(S::RevisionRequested, &Command::Resubmit, &ctx).map(|e| e.to)
        };
        assert_eq!(resubmit_at(at(15, 17, 59, 59), Some(due)), Ok(S::Submitted));
        assert_eq!(
            resubmit_at(due, Some(due)),
            Err(TransitionError::RevisionDeadlinePassed)
        );
        assert_eq!(
            resubmit_at(at(10, 0, 0, 0), None),
            Err(TransitionError::RevisionDeadlinePassed)
        );
    }

    #[test]
    fn resubmitting_rechecks_the_content() {
        let world = World::new();
        let incomplete = ApplicationContent {
            goals: None,
            ..content()
        };
        let ctx = Context {
            content: &incomplete,
            ..world.passing(Actor::Member)
        };
        assert_eq!(
            decide(S::RevisionRequested, &Command::Resubmit, &ctx).map_err(|e| e.code()),
            Err("incomplete")
        );
    }

    #[test]
    fn a_revision_request_needs_a_comment_and_a_future_deadline() {
        let world = World::new();
        let officer = world.passing(Actor::Officer);
        let request = |comment: &str, due_at| {
            decide(
                S::Submitted,
                &Command::RequestRevision {
                    comment: comment.to_owned(),
                    due_at,
                },
                &officer,
            )
            .map(|e| e.to)
        };
        let later = at(17, 0, 0, 0);
        assert_eq!(request(" \n ", later), Err(TransitionError::ReasonRequired));
        assert_eq!(
            request(&"x".repeat(REASON_MAX + 1), later),
            Err(TransitionError::ReasonTooLong)
        );
        assert_eq!(
            request(&"ә".repeat(REASON_MAX), later),
            Ok(S::RevisionRequested)
        );
        assert_eq!(
            request("Fix it", World::now()),
            Err(TransitionError::RevisionDueInPast)
        );
        assert_eq!(
            request("Fix it", at(10, 12, 0, 1)),
            Ok(S::RevisionRequested)
        );
    }

    #[test]
    fn refusals_and_reopening_need_a_reason() {
        let world = World::new();
        let officer = world.passing(Actor::Officer);
        let blank = || "   ".to_owned();
        for (status, command) in [
            (S::Submitted, Command::MarkIneligible { reason: blank() }),
            (S::Reviewed, Command::ReopenReview { reason: blank() }),
            (S::Waitlisted, Command::Reject { reason: blank() }),
        ] {
            assert_eq!(
                decide(status, &command, &officer),
                Err(TransitionError::ReasonRequired)
            );
        }
        assert_eq!(
            decide(
                S::Reviewed,
                &Command::Reject {
                    reason: "y".repeat(REASON_MAX + 1)
                },
                &officer
            ),
            Err(TransitionError::ReasonTooLong)
        );
    }

    #[test]
    fn review_needs_reviewers_and_their_reviews() {
        let world = World::new();
        let unassigned = Context {
            reviewers_assigned: 0,
            ..world.passing(Actor::System)
        };
        assert_eq!(
            decide(S::Submitted, &Command::StartReview, &unassigned),
            Err(TransitionError::NoReviewerAssigned)
        );
        let two_of_three = Context {
            reviews_submitted: 2,
            ..world.passing(Actor::System)
        };
        assert_eq!(
            decide(S::UnderReview, &Command::CompleteReview, &two_of_three),
            Err(TransitionError::ReviewsIncomplete)
        );
    }

    fn approve(
        ctx: &Context<'_>,
        awarded: Money,
        reason: Option<&str>,
    ) -> Result<Transition, TransitionError> {
        decide(
            S::Reviewed,
            &Command::Approve {
                awarded,
                reason: reason.map(str::to_owned),
            },
            ctx,
        )
    }

    #[test]
    fn an_award_is_at_most_the_request() {
        let world = World::new();
        let officer = world.passing(Actor::Officer);
        assert!(approve(&officer, tenge(1_950_000), None).is_ok());
        assert_eq!(
            approve(
                &officer,
                tenge(1_950_000)
                    .checked_add(Money::from_minor(1).unwrap_or_default())
                    .unwrap_or_default(),
                None
            ),
            Err(TransitionError::AwardAboveRequest)
        );
    }

    #[test]
    fn awards_stay_within_the_call_budget() {
        let world = World::new();
        let nearly_spent = Context {
            call_awarded_total: tenge(48_050_000),
            ..world.passing(Actor::Officer)
        };
        assert!(approve(&nearly_spent, tenge(1_950_000), None).is_ok());
        let one_tiyn_more = Context {
            call_awarded_total: Money::from_minor(4_805_000_001).unwrap_or_default(),
            ..nearly_spent
        };
        assert_eq!(
            approve(&one_tiyn_more, tenge(1_950_000), None),
            Err(TransitionError::OverBudget)
        );
    }

    #[test]
    fn an_award_is_within_the_calls_grant_limits() {
        let world = World::new();
        let officer = world.passing(Actor::Officer);
        let tiyn = Money::from_minor(1).unwrap_or_default();
        assert!(approve(&officer, tenge(500_000), None).is_ok());
        for below in [
            Money::ZERO,
            tiyn,
            tenge(1),
            tenge(500_000).checked_sub(tiyn).unwrap_or_default(),
        ] {
            assert_eq!(
                approve(&officer, below, None),
                Err(TransitionError::AwardOutsideGrantLimits),
                "{below:?}"
            );
        }
        let generous = Context {
            requested_amount: tenge(5_000_000),
            ..officer
        };
        assert!(approve(&generous, tenge(3_000_000), None).is_ok());
        assert_eq!(
            approve(
                &generous,
                tenge(3_000_000).checked_add(tiyn).unwrap_or_default(),
                None
            ),
            Err(TransitionError::AwardOutsideGrantLimits)
        );
    }

    #[test]
    fn waitlisting_a_low_score_needs_an_override_reason() {
        let world = World::new();
        let low = Context {
            score: Some(33),
            ..world.passing(Actor::Officer)
        };
        let waitlist = |ctx: &Context<'_>, reason: Option<&str>| {
            decide(
                S::Reviewed,
                &Command::Waitlist {
                    reason: reason.map(str::to_owned),
                },
                ctx,
            )
        };
        assert_eq!(
            waitlist(&low, None),
            Err(TransitionError::BelowFundableMinimum)
        );
        assert_eq!(
            waitlist(&low, Some(" ")),
            Err(TransitionError::BelowFundableMinimum)
        );
        assert_eq!(
            waitlist(&low, Some(" Only NGO in the district "))
                .map(|t| (t.to, t.event.reason().map(str::to_owned))),
            Ok((S::Waitlisted, Some("Only NGO in the district".to_owned())))
        );
        let fundable = Context {
            score: Some(60),
            ..low
        };
        assert_eq!(
            waitlist(&fundable, None).map(|t| t.event.reason().map(str::to_owned)),
            Ok(None)
        );
    }

    #[test]
    fn a_low_score_needs_an_override_reason() {
        let world = World::new();
        let low = Context {
            score: Some(59),
            ..world.passing(Actor::Officer)
        };
        let awarded = tenge(1_000_000);
        assert_eq!(
            approve(&low, awarded, None),
            Err(TransitionError::BelowFundableMinimum)
        );
        assert_eq!(
            approve(&low, awarded, Some("  ")),
            Err(TransitionError::BelowFundableMinimum)
        );
        assert_eq!(
            approve(&low, awarded, Some(" Unique rural reach "))
                .map(|t| t.event.reason().map(str::to_owned)),
            Ok(Some("Unique rural reach".to_owned()))
        );
        let at_minimum = Context {
            score: Some(60),
            ..low.clone()
        };
        assert!(approve(&at_minimum, awarded, None).is_ok());
        let unscored = Context { score: None, ..low };
        assert_eq!(
            approve(&unscored, awarded, None),
            Err(TransitionError::BelowFundableMinimum)
        );
    }

    #[test]
    fn errors_read_as_sentences_and_have_slugs() {
        let forbidden = TransitionError::Forbidden {
            command: CommandKind::Submit,
            actor: Actor::Officer,
        };
        assert_eq!(forbidden.to_string(), "officer may not submit");
        assert_eq!(forbidden.code(), "forbidden");
        let wrong = TransitionError::WrongStatus {
            command: CommandKind::Approve,
            status: S::RevisionRequested,
        };
        assert_eq!(
            wrong.to_string(),
            "cannot approve an application that is revision_requested"
        );
        assert_eq!(wrong.code(), "wrong-status");
    }

    #[test]
    fn reasons_with_control_characters_are_refused() {
        assert_eq!(
            optional_reason(Some("bad\u{0}reason")),
            Err(TransitionError::ReasonInvalid)
        );
        assert_eq!(
            optional_reason(Some("line one\nline two")),
            Ok(Some("line one\nline two".to_owned()))
        );
    }

    #[test]
    fn command_kinds_match_their_commands() {
        for kind in CommandKind::ALL {
            assert_eq!(passing_command(kind).kind(), kind);
        }
    }

    proptest! {
        #[test]
        fn random_runs_only_take_allowed_steps(
            steps in prop::collection::vec((0..CommandKind::ALL.len(), 0..Actor::ALL.len()), 0..40)
        ) {
            let world = World::new();
            let submitted_receipt = receipt(&world.content);
            let mut status = S::Draft;
            for (k, a) in steps {
                let (kind, actor) = (CommandKind::ALL[k], Actor::ALL[a]);
                let ctx = world.passing(actor);
                match decide(status, &passing_command(kind), &ctx) {
                    Ok(event) => {
                        prop_assert_eq!(event.from, status);
                        prop_assert_eq!(event.command(), kind);
                        prop_assert_eq!(Some(event.to), allowed_to(status, kind, actor));
                        status = apply(status, &event);
                    }
                    Err(_) => prop_assert_eq!(allowed_to(status, kind, actor), None),
                }
                prop_assert_eq!(receipt(ctx.content), submitted_receipt.clone());
            }
        }
    }

    #[test]
    fn a_revision_request_is_answered_by_resubmitting() {
        use ApplicationStatus as S;
        assert_eq!(sending_command(S::RevisionRequested), Command::Resubmit);
        assert_eq!(sending_command(S::Draft), Command::Submit);
        assert!(starts_from(CommandKind::Withdraw, S::Submitted));
        assert!(!starts_from(CommandKind::Withdraw, S::UnderReview));
    }
}
