//! A call's reviewer pool: who is in it, adding and removing reviewers, and the automatic
//! assignment of every submitted application to the call's number of reviewers.

use domain::ids::UserId;
use domain::role::Role;
use minijinja::Value;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use super::gate::{act_once, call_id, staff_call};
use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::failure;
use crate::web::pages::shared::{PostedFields, query_value};
use crate::web::visit::{SignedIn, Visit};

/// `GET /office/calls/{id}/reviewers`: the pool, and (to officers) the reviewers who can be
/// added and the automatic assignment; after one, how it went.
#[handler]
pub async fn pool_page(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    req: &Request,
) -> Response {
    let (me, id) = match staff_call(&state, &visit, &id) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let officer = me.user.role == Role::Officer;
    let read = async {
        let call = usecases::calls::one(&state.store, Some(me.acting()), id).await?;
        let pool = usecases::reviews::read::pool(&state.store, me.acting(), id).await?;
        let candidates = if officer {
            usecases::pool::candidates(&state.store, me.acting(), id).await?
        } else {
            Vec::new()
        };
        Ok::<_, usecases::Error>((call, pool, candidates))
    };
    let (call, pool, candidates) = match read.await {
        Ok(found) => found,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let base = format!("/office/calls/{}", call.id);
    let members: Vec<Value> = pool
        .iter()
        .map(|m| {
            minijinja::context! {
                name => m.name.clone(),
                email => m.email.clone(),
                added => format::instant(m.added_at, language),
                remove_href => format!("{base}/reviewers/{}/remove", m.reviewer_id),
            }
        })
        .collect();
    let candidates: Vec<Value> = candidates
        .iter()
        .map(|u| minijinja::context! { id => u.id.to_string(), name => u.name.clone(), email => u.email.clone() })
        .collect();
    let count = |name| query_value(req, name).and_then(|n| n.parse::<u32>().ok());
    visit.page(
        &state,
        StatusCode::OK,
        "office_pool.html",
        minijinja::context! {
            call_title => call.spec.title_in(language).to_owned(),
            base => base,
            members => members,
            candidates => candidates,
            officer => officer,
            per_application => call.spec.reviewers_per_application,
            assigned => count("assigned"),
            unstaffed => count("unstaffed"),
        },
    )
}

/// The account named by a form or a path; an id that does not parse names no account, so
/// the use case refuses it as it refuses an unknown one.
fn user_id(id: &str) -> UserId {
    UserId::from(id.trim().parse::<uuid::Uuid>().unwrap_or_default())
}

/// `POST /office/calls/{id}/reviewers`: adds the chosen `reviewer_id` to the pool.
#[handler]
pub async fn add(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, form| {
        let call = call_id(&id).ok_or(usecases::Error::NotFound)?;
        let reviewer = user_id(form.get("reviewer_id").map_or("", String::as_str));
        let now = state.clock.now();
        usecases::pool::add(&state.store, me.acting(), call, reviewer, now, None).await?;
        Ok(format!("/office/calls/{call}/reviewers"))
    })
    .await
}

/// `POST /office/calls/{id}/reviewers/{user}/remove`.
#[handler]
pub async fn remove(
    state: Data<&AppState>,
    visit: Visit,
    Path((id, user)): Path<(String, String)>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, _| {
        let call = call_id(&id).ok_or(usecases::Error::NotFound)?;
        let reviewer = user_id(&user);
        usecases::pool::remove(&state.store, me.acting(), call, reviewer).await?;
        Ok(format!("/office/calls/{call}/reviewers"))
    })
    .await
}

/// `POST /office/calls/{id}/assign`: assigns every submitted application of the closed
/// call, due at the end of the day `due` (Almaty; the usual term when empty).
#[handler]
pub async fn assign(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, form| {
        let call = call_id(&id).ok_or(usecases::Error::NotFound)?;
        let due = form.get("due").map_or("", |d| d.trim());
        let due_at =
            if due.is_empty() {
                None
            } else {
                Some(super::applications::end_of_day(due).ok_or_else(|| {
                    usecases::error::invalid("due_at", "not_a_date", "is not a date")
                })?)
            };
        let now = state.clock.now();
        let plan = usecases::reviews::assign::automatic(
            &state.store,
            me.acting(),
            call,
            due_at,
            now,
            None,
        )
        .await?;
        Ok(format!(
            "/office/calls/{call}/reviewers?assigned={}&unstaffed={}",
            plan.assignments.len(),
            plan.unstaffed.len()
        ))
    })
    .await
}
