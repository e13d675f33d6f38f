//! Argon2id password hashing, run off the async runtime.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::ApiError;

/// Hashes `password` with Argon2id and a random salt into a PHC string.
///
/// # Errors
/// [`ApiError::Internal`] when hashing fails or the blocking pool is gone.
pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2 hashing failed: {e}")))
    })
    .await
    .map_err(ApiError::internal)?
}

/// Whether `password` matches the PHC string `hash`. A malformed stored hash never matches.
///
/// # Errors
/// [`ApiError::Internal`] when the blocking pool is gone.
pub async fn verify(password: String, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(ApiError::internal)
}

/// A valid hash of a random password, verified against when an unknown e-mail logs in so
/// that the response takes as long as for a known one.
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            let random = uuid::Uuid::new_v4().to_string();
            hash(random).await.unwrap_or_default()
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hashed = hash("көктем-ауыл-2026".to_owned())
            .await
            .unwrap_or_default();
        assert!(hashed.starts_with("$argon2id$"));
        assert_eq!(
            verify("көктем-ауыл-2026".to_owned(), hashed.clone())
                .await
                .ok(),
            Some(true)
        );
        assert_eq!(
            verify("көктем-ауыл-2027".to_owned(), hashed).await.ok(),
            Some(false)
        );
        assert_eq!(
            verify("x".to_owned(), "not a hash".to_owned()).await.ok(),
            Some(false)
        );
    }
}
