//! A conflict of interest declared after assignment: the reviewer's work on the
//! organisation's undecided applications ends, and an application left short of reviews
//! goes back to review.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::ids::{CallId, OrganizationId, UserId};
use domain::recusal::{REOPEN_REASON, ends, reopens};
use domain::transition::{Actor, Command};
use persistence::Tx;
use persistence::applications::ActedBy;
use persistence::decisions::Decided;

use super::stage::decide_on_review;
use crate::error::Error;

/// Takes, in order, the locks of the calls where `reviewer` holds an active assignment on
/// an application of `organization`, and of `also`. The caller holds the reviewer's
/// account lock (taken before any call's, as assignments take them), so no assignment to
/// them appears meanwhile.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub(crate) async fn lock_calls(
    tx: &Tx,
    reviewer: UserId,
    organization: OrganizationId,
    also: Option<CallId>,
) -> Result<(), Error> {
    let found = tx.active_assignments_with(reviewer, organization).await?;
    let calls: BTreeSet<CallId> = found.iter().map(|a| a.call_id).chain(also).collect();
    for call in calls {
        tx.lock_call(call).await?;
    }
    Ok(())
}

/// Ends, as recused, every assignment of `reviewer` on an undecided application of
/// `organization` (a submitted review of one no longer counts) and tells each call's
/// officer; sends back to review every reviewed application thereby short of the reviews
/// its call asks for. The caller holds the locks [`lock_calls`] takes.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub(crate) async fn recuse(
    tx: &Tx,
    reviewer: UserId,
    organization: OrganizationId,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let assignments = tx.active_assignments_with(reviewer, organization).await?;
    let ids: Vec<_> = assignments.iter().map(|a| a.application_id).collect();
    let applications = tx.applications(&ids).await?;
    let mut touched = BTreeSet::new();
    for assignment in &assignments {
        let Some(application) = applications
            .iter()
            .find(|a| a.id == assignment.application_id)
        else {
            continue;
        };
        if ends(assignment.status, application.status) {
            tx.recuse_assignment(assignment, now).await?;
            touched.insert((assignment.call_id, assignment.application_id));
        }
    }
    for (call, application) in touched {
        let snap = tx.snapshot(call, application).await?;
        let required = snap.call.spec.reviewers_per_application;
        if !reopens(snap.application.status, snap.reviews_submitted, required) {
            continue;
        }
        let organization = tx.organization(snap.application.organization_id).await?;
        let command = Command::ReopenReview {
            reason: REOPEN_REASON.to_owned(),
        };
        let event = decide_on_review(&snap, &organization, &command, Actor::System, now).map_err(
            |refusal| Error::Refused {
                refusal,
                command: command.kind(),
                application: None,
            },
        )?;
        let by = ActedBy {
            user: None,
            actor: Actor::System,
        };
        let decided = Decided {
            event,
            frozen: None,
        };
        tx.record_event(application, snap.application.version, decided, by)
            .await?;
    }
    Ok(())
}
