//! The server's credentials machinery, as the use cases reach it.

use domain::ids::UserId;
use usecases::Error;
use usecases::signin::{CodeKind, Credentials};

use super::confirm::{self, Confirmations};
use super::password;

/// Argon2id hashing on blocking threads, random nonces and the keyed mailed codes.
#[derive(Debug, Clone, Copy)]
pub struct ServerCredentials<'a> {
    /// The keys of the mailed codes.
    pub confirmations: &'a Confirmations,
}

fn unexpected(err: impl std::fmt::Display) -> Error {
    Error::Unexpected(err.to_string())
}

impl Credentials for ServerCredentials<'_> {
    async fn hash(&self, password: String) -> Result<String, Error> {
        password::hash(password).await.map_err(unexpected)
    }

    async fn verify(&self, password: String, hash: String) -> Result<bool, Error> {
        password::verify(password, hash).await.map_err(unexpected)
    }

    async fn dummy_hash(&self) -> String {
        password::dummy_hash().await.to_owned()
    }

    fn nonce(&self) -> Result<String, Error> {
        confirm::nonce().map_err(unexpected)
    }

    fn code_account(&self, code: &str) -> Option<UserId> {
        Confirmations::parse(code).map(|claim| UserId(claim.user_id))
    }

    fn code_holds(&self, kind: CodeKind, code: &str, nonce: &str) -> bool {
        let Some(claim) = Confirmations::parse(code) else {
            return false;
        };
        match kind {
            CodeKind::Confirmation => self.confirmations.holds(&claim, nonce),
            CodeKind::Reset => self.confirmations.reset_holds(&claim, nonce),
        }
    }

    fn number_holds(&self, account: UserId, nonce: &str, number: &str) -> bool {
        self.confirmations
            .number_holds(account.uuid(), nonce, number)
    }
}
