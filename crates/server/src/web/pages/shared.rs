//! What several pages share: the signed-in person or the way to sign in, names from the
//! catalogue's tables, and how an application's status reads to its applicant.

use std::collections::BTreeMap;

use domain::language::Language;
use domain::status::ApplicationStatus;
use poem::Response;

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::failure;
use crate::web::visit::{SignedIn, Visit};

/// The signed-in person, or the sign-in page (which leads back here) for a stranger.
///
/// # Errors
/// The redirect to the sign-in page.
pub fn signed_in<'a>(state: &AppState, visit: &'a Visit) -> Result<&'a SignedIn, Box<Response>> {
    visit.signed_in.as_ref().ok_or_else(|| {
        Box::new(failure::page(
            state,
            visit,
            ApiError::Unauthorized("sign in"),
        ))
    })
}

/// The name of `code` in the catalogue's `table`, in `language` (the code itself when the
/// catalogue lacks it; a test keeps every code named).
#[must_use]
pub fn named(state: &AppState, language: Language, table: &str, code: &'static str) -> String {
    state
        .portal
        .catalogue
        .entry(language, table, code)
        .unwrap_or(code)
        .to_owned()
}

/// The catalogue key of what is expected of the applicant next, in `status`.
#[must_use]
pub const fn next_step(status: ApplicationStatus) -> &'static str {
    match status {
        ApplicationStatus::Draft => "next_draft",
        ApplicationStatus::RevisionRequested => "next_revision",
        ApplicationStatus::Submitted
        | ApplicationStatus::UnderReview
        | ApplicationStatus::Reviewed
        | ApplicationStatus::Waitlisted => "next_waiting",
        ApplicationStatus::Approved | ApplicationStatus::Rejected => "next_decided",
        ApplicationStatus::Ineligible | ApplicationStatus::Withdrawn => "next_closed",
    }
}

/// The value of `name` in the query string of `req`, decoded.
#[must_use]
pub fn query_value(req: &poem::Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The type of a posted form's fields as a handler takes them.
pub type PostedFields = poem::Result<poem::web::Form<Vec<(String, String)>>>;

/// A posted form's fields by name (a repeated name's last value), once the form token this
/// browser was served holds and its sender is signed in. A sender whose sign-in ended is
/// sent to sign in; with `park_at`, what they typed is kept to come back at that page.
///
/// # Errors
/// The page that answers instead: the form-expired page, or the way to sign in.
pub async fn accept_form<'a>(
    state: &AppState,
    visit: &'a Visit,
    posted: PostedFields,
    park_at: Option<String>,
) -> Result<(&'a SignedIn, BTreeMap<String, String>), Box<Response>> {
    let fields: BTreeMap<String, String> = posted
        .map(|f| f.0.into_iter().collect())
        .unwrap_or_default();
    let token = fields.get("csrf").map_or("", String::as_str);
    if !visit.form_token_holds(state, token) {
        return Err(Box::new(failure::form_expired(state, visit)));
    }
    match (&visit.signed_in, park_at) {
        (Some(me), _) => Ok((me, fields)),
        (None, Some(path)) => Err(Box::new(
            crate::web::parked::park(state, visit, &path, &fields).await,
        )),
        (None, None) => Err(Box::new(failure::page(
            state,
            visit,
            ApiError::Unauthorized("sign in"),
        ))),
    }
}

/// What a form's use case came to, as `once_per_form` records it: done, the browser goes to
/// `location`; refused field by field, `again` shows the form with the refusals; refused
/// otherwise, the refusal's page.
pub async fn answered<T, Again, Shown>(
    state: &AppState,
    visit: &Visit,
    outcome: Result<T, ApiError>,
    location: &str,
    again: Again,
) -> (Response, Option<String>)
where
    Again: FnOnce(crate::web::forms::Problems) -> Shown,
    Shown: std::future::Future<Output = Response>,
{
    match outcome {
        Ok(_) => (visit.redirect(location), Some(location.to_owned())),
        Err(err) => {
            let catalogue = &state.portal.catalogue;
            match crate::web::forms::Problems::of_error(&err, visit.language, catalogue) {
                Some(problems) => (again(problems).await, None),
                None => (failure::page(state, visit, err), None),
            }
        }
    }
}
