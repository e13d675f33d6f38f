//! A call's publication and early closing.

use chrono::{DateTime, Utc};
use domain::call::{self, CallState};
use domain::role::Role;
use persistence::Store;
use persistence::Tx;
use persistence::records::CallRecord;
use uuid::Uuid;

use crate::access::Caller;
use crate::error::Error;
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
    id: Uuid,
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
    id: Uuid,
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
    id: Uuid,
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
