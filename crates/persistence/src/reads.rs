//! Reads of single rows and small sets, on a pooled connection or inside a [`Tx`], so that a
//! use case decides on what its own transaction sees.

use domain::assignment::AssignmentStatus;
use domain::organization::MemberRole;
use domain::scoring::ScoredReview;
use domain::status::ApplicationStatus;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::{application, assignment, call, organization, organization_member, user};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, CallRecord, Organization, User};
use crate::tx::Tx;

pub(crate) async fn application<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<ApplicationRecord, RepoError> {
    let model = application::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    crate::applications::decode(model)
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
        .map(crate::applications::decode)
        .collect()
}

pub(crate) async fn call<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<CallRecord, RepoError> {
    let model = call::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    crate::calls::decode(model)
}

pub(crate) async fn organizations<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<Vec<Organization>, RepoError> {
    organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(crate::organizations::decode)
        .collect()
}

pub(crate) async fn user<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<User, RepoError> {
    let model = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    crate::accounts::decode(model)
}

pub(crate) async fn review_totals<C: ConnectionTrait>(
    conn: &C,
    call: Uuid,
) -> Result<Vec<ScoredReview>, RepoError> {
    let rows: Vec<(Uuid, Uuid, Option<f64>)> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::ApplicationId)
        .column(assignment::Column::ReviewerId)
        .column(assignment::Column::ReviewTotal)
        .filter(assignment::Column::CallId.eq(call))
        .filter(assignment::Column::Status.eq(AssignmentStatus::Submitted.code()))
        .order_by_asc(assignment::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(application, reviewer, total)| {
            total.map(|total| ScoredReview {
                application,
                reviewer,
                total,
            })
        })
        .collect())
}

impl Tx {
    /// The application `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn application(&self, id: Uuid) -> Result<ApplicationRecord, RepoError> {
        application(&self.tx, id).await
    }

    /// The applications among `ids` that exist, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn applications(&self, ids: &[Uuid]) -> Result<Vec<ApplicationRecord>, RepoError> {
        applications_where(&self.tx, application::Column::Id.is_in(ids.iter().copied())).await
    }

    /// Every application of `call_id` in one of `statuses`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn applications_of_call(
        &self,
        call_id: Uuid,
        statuses: &[ApplicationStatus],
    ) -> Result<Vec<ApplicationRecord>, RepoError> {
        let condition = application::Column::CallId
            .eq(call_id)
            .and(application::Column::Status.is_in(statuses.iter().map(|s| s.code())));
        applications_where(&self.tx, condition).await
    }

    /// The call `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn call(&self, id: Uuid) -> Result<CallRecord, RepoError> {
        call(&self.tx, id).await
    }

    /// The organisations among `ids` that exist.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn organizations(&self, ids: &[Uuid]) -> Result<Vec<Organization>, RepoError> {
        organizations(&self.tx, ids).await
    }

    /// The organisation `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn organization(&self, id: Uuid) -> Result<Organization, RepoError> {
        organizations(&self.tx, &[id])
            .await?
            .pop()
            .ok_or(RepoError::NotFound)
    }

    /// `user`'s role in organisation `organization`, when they belong to it.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn membership(
        &self,
        organization: Uuid,
        user: Uuid,
    ) -> Result<Option<MemberRole>, RepoError> {
        organization_member::Entity::find_by_id((organization, user))
            .one(&self.tx)
            .await?
            .map(|m| crate::organizations::decode_role(&m))
            .transpose()
    }

    /// The account `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn user(&self, id: Uuid) -> Result<User, RepoError> {
        user(&self.tx, id).await
    }

    /// The totals of every submitted review in `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn review_totals(&self, call: Uuid) -> Result<Vec<ScoredReview>, RepoError> {
        review_totals(&self.tx, call).await
    }
}
