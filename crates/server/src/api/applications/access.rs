//! Who may see an application, and in which capacity they act on it.

use domain::role::Role;
use persistence::RepoError;
use persistence::records::{ApplicationRecord, Organization};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub use usecases::Access;

/// Whether `caller` belongs to `organization`.
///
/// # Errors
/// [`ApiError`] when the database fails.
pub async fn is_member(
    state: &AppState,
    caller: Caller,
    organization: Uuid,
) -> Result<bool, ApiError> {
    match state
        .store
        .organization_for_member(organization, caller.id)
        .await
    {
        Ok(_) => Ok(true),
        Err(RepoError::NotFound) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// The caller's access to `application`. Anyone else is told it does not exist.
///
/// # Errors
/// [`ApiError::NotFound`] for callers who may not see it.
pub async fn access(
    state: &AppState,
    caller: Caller,
    application: &ApplicationRecord,
) -> Result<Access, ApiError> {
    let member = caller.role == Role::Applicant
        && is_member(state, caller, application.organization_id).await?;
    let assigned = caller.role == Role::Reviewer
        && state
            .store
            .assignments_of_application(application.id)
            .await?
            .iter()
            .any(|a| a.reviewer_id == caller.id && a.status.is_active());
    Access::of(caller.acting(), member, assigned).ok_or(ApiError::NotFound)
}

/// Loads application `id` with the caller's access to it.
///
/// # Errors
/// [`ApiError::NotFound`] when it does not exist or the caller may not see it.
pub async fn load(
    state: &AppState,
    caller: Caller,
    id: Uuid,
) -> Result<(ApplicationRecord, Access), ApiError> {
    let record = state.store.get_application(id).await?;
    let access = access(state, caller, &record).await?;
    Ok((record, access))
}

/// Loads application `id` with the caller's access to it and, unless the caller reviews a
/// call that hides applicants, the applying organisation. A member's organisation comes
/// with the membership check, so a member's read costs one query less.
///
/// # Errors
/// [`ApiError::NotFound`] when it does not exist or the caller may not see it.
pub async fn load_with_organization(
    state: &AppState,
    caller: Caller,
    id: Uuid,
) -> Result<(ApplicationRecord, Access, Option<Organization>), ApiError> {
    let record = state.store.get_application(id).await?;
    if caller.role == Role::Applicant {
        return match state
            .store
            .organization_for_member(record.organization_id, caller.id)
            .await
        {
            Ok((organization, _)) => Ok((record, Access::Member, Some(organization))),
            Err(RepoError::NotFound) => Err(ApiError::NotFound),
            Err(err) => Err(err.into()),
        };
    }
    let access = access(state, caller, &record).await?;
    let hidden = match access {
        Access::Reviewer => {
            state
                .store
                .get_call(record.call_id)
                .await?
                .spec
                .hide_applicant_identity
        }
        Access::Member | Access::Staff(_) => false,
    };
    let organization = if hidden {
        None
    } else {
        Some(state.store.get_organization(record.organization_id).await?)
    };
    Ok((record, access, organization))
}
