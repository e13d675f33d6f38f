//! The `next_cursor` of a page of applications as the client sees it: an opaque URL-safe
//! string naming the order, the page it starts and the last item of the page before.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use persistence::applications::{ApplicationSort, Cursor, SortKey};
use uuid::Uuid;

/// Longest cursor accepted; a title of 500 characters fits well within.
const MAX_LEN: usize = 4096;
const EMPTY: &str = "-";

fn tag(sort: ApplicationSort) -> &'static str {
    match sort {
        ApplicationSort::CreatedDesc => "cd",
        ApplicationSort::CreatedAsc => "ca",
        ApplicationSort::SubmittedAsc => "sa",
        ApplicationSort::TitleAsc => "ta",
        ApplicationSort::RequestedDesc => "rd",
    }
}

fn sort_of(tag: &str) -> Option<ApplicationSort> {
    [
        ApplicationSort::CreatedDesc,
        ApplicationSort::CreatedAsc,
        ApplicationSort::SubmittedAsc,
        ApplicationSort::TitleAsc,
        ApplicationSort::RequestedDesc,
    ]
    .into_iter()
    .find(|sort| self::tag(*sort) == tag)
}

/// The cursor as the client is given it.
#[must_use]
pub fn encode(cursor: &Cursor) -> String {
    let key = match cursor.key() {
        SortKey::Instant(Some(at)) => at.to_rfc3339_opts(SecondsFormat::Nanos, true),
        SortKey::Text(Some(text)) => format!("={text}"),
        SortKey::Amount(amount) => amount.to_string(),
        SortKey::Instant(None) | SortKey::Text(None) => EMPTY.to_owned(),
    };
    let plain = format!(
        "{}.{}.{}.{key}",
        tag(cursor.sort()),
        cursor.page(),
        cursor.id().uuid()
    );
    URL_SAFE_NO_PAD.encode(plain)
}

/// The cursor a client sent back; `None` when it is not one this server handed out.
#[must_use]
pub fn decode(text: &str) -> Option<Cursor> {
    if text.len() > MAX_LEN {
        return None;
    }
    let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let mut parts = plain.splitn(4, '.');
    let sort = sort_of(parts.next()?)?;
    let page = parts.next()?.parse::<u64>().ok()?;
    let id = parts.next()?.parse::<Uuid>().ok()?;
    let key = parts.next()?;
    let key = match sort {
        ApplicationSort::CreatedDesc
        | ApplicationSort::CreatedAsc
        | ApplicationSort::SubmittedAsc => SortKey::Instant(instant(key)?),
        ApplicationSort::TitleAsc => SortKey::Text(if key == EMPTY {
            None
        } else {
            Some(key.strip_prefix('=')?.to_owned())
        }),
        ApplicationSort::RequestedDesc => SortKey::Amount(key.parse().ok()?),
    };
    Cursor::new(sort, page, key, id.into())
}

/// An instant, or `Some(None)` for the empty marker.
fn instant(key: &str) -> Option<Option<DateTime<Utc>>> {
    if key == EMPTY {
        return Some(None);
    }
    DateTime::parse_from_rfc3339(key)
        .ok()
        .map(|at| Some(at.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(sort: ApplicationSort, key: SortKey) -> Cursor {
        Cursor::new(sort, 3, key, Uuid::now_v7().into())
            .unwrap_or_else(|| panic!("a cursor that fits its order"))
    }

    #[test]
    fn every_kind_of_cursor_comes_back_as_it_went() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T10:11:12.123456789Z")
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{e}"));
        for cursor in [
            cursor(ApplicationSort::CreatedDesc, SortKey::Instant(Some(at))),
            cursor(ApplicationSort::CreatedAsc, SortKey::Instant(Some(at))),
            cursor(ApplicationSort::SubmittedAsc, SortKey::Instant(None)),
            cursor(ApplicationSort::SubmittedAsc, SortKey::Instant(Some(at))),
            cursor(
                ApplicationSort::TitleAsc,
                SortKey::Text(Some("Су. Ауыл = жол -".to_owned())),
            ),
            cursor(
                ApplicationSort::TitleAsc,
                SortKey::Text(Some("-".to_owned())),
            ),
            cursor(ApplicationSort::TitleAsc, SortKey::Text(None)),
            cursor(ApplicationSort::RequestedDesc, SortKey::Amount(-5)),
        ] {
            assert_eq!(decode(&encode(&cursor)), Some(cursor));
        }
    }

    #[test]
    fn anything_else_is_no_cursor() {
        let id = Uuid::now_v7();
        for plain in [
            String::new(),
            format!("xx.2.{id}.5"),
            format!("rd.2.{id}.five"),
            format!("rd.1.{id}.5"),
            format!("cd.2.{id}.-"),
            format!("ta.2.{id}.title without its mark"),
            "rd.2.not-an-id.5".to_owned(),
        ] {
            assert_eq!(decode(&URL_SAFE_NO_PAD.encode(&plain)), None, "{plain}");
        }
        assert_eq!(decode("not base64 at all!"), None);
        assert_eq!(decode(&"A".repeat(MAX_LEN + 1)), None);
    }
}
