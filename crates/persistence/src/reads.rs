//! The reads a use case makes inside its [`Tx`], so that it decides on what its own
//! transaction sees.

use crate::ids::uuids;
use domain::ids::{ApplicationId, CallId, OrganizationId, UserId};
use domain::organization::MemberRole;
use domain::scoring::ScoredReview;
use domain::status::ApplicationStatus;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, EntityTrait};

use crate::entity::{application, organization_member};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, CallRecord, Organization, User};
use crate::tx::Tx;

impl Tx {
    /// The application `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn application(&self, id: ApplicationId) -> Result<ApplicationRecord, RepoError> {
        let id = id.uuid();
        crate::applications::application(&self.tx, id).await
    }

    /// The applications among `ids` that exist, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn applications(
        &self,
        ids: &[ApplicationId],
    ) -> Result<Vec<ApplicationRecord>, RepoError> {
        crate::applications::applications_where(&self.tx, application::Column::Id.is_in(uuids(ids)))
            .await
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
        crate::applications::applications_where(&self.tx, condition).await
    }

    /// The call `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn call(&self, id: CallId) -> Result<CallRecord, RepoError> {
        let id = id.uuid();
        crate::calls::call(&self.tx, id).await
    }

    /// The organisations among `ids` that exist.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn organizations(
        &self,
        ids: &[OrganizationId],
    ) -> Result<Vec<Organization>, RepoError> {
        crate::organizations::organizations(&self.tx, &uuids(ids)).await
    }

    /// The organisation `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn organization(&self, id: OrganizationId) -> Result<Organization, RepoError> {
        let id = id.uuid();
        crate::organizations::organizations(&self.tx, &[id])
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
        organization: OrganizationId,
        user: UserId,
    ) -> Result<Option<MemberRole>, RepoError> {
        let organization = organization.uuid();
        let user = user.uuid();
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
    pub async fn user(&self, id: UserId) -> Result<User, RepoError> {
        let id = id.uuid();
        crate::accounts::user(&self.tx, id).await
    }

    /// The totals of every submitted review in `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn review_totals(&self, call: CallId) -> Result<Vec<ScoredReview>, RepoError> {
        let call = call.uuid();
        crate::scores::review_totals(&self.tx, call).await
    }
}
