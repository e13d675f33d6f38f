//! What the sign-in use cases need from the server's credentials machinery.

use domain::ids::UserId;
use std::future::Future;

use crate::error::{CodeKind, Error};

/// The credentials machinery the server provides.
pub trait Credentials: Send + Sync {
    /// The Argon2id hash of `password`, computed off the async workers.
    fn hash(&self, password: String) -> impl Future<Output = Result<String, Error>> + Send;

    /// Whether `password` matches `hash`.
    fn verify(
        &self,
        password: String,
        hash: String,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// A hash to check a password against when no account has the address, so that an
    /// unknown address costs the same work as a wrong password.
    fn dummy_hash(&self) -> impl Future<Output = String> + Send;

    /// A fresh random nonce for a mailed code.
    ///
    /// # Errors
    /// [`Error::Unexpected`] when the random source fails.
    fn nonce(&self) -> Result<String, Error>;

    /// The account `code` names, when it is shaped like a mailed code.
    fn code_account(&self, code: &str) -> Option<UserId>;

    /// Whether `code` is a code of `kind` made for its account with `nonce`.
    fn code_holds(&self, kind: CodeKind, code: &str, nonce: &str) -> bool;

    /// Whether `number` is the confirmation number of account `account` for `nonce`.
    fn number_holds(&self, account: UserId, nonce: &str, number: &str) -> bool;
}
