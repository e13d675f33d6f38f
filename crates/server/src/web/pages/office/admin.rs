//! An admin's pages: the staff accounts (create a reviewer, officer or admin; change a
//! role; disable and enable) and the outbox of mail, with a retry for mail that failed.

use std::collections::BTreeMap;

use domain::account::AccountInput;
use domain::language::Language;
use domain::notification::DeliveryStatus;
use domain::role::Role;
use domain::staff::AccountChange;
use minijinja::Value;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use super::gate::{act_once, staff};
use crate::api::accounts::credentials;
use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::failure;
use crate::web::forms::Problems;
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{PostedFields, accept_form, answered, named, query_value};
use crate::web::visit::{SignedIn, Visit};

/// Rows on a page of accounts or mail.
const PAGE_SIZE: u64 = 50;

/// The roles an admin gives.
const STAFF_ROLES: [Role; 3] = [Role::Reviewer, Role::Officer, Role::Admin];

fn after(req: &Request) -> Option<uuid::Uuid> {
    query_value(req, "after").and_then(|a| a.parse().ok())
}

/// `GET /office/users?role=&after=`: the accounts, with the form for a staff account
/// (admins).
#[handler]
pub async fn users_page(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let me = match staff(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    users(
        &state,
        &visit,
        me,
        req,
        &BTreeMap::new(),
        &Problems::default(),
    )
    .await
}

async fn users(
    state: &AppState,
    visit: &Visit,
    me: &SignedIn,
    req: &Request,
    typed: &BTreeMap<String, String>,
    problems: &Problems,
) -> Response {
    let role = query_value(req, "role").and_then(|r| r.parse::<Role>().ok());
    let page = match usecases::accounts::list_users(
        &state.store,
        me.acting(),
        role,
        after(req),
        PAGE_SIZE,
    )
    .await
    {
        Ok(page) => page,
        Err(err) => return failure::page(state, visit, ApiError::from(err)),
    };
    let language = visit.language;
    let role_name = |r: Role| named(state, language, "role", r.code());
    let accounts: Vec<Value> = page
        .items
        .iter()
        .map(|u| {
            minijinja::context! {
                id => u.id.to_string(),
                name => u.name.clone(),
                email => u.email.clone(),
                role => u.role.code(),
                role_name => role_name(u.role),
                staff => u.role != Role::Applicant,
                disabled => u.disabled,
                since => format::instant(u.created_at, language),
                href => format!("/office/users/{}", u.id),
            }
        })
        .collect();
    let roles: Vec<Value> = STAFF_ROLES
        .iter()
        .map(|r| minijinja::context! { code => r.code(), name => role_name(*r) })
        .collect();
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
    let get = |name: &str| typed.get(name).cloned().unwrap_or_default();
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            accounts => accounts,
            roles => roles,
            account_languages => languages,
            next => page.next.map(|n| format!("/office/users?after={n}")),
            form => minijinja::context! {
                email => get("email"), name => get("name"),
                role => get("role"), language => get("language"),
            },
            created => query_value(req, "created").is_some(),
        },
        problems.context(&["email", "name", "password", "role", "language"]),
    ]);
    visit.page(state, status, "office_users.html", context)
}

/// `POST /office/users`: creates a reviewer's, officer's or admin's account, its address
/// counting as confirmed; refused, the page shows every reason beside its field.
#[handler]
pub async fn create_user(
    state: Data<&AppState>,
    visit: Visit,
    posted: PostedFields,
    req: &Request,
) -> Response {
    let (me, form) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    // Only an admin's form is read further (the use case refuses anyone else too).
    if let Err(err) = me
        .acting()
        .require(Role::Admin, "only admins create accounts")
    {
        return failure::page(&state, &visit, ApiError::from(err));
    }
    let get = |name: &str| form.get(name).map_or("", String::as_str);
    let token = get("once").to_owned();
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, &token, repeat, || async {
        let catalogue = &state.portal.catalogue;
        let Some(role) = STAFF_ROLES.into_iter().find(|r| r.code() == get("role")) else {
            let problems = Problems::one("role", "invalid_role", visit.language, catalogue);
            let mut typed = form.clone();
            typed.remove("password");
            return (
                users(&state, &visit, me, req, &typed, &problems).await,
                None,
            );
        };
        let input = AccountInput {
            email: get("email"),
            password: get("password"),
            name: get("name"),
            language: Some(get("language")).filter(|l| !l.is_empty()),
        };
        let now = state.clock.now();
        let created = usecases::signin::create_staff(
            &state.store,
            &credentials(&state),
            me.acting(),
            input,
            role,
            now,
            None,
        )
        .await;
        let mut typed = form.clone();
        typed.remove("password");
        answered(
            &state,
            &visit,
            created.map_err(ApiError::from),
            "/office/users?created=1",
            async |problems| users(&state, &visit, me, req, &typed, &problems).await,
        )
        .await
    })
    .await
}

/// `POST /office/users/{id}`: `role` (reviewer, officer, admin) and `disabled` (`yes` to
/// disable, `no` to enable); either ends the account's every sign-in.
#[handler]
pub async fn change_user(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, form| {
        let id = id
            .parse::<uuid::Uuid>()
            .map(domain::ids::UserId::from)
            .map_err(|_| usecases::Error::NotFound)?;
        let role = form
            .get("role")
            .and_then(|r| STAFF_ROLES.into_iter().find(|s| s.code() == r));
        let disabled = match form.get("disabled").map(String::as_str) {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(_) | None => None,
        };
        let change = AccountChange { role, disabled };
        let now = state.clock.now();
        usecases::accounts::update_user(&state.store, me.acting(), id, change, now).await?;
        Ok("/office/users".to_owned())
    })
    .await
}

/// `GET /office/outbox?status=&after=`: the mail the service owes and sent, newest first
/// (admins).
#[handler]
pub async fn outbox_page(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let me = match staff(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let status = query_value(req, "status").and_then(|s| s.parse::<DeliveryStatus>().ok());
    let page =
        match usecases::accounts::outbox(&state.store, me.acting(), status, after(req), PAGE_SIZE)
            .await
        {
            Ok(page) => page,
            Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
        };
    let language = visit.language;
    let mail: Vec<Value> = page
        .items
        .iter()
        .map(|m| {
            minijinja::context! {
                kind => m.kind.code(),
                status => named(&state, language, "delivery", m.status.code()),
                failed => m.status == DeliveryStatus::Failed,
                attempts => m.attempts,
                created => format::instant(m.created_at, language),
                error => m.last_error.clone(),
                retry_href => format!("/office/outbox/{}/retry", m.id),
            }
        })
        .collect();
    let statuses: Vec<Value> = DeliveryStatus::ALL
        .iter()
        .map(|s| {
            minijinja::context! {
                code => s.code(),
                name => named(&state, language, "delivery", s.code()),
                on => Some(*s) == status,
            }
        })
        .collect();
    let next = page.next.map(|n| {
        let filter = status.map_or(String::new(), |s| format!("status={}&", s.code()));
        format!("/office/outbox?{filter}after={n}")
    });
    visit.page(
        &state,
        StatusCode::OK,
        "office_outbox.html",
        minijinja::context! { mail => mail, statuses => statuses, next => next },
    )
}

/// `POST /office/outbox/{id}/retry`: queues failed mail again (admins).
#[handler]
pub async fn retry(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, _| {
        let id = id
            .parse::<uuid::Uuid>()
            .map_err(|_| usecases::Error::NotFound)?;
        let now = state.clock.now();
        usecases::accounts::retry_mail(&state.store, me.acting(), id, now, None).await?;
        Ok("/office/outbox?status=failed".to_owned())
    })
    .await
}
