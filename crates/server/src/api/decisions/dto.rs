//! What the decision, ranking and feedback operations read and write.

use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

use super::super::applications::dto::ApplicationResponse;
use super::super::reviews::round2;

/// An approval.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ApproveRequest {
    /// The grant, at most the requested amount; decimal string.
    pub awarded_amount: String,
    /// Required when the score is below the call's fundable minimum.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

/// Waitlisting, optionally with a reason.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct WaitlistRequest {
    /// Required when the score is below the call's fundable minimum.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

/// A decision in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Fund it.
    Approve,
    /// Do not fund it.
    Reject,
    /// Fund it if money frees up.
    Waitlist,
}

/// One decision of a batch.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DecisionItem {
    /// The application.
    pub application_id: Uuid,
    /// What to decide.
    pub decision: DecisionKind,
    /// For approvals: the grant.
    pub awarded_amount: Option<String>,
    /// For rejections (required), and for approvals and waitlisting below the fundable
    /// minimum.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

/// Decisions applied together: all or none.
#[derive(Debug, Object, Deserialize)]
pub struct DecisionsRequest {
    /// The decisions, applied in order.
    pub decisions: Vec<DecisionItem>,
}

/// The decided applications.
#[derive(Debug, Object)]
pub struct DecisionsResponse {
    /// Each application after its decision.
    pub applications: Vec<ApplicationResponse>,
}

/// Statistics of an application's reviews.
#[derive(Debug, Object)]
pub struct AggregateResponse {
    /// Number of submitted reviews.
    pub count: u32,
    /// Mean of the reviews' totals.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// Population standard deviation.
    pub std_dev: f64,
    /// Lowest total.
    pub min: f64,
    /// Highest total.
    pub max: f64,
    /// Mean after correcting each reviewer's harshness.
    pub normalized_mean: f64,
    /// Whether the reviewers disagree by more than the call allows.
    pub disagreement: bool,
}

pub(super) fn aggregate_response(a: &domain::scoring::Aggregate) -> AggregateResponse {
    AggregateResponse {
        count: a.count,
        mean: round2(a.mean),
        median: round2(a.median),
        std_dev: round2(a.std_dev),
        min: round2(a.min),
        max: round2(a.max),
        normalized_mean: round2(a.normalized_mean),
        disagreement: a.disagreement,
    }
}

/// One row of the ranking.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RankingRow {
    /// Position, from 1.
    pub rank: u32,
    /// The application.
    pub application_id: Uuid,
    /// Its title.
    pub title: Option<String>,
    /// Its status.
    pub status: String,
    /// The score the call ranks by.
    pub score: f64,
    /// Review statistics.
    pub aggregate: AggregateResponse,
    /// The grant asked for.
    pub requested_amount: String,
    /// Requests recommended down to and including this row.
    pub cumulative_amount: String,
    /// Whether the score meets the fundable minimum.
    pub fundable: bool,
    /// Whether the funding line recommends it.
    pub above_funding_line: bool,
}

/// A call's ranking.
#[derive(Debug, Object)]
pub struct RankingResponse {
    /// The call.
    pub call_id: Uuid,
    /// How scores are combined.
    pub aggregation: String,
    /// The call's budget.
    pub budget: String,
    /// The fundable minimum.
    pub fundable_min_score: u32,
    /// The rows, best first.
    pub rows: Vec<RankingRow>,
}

/// A criterion's average in the feedback.
#[derive(Debug, Object)]
pub struct CriterionFeedback {
    /// The rubric key.
    pub key: String,
    /// What was judged.
    pub title: String,
    /// The highest possible score.
    pub max_score: u32,
    /// The reviewers' average.
    pub average: f64,
}

/// An anonymised reviewer comment.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReviewerComment {
    /// "Reviewer 1", "Reviewer 2", …
    pub reviewer: String,
    /// The comment.
    pub comment: Option<String>,
    /// Comments on single criteria.
    pub criteria: Vec<CriterionComment>,
}

/// A comment on one criterion.
#[derive(Debug, Object)]
pub struct CriterionComment {
    /// The rubric key.
    pub criterion: String,
    /// The comment.
    pub comment: String,
}

/// What an applicant learns after the decision.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FeedbackResponse {
    /// The application.
    pub application_id: Uuid,
    /// The decision: `approved`, `rejected` or `waitlisted`.
    pub status: String,
    /// The grant, when approved.
    pub awarded_amount: Option<String>,
    /// Review statistics.
    pub aggregate: Option<AggregateResponse>,
    /// The score the call ranks by.
    pub score: Option<f64>,
    /// The call's fundable minimum.
    pub fundable_min_score: u32,
    /// The application's place in the ranking.
    pub rank: Option<u32>,
    /// How many applications were ranked.
    pub ranked: u32,
    /// Per-criterion averages.
    pub criteria: Vec<CriterionFeedback>,
    /// The reviewers' comments, without names.
    pub comments: Vec<ReviewerComment>,
}
