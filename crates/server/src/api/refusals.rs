//! The problem each use-case refusal becomes: one exhaustive mapping.

use domain::call::CallTransitionError;
use domain::invitation::InvitationError;
use domain::transition::{CommandKind, TransitionError};
use usecases::signin::CodeKind;
use usecases::{Conflict, Error};

use crate::error::{ApiError, ProblemField};

fn field(field: &str, code: &str, message: impl Into<String>) -> ProblemField {
    ProblemField {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// The stable slug of each clash.
fn conflict_slug(conflict: Conflict) -> &'static str {
    match conflict {
        Conflict::AlreadyInPool => "already-in-pool",
        Conflict::StillAssigned => "reviewer-still-assigned",
        Conflict::AlreadyAssigned => "already-assigned",
        Conflict::ReviewerConflict => "reviewer-conflict",
        Conflict::NotReviewable(_) | Conflict::ChangedMeanwhile => "not-reviewable",
        Conflict::CallNotOpen => "call-not-open",
        Conflict::CallNotClosed => "call-not-closed",
        Conflict::ConflictAlreadyDeclared => "conflict-already-declared",
        Conflict::NotUnderReview => "not-under-review",
        Conflict::AlreadyDecided => "already-decided",
        Conflict::NotDecided => "not-decided",
        Conflict::LastOwner => "last-owner",
        Conflict::AccountRefused(refused) => refused.code(),
        Conflict::NotFailed => "wrong-status",
        Conflict::ContentFrozen(_) => "content-frozen",
        Conflict::InvitationClosed(InvitationError::Expired) => "invitation-expired",
        Conflict::InvitationClosed(InvitationError::Settled(_)) => "invitation-settled",
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::NotFound => Self::NotFound,
            Error::Forbidden(why) => Self::Forbidden(why),
            Error::Invalid(errors) => Self::Validation(errors),
            Error::Refused {
                refusal,
                command,
                application,
            } => {
                let problem = refusal_problem(&refusal, command);
                match application {
                    Some(id) => problem.with_detail_prefix(&format!("application {id}")),
                    None => problem,
                }
            }
            Error::CallRefused(refusal) => call_refusal(&refusal),
            Error::Assignment(refusal) => Self::Conflict {
                slug: refusal.code(),
                detail: refusal.to_string(),
            },
            Error::ReviewIncomplete(missing) => Self::Unprocessable {
                slug: "review-incomplete",
                detail: "the review is not complete".to_owned(),
                fields: missing
                    .into_iter()
                    .map(|f| field(&f.field, f.code, f.message))
                    .collect(),
            },
            Error::Conflict(conflict) => Self::Conflict {
                slug: conflict_slug(conflict),
                detail: conflict.to_string(),
            },
            // The idempotency layer replays the stored answer instead.
            Error::AlreadyAnswered => Self::Conflict {
                slug: "idempotency-key-in-use",
                detail: "a request with this Idempotency-Key was already answered".to_owned(),
            },
            Error::Stale => Self::PreconditionFailed,
            Error::WrongCredentials => Self::Unauthorized("the e-mail or password is wrong"),
            Error::Unauthenticated(why) => Self::Unauthorized(why),
            Error::NotThisLogin => Self::Unprocessable {
                slug: "refresh-token-mismatch",
                detail: "the refresh token is not of the login this access token belongs to"
                    .to_owned(),
                fields: vec![field(
                    "refresh_token",
                    "mismatch",
                    "not a refresh token of this login",
                )],
            },
            Error::WrongPassword => Self::Unprocessable {
                slug: "wrong-password",
                detail: "the current password is wrong".to_owned(),
                fields: vec![field(
                    "current_password",
                    "wrong_password",
                    "is not the account's password",
                )],
            },
            Error::InvalidCode(CodeKind::Confirmation) => Self::Unprocessable {
                slug: "invalid-confirmation",
                detail: "the confirmation code is wrong, used, replaced by a newer one or \
                         expired; register again to get a new one"
                    .to_owned(),
                fields: vec![field(
                    "token",
                    "invalid_confirmation",
                    "not a current confirmation code",
                )],
            },
            Error::InvalidCode(CodeKind::Reset) => Self::Unprocessable {
                slug: "invalid-reset-token",
                detail: "the code is wrong, used, replaced or expired; ask for a new one"
                    .to_owned(),
                fields: vec![field(
                    "token",
                    "invalid",
                    "not a code that resets a password now",
                )],
            },
            Error::Unexpected(what) => Self::internal(anyhow::anyhow!(what)),
            Error::Store(err) => err.into(),
        }
    }
}

/// The problem for a change of a call that its state machine refused.
#[must_use]
pub fn call_refusal(err: &CallTransitionError) -> ApiError {
    let slug = match err {
        CallTransitionError::NotDraft(_) => "call-not-draft",
        CallTransitionError::NotPublished => "call-not-published",
        CallTransitionError::ClosingInPast => "closing-in-past",
    };
    ApiError::Conflict {
        slug,
        detail: err.to_string(),
    }
}

/// The problem for a transition the state machine refused.
#[must_use]
pub fn refusal_problem(err: &TransitionError, command: CommandKind) -> ApiError {
    let detail = err.to_string();
    let reason_field = if command == CommandKind::RequestRevision {
        "comment"
    } else {
        "reason"
    };
    let unprocessable = |fields: Vec<ProblemField>| ApiError::Unprocessable {
        slug: err.code(),
        detail: detail.clone(),
        fields,
    };
    let conflict = || ApiError::Conflict {
        slug: err.code(),
        detail: detail.clone(),
    };
    match err {
        TransitionError::Forbidden { .. } => {
            ApiError::Forbidden("your role may not do this to the application")
        }
        TransitionError::WrongStatus { .. }
        | TransitionError::CallNotOpen
        | TransitionError::RevisionDeadlinePassed
        | TransitionError::NoReviewerAssigned
        | TransitionError::ReviewsIncomplete
        | TransitionError::OverBudget => conflict(),
        TransitionError::Incomplete(missing) => unprocessable(
            missing
                .iter()
                .map(|f| field(&f.field, f.code, f.message.clone()))
                .collect(),
        ),
        TransitionError::Ineligible(failures) => unprocessable(
            failures
                .iter()
                .map(|f| field("organization_id", f.code(), f.to_string()))
                .collect(),
        ),
        TransitionError::BudgetOutOfLimits(failures) => unprocessable(
            failures
                .iter()
                .map(|f| field("budget_lines", f.code(), f.to_string()))
                .collect(),
        ),
        TransitionError::ReasonRequired
        | TransitionError::ReasonTooLong
        | TransitionError::ReasonInvalid
        | TransitionError::BelowFundableMinimum => {
            unprocessable(vec![field(reason_field, err.code(), detail.clone())])
        }
        TransitionError::RevisionDueInPast => {
            unprocessable(vec![field("revision_due_at", err.code(), detail.clone())])
        }
        TransitionError::AwardAboveRequest | TransitionError::AwardOutsideGrantLimits => {
            unprocessable(vec![field("awarded_amount", err.code(), detail.clone())])
        }
    }
}
