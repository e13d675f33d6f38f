//! Scores of a call's applications, computed from its submitted reviews.

use std::collections::BTreeMap;

use domain::call::Aggregation;
use domain::scoring::{Aggregate, aggregate_call};
use persistence::records::CallRecord;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Every application's aggregate in one call.
#[derive(Debug, Default)]
pub struct CallScores {
    /// Aggregates by application.
    pub aggregates: BTreeMap<Uuid, Aggregate>,
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

/// Loads the totals of the call's submitted reviews and aggregates them, normalising
/// reviewers across the whole call.
///
/// # Errors
/// [`ApiError`] when the database fails.
pub async fn call_scores(state: &AppState, call: &CallRecord) -> Result<CallScores, ApiError> {
    let reviews = state.store.review_totals(call.id).await?;
    Ok(CallScores {
        aggregates: aggregate_call(&reviews, call.spec.disagreement_spread),
    })
}
