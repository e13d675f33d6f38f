//! Codes mailed to an address's holder: those that confirm a registered address, and those
//! that reset a password, each under a key of its own, so one kind is never taken for the
//! other. Links that confirm a registered address. A token is the account's id followed by an
//! HMAC-SHA256 of the id and the account's current nonce, under a key derived from the JWT
//! signing secret. The database keeps only the nonce, so reading it does not yield a link;
//! a new registration of the address replaces the nonce, which retires every earlier link.
//! Keys derived from previous JWT secrets are still accepted, like the tokens they signed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::config::Secret;
use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// What the derived key is for, so it differs from every other use of the secret.
const PURPOSE: &[u8] = b"grants: confirm a registered e-mail address, v1";
/// What the key of the short confirmation number is for.
const NUMBER_PURPOSE: &[u8] = b"grants: the number that confirms a registered address, v1";
/// What the password-reset key is for.
const RESET_PURPOSE: &[u8] = b"grants: reset an account's password, v1";

/// Length of a MAC in bytes.
const MAC_LEN: usize = 32;

/// Makes and checks confirmation tokens.
#[derive(Clone)]
pub struct Confirmations {
    /// Keyed MACs: the current key first, then those of previous secrets.
    keys: Vec<HmacSha256>,
    /// The same for password resets.
    reset_keys: Vec<HmacSha256>,
    /// The same for confirmation numbers.
    number_keys: Vec<HmacSha256>,
}

impl std::fmt::Debug for Confirmations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Confirmations")
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// A token taken apart; its MAC is not checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The account it names.
    pub user_id: Uuid,
    mac: [u8; MAC_LEN],
}

impl Confirmations {
    /// Keys derived from `secret` and each of `previous`.
    #[must_use]
    pub fn new(secret: &Secret, previous: &[Secret]) -> Self {
        let keys = |purpose: &[u8]| {
            std::iter::once(secret)
                .chain(previous)
                .filter_map(|s| derive(s.expose().as_bytes(), purpose))
                .collect()
        };
        Self {
            keys: keys(PURPOSE),
            reset_keys: keys(RESET_PURPOSE),
            number_keys: keys(NUMBER_PURPOSE),
        }
    }

    /// The code that resets account `user_id`'s password while its reset nonce is `nonce`.
    #[must_use]
    pub fn reset_token(&self, user_id: Uuid, nonce: &str) -> Option<String> {
        token_under(self.reset_keys.first()?, user_id, nonce)
    }

    /// Whether `claim` is a reset code of its account for `nonce`, under any known key.
    #[must_use]
    pub fn reset_holds(&self, claim: &Claim, nonce: &str) -> bool {
        holds_under(&self.reset_keys, claim, nonce)
    }

    /// The token that confirms account `user_id` while its nonce is `nonce`; `None` only
    /// if no key could be made, which HMAC's acceptance of any key length rules out.
    #[must_use]
    pub fn token(&self, user_id: Uuid, nonce: &str) -> Option<String> {
        token_under(self.keys.first()?, user_id, nonce)
    }

    /// The eight-digit number that confirms account `user_id` while its nonce is `nonce`,
    /// for typing on a phone instead of following the link.
    #[must_use]
    pub fn number(&self, user_id: Uuid, nonce: &str) -> Option<String> {
        Some(number_under(self.number_keys.first()?, user_id, nonce))
    }

    /// Whether `number` is account `user_id`'s confirmation number for `nonce`, under any
    /// known key; the comparison takes the same time however many digits match.
    #[must_use]
    pub fn number_holds(&self, user_id: Uuid, nonce: &str, number: &str) -> bool {
        self.number_keys.iter().any(|key| {
            let expected = number_under(key, user_id, nonce);
            expected.len() == number.len()
                && expected
                    .bytes()
                    .zip(number.bytes())
                    .fold(0u8, |differ, (a, b)| differ | (a ^ b))
                    == 0
        })
    }

    /// Takes `token` apart, or `None` when it is not shaped like one.
    #[must_use]
    pub fn parse(token: &str) -> Option<Claim> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        let (id, mac) = bytes.split_at_checked(16)?;
        Some(Claim {
            user_id: Uuid::from_slice(id).ok()?,
            mac: mac.try_into().ok()?,
        })
    }

    /// Whether `claim` was made for its account with `nonce`, under any known key. The
    /// comparison takes the same time however many bytes match.
    #[must_use]
    pub fn holds(&self, claim: &Claim, nonce: &str) -> bool {
        holds_under(&self.keys, claim, nonce)
    }
}

/// A new random nonce: 128 bits, URL-safe.
///
/// # Errors
/// [`ApiError::Internal`] when the operating system's random source fails.
pub fn nonce() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("random source failed: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn token_under(key: &HmacSha256, user_id: Uuid, nonce: &str) -> Option<String> {
    let mac = mac(key, user_id, nonce).finalize().into_bytes();
    let mut bytes = Vec::with_capacity(16 + MAC_LEN);
    bytes.extend_from_slice(user_id.as_bytes());
    bytes.extend_from_slice(&mac);
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

fn number_under(key: &HmacSha256, user_id: Uuid, nonce: &str) -> String {
    let mac = mac(key, user_id, nonce).finalize().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&mac[..8]);
    let digits = 10u64.pow(u32::try_from(domain::account::CONFIRMATION_NUMBER_DIGITS).unwrap_or(8));
    format!(
        "{:0width$}",
        u64::from_be_bytes(first) % digits,
        width = domain::account::CONFIRMATION_NUMBER_DIGITS
    )
}

fn holds_under(keys: &[HmacSha256], claim: &Claim, nonce: &str) -> bool {
    keys.iter().any(|key| {
        mac(key, claim.user_id, nonce)
            .verify_slice(&claim.mac)
            .is_ok()
    })
}

fn derive(secret: &[u8], purpose: &[u8]) -> Option<HmacSha256> {
    let mut derived = <HmacSha256 as Mac>::new_from_slice(secret).ok()?;
    derived.update(purpose);
    <HmacSha256 as Mac>::new_from_slice(&derived.finalize().into_bytes()).ok()
}

fn mac(key: &HmacSha256, user_id: Uuid, nonce: &str) -> HmacSha256 {
    let mut mac = key.clone();
    mac.update(user_id.as_bytes());
    mac.update(nonce.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirmations() -> Confirmations {
        Confirmations::new(&Secret::new("a-jwt-secret-of-at-least-32-characters"), &[])
    }

    #[test]
    fn a_number_is_eight_digits_that_hold_only_for_their_account_and_nonce() {
        let c = confirmations();
        let id = Uuid::from_u128(7);
        let number = c.number(id, "nonce-1").unwrap_or_default();
        assert_eq!(number.len(), 8);
        assert!(number.bytes().all(|b| b.is_ascii_digit()));
        assert!(c.number_holds(id, "nonce-1", &number));
        assert!(!c.number_holds(id, "nonce-2", &number));
        assert!(!c.number_holds(Uuid::from_u128(8), "nonce-1", &number));
        // Not the reset key's, nor the link's.
        assert_ne!(Some(number.clone()), c.number(id, "nonce-2"));
    }

    #[test]
    fn a_token_names_its_account_and_holds_only_for_its_nonce() {
        let c = confirmations();
        let id = Uuid::from_u128(7);
        let token = c.token(id, "nonce-1").unwrap_or_default();
        assert_eq!(token.len(), 64);
        let claim = Confirmations::parse(&token).unwrap_or_else(|| panic!("{token} parses"));
        assert_eq!(claim.user_id, id);
        assert!(c.holds(&claim, "nonce-1"));
        assert!(
            !c.holds(&claim, "nonce-2"),
            "a renewed registration retires it"
        );
    }

    #[test]
    fn a_changed_byte_or_another_account_does_not_hold() {
        let c = confirmations();
        let token = c.token(Uuid::from_u128(7), "n").unwrap_or_default();
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = Confirmations::parse(&URL_SAFE_NO_PAD.encode(&bytes));
        assert!(tampered.is_some_and(|claim| !c.holds(&claim, "n")));
        bytes[last] ^= 1;
        bytes[0] ^= 1;
        let moved = Confirmations::parse(&URL_SAFE_NO_PAD.encode(&bytes));
        assert!(moved.is_some_and(|claim| !c.holds(&claim, "n")));
        for junk in ["", "not a token", &token[..40], &format!("{token}AA")] {
            assert_eq!(Confirmations::parse(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn tokens_of_a_previous_secret_hold_while_it_is_listed() {
        let old = Secret::new("the-previous-secret-of-32-characters");
        let new = Secret::new("the-current-secret-of-32-characters!");
        let id = Uuid::from_u128(9);
        let token = Confirmations::new(&old, &[])
            .token(id, "n")
            .unwrap_or_default();
        let claim = Confirmations::parse(&token).unwrap_or_else(|| panic!("parses"));
        assert!(Confirmations::new(&new, &[old]).holds(&claim, "n"));
        assert!(!Confirmations::new(&new, &[]).holds(&claim, "n"));
        let fresh = Confirmations::new(&new, &[]).token(id, "n");
        assert!(fresh.is_some());
        assert_ne!(fresh, Some(token), "each secret derives its own key");
    }

    #[test]
    fn a_confirmation_code_never_resets_a_password_nor_the_other_way() {
        let c = confirmations();
        let id = Uuid::from_u128(7);
        let confirm = c.token(id, "same-nonce").unwrap_or_default();
        let reset = c.reset_token(id, "same-nonce").unwrap_or_default();
        assert_ne!(confirm, reset);
        let confirm = Confirmations::parse(&confirm).unwrap_or_else(|| panic!("parses"));
        let reset = Confirmations::parse(&reset).unwrap_or_else(|| panic!("parses"));
        assert!(c.holds(&confirm, "same-nonce") && c.reset_holds(&reset, "same-nonce"));
        assert!(!c.reset_holds(&confirm, "same-nonce"));
        assert!(!c.holds(&reset, "same-nonce"));
    }

    #[test]
    fn nonces_are_random() {
        let a = nonce().unwrap_or_default();
        assert_eq!(a.len(), 22);
        assert_ne!(a, nonce().unwrap_or_default());
    }
}
