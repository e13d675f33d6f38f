//! The languages the service speaks to people in.

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

crate::codes::closed_set!(Language, UnknownLanguage, "unknown_language");

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
