//! Idempotency keys inside a use case's transaction: the key is claimed by the
//! transaction's first write and answered just before it commits, so the change and its
//! stored answer are made together or not at all.

use persistence::idempotency::{KeyClaim, StoredResponse};
use persistence::{Clash, RepoError, Store, Tx};

use crate::error::Error;

/// A request's idempotency key, with how to render the use case's outcome into the answer
/// stored under it.
pub struct Remember<'a, T> {
    claim: KeyClaim,
    render: Box<dyn FnOnce(&T) -> StoredResponse + Send + Sync + 'a>,
}

impl<'a, T> Remember<'a, T> {
    /// The key of `claim`, answered with what `render` makes of the outcome.
    pub fn new(
        claim: KeyClaim,
        render: impl FnOnce(&T) -> StoredResponse + Send + Sync + 'a,
    ) -> Self {
        Self {
            claim,
            render: Box::new(render),
        }
    }
}

impl<T> std::fmt::Debug for Remember<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remember")
            .field("claim", &self.claim)
            .finish_non_exhaustive()
    }
}

/// Opens the use case's transaction and claims its key, if it has one.
///
/// # Errors
/// [`Error::AlreadyAnswered`] when another request with the key committed first.
pub(crate) async fn begin<T>(
    store: &Store,
    remember: Option<&Remember<'_, T>>,
) -> Result<Tx, Error> {
    let tx = store.begin().await?;
    if let Some(remember) = remember {
        match tx.claim_key(&remember.claim).await {
            Ok(()) => {}
            Err(RepoError::Conflict(Clash::IdempotencyKey)) => return Err(Error::AlreadyAnswered),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(tx)
}

/// Stores the answer to the key, if there is one, and commits.
///
/// # Errors
/// [`Error::Store`] when the database fails; nothing is written then.
pub(crate) async fn commit<T>(
    tx: Tx,
    remember: Option<Remember<'_, T>>,
    outcome: &T,
) -> Result<(), Error> {
    if let Some(remember) = remember {
        let answer = (remember.render)(outcome);
        tx.answer_key(&remember.claim, answer).await?;
    }
    tx.commit().await?;
    Ok(())
}
