//! What reviewers and staff read of pools, conflicts, assignments and reviews.
//!
//! A reviewer sees only their own assignments; before submitting their own review they see
//! no other review of the application, afterwards the others' scores without names.

use domain::assignment::AssignmentStatus;
use domain::ids::{ApplicationId, AssignmentId, CallId, UserId};
use domain::role::Role;
use persistence::Store;
use persistence::records::{AssignmentRecord, ConflictRecord, OffsetPage, PoolMember};

use crate::access::Caller;
use crate::error::Error;

const REVIEWERS_ONLY: &str = "only reviewers do this";

/// The reviewer pool of call `call` (staff).
///
/// # Errors
/// [`Error::Forbidden`] for anyone else; [`Error::NotFound`] for an unknown call.
pub async fn pool(store: &Store, caller: Caller, call: CallId) -> Result<Vec<PoolMember>, Error> {
    if caller.staff().is_none() {
        return Err(Error::Forbidden("only staff see reviewer pools"));
    }
    store.get_call(call).await?;
    Ok(store.pool(call).await?)
}

/// The conflicts of interest the calling reviewer declared.
///
/// # Errors
/// [`Error::Forbidden`] for anyone but reviewers.
pub async fn my_conflicts(store: &Store, caller: Caller) -> Result<Vec<ConflictRecord>, Error> {
    caller.require(Role::Reviewer, REVIEWERS_ONLY)?;
    Ok(store.conflicts_of(caller.id).await?)
}

/// Page `page` of the calling reviewer's assignments, newest first, optionally only in
/// `statuses`.
///
/// # Errors
/// [`Error::Forbidden`] for anyone but reviewers.
pub async fn my_assignments(
    store: &Store,
    caller: Caller,
    statuses: &[AssignmentStatus],
    page: u64,
    limit: u64,
) -> Result<OffsetPage<AssignmentRecord>, Error> {
    caller.require(Role::Reviewer, REVIEWERS_ONLY)?;
    Ok(store
        .assignments_of_reviewer(caller.id, statuses, page, limit)
        .await?)
}

/// Assignment `id`, for its reviewer or staff.
///
/// # Errors
/// [`Error::NotFound`] for anyone else.
pub async fn assignment(
    store: &Store,
    caller: Caller,
    id: AssignmentId,
) -> Result<AssignmentRecord, Error> {
    let assignment = store.get_assignment(id).await?;
    if assignment.reviewer_id != caller.id && caller.staff().is_none() {
        return Err(Error::NotFound);
    }
    Ok(assignment)
}

/// A review of an application as the caller may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenReview {
    /// Its place among the application's assignments, from 1, in the order they were made.
    pub number: usize,
    /// The reviewer, for staff only.
    pub reviewer_id: Option<UserId>,
    /// Whether it is the caller's own.
    pub mine: bool,
    /// The assignment with its review.
    pub assignment: AssignmentRecord,
}

/// The reviews of application `id`: staff see all with reviewers' accounts; an assigned
/// reviewer sees only their own until they submit it, then every submitted one without
/// names.
///
/// # Errors
/// [`Error::NotFound`] for anyone else.
pub async fn reviews(
    store: &Store,
    caller: Caller,
    id: ApplicationId,
) -> Result<Vec<SeenReview>, Error> {
    let application = store.get_application(id).await?;
    let assignments = store.assignments_of_application(application.id).await?;
    let staff = caller.staff().is_some();
    let own = assignments
        .iter()
        .find(|a| a.reviewer_id == caller.id && a.status.is_active());
    if !staff && own.is_none() {
        return Err(Error::NotFound);
    }
    let own_submitted = own.is_some_and(|a| a.status == AssignmentStatus::Submitted);
    Ok(assignments
        .into_iter()
        .enumerate()
        .filter(|(_, a)| {
            staff
                || a.reviewer_id == caller.id
                || (own_submitted && a.status == AssignmentStatus::Submitted)
        })
        .map(|(index, assignment)| SeenReview {
            number: index + 1,
            reviewer_id: staff.then_some(assignment.reviewer_id),
            mine: assignment.reviewer_id == caller.id,
            assignment,
        })
        .collect())
}
