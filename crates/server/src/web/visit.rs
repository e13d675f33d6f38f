//! One visit to a portal page: who is signed in, which language the page is in, the
//! browser's form token, and the cookies the answer must set. Pages are rendered through
//! it, so every page gets the same frame.

use domain::language::Language;
use minijinja::Value;
use persistence::records::User;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{FromRequest, Request, RequestBody, Response};
use serde::Serialize;
use uuid::Uuid;

use super::{cookies, csrf, lang};
use crate::auth::refresh;
use crate::error::ApiError;
use crate::state::AppState;

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Their account.
    pub user: User,
    /// The login (the same records as the API's logins).
    pub session: Uuid,
}

impl SignedIn {
    /// The account the use cases act for.
    #[must_use]
    pub fn acting(&self) -> usecases::Caller {
        usecases::Caller {
            id: self.user.id,
            role: self.user.role,
        }
    }
}

/// What a page request carries.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The page's language.
    pub language: Language,
    /// Who is signed in, if anyone.
    pub signed_in: Option<SignedIn>,
    /// Whether the browser brought a sign-in that has ended (logged out, expired, revoked).
    pub session_ended: bool,
    /// The browser's form cookie value.
    forms: String,
    /// The path and query asked for (for language links and `next`).
    pub target: String,
    /// The request's path.
    pub path: String,
    /// `Set-Cookie` values for the answer.
    set_cookies: Vec<String>,
    /// Whether cookies get the Secure attribute.
    secure: bool,
}

impl<'a> FromRequest<'a> for Visit {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
        Ok(Self::begin(state, req).await?)
    }
}

impl Visit {
    async fn begin(state: &AppState, req: &Request) -> Result<Self, ApiError> {
        let secure = state.settings.public_url.starts_with("https:");
        let mut set_cookies = Vec::new();
        let mut session_ended = false;
        let now = state.clock.now();
        let signed_in = match cookies::read(req, cookies::SESSION) {
            Some(token) => {
                match usecases::signin::resume_login(&state.store, &refresh::digest(token), now)
                    .await
                    .map_err(ApiError::from)?
                {
                    Some((user, session, renewed)) => {
                        if renewed {
                            set_cookies.push(session_cookie(token, secure));
                        }
                        Some(SignedIn { user, session })
                    }
                    None => {
                        set_cookies.push(cookies::remove(cookies::SESSION, secure));
                        session_ended = true;
                        None
                    }
                }
            }
            None => None,
        };
        let query_lang = req
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("lang=")));
        let language = lang::choose(
            query_lang,
            cookies::read(req, cookies::LANGUAGE),
            signed_in.as_ref().map(|s| s.user.language),
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        if query_lang.is_some_and(|code| code.parse::<Language>().is_ok()) {
            set_cookies.push(cookies::set(
                cookies::LANGUAGE,
                language.code(),
                365 * 24 * 3600,
                secure,
            ));
        }
        let forms = match cookies::read(req, cookies::FORMS) {
            Some(value) => value.to_owned(),
            None => {
                let value = csrf::fresh().map_err(|e| {
                    ApiError::internal(anyhow::anyhow!("random source failed: {e}"))
                })?;
                set_cookies.push(cookies::set(
                    cookies::FORMS,
                    &value,
                    365 * 24 * 3600,
                    secure,
                ));
                value
            }
        };
        Ok(Self {
            language,
            signed_in,
            session_ended,
            forms,
            target: req
                .uri()
                .path_and_query()
                .map_or_else(|| "/".to_owned(), ToString::to_string),
            path: req.uri().path().to_owned(),
            set_cookies,
            secure,
        })
    }

    /// Whether `token` is the form token of this browser.
    #[must_use]
    pub fn form_token_holds(&self, state: &AppState, token: &str) -> bool {
        state.portal.forms.holds(&self.forms, token)
    }

    /// Whether cookies are sent only over https.
    #[must_use]
    pub const fn secure(&self) -> bool {
        self.secure
    }

    /// Sets cookie `value` (a whole `Set-Cookie` value) on the answer.
    pub fn set_cookie(&mut self, value: String) {
        self.set_cookies.push(value);
    }

    /// Renders `template` with `context` and the frame's values, answering `status`.
    #[must_use]
    pub fn page(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        context: impl Serialize,
    ) -> Response {
        let portal = &state.portal;
        let user = self.signed_in.as_ref().map(|s| {
            minijinja::context! { name => s.user.name.clone(), role => s.user.role.code() }
        });
        let languages: Vec<Value> = Language::ALL
            .iter()
            .map(|l| {
                minijinja::context! {
                    code => l.code(),
                    name => portal.catalogue.entry(*l, "language", l.code()).unwrap_or(l.code()),
                    href => with_language(&self.target, *l),
                }
            })
            .collect();
        let frame = minijinja::context! {
            lang => self.language.code(),
            t => portal.catalogue.value(self.language),
            user => user,
            csrf => portal.forms.token(&self.forms),
            // A fresh one-time token for each form on the page.
            once => Value::from_function(|| super::once::fresh().unwrap_or_default()),
            css => portal.assets.css.path.clone(),
            js => portal.assets.js.path.clone(),
            languages => languages,
        };
        // The frame's values win over a page's of the same name.
        let context = minijinja::value::merge_maps([
            frame,
            minijinja::Value::from(minijinja::value::Serde(&context)),
        ]);
        match portal.render(template, context) {
            Ok(html) => self.answer(status, html),
            Err(err) => {
                tracing::error!(error = format!("{err:#}"), template, "rendering a page");
                let mut response = Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .content_type("text/plain; charset=utf-8")
                    .body("internal error");
                self.add_cookies(&mut response);
                response
            }
        }
    }

    fn answer(&self, status: StatusCode, html: String) -> Response {
        let mut response = Response::builder()
            .status(status)
            .content_type("text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .header(header::VARY, "Cookie, Accept-Language")
            .body(html);
        self.add_cookies(&mut response);
        response
    }

    /// A redirect to `location` after a form (303, so the browser asks with GET).
    #[must_use]
    pub fn redirect(&self, location: &str) -> Response {
        let mut response = Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, location)
            .header(header::CACHE_CONTROL, "no-store")
            .finish();
        self.add_cookies(&mut response);
        response
    }

    fn add_cookies(&self, response: &mut Response) {
        for cookie in &self.set_cookies {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
}

/// The sign-in cookie carrying `token`, for a month.
#[must_use]
pub fn session_cookie(token: &str, secure: bool) -> String {
    cookies::set(
        cookies::SESSION,
        token,
        domain::account::PORTAL_SESSION_DAYS * 24 * 3600,
        secure,
    )
}

/// `target` (a path with its query) with `lang` set to `language`.
fn with_language(target: &str, language: Language) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let lang = format!("lang={}", language.code());
    kept.push(&lang);
    format!("{path}?{}", kept.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_links_keep_the_rest_of_the_query() {
        assert_eq!(with_language("/", Language::Kk), "/?lang=kk");
        assert_eq!(
            with_language("/?region=abai&lang=ru&page=2", Language::En),
            "/?region=abai&page=2&lang=en"
        );
        assert_eq!(with_language("/calls/x?", Language::Ru), "/calls/x?lang=ru");
    }
}
