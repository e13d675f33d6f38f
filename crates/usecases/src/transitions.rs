//! The application's state-machine commands: an applicant's submission, withdrawal and
//! resubmission, an officer's transitions and decisions, one at a time or in bulk.

use domain::ids::{ApplicationId, CallId, OrganizationId};
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use domain::application::{canonical_json, receipt};
use domain::transition::{Command, CommandKind, decide};
use persistence::applications::{ActedBy, Frozen};
use persistence::batch::Change;
use persistence::decisions::Decided;
use persistence::records::{ApplicationRecord, Organization};
use persistence::{Store, Tx};

use crate::access::{Access, Caller, Staff};
use crate::context::{Facts, context};
use crate::error::{Error, invalid};
use crate::keys::{self, Remember};
use crate::scores::CallScores;

/// The most decisions one bulk request may carry.
pub const BULK_MAX: usize = 1000;

/// Runs `command` on application `id` for `caller`.
///
/// # Errors
/// [`Error::NotFound`] when the caller may not see the application; [`Error::Refused`]
/// naming the rule the state machine applied.
pub async fn run(
    store: &Store,
    caller: Caller,
    id: ApplicationId,
    command: Command,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, (ApplicationRecord, Access)>>,
) -> Result<(ApplicationRecord, Access), Error> {
    let tx = keys::begin(store, remember.as_ref()).await?;
    let application = tx.application(id).await?;
    let access = access_in(&tx, caller, &application).await?;
    let mut records = decide_all(
        &tx,
        application.call_id,
        access,
        caller,
        vec![(id, command)],
        now,
    )
    .await?;
    let outcome = (records.pop().ok_or(Error::NotFound)?, access);
    keys::commit(tx, remember, &outcome).await?;
    Ok(outcome)
}

/// Applies officer decisions to applications of call `call_id` together: all of them, or
/// none when any is refused.
///
/// # Errors
/// [`Error::Invalid`] for an empty or oversized batch or an application named twice;
/// [`Error::Refused`] naming the first refused application.
pub async fn decide_in_bulk(
    store: &Store,
    caller: Caller,
    call_id: CallId,
    decisions: Vec<(ApplicationId, Command)>,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, Vec<ApplicationRecord>>>,
) -> Result<Vec<ApplicationRecord>, Error> {
    caller.require(
        domain::role::Role::Officer,
        "only programme officers decide",
    )?;
    if decisions.is_empty() || decisions.len() > BULK_MAX {
        return Err(invalid(
            "decisions",
            "out_of_range",
            format!("give between 1 and {BULK_MAX} decisions"),
        ));
    }
    let distinct: BTreeSet<ApplicationId> = decisions.iter().map(|(id, _)| *id).collect();
    if distinct.len() != decisions.len() {
        return Err(invalid(
            "decisions",
            "duplicate",
            "an application may appear once",
        ));
    }
    let tx = keys::begin(store, remember.as_ref()).await?;
    let records = decide_all(
        &tx,
        call_id,
        Access::Staff(Staff::Officer),
        caller,
        decisions,
        now,
    )
    .await?;
    keys::commit(tx, remember, &records).await?;
    Ok(records)
}

/// The caller's access to `application`, read in `tx`. Anyone else is told it does not
/// exist.
pub(crate) async fn access_in(
    tx: &Tx,
    caller: Caller,
    application: &ApplicationRecord,
) -> Result<Access, Error> {
    let member = match caller.role {
        domain::role::Role::Applicant => tx
            .membership(application.organization_id, caller.id)
            .await?
            .is_some(),
        domain::role::Role::Reviewer | domain::role::Role::Officer | domain::role::Role::Admin => {
            false
        }
    };
    let assigned = match caller.role {
        domain::role::Role::Reviewer => tx
            .assignments_of_application(application.id)
            .await?
            .iter()
            .any(|a| a.reviewer_id == caller.id && a.status.is_active()),
        domain::role::Role::Applicant | domain::role::Role::Officer | domain::role::Role::Admin => {
            false
        }
    };
    Access::of(caller, member, assigned).ok_or(Error::NotFound)
}

/// Decides each command in order inside the call's lock, with the scores, the budget spent
/// and every application as they are once the lock is held; then marks the call decided
/// when nothing is left to decide. Reads and writes the whole batch in a few statements
/// (one per application only for its own change).
async fn decide_all(
    tx: &Tx,
    call_id: CallId,
    access: Access,
    caller: Caller,
    commands: Vec<(ApplicationId, Command)>,
    now: DateTime<Utc>,
) -> Result<Vec<ApplicationRecord>, Error> {
    let ids: Vec<ApplicationId> = commands.iter().map(|(id, _)| *id).collect();
    // Submissions only need the call to stay as it is: they share its lock, and take their
    // own application's, so that submissions to one call go on side by side.
    let submissions = commands.iter().all(|(_, command)| submits(command.kind()));
    if submissions {
        tx.share_call(call_id).await?;
        tx.lock_applications(&ids).await?;
    } else {
        tx.lock_call(call_id).await?;
    }
    let snap = tx.call_snapshot(call_id, &ids).await?;
    let organization_ids: Vec<OrganizationId> = snap
        .applications
        .iter()
        .map(|a| a.organization_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let organizations: HashMap<OrganizationId, Organization> = tx
        .organizations(&organization_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let approving = commands
        .iter()
        .any(|(_, c)| c.kind() == CommandKind::Approve);
    // Read under the lock, so a review submitted or reopened a moment ago counts.
    let scores = if approving {
        CallScores::of(
            &tx.review_totals(call_id).await?,
            snap.call.spec.disagreement_spread,
        )
    } else {
        CallScores::default()
    };
    let several = commands.len() > 1;
    let spec = &snap.call.spec;
    // Approvals earlier in the batch count against the budget of the later ones.
    let mut awarded_total = snap.call_awarded_total();
    let mut changes = Vec::with_capacity(commands.len());
    let mut last_at = None;
    for (application, (id, command)) in snap.applications.iter().zip(&commands) {
        let organization = organizations
            .get(&application.organization_id)
            .ok_or(Error::NotFound)?;
        let (reviewers_assigned, reviews_submitted) = snap.assignment_counts(*id);
        let facts = Facts {
            reviewers_assigned,
            reviews_submitted,
            score: scores.score_floor(application.id, spec.aggregation),
            call_awarded_total: awarded_total,
        };
        let ctx = context(
            &snap.call,
            application,
            organization,
            facts,
            access.actor(),
            now,
        );
        let event =
            decide(application.status, command, &ctx).map_err(|refusal| Error::Refused {
                refusal,
                command: command.kind(),
                application: several.then_some(*id),
            })?;
        if let Some(awarded) = event.event.awarded() {
            awarded_total = awarded_total.checked_add(awarded).ok_or(Error::Refused {
                refusal: domain::transition::TransitionError::OverBudget,
                command: command.kind(),
                application: several.then_some(*id),
            })?;
        }
        let effect = domain::effect::of(&event);
        let frozen = effect.freezes.then(|| Frozen {
            canonical: canonical_json(&application.content),
            receipt: receipt(&application.content),
        });
        last_at = Some(event.at);
        changes.push(Change {
            application_id: *id,
            organization_id: application.organization_id,
            expected_version: application.version,
            decided: Decided { event, frozen },
            effect,
        });
    }
    let by = ActedBy {
        user: Some(caller.id),
        actor: access.actor(),
    };
    tx.record_changes(changes, by).await?;
    // Any change but a submission may have been the last one pending (a decision, but
    // also a withdrawal after the call closed); a submission leaves one more to decide.
    if let Some(at) = last_at
        && !submissions
    {
        tx.settle_call(call_id, at).await?;
    }
    let mut updated: HashMap<ApplicationId, ApplicationRecord> = tx
        .applications(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    ids.iter()
        .map(|id| updated.remove(id).ok_or(Error::NotFound))
        .collect()
}

/// Whether `kind` hands an application in, which leaves the call as it is.
fn submits(kind: CommandKind) -> bool {
    match kind {
        CommandKind::Submit | CommandKind::Resubmit => true,
        CommandKind::Withdraw
        | CommandKind::RequestRevision
        | CommandKind::MarkIneligible
        | CommandKind::StartReview
        | CommandKind::CompleteReview
        | CommandKind::ReopenReview
        | CommandKind::Approve
        | CommandKind::Reject
        | CommandKind::Waitlist => false,
    }
}
