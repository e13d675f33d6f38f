//! Applications: drafts, edits guarded by `If-Match`, the state machine's commands, and the
//! audit history. Someone who may not see an application is told it does not exist.

mod cursor;
pub mod dto;

pub use usecases::Access;

use domain::status::ApplicationStatus;
use domain::transition::Command;
use persistence::applications::{ApplicationSort, Position};
use persistence::records::ApplicationRecord;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use self::dto::{
    ApplicationPage, ApplicationResponse, ContentBody, CreateApplicationRequest, HistoryEntry,
    OrganizationBrief, ReasonRequest, RevisionRequest, application_response, application_summary,
    history_entries,
};
use super::ApiTags;
use super::body::JsonBody;
use super::codes::{ApplicationStatusCode, RegionCode, SortCode};
use super::direct::SerdeJson;
use super::keys::{IdempotencyKey, json_answer};
use super::pagination;
use super::preconditions::{IfMatch, etag};
use crate::auth::{BearerAuth, BearerSessionInRead, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, ApiResponse)]
enum Created {
    /// The draft application.
    #[oai(status = 201)]
    Created(Json<ApplicationResponse>, #[oai(header = "ETag")] String),
}

#[derive(Debug, ApiResponse)]
enum Found {
    /// The application.
    #[oai(status = 200)]
    Ok(
        SerdeJson<ApplicationResponse>,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(Debug, ApiResponse)]
enum Listed {
    /// One page of applications.
    #[oai(status = 200)]
    Ok(SerdeJson<ApplicationPage>),
}

#[derive(Debug, ApiResponse)]
enum History {
    /// The changes, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<HistoryEntry>>),
}

/// Runs state-machine `command` on application `id` for `caller`.
async fn transition(
    state: &AppState,
    caller: Caller,
    id: Uuid,
    command: Command,
    key: &IdempotencyKey,
) -> Result<Found, ApiError> {
    let remember = key.remember(|(record, access): &(ApplicationRecord, Access)| {
        json_answer(
            StatusCode::OK,
            Some(etag(record.version)),
            &application_response(record.clone(), access.applicant_view()),
        )
    });
    let (record, access) = usecases::transitions::run(
        &state.store,
        caller.acting(),
        id.into(),
        command,
        state.clock.now(),
        remember,
    )
    .await?;
    Ok(found(record, access))
}

fn found(record: ApplicationRecord, access: Access) -> Found {
    let tag = etag(record.version);
    Found::Ok(
        SerdeJson(application_response(record, access.applicant_view())),
        tag,
    )
}

/// Applications and their lifecycle.
#[derive(Debug)]
pub struct ApplicationsApi;

#[OpenApi(tag = "ApiTags::Applications")]
impl ApplicationsApi {
    /// Start a draft application to an open call, on behalf of an organisation the caller
    /// belongs to.
    #[oai(
        path = "/calls/:id/applications",
        method = "post",
        operation_id = "create_application"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<CreateApplicationRequest>,
    ) -> ApiResult<Created> {
        let body = body.0;
        let remember = key.remember(|record: &ApplicationRecord| {
            json_answer(
                StatusCode::CREATED,
                Some(etag(record.version)),
                &application_response(record.clone(), true),
            )
        });
        let record = usecases::applications::create(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            body.organization_id.into(),
            body.content.into(),
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        let tag = etag(record.version);
        Ok(Created::Created(
            Json(application_response(record, true)),
            tag,
        ))
    }

    /// List applications: members see their organisations' applications, officers and
    /// admins every application. Filter, sort and page.
    #[oai(
        path = "/applications",
        method = "get",
        operation_id = "list_applications"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerSessionInRead,
        /// Only this call's.
        call_id: Query<Option<Uuid>>,
        /// Only these statuses; repeatable.
        status: Query<Vec<ApplicationStatusCode>>,
        /// Only this organisation's.
        organization_id: Query<Option<Uuid>>,
        /// Only from this region.
        region: Query<Option<RegionCode>>,
        /// Order (default `created_desc`); with `after`, the order the cursor was made in.
        sort: Query<Option<SortCode>>,
        /// Page number, from 1, counted from the start. Following `next_cursor` with `after`
        /// is quicker for later pages.
        #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
        page: Query<Option<u64>>,
        /// The `next_cursor` of the page before; not with `page`.
        #[oai(validator(max_length = 4096))]
        after: Query<Option<String>>,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> ApiResult<Listed> {
        let position = list_position(sort.0.map(Into::into), page.0, after.0.as_deref())?;
        let listing = usecases::applications::Listing {
            call_id: call_id.0.map(Into::into),
            statuses: status.0.into_iter().map(ApplicationStatus::from).collect(),
            organization_id: organization_id.0.map(Into::into),
            region: region.0.map(Into::into),
            position,
            limit: pagination::limit(limit.0),
        };
        let (listed, applicant_view) =
            usecases::applications::list(&state.store, auth.0.acting(), auth.0.session, listing)
                .await
                .map_err(ApiError::from)?;
        Ok(Listed::Ok(SerdeJson(ApplicationPage {
            items: listed
                .items
                .into_iter()
                .map(|a| application_summary(a, applicant_view))
                .collect(),
            page: listed.page,
            has_more: listed.next.is_some(),
            next_cursor: listed.next.as_ref().map(cursor::encode),
        })))
    }

    /// One application.
    #[oai(
        path = "/applications/:id",
        method = "get",
        operation_id = "get_application"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerSessionInRead,
        id: Path<Uuid>,
    ) -> ApiResult<Found> {
        let (record, access, organization) =
            usecases::applications::one(&state.store, auth.0.acting(), auth.0.session, id.0.into())
                .await
                .map_err(ApiError::from)?;
        let tag = etag(record.version);
        let mut response = application_response(record, access.applicant_view());
        response.organization = organization.map(OrganizationBrief::from);
        Ok(Found::Ok(SerdeJson(response), tag))
    }

    /// Edit a draft (or an application returned for revision). `If-Match` with the
    /// application's `ETag` is required: a stale one is answered with 412.
    #[oai(
        path = "/applications/:id",
        method = "patch",
        operation_id = "update_application"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<ContentBody>,
    ) -> ApiResult<Found> {
        let expected = IfMatch::required(if_match.0.as_deref())?.expected();
        let (updated, access) = usecases::applications::edit(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            expected,
            body.0.into(),
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(found(updated, access))
    }

    /// Submit a draft: the call must be open and the application complete, eligible and
    /// within the call's limits. The content is frozen and its receipt returned.
    #[oai(
        path = "/applications/:id/submit",
        method = "post",
        operation_id = "submit_application"
    )]
    async fn submit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<Found> {
        Ok(transition(&state, auth.0, id.0, Command::Submit, &key).await?)
    }

    /// Withdraw an application that is not yet under review.
    #[oai(
        path = "/applications/:id/withdraw",
        method = "post",
        operation_id = "withdraw_application"
    )]
    async fn withdraw(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<Found> {
        Ok(transition(&state, auth.0, id.0, Command::Withdraw, &key).await?)
    }

    /// Resubmit after a revision request, before its deadline.
    #[oai(
        path = "/applications/:id/resubmit",
        method = "post",
        operation_id = "resubmit_application"
    )]
    async fn resubmit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<Found> {
        Ok(transition(&state, auth.0, id.0, Command::Resubmit, &key).await?)
    }

    /// Ask the applicant to revise a submitted application by a deadline (officers).
    #[oai(
        path = "/applications/:id/request-revision",
        method = "post",
        operation_id = "request_revision"
    )]
    async fn request_revision(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<RevisionRequest>,
    ) -> ApiResult<Found> {
        let command = Command::RequestRevision {
            comment: body.0.comment,
            due_at: chrono::SubsecRound::trunc_subsecs(body.0.revision_due_at, 6),
        };
        Ok(transition(&state, auth.0, id.0, command, &key).await?)
    }

    /// Declare an application ineligible, with the reason (officers).
    #[oai(
        path = "/applications/:id/mark-ineligible",
        method = "post",
        operation_id = "mark_ineligible"
    )]
    async fn mark_ineligible(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<ReasonRequest>,
    ) -> ApiResult<Found> {
        let command = Command::MarkIneligible {
            reason: body.0.reason,
        };
        Ok(transition(&state, auth.0, id.0, command, &key).await?)
    }

    /// Start the review of a submitted application (officers). At least one reviewer
    /// must be assigned.
    #[oai(
        path = "/applications/:id/start-review",
        method = "post",
        operation_id = "start_review"
    )]
    async fn start_review(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<Found> {
        Ok(transition(&state, auth.0, id.0, Command::StartReview, &key).await?)
    }

    /// The application's history, oldest first. Applicants see the changes of the statuses
    /// they see, without who acted.
    #[oai(
        path = "/applications/:id/history",
        method = "get",
        operation_id = "application_history"
    )]
    async fn history(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<History> {
        let (events, access) =
            usecases::applications::history(&state.store, auth.0.acting(), id.0.into())
                .await
                .map_err(ApiError::from)?;
        Ok(History::Ok(Json(history_entries(
            events,
            access.applicant_view(),
        ))))
    }
}

/// Where a page of applications starts: page `page` counted from the start, or right after
/// the cursor `after`, whose order must be `sort` when the client names one.
fn list_position(
    sort: Option<ApplicationSort>,
    page: Option<u64>,
    after: Option<&str>,
) -> Result<Position, ApiError> {
    let Some(after) = after else {
        return Ok(Position::Page {
            sort: sort.unwrap_or_default(),
            page: page.unwrap_or(1),
        });
    };
    let refuse = |code: &'static str, message: &str| {
        ApiError::from(domain::ValidationErrors::single(
            "after".to_owned(),
            code,
            message.to_owned(),
        ))
    };
    if page.is_some() {
        return Err(refuse("with_page", "give either page or after, not both"));
    }
    let cursor = cursor::decode(after).ok_or_else(|| {
        refuse(
            "invalid",
            "not a cursor this server handed out; start again from the first page",
        )
    })?;
    if sort.is_some_and(|sort| sort != cursor.sort()) {
        return Err(refuse(
            "other_order",
            "the cursor belongs to a list in another order",
        ));
    }
    Ok(Position::After(cursor))
}
