//! What the review operations read and write.

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::review::{ConflictKind, ReviewContent};
use persistence::records::{AssignmentRecord, ConflictRecord};
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

/// A kind of conflict of interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ConflictKindCode {
    /// The reviewer belongs to the organisation.
    OrganizationMember,
    /// A personal or family tie.
    PersonalOrFamily,
    /// A financial interest.
    Financial,
    /// Anything else.
    Other,
}

impl From<ConflictKindCode> for ConflictKind {
    fn from(code: ConflictKindCode) -> Self {
        match code {
            ConflictKindCode::OrganizationMember => Self::OrganizationMember,
            ConflictKindCode::PersonalOrFamily => Self::PersonalOrFamily,
            ConflictKindCode::Financial => Self::Financial,
            ConflictKindCode::Other => Self::Other,
        }
    }
}

impl From<ConflictKind> for ConflictKindCode {
    fn from(kind: ConflictKind) -> Self {
        match kind {
            ConflictKind::OrganizationMember => Self::OrganizationMember,
            ConflictKind::PersonalOrFamily => Self::PersonalOrFamily,
            ConflictKind::Financial => Self::Financial,
            ConflictKind::Other => Self::Other,
        }
    }
}

/// Where an assignment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AssignmentStatusCode {
    /// Waiting for the reviewer.
    Assigned,
    /// The reviewer took it on.
    Accepted,
    /// The reviewer declined it.
    Declined,
    /// The review is in.
    Submitted,
    /// The reviewer declared a conflict of interest with the applying organisation after
    /// being assigned; a submitted review no longer counts.
    Recused,
}

impl From<AssignmentStatusCode> for AssignmentStatus {
    fn from(code: AssignmentStatusCode) -> Self {
        match code {
            AssignmentStatusCode::Assigned => Self::Assigned,
            AssignmentStatusCode::Accepted => Self::Accepted,
            AssignmentStatusCode::Declined => Self::Declined,
            AssignmentStatusCode::Submitted => Self::Submitted,
            AssignmentStatusCode::Recused => Self::Recused,
        }
    }
}

impl From<AssignmentStatus> for AssignmentStatusCode {
    fn from(status: AssignmentStatus) -> Self {
        match status {
            AssignmentStatus::Assigned => Self::Assigned,
            AssignmentStatus::Accepted => Self::Accepted,
            AssignmentStatus::Declined => Self::Declined,
            AssignmentStatus::Submitted => Self::Submitted,
            AssignmentStatus::Recused => Self::Recused,
        }
    }
}

/// A reviewer to add to a call's pool.
#[derive(Debug, Object, Deserialize)]
pub struct AddReviewerRequest {
    /// The reviewer's account.
    pub reviewer_id: Uuid,
}

/// A reviewer in a call's pool.
#[derive(Debug, Object)]
pub struct PoolMemberResponse {
    /// The reviewer's account.
    pub reviewer_id: Uuid,
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// When they joined the pool.
    pub added_at: DateTime<Utc>,
}

/// A conflict of interest to declare.
#[derive(Debug, Object, Deserialize)]
pub struct ConflictRequest {
    /// The organisation.
    pub organization_id: Uuid,
    /// The kind of conflict.
    pub kind: ConflictKindCode,
    /// What it is.
    #[oai(validator(max_length = 2000))]
    pub description: String,
}

/// A declared conflict of interest.
#[derive(Debug, Object)]
pub struct ConflictResponse {
    /// Identifier.
    pub id: Uuid,
    /// The organisation.
    pub organization_id: Uuid,
    /// The kind.
    pub kind: ConflictKindCode,
    /// The explanation.
    pub description: String,
    /// When it was declared.
    pub declared_at: DateTime<Utc>,
}

impl From<ConflictRecord> for ConflictResponse {
    fn from(record: ConflictRecord) -> Self {
        Self {
            id: record.id,
            organization_id: record.organization_id.uuid(),
            kind: record.kind.into(),
            description: record.description,
            declared_at: record.declared_at,
        }
    }
}

/// A reviewer to assign.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct AssignRequest {
    /// The reviewer's account; they must be in the call's pool.
    pub reviewer_id: Uuid,
    /// When the review is due.
    pub due_at: Option<DateTime<Utc>>,
}

/// Options of the automatic assignment.
#[derive(Debug, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct AutoAssignRequest {
    /// When the reviews are due.
    pub due_at: Option<DateTime<Utc>>,
}

/// A pair the planner made.
#[derive(Debug, Object)]
pub struct PlannedPair {
    /// The application.
    pub application_id: Uuid,
    /// The reviewer.
    pub reviewer_id: Uuid,
}

/// An application the planner could not fully staff.
#[derive(Debug, Object)]
pub struct UnstaffedResponse {
    /// The application.
    pub application_id: Uuid,
    /// How many reviewers it still lacks.
    pub missing: u32,
    /// Why: `pool_too_small` or `conflicts`.
    pub reason: String,
}

/// What the automatic assignment did.
#[derive(Debug, Object)]
pub struct AutoAssignResponse {
    /// The new assignments.
    pub assigned: Vec<PlannedPair>,
    /// What could not be staffed, and why.
    pub unstaffed: Vec<UnstaffedResponse>,
}

/// Declining an assignment.
#[derive(Debug, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DeclineRequest {
    /// Why (optional).
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
    /// A conflict of interest with the applying organisation, to record.
    pub conflict: Option<DeclaredConflict>,
}

/// A conflict declared while declining.
#[derive(Debug, Object, Deserialize)]
pub struct DeclaredConflict {
    /// The kind.
    pub kind: ConflictKindCode,
    /// What it is.
    #[oai(validator(max_length = 2000))]
    pub description: String,
}

/// One criterion's score.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ScoreBody {
    /// The rubric key.
    pub criterion: String,
    /// 0 to the criterion's maximum.
    pub score: i64,
    /// A remark on this criterion.
    #[oai(validator(max_length = 5000))]
    pub comment: Option<String>,
}

/// A review, saved as a whole.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ReviewBody {
    /// Scores by criterion.
    #[serde(default)]
    pub scores: Vec<ScoreBody>,
    /// The overall comment, shown to the applicant without your name.
    #[oai(validator(max_length = 5000))]
    pub comment: Option<String>,
    /// `fund`, `fund_with_changes` or `do_not_fund`.
    pub recommendation: Option<String>,
    /// How sure you are, 1 to 3.
    pub confidence: Option<i64>,
}

/// A reason for reopening.
#[derive(Debug, Object, Deserialize)]
pub struct ReopenRequest {
    /// Why the review is reopened.
    #[oai(validator(max_length = 2000))]
    pub reason: String,
}

/// A criterion's score in a response.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScoreResponse {
    /// The rubric key.
    pub criterion: String,
    /// The score.
    pub score: u32,
    /// The remark.
    pub comment: Option<String>,
}

/// A review's content.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReviewResponse {
    /// Scores by criterion.
    pub scores: Vec<ScoreResponse>,
    /// The overall comment.
    pub comment: Option<String>,
    /// The recommendation.
    pub recommendation: Option<String>,
    /// Confidence 1 to 3.
    pub confidence: Option<u8>,
}

pub(super) fn review_response(review: ReviewContent) -> ReviewResponse {
    ReviewResponse {
        scores: review
            .scores
            .into_iter()
            .map(|s| ScoreResponse {
                criterion: s.criterion,
                score: s.score,
                comment: s.comment,
            })
            .collect(),
        comment: review.comment,
        recommendation: review.recommendation.map(|r| r.code().to_owned()),
        confidence: review.confidence,
    }
}

/// An assignment.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AssignmentResponse {
    /// Identifier.
    pub id: Uuid,
    /// The call.
    pub call_id: Uuid,
    /// The application.
    pub application_id: Uuid,
    /// The reviewer.
    pub reviewer_id: Uuid,
    /// Where it stands.
    pub status: AssignmentStatusCode,
    /// When the review is due.
    pub due_at: Option<DateTime<Utc>>,
    /// The review so far.
    pub review: Option<ReviewResponse>,
    /// The review's total, 0 to 100, once submitted.
    pub total: Option<f64>,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i32,
    /// When it was assigned.
    pub created_at: DateTime<Utc>,
}

impl From<AssignmentRecord> for AssignmentResponse {
    fn from(record: AssignmentRecord) -> Self {
        Self {
            id: record.id.uuid(),
            call_id: record.call_id.uuid(),
            application_id: record.application_id.uuid(),
            reviewer_id: record.reviewer_id.uuid(),
            status: record.status.into(),
            due_at: record.due_at,
            review: record.review.map(review_response),
            total: record.review_total.map(round2),
            submitted_at: record.submitted_at,
            version: record.version,
            created_at: record.created_at,
        }
    }
}

/// Rounds a score to two decimals for display.
#[must_use]
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A review as another reader sees it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReviewView {
    /// "Reviewer 1", "Reviewer 2", … in the order reviews were assigned; staff also get
    /// the reviewer's account.
    pub label: String,
    /// The reviewer's account (staff only).
    pub reviewer_id: Option<Uuid>,
    /// Whether this is the caller's own review.
    pub mine: bool,
    /// Where it stands.
    pub status: AssignmentStatusCode,
    /// The review.
    pub review: Option<ReviewResponse>,
    /// Its total, once submitted.
    pub total: Option<f64>,
}

/// A page of the caller's assignments.
#[derive(Debug, Object)]
pub struct AssignmentPage {
    /// The assignments, without their reviews (read an assignment for its review).
    pub items: Vec<AssignmentResponse>,
    /// This page's number, from 1.
    pub page: u64,
    /// Whether another page follows.
    pub has_more: bool,
}

impl From<persistence::records::PoolMember> for PoolMemberResponse {
    fn from(member: persistence::records::PoolMember) -> Self {
        Self {
            reviewer_id: member.reviewer_id.uuid(),
            name: member.name,
            email: member.email,
            added_at: member.added_at,
        }
    }
}

impl From<domain::assignment::Plan> for AutoAssignResponse {
    fn from(planned: domain::assignment::Plan) -> Self {
        Self {
            assigned: planned
                .assignments
                .into_iter()
                .map(|(application_id, reviewer_id)| PlannedPair {
                    application_id: application_id.uuid(),
                    reviewer_id: reviewer_id.uuid(),
                })
                .collect(),
            unstaffed: planned
                .unstaffed
                .into_iter()
                .map(|u| UnstaffedResponse {
                    application_id: u.application.uuid(),
                    missing: u.missing,
                    reason: u.reason.to_string(),
                })
                .collect(),
        }
    }
}

impl From<ReviewBody> for domain::review::ReviewInput {
    fn from(body: ReviewBody) -> Self {
        Self {
            scores: body
                .scores
                .into_iter()
                .map(|s| domain::review::ScoreInput {
                    criterion: s.criterion,
                    score: s.score,
                    comment: s.comment,
                })
                .collect(),
            comment: body.comment,
            recommendation: body.recommendation,
            confidence: body.confidence,
        }
    }
}

impl From<usecases::reviews::read::SeenReview> for ReviewView {
    fn from(seen: usecases::reviews::read::SeenReview) -> Self {
        Self {
            label: format!("Reviewer {}", seen.number),
            reviewer_id: seen.reviewer_id.map(Uuid::from),
            mine: seen.mine,
            status: seen.assignment.status.into(),
            review: seen.assignment.review.map(review_response),
            total: seen.assignment.review_total.map(round2),
        }
    }
}
