//! A call's ranking: every reviewed application by score with the funding line drawn,
//! disagreements between reviewers flagged, a CSV download, and the decisions: one or
//! many at once, each with its award and reason, applied all together or not at all.

use std::collections::HashMap;

use domain::command::{Command, CommandKind};
use domain::ids::ApplicationId;
use domain::money::Money;
use minijinja::Value;
use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, handler};

use super::gate::{act_once, call_id, staff_call};
use crate::api::decisions::csv::ranking_csv;
use crate::api::decisions::ranking_response;
use crate::api::spreadsheet::{Separator, attachment};
use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::failure;
use crate::web::pages::shared::{PostedFields, named, query_value};
use crate::web::visit::{SignedIn, Visit};

/// Rows on a page of the ranking.
const PAGE_ROWS: usize = 50;

/// The member of staff asking and the ranking of the call `id` names, or the page that
/// answers instead.
async fn ranked<'a>(
    state: &AppState,
    visit: &'a Visit,
    id: &str,
) -> Result<(&'a SignedIn, usecases::ranking::Ranked), Box<Response>> {
    let (me, id) = staff_call(state, visit, id)?;
    usecases::ranking::ranking(&state.store, me.acting(), id)
        .await
        .map(|ranked| (me, ranked))
        .map_err(|err| Box::new(failure::page(state, visit, ApiError::from(err))))
}

/// `GET /office/calls/{id}/ranking?page=` (staff; officers decide from it).
#[handler]
pub async fn ranking_page(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    req: &Request,
) -> Response {
    let (me, ranked) = match ranked(&state, &visit, &id).await {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let language = visit.language;
    let officer = me.user.role == domain::role::Role::Officer;
    let score = |v: f64| format::decimal(v, language);
    // Fifty rows to a page, in rank order; the funding line falls where it falls.
    let pages = ranked.rows.len().div_ceil(PAGE_ROWS).max(1);
    let page = query_value(req, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| (1..=pages).contains(p))
        .unwrap_or(1);
    let shown = &ranked.rows[(page - 1) * PAGE_ROWS..(page * PAGE_ROWS).min(ranked.rows.len())];
    let rows: Vec<Value> = shown
        .iter()
        .map(|row| {
            let entry = ranked.entries.get(&row.application);
            let status = entry.map(|e| e.status);
            let decidable = officer
                && status.is_some_and(|s| domain::transition::starts_from(CommandKind::Approve, s));
            minijinja::context! {
                id => row.application.to_string(),
                rank => row.rank,
                href => format!("/applications/{}", row.application),
                title => entry.and_then(|e| e.title.clone()),
                status => status.map(|s| named(&state, language, "status", s.code())),
                score => score(row.score),
                reviews => row.aggregate.count,
                spread => format!("{}–{}", score(row.aggregate.min), score(row.aggregate.max)),
                disagreement => row.aggregate.disagreement,
                requested => format::money(row.requested, language),
                requested_plain => row.requested.to_string(),
                cumulative => format::money(row.cumulative, language),
                fundable => row.fundable,
                above_line => row.above_line,
                decidable => decidable,
            }
        })
        .collect();
    // The funding line falls after the last row it recommends, when that row is shown.
    let line_after = ranked
        .rows
        .iter()
        .rposition(|r| r.above_line)
        .and_then(|i| i.checked_sub((page - 1) * PAGE_ROWS))
        .filter(|i| *i < shown.len());
    let base = format!("/office/calls/{}", ranked.call.id);
    let link = |n: usize| format!("{base}/ranking?page={n}");
    visit.page(
        &state,
        StatusCode::OK,
        "ranking.html",
        minijinja::context! {
            call_title => ranked.call.spec.title_in(language).to_owned(),
            base => &base,
            budget => format::money(ranked.call.spec.budget, language),
            fundable_min => ranked.call.spec.fundable_min_score,
            rows => rows,
            line_after => line_after,
            officer => officer,
            next => (page < pages).then(|| link(page + 1)),
            previous => (page > 1).then(|| link(page - 1)),
            any_decidable => officer && shown.iter().any(|r| {
                ranked.entries.get(&r.application).is_some_and(|e| {
                    domain::transition::starts_from(CommandKind::Approve, e.status)
                })
            }),
            decided => query_value(req, "decided"),
        },
    )
}

/// `GET /office/calls/{id}/ranking.csv?separator=semicolon`: the ranking as the API's CSV.
#[handler]
pub async fn ranking_download(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    req: &Request,
) -> Response {
    let (_, ranked) = match ranked(&state, &visit, &id).await {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let separator = match query_value(req, "separator").as_deref() {
        Some("semicolon") => Separator::Semicolon,
        _ => Separator::Comma,
    };
    let call = ranked.call.id;
    let body = ranking_csv(&ranking_response(ranked), separator);
    body.with_content_type("text/csv; charset=utf-8")
        .with_header(
            header::CONTENT_DISPOSITION,
            attachment(&format!("ranking-{call}.csv")),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}

/// `POST /office/calls/{id}/decisions`: for each application, `decision.<id>` (`approve`,
/// `waitlist` or `reject`; left empty, no decision), `award.<id>` and `reason.<id>`.
#[handler]
pub async fn decide(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: PostedFields,
) -> Response {
    act_once(&state, &visit, posted, async |me: SignedIn, form| {
        let call = call_id(&id).ok_or(usecases::Error::NotFound)?;
        let mut chosen: HashMap<&str, (&str, &str, &str)> = HashMap::new();
        for (name, value) in &form {
            if let Some(app) = name.strip_prefix("decision.")
                && !value.is_empty()
            {
                let get = |prefix: &str| {
                    form.get(&format!("{prefix}.{app}"))
                        .map_or("", String::as_str)
                };
                chosen.insert(app, (value.as_str(), get("award"), get("reason")));
            }
        }
        me.acting().require(
            domain::role::Role::Officer,
            "only programme officers decide",
        )?;
        if chosen.is_empty() {
            return Err(usecases::error::invalid(
                "decisions",
                "no_decision_chosen",
                "choose a decision for at least one application",
            ));
        }
        let mut decisions = Vec::with_capacity(chosen.len());
        for (app, (decision, award, reason)) in chosen {
            let application = app
                .parse::<uuid::Uuid>()
                .map(ApplicationId::from)
                .map_err(|_| usecases::Error::NotFound)?;
            let reason_given = Some(reason.to_owned()).filter(|r| !r.trim().is_empty());
            let command = match decision {
                "approve" => Command::Approve {
                    awarded: Money::parse(award).map_err(|e| {
                        usecases::error::invalid(
                            &format!("award.{app}"),
                            "invalid_amount",
                            e.to_string(),
                        )
                    })?,
                    reason: reason_given,
                },
                "waitlist" => Command::Waitlist {
                    reason: reason_given,
                },
                _ => Command::Reject {
                    reason: reason.to_owned(),
                },
            };
            decisions.push((application, command));
        }
        let now = state.clock.now();
        let decided = usecases::transitions::decide_in_bulk(
            &state.store,
            me.acting(),
            call,
            decisions,
            now,
            None,
        )
        .await?;
        Ok(format!(
            "/office/calls/{call}/ranking?decided={}",
            decided.len()
        ))
    })
    .await
}
