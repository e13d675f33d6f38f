//! Amounts and instants written the way each language writes them, for mail.

use chrono::{DateTime, Datelike, Timelike, Utc};
use domain::language::Language;
use domain::money::Money;

use crate::clock::in_almaty;

const NBSP: char = '\u{a0}';

/// `amount` in tenge: `1 500 000 тенге` / `1 500 000,50 теңге` / `KZT 1,500,000.50`.
/// Tiyn are shown only when there are any.
#[must_use]
pub fn money(amount: Money, language: Language) -> String {
    let minor = amount.minor();
    let (tenge, tiyn) = (minor / 100, minor % 100);
    let (group, decimal) = match language {
        Language::Kk | Language::Ru => (NBSP, ','),
        Language::En => (',', '.'),
    };
    let mut number = grouped(tenge, group);
    if tiyn != 0 {
        number.push(decimal);
        number.push_str(&format!("{tiyn:02}"));
    }
    match language {
        Language::Kk => format!("{number}{NBSP}теңге"),
        Language::Ru => format!("{number}{NBSP}тенге"),
        Language::En => format!("KZT{NBSP}{number}"),
    }
}

/// A score with two decimals, the decimal mark as `language` writes it: `72,50` / `72.50`.
#[must_use]
pub fn decimal(value: f64, language: Language) -> String {
    let text = format!("{value:.2}");
    match language {
        Language::Kk | Language::Ru => text.replace('.', ","),
        Language::En => text,
    }
}

fn grouped(value: i64, separator: char) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    if value < 0 {
        out.insert(0, '-');
    }
    out
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Russian month names in the genitive, as dates need them.
const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const MONTHS_KK: [&str; 12] = [
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
];

/// `instant` on Almaty's clocks, with the zone named:
/// `2026 жылғы 26 қараша, 18:00 (Алматы уақыты, UTC+5)` /
/// `26 ноября 2026 г., 18:00 (по времени Алматы, UTC+5)` /
/// `26 November 2026, 18:00 (Almaty time, UTC+5)`.
#[must_use]
pub fn instant(at: DateTime<Utc>, language: Language) -> String {
    let local = in_almaty(at);
    let month = usize::try_from(local.month0()).unwrap_or(0).min(11);
    let (day, year) = (local.day(), local.year());
    let time = format!("{:02}:{:02}", local.hour(), local.minute());
    match language {
        Language::Kk => format!(
            "{year} жылғы {day} {}, {time} (Алматы уақыты, UTC+5)",
            MONTHS_KK[month]
        ),
        Language::Ru => format!(
            "{day} {} {year} г., {time} (по времени Алматы, UTC+5)",
            MONTHS_RU[month]
        ),
        Language::En => format!(
            "{day} {} {year}, {time} (Almaty time, UTC+5)",
            MONTHS_EN[month]
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn tenge(minor: i64) -> Money {
        Money::from_minor(minor).unwrap_or_else(|| panic!("{minor}"))
    }

    #[test]
    fn amounts_are_grouped_the_local_way() {
        assert_eq!(
            money(tenge(150_000_000), Language::Ru),
            "1\u{a0}500\u{a0}000\u{a0}тенге"
        );
        assert_eq!(
            money(tenge(150_000_050), Language::Kk),
            "1\u{a0}500\u{a0}000,50\u{a0}теңге"
        );
        assert_eq!(
            money(tenge(150_000_005), Language::En),
            "KZT\u{a0}1,500,000.05"
        );
        assert_eq!(money(tenge(99_900), Language::En), "KZT\u{a0}999");
        assert_eq!(money(tenge(0), Language::Ru), "0\u{a0}тенге");
    }

    #[test]
    fn instants_are_shown_on_almaty_clocks() {
        // 13:00 UTC is 18:00 in Almaty; 20:30 UTC on the 31st is already the 1st there.
        let at = Utc
            .with_ymd_and_hms(2026, 11, 26, 13, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            instant(at, Language::Ru),
            "26 ноября 2026 г., 18:00 (по времени Алматы, UTC+5)"
        );
        assert_eq!(
            instant(at, Language::Kk),
            "2026 жылғы 26 қараша, 18:00 (Алматы уақыты, UTC+5)"
        );
        let late = Utc
            .with_ymd_and_hms(2026, 12, 31, 20, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            instant(late, Language::En),
            "1 January 2027, 01:30 (Almaty time, UTC+5)"
        );
    }
}
