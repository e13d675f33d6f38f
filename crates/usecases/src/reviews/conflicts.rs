//! Conflicts of interest a reviewer declares with an organisation.

use chrono::{DateTime, Utc};
use domain::ids::OrganizationId;
use domain::review::ConflictKind;
use domain::role::Role;
use persistence::records::ConflictRecord;
use persistence::reviews::NewConflict;
use persistence::{Clash, RepoError, Store};

use crate::access::Caller;
use crate::error::{Conflict, Error, invalid};
use crate::keys::{self, Remember};

/// The longest explanation of a conflict or a decline, in characters.
pub const EXPLANATION_MAX: usize = 2000;

/// The trimmed explanation in `field`, refused when blank, too long or holding control
/// characters.
pub(crate) fn explanation(field: &str, raw: &str) -> Result<String, Error> {
    domain::text::bounded(raw, EXPLANATION_MAX, true)
        .map_err(|e| invalid(field, "invalid", e.to_string()))
}

/// Records that the calling reviewer has a conflict of interest with `organization`; they
/// are not assigned its applications from then on, and their assignments on its undecided
/// applications end as recused (see [`super::recusal::recuse`]). Takes the lock of the
/// reviewer's account, which assignments to them also take, before the calls' locks.
///
/// # Errors
/// [`Error::Invalid`] for a blank description or an unknown organisation;
/// [`Conflict::ConflictAlreadyDeclared`].
pub async fn declare(
    store: &Store,
    caller: Caller,
    organization: OrganizationId,
    kind: ConflictKind,
    description: &str,
    now: DateTime<Utc>,
    remember: Option<Remember<'_, ConflictRecord>>,
) -> Result<ConflictRecord, Error> {
    caller.require(Role::Reviewer, "only reviewers do this")?;
    let description = explanation("description", description)?;
    let tx = keys::begin(store, remember.as_ref()).await?;
    tx.lock_account(caller.id).await?;
    super::recusal::lock_calls(&tx, caller.id, organization, None).await?;
    match tx.organization(organization).await {
        Ok(_) => {}
        Err(RepoError::NotFound) => {
            return Err(invalid(
                "organization_id",
                "unknown_organization",
                "no organisation has this id",
            ));
        }
        Err(err) => return Err(err.into()),
    }
    let new = NewConflict {
        reviewer_id: caller.id,
        organization_id: organization,
        kind,
        description,
        source: "profile",
    };
    let record = match tx.declare_conflict(new, now).await {
        Ok(record) => record,
        Err(RepoError::Conflict(Clash::DeclaredConflict)) => {
            return Err(Conflict::ConflictAlreadyDeclared.into());
        }
        Err(err) => return Err(err.into()),
    };
    super::recusal::recuse(&tx, caller.id, organization, now).await?;
    keys::commit(tx, remember, &record).await?;
    Ok(record)
}
