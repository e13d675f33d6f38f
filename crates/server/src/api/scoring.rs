//! Scores of a call's applications, computed from its submitted reviews.

use persistence::records::CallRecord;
pub use usecases::scores::CallScores;

use crate::error::ApiError;
use crate::state::AppState;

/// Loads the totals of the call's submitted reviews and aggregates them, normalising
/// reviewers across the whole call.
///
/// # Errors
/// [`ApiError`] when the database fails.
pub async fn call_scores(state: &AppState, call: &CallRecord) -> Result<CallScores, ApiError> {
    let reviews = state.store.review_totals(call.id).await?;
    Ok(CallScores::of(&reviews, call.spec.disagreement_spread))
}
