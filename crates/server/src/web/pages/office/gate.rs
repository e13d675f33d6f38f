//! What every office page does first: who may see it, and how a staff form acts once.

use std::collections::BTreeMap;
use std::future::Future;

use domain::ids::CallId;
use poem::Response;

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::failure;
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{PostedFields, accept_form, signed_in};
use crate::web::visit::{SignedIn, Visit};

/// The signed-in member of the operator's staff, or the page that answers anyone else: a
/// stranger is sent to sign in, an applicant or a reviewer gets the 403 page.
pub(super) fn staff<'a>(state: &AppState, visit: &'a Visit) -> Result<&'a SignedIn, Box<Response>> {
    let me = signed_in(state, visit)?;
    match me.acting().staff() {
        Some(_) => Ok(me),
        None => Err(Box::new(failure::page(
            state,
            visit,
            ApiError::Forbidden("only the operator's staff use these pages"),
        ))),
    }
}

/// The member of staff and the call a page under `/office/calls/{id}` is about, or the page
/// that answers instead (as [`staff`] answers, or the 404 page for a path that is no id).
pub(super) fn staff_call<'a>(
    state: &AppState,
    visit: &'a Visit,
    id: &str,
) -> Result<(&'a SignedIn, CallId), Box<Response>> {
    let me = staff(state, visit)?;
    let id =
        call_id(id).ok_or_else(|| Box::new(failure::page(state, visit, ApiError::NotFound)))?;
    Ok((me, id))
}

/// The call named by a path segment, when it is an id.
pub(super) fn call_id(id: &str) -> Option<CallId> {
    id.parse::<uuid::Uuid>().ok().map(CallId::from)
}

/// A staff form's action: the form accepted (its token, its sender's sign-in), acted on
/// once however often it is sent, and answered by going to the page `act` names, or by
/// the page of its refusal.
pub(super) async fn act_once<Act, Done>(
    state: &AppState,
    visit: &Visit,
    posted: PostedFields,
    act: Act,
) -> Response
where
    Act: FnOnce(SignedIn, BTreeMap<String, String>) -> Done,
    Done: Future<Output = Result<String, usecases::Error>>,
{
    let (me, form) = match accept_form(state, visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let token = form.get("once").cloned().unwrap_or_default();
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(state, visit, &token, repeat, || async {
        match act(me.clone(), form).await {
            Ok(location) => (visit.redirect(&location), Some(location)),
            Err(err) => (failure::page(state, visit, ApiError::from(err)), None),
        }
    })
    .await
}
