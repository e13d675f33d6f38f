//! Running a state-machine command against a stored application.

use domain::application::{canonical_json, receipt};
use domain::call;
use domain::transition::{Command, CommandKind, Context, TransitionError, decide};
use persistence::RepoError;
use persistence::applications::{ActedBy, Frozen};
use persistence::records::ApplicationRecord;
use uuid::Uuid;

use super::access::{Access, load};
use crate::auth::Caller;
use crate::clock::almaty_date;
use crate::error::{ApiError, ProblemField};
use crate::state::AppState;

/// Decides `command` on application `id` for `caller` and records the outcome with its
/// audit event.
///
/// # Errors
/// [`ApiError`] naming the refused rule, 404 when the caller may not see the application,
/// 409 when another change won a race.
pub async fn run(
    state: &AppState,
    caller: Caller,
    id: Uuid,
    command: Command,
) -> Result<(ApplicationRecord, Access), ApiError> {
    let (record, access) = load(state, caller, id).await?;
    let call = state.store.get_call(record.call_id).await?;
    let organization = state.store.get_organization(record.organization_id).await?;
    let awarded_total = state.store.awarded_total(record.call_id).await?;
    let now = state.clock.now();
    let ctx = Context {
        now,
        actor: access.actor(),
        call: &call.spec,
        call_phase: call::phase(call.state, call.spec.opens_at, call.spec.closes_at, now),
        organization: &organization.profile,
        today: almaty_date(now),
        content: &record.content,
        revision_due_at: record.revision_due_at,
        // Reviewer assignments do not exist yet, so nothing can start a review.
        reviewers_assigned: 0,
        reviews_submitted: 0,
        score: None,
        requested_amount: record.totals.requested_amount,
        call_awarded_total: awarded_total,
    };
    let event = decide(record.status, &command, &ctx).map_err(|e| refusal(&e, command.kind()))?;
    let frozen =
        matches!(event.command, CommandKind::Submit | CommandKind::Resubmit).then(|| Frozen {
            canonical: canonical_json(&record.content),
            receipt: receipt(&record.content),
        });
    let by = ActedBy {
        user: Some(caller.id),
        actor: access.actor(),
    };
    match state
        .store
        .record_transition(id, record.version, &event, by, frozen)
        .await
    {
        Ok(updated) => Ok((updated, access)),
        Err(RepoError::Conflict(_)) => Err(ApiError::Conflict {
            slug: "concurrent-change",
            detail: "the application changed while this request was handled; reload it".to_owned(),
        }),
        Err(other) => Err(other.into()),
    }
}

fn field(field: &str, code: &str, message: impl Into<String>) -> ProblemField {
    ProblemField {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// The problem for a refused transition.
#[must_use]
pub fn refusal(err: &TransitionError, command: CommandKind) -> ApiError {
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
        TransitionError::AwardAboveRequest => {
            unprocessable(vec![field("awarded_amount", err.code(), detail.clone())])
        }
    }
}
