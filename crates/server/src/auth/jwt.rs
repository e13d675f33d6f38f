//! Access tokens: HS256 JWTs with the algorithm pinned and `iss`, `aud`, `exp`, `nbf` checked.
//!
//! Every token names its key in `kid`, so the secret can be rotated: tokens signed with a
//! previous secret stay valid (until they expire) while that secret is listed as previous.

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
    /// The login (refresh-token family) the token belongs to; logging out ends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    kid: String,
    encoding: EncodingKey,
    /// The current key first, then the previous ones, each with its `kid`.
    decoding: Vec<(String, DecodingKey)>,
    validation: Validation,
    ttl_secs: i64,
}

/// The key id of `secret`: the first 8 bytes of its SHA-256, in hex. It names the key
/// without revealing anything usable about a secret of 32 characters or more.
#[must_use]
pub fn key_id(secret: &Secret) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(secret.expose().as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
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
        Self::rotated(secret, &[], ttl_secs)
    }

    /// Keys that sign with `secret` and also accept tokens signed with any of `previous`.
    #[must_use]
    pub fn rotated(secret: &Secret, previous: &[Secret], ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // Expiry and not-before are checked against the service's clock below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let decoding = std::iter::once(secret)
            .chain(previous)
            .map(|s| (key_id(s), DecodingKey::from_secret(s.expose().as_bytes())))
            .collect();
        Self {
            kid: key_id(secret),
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding,
            validation,
            ttl_secs,
        }
    }

    /// Seconds an access token lives.
    #[must_use]
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Issues a token for `user` with `role` at `now`, belonging to the login `session`.
    ///
    /// # Errors
    /// [`ApiError::Internal`] when signing fails.
    pub fn issue(
        &self,
        user: Uuid,
        role: Role,
        session: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let iat = now.timestamp();
        let claims = Claims {
            sub: user,
            role: role.code().to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat,
            nbf: iat,
            exp: iat + self.ttl_secs,
            sid: session,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(ApiError::internal)
    }

    /// Verifies `token` at `now`.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`] for a malformed, forged, expired or foreign token.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, ApiError> {
        let invalid = || ApiError::Unauthorized("the access token is invalid");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        // A token without `kid` predates key ids and was signed with the current secret.
        let key = match header.kid.as_deref() {
            None => self.decoding.first().map(|(_, key)| key),
            Some(kid) => self
                .decoding
                .iter()
                .find(|(id, _)| id == kid)
                .map(|(_, key)| key),
        }
        .ok_or_else(invalid)?;
        let data =
            jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|_| invalid())?;
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
        let token = keys()
            .issue(user, Role::Officer, None, now())
            .unwrap_or_default();
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
            .issue(Uuid::new_v4(), Role::Admin, None, now())
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

    #[test]
    fn tokens_of_a_previous_secret_stay_valid_while_it_is_listed() {
        let old = Secret::new("the-previous-secret-of-32-characters");
        let new = Secret::new("the-current-secret-of-32-characters!");
        let user = Uuid::new_v4();
        let before = JwtKeys::new(&old, 900)
            .issue(user, Role::Reviewer, None, now())
            .unwrap_or_default();
        let rotated = JwtKeys::rotated(&new, std::slice::from_ref(&old), 900);
        assert_eq!(
            rotated.verify(&before, now()).map(|c| c.sub).ok(),
            Some(user)
        );
        let after = rotated
            .issue(user, Role::Reviewer, None, now())
            .unwrap_or_default();
        let kid = jsonwebtoken::decode_header(&after).ok().and_then(|h| h.kid);
        assert_eq!(kid, Some(key_id(&new)));
        assert_ne!(key_id(&new), key_id(&old));
        // Once the old secret is dropped, its tokens are refused.
        assert!(JwtKeys::new(&new, 900).verify(&before, now()).is_err());
        // A token naming a key the server does not know is refused.
        let stranger = JwtKeys::new(&Secret::new("a-third-secret-of-32-characters!!!"), 900)
            .issue(user, Role::Admin, None, now())
            .unwrap_or_default();
        assert!(rotated.verify(&stranger, now()).is_err());
    }

    #[test]
    fn a_token_naming_one_key_but_signed_with_another_is_refused() {
        let old = Secret::new("the-previous-secret-of-32-characters");
        let new = Secret::new("the-current-secret-of-32-characters!");
        let rotated = JwtKeys::rotated(&new, std::slice::from_ref(&old), 900);
        let claims = serde_json::json!({
            "sub": Uuid::new_v4(), "role": "admin", "iss": ISSUER, "aud": AUDIENCE,
            "iat": now().timestamp(), "nbf": now().timestamp(), "exp": now().timestamp() + 60
        });
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key_id(&new));
        let forged = jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(old.expose().as_bytes()),
        )
        .unwrap_or_default();
        assert!(rotated.verify(&forged, now()).is_err());
        // Without a kid, only the current key is tried.
        let no_kid = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(old.expose().as_bytes()),
        )
        .unwrap_or_default();
        assert!(rotated.verify(&no_kid, now()).is_err());
    }
}
