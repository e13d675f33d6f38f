//! Scores of a call's applications, aggregated from its submitted reviews.

use domain::ids::ApplicationId;
use std::collections::BTreeMap;

use domain::call::Aggregation;
use domain::scoring::{Aggregate, ScoredReview, aggregate_call};

/// Every application's aggregate in one call.
#[derive(Debug, Default)]
pub struct CallScores {
    /// Aggregates by application.
    pub aggregates: BTreeMap<ApplicationId, Aggregate>,
}

impl CallScores {
    /// Aggregates `reviews`, normalising reviewers across the whole call.
    #[must_use]
    pub fn of(reviews: &[ScoredReview], disagreement_spread: u32) -> Self {
        Self {
            aggregates: aggregate_call(reviews, disagreement_spread),
        }
    }

    /// The whole-number part of an application's score by `method` (for the fundable
    /// minimum, which is a whole number: `score >= min` exactly when `floor(score) >= min`).
    #[must_use]
    pub fn score_floor(&self, application: ApplicationId, method: Aggregation) -> Option<u32> {
        self.aggregates
            .get(&application)
            .map(|a| a.by(method).floor().clamp(0.0, 100.0) as u32)
    }
}
