//! The portal's cookies: reading them from a request and writing `Set-Cookie` values.
//! Every cookie is HttpOnly and SameSite=Lax, and Secure when the service's public address
//! is https.

use poem::Request;

/// The sign-in: a random token whose digest names a login record.
pub const SESSION: &str = "grants_session";
/// The random value form tokens are derived from.
pub const FORMS: &str = "grants_forms";
/// The language chosen with `?lang=`.
pub const LANGUAGE: &str = "grants_lang";

/// The value of cookie `name` in `req`, if sent.
#[must_use]
pub fn read<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value for `name` = `value` living `max_age` seconds (0 removes it).
#[must_use]
pub fn set(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// A `Set-Cookie` value that removes cookie `name`.
#[must_use]
pub fn remove(name: &str, secure: bool) -> String {
    set(name, "", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let req = Request::builder()
            .header("cookie", "a=1; grants_session=xyz; grants_lang=kk")
            .header("cookie", "other=2")
            .finish();
        assert_eq!(read(&req, SESSION), Some("xyz"));
        assert_eq!(read(&req, LANGUAGE), Some("kk"));
        assert_eq!(read(&req, "other"), Some("2"));
        assert_eq!(read(&req, "grants"), None);
        assert_eq!(read(&req, FORMS), None);
    }

    #[test]
    fn written_cookies_are_http_only_and_lax() {
        let value = set(SESSION, "t", 60, true);
        assert_eq!(
            value,
            "grants_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(!remove(LANGUAGE, false).contains("Secure"));
        assert!(remove(LANGUAGE, false).contains("Max-Age=0"));
    }
}
