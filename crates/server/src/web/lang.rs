//! Which language a page is written in: `?lang=` (which the portal then remembers in a
//! cookie), else that cookie, else the account's language, else the browser's
//! `Accept-Language`, else Russian.

use domain::language::Language;

/// The language to write a page in, from what the request carries.
#[must_use]
pub fn choose(
    query: Option<&str>,
    cookie: Option<&str>,
    account: Option<Language>,
    accept: Option<&str>,
) -> Language {
    query
        .and_then(|code| code.parse().ok())
        .or_else(|| cookie.and_then(|code| code.parse().ok()))
        .or(account)
        .or_else(|| accept.and_then(accepted))
        .unwrap_or_default()
}

/// The most preferred of our languages in an `Accept-Language` header (RFC 9110: tags
/// with optional `q` weights; a region such as `ru-KZ` counts as its language).
#[must_use]
pub fn accepted(header: &str) -> Option<Language> {
    let mut best: Option<(Language, u16)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let primary = tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let Ok(language) = primary.parse::<Language>() else {
            continue;
        };
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1000), quality)
            .unwrap_or(0);
        if weight > 0 && best.is_none_or(|(_, w)| weight > w) {
            best = Some((language, weight));
        }
    }
    best.map(|(language, _)| language)
}

/// A `q` value in thousandths; `None` when malformed.
fn quality(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    if (0.0..=1.0).contains(&value) {
        // In range, so the product fits.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some((value * 1000.0).round() as u16)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_the_cookie_then_the_account_then_the_browser() {
        let all = |q, c, a, h| choose(q, c, a, h);
        assert_eq!(
            all(Some("kk"), Some("en"), Some(Language::Ru), Some("en")),
            Language::Kk
        );
        assert_eq!(
            all(None, Some("en"), Some(Language::Kk), Some("ru")),
            Language::En
        );
        assert_eq!(
            all(None, None, Some(Language::Kk), Some("en")),
            Language::Kk
        );
        assert_eq!(all(None, None, None, Some("en-GB,en;q=0.9")), Language::En);
        assert_eq!(all(None, None, None, None), Language::Ru);
        // Unknown codes fall through.
        assert_eq!(all(Some("de"), Some("xx"), None, Some("kk")), Language::Kk);
    }

    #[test]
    fn accept_language_weights_are_honoured() {
        assert_eq!(accepted("de, en;q=0.5, kk;q=0.8"), Some(Language::Kk));
        assert_eq!(accepted("ru-KZ, en;q=0.9"), Some(Language::Ru));
        assert_eq!(accepted("EN-us"), Some(Language::En));
        assert_eq!(accepted("de, fr"), None);
        assert_eq!(accepted("en;q=0, ru;q=0.1"), Some(Language::Ru));
        assert_eq!(accepted("en;q=nonsense"), None);
        assert_eq!(accepted(""), None);
    }
}
