//! How long until an instant, in words ("3 days 4 hours"), so a call page can say when it
//! closes without a script.

use chrono::Duration;
use domain::language::Language;

#[derive(Debug, Clone, Copy)]
enum Unit {
    Day,
    Hour,
    Minute,
}

/// `left` in words: days and hours when a day or more is left, hours and minutes under a
/// day, minutes under an hour (at least one minute).
#[must_use]
pub fn words(left: Duration, language: Language) -> String {
    let minutes = left.num_minutes().max(1);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let parts: Vec<(i64, Unit)> = if days > 0 {
        vec![(days, Unit::Day), (hours, Unit::Hour)]
    } else if hours > 0 {
        vec![(hours, Unit::Hour), (mins, Unit::Minute)]
    } else {
        vec![(mins, Unit::Minute)]
    };
    parts
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}\u{a0}{}", name(n, unit, language)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The name of `unit` after the number `n`.
const fn name(n: i64, unit: Unit, language: Language) -> &'static str {
    match language {
        // Kazakh nouns after a numeral stay singular.
        Language::Kk => match unit {
            Unit::Day => "күн",
            Unit::Hour => "сағат",
            Unit::Minute => "минут",
        },
        Language::Ru => {
            let form = russian_form(n);
            match unit {
                Unit::Day => ["день", "дня", "дней"][form],
                Unit::Hour => ["час", "часа", "часов"][form],
                Unit::Minute => ["минута", "минуты", "минут"][form],
            }
        }
        Language::En => {
            let one = n == 1;
            match unit {
                Unit::Day => {
                    if one {
                        "day"
                    } else {
                        "days"
                    }
                }
                Unit::Hour => {
                    if one {
                        "hour"
                    } else {
                        "hours"
                    }
                }
                Unit::Minute => {
                    if one {
                        "minute"
                    } else {
                        "minutes"
                    }
                }
            }
        }
    }
}

/// Russian's three forms after a number: 1 день, 2 дня, 5 дней (11–14 take the last).
const fn russian_form(n: i64) -> usize {
    let (tens, units) = (n % 100, n % 10);
    if units == 1 && tens != 11 {
        0
    } else if units >= 2 && units <= 4 && !(tens >= 12 && tens <= 14) {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words_in_each_language() {
        let left = Duration::days(3) + Duration::hours(4) + Duration::minutes(5);
        assert_eq!(words(left, Language::En), "3\u{a0}days 4\u{a0}hours");
        assert_eq!(words(left, Language::Ru), "3\u{a0}дня 4\u{a0}часа");
        assert_eq!(words(left, Language::Kk), "3\u{a0}күн 4\u{a0}сағат");
        let short = Duration::hours(1) + Duration::minutes(21);
        assert_eq!(words(short, Language::Ru), "1\u{a0}час 21\u{a0}минута");
        assert_eq!(words(Duration::days(1), Language::En), "1\u{a0}day");
        assert_eq!(words(Duration::seconds(5), Language::En), "1\u{a0}minute");
        assert_eq!(words(Duration::days(11), Language::Ru), "11\u{a0}дней");
        assert_eq!(words(Duration::days(22), Language::Ru), "22\u{a0}дня");
        assert_eq!(words(Duration::minutes(25), Language::Ru), "25\u{a0}минут");
    }
}
