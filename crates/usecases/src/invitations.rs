//! Joining an organisation by invitation: an owner invites an address, and only the
//! holder of a confirmed applicant account with that address becomes a member, by
//! accepting before it expires. Inviting answers alike whether or not the address has an
//! account, so it tells nobody which addresses are registered.

use chrono::{DateTime, Utc};
use domain::email::Email;
use domain::ids::{InvitationId, OrganizationId};
use domain::invitation::{InvitationAction, decide};
use domain::organization::MemberRole;
use domain::role::Role;
use persistence::records::Invitation;
use persistence::{Clash, RepoError, Store};

use crate::access::Caller;
use crate::error::{Conflict, Error, invalid};
use crate::keys::{self, Remember};

/// Invites `email` to organisation `id` as `role` (owners). The holder of a confirmed
/// applicant account with that address is mailed; anyone who registers the address later
/// finds the invitation waiting. Inviting an address again renews its pending invitation.
///
/// # Errors
/// [`Error::NotFound`] unless the caller belongs to it; [`Error::Forbidden`] for members
/// who are not owners; [`Error::Invalid`] for a malformed address; a store conflict when
/// the address already belongs to a member.
pub async fn invite(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
    email: &str,
    role: MemberRole,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, Invitation>>,
) -> Result<Invitation, Error> {
    let (_, own_role) = store.organization_for_member(id, caller.id).await?;
    if !own_role.manages() {
        return Err(Error::Forbidden("only owners invite members"));
    }
    let email =
        Email::parse(email).map_err(|e| invalid("email", "invalid_email", e.to_string()))?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let invitation = tx.invite(id, &email, role, caller.id, now).await?;
    keys::commit(tx, remember, &invitation).await?;
    Ok(invitation)
}

/// The invitations of organisation `id`, newest first, for its members.
///
/// # Errors
/// [`Error::NotFound`] unless the caller belongs to it.
pub async fn of_organization(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
) -> Result<Vec<Invitation>, Error> {
    store.organization_for_member(id, caller.id).await?;
    Ok(store.invitations_of(id).await?)
}

/// Withdraws pending invitation `invitation` of organisation `id` (owners).
///
/// # Errors
/// [`Error::NotFound`] unless the caller belongs to it and the invitation is its own;
/// [`Error::Forbidden`] for members who are not owners; [`Conflict::InvitationClosed`]
/// when it was answered, withdrawn or expired.
pub async fn revoke(
    store: &Store,
    caller: Caller,
    id: OrganizationId,
    invitation: InvitationId,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let (_, own_role) = store.organization_for_member(id, caller.id).await?;
    if !own_role.manages() {
        return Err(Error::Forbidden("only owners withdraw invitations"));
    }
    let tx = store.begin().await?;
    let found = tx.invitation_of(id, invitation).await?;
    let state = decide(found.status(now), InvitationAction::Revoke)
        .map_err(|why| Error::from(Conflict::InvitationClosed(why)))?;
    settle(&tx, found.id, state, caller, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The invitations addressed to the caller that still wait for an answer. Only applicant
/// accounts join organisations, so staff have none.
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub async fn mine(
    store: &Store,
    caller: Caller,
    now: DateTime<Utc>,
) -> Result<Vec<Invitation>, Error> {
    if caller.role != Role::Applicant {
        return Ok(Vec::new());
    }
    Ok(store.open_invitations_for(caller.id, now).await?)
}

/// Accepts (the caller joins the organisation in the invitation's role) or declines
/// invitation `id`, addressed to the caller.
///
/// # Errors
/// [`Error::Forbidden`] for staff accounts; [`Error::NotFound`] unless it is addressed to
/// the caller's address; [`Conflict::InvitationClosed`] when it was answered, withdrawn
/// or expired.
pub async fn answer(
    store: &Store,
    caller: Caller,
    id: InvitationId,
    accept: bool,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, Invitation>>,
) -> Result<Invitation, Error> {
    caller.require(
        Role::Applicant,
        "only applicant accounts join organisations",
    )?;
    let action = if accept {
        InvitationAction::Accept
    } else {
        InvitationAction::Decline
    };
    let tx = keys::begin(store, remember.as_ref()).await?;
    let found = tx.invitation_for(id, caller.id).await?;
    let state = decide(found.status(now), action)
        .map_err(|why| Error::from(Conflict::InvitationClosed(why)))?;
    let settled = settle(&tx, found.id, state, caller, now).await?;
    keys::commit(tx, remember, &settled).await?;
    Ok(settled)
}

async fn settle(
    tx: &persistence::Tx,
    id: InvitationId,
    state: domain::invitation::InvitationState,
    caller: Caller,
    now: DateTime<Utc>,
) -> Result<Invitation, Error> {
    match tx.settle_invitation(id, state, caller.id, now).await {
        Ok(settled) => Ok(settled),
        // Another answer or a withdrawal committed first.
        Err(RepoError::Conflict(Clash::Status)) => Err(Conflict::InvitationClosed(
            domain::invitation::InvitationError::Settled("answered"),
        )
        .into()),
        Err(err) => Err(err.into()),
    }
}
