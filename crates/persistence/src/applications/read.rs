//! Reading applications and their history.

use domain::ids::{ApplicationId, CallId};
use domain::money::Money;
use domain::status::ApplicationStatus;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, application_event};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, EventRecord};

use super::rows::{decode, decode_event};

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
