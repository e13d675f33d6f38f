//! Where an application's review stands, and the transitions the service makes itself
//! when reviewers are assigned and reviews arrive.

use chrono::{DateTime, Utc};
use domain::event::Transition;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, Command, TransitionError, decide};
use persistence::decisions::Snapshot;
use persistence::records::Organization;

use crate::context::{Facts, context};

/// Where an application's review stands, for changes to its reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReviewStage {
    /// Reviews are being written.
    Open,
    /// Enough reviews are in, no decision yet.
    Complete,
    /// Not (or no longer) under review: reviews may not change.
    Closed,
}

pub(crate) fn review_stage(status: ApplicationStatus) -> ReviewStage {
    match status {
        ApplicationStatus::UnderReview => ReviewStage::Open,
        ApplicationStatus::Reviewed => ReviewStage::Complete,
        ApplicationStatus::Draft
        | ApplicationStatus::Submitted
        | ApplicationStatus::RevisionRequested
        | ApplicationStatus::Waitlisted
        | ApplicationStatus::Approved
        | ApplicationStatus::Rejected
        | ApplicationStatus::Withdrawn
        | ApplicationStatus::Ineligible => ReviewStage::Closed,
    }
}

/// Whether reviewers may be assigned to an application in `status`.
pub(crate) fn reviewable(status: ApplicationStatus) -> bool {
    match status {
        ApplicationStatus::Submitted | ApplicationStatus::UnderReview => true,
        ApplicationStatus::Draft
        | ApplicationStatus::RevisionRequested
        | ApplicationStatus::Reviewed
        | ApplicationStatus::Waitlisted
        | ApplicationStatus::Approved
        | ApplicationStatus::Rejected
        | ApplicationStatus::Withdrawn
        | ApplicationStatus::Ineligible => false,
    }
}

/// Decides `command` on the application of `snap` as the service or an officer acting on
/// its reviews (scores play no part in these transitions).
pub(crate) fn decide_on_review(
    snap: &Snapshot,
    organization: &Organization,
    command: &Command,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Transition, TransitionError> {
    let facts = Facts {
        reviewers_assigned: snap.active_assignments,
        reviews_submitted: snap.reviews_submitted,
        score: None,
        call_awarded_total: snap.call_awarded_total,
    };
    let ctx = context(
        &snap.call,
        &snap.application,
        organization,
        facts,
        actor,
        now,
    );
    decide(snap.application.status, command, &ctx)
}
