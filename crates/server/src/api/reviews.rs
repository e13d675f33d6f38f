//! Reviewer pools, conflicts of interest, assignments (manual and automatic) and reviews.
//!
//! A reviewer sees only their own assignments; before submitting their own review they see
//! no other review of the application, afterwards the others' scores without names.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::assignment::{AssignmentAction, AssignmentStatus, PlanInput, next_status, plan};
use domain::call::{self, CallPhase};
use domain::review::{ConflictKind, ReviewContent, ReviewInput, ScoreInput, review_total};
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, Command, Context, Event, decide};
use persistence::RepoError;
use persistence::applications::ActedBy;
use persistence::decisions::{NewAssignment, Refused, Snapshot};
use persistence::records::{AssignmentRecord, CallRecord, ConflictRecord, Organization};
use persistence::reviews::NewConflict;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::ApiTags;
use super::body::JsonBody;
use crate::auth::{BearerAuth, Caller};
use crate::clock::almaty_date;
use crate::error::{ApiError, ApiResult, ProblemField};
use crate::state::AppState;

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
}

impl From<AssignmentStatusCode> for AssignmentStatus {
    fn from(code: AssignmentStatusCode) -> Self {
        match code {
            AssignmentStatusCode::Assigned => Self::Assigned,
            AssignmentStatusCode::Accepted => Self::Accepted,
            AssignmentStatusCode::Declined => Self::Declined,
            AssignmentStatusCode::Submitted => Self::Submitted,
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
            organization_id: record.organization_id,
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

fn review_response(review: ReviewContent) -> ReviewResponse {
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
            id: record.id,
            call_id: record.call_id,
            application_id: record.application_id,
            reviewer_id: record.reviewer_id,
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

#[derive(Debug, ApiResponse)]
enum PoolListed {
    /// The pool.
    #[oai(status = 200)]
    Ok(Json<Vec<PoolMemberResponse>>),
}

#[derive(Debug, ApiResponse)]
enum PoolAdded {
    /// The reviewer is in the pool.
    #[oai(status = 201)]
    Created(Json<PoolMemberResponse>),
}

#[derive(Debug, ApiResponse)]
enum ConflictsListed {
    /// The caller's declared conflicts.
    #[oai(status = 200)]
    Ok(Json<Vec<ConflictResponse>>),
}

#[derive(Debug, ApiResponse)]
enum ConflictDeclared {
    /// The conflict is on record.
    #[oai(status = 201)]
    Created(Json<ConflictResponse>),
}

#[derive(Debug, ApiResponse)]
enum Assigned {
    /// The assignment.
    #[oai(status = 201)]
    Created(Json<AssignmentResponse>),
}

#[derive(Debug, ApiResponse)]
enum AutoAssigned {
    /// What was assigned and what could not be.
    #[oai(status = 200)]
    Ok(Json<AutoAssignResponse>),
}

#[derive(Debug, ApiResponse)]
enum AssignmentFound {
    /// The assignment.
    #[oai(status = 200)]
    Ok(Json<AssignmentResponse>),
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

#[derive(Debug, ApiResponse)]
enum AssignmentsListed {
    /// The assignments.
    #[oai(status = 200)]
    Ok(Json<AssignmentPage>),
}

#[derive(Debug, ApiResponse)]
enum ReviewsListed {
    /// The reviews the caller may see.
    #[oai(status = 200)]
    Ok(Json<Vec<ReviewView>>),
}

fn require_officer(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Role::Officer, "only programme officers manage reviews")
}

fn require_reviewer(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Role::Reviewer, "only reviewers do this")
}

fn assignment_refusal(err: &domain::assignment::AssignmentError) -> ApiError {
    ApiError::Conflict {
        slug: err.code(),
        detail: err.to_string(),
    }
}

/// Where an application's review stands, for changes to its reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReviewStage {
    /// Reviews are being written.
    Open,
    /// Enough reviews are in, no decision yet.
    Complete,
    /// Not (or no longer) under review: reviews may not change.
    Closed,
}

fn review_stage(status: ApplicationStatus) -> ReviewStage {
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

fn not_under_review() -> ApiError {
    ApiError::Conflict {
        slug: "not-under-review",
        detail: "the application is no longer under review".to_owned(),
    }
}

/// Refuses a due date that is not in the future (or beyond what databases store).
fn check_due(due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), ApiError> {
    use chrono::Datelike;
    match due_at {
        Some(due) if due <= now || due.year() > 9999 => Err(ApiError::from(
            domain::ValidationErrors::single("due_at", "out_of_range", "must be in the future"),
        )),
        Some(_) | None => Ok(()),
    }
}

fn conflict_with_reviewer() -> ApiError {
    ApiError::Conflict {
        slug: "reviewer-conflict",
        detail: "the reviewer belongs to, or declared a conflict with, the applying organisation"
            .to_owned(),
    }
}

/// A context for transitions the system makes on its own (start and completion of review).
fn system_context<'a>(
    call: &'a CallRecord,
    organization: &'a Organization,
    snap: &'a Snapshot,
    now: DateTime<Utc>,
    actor: Actor,
) -> Context<'a> {
    Context {
        now,
        actor,
        call: &call.spec,
        call_phase: call::phase(call.state, call.spec.opens_at, call.spec.closes_at, now),
        organization: &organization.profile,
        today: almaty_date(now),
        content: &snap.application.content,
        revision_due_at: snap.application.revision_due_at,
        reviewers_assigned: snap.active_assignments,
        reviews_submitted: snap.reviews_submitted,
        score: None,
        requested_amount: snap.application.totals.requested_amount,
        call_awarded_total: snap.call_awarded_total,
    }
}

/// The event starting the review of a submitted application that now has a reviewer.
fn start_review(
    organizations: &[Organization],
    snap: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Option<Event>, Refused> {
    match snap.application.status {
        ApplicationStatus::Submitted => {
            let organization = organizations
                .iter()
                .find(|o| o.id == snap.application.organization_id)
                .ok_or(Refused)?;
            let ctx = system_context(&snap.call, organization, snap, now, Actor::System);
            decide(snap.application.status, &Command::StartReview, &ctx)
                .map(Some)
                .map_err(|_| Refused)
        }
        ApplicationStatus::UnderReview => Ok(None),
        // Withdrawn, returned or decided while the assignment was being made.
        ApplicationStatus::Draft
        | ApplicationStatus::RevisionRequested
        | ApplicationStatus::Reviewed
        | ApplicationStatus::Waitlisted
        | ApplicationStatus::Approved
        | ApplicationStatus::Rejected
        | ApplicationStatus::Withdrawn
        | ApplicationStatus::Ineligible => Err(Refused),
    }
}

fn changed_meanwhile() -> ApiError {
    ApiError::Conflict {
        slug: "not-reviewable",
        detail: "an application changed while reviewers were being assigned; try again".to_owned(),
    }
}

async fn own_assignment(
    state: &AppState,
    caller: Caller,
    id: Uuid,
) -> Result<AssignmentRecord, ApiError> {
    let assignment = state.store.get_assignment(id).await?;
    if assignment.reviewer_id == caller.id {
        Ok(assignment)
    } else if matches!(caller.role, Role::Officer | Role::Admin) {
        // Staff read every assignment, so telling them it does not exist would be a lie.
        Err(ApiError::Forbidden(
            "only the assigned reviewer acts on an assignment",
        ))
    } else {
        Err(ApiError::NotFound)
    }
}

async fn visible_assignment(
    state: &AppState,
    caller: Caller,
    id: Uuid,
) -> Result<AssignmentRecord, ApiError> {
    let assignment = state.store.get_assignment(id).await?;
    let staff = matches!(caller.role, Role::Officer | Role::Admin);
    if assignment.reviewer_id != caller.id && !staff {
        return Err(ApiError::NotFound);
    }
    Ok(assignment)
}

fn review_input(body: ReviewBody) -> ReviewInput {
    ReviewInput {
        scores: body
            .scores
            .into_iter()
            .map(|s| ScoreInput {
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

/// Reviews, assignments and conflicts.
#[derive(Debug)]
pub struct ReviewsApi;

#[OpenApi(tag = "ApiTags::Reviews")]
impl ReviewsApi {
    /// The reviewer pool of a call (officers and admins).
    #[oai(
        path = "/calls/:id/reviewers",
        method = "get",
        operation_id = "list_call_reviewers"
    )]
    async fn pool(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<PoolListed> {
        if !matches!(auth.0.role, Role::Officer | Role::Admin) {
            return Err(ApiError::Forbidden("only staff see reviewer pools").into());
        }
        state.store.get_call(id.0).await?;
        let pool = state.store.pool(id.0).await?;
        Ok(PoolListed::Ok(Json(
            pool.into_iter()
                .map(|m| PoolMemberResponse {
                    reviewer_id: m.reviewer_id,
                    name: m.name,
                    email: m.email,
                    added_at: m.added_at,
                })
                .collect(),
        )))
    }

    /// Add a reviewer account to a call's pool (officers).
    #[oai(
        path = "/calls/:id/reviewers",
        method = "post",
        operation_id = "add_call_reviewer"
    )]
    async fn add_to_pool(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
        body: JsonBody<AddReviewerRequest>,
    ) -> ApiResult<PoolAdded> {
        require_officer(&auth.0)?;
        state.store.get_call(id.0).await?;
        let reviewer = match state.store.get_user(body.0.reviewer_id).await {
            Ok(user) if user.role == Role::Reviewer => user,
            Ok(_) | Err(RepoError::NotFound) => {
                return Err(ApiError::from(domain::ValidationErrors::single(
                    "reviewer_id",
                    "not_a_reviewer",
                    "no reviewer account has this id",
                ))
                .into());
            }
            Err(err) => return Err(err.into()),
        };
        let now = state.clock.now();
        match state
            .store
            .add_pool_member(id.0, reviewer.id, auth.0.id, now)
            .await
        {
            Ok(()) => {}
            Err(RepoError::Conflict(_)) => {
                return Err(ApiError::Conflict {
                    slug: "already-in-pool",
                    detail: "the reviewer is already in the pool".to_owned(),
                }
                .into());
            }
            Err(err) => return Err(err.into()),
        }
        Ok(PoolAdded::Created(Json(PoolMemberResponse {
            reviewer_id: reviewer.id,
            name: reviewer.name,
            email: reviewer.email,
            added_at: now,
        })))
    }

    /// The conflicts of interest the caller declared (reviewers).
    #[oai(
        path = "/me/conflicts",
        method = "get",
        operation_id = "list_my_conflicts"
    )]
    async fn my_conflicts(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<ConflictsListed> {
        require_reviewer(&auth.0)?;
        let conflicts = state.store.conflicts_of(auth.0.id).await?;
        Ok(ConflictsListed::Ok(Json(
            conflicts.into_iter().map(Into::into).collect(),
        )))
    }

    /// Declare a conflict of interest with an organisation (reviewers); you will not be
    /// assigned its applications.
    #[oai(
        path = "/me/conflicts",
        method = "post",
        operation_id = "declare_conflict"
    )]
    async fn declare(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
        body: JsonBody<ConflictRequest>,
    ) -> ApiResult<ConflictDeclared> {
        require_reviewer(&auth.0)?;
        let body = body.0;
        let description = domain::text::bounded(&body.description, 2000, true).map_err(|e| {
            ApiError::from(domain::ValidationErrors::single(
                "description",
                "invalid",
                e.to_string(),
            ))
        })?;
        match state.store.get_organization(body.organization_id).await {
            Ok(_) => {}
            Err(RepoError::NotFound) => {
                return Err(ApiError::from(domain::ValidationErrors::single(
                    "organization_id",
                    "unknown_organization",
                    "no organisation has this id",
                ))
                .into());
            }
            Err(err) => return Err(err.into()),
        }
        let new = NewConflict {
            reviewer_id: auth.0.id,
            organization_id: body.organization_id,
            kind: body.kind.into(),
            description,
            source: "profile",
        };
        match state.store.declare_conflict(new, state.clock.now()).await {
            Ok(record) => Ok(ConflictDeclared::Created(Json(record.into()))),
            Err(RepoError::Conflict(_)) => Err(ApiError::Conflict {
                slug: "conflict-already-declared",
                detail: "a conflict with this organisation is already on record".to_owned(),
            }
            .into()),
            Err(err) => Err(err.into()),
        }
    }

    /// Assign a reviewer from the call's pool to an application (officers). The review of a
    /// submitted application starts with its first reviewer.
    #[oai(
        path = "/applications/:id/assignments",
        method = "post",
        operation_id = "assign_reviewer"
    )]
    async fn assign(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
        body: JsonBody<AssignRequest>,
    ) -> ApiResult<Assigned> {
        require_officer(&auth.0)?;
        let body = body.0;
        let application = state.store.get_application(id.0).await?;
        match application.status {
            ApplicationStatus::Submitted | ApplicationStatus::UnderReview => {}
            ApplicationStatus::Draft
            | ApplicationStatus::RevisionRequested
            | ApplicationStatus::Reviewed
            | ApplicationStatus::Waitlisted
            | ApplicationStatus::Approved
            | ApplicationStatus::Rejected
            | ApplicationStatus::Withdrawn
            | ApplicationStatus::Ineligible => {
                return Err(ApiError::Conflict {
                    slug: "not-reviewable",
                    detail: format!(
                        "an application that is {} is not being reviewed",
                        application.status
                    ),
                }
                .into());
            }
        }
        let call = state.store.get_call(application.call_id).await?;
        if !state.store.in_pool(call.id, body.reviewer_id).await? {
            return Err(ApiError::from(domain::ValidationErrors::single(
                "reviewer_id",
                "not_in_pool",
                "add the reviewer to the call's pool first",
            ))
            .into());
        }
        let conflicted = state.store.conflicted_pairs(&[body.reviewer_id]).await?;
        if conflicted.contains(&(body.reviewer_id, application.organization_id)) {
            return Err(conflict_with_reviewer().into());
        }
        let organization = state
            .store
            .get_organization(application.organization_id)
            .await?;
        let now = state.clock.now();
        check_due(body.due_at, now)?;
        let new = [NewAssignment {
            application_id: application.id,
            reviewer_id: body.reviewer_id,
            due_at: body
                .due_at
                .map(|d| chrono::SubsecRound::trunc_subsecs(d, 6)),
        }];
        let by = ActedBy {
            user: Some(auth.0.id),
            actor: Actor::System,
        };
        let organizations = [organization];
        let created = state
            .store
            .assign_in_call(call.id, &new, Some(auth.0.id), now, by, |snap| {
                start_review(&organizations, snap, now)
            })
            .await;
        match created {
            Ok(Err(Refused)) => Err(changed_meanwhile().into()),
            Ok(Ok(mut records)) => {
                let record = records.pop().ok_or(ApiError::NotFound)?;
                Ok(Assigned::Created(Json(record.into())))
            }
            Err(RepoError::Conflict(_)) => Err(ApiError::Conflict {
                slug: "already-assigned",
                detail: "the reviewer is already assigned to this application".to_owned(),
            }
            .into()),
            Err(err) => Err(err.into()),
        }
    }

    /// Give every submitted application of a closed call the call's number of reviewers
    /// from its pool: conflicts respected, load balanced, the same result for the same
    /// input. Reports what it could not staff.
    #[oai(
        path = "/calls/:id/assignments/auto",
        method = "post",
        operation_id = "auto_assign"
    )]
    async fn auto_assign(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
        body: JsonBody<AutoAssignRequest>,
    ) -> ApiResult<AutoAssigned> {
        require_officer(&auth.0)?;
        let call = state.store.get_call(id.0).await?;
        let now = state.clock.now();
        check_due(body.0.due_at, now)?;
        match call::phase(call.state, call.spec.opens_at, call.spec.closes_at, now) {
            CallPhase::Closed => {}
            CallPhase::Draft | CallPhase::Scheduled | CallPhase::Open | CallPhase::Decided => {
                return Err(ApiError::Conflict {
                    slug: "call-not-closed",
                    detail: "automatic assignment runs once the call has closed".to_owned(),
                }
                .into());
            }
        }
        let applications = state
            .store
            .applications_of_call(
                call.id,
                &[ApplicationStatus::Submitted, ApplicationStatus::UnderReview],
            )
            .await?;
        let reviewers: Vec<Uuid> = state
            .store
            .pool(call.id)
            .await?
            .into_iter()
            .map(|m| m.reviewer_id)
            .collect();
        let assignments = state.store.assignments_of_call(call.id).await?;
        let existing: Vec<(Uuid, Uuid)> = assignments
            .iter()
            .filter(|a| a.status.is_active())
            .map(|a| (a.application_id, a.reviewer_id))
            .collect();
        let pairs = state.store.conflicted_pairs(&reviewers).await?;
        let mut conflicts: BTreeSet<(Uuid, Uuid)> = BTreeSet::new();
        for application in &applications {
            for (reviewer, organization) in &pairs {
                if *organization == application.organization_id {
                    conflicts.insert((*reviewer, application.id));
                }
            }
        }
        // A reviewer who declined an application is never planned onto it again.
        for declined in assignments.iter().filter(|a| !a.status.is_active()) {
            conflicts.insert((declined.reviewer_id, declined.application_id));
        }
        let ids: Vec<Uuid> = applications.iter().map(|a| a.id).collect();
        let planned = plan(&PlanInput {
            applications: &ids,
            reviewers: &reviewers,
            per_application: call.spec.reviewers_per_application,
            existing: &existing,
            conflicts: &conflicts,
        });
        let new: Vec<NewAssignment> = planned
            .assignments
            .iter()
            .map(|(application_id, reviewer_id)| NewAssignment {
                application_id: *application_id,
                reviewer_id: *reviewer_id,
                due_at: body
                    .0
                    .due_at
                    .map(|d| chrono::SubsecRound::trunc_subsecs(d, 6)),
            })
            .collect();
        let mut organization_ids: Vec<Uuid> =
            applications.iter().map(|a| a.organization_id).collect();
        organization_ids.sort_unstable();
        organization_ids.dedup();
        let organizations = state.store.organizations_by_ids(&organization_ids).await?;
        let by = ActedBy {
            user: Some(auth.0.id),
            actor: Actor::System,
        };
        if !new.is_empty() {
            state
                .store
                .assign_in_call(call.id, &new, None, now, by, |snap| {
                    start_review(&organizations, snap, now)
                })
                .await?
                .map_err(|Refused| changed_meanwhile())?;
        }
        Ok(AutoAssigned::Ok(Json(AutoAssignResponse {
            assigned: planned
                .assignments
                .into_iter()
                .map(|(application_id, reviewer_id)| PlannedPair {
                    application_id,
                    reviewer_id,
                })
                .collect(),
            unstaffed: planned
                .unstaffed
                .into_iter()
                .map(|u| UnstaffedResponse {
                    application_id: u.application,
                    missing: u.missing,
                    reason: u.reason.to_string(),
                })
                .collect(),
        })))
    }

    /// The caller's assignments, newest first, a page at a time (reviewers). Each item
    /// leaves out the review; read the assignment for it.
    #[oai(
        path = "/me/assignments",
        method = "get",
        operation_id = "list_my_assignments"
    )]
    async fn mine(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only these statuses (repeat the parameter); all when absent.
        status: Query<Vec<AssignmentStatusCode>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
        page: Query<Option<u64>>,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> ApiResult<AssignmentsListed> {
        require_reviewer(&auth.0)?;
        let statuses: Vec<AssignmentStatus> = status.0.into_iter().map(Into::into).collect();
        let page_number = page.0.unwrap_or(1);
        let listed = state
            .store
            .assignments_of_reviewer(
                auth.0.id,
                &statuses,
                page_number,
                super::pagination::limit(limit.0),
            )
            .await?;
        Ok(AssignmentsListed::Ok(Json(AssignmentPage {
            items: listed
                .items
                .into_iter()
                .map(|record| AssignmentResponse {
                    review: None,
                    ..record.into()
                })
                .collect(),
            page: page_number,
            has_more: listed.has_more,
        })))
    }

    /// One assignment (its reviewer, or staff).
    #[oai(
        path = "/assignments/:id",
        method = "get",
        operation_id = "get_assignment"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<AssignmentFound> {
        let assignment = visible_assignment(&state, auth.0, id.0).await?;
        Ok(AssignmentFound::Ok(Json(assignment.into())))
    }

    /// Accept an assignment.
    #[oai(
        path = "/assignments/:id/accept",
        method = "post",
        operation_id = "accept_assignment"
    )]
    async fn accept(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
    ) -> ApiResult<AssignmentFound> {
        let assignment = own_assignment(&state, auth.0, id.0).await?;
        let next = next_status(assignment.status, AssignmentAction::Accept)
            .map_err(|e| assignment_refusal(&e))?;
        let updated = state
            .store
            .update_assignment(
                assignment.id,
                assignment.version,
                next,
                None,
                None,
                state.clock.now(),
            )
            .await?;
        Ok(AssignmentFound::Ok(Json(updated.into())))
    }

    /// Decline an assignment, optionally declaring a conflict of interest with the applying
    /// organisation. The slot is freed for another reviewer.
    #[oai(
        path = "/assignments/:id/decline",
        method = "post",
        operation_id = "decline_assignment"
    )]
    async fn decline(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
        body: JsonBody<DeclineRequest>,
    ) -> ApiResult<AssignmentFound> {
        let assignment = own_assignment(&state, auth.0, id.0).await?;
        next_status(assignment.status, AssignmentAction::Decline)
            .map_err(|e| assignment_refusal(&e))?;
        let body = body.0;
        let reason = match body
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(reason) => Some(domain::text::bounded(reason, 2000, true).map_err(|e| {
                ApiError::from(domain::ValidationErrors::single(
                    "reason",
                    "invalid",
                    e.to_string(),
                ))
            })?),
            None => None,
        };
        let declared = match body.conflict {
            Some(conflict) => {
                let description = domain::text::bounded(&conflict.description, 2000, true)
                    .map_err(|e| {
                        ApiError::from(domain::ValidationErrors::single(
                            "conflict.description",
                            "invalid",
                            e.to_string(),
                        ))
                    })?;
                let application = state
                    .store
                    .get_application(assignment.application_id)
                    .await?;
                Some(NewConflict {
                    reviewer_id: auth.0.id,
                    organization_id: application.organization_id,
                    kind: conflict.kind.into(),
                    description,
                    source: "decline",
                })
            }
            None => None,
        };
        let updated = state
            .store
            .decline_assignment(&assignment, reason, declared, state.clock.now())
            .await?;
        Ok(AssignmentFound::Ok(Json(updated.into())))
    }

    /// Save the review as a draft (the whole review each time).
    #[oai(
        path = "/assignments/:id/review",
        method = "put",
        operation_id = "save_review"
    )]
    async fn save(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<ReviewBody>,
    ) -> ApiResult<AssignmentFound> {
        let assignment = own_assignment(&state, auth.0, id.0).await?;
        let next = next_status(assignment.status, AssignmentAction::SaveReview)
            .map_err(|e| assignment_refusal(&e))?;
        let application = state
            .store
            .get_application(assignment.application_id)
            .await?;
        if review_stage(application.status) == ReviewStage::Closed {
            return Err(not_under_review().into());
        }
        let call = state.store.get_call(assignment.call_id).await?;
        let review = ReviewContent::parse(review_input(body.0), &call.spec.rubric)
            .map_err(ApiError::from)?;
        let updated = state
            .store
            .update_assignment(
                assignment.id,
                assignment.version,
                next,
                Some(&review),
                None,
                state.clock.now(),
            )
            .await?;
        Ok(AssignmentFound::Ok(Json(updated.into())))
    }

    /// Submit the saved review: every criterion scored, a comment, a recommendation and a
    /// confidence. It cannot change afterwards unless an officer reopens it. The last
    /// review the call needs completes the application's review.
    #[oai(
        path = "/assignments/:id/review/submit",
        method = "post",
        operation_id = "submit_review"
    )]
    async fn submit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
    ) -> ApiResult<AssignmentFound> {
        let assignment = own_assignment(&state, auth.0, id.0).await?;
        next_status(assignment.status, AssignmentAction::SubmitReview)
            .map_err(|e| assignment_refusal(&e))?;
        let call = state.store.get_call(assignment.call_id).await?;
        let review = assignment.review.clone().unwrap_or_default();
        let missing = review.missing_for_submission(&call.spec.rubric);
        if !missing.is_empty() {
            return Err(ApiError::Unprocessable {
                slug: "review-incomplete",
                detail: "the review is not complete".to_owned(),
                fields: missing
                    .into_iter()
                    .map(|f| ProblemField {
                        field: f.field,
                        code: f.code.to_owned(),
                        message: f.message,
                    })
                    .collect(),
            }
            .into());
        }
        let total = review_total(&review.scores, &call.spec.rubric);
        let application = state
            .store
            .get_application(assignment.application_id)
            .await?;
        let organization = state
            .store
            .get_organization(application.organization_id)
            .await?;
        let now = state.clock.now();
        let by = ActedBy {
            user: None,
            actor: Actor::System,
        };
        let updated = state
            .store
            .submit_review_in_call(&assignment, &review, total, now, by, |snap| {
                match review_stage(snap.application.status) {
                    ReviewStage::Open => {
                        let ctx = system_context(&call, &organization, snap, now, Actor::System);
                        Ok(decide(snap.application.status, &Command::CompleteReview, &ctx).ok())
                    }
                    // A late review of a completed, undecided review still counts.
                    ReviewStage::Complete => Ok(None),
                    ReviewStage::Closed => Err(Refused),
                }
            })
            .await?
            .map_err(|Refused| not_under_review())?;
        Ok(AssignmentFound::Ok(Json(updated.into())))
    }

    /// Reopen a submitted review so its reviewer can change it (officers). An application
    /// whose review was complete goes back under review.
    #[oai(
        path = "/assignments/:id/review/reopen",
        method = "post",
        operation_id = "reopen_review_assignment"
    )]
    async fn reopen(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
        body: JsonBody<ReopenRequest>,
    ) -> ApiResult<AssignmentFound> {
        require_officer(&auth.0)?;
        let assignment = state.store.get_assignment(id.0).await?;
        next_status(assignment.status, AssignmentAction::Reopen)
            .map_err(|e| assignment_refusal(&e))?;
        let call = state.store.get_call(assignment.call_id).await?;
        let application = state
            .store
            .get_application(assignment.application_id)
            .await?;
        let organization = state
            .store
            .get_organization(application.organization_id)
            .await?;
        let now = state.clock.now();
        let reason = domain::text::bounded(&body.0.reason, domain::transition::REASON_MAX, true)
            .map_err(|e| ApiError::Unprocessable {
                slug: "reason-required",
                detail: e.to_string(),
                fields: vec![ProblemField {
                    field: "reason".to_owned(),
                    code: "reason-required".to_owned(),
                    message: e.to_string(),
                }],
            })?;
        if matches!(
            application.status,
            ApplicationStatus::Waitlisted
                | ApplicationStatus::Approved
                | ApplicationStatus::Rejected
        ) {
            return Err(ApiError::Conflict {
                slug: "already-decided",
                detail: "the application is already decided".to_owned(),
            }
            .into());
        }
        let command = Command::ReopenReview { reason };
        let by = ActedBy {
            user: Some(auth.0.id),
            actor: Actor::Officer,
        };
        let updated = state
            .store
            .reopen_review_in_call(&assignment, now, by, |snap| {
                match review_stage(snap.application.status) {
                    ReviewStage::Complete => {
                        let ctx = system_context(&call, &organization, snap, now, Actor::Officer);
                        decide(snap.application.status, &command, &ctx)
                            .map(Some)
                            .map_err(|_| Refused)
                    }
                    ReviewStage::Open => Ok(None),
                    ReviewStage::Closed => Err(Refused),
                }
            })
            .await?
            .map_err(|Refused| not_under_review())?;
        Ok(AssignmentFound::Ok(Json(updated.into())))
    }

    /// The reviews of an application. Staff see all with reviewers' accounts; an assigned
    /// reviewer sees only their own until they submit it, then everyone's scores without
    /// names. Applicants read their feedback instead.
    #[oai(
        path = "/applications/:id/reviews",
        method = "get",
        operation_id = "list_application_reviews"
    )]
    async fn reviews(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<ReviewsListed> {
        let caller = auth.0;
        let application = state.store.get_application(id.0).await?;
        let assignments = state
            .store
            .assignments_of_application(application.id)
            .await?;
        let staff = matches!(caller.role, Role::Officer | Role::Admin);
        let own = assignments
            .iter()
            .find(|a| a.reviewer_id == caller.id && a.status.is_active());
        if !staff && own.is_none() {
            return Err(ApiError::NotFound.into());
        }
        let own_submitted = own.is_some_and(|a| a.status == AssignmentStatus::Submitted);
        let views = assignments
            .into_iter()
            .enumerate()
            .filter(|(_, a)| {
                staff
                    || a.reviewer_id == caller.id
                    || (own_submitted && a.status == AssignmentStatus::Submitted)
            })
            .map(|(index, a)| ReviewView {
                label: format!("Reviewer {}", index + 1),
                reviewer_id: staff.then_some(a.reviewer_id),
                mine: a.reviewer_id == caller.id,
                status: a.status.into(),
                review: a.review.map(review_response),
                total: a.review_total.map(round2),
            })
            .collect();
        Ok(ReviewsListed::Ok(Json(views)))
    }
}
