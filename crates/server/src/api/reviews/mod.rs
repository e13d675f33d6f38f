//! Reviewer pools, conflicts of interest, assignments (manual and automatic) and reviews.
//!
//! A reviewer sees only their own assignments; before submitting their own review they see
//! no other review of the application, afterwards the others' scores without names.

mod dto;

use domain::assignment::AssignmentStatus;
use domain::assignment::Plan;
use persistence::idempotency::StoredResponse;
use persistence::records::{AssignmentRecord, ConflictRecord, PoolMember};
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use usecases::reviews::{assign, conflicts, work};
use uuid::Uuid;

pub use self::dto::*;
use super::ApiTags;
use super::body::JsonBody;
use super::keys::{IdempotencyKey, json_answer};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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

#[derive(Debug, ApiResponse)]
enum PoolRemoved {
    /// The reviewer is no longer in the pool.
    #[oai(status = 204)]
    NoContent,
}

fn assignment_answer(assignment: &AssignmentRecord) -> StoredResponse {
    json_answer(
        StatusCode::OK,
        None,
        &AssignmentResponse::from(assignment.clone()),
    )
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
        let pool = usecases::reviews::read::pool(&state.store, auth.0.acting(), id.0.into())
            .await
            .map_err(ApiError::from)?;
        Ok(PoolListed::Ok(Json(
            pool.into_iter().map(Into::into).collect(),
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<AddReviewerRequest>,
    ) -> ApiResult<PoolAdded> {
        let remember = key.remember(|m: &PoolMember| {
            json_answer(
                StatusCode::CREATED,
                None,
                &PoolMemberResponse::from(m.clone()),
            )
        });
        let member = usecases::pool::add(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            body.0.reviewer_id.into(),
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(PoolAdded::Created(Json(member.into())))
    }

    /// Remove a reviewer from a call's pool (officers). A reviewer who still holds an
    /// assignment in the call stays until they decline it or the review is finished.
    #[oai(
        path = "/calls/:id/reviewers/:reviewer_id",
        method = "delete",
        operation_id = "remove_call_reviewer"
    )]
    async fn remove_from_pool(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        reviewer_id: Path<Uuid>,
    ) -> ApiResult<PoolRemoved> {
        usecases::pool::remove(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            reviewer_id.0.into(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(PoolRemoved::NoContent)
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
        let conflicts = usecases::reviews::read::my_conflicts(&state.store, auth.0.acting())
            .await
            .map_err(ApiError::from)?;
        Ok(ConflictsListed::Ok(Json(
            conflicts.into_iter().map(Into::into).collect(),
        )))
    }

    /// Declare a conflict of interest with an organisation (reviewers); you will not be
    /// assigned its applications, and your assignments on those not yet decided end as
    /// `recused` (a submitted review no longer counts; the call's officer is told).
    #[oai(
        path = "/me/conflicts",
        method = "post",
        operation_id = "declare_conflict"
    )]
    async fn declare(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<ConflictRequest>,
    ) -> ApiResult<ConflictDeclared> {
        let body = body.0;
        let remember = key.remember(|c: &ConflictRecord| {
            json_answer(
                StatusCode::CREATED,
                None,
                &ConflictResponse::from(c.clone()),
            )
        });
        let record = conflicts::declare(
            &state.store,
            auth.0.acting(),
            body.organization_id.into(),
            body.kind.into(),
            &body.description,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(ConflictDeclared::Created(Json(record.into())))
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<AssignRequest>,
    ) -> ApiResult<Assigned> {
        let remember = key.remember(|a: &AssignmentRecord| {
            json_answer(
                StatusCode::CREATED,
                None,
                &AssignmentResponse::from(a.clone()),
            )
        });
        let record = assign::manual(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            body.0.reviewer_id.into(),
            body.0.due_at,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(Assigned::Created(Json(record.into())))
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<AutoAssignRequest>,
    ) -> ApiResult<AutoAssigned> {
        let remember = key.remember(|p: &Plan| {
            json_answer(StatusCode::OK, None, &AutoAssignResponse::from(p.clone()))
        });
        let planned = assign::automatic(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            body.0.due_at,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(AutoAssigned::Ok(Json(planned.into())))
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
        let statuses: Vec<AssignmentStatus> = status.0.into_iter().map(Into::into).collect();
        let page_number = page.0.unwrap_or(1);
        let listed = usecases::reviews::read::my_assignments(
            &state.store,
            auth.0.acting(),
            &statuses,
            page_number,
            super::pagination::limit(limit.0),
        )
        .await
        .map_err(ApiError::from)?;
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
        let assignment =
            usecases::reviews::read::assignment(&state.store, auth.0.acting(), id.0.into())
                .await
                .map_err(ApiError::from)?;
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<AssignmentFound> {
        let remember = key.remember(assignment_answer);
        let updated = work::accept(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<DeclineRequest>,
    ) -> ApiResult<AssignmentFound> {
        let body = body.0;
        let declared = body.conflict.map(|c| work::DeclaredConflict {
            kind: c.kind.into(),
            description: c.description,
        });
        let remember = key.remember(assignment_answer);
        let updated = work::decline(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            body.reason.as_deref(),
            declared,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
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
        let updated = work::save(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            body.0.into(),
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<AssignmentFound> {
        let remember = key.remember(assignment_answer);
        let updated = work::submit(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<ReopenRequest>,
    ) -> ApiResult<AssignmentFound> {
        let remember = key.remember(assignment_answer);
        let updated = work::reopen(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            &body.0.reason,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
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
        let seen = usecases::reviews::read::reviews(&state.store, auth.0.acting(), id.0.into())
            .await
            .map_err(ApiError::from)?;
        Ok(ReviewsListed::Ok(Json(
            seen.into_iter().map(ReviewView::from).collect(),
        )))
    }
}
