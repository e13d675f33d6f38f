//! The password policy: long enough, not absurdly long, and not trivially guessable.

use crate::validation::FieldProblem;

/// Fewest characters a password may have.
pub const MIN_LEN: usize = 10;
/// Most characters a password may have; hashing cost grows with length.
pub const MAX_LEN: usize = 256;

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_LEN`] characters.
    #[error("must be at least 10 characters")]
    TooShort,
    /// More than [`MAX_LEN`] characters.
    #[error("must be at most 256 characters")]
    TooLong,
    /// A well-known, repeated, sequential or e-mail-derived password.
    #[error("is too easy to guess")]
    Weak,
}

impl FieldProblem for PasswordError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::Weak => "weak_password",
        }
    }
}

/// Passwords seen most often in breaches, including common Russian keyboard patterns.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "0987654321",
    "1111111111",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "iloveyou12",
    "abcdefghij",
    "abc1234567",
    "asdfghjkl1",
    "zxcvbnm123",
    "letmein123",
    "welcome123",
    "admin12345",
    "administrator",
    "qazwsxedc123",
    "йцукенгшщз",
    "пароль1234",
    "qwerty123456",
    "1234qwerty",
    "987654321q",
    "kazakhstan",
    "kazakhstan1",
    "almaty2024",
    "astana2024",
    "changeme123",
];

/// Checks `password` against the policy. `email` is the account's address: a password
/// built from its local part is refused.
///
/// # Errors
/// [`PasswordError`] naming the rule broken.
pub fn check(password: &str, email: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || is_repetition(&lower) || is_sequence(&lower) {
        return Err(PasswordError::Weak);
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.chars().count() >= 4 && lower.contains(&local) {
        return Err(PasswordError::Weak);
    }
    if lower == email.to_lowercase() {
        return Err(PasswordError::Weak);
    }
    Ok(())
}

/// One short pattern repeated, e.g. `aaaaaaaaaa` or `abababababab`.
fn is_repetition(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    (1..=3).any(|period| {
        chars
            .iter()
            .enumerate()
            .skip(period)
            .all(|(i, c)| *c == chars[i - period])
    })
}

/// Each character one code point above or below the previous, e.g. `abcdefghijk`.
fn is_sequence(password: &str) -> bool {
    let codes: Vec<i64> = password.chars().map(|c| i64::from(u32::from(c))).collect();
    let steps: Vec<i64> = codes.windows(2).map(|w| w[1] - w[0]).collect();
    steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasonable_passphrases_pass() {
        assert_eq!(check("көктем-ауыл-2026", "aigerim@mail.kz"), Ok(()));
        assert_eq!(check("correct horse battery", "a@b.kz"), Ok(()));
    }

    #[test]
    fn short_and_long_passwords_are_refused() {
        assert_eq!(check("Ab1!Ab1!", "a@b.kz"), Err(PasswordError::TooShort));
        assert_eq!(
            check(&"x1".repeat(129), "a@b.kz"),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn trivially_weak_passwords_are_refused() {
        for weak in [
            "1234567890",
            "Password123",
            "aaaaaaaaaaaa",
            "abababababab",
            "abcdefghijkl",
            "9876543210",
            "ЙЦУКЕНГШЩЗ",
        ] {
            assert_eq!(check(weak, "a@b.kz"), Err(PasswordError::Weak), "{weak}");
        }
    }

    #[test]
    fn passwords_built_from_the_email_are_refused() {
        assert_eq!(
            check("aigerim2026!", "Aigerim@mail.kz"),
            Err(PasswordError::Weak)
        );
    }
}
