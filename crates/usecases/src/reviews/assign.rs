//! Assigning reviewers from a call's pool to its applications, by hand or by the planner.
//!
//! Both take the call's lock and then the lock of each reviewer's account, the same lock a
//! reviewer's conflict declaration takes, so a conflict declared at the same moment is
//! either seen here or declared after the assignment exists.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use domain::assignment::{Plan, PlanInput, plan};
use domain::call::{self, CallPhase};
use domain::ids::{ApplicationId, CallId, OrganizationId, UserId};
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, Command, decide};
use persistence::applications::ActedBy;
use persistence::batch::Change;
use persistence::decisions::{Decided, NewAssignment};
use persistence::records::{AssignmentRecord, Organization};
use persistence::{Clash, RepoError, Store, Tx};

use super::stage::reviewable;
use crate::access::Caller;
use crate::context::{Facts, context};
use crate::error::{Conflict, Error, invalid};
use crate::keys::{self, Remember};

const OFFICERS_ONLY: &str = "only programme officers manage reviews";

/// Refuses a due date that is not in the future (or beyond what databases store), and
/// keeps microseconds, which both databases store.
fn due(due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
    match due_at {
        Some(due) if due <= now || due.year() > 9999 => {
            Err(invalid("due_at", "out_of_range", "must be in the future"))
        }
        Some(due) => Ok(Some(due.trunc_subsecs(6))),
        None => Ok(None),
    }
}

/// Assigns `reviewer` from the call's pool to application `application` (officers). The
/// review of a submitted application starts with its first reviewer.
///
/// # Errors
/// [`Conflict::NotReviewable`], [`Error::Invalid`] when the reviewer is not in the pool,
/// [`Conflict::ReviewerConflict`], [`Conflict::AlreadyAssigned`].
pub async fn manual(
    store: &Store,
    caller: Caller,
    application: ApplicationId,
    reviewer: UserId,
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, AssignmentRecord>>,
) -> Result<AssignmentRecord, Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    let due_at = due(due_at, now)?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let call_id = tx.application(application).await?.call_id;
    // The reviewer's account before the call, the order every use case keeps: a conflict
    // declared meanwhile is either seen here or recuses this assignment.
    let not_in_pool = || {
        invalid(
            "reviewer_id",
            "not_in_pool",
            "add the reviewer to the call's pool first",
        )
    };
    match tx.lock_account(reviewer).await {
        Ok(()) => {}
        Err(RepoError::NotFound) => return Err(not_in_pool()),
        Err(err) => return Err(err.into()),
    }
    tx.lock_call(call_id).await?;
    let snap = tx.snapshot(call_id, application).await?;
    if !reviewable(snap.application.status) {
        return Err(Conflict::NotReviewable(snap.application.status).into());
    }
    if !tx.in_pool(call_id, reviewer).await? {
        return Err(not_in_pool());
    }
    let organization_id = snap.application.organization_id;
    if tx
        .conflicted_pairs(&[reviewer])
        .await?
        .contains(&(reviewer, organization_id))
    {
        return Err(Conflict::ReviewerConflict.into());
    }
    let new = NewAssignment {
        application_id: application,
        reviewer_id: reviewer,
        due_at,
    };
    let created = match tx
        .insert_assignment(call_id, &new, Some(caller.id), now)
        .await
    {
        Ok(created) => created,
        Err(RepoError::Conflict(Clash::Assignment)) => return Err(Conflict::AlreadyAssigned.into()),
        Err(err) => return Err(err.into()),
    };
    let organizations = organizations_by_id(&tx, &[organization_id]).await?;
    start_reviews(&tx, call_id, &[application], &organizations, caller, now).await?;
    keys::commit(tx, remember, &created).await?;
    Ok(created)
}

/// Gives every submitted application of a closed call the call's number of reviewers
/// from its pool (officers): conflicts and earlier declines respected, load balanced, the
/// same result for the same input. Returns what was assigned and what could not be.
///
/// # Errors
/// [`Conflict::CallNotClosed`] before the call closes.
pub async fn automatic(
    store: &Store,
    caller: Caller,
    call_id: CallId,
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, Plan>>,
) -> Result<Plan, Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    let due_at = due(due_at, now)?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    // The pool's accounts before the call, the order every use case keeps; a reviewer
    // added to the pool in between is left for the next run.
    let locked: Vec<UserId> = tx
        .pool(call_id)
        .await?
        .into_iter()
        .map(|m| m.reviewer_id)
        .collect();
    tx.lock_accounts(&locked).await?;
    tx.lock_call(call_id).await?;
    let call = tx.call(call_id).await?;
    match call::phase(call.state, call.spec.opens_at, call.spec.closes_at, now) {
        CallPhase::Closed => {}
        CallPhase::Draft | CallPhase::Scheduled | CallPhase::Open | CallPhase::Decided => {
            return Err(Conflict::CallNotClosed.into());
        }
    }
    let applications = tx
        .applications_of_call(
            call_id,
            &[ApplicationStatus::Submitted, ApplicationStatus::UnderReview],
        )
        .await?;
    let reviewers: Vec<UserId> = tx
        .pool(call_id)
        .await?
        .into_iter()
        .map(|m| m.reviewer_id)
        .filter(|reviewer| locked.contains(reviewer))
        .collect();
    let assignments = tx.assignments_of_call(call_id).await?;
    let existing: Vec<(ApplicationId, UserId)> = assignments
        .iter()
        .filter(|a| a.status.is_active())
        .map(|a| (a.application_id, a.reviewer_id))
        .collect();
    let pairs = tx.conflicted_pairs(&reviewers).await?;
    let mut conflicts: BTreeSet<(UserId, ApplicationId)> = BTreeSet::new();
    for application in &applications {
        for (reviewer, organization) in &pairs {
            if *organization == application.organization_id {
                conflicts.insert(((*reviewer), application.id));
            }
        }
    }
    // A reviewer who declined an application is never planned onto it again.
    for declined in assignments.iter().filter(|a| !a.status.is_active()) {
        conflicts.insert((declined.reviewer_id, declined.application_id));
    }
    let ids: Vec<ApplicationId> = applications.iter().map(|a| a.id).collect();
    let pool: Vec<UserId> = reviewers.to_vec();
    let planned = plan(&PlanInput {
        applications: &ids,
        reviewers: &pool,
        per_application: call.spec.reviewers_per_application,
        existing: &existing,
        conflicts: &conflicts,
    });
    if planned.assignments.is_empty() {
        keys::commit(tx, remember, &planned).await?;
        return Ok(planned);
    }
    for (application_id, reviewer_id) in &planned.assignments {
        let new = NewAssignment {
            application_id: *application_id,
            reviewer_id: *reviewer_id,
            due_at,
        };
        tx.insert_assignment(call_id, &new, None, now).await?;
    }
    let staffed: Vec<ApplicationId> = planned
        .assignments
        .iter()
        .map(|(application, _)| *application)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let organization_ids: Vec<OrganizationId> =
        applications.iter().map(|a| a.organization_id).collect();
    let organizations = organizations_by_id(&tx, &organization_ids).await?;
    start_reviews(&tx, call_id, &staffed, &organizations, caller, now).await?;
    keys::commit(tx, remember, &planned).await?;
    Ok(planned)
}

async fn organizations_by_id(
    tx: &Tx,
    ids: &[OrganizationId],
) -> Result<HashMap<OrganizationId, Organization>, Error> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(tx
        .organizations(&ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// Starts the review of each submitted application among `applications`, which now has a
/// reviewer; one already under review stays as it is. The batch is read and written as a
/// whole, so staffing a large call costs no reads per application.
async fn start_reviews(
    tx: &Tx,
    call_id: CallId,
    applications: &[ApplicationId],
    organizations: &HashMap<OrganizationId, Organization>,
    caller: Caller,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let snap = tx.call_snapshot(call_id, applications).await?;
    let mut changes = Vec::new();
    for application in &snap.applications {
        match application.status {
            ApplicationStatus::Submitted => {
                let organization = organizations
                    .get(&application.organization_id)
                    .ok_or(Error::NotFound)?;
                let (reviewers_assigned, reviews_submitted) =
                    snap.assignment_counts(application.id);
                let facts = Facts {
                    reviewers_assigned,
                    reviews_submitted,
                    score: None,
                    call_awarded_total: snap.call_awarded_total(),
                };
                let ctx = context(
                    &snap.call,
                    application,
                    organization,
                    facts,
                    Actor::System,
                    now,
                );
                let event = decide(application.status, &Command::StartReview, &ctx)
                    .map_err(|_| Conflict::ChangedMeanwhile)?;
                changes.push(Change {
                    application_id: application.id,
                    organization_id: application.organization_id,
                    expected_version: application.version,
                    effect: domain::effect::of(&event),
                    decided: Decided {
                        event,
                        frozen: None,
                    },
                });
            }
            ApplicationStatus::UnderReview => {}
            // The call's lock is held since the statuses were read, so none of these can
            // appear here; were one to, nothing is written.
            ApplicationStatus::Draft
            | ApplicationStatus::RevisionRequested
            | ApplicationStatus::Reviewed
            | ApplicationStatus::Waitlisted
            | ApplicationStatus::Approved
            | ApplicationStatus::Rejected
            | ApplicationStatus::Withdrawn
            | ApplicationStatus::Ineligible => return Err(Conflict::ChangedMeanwhile.into()),
        }
    }
    let by = ActedBy {
        user: Some(caller.id),
        actor: Actor::System,
    };
    tx.record_changes(changes, by).await?;
    Ok(())
}
