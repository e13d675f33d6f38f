//! E-mail addresses as accounts and organisations use them.

use std::fmt;

use crate::validation::FieldProblem;

/// The longest address accepted (RFC 5321 path limit).
pub const MAX_LEN: usize = 254;

/// A syntactically plausible e-mail address, trimmed and with a lower-cased domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Empty, or longer than [`MAX_LEN`].
    #[error("must be between 3 and 254 characters")]
    Length,
    /// Not of the form `local@domain.tld`.
    #[error("is not a valid e-mail address")]
    Format,
}

impl FieldProblem for EmailError {
    fn code(&self) -> &'static str {
        match self {
            Self::Length => "invalid_length",
            Self::Format => "invalid_email",
        }
    }
}

impl Email {
    /// Parses an address. The whole address is lower-cased: mailbox names that differ only
    /// in case are one account here, which is what people expect of a login name.
    ///
    /// # Errors
    /// [`EmailError`] when the address is too long or malformed.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if trimmed.len() < 3 || trimmed.len() > MAX_LEN {
            return Err(EmailError::Length);
        }
        let (local, domain) = trimmed.split_once('@').ok_or(EmailError::Format)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(EmailError::Format);
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    /// The address as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_parse_and_are_lower_cased() {
        let email = Email::parse(" Aigerim.N@Mail.KZ ").map(|e| e.to_string());
        assert_eq!(email, Ok("aigerim.n@mail.kz".to_owned()));
        assert!(Email::parse("ngo+grants@ауыл.қаз").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "a",
            "no-at-sign",
            "@mail.kz",
            "a@",
            "a@kz",
            "a@@mail.kz",
            "a b@mail.kz",
            "a@-x.kz",
            "a..b@mail.kz",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn overlong_address_is_refused() {
        let long = format!("{}@mail.kz", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::Length));
    }
}
