//! Editing the working content of an application.

use chrono::{DateTime, Utc};
use domain::application::ContentInput;
use domain::ids::ApplicationId;
use persistence::records::ApplicationRecord;
use persistence::{Clash, RepoError, Store};

use crate::access::{Access, Caller};
use crate::error::{Conflict, Error};
use crate::expected::Expected;
use crate::transitions::access_in;

/// Applies `patch` to the working content of application `id` (members of the applying
/// organisation, while the content is not frozen).
///
/// # Errors
/// [`Error::Forbidden`] for anyone else who may see it; [`Conflict::ContentFrozen`];
/// [`Error::Stale`] when `expected` names another version; [`Error::Invalid`].
pub async fn edit(
    store: &Store,
    caller: Caller,
    id: ApplicationId,
    expected: Expected,
    patch: ContentInput,
    now: DateTime<Utc>,
) -> Result<(ApplicationRecord, Access), Error> {
    let tx = store.begin().await?;
    let record = tx.application(id).await?;
    let access = access_in(&tx, caller, &record).await?;
    if access != Access::Member {
        return Err(Error::Forbidden(
            "only members of the organisation edit its applications",
        ));
    }
    if record.status.content_frozen() {
        return Err(Conflict::ContentFrozen(record.status.as_seen_by_applicant()).into());
    }
    if !expected.admits(record.version) {
        return Err(Error::Stale);
    }
    let content = record.content.merge(patch)?;
    let updated = match tx.update_content(id, &content, record.version, now).await {
        Ok(updated) => updated,
        Err(RepoError::Conflict(Clash::Version)) if expected != Expected::Any => {
            return Err(Error::Stale);
        }
        Err(err) => return Err(err.into()),
    };
    tx.commit().await?;
    Ok((updated, access))
}
