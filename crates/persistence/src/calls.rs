//! Grant calls.

use chrono::{DateTime, Utc};
use domain::call::{
    Aggregation, CallPhase, CallSpec, CallState, Criterion, Eligibility, PriorityArea, Translations,
};
use domain::ids::{CallId, UserId};
use domain::money::{Money, Share};
use domain::region::Region;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::call;
use crate::error::{Clash, RepoError};
use crate::records::{CallRecord, OffsetPage};

fn join_codes<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    codes.collect::<Vec<_>>().join(",")
}

fn split_codes(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').filter(|c| !c.is_empty())
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub(crate) fn decode(model: call::Model) -> Result<CallRecord, RepoError> {
    let id = model.id;
    let corrupt = |detail: String| RepoError::Corrupt {
        table: "calls",
        id: id.to_string(),
        detail,
    };
    let money = |minor: i64, what: &str| {
        Money::from_minor(minor).ok_or_else(|| corrupt(format!("{what}: {minor}")))
    };
    let count = |value: i32, what: &str| {
        u32::try_from(value).map_err(|_| corrupt(format!("{what}: {value}")))
    };
    let priority_areas = split_codes(&model.priority_areas)
        .map(|c| {
            c.parse::<PriorityArea>()
                .map_err(|e| corrupt(format!("priority area {c}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let regions = split_codes(&model.regions)
        .map(|c| {
            c.parse::<Region>()
                .map_err(|e| corrupt(format!("region {c}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rubric: Vec<Criterion> =
        serde_json::from_str(&model.rubric).map_err(|e| corrupt(format!("rubric: {e}")))?;
    let share = u16::try_from(model.cofinancing_bp)
        .ok()
        .and_then(Share::from_basis_points)
        .ok_or_else(|| corrupt(format!("cofinancing_bp: {}", model.cofinancing_bp)))?;
    let spec = CallSpec {
        title: model.title,
        description: model.description,
        priority_areas,
        budget: money(model.budget_minor, "budget")?,
        min_grant: money(model.min_grant_minor, "min_grant")?,
        max_grant: money(model.max_grant_minor, "max_grant")?,
        cofinancing_share: share,
        opens_at: model.opens_at,
        closes_at: model.closes_at,
        eligibility: Eligibility {
            rural_only: model.rural_only,
            requires_verified_organization: model.requires_verified_organization,
            min_years_registered: count(model.min_years_registered, "min_years_registered")?,
            regions,
        },
        rubric,
        reviewers_per_application: count(
            model.reviewers_per_application,
            "reviewers_per_application",
        )?,
        fundable_min_score: count(model.fundable_min_score, "fundable_min_score")?,
        disagreement_spread: count(model.disagreement_spread, "disagreement_spread")?,
        aggregation: model
            .aggregation
            .parse::<Aggregation>()
            .map_err(|e| corrupt(format!("aggregation: {e}")))?,
        hide_applicant_identity: model.hide_applicant_identity,
        translations: if model.translations.is_empty() {
            Translations::default()
        } else {
            serde_json::from_str(&model.translations)
                .map_err(|e| corrupt(format!("translations: {e}")))?
        },
    };
    let state = model
        .state
        .parse::<CallState>()
        .map_err(|e| corrupt(format!("state: {e}")))?;
    Ok(CallRecord {
        id: id.into(),
        spec,
        state,
        version: model.version,
        created_by: model.created_by.into(),
        created_at: model.created_at,
        updated_at: model.updated_at,
        published_at: model.published_at,
        closed_at: model.closed_at,
    })
}

/// `translations` as stored: empty when there are none.
fn translations_json(translations: &Translations) -> Result<String, RepoError> {
    if translations.is_empty() {
        return Ok(String::new());
    }
    serde_json::to_string(translations).map_err(|e| RepoError::Corrupt {
        table: "calls",
        id: String::new(),
        detail: format!("translations do not serialise: {e}"),
    })
}

fn rubric_json(rubric: &[Criterion]) -> Result<String, RepoError> {
    serde_json::to_string(rubric).map_err(|e| RepoError::Corrupt {
        table: "calls",
        id: String::new(),
        detail: format!("rubric does not serialise: {e}"),
    })
}

/// Which calls to list.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Only calls in these phases at `now`; all when empty.
    pub phases: Vec<CallPhase>,
    /// Only calls with this priority area.
    pub priority_area: Option<PriorityArea>,
    /// Only calls that organisations of this region may apply to (those open to every
    /// region among them).
    pub region: Option<Region>,
}

/// The SQL condition for calls in `phase` at `now`.
fn phase_condition(phase: CallPhase, now: DateTime<Utc>) -> Condition {
    let state = |s: CallState| call::Column::State.eq(s.code());
    match phase {
        CallPhase::Draft => Condition::all().add(state(CallState::Draft)),
        CallPhase::Scheduled => Condition::all()
            .add(state(CallState::Published))
            .add(call::Column::OpensAt.gt(now)),
        CallPhase::Open => Condition::all()
            .add(state(CallState::Published))
            .add(call::Column::OpensAt.lte(now))
            .add(call::Column::ClosesAt.gt(now)),
        CallPhase::Closed => Condition::any().add(state(CallState::Closed)).add(
            Condition::all()
                .add(state(CallState::Published))
                .add(call::Column::ClosesAt.lte(now)),
        ),
        CallPhase::Decided => Condition::all().add(state(CallState::Decided)),
    }
}

impl Store {
    /// Stores a new draft call.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn create_call(
        &self,
        spec: &CallSpec,
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<CallRecord, RepoError> {
        let created_by = created_by.uuid();
        insert_call(&self.db, spec, created_by, now).await
    }

    /// The call `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn get_call(&self, id: CallId) -> Result<CallRecord, RepoError> {
        let id = id.uuid();
        call(&self.db, id).await
    }

    /// Calls matching `filter` at `now`, soonest closing first, `limit` per page.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn list_calls(
        &self,
        filter: &CallFilter,
        now: DateTime<Utc>,
        page: u64,
        limit: u64,
    ) -> Result<OffsetPage<CallRecord>, RepoError> {
        let mut query = call::Entity::find();
        if !filter.phases.is_empty() {
            let mut any = Condition::any();
            for phase in &filter.phases {
                any = any.add(phase_condition(*phase, now));
            }
            query = query.filter(any);
        }
        if let Some(area) = filter.priority_area {
            // Codes are comma-joined; match a whole code wherever it stands.
            let code = area.code();
            query = query.filter(
                Condition::any()
                    .add(call::Column::PriorityAreas.eq(code))
                    .add(call::Column::PriorityAreas.like(format!("{code},%")))
                    .add(call::Column::PriorityAreas.like(format!("%,{code}")))
                    .add(call::Column::PriorityAreas.like(format!("%,{code},%"))),
            );
        }
        if let Some(region) = filter.region {
            let code = region.code();
            query = query.filter(
                Condition::any()
                    .add(call::Column::Regions.eq(""))
                    .add(call::Column::Regions.eq(code))
                    .add(call::Column::Regions.like(format!("{code},%")))
                    .add(call::Column::Regions.like(format!("%,{code}")))
                    .add(call::Column::Regions.like(format!("%,{code},%"))),
            );
        }
        let rows = query
            .order_by_asc(call::Column::ClosesAt)
            .order_by_asc(call::Column::Id)
            .offset(page.saturating_sub(1).saturating_mul(limit))
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        let more = rows.len() as u64 > limit;
        let items = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OffsetPage {
            items,
            has_more: more,
        })
    }

    /// Replaces the spec of draft call `id` at `expected_version`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`] (`"version"`)
    /// when it changed or is no longer a draft.
    pub async fn update_call(
        &self,
        id: CallId,
        spec: &CallSpec,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<CallRecord, RepoError> {
        let id = id.uuid();
        update_call(&self.db, id, spec, expected_version, now).await
    }

    /// Moves call `id` from `expected_version` to `state`, stamping when it was published
    /// or closed.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`] (`"version"`)
    /// when it changed meanwhile.
    pub async fn set_call_state(
        &self,
        id: CallId,
        state: CallState,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<CallRecord, RepoError> {
        let id = id.uuid();
        set_call_state(&self.db, id, state, expected_version, now).await
    }
}

/// The columns that hold a spec.
pub(crate) fn spec_columns(
    spec: &CallSpec,
    now: DateTime<Utc>,
) -> Result<call::ActiveModel, RepoError> {
    Ok(call::ActiveModel {
        title: Set(spec.title.clone()),
        description: Set(spec.description.clone()),
        priority_areas: Set(join_codes(spec.priority_areas.iter().map(|p| p.code()))),
        budget_minor: Set(spec.budget.minor()),
        min_grant_minor: Set(spec.min_grant.minor()),
        max_grant_minor: Set(spec.max_grant.minor()),
        cofinancing_bp: Set(i32::from(spec.cofinancing_share.basis_points())),
        opens_at: Set(spec.opens_at),
        closes_at: Set(spec.closes_at),
        rural_only: Set(spec.eligibility.rural_only),
        requires_verified_organization: Set(spec.eligibility.requires_verified_organization),
        min_years_registered: Set(to_i32(spec.eligibility.min_years_registered)),
        regions: Set(join_codes(
            spec.eligibility.regions.iter().map(|r| r.code()),
        )),
        rubric: Set(rubric_json(&spec.rubric)?),
        reviewers_per_application: Set(to_i32(spec.reviewers_per_application)),
        fundable_min_score: Set(to_i32(spec.fundable_min_score)),
        disagreement_spread: Set(to_i32(spec.disagreement_spread)),
        aggregation: Set(spec.aggregation.code().to_owned()),
        hide_applicant_identity: Set(spec.hide_applicant_identity),
        translations: Set(translations_json(&spec.translations)?),
        updated_at: Set(now),
        ..Default::default()
    })
}

pub(crate) async fn set_call_state<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    state: CallState,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<CallRecord, RepoError> {
    let mut update = call::Entity::update_many()
        .col_expr(call::Column::State, Expr::value(state.code()))
        .col_expr(call::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            call::Column::Version,
            Expr::col(call::Column::Version).add(1),
        )
        .filter(call::Column::Id.eq(id))
        .filter(call::Column::Version.eq(expected_version));
    match state {
        CallState::Published => {
            update = update.col_expr(call::Column::PublishedAt, Expr::value(now));
        }
        CallState::Closed => {
            update = update.col_expr(call::Column::ClosedAt, Expr::value(now));
        }
        CallState::Draft | CallState::Decided => {}
    }
    let result = update.exec(conn).await?;
    let record = call(conn, id).await?;
    if result.rows_affected == 0 {
        return Err(RepoError::Conflict(Clash::Version));
    }
    Ok(record)
}

impl crate::Tx {
    /// Drafts a call with `spec`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn insert_call(
        &self,
        spec: &CallSpec,
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<CallRecord, RepoError> {
        let created_by = created_by.uuid();
        insert_call(&self.tx, spec, created_by, now).await
    }

    /// Replaces the spec of draft call `id` at `expected_version`.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] ([`Clash::Version`]) when it changed meanwhile or is no
    /// longer a draft.
    pub async fn update_call(
        &self,
        id: CallId,
        spec: &CallSpec,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<CallRecord, RepoError> {
        let id = id.uuid();
        update_call(&self.tx, id, spec, expected_version, now).await
    }

    /// Moves call `id` from `expected_version` to `state`, stamping when it was published
    /// or closed.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"version"`) when it changed meanwhile.
    pub async fn set_call_state(
        &self,
        id: CallId,
        state: CallState,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<CallRecord, RepoError> {
        let id = id.uuid();
        set_call_state(&self.tx, id, state, expected_version, now).await
    }
}

pub(crate) async fn call<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<CallRecord, RepoError> {
    let model = call::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    decode(model)
}

async fn update_call<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    spec: &CallSpec,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<CallRecord, RepoError> {
    let columns = spec_columns(spec, now)?;
    let mut update = call::Entity::update_many()
        .col_expr(
            call::Column::Version,
            Expr::col(call::Column::Version).add(1),
        )
        .filter(call::Column::Id.eq(id))
        .filter(call::Column::Version.eq(expected_version))
        .filter(call::Column::State.eq(CallState::Draft.code()));
    update = update.set(columns);
    let result = update.exec(conn).await?;
    let record = call(conn, id).await?;
    if result.rows_affected == 0 {
        return Err(RepoError::Conflict(Clash::Version));
    }
    Ok(record)
}

async fn insert_call<C: ConnectionTrait>(
    conn: &C,
    spec: &CallSpec,
    created_by: Uuid,
    now: DateTime<Utc>,
) -> Result<CallRecord, RepoError> {
    let model = call::ActiveModel {
        id: Set(Uuid::now_v7()),
        state: Set(CallState::Draft.code().to_owned()),
        version: Set(1),
        created_by: Set(created_by),
        created_at: Set(now),
        published_at: Set(None),
        closed_at: Set(None),
        ..spec_columns(spec, now)?
    }
    .insert(conn)
    .await?;
    decode(model)
}
