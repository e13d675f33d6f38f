//! A call's applications as its officers see them, filtered by status and region, and
//! their eligibility screening: asking for a revision by a date, or refusing an
//! application as ineligible with a reason.

use domain::command::Command;
use domain::ids::ApplicationId;
use domain::region::Region;
use domain::status::ApplicationStatus;
use minijinja::Value;
use persistence::applications::{ApplicationSort, Position};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use super::gate::{act_once, staff_call};
use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::failure;
use crate::web::pages::shared::{PostedFields, named, query_value};
use crate::web::visit::{SignedIn, Visit};

/// Applications on a page of the list.
const PAGE_SIZE: u64 = 50;

/// `GET /office/calls/{id}/applications?status=&region=&page=` (staff).
#[handler]
pub async fn call_applications(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    req: &Request,
) -> Response {
    let (me, id) = match staff_call(&state, &visit, &id) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let status = query_value(req, "status").and_then(|s| s.parse::<ApplicationStatus>().ok());
    let region = query_value(req, "region").and_then(|r| r.parse::<Region>().ok());
    let page = query_value(req, "page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let read = async {
        let call = usecases::calls::one(&state.store, Some(me.acting()), id).await?;
        let listing = usecases::applications::Listing {
            call_id: Some(id),
            statuses: status.into_iter().collect(),
            organization_id: None,
            region,
            position: Position::Page {
                sort: ApplicationSort::SubmittedAsc,
                page,
            },
            limit: PAGE_SIZE,
        };
        let (listed, _) =
            usecases::applications::list(&state.store, me.acting(), Some(me.session), listing)
                .await?;
        Ok::<_, usecases::Error>((call, listed))
    };
    let (call, listed) = match read.await {
        Ok(found) => found,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let rows: Vec<Value> = listed
        .items
        .iter()
        .map(|a| {
            minijinja::context! {
                href => format!("/applications/{}", a.id),
                title => a.title.clone(),
                status => named(&state, language, "status", a.status.code()),
                region => named(&state, language, "region", a.region.code()),
                requested => format::money(a.requested, language),
                submitted => a.submitted_at.map(|at| format::instant(at, language)),
            }
        })
        .collect();
    let choices = |table: &str, codes: Vec<&'static str>, on: Option<&'static str>| {
        codes
            .into_iter()
            .map(|code| {
                minijinja::context! {
                    code => code,
                    name => named(&state, language, table, code),
                    on => Some(code) == on,
                }
            })
            .collect::<Vec<Value>>()
    };
    let statuses = choices(
        "status",
        ApplicationStatus::ALL.iter().map(|s| s.code()).collect(),
        status.map(ApplicationStatus::code),
    );
    let regions = choices(
        "region",
        Region::ALL.iter().map(|r| r.code()).collect(),
        region.map(Region::code),
    );
    let base = format!("/office/calls/{}/applications", call.id);
    let link = |n: u64| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = status {
            query.append_pair("status", s.code());
        }
        if let Some(r) = region {
            query.append_pair("region", r.code());
        }
        query.append_pair("page", &n.to_string());
        format!("{base}?{}", query.finish())
    };
    visit.page(
        &state,
        StatusCode::OK,
        "office_applications.html",
        minijinja::context! {
            call_title => call.spec.title_in(language).to_owned(),
            call_href => format!("/office/calls/{}", call.id),
            action => &base,
            applications => rows,
            statuses => statuses,
            regions => regions,
            next => listed.next.is_some().then(|| link(page + 1)),
            previous => (page > 1).then(|| link(page - 1)),
        },
    )
}

/// `POST /applications/{id}/screen`: `action=request_revision` with a `comment` and the
/// date it is `due` (the end of that day in Almaty), or `action=mark_ineligible` with a
/// `reason` (officers).
#[handler]
pub async fn screen(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, form| {
        let id = id
            .parse::<uuid::Uuid>()
            .map(ApplicationId::from)
            .map_err(|_| usecases::Error::NotFound)?;
        let get = |name: &str| form.get(name).cloned().unwrap_or_default();
        let command = match get("action").as_str() {
            "request_revision" => Command::RequestRevision {
                comment: get("comment"),
                due_at: end_of_day(&get("due")).ok_or_else(|| {
                    usecases::error::invalid("due_at", "not_a_date", "is not a date")
                })?,
            },
            _ => Command::MarkIneligible {
                reason: get("reason"),
            },
        };
        let now = state.clock.now();
        usecases::transitions::run(&state.store, me.acting(), id, command, now, None).await?;
        Ok(format!("/applications/{id}"))
    })
    .await
}

/// The last minute of `date` (`YYYY-MM-DD`) in Almaty.
pub(super) fn end_of_day(date: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    Some(domain::calendar::from_almaty(day.and_hms_opt(23, 59, 0)?))
}
