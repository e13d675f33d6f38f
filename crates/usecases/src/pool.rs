//! A call's reviewer pool: who may be assigned its applications.

use chrono::{DateTime, Utc};
use domain::ids::{CallId, UserId};
use domain::role::Role;
use std::collections::BTreeSet;

use persistence::records::{PoolMember, User};
use persistence::{Clash, RepoError, Store};

use crate::access::Caller;
use crate::error::{Conflict, Error, invalid};
use crate::keys::{self, Remember};

const OFFICERS_ONLY: &str = "only programme officers manage reviews";

/// Adds reviewer account `reviewer` to the pool of call `call` (officers).
///
/// # Errors
/// [`Error::Invalid`] when `reviewer` is not a reviewer's account;
/// [`Conflict::AlreadyInPool`].
pub async fn add(
    store: &Store,
    caller: Caller,
    call: CallId,
    reviewer: UserId,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, PoolMember>>,
) -> Result<PoolMember, Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    tx.lock_call(call).await?;
    let account = match tx.user(reviewer).await {
        Ok(user) if user.role == Role::Reviewer => user,
        Ok(_) | Err(RepoError::NotFound) => {
            return Err(invalid(
                "reviewer_id",
                "not_a_reviewer",
                "no reviewer account has this id",
            ));
        }
        Err(err) => return Err(err.into()),
    };
    match tx.add_pool_member(call, reviewer, caller.id, now).await {
        Ok(()) => {}
        Err(RepoError::Conflict(Clash::PoolMember)) => return Err(Conflict::AlreadyInPool.into()),
        Err(err) => return Err(err.into()),
    }
    let member = PoolMember {
        reviewer_id: account.id,
        name: account.name,
        email: account.email,
        added_at: now,
    };
    keys::commit(tx, remember, &member).await?;
    Ok(member)
}

/// Removes `reviewer` from the pool of call `call` (officers). A reviewer who still holds
/// an assignment in the call stays: they decline it first, or it is finished.
///
/// # Errors
/// [`Error::NotFound`] when the call does not exist or the reviewer is not in its pool;
/// [`Conflict::StillAssigned`].
pub async fn remove(
    store: &Store,
    caller: Caller,
    call: CallId,
    reviewer: UserId,
) -> Result<(), Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    let tx = store.begin().await?;
    tx.lock_call(call).await?;
    if tx.active_assignments_of_reviewer(call, reviewer).await? > 0 {
        return Err(Conflict::StillAssigned.into());
    }
    tx.remove_pool_member(call, reviewer).await?;
    tx.commit().await?;
    Ok(())
}

/// The most reviewer accounts [`candidates`] offers.
pub const CANDIDATES_MAX: u64 = 500;

/// The reviewer accounts an officer may add to the pool of call `call`: active reviewers
/// not in it yet, by name (at most [`CANDIDATES_MAX`]).
///
/// # Errors
/// [`Error::Forbidden`] for anyone but officers; [`Error::NotFound`] for an unknown call.
pub async fn candidates(store: &Store, caller: Caller, call: CallId) -> Result<Vec<User>, Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    store.get_call(call).await?;
    let pool: BTreeSet<UserId> = store
        .pool(call)
        .await?
        .iter()
        .map(|m| m.reviewer_id)
        .collect();
    let mut reviewers: Vec<User> = store
        .list_users(Some(Role::Reviewer), None, CANDIDATES_MAX)
        .await?
        .items
        .into_iter()
        .filter(|u| !u.disabled && !pool.contains(&u.id))
        .collect();
    reviewers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(reviewers)
}
