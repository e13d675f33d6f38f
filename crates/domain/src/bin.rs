//! The Business Identification Number (BIN) of a Kazakh legal entity.

use std::fmt;

use crate::validation::FieldProblem;

/// A 12-digit BIN whose structure and check digit are valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bin(String);

/// Why a BIN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinError {
    /// Not exactly twelve ASCII digits.
    #[error("must be exactly 12 digits")]
    Format,
    /// Digits 3–4 are the month of registration and must be 01–12.
    #[error("digits 3-4 must be a month between 01 and 12")]
    Month,
    /// The twelfth digit does not match the check-digit algorithm.
    #[error("check digit does not match")]
    CheckDigit,
}

impl FieldProblem for BinError {
    fn code(&self) -> &'static str {
        match self {
            Self::Format => "invalid_format",
            Self::Month => "invalid_month",
            Self::CheckDigit => "invalid_check_digit",
        }
    }
}

const FIRST_WEIGHTS: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_WEIGHTS: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// The check digit for the first eleven digits, or `None` when both weightings leave
/// remainder 10 (such a number is never issued).
#[must_use]
pub fn check_digit(first_eleven: &[u32; 11]) -> Option<u32> {
    let weighted = |weights: &[u32; 11]| -> u32 {
        first_eleven
            .iter()
            .zip(weights)
            .map(|(d, w)| d * w)
            .sum::<u32>()
            % 11
    };
    let first = weighted(&FIRST_WEIGHTS);
    if first != 10 {
        return Some(first);
    }
    let second = weighted(&SECOND_WEIGHTS);
    (second != 10).then_some(second)
}

impl Bin {
    /// Parses a BIN, checking length, month and check digit.
    ///
    /// # Errors
    /// [`BinError`] naming the first rule broken.
    pub fn parse(raw: &str) -> Result<Self, BinError> {
        let raw = raw.trim();
        if raw.len() != 12 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BinError::Format);
        }
        let digits: Vec<u32> = raw.bytes().map(|b| u32::from(b - b'0')).collect();
        let month = digits[2] * 10 + digits[3];
        if !(1..=12).contains(&month) {
            return Err(BinError::Month);
        }
        let mut first_eleven = [0u32; 11];
        first_eleven.copy_from_slice(&digits[..11]);
        match check_digit(&first_eleven) {
            Some(check) if check == digits[11] => Ok(Self(raw.to_owned())),
            Some(_) | None => Err(BinError::CheckDigit),
        }
    }

    /// The twelve digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn with_check(first_eleven: &str) -> Option<String> {
        let mut digits = [0u32; 11];
        for (slot, b) in digits.iter_mut().zip(first_eleven.bytes()) {
            *slot = u32::from(b - b'0');
        }
        check_digit(&digits).map(|c| format!("{first_eleven}{c}"))
    }

    #[test]
    fn bin_with_first_weighting_parses() {
        // 0,4,0,5,4,0,0,0,1,2,3 weighted 1..11 sums to 110, remainder 0.
        assert!(Bin::parse("040540001230").is_ok());
    }

    #[test]
    fn second_weighting_is_used_when_first_remainder_is_ten() {
        // Weighted 1..11 the sum is 65 (remainder 10); weighted 3..11,1,2 it is 60 (remainder 5).
        assert_eq!(check_digit(&[1, 5, 0, 1, 4, 0, 0, 0, 0, 3, 0]), Some(5));
        assert!(Bin::parse("150140000305").is_ok());
        assert_eq!(Bin::parse("150140000300"), Err(BinError::CheckDigit));
    }

    #[test]
    fn both_remainders_ten_is_never_valid() {
        // Sums 153 and 76: both leave remainder 10.
        assert_eq!(check_digit(&[1, 5, 0, 1, 4, 0, 0, 0, 0, 3, 8]), None);
        for last in 0..10 {
            let text = format!("15014000038{last}");
            assert_eq!(
                Bin::parse(&text),
                Err(BinError::CheckDigit),
                "{text} accepted"
            );
        }
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(Bin::parse("040540001231"), Err(BinError::CheckDigit));
    }

    #[test]
    fn structure_is_checked() {
        assert_eq!(Bin::parse("04054000123"), Err(BinError::Format));
        assert_eq!(Bin::parse("0405400012321"), Err(BinError::Format));
        assert_eq!(Bin::parse("04054000123a"), Err(BinError::Format));
        assert_eq!(Bin::parse("041340001230"), Err(BinError::Month));
        assert_eq!(Bin::parse("040040001230"), Err(BinError::Month));
    }

    proptest! {
        #[test]
        fn every_computed_check_digit_validates(prefix in "[0-9]{2}(0[1-9]|1[0-2])[0-9]{7}") {
            if let Some(bin) = with_check(&prefix) {
                prop_assert!(Bin::parse(&bin).is_ok());
                // Changing the last digit always breaks it.
                let last = bin.as_bytes()[11] - b'0';
                let other = format!("{}{}", &bin[..11], (last + 1) % 10);
                prop_assert_eq!(Bin::parse(&other), Err(BinError::CheckDigit));
            }
        }
    }
}
