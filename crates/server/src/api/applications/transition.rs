//! Running state-machine commands against stored applications, inside their call's lock.

use std::collections::{BTreeSet, HashMap};

use domain::application::{canonical_json, receipt};
use domain::call;
use domain::transition::{Command, CommandKind, Context, TransitionError, decide};
use persistence::applications::{ActedBy, Frozen};
use persistence::decisions::Decided;
use persistence::records::{ApplicationRecord, CallRecord, Organization};
use uuid::Uuid;

use super::access::{Access, load};
use crate::api::scoring;
use crate::auth::Caller;
use crate::clock::almaty_date;
use crate::error::{ApiError, ProblemField};
use crate::state::AppState;

/// Decides `command` on application `id` for `caller` and records the outcome with its
/// audit event.
///
/// # Errors
/// [`ApiError`] naming the refused rule; 404 when the caller may not see the application.
pub async fn run(
    state: &AppState,
    caller: Caller,
    id: Uuid,
    command: Command,
) -> Result<(ApplicationRecord, Access), ApiError> {
    let (record, access) = load(state, caller, id).await?;
    let call = state.store.get_call(record.call_id).await?;
    let mut records = run_many(state, &call, access, caller.id, vec![(id, command)]).await?;
    let updated = records.pop().ok_or(ApiError::NotFound)?;
    Ok((updated, access))
}

/// Decides several commands on applications of `call`, all or nothing, in one transaction
/// that holds the call's lock.
///
/// # Errors
/// [`ApiError`] naming the first refused rule (with the application in the detail when
/// there are several); nothing is written then.
pub async fn run_many(
    state: &AppState,
    call: &CallRecord,
    access: Access,
    actor_id: Uuid,
    commands: Vec<(Uuid, Command)>,
) -> Result<Vec<ApplicationRecord>, ApiError> {
    let now = state.clock.now();
    let needs_scores = commands
        .iter()
        .any(|(_, c)| c.kind() == CommandKind::Approve);
    let scores = if needs_scores {
        scoring::call_scores(state, call).await?
    } else {
        scoring::CallScores::default()
    };
    let ids: Vec<Uuid> = commands.iter().map(|(id, _)| *id).collect();
    // Two queries for the whole batch: its applications, then their organisations.
    let wanted: BTreeSet<Uuid> = ids.iter().copied().collect();
    let found = state.store.applications_by_ids(&ids).await?;
    if found.len() != wanted.len() || found.iter().any(|a| a.call_id != call.id) {
        return Err(ApiError::NotFound);
    }
    let organization_ids: Vec<Uuid> = found
        .iter()
        .map(|a| a.organization_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let organizations: HashMap<Uuid, Organization> = state
        .store
        .organizations_by_ids(&organization_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let kinds: Vec<(Uuid, CommandKind)> = commands.iter().map(|(id, c)| (*id, c.kind())).collect();
    let several = commands.len() > 1;
    let mut queue = commands.into_iter();
    let by = ActedBy {
        user: Some(actor_id),
        actor: access.actor(),
    };
    let outcome =
        state
            .store
            .decide_in_call(call.id, &ids, by, |snap| {
                let Some((_, command)) = queue.next() else {
                    return Err(TransitionError::WrongStatus {
                        command: CommandKind::Submit,
                        status: snap.application.status,
                    });
                };
                let application = &snap.application;
                let Some(organization) = organizations.get(&application.organization_id) else {
                    return Err(TransitionError::Forbidden {
                        command: command.kind(),
                        actor: access.actor(),
                    });
                };
                let ctx = Context {
                    now,
                    actor: access.actor(),
                    call: &snap.call.spec,
                    call_phase: call::phase(
                        snap.call.state,
                        snap.call.spec.opens_at,
                        snap.call.spec.closes_at,
                        now,
                    ),
                    organization: &organization.profile,
                    today: almaty_date(now),
                    content: &application.content,
                    revision_due_at: application.revision_due_at,
                    reviewers_assigned: snap.active_assignments,
                    reviews_submitted: snap.reviews_submitted,
                    score: scores.score_floor(application.id, snap.call.spec.aggregation),
                    requested_amount: application.totals.requested_amount,
                    call_awarded_total: snap.call_awarded_total,
                };
                let event = decide(application.status, &command, &ctx)?;
                let frozen = matches!(event.command, CommandKind::Submit | CommandKind::Resubmit)
                    .then(|| Frozen {
                        canonical: canonical_json(&application.content),
                        receipt: receipt(&application.content),
                    });
                Ok(Decided { event, frozen })
            })
            .await?;
    match outcome {
        Ok(records) => Ok(records),
        Err((id, refused)) => {
            let command = kinds
                .iter()
                .find(|(app, _)| *app == id)
                .map_or(CommandKind::Submit, |(_, kind)| *kind);
            let mut err = refusal(&refused, command);
            if several {
                err = with_application(err, id);
            }
            Err(err)
        }
    }
}

/// Names the application a refusal in a batch is about.
fn with_application(err: ApiError, id: Uuid) -> ApiError {
    err.with_detail_prefix(&format!("application {id}"))
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
        TransitionError::AwardAboveRequest | TransitionError::AwardOutsideGrantLimits => {
            unprocessable(vec![field("awarded_amount", err.code(), detail.clone())])
        }
    }
}
