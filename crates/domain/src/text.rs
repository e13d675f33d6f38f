//! Bounded, trimmed free text such as names and settlements.

use crate::validation::FieldProblem;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing but white space.
    #[error("must not be empty")]
    Empty,
    /// More characters than allowed.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit in characters.
        max: usize,
    },
    /// Control characters such as NUL or escape codes.
    #[error("must not contain control characters")]
    ControlCharacters,
}

impl FieldProblem for TextError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::TooLong { .. } => "too_long",
            Self::ControlCharacters => "invalid_characters",
        }
    }
}

/// Trims `raw` and checks it is non-empty, at most `max` characters and free of control
/// characters (line breaks are allowed only when `multiline`).
///
/// # Errors
/// [`TextError`] naming the first rule broken.
pub fn bounded(raw: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    let bad = trimmed
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')));
    if bad {
        return Err(TextError::ControlCharacters);
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed() {
        assert_eq!(bounded("  Ауыл  ", 10, false), Ok("Ауыл".to_owned()));
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(bounded("ӘӘӘӘӘ", 5, false).is_ok());
        assert_eq!(
            bounded("ӘӘӘӘӘӘ", 5, false),
            Err(TextError::TooLong { max: 5 })
        );
    }

    #[test]
    fn blank_and_control_characters_are_refused() {
        assert_eq!(bounded("   ", 5, false), Err(TextError::Empty));
        assert_eq!(
            bounded("a\u{0}b", 5, false),
            Err(TextError::ControlCharacters)
        );
        assert_eq!(bounded("a\nb", 5, false), Err(TextError::ControlCharacters));
        assert!(bounded("a\nb", 5, true).is_ok());
    }
}
