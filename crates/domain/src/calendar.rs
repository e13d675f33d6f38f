//! Calendar dates as people in Kazakhstan read them.

use chrono::{DateTime, Utc};

/// Kazakhstan's single time zone (Asia/Almaty, UTC+5 since March 2024), for calendar dates.
const ALMATY_OFFSET_SECS: i32 = 5 * 3600;

/// `instant` on the wall clocks of Asia/Almaty.
#[must_use]
pub fn in_almaty(instant: DateTime<Utc>) -> chrono::NaiveDateTime {
    instant.naive_utc() + chrono::Duration::seconds(i64::from(ALMATY_OFFSET_SECS))
}

/// The instant Asia/Almaty's wall clocks read as `wall`.
#[must_use]
pub fn from_almaty(wall: chrono::NaiveDateTime) -> DateTime<Utc> {
    (wall - chrono::Duration::seconds(i64::from(ALMATY_OFFSET_SECS))).and_utc()
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
