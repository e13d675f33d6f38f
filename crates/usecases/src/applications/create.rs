//! Starting a draft application.

use chrono::{DateTime, Utc};
use domain::application::{ApplicationContent, ContentInput};
use domain::call::{self, CallPhase};
use domain::ids::{CallId, OrganizationId};
use domain::role::Role;
use persistence::applications::NewDraft;
use persistence::records::{ApplicationRecord, CallRecord, Organization};
use persistence::{RepoError, Store};

use crate::access::Caller;
use crate::error::{Conflict, Error, invalid};
use crate::keys::{self, Remember};

fn not_a_member() -> Error {
    invalid(
        "organization_id",
        "not_a_member",
        "you are not a member of this organisation",
    )
}

/// Starts a draft application to open call `call_id` on behalf of `organization`, which
/// the caller belongs to. The call's lock (its shared form: drafts to one call go on side
/// by side) and the organisation's lock are held while the call's phase and the
/// membership are read, so a call closing or a member leaving at the same moment is
/// either seen here or happens after the draft exists.
///
/// # Errors
/// [`Error::NotFound`] for an unknown or unpublished call; [`Conflict::CallNotOpen`];
/// [`Error::Invalid`] when the caller is not a member or the content breaks a rule.
pub async fn create(
    store: &Store,
    caller: Caller,
    call_id: CallId,
    organization: OrganizationId,
    content: ContentInput,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, ApplicationRecord>>,
) -> Result<ApplicationRecord, Error> {
    caller.require(Role::Applicant, "only members of an NGO apply")?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    tx.share_call(call_id).await?;
    let call = tx.call(call_id).await?;
    match call::phase(call.state, call.spec.opens_at, call.spec.closes_at, now) {
        CallPhase::Open => {}
        CallPhase::Draft => return Err(Error::NotFound),
        CallPhase::Scheduled | CallPhase::Closed | CallPhase::Decided => {
            return Err(Conflict::CallNotOpen.into());
        }
    }
    match tx.lock_organization(organization).await {
        Ok(()) => {}
        Err(RepoError::NotFound) => return Err(not_a_member()),
        Err(err) => return Err(err.into()),
    }
    if tx.membership(organization, caller.id).await?.is_none() {
        return Err(not_a_member());
    }
    let content = ApplicationContent::default().merge(content)?;
    let region = tx.organization(organization).await?.profile.region;
    let draft = NewDraft {
        call_id,
        organization_id: organization,
        region,
        created_by: caller.id,
        content: &content,
    };
    let record = tx.insert_draft(&draft, now).await?;
    keys::commit(tx, remember, &record).await?;
    Ok(record)
}

/// The organisations the caller may start an application to `call` for, at `now`: those
/// they belong to, while the call is open and they are an applicant; `None` when they may
/// not apply at all.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub async fn applying_for(
    store: &Store,
    caller: Option<Caller>,
    call: &CallRecord,
    now: DateTime<Utc>,
) -> Result<Option<Vec<Organization>>, Error> {
    let Some(caller) = caller.filter(|c| c.role == Role::Applicant) else {
        return Ok(None);
    };
    match call::phase(call.state, call.spec.opens_at, call.spec.closes_at, now) {
        CallPhase::Open => {}
        CallPhase::Draft | CallPhase::Scheduled | CallPhase::Closed | CallPhase::Decided => {
            return Ok(None);
        }
    }
    let mine = store.organizations_of(caller.id).await?;
    Ok(Some(mine.into_iter().map(|(org, _)| org).collect()))
}
