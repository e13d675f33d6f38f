//! The officer's calls: every call in every phase, a call's own page with what can be done
//! to it next, and the call form (new, or a draft's changes) with its rubric and its text
//! in each language.

use std::collections::BTreeMap;

use domain::call::{Aggregation, CallPhase, PriorityArea};
use domain::language::Language;
use domain::region::Region;
use domain::role::Role;
use minijinja::Value;
use persistence::calls::CallFilter;

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use super::call_form::{CallDraft, RUBRIC_ROWS_MAX};
use super::gate::{act_once, call_id, staff, staff_call};
use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::failure;
use crate::web::forms::Problems;
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{PostedFields, accept_form, named, query_value};
use crate::web::visit::{SignedIn, Visit};

/// Calls on a page of the office's list.
const PAGE_SIZE: u64 = 50;

/// The catalogue key naming `phase`.
const fn phase_key(phase: CallPhase) -> &'static str {
    match phase {
        CallPhase::Draft => "call_status_draft",
        CallPhase::Scheduled => "call_status_upcoming",
        CallPhase::Open => "call_status_open",
        CallPhase::Closed => "call_status_closed",
        CallPhase::Decided => "call_status_decided",
    }
}

/// `GET /office`: every call, newest first, in every phase (staff).
#[handler]
pub async fn office_home(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let me = match staff(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let page = query_value(req, "page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let now = state.clock.now();
    let filter = CallFilter {
        phases: Vec::new(),
        priority_area: None,
        region: None,
    };
    let listed = usecases::calls::list(
        &state.store,
        Some(me.acting()),
        filter,
        page,
        PAGE_SIZE,
        now,
    )
    .await;
    let listed = match listed {
        Ok(listed) => listed,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    let calls: Vec<Value> = listed
        .items
        .iter()
        .map(|c| {
            let phase = domain::call::phase(c.state, c.spec.opens_at, c.spec.closes_at, now);
            minijinja::context! {
                href => format!("/office/calls/{}", c.id),
                title => c.spec.title_in(language).to_owned(),
                status => words(phase_key(phase)),
                closes => format::instant(c.spec.closes_at, language),
            }
        })
        .collect();
    let page_link = |n: u64| format!("/office?page={n}");
    visit.page(
        &state,
        StatusCode::OK,
        "office.html",
        minijinja::context! {
            calls => calls,
            officer => me.user.role == Role::Officer,
            admin => me.user.role == Role::Admin,
            next => listed.has_more.then(|| page_link(page + 1)),
            previous => (page > 1).then(|| page_link(page - 1)),
        },
    )
}

/// `GET /office/calls/{id}`: a call as its officers manage it: its facts, and what can be
/// done to it next.
#[handler]
pub async fn call_office(state: Data<&AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    let (me, id) = match staff_call(&state, &visit, &id) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let record = match usecases::calls::one(&state.store, Some(me.acting()), id).await {
        Ok(record) => record,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let now = state.clock.now();
    let spec = &record.spec;
    let phase = domain::call::phase(record.state, spec.opens_at, spec.closes_at, now);
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    let officer = me.user.role == Role::Officer;
    let base = format!("/office/calls/{}", record.id);
    visit.page(
        &state,
        StatusCode::OK,
        "office_call.html",
        minijinja::context! {
            title => spec.title_in(language).to_owned(),
            status => words(phase_key(phase)),
            base => &base,
            public_href => format!("/calls/{}", record.id),
            opens => format::instant(spec.opens_at, language),
            closes => format::instant(spec.closes_at, language),
            budget => format::money(spec.budget, language),
            reviewers => spec.reviewers_per_application,
            fundable => spec.fundable_min_score,
            aggregation => named(&state, language, "aggregation", spec.aggregation.code()),
            criteria => spec.rubric.len(),
            editable => officer && domain::call::check_editable(record.state).is_ok(),
            publishable => officer && phase == CallPhase::Draft,
            closable => officer && matches!(phase, CallPhase::Scheduled | CallPhase::Open),
        },
    )
}

/// `POST /office/calls/{id}/publish`.
#[handler]
pub async fn publish(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, _| {
        let id = call_id(&id).ok_or(usecases::Error::NotFound)?;
        let now = state.clock.now();
        let record = usecases::calls::publish(&state.store, me.acting(), id, now, None).await?;
        Ok(format!("/office/calls/{}", record.id))
    })
    .await
}

/// `POST /office/calls/{id}/close`: closes a published call before its closing instant.
#[handler]
pub async fn close(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, _| {
        let id = call_id(&id).ok_or(usecases::Error::NotFound)?;
        let now = state.clock.now();
        let record = usecases::calls::close(&state.store, me.acting(), id, now, None).await?;
        Ok(format!("/office/calls/{}", record.id))
    })
    .await
}

/// `GET /office/calls/new`: the form of a new call (officers).
#[handler]
pub fn new_call_form(state: Data<&AppState>, visit: Visit) -> Response {
    let me = match staff(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    if let Err(err) = me
        .acting()
        .require(Role::Officer, "only officers write calls")
    {
        return failure::page(&state, &visit, ApiError::from(err));
    }
    form_page(
        &state,
        &visit,
        "/office/calls/new",
        &CallDraft::blank(),
        &Problems::default(),
    )
}

/// `GET /office/calls/{id}/edit`: a draft call's form (officers).
#[handler]
pub async fn edit_call_form(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let me = match staff(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    if let Err(err) = me
        .acting()
        .require(Role::Officer, "only officers write calls")
    {
        return failure::page(&state, &visit, ApiError::from(err));
    }
    let Some(id) = call_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let record = match usecases::calls::one(&state.store, Some(me.acting()), id).await {
        Ok(record) => record,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    if let Err(refused) = domain::call::check_editable(record.state) {
        return failure::page(
            &state,
            &visit,
            ApiError::from(usecases::Error::CallRefused(refused)),
        );
    }
    let action = format!("/office/calls/{}/edit", record.id);
    form_page(
        &state,
        &visit,
        &action,
        &CallDraft::of(&record),
        &Problems::default(),
    )
}

/// `POST /office/calls/new`: drafts the call, or shows the form again with a rubric row
/// added or removed, or with every refusal beside its field.
#[handler]
pub async fn new_call(state: Data<&AppState>, visit: Visit, posted: PostedFields) -> Response {
    save(&state, &visit, posted, None).await
}

/// `POST /office/calls/{id}/edit`: saves a draft call's changes, as [`new_call`] does.
#[handler]
pub async fn edit_call(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    let Some(id) = call_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    save(&state, &visit, posted, Some(id)).await
}

async fn save(
    state: &AppState,
    visit: &Visit,
    posted: PostedFields,
    id: Option<domain::ids::CallId>,
) -> Response {
    let action = id.map_or_else(
        || "/office/calls/new".to_owned(),
        |id| format!("/office/calls/{id}/edit"),
    );
    let (me, form) = match accept_form(state, visit, posted, Some(action.clone())).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    // Only an officer's form is read further (the use cases refuse anyone else too).
    if let Err(err) = me
        .acting()
        .require(Role::Officer, "only officers write calls")
    {
        return failure::page(state, visit, ApiError::from(err));
    }
    let draft = CallDraft::posted(&form);
    let command = form.get("action").map_or("save", String::as_str);
    if command == "add" {
        let draft = draft.rows_changed(1, None);
        return form_page(state, visit, &action, &draft, &Problems::default());
    }
    if let Some(row) = command
        .strip_prefix("remove-")
        .and_then(|i| i.parse::<usize>().ok())
    {
        let draft = draft.rows_changed(0, Some(row));
        return form_page(state, visit, &action, &draft, &Problems::default());
    }
    let token = form.get("once").cloned().unwrap_or_default();
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(state, visit, &token, repeat, || async {
        let mut refused = domain::ValidationErrors::new();
        let input = draft.input(&mut refused);
        let catalogue = &state.portal.catalogue;
        if !refused.is_empty() {
            let problems = Problems::from_validation(&refused, visit.language, catalogue);
            return (form_page(state, visit, &action, &draft, &problems), None);
        }
        let now = state.clock.now();
        let saved = match id {
            None => usecases::calls::create(&state.store, me.acting(), input, now, None).await,
            Some(id) => {
                let expected = draft
                    .version
                    .parse()
                    .map_or(usecases::Expected::Any, usecases::Expected::Version);
                usecases::calls::update(&state.store, me.acting(), id, expected, input, now).await
            }
        };
        match saved {
            Ok(record) => {
                let location = format!("/office/calls/{}", record.id);
                (visit.redirect(&location), Some(location))
            }
            Err(err) => {
                let err = ApiError::from(err);
                match Problems::of_error(&err, visit.language, catalogue) {
                    Some(problems) => {
                        let problems = problems.renamed(|field| draft.form_field(field));
                        (form_page(state, visit, &action, &draft, &problems), None)
                    }
                    None => (failure::page(state, visit, err), None),
                }
            }
        }
    })
    .await
}

/// The names of the form's fields with `rows` rubric rows (the errors' map keys).
fn field_names(rows: usize) -> Vec<String> {
    let mut names: Vec<String> = [
        "title",
        "description",
        "priority_areas",
        "budget",
        "min_grant",
        "max_grant",
        "cofinancing_share",
        "opens_at",
        "closes_at",
        "eligibility.min_years_registered",
        "eligibility.regions",
        "rubric",
        "reviewers_per_application",
        "fundable_min_score",
        "disagreement_spread",
        "aggregation",
    ]
    .iter()
    .map(|f| (*f).to_owned())
    .collect();
    for i in 0..rows {
        for part in ["key", "title", "max_score", "weight", "guidance"] {
            names.push(format!("rubric[{i}].{part}"));
        }
    }
    for language in Language::ALL {
        let code = language.code();
        names.push(format!("translations.{code}.title"));
        names.push(format!("translations.{code}.description"));
        for i in 0..rows {
            names.push(format!("translations.{code}.rubric[{i}].title"));
            names.push(format!("translations.{code}.rubric[{i}].guidance"));
        }
    }
    names
}

/// The call form posting to `action`, showing `draft` and `problems`.
fn form_page(
    state: &AppState,
    visit: &Visit,
    action: &str,
    draft: &CallDraft,
    problems: &Problems,
) -> Response {
    let language = visit.language;
    let catalogue = &state.portal.catalogue;
    let choices = |table: &str, codes: &mut dyn Iterator<Item = &'static str>, on: &[String]| {
        codes
            .map(|code| {
                minijinja::context! {
                    code => code,
                    name => catalogue.entry(language, table, code).unwrap_or(code).to_owned(),
                    on => on.iter().any(|c| c == code),
                }
            })
            .collect::<Vec<Value>>()
    };
    let areas = choices(
        "area",
        &mut PriorityArea::ALL.iter().map(|a| a.code()),
        &draft.areas,
    );
    let regions = choices(
        "region",
        &mut Region::ALL.iter().map(|r| r.code()),
        &draft.regions,
    );
    let aggregations = choices(
        "aggregation",
        &mut Aggregation::ALL.iter().map(|a| a.code()),
        std::slice::from_ref(&draft.aggregation),
    );
    let languages: BTreeMap<&str, String> = Language::ALL
        .iter()
        .map(|l| {
            let name = catalogue
                .entry(language, "language", l.code())
                .unwrap_or(l.code());
            (l.code(), name.to_owned())
        })
        .collect();
    let names = field_names(draft.rubric.len());
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            action => action,
            draft => Value::from(minijinja::value::Serde(draft)),
            areas => areas,
            regions => regions,
            aggregations => aggregations,
            language_names => languages,
            can_add => draft.rubric.len() < RUBRIC_ROWS_MAX,
        },
        problems.context(&names),
    ]);
    visit.page(state, status, "call_form.html", context)
}
