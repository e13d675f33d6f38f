//! Pages for what went wrong: a 404 page for anything the person may not see (exactly where
//! the API answers 404), a 403 page for what they may not do, the sign-in page for what
//! needs an account, and plain pages for limits and failures.

use poem::Response;
use poem::http::StatusCode;

use super::visit::Visit;
use crate::error::ApiError;
use crate::state::AppState;

/// A link on a notice page.
#[derive(Debug, serde::Serialize)]
pub struct Link {
    /// Where it goes.
    pub href: String,
    /// What it says.
    pub text: String,
}

/// A page with a heading, paragraphs and perhaps a link, answering `status`.
#[must_use]
pub fn notice(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    heading: &str,
    paragraphs: &[&str],
    link: Option<Link>,
) -> Response {
    visit.page(
        state,
        status,
        "notice.html",
        minijinja::context! {
            heading => heading,
            paragraphs => paragraphs.iter().map(|p| (*p).to_owned()).collect::<Vec<String>>(),
            link => minijinja::Value::from(minijinja::value::Serde(link)),
        },
    )
}

/// The page for `err`.
#[must_use]
pub fn page(state: &AppState, visit: &Visit, err: ApiError) -> Response {
    let words = |key| state.portal.catalogue.text(visit.language, key);
    let home = || {
        Some(Link {
            href: "/".to_owned(),
            text: words("back_home").to_owned(),
        })
    };
    match err {
        ApiError::NotFound => notice(
            state,
            visit,
            StatusCode::NOT_FOUND,
            words("error_not_found_title"),
            &[words("error_not_found_body")],
            home(),
        ),
        ApiError::Forbidden(_) => notice(
            state,
            visit,
            StatusCode::FORBIDDEN,
            words("error_forbidden_title"),
            &[words("error_forbidden_body")],
            home(),
        ),
        ApiError::Unauthorized(_) => {
            visit.redirect(&sign_in_path(&visit.target, visit.session_ended))
        }
        ApiError::TooManyRequests(seconds) => notice(
            state,
            visit,
            StatusCode::TOO_MANY_REQUESTS,
            words("error_too_many_title"),
            &[&super::forms::fill(
                words("error_too_many_body"),
                &[("seconds", &seconds.to_string())],
            )],
            None,
        ),
        other @ (ApiError::Malformed { .. }
        | ApiError::Validation(_)
        | ApiError::Conflict { .. }
        | ApiError::Unprocessable { .. }
        | ApiError::PreconditionFailed
        | ApiError::PreconditionRequired
        | ApiError::PayloadTooLarge
        | ApiError::UnsupportedMediaType(_)
        | ApiError::Unavailable(_)
        | ApiError::Internal(_)) => {
            // Logs server errors, as the API does.
            let problem = other.to_problem();
            let status =
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                notice(
                    state,
                    visit,
                    status,
                    words("error_internal_title"),
                    &[words("error_internal_body")],
                    home(),
                )
            } else {
                // A refused form's every reason, in the page's language.
                let catalogue = &state.portal.catalogue;
                let mut lines = vec![problem.detail.unwrap_or_default()];
                lines.extend(problem.errors.iter().flatten().map(|e| {
                    catalogue
                        .entry(visit.language, "error", &e.code)
                        .map_or_else(|| e.message.clone(), str::to_owned)
                }));
                let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
                notice(state, visit, status, &problem.title, &lines, home())
            }
        }
    }
}

/// The page for a form whose token does not hold (forged, or older than the browser's
/// form cookie).
#[must_use]
pub fn form_expired(state: &AppState, visit: &Visit) -> Response {
    let words = |key| state.portal.catalogue.text(visit.language, key);
    notice(
        state,
        visit,
        StatusCode::FORBIDDEN,
        words("error_form_expired_title"),
        &[words("error_form_expired_body")],
        None,
    )
}

/// The sign-in page's path, sending the person back to `target` afterwards.
#[must_use]
pub fn sign_in_path(target: &str, expired: bool) -> String {
    let next = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
    let expired = if expired { "&expired=1" } else { "" };
    format!("/login?next={next}{expired}")
}

/// `next` when it is a path of this site, else the home page: a sign-in link cannot send
/// anyone elsewhere.
#[must_use]
pub fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if local { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(local_path("/calls/1?lang=kk"), "/calls/1?lang=kk");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
        assert_eq!(
            sign_in_path("/applications/1?x=1&y=2", false),
            "/login?next=%2Fapplications%2F1%3Fx%3D1%26y%3D2"
        );
    }
}
