//! The languages the service speaks to people in.

use std::fmt;
use std::str::FromStr;

use crate::validation::FieldProblem;

/// A user's preferred language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// Kazakh.
    Kk,
    /// Russian.
    #[default]
    Ru,
    /// English.
    En,
}

impl Language {
    /// Every supported language.
    pub const ALL: [Language; 3] = [Language::Kk, Language::Ru, Language::En];

    /// The ISO 639-1 code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Kk => "kk",
            Self::Ru => "ru",
            Self::En => "en",
        }
    }
}

/// The code names no supported language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of kk, ru, en")]
pub struct UnknownLanguage;

impl FieldProblem for UnknownLanguage {
    fn code(&self) -> &'static str {
        "unknown_language"
    }
}

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or(UnknownLanguage)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for language in Language::ALL {
            assert_eq!(language.code().parse::<Language>(), Ok(language));
        }
        assert_eq!("de".parse::<Language>(), Err(UnknownLanguage));
    }
}
