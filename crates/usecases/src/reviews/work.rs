//! A reviewer's work on an assignment: accepting or declining it, saving and submitting
//! the review; and an officer reopening a submitted review.

use chrono::{DateTime, Utc};
use domain::assignment::{AssignmentAction, next_status};
use domain::ids::AssignmentId;
use domain::review::{ConflictKind, ReviewContent, ReviewInput, review_total};
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, Command, CommandKind, required_reason};
use persistence::applications::ActedBy;
use persistence::decisions::{AssignmentChange, Decided};
use persistence::records::AssignmentRecord;
use persistence::reviews::NewConflict;
use persistence::{Store, Tx};

use super::conflicts::explanation;
use super::recusal;
use super::stage::{ReviewStage, decide_on_review, review_stage};
use crate::access::Caller;
use crate::error::{Conflict, Error};
use crate::keys::{self, Remember};

/// A conflict of interest declared while declining.
#[derive(Debug, Clone)]
pub struct DeclaredConflict {
    /// Its kind.
    pub kind: ConflictKind,
    /// What it is.
    pub description: String,
}

/// Assignment `id` as its reviewer acts on it. Staff, who read every assignment, are told
/// they may not act; anyone else that it does not exist.
async fn own(tx: &Tx, caller: Caller, id: AssignmentId) -> Result<AssignmentRecord, Error> {
    let assignment = tx.assignment(id).await?;
    if assignment.reviewer_id == caller.id {
        Ok(assignment)
    } else if caller.staff().is_some() {
        Err(Error::Forbidden(
            "only the assigned reviewer acts on an assignment",
        ))
    } else {
        Err(Error::NotFound)
    }
}

/// The reviewer takes assignment `id` on.
///
/// # Errors
/// [`Error::Assignment`] when it is not waiting for them.
pub async fn accept(
    store: &Store,
    caller: Caller,
    id: AssignmentId,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, AssignmentRecord>>,
) -> Result<AssignmentRecord, Error> {
    let tx = keys::begin(store, remember.as_ref()).await?;
    let assignment = own(&tx, caller, id).await?;
    let next = next_status(assignment.status, AssignmentAction::Accept)?;
    let updated = tx
        .change_assignment(&assignment, next, AssignmentChange::StatusOnly, now)
        .await?;
    keys::commit(tx, remember, &updated).await?;
    Ok(updated)
}

/// The reviewer declines assignment `id`, perhaps saying why and declaring a conflict of
/// interest with the applying organisation. The slot is freed for another reviewer.
///
/// # Errors
/// [`Error::Assignment`] when it is already declined or submitted; [`Error::Invalid`] for
/// a reason or description that is too long or holds control characters.
pub async fn decline(
    store: &Store,
    caller: Caller,
    id: AssignmentId,
    reason: Option<&str>,
    conflict: Option<DeclaredConflict>,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, AssignmentRecord>>,
) -> Result<AssignmentRecord, Error> {
    let tx = keys::begin(store, remember.as_ref()).await?;
    let assignment = own(&tx, caller, id).await?;
    let next = next_status(assignment.status, AssignmentAction::Decline)?;
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => Some(explanation("reason", reason)?),
        None => None,
    };
    let declared = match conflict {
        Some(conflict) => {
            let description = explanation("conflict.description", &conflict.description)?;
            let organization = tx
                .application(assignment.application_id)
                .await?
                .organization_id;
            Some((conflict.kind, description, organization))
        }
        None => None,
    };
    // A declared conflict ends the reviewer's other work for the organisation too: the
    // reviewer's account is locked before any call's, as assignments lock them.
    match &declared {
        Some((_, _, organization)) => {
            tx.lock_account(caller.id).await?;
            recusal::lock_calls(&tx, caller.id, *organization, Some(assignment.call_id)).await?;
        }
        None => tx.lock_call(assignment.call_id).await?,
    }
    let updated = tx
        .change_assignment(
            &assignment,
            next,
            AssignmentChange::Declined(reason.as_deref()),
            now,
        )
        .await?;
    if let Some((kind, description, organization)) = declared {
        let new = NewConflict {
            reviewer_id: caller.id,
            organization_id: organization,
            kind,
            description,
            source: "decline",
        };
        tx.keep_conflict(new, now).await?;
        recusal::recuse(&tx, caller.id, organization, now).await?;
    }
    keys::commit(tx, remember, &updated).await?;
    Ok(updated)
}

/// Saves the reviewer's draft of the review of assignment `id`, as a whole.
///
/// # Errors
/// [`Error::Assignment`] once submitted; [`Conflict::NotUnderReview`];
/// [`Error::Invalid`] for scores outside the rubric.
pub async fn save(
    store: &Store,
    caller: Caller,
    id: AssignmentId,
    input: ReviewInput,
    now: DateTime<Utc>,
) -> Result<AssignmentRecord, Error> {
    let tx = store.begin().await?;
    let assignment = own(&tx, caller, id).await?;
    let next = next_status(assignment.status, AssignmentAction::SaveReview)?;
    let application = tx.application(assignment.application_id).await?;
    if review_stage(application.status) == ReviewStage::Closed {
        return Err(Conflict::NotUnderReview.into());
    }
    let call = tx.call(assignment.call_id).await?;
    let review = ReviewContent::parse(input, &call.spec.rubric)?;
    let updated = tx
        .change_assignment(&assignment, next, AssignmentChange::Draft(&review), now)
        .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Submits the saved review of assignment `id`: every criterion scored, a comment, a
/// recommendation and a confidence. The last review the call needs completes the
/// application's review. An approval, a reopening, an assignment change or a recusal in
/// the call (the exclusive form of its lock) waits for it, or it for them.
///
/// # Errors
/// [`Error::ReviewIncomplete`] naming what is missing; [`Conflict::NotUnderReview`].
pub async fn submit(
    store: &Store,
    caller: Caller,
    id: AssignmentId,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, AssignmentRecord>>,
) -> Result<AssignmentRecord, Error> {
    let tx = keys::begin(store, remember.as_ref()).await?;
    let assignment = own(&tx, caller, id).await?;
    let next = next_status(assignment.status, AssignmentAction::SubmitReview)?;
    // Reviews of other applications go on side by side (the shared form of the call's
    // lock); the reviews of this one queue on its row, so the last one sees the others.
    tx.share_call(assignment.call_id).await?;
    tx.lock_applications(&[assignment.application_id]).await?;
    let call = tx.call(assignment.call_id).await?;
    let review = assignment.review.clone().unwrap_or_default();
    let missing = review.missing_for_submission(&call.spec.rubric);
    if !missing.is_empty() {
        return Err(Error::ReviewIncomplete(missing));
    }
    let total = review_total(&review.scores, &call.spec.rubric);
    let updated = tx
        .change_assignment(
            &assignment,
            next,
            AssignmentChange::Submitted(&review, total),
            now,
        )
        .await?;
    let snap = tx
        .snapshot(assignment.call_id, assignment.application_id)
        .await?;
    let complete = match review_stage(snap.application.status) {
        ReviewStage::Open => {
            let organization = tx.organization(snap.application.organization_id).await?;
            // Until the last review the call needs is in, the review is not complete.
            decide_on_review(
                &snap,
                &organization,
                &Command::CompleteReview,
                Actor::System,
                now,
            )
            .ok()
        }
        // A late review of a completed, undecided review still counts.
        ReviewStage::Complete => None,
        ReviewStage::Closed => return Err(Conflict::NotUnderReview.into()),
    };
    if let Some(event) = complete {
        let by = ActedBy {
            user: None,
            actor: Actor::System,
        };
        let decided = Decided {
            event,
            frozen: None,
        };
        tx.record_event(
            assignment.application_id,
            snap.application.version,
            decided,
            by,
        )
        .await?;
    }
    keys::commit(tx, remember, &updated).await?;
    Ok(updated)
}

/// Reopens the submitted review of assignment `id` so its reviewer can change it
/// (officers). An application whose review was complete goes back under review.
///
/// # Errors
/// [`Error::Refused`] without a reason; [`Conflict::AlreadyDecided`];
/// [`Conflict::NotUnderReview`].
pub async fn reopen(
    store: &Store,
    caller: Caller,
    id: AssignmentId,
    reason: &str,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, AssignmentRecord>>,
) -> Result<AssignmentRecord, Error> {
    caller.require(Role::Officer, "only programme officers manage reviews")?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let assignment = tx.assignment(id).await?;
    let next = next_status(assignment.status, AssignmentAction::Reopen)?;
    let reason = required_reason(reason).map_err(|refusal| Error::Refused {
        refusal,
        command: CommandKind::ReopenReview,
        application: None,
    })?;
    tx.lock_call(assignment.call_id).await?;
    let snap = tx
        .snapshot(assignment.call_id, assignment.application_id)
        .await?;
    if matches!(
        snap.application.status,
        ApplicationStatus::Waitlisted | ApplicationStatus::Approved | ApplicationStatus::Rejected
    ) {
        return Err(Conflict::AlreadyDecided.into());
    }
    let updated = tx
        .change_assignment(&assignment, next, AssignmentChange::Reopened, now)
        .await?;
    match review_stage(snap.application.status) {
        ReviewStage::Complete => {
            let organization = tx.organization(snap.application.organization_id).await?;
            let command = Command::ReopenReview { reason };
            let event = decide_on_review(&snap, &organization, &command, Actor::Officer, now)
                .map_err(|_| Conflict::NotUnderReview)?;
            let by = ActedBy {
                user: Some(caller.id),
                actor: Actor::Officer,
            };
            let decided = Decided {
                event,
                frozen: None,
            };
            tx.record_event(
                assignment.application_id,
                snap.application.version,
                decided,
                by,
            )
            .await?;
        }
        ReviewStage::Open => {}
        ReviewStage::Closed => return Err(Conflict::NotUnderReview.into()),
    }
    keys::commit(tx, remember, &updated).await?;
    Ok(updated)
}
