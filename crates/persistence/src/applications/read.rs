//! Reading applications and their history.

use domain::ids::{ApplicationId, CallId};
use domain::money::Money;
use domain::status::ApplicationStatus;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, application_event, organization_member};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, EventRecord, OffsetPage};

use super::rows::{decode, decode_event};
use super::types::{ApplicationFilter, ApplicationSort};

impl Store {
    /// The application `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn get_application(&self, id: ApplicationId) -> Result<ApplicationRecord, RepoError> {
        let id = id.uuid();
        application(&self.db, id).await
    }

    /// Every application of `call_id` in one of `statuses`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn applications_of_call(
        &self,
        call_id: CallId,
        statuses: &[ApplicationStatus],
    ) -> Result<Vec<ApplicationRecord>, RepoError> {
        let call_id = call_id.uuid();
        let condition = application::Column::CallId
            .eq(call_id)
            .and(application::Column::Status.is_in(statuses.iter().map(|s| s.code())));
        applications_where(&self.db, condition).await
    }

    /// The sum awarded so far to approved applications of call `call_id`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn awarded_total(&self, call_id: CallId) -> Result<Money, RepoError> {
        let call_id = call_id.uuid();
        awarded_total(&self.db, call_id).await
    }

    /// The audit history of application `id`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn history(&self, id: ApplicationId) -> Result<Vec<EventRecord>, RepoError> {
        let id = id.uuid();
        application_event::Entity::find()
            .filter(application_event::Column::ApplicationId.eq(id))
            .order_by_asc(application_event::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(decode_event)
            .collect()
    }

    /// Applications matching `filter`, in `sort` order, page `page` (from 1) of `limit`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn list_applications(
        &self,
        filter: &ApplicationFilter,
        sort: ApplicationSort,
        page: u64,
        limit: u64,
    ) -> Result<OffsetPage<ApplicationRecord>, RepoError> {
        let mut query = application::Entity::find();
        if let Some(call_id) = filter.call_id {
            query = query.filter(application::Column::CallId.eq(call_id.uuid()));
        }
        if !filter.statuses.is_empty() {
            query = query.filter(
                application::Column::Status.is_in(filter.statuses.iter().map(|s| s.code())),
            );
        }
        if let Some(org) = filter.organization_id {
            query = query.filter(application::Column::OrganizationId.eq(org.uuid()));
        }
        if let Some(region) = filter.region {
            query = query.filter(application::Column::Region.eq(region.code()));
        }
        if let Some(member) = filter.member {
            query = query.filter(
                application::Column::OrganizationId.in_subquery(
                    Query::select()
                        .column(organization_member::Column::OrganizationId)
                        .from(organization_member::Entity)
                        .and_where(Expr::col(organization_member::Column::UserId).eq(member.uuid()))
                        .to_owned(),
                ),
            );
        }
        let (column, order) = match sort {
            ApplicationSort::CreatedDesc => (application::Column::CreatedAt, Order::Desc),
            ApplicationSort::CreatedAsc => (application::Column::CreatedAt, Order::Asc),
            ApplicationSort::SubmittedAsc => (application::Column::SubmittedAt, Order::Asc),
            ApplicationSort::TitleAsc => (application::Column::Title, Order::Asc),
            ApplicationSort::RequestedDesc => (application::Column::RequestedMinor, Order::Desc),
        };
        let rows = query
            .order_by(column, order.clone())
            .order_by(application::Column::Id, order)
            .offset(page.saturating_sub(1).saturating_mul(limit))
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        let has_more = rows.len() as u64 > limit;
        let items = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OffsetPage { items, has_more })
    }
}

pub(crate) async fn application<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<ApplicationRecord, RepoError> {
    let model = application::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    decode(model)
}

pub(crate) async fn applications_where<C: ConnectionTrait>(
    conn: &C,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<ApplicationRecord>, RepoError> {
    application::Entity::find()
        .filter(condition)
        .order_by_asc(application::Column::CreatedAt)
        .order_by_asc(application::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(decode)
        .collect()
}

/// The sum awarded to approved applications of `call_id`.
pub(crate) async fn awarded_total<C: ConnectionTrait>(
    conn: &C,
    call_id: Uuid,
) -> Result<Money, RepoError> {
    let sum = application::Entity::find()
        .filter(application::Column::CallId.eq(call_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Approved.code()))
        .select_only()
        // PostgreSQL sums BIGINT into NUMERIC; cast back so both databases return an integer.
        .column_as(
            Expr::from(Func::cast_as(
                Func::sum(Expr::col(application::Column::AwardedMinor)),
                Alias::new("BIGINT"),
            )),
            "total",
        )
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten()
        .unwrap_or(0);
    Money::from_minor(sum).ok_or_else(|| RepoError::Corrupt {
        table: "applications",
        id: call_id.to_string(),
        detail: format!("awarded total {sum}"),
    })
}
