//! Grant calls: officers create, edit, publish and close them; anyone may read open ones.

use chrono::{DateTime, Utc};
use domain::call::{
    self, Aggregation, CallInput, CallPhase, Criterion, CriterionInput, EligibilityInput,
    PriorityArea,
};
use domain::region::Region;
use persistence::calls::CallFilter;
use persistence::records::CallRecord;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::ApiTags;
use super::body::JsonBody;
use super::call_text::CallTranslations;
use super::codes::{AggregationCode, CallStatusCode, PriorityAreaCode, RegionCode};
use super::keys::{IdempotencyKey, json_answer};
use super::pagination;
use super::preconditions::{IfMatch, etag};
use crate::auth::{BearerAuth, Caller, MaybeAuth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Who may apply.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct EligibilityBody {
    /// Only organisations in rural settlements.
    pub rural_only: Option<bool>,
    /// Whole years since registration, at least.
    pub min_years_registered: Option<u32>,
    /// Regions whose organisations may apply; empty or absent for all.
    pub regions: Option<Vec<RegionCode>>,
    /// Only organisations an officer has verified against the state registry; `false`
    /// when absent.
    pub requires_verified_organization: Option<bool>,
}

/// One scoring criterion.
#[derive(Debug, Clone, Object, Deserialize)]
pub struct CriterionBody {
    /// Stable key, lower-case letters, digits and `_`, e.g. `relevance`.
    #[oai(validator(max_length = 40))]
    pub key: String,
    /// What reviewers judge.
    #[oai(validator(max_length = 200))]
    pub title: String,
    /// The highest score, 1 to 100.
    pub max_score: u32,
    /// Relative weight, 1 to 100.
    pub weight: u32,
    /// What reviewers should look for, shown beside the score; none when absent.
    #[oai(validator(max_length = 2000))]
    pub guidance: Option<String>,
}

/// A new grant call.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct CreateCallRequest {
    /// Title.
    #[oai(validator(max_length = 300))]
    pub title: String,
    /// What the call funds and why.
    #[oai(validator(max_length = 20000))]
    pub description: String,
    /// Priority areas, at least one.
    pub priority_areas: Vec<PriorityAreaCode>,
    /// Total budget in tenge, a decimal string such as `"50000000.00"`.
    pub budget: String,
    /// Smallest grant, decimal string.
    pub min_grant: String,
    /// Largest grant, decimal string.
    pub max_grant: String,
    /// Required co-financing as a share of total cost, `"0"` to `"1"`, e.g. `"0.1"`.
    pub cofinancing_share: String,
    /// When applications open (RFC 3339).
    pub opens_at: DateTime<Utc>,
    /// When applications close (RFC 3339); a submission at or after it is refused.
    pub closes_at: DateTime<Utc>,
    /// Who may apply; everyone when absent.
    pub eligibility: Option<EligibilityBody>,
    /// Scoring criteria.
    pub rubric: Vec<CriterionBody>,
    /// Reviews each application needs.
    pub reviewers_per_application: u32,
    /// Lowest aggregate score (0 to 100) that can be funded.
    pub fundable_min_score: u32,
    /// A spread of review totals above this flags a disagreement.
    pub disagreement_spread: u32,
    /// How reviews are combined.
    pub aggregation: AggregationCode,
    /// Hide the organisation's name and BIN from reviewers; no when absent.
    pub hide_applicant_identity: Option<bool>,
    /// The call's text in other languages; none when absent.
    pub translations: Option<CallTranslations>,
}

/// Changes to a draft call; absent fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateCallRequest {
    /// Title.
    #[oai(validator(max_length = 300))]
    pub title: Option<String>,
    /// Description.
    #[oai(validator(max_length = 20000))]
    pub description: Option<String>,
    /// Priority areas.
    pub priority_areas: Option<Vec<PriorityAreaCode>>,
    /// Total budget, decimal string.
    pub budget: Option<String>,
    /// Smallest grant, decimal string.
    pub min_grant: Option<String>,
    /// Largest grant, decimal string.
    pub max_grant: Option<String>,
    /// Required co-financing share.
    pub cofinancing_share: Option<String>,
    /// Opening instant.
    pub opens_at: Option<DateTime<Utc>>,
    /// Closing instant.
    pub closes_at: Option<DateTime<Utc>>,
    /// Eligibility rules (replaced as a whole).
    pub eligibility: Option<EligibilityBody>,
    /// Scoring criteria (replaced as a whole).
    pub rubric: Option<Vec<CriterionBody>>,
    /// Reviews each application needs.
    pub reviewers_per_application: Option<u32>,
    /// Lowest fundable aggregate score.
    pub fundable_min_score: Option<u32>,
    /// Disagreement threshold.
    pub disagreement_spread: Option<u32>,
    /// How reviews are combined.
    pub aggregation: Option<AggregationCode>,
    /// Hide the organisation's name and BIN from reviewers.
    pub hide_applicant_identity: Option<bool>,
    /// The call's text in other languages (replaced as a whole).
    pub translations: Option<CallTranslations>,
}

/// Who may apply.
#[derive(Debug, Object)]
pub struct EligibilityResponse {
    /// Only organisations in rural settlements.
    pub rural_only: bool,
    /// Whole years since registration, at least.
    pub min_years_registered: u32,
    /// Regions whose organisations may apply; empty for all.
    pub regions: Vec<RegionCode>,
    /// Only organisations an officer has verified against the state registry.
    pub requires_verified_organization: bool,
}

/// One scoring criterion.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CriterionResponse {
    /// Stable key.
    pub key: String,
    /// What reviewers judge.
    pub title: String,
    /// The highest score.
    pub max_score: u32,
    /// Relative weight.
    pub weight: u32,
    /// What reviewers should look for; absent when the officer gave none.
    pub guidance: Option<String>,
}

/// A grant call.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CallResponse {
    /// Identifier.
    pub id: Uuid,
    /// Where the call is now.
    pub status: CallStatusCode,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Priority areas.
    pub priority_areas: Vec<PriorityAreaCode>,
    /// Total budget, decimal string in tenge.
    pub budget: String,
    /// Smallest grant.
    pub min_grant: String,
    /// Largest grant.
    pub max_grant: String,
    /// Required co-financing share.
    pub cofinancing_share: String,
    /// Currency of every amount.
    pub currency: String,
    /// Opening instant.
    pub opens_at: DateTime<Utc>,
    /// Closing instant.
    pub closes_at: DateTime<Utc>,
    /// Who may apply.
    pub eligibility: EligibilityResponse,
    /// Scoring criteria.
    pub rubric: Vec<CriterionResponse>,
    /// Reviews each application needs.
    pub reviewers_per_application: u32,
    /// Lowest fundable aggregate score.
    pub fundable_min_score: u32,
    /// Disagreement threshold.
    pub disagreement_spread: u32,
    /// How reviews are combined.
    pub aggregation: AggregationCode,
    /// Whether reviewers see applications without the organisation's name and BIN.
    pub hide_applicant_identity: bool,
    /// The call's text in other languages, as the officer gave it (`{}` when none).
    pub translations: CallTranslations,
    /// Incremented by every change; also the `ETag`.
    pub version: i32,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was closed early.
    pub closed_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn call_response(record: CallRecord, now: DateTime<Utc>) -> CallResponse {
    let spec = record.spec;
    CallResponse {
        id: record.id.uuid(),
        status: call::phase(record.state, spec.opens_at, spec.closes_at, now).into(),
        title: spec.title,
        description: spec.description,
        priority_areas: spec.priority_areas.into_iter().map(Into::into).collect(),
        budget: spec.budget.to_string(),
        min_grant: spec.min_grant.to_string(),
        max_grant: spec.max_grant.to_string(),
        cofinancing_share: spec.cofinancing_share.to_string(),
        currency: "KZT".to_owned(),
        opens_at: spec.opens_at,
        closes_at: spec.closes_at,
        eligibility: EligibilityResponse {
            rural_only: spec.eligibility.rural_only,
            min_years_registered: spec.eligibility.min_years_registered,
            requires_verified_organization: spec.eligibility.requires_verified_organization,
            regions: spec
                .eligibility
                .regions
                .into_iter()
                .map(Into::into)
                .collect(),
        },
        rubric: spec
            .rubric
            .into_iter()
            .map(
                |Criterion {
                     key,
                     title,
                     max_score,
                     weight,
                     guidance,
                 }| CriterionResponse {
                    key,
                    title,
                    max_score,
                    weight,
                    guidance: (!guidance.is_empty()).then_some(guidance),
                },
            )
            .collect(),
        reviewers_per_application: spec.reviewers_per_application,
        fundable_min_score: spec.fundable_min_score,
        disagreement_spread: spec.disagreement_spread,
        aggregation: spec.aggregation.into(),
        hide_applicant_identity: spec.hide_applicant_identity,
        translations: CallTranslations::from(spec.translations),
        version: record.version,
        published_at: record.published_at,
        closed_at: record.closed_at,
        created_at: record.created_at,
        updated_at: record.updated_at,
    }
}

/// Instants are kept to the microsecond, what PostgreSQL stores, so both databases agree.
fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(at, 6)
}

fn eligibility_input(body: EligibilityBody) -> EligibilityInput {
    EligibilityInput {
        rural_only: body.rural_only,
        min_years_registered: body.min_years_registered,
        requires_verified_organization: body.requires_verified_organization,
        regions: body.regions.map(|regions| {
            regions
                .into_iter()
                .map(|r| domain::region::Region::from(r).code().to_owned())
                .collect()
        }),
    }
}

fn rubric_input(rubric: Vec<CriterionBody>) -> Vec<CriterionInput> {
    rubric
        .into_iter()
        .map(|c| CriterionInput {
            key: Some(c.key),
            title: Some(c.title),
            max_score: Some(c.max_score),
            weight: Some(c.weight),
            guidance: c.guidance,
        })
        .collect()
}

fn area_codes(areas: Vec<PriorityAreaCode>) -> Vec<String> {
    areas
        .into_iter()
        .map(|a| PriorityArea::from(a).code().to_owned())
        .collect()
}

impl From<CreateCallRequest> for CallInput {
    fn from(body: CreateCallRequest) -> Self {
        Self {
            title: Some(body.title),
            description: Some(body.description),
            priority_areas: Some(area_codes(body.priority_areas)),
            budget: Some(body.budget),
            min_grant: Some(body.min_grant),
            max_grant: Some(body.max_grant),
            cofinancing_share: Some(body.cofinancing_share),
            opens_at: Some(to_micros(body.opens_at)),
            closes_at: Some(to_micros(body.closes_at)),
            eligibility: Some(
                body.eligibility
                    .map_or_else(EligibilityInput::default, eligibility_input),
            ),
            rubric: Some(rubric_input(body.rubric)),
            reviewers_per_application: Some(body.reviewers_per_application),
            fundable_min_score: Some(body.fundable_min_score),
            disagreement_spread: Some(body.disagreement_spread),
            aggregation: Some(Aggregation::from(body.aggregation).code().to_owned()),
            hide_applicant_identity: body.hide_applicant_identity,
            translations: body.translations.map(Into::into),
        }
    }
}

impl From<UpdateCallRequest> for CallInput {
    fn from(body: UpdateCallRequest) -> Self {
        Self {
            title: body.title,
            description: body.description,
            priority_areas: body.priority_areas.map(area_codes),
            budget: body.budget,
            min_grant: body.min_grant,
            max_grant: body.max_grant,
            cofinancing_share: body.cofinancing_share,
            opens_at: body.opens_at.map(to_micros),
            closes_at: body.closes_at.map(to_micros),
            eligibility: body.eligibility.map(eligibility_input),
            rubric: body.rubric.map(rubric_input),
            reviewers_per_application: body.reviewers_per_application,
            fundable_min_score: body.fundable_min_score,
            disagreement_spread: body.disagreement_spread,
            aggregation: body
                .aggregation
                .map(|a| Aggregation::from(a).code().to_owned()),
            hide_applicant_identity: body.hide_applicant_identity,
            translations: body.translations.map(Into::into),
        }
    }
}

/// A page of calls.
#[derive(Debug, Object)]
pub struct CallPage {
    /// The calls, soonest closing first.
    pub items: Vec<CallResponse>,
    /// This page's number, from 1.
    pub page: u64,
    /// Whether another page follows.
    pub has_more: bool,
}

#[derive(Debug, ApiResponse)]
enum CallCreated {
    /// The draft call.
    #[oai(status = 201)]
    Created(Json<CallResponse>, #[oai(header = "ETag")] String),
}

#[derive(Debug, ApiResponse)]
enum CallFound {
    /// The call.
    #[oai(status = 200)]
    Ok(Json<CallResponse>, #[oai(header = "ETag")] String),
}

#[derive(Debug, ApiResponse)]
enum CallsListed {
    /// One page of calls.
    #[oai(status = 200)]
    Ok(Json<CallPage>),
}

/// Grant calls.
#[derive(Debug)]
pub struct CallsApi;

#[OpenApi(prefix_path = "/calls", tag = "ApiTags::Calls")]
impl CallsApi {
    /// List calls. Without an account (or as an applicant or reviewer) calls open for
    /// applications and calls opening soon are listed: open ones unless `status` asks for
    /// `scheduled` (or both); officers and admins may ask for any status.
    #[oai(path = "/", method = "get", operation_id = "list_calls")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        /// Only calls in this status; repeatable. Without an account only `open` and
        /// `scheduled` count (others are ignored), and `open` is the default.
        status: Query<Vec<CallStatusCode>>,
        /// Only calls with this priority area.
        priority_area: Query<Option<PriorityAreaCode>>,
        /// Only calls that organisations registered in this region may apply to (calls
        /// open to every region included).
        region: Query<Option<RegionCode>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
        page: Query<Option<u64>>,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> ApiResult<CallsListed> {
        let now = state.clock.now();
        let page_number = page.0.unwrap_or(1);
        let listed = usecases::calls::list(
            &state.store,
            auth.caller().map(Caller::acting),
            CallFilter {
                phases: status.0.into_iter().map(CallPhase::from).collect(),
                priority_area: priority_area.0.map(PriorityArea::from),
                region: region.0.map(Region::from),
            },
            page_number,
            pagination::limit(limit.0),
            now,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(CallsListed::Ok(Json(CallPage {
            items: listed
                .items
                .into_iter()
                .map(|c| call_response(c, now))
                .collect(),
            page: page_number,
            has_more: listed.has_more,
        })))
    }

    /// Create a draft call (officers).
    #[oai(path = "/", method = "post", operation_id = "create_call")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<CreateCallRequest>,
    ) -> ApiResult<CallCreated> {
        let now = state.clock.now();
        let remember = key.remember(move |record: &CallRecord| {
            json_answer(
                StatusCode::CREATED,
                Some(etag(record.version)),
                &call_response(record.clone(), now),
            )
        });
        let record =
            usecases::calls::create(&state.store, auth.0.acting(), body.0.into(), now, remember)
                .await
                .map_err(ApiError::from)?;
        let tag = etag(record.version);
        Ok(CallCreated::Created(Json(call_response(record, now)), tag))
    }

    /// One call. Drafts are visible to officers and admins only.
    #[oai(path = "/:id", method = "get", operation_id = "get_call")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<CallFound> {
        let record =
            usecases::calls::one(&state.store, auth.caller().map(Caller::acting), id.0.into())
                .await
                .map_err(ApiError::from)?;
        let tag = etag(record.version);
        Ok(CallFound::Ok(
            Json(call_response(record, state.clock.now())),
            tag,
        ))
    }

    /// Change a draft call (officers). `If-Match` with the call's `ETag` is required.
    #[oai(path = "/:id", method = "patch", operation_id = "update_call")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<UpdateCallRequest>,
    ) -> ApiResult<CallFound> {
        let expected = IfMatch::required(if_match.0.as_deref())?.expected();
        let now = state.clock.now();
        let updated = usecases::calls::update(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            expected,
            body.0.into(),
            now,
        )
        .await
        .map_err(ApiError::from)?;
        let tag = etag(updated.version);
        Ok(CallFound::Ok(Json(call_response(updated, now)), tag))
    }

    /// Publish a draft call (officers). It opens for applications at its opening instant
    /// and closes by itself at its closing instant.
    #[oai(path = "/:id/publish", method = "post", operation_id = "publish_call")]
    async fn publish(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<CallFound> {
        let now = state.clock.now();
        let remember = key.remember(move |record: &CallRecord| {
            json_answer(
                StatusCode::OK,
                Some(etag(record.version)),
                &call_response(record.clone(), now),
            )
        });
        let updated =
            usecases::calls::publish(&state.store, auth.0.acting(), id.0.into(), now, remember)
                .await
                .map_err(ApiError::from)?;
        let tag = etag(updated.version);
        Ok(CallFound::Ok(Json(call_response(updated, now)), tag))
    }

    /// Close a published call before its closing instant (officers).
    #[oai(path = "/:id/close", method = "post", operation_id = "close_call")]
    async fn close(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
    ) -> ApiResult<CallFound> {
        let now = state.clock.now();
        let remember = key.remember(move |record: &CallRecord| {
            json_answer(
                StatusCode::OK,
                Some(etag(record.version)),
                &call_response(record.clone(), now),
            )
        });
        let updated =
            usecases::calls::close(&state.store, auth.0.acting(), id.0.into(), now, remember)
                .await
                .map_err(ApiError::from)?;
        let tag = etag(updated.version);
        Ok(CallFound::Ok(Json(call_response(updated, now)), tag))
    }
}
