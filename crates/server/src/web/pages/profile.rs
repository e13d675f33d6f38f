//! The signed-in person's own account: their name and the language mail and pages come in,
//! and changing the password (every other sign-in of the account ends; this one goes on).
//! The same use cases and the same sign-in limits as `PATCH /api/v1/me` and
//! `POST /api/v1/me/password`.

use std::collections::BTreeMap;

use domain::language::Language;
use minijinja::Value;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};

use crate::api::accounts::credentials;
use crate::api::limits::{self, ClientAddress};

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::failure;
use crate::web::forms::Problems;
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{
    PostedFields, accept_form, answered, named, query_value, signed_in,
};
use crate::web::visit::{SignedIn, Visit};

/// The account page, with `typed` in its forms and `problems` beside their fields.
fn account_page(
    state: &AppState,
    visit: &Visit,
    me: &SignedIn,
    typed: &BTreeMap<String, String>,
    problems: &Problems,
    notice: Option<&'static str>,
) -> Response {
    let language = visit.language;
    let get = |name: &str| typed.get(name).cloned();
    let languages: Vec<Value> = Language::ALL
        .iter()
        .map(|l| {
            minijinja::context! {
                code => l.code(),
                name => named(state, language, "language", l.code()),
            }
        })
        .collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            email => me.user.email.clone(),
            name => get("name").unwrap_or_else(|| me.user.name.clone()),
            chosen => get("language").unwrap_or_else(|| me.user.language.code().to_owned()),
            account_languages => languages,
            notice => notice,
        },
        problems.context(&["name", "language", "current_password", "new_password"]),
    ]);
    visit.page(state, status, "profile.html", context)
}

/// `GET /account`.
#[handler]
pub fn account(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let notice = if query_value(req, "saved").is_some() {
        Some("profile_saved")
    } else if query_value(req, "changed").is_some() {
        Some("password_changed")
    } else {
        None
    };
    account_page(
        &state,
        &visit,
        me,
        &BTreeMap::new(),
        &Problems::default(),
        notice,
    )
}

/// `POST /account`: the name and the language.
#[handler]
pub async fn update(state: Data<&AppState>, visit: Visit, posted: PostedFields) -> Response {
    let (me, form) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let get = |name: &str| form.get(name).map(String::as_str);
    let token = get("once").unwrap_or_default().to_owned();
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, &token, repeat, || async {
        let now = state.clock.now();
        let saved = usecases::accounts::update_me(
            &state.store,
            me.acting(),
            get("name"),
            get("language"),
            now,
        )
        .await;
        answered(
            &state,
            &visit,
            saved.map_err(ApiError::from),
            "/account?saved=1",
            async |problems| account_page(&state, &visit, me, &form, &problems, None),
        )
        .await
    })
    .await
}

/// `POST /account/password`: the current password and the new one; a wrong current password
/// counts against the sign-in limits as a failed sign-in does.
#[handler]
pub async fn change_password(
    state: Data<&AppState>,
    visit: Visit,
    client: ClientAddress,
    posted: PostedFields,
) -> Response {
    let (me, form) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let token = get("once");
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, &token, repeat, || async {
        if let Err(err) = limits::admit_login(&state, &client, Some(&me.user.email)).await {
            return (failure::page(&state, &visit, err), None);
        }
        let changed = usecases::signin::change_password(
            &state.store,
            &credentials(&state),
            me.acting(),
            Some(me.session),
            usecases::signin::Change {
                current: get("current_password"),
                new: get("new_password"),
            },
            state.clock.now(),
            None,
        )
        .await;
        if matches!(changed, Err(usecases::Error::WrongPassword))
            && let Err(err) =
                limits::count_login_failure(&state, &client, Some(&me.user.email)).await
        {
            return (failure::page(&state, &visit, err), None);
        }
        // Nothing typed in a password field comes back.
        answered(
            &state,
            &visit,
            changed.map_err(ApiError::from),
            "/account?changed=1",
            async |problems| account_page(&state, &visit, me, &BTreeMap::new(), &problems, None),
        )
        .await
    })
    .await
}
