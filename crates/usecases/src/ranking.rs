//! The ranking of a call with its funding line, and the feedback an applicant reads once
//! their application is decided.

use domain::ids::{ApplicationId, CallId};
use std::collections::HashMap;

use domain::assignment::AssignmentStatus;
use domain::feedback::{CriterionAverage, criterion_averages};
use domain::ranking::{RankInput, RankedRow, rank};
use domain::review::CriterionScore;
use domain::status::ApplicationStatus;
use persistence::Store;
use persistence::records::{ApplicationRecord, AssignmentRecord, CallRecord};
use persistence::scores::RankingEntry;

use crate::access::{Access, Caller};
use crate::error::{Conflict, Error};
use crate::scores::CallScores;

/// A call's ranking.
#[derive(Debug)]
pub struct Ranked {
    /// The call.
    pub call: CallRecord,
    /// Its reviewed and decided applications in rank order, with the funding line.
    pub rows: Vec<RankedRow>,
    /// What the ranking shows of each application, by id.
    pub entries: HashMap<ApplicationId, RankingEntry>,
    /// Every application's aggregate score.
    pub scores: CallScores,
}

/// Ranks the reviewed and decided applications of `call`.
async fn rank_call(store: &Store, call: CallRecord) -> Result<Ranked, Error> {
    let scores = CallScores::of(
        &store.review_totals(call.id).await?,
        call.spec.disagreement_spread,
    );
    let ranked_statuses = [
        ApplicationStatus::Reviewed,
        ApplicationStatus::Waitlisted,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
    ];
    let entries = store.ranking_entries(call.id, &ranked_statuses).await?;
    let inputs: Vec<RankInput> = entries
        .iter()
        .filter_map(|a| {
            scores.aggregates.get(&a.id).map(|aggregate| RankInput {
                application: a.id,
                aggregate: *aggregate,
                requested: a.requested,
                submitted_at: a.submitted_at,
            })
        })
        .collect();
    let rows = rank(
        inputs,
        call.spec.aggregation,
        call.spec.fundable_min_score,
        call.spec.budget,
    );
    let entries = entries.into_iter().map(|e| (e.id, e)).collect();
    Ok(Ranked {
        call,
        rows,
        entries,
        scores,
    })
}

/// The ranking of call `id` (staff).
///
/// # Errors
/// [`Error::Forbidden`] for anyone else; [`Error::NotFound`] for an unknown call.
pub async fn ranking(store: &Store, caller: Caller, id: CallId) -> Result<Ranked, Error> {
    if caller.staff().is_none() {
        return Err(Error::Forbidden("only staff read rankings"));
    }
    let call = store.get_call(id).await?;
    rank_call(store, call).await
}

/// What an applicant learns after the decision.
#[derive(Debug)]
pub struct Feedback {
    /// The application.
    pub application: ApplicationRecord,
    /// The call's ranking.
    pub ranked: Ranked,
    /// Per-criterion averages of the submitted reviews, in rubric order.
    pub criteria: Vec<CriterionAverage>,
    /// The submitted reviews, in the order they were assigned.
    pub reviews: Vec<AssignmentRecord>,
}

/// The feedback on application `id`, for its organisation's members and staff.
///
/// # Errors
/// [`Error::NotFound`] for anyone else (a reviewer must not read the others' comments
/// here); [`Conflict::NotDecided`] before the decision.
pub async fn feedback(store: &Store, caller: Caller, id: ApplicationId) -> Result<Feedback, Error> {
    let (application, access) = crate::applications::access(store, caller, id).await?;
    match access {
        Access::Member | Access::Staff(_) => {}
        Access::Reviewer => return Err(Error::NotFound),
    }
    match application.status {
        ApplicationStatus::Approved
        | ApplicationStatus::Rejected
        | ApplicationStatus::Waitlisted => {}
        ApplicationStatus::Draft
        | ApplicationStatus::Submitted
        | ApplicationStatus::RevisionRequested
        | ApplicationStatus::UnderReview
        | ApplicationStatus::Reviewed
        | ApplicationStatus::Withdrawn
        | ApplicationStatus::Ineligible => return Err(Conflict::NotDecided.into()),
    }
    let call = store.get_call(application.call_id).await?;
    let ranked = rank_call(store, call).await?;
    let reviews: Vec<AssignmentRecord> = store
        .assignments_of_application(application.id)
        .await?
        .into_iter()
        .filter(|a| a.status == AssignmentStatus::Submitted)
        .collect();
    let score_sets: Vec<&[CriterionScore]> = reviews
        .iter()
        .filter_map(|a| a.review.as_ref().map(|r| r.scores.as_slice()))
        .collect();
    let criteria = criterion_averages(&score_sets, &ranked.call.spec.rubric);
    Ok(Feedback {
        application,
        ranked,
        criteria,
        reviews,
    })
}
