//! Grant calls: drafting, editing, publishing and closing them (officers), and reading
//! them (anyone may read a published call; drafts are for staff).

use chrono::{DateTime, Utc};
use domain::call::{self, CallInput, CallPhase, CallSpec, CallState};
use domain::ids::CallId;
use domain::role::Role;
use persistence::calls::CallFilter;
use persistence::records::{CallRecord, OffsetPage};
use persistence::{Clash, RepoError, Store, Tx};

use crate::access::Caller;
use crate::error::Error;
use crate::expected::Expected;
use crate::keys::{self, Remember};

const OFFICERS_ONLY: &str = "only programme officers manage calls";

/// Publishes draft call `id` (officers). It opens for applications at its opening instant
/// and closes by itself at its closing instant.
///
/// # Errors
/// [`Error::CallRefused`] when it is not a draft or its closing instant has passed.
pub async fn publish(
    store: &Store,
    caller: Caller,
    id: CallId,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, CallRecord>>,
) -> Result<CallRecord, Error> {
    change_state(store, caller, id, now, remember, |record| {
        call::publish(record.state, &record.spec, now)
    })
    .await
}

/// Closes published call `id` before its closing instant (officers).
///
/// # Errors
/// [`Error::CallRefused`] when it is not published.
pub async fn close(
    store: &Store,
    caller: Caller,
    id: CallId,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, CallRecord>>,
) -> Result<CallRecord, Error> {
    change_state(store, caller, id, now, remember, |record| {
        call::close(record.state)
    })
    .await
}

async fn change_state(
    store: &Store,
    caller: Caller,
    id: CallId,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, CallRecord>>,
    next: impl FnOnce(&CallRecord) -> Result<CallState, call::CallTransitionError>,
) -> Result<CallRecord, Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    let tx: Tx = keys::begin(store, remember.as_ref()).await?;
    tx.lock_call(id).await?;
    let record = tx.call(id).await?;
    let state = next(&record).map_err(Error::CallRefused)?;
    let updated = tx.set_call_state(id, state, record.version, now).await?;
    keys::commit(tx, remember, &updated).await?;
    Ok(updated)
}

fn is_staff(caller: Option<Caller>) -> bool {
    caller.is_some_and(|c| c.staff().is_some())
}

/// A page of calls matching `filter`: staff may ask for calls in any phase (all phases
/// when none is named); anyone else sees calls open or opening soon (open ones when they
/// name neither).
///
/// # Errors
/// [`Error::Store`] when the database fails.
pub async fn list(
    store: &Store,
    caller: Option<Caller>,
    mut filter: CallFilter,
    page: u64,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<OffsetPage<CallRecord>, Error> {
    if !is_staff(caller) {
        filter.phases.retain(|phase| public_phase(*phase));
        if filter.phases.is_empty() {
            filter.phases.push(CallPhase::Open);
        }
    }
    Ok(store.list_calls(&filter, now, page, limit).await?)
}

/// Whether anyone may list calls in `phase`.
const fn public_phase(phase: CallPhase) -> bool {
    match phase {
        CallPhase::Open | CallPhase::Scheduled => true,
        CallPhase::Draft | CallPhase::Closed | CallPhase::Decided => false,
    }
}

/// Call `id`; a draft only for staff.
///
/// # Errors
/// [`Error::NotFound`] for an unknown call, or a draft read by anyone else.
pub async fn one(store: &Store, caller: Option<Caller>, id: CallId) -> Result<CallRecord, Error> {
    let record = store.get_call(id).await?;
    if record.state == CallState::Draft && !is_staff(caller) {
        return Err(Error::NotFound);
    }
    Ok(record)
}

/// Drafts a call from `input` (officers).
///
/// # Errors
/// [`Error::Invalid`] naming every field that breaks a rule.
pub async fn create(
    store: &Store,
    caller: Caller,
    input: CallInput,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, CallRecord>>,
) -> Result<CallRecord, Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    let spec = CallSpec::create(input)?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    let record = tx.insert_call(&spec, caller.id, now).await?;
    keys::commit(tx, remember, &record).await?;
    Ok(record)
}

/// Changes draft call `id` with `patch` (officers).
///
/// # Errors
/// [`Error::CallRefused`] once it is published; [`Error::Stale`] when `expected` names
/// another version; [`Error::Invalid`].
pub async fn update(
    store: &Store,
    caller: Caller,
    id: CallId,
    expected: Expected,
    patch: CallInput,
    now: DateTime<Utc>,
) -> Result<CallRecord, Error> {
    caller.require(Role::Officer, OFFICERS_ONLY)?;
    let tx = store.begin().await?;
    tx.lock_call(id).await?;
    let record = tx.call(id).await?;
    call::check_editable(record.state).map_err(Error::CallRefused)?;
    if !expected.admits(record.version) {
        return Err(Error::Stale);
    }
    let spec = record.spec.update(patch)?;
    let updated = match tx.update_call(id, &spec, record.version, now).await {
        Ok(updated) => updated,
        Err(RepoError::Conflict(Clash::Version)) if expected != Expected::Any => {
            return Err(Error::Stale);
        }
        Err(err) => return Err(err.into()),
    };
    tx.commit().await?;
    Ok(updated)
}
