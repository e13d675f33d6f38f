//! Scores of a call's applications, computed from its submitted reviews.

use std::collections::BTreeMap;

use domain::assignment::AssignmentStatus;
use domain::call::Aggregation;
use domain::scoring::{Aggregate, ScoredReview, aggregate_call};
use persistence::records::{AssignmentRecord, CallRecord};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Every application's aggregate in one call, and the reviews behind them.
#[derive(Debug, Default)]
pub struct CallScores {
    /// Aggregates by application.
    pub aggregates: BTreeMap<Uuid, Aggregate>,
    /// The call's submitted reviews.
    pub submitted: Vec<AssignmentRecord>,
}

impl CallScores {
    /// The whole-number part of an application's score by `method` (for the fundable
    /// minimum, which is a whole number: `score >= min` exactly when `floor(score) >= min`).
    #[must_use]
    pub fn score_floor(&self, application: Uuid, method: Aggregation) -> Option<u32> {
        self.aggregates
            .get(&application)
            .map(|a| a.by(method).floor().clamp(0.0, 100.0) as u32)
    }
}

/// Loads the call's submitted reviews and aggregates them, normalising reviewers across
/// the whole call.
///
/// # Errors
/// [`ApiError`] when the database fails.
pub async fn call_scores(state: &AppState, call: &CallRecord) -> Result<CallScores, ApiError> {
    let submitted: Vec<AssignmentRecord> = state
        .store
        .assignments_of_call(call.id)
        .await?
        .into_iter()
        .filter(|a| a.status == AssignmentStatus::Submitted)
        .collect();
    let reviews: Vec<ScoredReview> = submitted
        .iter()
        .filter_map(|a| {
            a.review_total.map(|total| ScoredReview {
                application: a.application_id,
                reviewer: a.reviewer_id,
                total,
            })
        })
        .collect();
    Ok(CallScores {
        aggregates: aggregate_call(&reviews, call.spec.disagreement_spread),
        submitted,
    })
}
