//! Exact amounts of tenge and exact shares, with no floating point anywhere.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::validation::FieldProblem;

/// Tiyn in one tenge.
const TIYN_PER_TENGE: i64 = 100;
/// Basis points in a whole (a share of 1).
const BASIS_POINTS_PER_WHOLE: u16 = 10_000;

/// An exact amount of tenge, held as integer tiyn (1/100 tenge). Never negative.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number with at most two decimals.
    #[error("must be a non-negative amount with at most two decimals, e.g. \"1250000.50\"")]
    Format,
    /// Above [`Money::MAX`].
    #[error("is too large")]
    TooLarge,
}

impl FieldProblem for MoneyError {
    fn code(&self) -> &'static str {
        match self {
            Self::Format => "invalid_amount",
            Self::TooLarge => "too_large",
        }
    }
}

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);
    /// The largest accepted amount: 10^15 tiyn (ten trillion tenge).
    pub const MAX: Money = Money(1_000_000_000_000_000);

    /// The amount of `tiyn` tiyn, or `None` when negative or above [`Money::MAX`].
    #[must_use]
    pub const fn from_minor(tiyn: i64) -> Option<Money> {
        if tiyn < 0 || tiyn > Self::MAX.0 {
            None
        } else {
            Some(Money(tiyn))
        }
    }

    /// The amount in tiyn.
    #[must_use]
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Parses a plain decimal amount of tenge such as `1250000.50`, `1250000` or `0.5`.
    /// Leading zeros are allowed; a sign, an exponent, spaces, more than two decimals and
    /// a missing integer or fraction part around the point are not.
    ///
    /// # Errors
    /// [`MoneyError::Format`] for anything but such a number, [`MoneyError::TooLarge`]
    /// above [`Money::MAX`].
    pub fn parse(raw: &str) -> Result<Money, MoneyError> {
        let (units, fraction) = split_decimal(raw, 2).ok_or(MoneyError::Format)?;
        let tiyn = units
            .checked_mul(TIYN_PER_TENGE.unsigned_abs())
            .and_then(|t| t.checked_add(fraction_value(fraction, 2)))
            .and_then(|t| i64::try_from(t).ok())
            .ok_or(MoneyError::TooLarge)?;
        Self::from_minor(tiyn).ok_or(MoneyError::TooLarge)
    }

    /// The sum, or `None` above [`Money::MAX`].
    #[must_use]
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).and_then(Self::from_minor)
    }

    /// The difference, or `None` below zero.
    #[must_use]
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).and_then(Self::from_minor)
    }

    /// `quantity` times this amount, or `None` above [`Money::MAX`].
    #[must_use]
    pub fn checked_mul(self, quantity: u32) -> Option<Money> {
        self.0
            .checked_mul(i64::from(quantity))
            .and_then(Self::from_minor)
    }
}

impl fmt::Display for Money {
    /// Always two decimals: `1250000.50`, `0.05`, `12.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:02}",
            self.0 / TIYN_PER_TENGE,
            self.0 % TIYN_PER_TENGE
        )
    }
}

/// A share between 0 and 1 with up to four decimals, held in basis points (1/10000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Share(u16);

/// Why a share was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// Not a plain decimal number with at most four decimals.
    #[error("must be a decimal number with at most four decimals, e.g. \"0.25\"")]
    Format,
    /// Above 1.
    #[error("must be between 0 and 1")]
    OutOfRange,
}

impl FieldProblem for ShareError {
    fn code(&self) -> &'static str {
        match self {
            Self::Format => "invalid_share",
            Self::OutOfRange => "out_of_range",
        }
    }
}

impl Share {
    /// The share of `bp` basis points, or `None` above 10000 (a share of 1).
    #[must_use]
    pub const fn from_basis_points(bp: u16) -> Option<Share> {
        if bp > BASIS_POINTS_PER_WHOLE {
            None
        } else {
            Some(Share(bp))
        }
    }

    /// The share in basis points, 0..=10000.
    #[must_use]
    pub const fn basis_points(self) -> u16 {
        self.0
    }

    /// Parses a plain decimal share such as `0.1`, `0.25`, `1`, `0` or `1.0000`, with the
    /// same syntax as [`Money::parse`] but up to four decimals.
    ///
    /// # Errors
    /// [`ShareError::Format`] for anything but such a number, [`ShareError::OutOfRange`]
    /// above 1.
    pub fn parse(raw: &str) -> Result<Share, ShareError> {
        let (units, fraction) = split_decimal(raw, 4).ok_or(ShareError::Format)?;
        let bp = units
            .checked_mul(u64::from(BASIS_POINTS_PER_WHOLE))
            .and_then(|b| b.checked_add(fraction_value(fraction, 4)))
            .and_then(|b| u16::try_from(b).ok())
            .ok_or(ShareError::OutOfRange)?;
        Self::from_basis_points(bp).ok_or(ShareError::OutOfRange)
    }

    /// Whether `part` is at least this share of `whole`, in exact integer arithmetic. Of a
    /// zero whole only the zero share is met.
    #[must_use]
    pub fn is_met_by(self, part: Money, whole: Money) -> bool {
        if whole == Money::ZERO {
            return self.0 == 0;
        }
        i128::from(part.minor()) * i128::from(BASIS_POINTS_PER_WHOLE)
            >= i128::from(self.0) * i128::from(whole.minor())
    }
}

impl fmt::Display for Share {
    /// The shortest decimal: `0.1`, `0.25`, `1`, `0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = self.0 / BASIS_POINTS_PER_WHOLE;
        let fraction = self.0 % BASIS_POINTS_PER_WHOLE;
        if fraction == 0 {
            return write!(f, "{units}");
        }
        let digits = format!("{fraction:04}");
        write!(f, "{units}.{}", digits.trim_end_matches('0'))
    }
}

/// Splits a plain decimal `digits[.digits]` into its integer value (saturating at
/// `u64::MAX`, which every caller refuses as too large) and its fraction digits.
/// `None` when the syntax is wrong or there are more than `max_decimals` decimals.
fn split_decimal(raw: &str, max_decimals: usize) -> Option<(u64, &str)> {
    let (int, fraction) = match raw.split_once('.') {
        Some((int, fraction)) => {
            let valid = !fraction.is_empty()
                && fraction.len() <= max_decimals
                && fraction.bytes().all(|b| b.is_ascii_digit());
            (int, valid.then_some(fraction)?)
        }
        None => (raw, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = int.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    Some((value, fraction))
}

/// The value of ASCII fraction digits scaled to `scale` decimals: `"5"` at scale 2 is 50.
fn fraction_value(fraction: &str, scale: usize) -> u64 {
    let padded = fraction
        .bytes()
        .map(|b| u64::from(b - b'0'))
        .chain(std::iter::repeat(0))
        .take(scale);
    padded.fold(0, |acc, d| acc * 10 + d)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn tiyn(raw: &str) -> Option<i64> {
        Money::parse(raw).ok().map(Money::minor)
    }

    #[test]
    fn amounts_parse_to_exact_tiyn() {
        assert_eq!(tiyn("1250000.50"), Some(125_000_050));
        assert_eq!(tiyn("1250000"), Some(125_000_000));
        assert_eq!(tiyn("0.5"), Some(50));
        assert_eq!(tiyn("0.05"), Some(5));
        assert_eq!(tiyn("007"), Some(700));
        assert_eq!(tiyn("0"), Some(0));
    }

    #[test]
    fn malformed_amounts_are_refused() {
        for raw in [
            "", ".", "1.", ".5", "-1", "+1", "1e3", " 1", "1 ", "1 000", "1.234", "1,5", "1..2",
            "1.2.3", "١٢",
        ] {
            assert_eq!(Money::parse(raw), Err(MoneyError::Format), "{raw:?}");
        }
    }

    #[test]
    fn amounts_above_the_maximum_are_refused() {
        assert_eq!(tiyn("10000000000000"), Some(Money::MAX.minor()));
        assert_eq!(Money::parse("10000000000000.01"), Err(MoneyError::TooLarge));
        assert_eq!(
            Money::parse("99999999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(Money::parse("0000000000000000000000001.00"), Ok(Money(100)));
    }

    #[test]
    fn amounts_display_with_two_decimals() {
        assert_eq!(Money(125_000_050).to_string(), "1250000.50");
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(1200).to_string(), "12.00");
        assert_eq!(Money::ZERO.to_string(), "0.00");
    }

    #[test]
    fn arithmetic_stays_within_range() {
        let one = Money(100);
        assert_eq!(one.checked_add(one), Some(Money(200)));
        assert_eq!(Money::MAX.checked_add(Money(1)), None);
        assert_eq!(Money::ZERO.checked_sub(Money(1)), None);
        assert_eq!(one.checked_sub(one), Some(Money::ZERO));
        assert_eq!(Money(100_010).checked_mul(3), Some(Money(300_030)));
        assert_eq!(Money::MAX.checked_mul(2), None);
        assert_eq!(Money(i64::MAX / 2).checked_mul(u32::MAX), None);
        assert_eq!(Money::from_minor(-1), None);
        assert_eq!(Money::from_minor(Money::MAX.minor() + 1), None);
    }

    #[test]
    fn money_is_stored_as_an_integer() {
        assert_eq!(
            serde_json::to_string(&Money(1250)).ok(),
            Some("1250".to_owned())
        );
        assert_eq!(serde_json::from_str::<Money>("5").ok(), Some(Money(5)));
    }

    #[test]
    fn shares_parse_to_basis_points() {
        let bp = |raw: &str| Share::parse(raw).map(Share::basis_points);
        assert_eq!(bp("0.1"), Ok(1000));
        assert_eq!(bp("0.25"), Ok(2500));
        assert_eq!(bp("1"), Ok(10_000));
        assert_eq!(bp("0"), Ok(0));
        assert_eq!(bp("1.0000"), Ok(10_000));
        assert_eq!(bp("0.0001"), Ok(1));
        assert_eq!(bp("1.0001"), Err(ShareError::OutOfRange));
        assert_eq!(bp("2"), Err(ShareError::OutOfRange));
        assert_eq!(bp("99999999999999999999999"), Err(ShareError::OutOfRange));
        assert_eq!(bp("0.12345"), Err(ShareError::Format));
        assert_eq!(bp("-0.1"), Err(ShareError::Format));
        assert_eq!(bp(".5"), Err(ShareError::Format));
        assert_eq!(bp(""), Err(ShareError::Format));
    }

    #[test]
    fn shares_display_without_trailing_zeros() {
        let shown = |bp: u16| Share::from_basis_points(bp).map(|s| s.to_string());
        assert_eq!(shown(1000).as_deref(), Some("0.1"));
        assert_eq!(shown(2500).as_deref(), Some("0.25"));
        assert_eq!(shown(10_000).as_deref(), Some("1"));
        assert_eq!(shown(0).as_deref(), Some("0"));
        assert_eq!(shown(1).as_deref(), Some("0.0001"));
        assert_eq!(shown(10_001), None);
    }

    #[test]
    fn a_share_is_met_exactly() {
        let tenth = Share(1000);
        assert!(tenth.is_met_by(Money(100), Money(1000)));
        assert!(!tenth.is_met_by(Money(99), Money(1000)));
        assert!(tenth.is_met_by(Money(1000), Money(1000)));
        assert!(Share(10_000).is_met_by(Money::MAX, Money::MAX));
        assert!(!Share(10_000).is_met_by(Money(1), Money::MAX));
    }

    #[test]
    fn of_nothing_only_the_zero_share_is_met() {
        assert!(Share(0).is_met_by(Money::ZERO, Money::ZERO));
        assert!(!Share(1).is_met_by(Money::ZERO, Money::ZERO));
        assert!(!Share(1).is_met_by(Money(5), Money::ZERO));
    }

    proptest! {
        #[test]
        fn money_display_parses_back(tiyn in 0..=Money::MAX.minor()) {
            let money = Money(tiyn);
            prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
        }

        #[test]
        fn share_display_parses_back(bp in 0..=BASIS_POINTS_PER_WHOLE) {
            let share = Share(bp);
            prop_assert_eq!(Share::parse(&share.to_string()), Ok(share));
        }
    }
}
