//! Reading applications: who may see which, and in which capacity.

use domain::ids::{ApplicationId, CallId, OrganizationId};
use domain::role::Role;
use domain::status::ApplicationStatus;
use persistence::applications::{ApplicationFilter, Listed, Position, Reader, Right};
use persistence::records::{ApplicationRecord, EventRecord, Organization};
use persistence::{RepoError, Store};
use uuid::Uuid;

use crate::access::{Access, Caller};
use crate::error::Error;

/// Application `id` with the caller's access to it. Anyone who may not see it is told it
/// does not exist.
///
/// # Errors
/// [`Error::NotFound`] when it does not exist or the caller may not see it.
pub async fn access(
    store: &Store,
    caller: Caller,
    id: ApplicationId,
) -> Result<(ApplicationRecord, Access), Error> {
    let record = store.get_application(id).await?;
    let member = match caller.role {
        Role::Applicant => is_member(store, caller, record.organization_id).await?,
        Role::Reviewer | Role::Officer | Role::Admin => false,
    };
    let assigned = match caller.role {
        Role::Reviewer => store
            .assignments_of_application(record.id)
            .await?
            .iter()
            .any(|a| a.reviewer_id == caller.id && a.status.is_active()),
        Role::Applicant | Role::Officer | Role::Admin => false,
    };
    let access = Access::of(caller, member, assigned).ok_or(Error::NotFound)?;
    Ok((record, access))
}

async fn is_member(
    store: &Store,
    caller: Caller,
    organization: OrganizationId,
) -> Result<bool, Error> {
    match store.organization_for_member(organization, caller.id).await {
        Ok(_) => Ok(true),
        Err(RepoError::NotFound) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Application `id` as the caller sees it, with the applying organisation unless the
/// caller reviews a call that hides applicants. The application, the caller's right to see
/// it and whether the caller's login (`session`) is still open come in one statement; only
/// a refused read asks the database again, to tell an ended login (401) from an
/// application the caller may not see (404).
///
/// # Errors
/// [`Error::Unauthenticated`] when the login has ended; [`Error::NotFound`] when the
/// application does not exist or the caller may not see it.
pub async fn one(
    store: &Store,
    caller: Caller,
    session: Option<Uuid>,
    id: ApplicationId,
) -> Result<(ApplicationRecord, Access, Option<Organization>), Error> {
    let right = match caller.role {
        Role::Applicant => Right::Membership,
        Role::Reviewer => Right::Assignment,
        Role::Officer | Role::Admin => Right::Role,
    };
    let reader = Reader {
        user: caller.id,
        session,
        right,
    };
    let seen = store.application_seen_by(id, reader).await?;
    let allowed = seen.filter(|seen| seen.session_open).and_then(|seen| {
        let access = Access::of(caller, seen.member, seen.assigned)?;
        Some((seen, access))
    });
    let Some((seen, access)) = allowed else {
        return Err(refusal(store, session).await);
    };
    let hidden = match access {
        Access::Reviewer => seen.hides_applicant,
        Access::Member | Access::Staff(_) => false,
    };
    let organization = (!hidden).then_some(seen.organization);
    Ok((seen.application, access, organization))
}

/// Why a read was refused: the login ended, or the caller may not see what they asked for.
async fn refusal(store: &Store, session: Option<Uuid>) -> Error {
    match login_ended(store, session).await {
        Ok(None) => Error::NotFound,
        Ok(Some(ended)) | Err(ended) => ended,
    }
}

/// The refusal owed when the caller's login (`session`) has ended; `None` while it is open
/// or the token names none.
async fn login_ended(store: &Store, session: Option<Uuid>) -> Result<Option<Error>, Error> {
    let Some(session) = session else {
        return Ok(None);
    };
    Ok(
        (!store.session_open(session).await?).then_some(Error::Unauthenticated(
            "the session has ended; sign in again",
        )),
    )
}

/// The history of application `id`, oldest first, with the caller's access (members see
/// the applicant's view of it).
///
/// # Errors
/// [`Error::NotFound`] when the caller may not see the application; [`Error::Forbidden`]
/// for its reviewers.
pub async fn history(
    store: &Store,
    caller: Caller,
    id: ApplicationId,
) -> Result<(Vec<EventRecord>, Access), Error> {
    let (_, access) = access(store, caller, id).await?;
    if access == Access::Reviewer {
        return Err(Error::Forbidden(
            "reviewers do not read an application's history",
        ));
    }
    Ok((store.history(id).await?, access))
}

/// Which applications to list, and how.
#[derive(Debug, Clone)]
pub struct Listing {
    /// Only this call's.
    pub call_id: Option<CallId>,
    /// Only these statuses, as the caller knows them; all when empty.
    pub statuses: Vec<ApplicationStatus>,
    /// Only this organisation's.
    pub organization_id: Option<OrganizationId>,
    /// Only from this region.
    pub region: Option<domain::region::Region>,
    /// The order, and where the page starts.
    pub position: Position,
    /// The page's size.
    pub limit: u64,
}

/// The statuses to filter by for an applicant, who knows `reviewed` as `under_review`.
fn applicant_statuses(requested: &[ApplicationStatus]) -> Vec<ApplicationStatus> {
    requested
        .iter()
        .flat_map(|status| match status {
            ApplicationStatus::UnderReview => {
                vec![ApplicationStatus::UnderReview, ApplicationStatus::Reviewed]
            }
            ApplicationStatus::Reviewed => Vec::new(),
            ApplicationStatus::Draft
            | ApplicationStatus::Submitted
            | ApplicationStatus::RevisionRequested
            | ApplicationStatus::Waitlisted
            | ApplicationStatus::Approved
            | ApplicationStatus::Rejected
            | ApplicationStatus::Withdrawn
            | ApplicationStatus::Ineligible => vec![*status],
        })
        .collect()
}

/// A page of the applications the caller may see: members their organisations', staff
/// every one, in one statement that also checks the caller's login (`session`); only an
/// empty page asks again, to tell an ended login apart. Returns whether the caller sees the
/// applicant's view.
///
/// # Errors
/// [`Error::Forbidden`] for reviewers, who see applications through their assignments;
/// [`Error::Unauthenticated`] when the login has ended.
pub async fn list(
    store: &Store,
    caller: Caller,
    session: Option<Uuid>,
    listing: Listing,
) -> Result<(Listed, bool), Error> {
    let staff = match caller.role {
        Role::Officer | Role::Admin => true,
        Role::Applicant => false,
        Role::Reviewer => {
            return Err(Error::Forbidden(
                "reviewers see applications through their assignments",
            ));
        }
    };
    let statuses = if staff {
        listing.statuses.clone()
    } else {
        applicant_statuses(&listing.statuses)
    };
    let filter = ApplicationFilter {
        call_id: listing.call_id,
        statuses,
        organization_id: listing.organization_id,
        region: listing.region,
        member: (!staff).then_some(caller.id),
    };
    let nothing_to_find = !listing.statuses.is_empty() && filter.statuses.is_empty();
    let listed = if nothing_to_find {
        let page = match &listing.position {
            Position::Page { page, .. } => *page,
            Position::After(cursor) => cursor.page(),
        };
        Listed {
            items: Vec::new(),
            page,
            next: None,
        }
    } else {
        store
            .list_applications(&filter, &listing.position, listing.limit, session)
            .await?
    };
    if listed.items.is_empty()
        && let Some(ended) = login_ended(store, session).await?
    {
        return Err(ended);
    }
    Ok((listed, !staff))
}
