//! Pages anyone may read: the calls open and opening soon, a call's page, and the static
//! files.

use chrono::{DateTime, Utc};
use domain::call::{CallPhase, PriorityArea};
use domain::ids::CallId;
use domain::language::Language;
use domain::money::Share;
use domain::region::Region;
use minijinja::Value;
use persistence::calls::CallFilter;
use persistence::records::CallRecord;
use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, handler};

use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::countdown;
use crate::web::failure;
use crate::web::forms::fill;
use crate::web::pages::shared::query_value;
use crate::web::visit::{SignedIn, Visit};

/// Calls on a page of the home page.
const PAGE_SIZE: u64 = 50;

/// The home page: calls open for applications (filtered by region and priority area, 50 to
/// a page) and calls opening soon.
#[handler]
pub async fn home(state: Data<&AppState>, visit: Visit, req: &Request) -> Response {
    let region = query_value(req, "region").and_then(|r| r.parse::<Region>().ok());
    let area = query_value(req, "priority_area").and_then(|a| a.parse::<PriorityArea>().ok());
    let page = query_value(req, "page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let now = state.clock.now();
    let caller = visit.signed_in.as_ref().map(SignedIn::acting);
    let filter = |phase| CallFilter {
        phases: vec![phase],
        priority_area: area,
        region,
    };
    let listed = async {
        let open = usecases::calls::list(
            &state.store,
            caller,
            filter(CallPhase::Open),
            page,
            PAGE_SIZE,
            now,
        )
        .await?;
        let upcoming = usecases::calls::list(
            &state.store,
            caller,
            filter(CallPhase::Scheduled),
            1,
            PAGE_SIZE,
            now,
        )
        .await?;
        Ok::<_, usecases::Error>((open, upcoming))
    };
    let (open, upcoming) = match listed.await {
        Ok(found) => found,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let catalogue = &state.portal.catalogue;
    let named = |table: &str, code: &'static str| {
        catalogue
            .entry(language, table, code)
            .unwrap_or(code)
            .to_owned()
    };
    let regions: Vec<Value> = Region::ALL
        .iter()
        .map(|r| {
            minijinja::context! {
                code => r.code(), name => named("region", r.code()), selected => Some(*r) == region,
            }
        })
        .collect();
    let areas: Vec<Value> = PriorityArea::ALL
        .iter()
        .map(|a| {
            minijinja::context! {
                code => a.code(), name => named("area", a.code()), selected => Some(*a) == area,
            }
        })
        .collect();
    let page_link = |number: u64| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(r) = region {
            query.append_pair("region", r.code());
        }
        if let Some(a) = area {
            query.append_pair("priority_area", a.code());
        }
        query.append_pair("page", &number.to_string());
        format!("/?{}", query.finish())
    };
    let cards = |calls: &[CallRecord]| -> Vec<Value> {
        calls
            .iter()
            .map(|c| card(&state, c, language, now))
            .collect()
    };
    visit.page(
        &state,
        StatusCode::OK,
        "home.html",
        minijinja::context! {
            regions => regions,
            areas => areas,
            open => cards(&open.items),
            upcoming => cards(&upcoming.items),
            previous => (page > 1).then(|| page_link(page - 1)),
            next => open.has_more.then(|| page_link(page + 1)),
        },
    )
}

/// A call as the list shows it.
fn card(state: &AppState, call: &CallRecord, language: Language, now: DateTime<Utc>) -> Value {
    let catalogue = &state.portal.catalogue;
    let words = |key| catalogue.text(language, key);
    let spec = &call.spec;
    let (countdown, when) = if spec.opens_at > now {
        (
            fill(
                words("countdown_opens"),
                &[("span", &countdown::words(spec.opens_at - now, language))],
            ),
            format!(
                "{}: {}",
                words("call_opens"),
                format::instant(spec.opens_at, language)
            ),
        )
    } else {
        (
            countdown_text(spec.closes_at, now, language, catalogue),
            format!(
                "{}: {}",
                words("call_closes"),
                format::instant(spec.closes_at, language)
            ),
        )
    };
    minijinja::context! {
        href => format!("/calls/{}", call.id),
        title => spec.title_in(language).to_owned(),
        countdown => countdown,
        when => when,
        grant_range => grant_range(state, call, language),
        areas => spec.priority_areas.iter()
            .map(|a| catalogue.entry(language, "area", a.code()).unwrap_or(a.code()).to_owned())
            .collect::<Vec<String>>(),
    }
}

fn countdown_text(
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
    language: Language,
    catalogue: &crate::web::i18n::Catalogue,
) -> String {
    if closes_at > now {
        fill(
            catalogue.text(language, "countdown_closes"),
            &[("span", &countdown::words(closes_at - now, language))],
        )
    } else {
        catalogue.text(language, "countdown_closed").to_owned()
    }
}

fn grant_range(state: &AppState, call: &CallRecord, language: Language) -> String {
    fill(
        state.portal.catalogue.text(language, "call_grant_range"),
        &[
            ("min", &format::money(call.spec.min_grant, language)),
            ("max", &format::money(call.spec.max_grant, language)),
        ],
    )
}

/// A share as a percentage: `25%`, `12.5%` (`12,5%` in Kazakh and Russian).
fn percent(share: Share, language: Language) -> String {
    let bp = share.basis_points();
    let (whole, rest) = (bp / 100, bp % 100);
    let number = if rest == 0 {
        whole.to_string()
    } else {
        let decimals = format!("{rest:02}");
        let decimals = decimals.trim_end_matches('0');
        let mark = match language {
            Language::Kk | Language::Ru => ',',
            Language::En => '.',
        };
        format!("{whole}{mark}{decimals}")
    };
    format!("{number}%")
}

/// A call's page: drafts only for staff (a 404 page for anyone else, as the API answers).
#[handler]
pub async fn call_page(state: Data<&AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let caller = visit.signed_in.as_ref().map(SignedIn::acting);
    let record = match usecases::calls::one(&state.store, caller, CallId::from(id)).await {
        Ok(record) => record,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let now = state.clock.now();
    let catalogue = &state.portal.catalogue;
    let words = |key| catalogue.text(language, key);
    let spec = &record.spec;
    let phase = domain::call::phase(record.state, spec.opens_at, spec.closes_at, now);
    let status = match phase {
        CallPhase::Draft => words("call_status_draft"),
        CallPhase::Scheduled => words("call_status_upcoming"),
        CallPhase::Open => words("call_status_open"),
        CallPhase::Closed | CallPhase::Decided => words("call_status_closed"),
    };
    let countdown = match phase {
        CallPhase::Draft | CallPhase::Scheduled => fill(
            words("countdown_opens"),
            &[(
                "span",
                &countdown::words(spec.opens_at.max(now) - now, language),
            )],
        ),
        CallPhase::Open => countdown_text(spec.closes_at, now, language, catalogue),
        CallPhase::Closed | CallPhase::Decided => words("countdown_closed").to_owned(),
    };
    let eligibility = &spec.eligibility;
    let mut rules = Vec::new();
    if eligibility.rural_only {
        rules.push(words("call_rural_only").to_owned());
    }
    rules.push(if eligibility.min_years_registered > 0 {
        fill(
            words("call_min_years"),
            &[("years", &eligibility.min_years_registered.to_string())],
        )
    } else {
        words("call_any_age").to_owned()
    });
    rules.push(if eligibility.regions.is_empty() {
        words("call_all_regions").to_owned()
    } else {
        let names: Vec<&str> = eligibility
            .regions
            .iter()
            .map(|r| {
                catalogue
                    .entry(language, "region", r.code())
                    .unwrap_or(r.code())
            })
            .collect();
        fill(words("call_regions"), &[("regions", &names.join(", "))])
    });
    if eligibility.requires_verified_organization {
        rules.push(words("call_verified_only").to_owned());
    }
    let cofinancing = if spec.cofinancing_share.basis_points() == 0 {
        words("call_cofinancing_none").to_owned()
    } else {
        fill(
            words("call_cofinancing_share"),
            &[("share", &percent(spec.cofinancing_share, language))],
        )
    };
    let description: Vec<String> = spec
        .description_in(language)
        .split("\n\n")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let rubric: Vec<Value> = spec
        .rubric
        .iter()
        .map(|c| {
            let (title, guidance) = spec.criterion_in(c, language);
            minijinja::context! {
                title => title.to_owned(),
                guidance => guidance.to_owned(),
                max_score => c.max_score,
                weight => c.weight,
            }
        })
        .collect();
    let view = minijinja::context! {
        title => spec.title_in(language).to_owned(),
        status => status.to_owned(),
        countdown => countdown,
        opens_at => format::instant(spec.opens_at, language),
        closes_at => format::instant(spec.closes_at, language),
        grant_range => grant_range(&state, &record, language),
        budget => format::money(spec.budget, language),
        cofinancing => cofinancing,
        description => description,
        areas => spec.priority_areas.iter()
            .map(|a| catalogue.entry(language, "area", a.code()).unwrap_or(a.code()).to_owned())
            .collect::<Vec<String>>(),
        eligibility => rules,
        rubric => rubric,
        identity_hidden => spec.hide_applicant_identity,
    };
    let apply = match usecases::applications::applying_for(&state.store, caller, &record, now).await
    {
        Ok(choices) => choices.map(|organizations| {
            minijinja::context! {
                href => format!("/calls/{}/apply", record.id),
                organizations => organizations.iter().map(|org| minijinja::context! {
                    id => org.id.to_string(),
                    name => org.profile.name.clone(),
                }).collect::<Vec<Value>>(),
            }
        }),
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    visit.page(
        &state,
        StatusCode::OK,
        "call.html",
        minijinja::context! {
            call => view,
            apply => apply,
            login_href => failure::sign_in_path(&visit.path, false),
        },
    )
}

/// The style sheet or the script, under its content-hashed name; kept by browsers for a
/// year.
#[handler]
pub fn asset(state: Data<&AppState>, req: &Request) -> Response {
    match state.portal.assets.at(req.uri().path()) {
        Some(asset) => asset
            .body
            .clone()
            .with_content_type(asset.content_type)
            .with_header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_read_as_percentages() {
        let share = |bp| Share::from_basis_points(bp).unwrap_or_else(|| panic!("{bp} in range"));
        assert_eq!(percent(share(2500), Language::En), "25%");
        assert_eq!(percent(share(1250), Language::Ru), "12,5%");
        assert_eq!(percent(share(5), Language::En), "0.05%");
    }
}
