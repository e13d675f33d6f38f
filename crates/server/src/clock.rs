//! The source of the current instant, replaceable in tests.

use std::fmt::Debug;
use std::sync::Mutex;

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// Tells the current instant. The domain never reads a clock; the server asks this.
pub trait Clock: Send + Sync + Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        // Microseconds: what PostgreSQL keeps, so SQLite and PostgreSQL answer alike.
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock that only moves when told to; for tests of deadlines and expiry.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `start`.
    #[must_use]
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock to `instant`.
    pub fn set(&self, instant: DateTime<Utc>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = instant;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Kazakhstan's single time zone (Asia/Almaty, UTC+5 since March 2024), for calendar dates.
const ALMATY_OFFSET_SECS: i32 = 5 * 3600;

/// `instant` on the wall clocks of Asia/Almaty.
#[must_use]
pub fn in_almaty(instant: DateTime<Utc>) -> chrono::NaiveDateTime {
    instant.naive_utc() + chrono::Duration::seconds(i64::from(ALMATY_OFFSET_SECS))
}

/// The calendar date in Asia/Almaty at `instant`.
#[must_use]
pub fn almaty_date(instant: DateTime<Utc>) -> chrono::NaiveDate {
    in_almaty(instant).date()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_almaty_date_turns_at_19_utc() {
        let before = Utc
            .with_ymd_and_hms(2026, 3, 1, 18, 59, 59)
            .single()
            .unwrap_or_default();
        let after = Utc
            .with_ymd_and_hms(2026, 3, 1, 19, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(almaty_date(before).to_string(), "2026-03-01");
        assert_eq!(almaty_date(after).to_string(), "2026-03-02");
    }
}
