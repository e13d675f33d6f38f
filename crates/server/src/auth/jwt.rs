//! Access tokens: HS256 JWTs with the algorithm pinned and `iss`, `aud`, `exp`, `nbf` checked.

use chrono::{DateTime, Utc};
use domain::role::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Secret;
use crate::error::ApiError;

/// The issuer every token names.
pub const ISSUER: &str = "grants";
/// The audience every token names.
pub const AUDIENCE: &str = "grants-api";
/// Tolerated clock difference, in seconds, for `nbf`.
const LEEWAY_SECS: i64 = 30;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The account.
    pub sub: Uuid,
    /// The account's role when the token was issued.
    pub role: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: i64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys from the HMAC `secret`; tokens live `ttl_secs` seconds.
    #[must_use]
    pub fn new(secret: &Secret, ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // Expiry and not-before are checked against the service's clock below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            ttl_secs,
        }
    }

    /// Seconds an access token lives.
    #[must_use]
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Issues a token for `user` with `role` at `now`.
    ///
    /// # Errors
    /// [`ApiError::Internal`] when signing fails.
    pub fn issue(&self, user: Uuid, role: Role, now: DateTime<Utc>) -> Result<String, ApiError> {
        let iat = now.timestamp();
        let claims = Claims {
            sub: user,
            role: role.code().to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat,
            nbf: iat,
            exp: iat + self.ttl_secs,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// Verifies `token` at `now`.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`] for a malformed, forged, expired or foreign token.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::Unauthorized("the access token is invalid"))?;
        let claims = data.claims;
        let now = now.timestamp();
        if claims.exp <= now {
            return Err(ApiError::Unauthorized("the access token has expired"));
        }
        if claims.nbf > now + LEEWAY_SECS {
            return Err(ApiError::Unauthorized("the access token is not valid yet"));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::Duration;

    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&Secret::new("0123456789abcdef0123456789abcdef"), 900)
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let user = Uuid::new_v4();
        let token = keys().issue(user, Role::Officer, now()).unwrap_or_default();
        let claims = keys().verify(&token, now() + Duration::seconds(899));
        assert_eq!(
            claims.map(|c| (c.sub, c.role)).ok(),
            Some((user, "officer".to_owned()))
        );
        assert!(
            keys()
                .verify(&token, now() + Duration::seconds(900))
                .is_err()
        );
        assert!(
            keys()
                .verify(&token, now() - Duration::seconds(60))
                .is_err()
        );
    }

    #[test]
    fn another_secret_or_alg_none_is_refused() {
        let token = keys()
            .issue(Uuid::new_v4(), Role::Admin, now())
            .unwrap_or_default();
        let other = JwtKeys::new(&Secret::new("another-secret-of-at-least-32-chars"), 900);
        assert!(other.verify(&token, now()).is_err());
        let payload = token.split('.').nth(1).unwrap_or_default();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(
            keys()
                .verify(&format!("{header}.{payload}."), now())
                .is_err()
        );
    }
}
