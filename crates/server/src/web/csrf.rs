//! Tokens that prove a form was served by the portal to this browser: an HMAC, under a key
//! derived from the service's secret, of a random value the browser keeps in a cookie. A
//! page of another site can post to the portal but can neither read the cookie nor make
//! the token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

const PURPOSE: &[u8] = b"grants: portal form token, v1";

/// Makes and checks form tokens.
#[derive(Clone)]
pub struct FormKeys {
    /// The current key first, then those of previous secrets.
    keys: Vec<HmacSha256>,
}

impl std::fmt::Debug for FormKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormKeys")
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl FormKeys {
    /// Keys derived from `secret` and each of `previous`.
    #[must_use]
    pub fn new(secret: &Secret, previous: &[Secret]) -> Self {
        let keys = std::iter::once(secret)
            .chain(previous)
            .filter_map(|s| {
                let mut derived = HmacSha256::new_from_slice(s.expose().as_bytes()).ok()?;
                derived.update(PURPOSE);
                HmacSha256::new_from_slice(&derived.finalize().into_bytes()).ok()
            })
            .collect();
        Self { keys }
    }

    /// The token for forms served to the browser holding `cookie`.
    #[must_use]
    pub fn token(&self, cookie: &str) -> String {
        self.keys.first().map_or_else(String::new, |key| {
            let mut mac = key.clone();
            mac.update(cookie.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        })
    }

    /// Whether `token` was made for `cookie` under any known key (in constant time).
    #[must_use]
    pub fn holds(&self, cookie: &str, token: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        self.keys.iter().any(|key| {
            let mut mac = key.clone();
            mac.update(cookie.as_bytes());
            mac.verify_slice(&bytes).is_ok()
        })
    }
}

/// A fresh random cookie value: 256 bits, URL-safe.
///
/// # Errors
/// When the operating system's random source fails.
pub fn fresh() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_holds_for_its_cookie_only_and_across_a_key_rotation() {
        let old = Secret::new("an-old-secret-of-at-least-32-characters!");
        let new = Secret::new("a-new-secret-of-at-least-32-characters!!");
        let before = FormKeys::new(&old, &[]);
        let after = FormKeys::new(&new, std::slice::from_ref(&old));
        let token = before.token("cookie-a");
        assert!(before.holds("cookie-a", &token));
        assert!(!before.holds("cookie-b", &token));
        assert!(after.holds("cookie-a", &token));
        assert!(!FormKeys::new(&new, &[]).holds("cookie-a", &token));
        assert!(!before.holds("cookie-a", "not base64 !"));
        assert!(!before.holds("cookie-a", ""));
    }
}
