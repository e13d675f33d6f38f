//! NGOs and their members: registering an organisation, changing its profile, and who
//! belongs to it. Only members see an organisation; only owners change it.

use chrono::{DateTime, Utc};
use domain::calendar::almaty_date;
use domain::ids::{OrganizationId, UserId};
use domain::organization::{
    MemberRole, MembershipError, OrganizationInput, OrganizationProfile, verification_note,
};
use domain::role::Role;
use persistence::records::{Member, Organization, Page};
use persistence::{Clash, RemoveMemberError, RepoError, Store};
use uuid::Uuid;

use crate::access::Caller;
use crate::error::{Conflict, Error};
use crate::expected::Expected;
use crate::keys::{self, Remember};

/// Registers an organisation from `input`, unverified; the caller, an applicant, becomes
/// its owner. A BIN another organisation claims is no obstacle: only an officer's
/// verification makes a BIN unique.
///
/// # Errors
/// [`Error::Invalid`] naming every field that breaks a rule.
pub async fn create(
    store: &Store,
    caller: Caller,
    input: OrganizationInput<'_>,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, Organization>>,
) -> Result<Organization, Error> {
    caller.require(
        Role::Applicant,
        "organisations are managed by applicant accounts",
    )?;
    let profile = OrganizationProfile::create(input, almaty_date(now))?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let organization = tx.create_organization(caller.id, profile, now).await?;
    keys::commit(tx, remember, &organization).await?;
    Ok(organization)
}

/// Organisations as one caller sees them: operator staff see every organisation, anyone
/// else those they belong to, with their role in each; `verified` keeps only verified or
/// only unverified ones. Oldest first, `limit` at a time after the cursor `after`.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub async fn list(
    store: &Store,
    caller: Caller,
    verified: Option<bool>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<(Organization, Option<MemberRole>)>, Error> {
    if caller.staff().is_some() {
        let page = store.list_organizations(verified, after, limit).await?;
        return Ok(Page {
            items: page.items.into_iter().map(|org| (org, None)).collect(),
            next: page.next,
        });
    }
    // A person belongs to a handful of organisations: page them here.
    let mut mine: Vec<_> = store
        .organizations_of(caller.id)
        .await?
        .into_iter()
        .filter(|(org, _)| verified.is_none_or(|v| v == org.verification.is_some()))
        .filter(|(org, _)| after.is_none_or(|after| org.id.uuid() > after))
        .map(|(org, role)| (org, Some(role)))
        .collect();
    let shown = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = (mine.len() > shown).then(|| {
        mine.truncate(shown);
        mine.last().map(|(org, _)| org.id.uuid())
    });
    Ok(Page {
        items: mine,
        next: next.flatten(),
    })
}

/// Organisation `id`, with the caller's role in it; operator staff read every
/// organisation (and have no role in it).
///
/// # Errors
/// [`Error::NotFound`] unless the caller belongs to it or is staff.
pub async fn one(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
) -> Result<(Organization, Option<MemberRole>), Error> {
    if caller.staff().is_some() {
        return Ok((store.get_organization(id).await?, None));
    }
    let (organization, role) = store.organization_for_member(id, caller.id).await?;
    Ok((organization, Some(role)))
}

/// Records that the caller, an officer, checked organisation `id` against the state
/// registry, with `note` saying how. From then on its BIN is unique among verified
/// organisations, and calls that require verified applicants admit it.
///
/// # Errors
/// [`Error::Forbidden`] unless the caller is an officer; [`Error::Invalid`] for a missing
/// or long note; [`Error::NotFound`]; a store conflict when it is verified already or
/// another verified organisation holds its BIN.
pub async fn verify(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
    note: &str,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, Organization>>,
) -> Result<Organization, Error> {
    caller.require(Role::Officer, "officers verify organisations")?;
    let note = verification_note(note)?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let organization = tx.verify_organization(id, caller.id, note, now).await?;
    keys::commit(tx, remember, &organization).await?;
    Ok(organization)
}

/// Changes the profile of organisation `id` with `patch` (owners). Another name or BIN
/// clears an officer's verification.
///
/// # Errors
/// [`Error::NotFound`] unless the caller belongs to it; [`Error::Forbidden`] for members
/// who are not owners; [`Error::Invalid`]; [`Error::Stale`] when `expected` names another
/// version.
pub async fn update(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
    expected: Expected,
    patch: OrganizationInput<'_>,
    now: DateTime<Utc>,
) -> Result<(Organization, MemberRole), Error> {
    let (organization, role) = store.organization_for_member(id, caller.id).await?;
    if !role.manages() {
        return Err(Error::Forbidden("only owners change the organisation"));
    }
    let profile = organization.profile.update(patch, almaty_date(now))?;
    if !expected.admits(organization.version) {
        return Err(Error::Stale);
    }
    let unverify =
        organization.verification.is_some() && organization.profile.identity_differs(&profile);
    match store
        .update_organization(
            organization.id,
            profile,
            Some(organization.version),
            unverify,
            now,
        )
        .await
    {
        Ok(updated) => Ok((updated, role)),
        Err(RepoError::Conflict(Clash::Version)) if expected != Expected::Any => Err(Error::Stale),
        Err(err) => Err(err.into()),
    }
}

/// The members of organisation `id`, for its members.
///
/// # Errors
/// [`Error::NotFound`] unless the caller belongs to it.
pub async fn members(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
) -> Result<Vec<Member>, Error> {
    store.organization_for_member(id, caller.id).await?;
    Ok(store.members(id).await?)
}

/// Removes `target` from organisation `id` (owners), or the caller leaves it. The last
/// owner cannot leave.
///
/// # Errors
/// [`Error::NotFound`] unless both belong to it; [`Error::Forbidden`] for a member
/// removing someone else; [`Conflict::LastOwner`].
pub async fn remove_member(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
    target: UserId,
) -> Result<(), Error> {
    match store.remove_member(id, caller.id, target).await {
        Ok(()) => Ok(()),
        Err(RemoveMemberError::Repo(err)) => Err(err.into()),
        Err(RemoveMemberError::Rule(MembershipError::NotOwner)) => {
            Err(Error::Forbidden("only owners remove other members"))
        }
        Err(RemoveMemberError::Rule(MembershipError::LastOwner)) => Err(Conflict::LastOwner.into()),
    }
}
