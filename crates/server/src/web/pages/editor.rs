//! Applying and editing: starting an application from a call's page, the editor (every
//! field, budget lines added and removed without scripts, totals computed by the server on
//! every save), and submitting from the application's page, with every refusal shown beside
//! its field. The same use cases as the API's, under the same rules.

use std::collections::BTreeMap;

use domain::application::{BudgetCategory, BudgetLineInput, ContentInput};
use domain::command::Command;
use domain::ids::{ApplicationId, CallId, OrganizationId};
use minijinja::Value;
use persistence::records::ApplicationRecord;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use serde::Serialize;

use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::forms::Problems;
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{accept_form, signed_in};
use crate::web::visit::{SignedIn, Visit};
use crate::web::{failure, parked};

/// The content fields the editor shows, in order (the errors' map keys).
const CONTENT_FIELDS: &[&str] = &[
    "title",
    "summary",
    "problem",
    "goals",
    "activities",
    "target_groups",
    "beneficiaries",
    "settlement",
    "duration_months",
    "budget_lines",
    "organization_id",
];

/// The parts of a budget line's row.
const LINE_PARTS: &[&str] = &[
    "category",
    "description",
    "quantity",
    "unit_cost",
    "cofinanced",
];

fn uuid_of(id: &str) -> Option<uuid::Uuid> {
    id.parse::<uuid::Uuid>().ok()
}

/// `POST /calls/{id}/apply`: a new draft for one of the applicant's organisations, then its
/// editor.
#[handler]
pub async fn apply(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    let (me, form) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let (Some(call), Some(organization)) = (uuid_of(&id), uuid_of(field("organization_id"))) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, field("once"), repeat, || async {
        match usecases::applications::create(
            &state.store,
            me.acting(),
            CallId::from(call),
            OrganizationId::from(organization),
            ContentInput::default(),
            state.clock.now(),
            None,
        )
        .await
        {
            Ok(created) => {
                let location = format!("/applications/{}/edit", created.id);
                (visit.redirect(&location), Some(location))
            }
            Err(err) => (failure::page(&state, &visit, ApiError::from(err)), None),
        }
    })
    .await
}

/// A budget line's row as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct Line {
    category: String,
    description: String,
    quantity: String,
    unit_cost: String,
    cofinanced: String,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.description.trim().is_empty()
            && self.quantity.trim().is_empty()
            && self.unit_cost.trim().is_empty()
            && self.cofinanced.trim().is_empty()
    }
}

/// The editor's form as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct Draft {
    version: String,
    title: String,
    summary: String,
    problem: String,
    goals: String,
    activities: String,
    target_groups: String,
    beneficiaries: String,
    settlement: String,
    duration_months: String,
    lines: Vec<Line>,
}

impl Draft {
    fn of(record: &ApplicationRecord) -> Self {
        let c = &record.content;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let number = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
        Self {
            version: record.version.to_string(),
            title: text(&c.title),
            summary: text(&c.summary),
            problem: text(&c.problem),
            goals: text(&c.goals),
            activities: text(&c.activities),
            target_groups: c.target_groups.join(", "),
            beneficiaries: number(c.beneficiaries),
            settlement: text(&c.settlement),
            duration_months: number(c.duration_months),
            lines: c
                .budget_lines
                .iter()
                .map(|l| Line {
                    category: l.category.code().to_owned(),
                    description: l.description.clone(),
                    quantity: l.quantity.to_string(),
                    unit_cost: l.unit_cost.to_string(),
                    cofinanced: l.cofinanced.to_string(),
                })
                .collect(),
        }
    }

    /// The form from its posted fields; rows left wholly blank are dropped.
    fn posted(form: &BTreeMap<String, String>) -> Self {
        let get = |name: &str| form.get(name).cloned().unwrap_or_default();
        let mut rows: BTreeMap<usize, Line> = BTreeMap::new();
        for (name, value) in form {
            let Some(rest) = name.strip_prefix("budget_lines[") else {
                continue;
            };
            let Some((index, part)) = rest.split_once("].") else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            if index >= domain::application::BUDGET_LINES_MAX {
                continue;
            }
            let row = rows.entry(index).or_default();
            let value = value.clone();
            match part {
                "category" => row.category = value,
                "description" => row.description = value,
                "quantity" => row.quantity = value,
                "unit_cost" => row.unit_cost = value,
                "cofinanced" => row.cofinanced = value,
                _ => {}
            }
        }
        Self {
            version: get("version"),
            title: get("title"),
            summary: get("summary"),
            problem: get("problem"),
            goals: get("goals"),
            activities: get("activities"),
            target_groups: get("target_groups"),
            beneficiaries: get("beneficiaries"),
            settlement: get("settlement"),
            duration_months: get("duration_months"),
            lines: rows.into_values().filter(|l| !l.is_blank()).collect(),
        }
    }

    /// The change for the use case: a field left empty keeps what is stored (as a change
    /// through the API does); the budget is replaced by the rows given. Numbers that do not
    /// parse are refused here, with the use case's own refusals.
    fn input(&self, refused: &mut domain::ValidationErrors) -> ContentInput {
        let text = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
        let mut number = |field: &str, v: &str| -> Option<u32> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            v.parse::<u32>().ok().or_else(|| {
                refused.push(field.to_owned(), "not_a_number", "is not a whole number");
                None
            })
        };
        let beneficiaries = number("beneficiaries", &self.beneficiaries);
        let duration_months = number("duration_months", &self.duration_months);
        let lines = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| BudgetLineInput {
                category: text(&l.category),
                description: text(&l.description),
                quantity: number(&format!("budget_lines[{i}].quantity"), &l.quantity),
                unit_cost: text(&l.unit_cost),
                cofinanced: text(&l.cofinanced),
            })
            .collect();
        let groups: Vec<String> = self
            .target_groups
            .split([',', '\n'])
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect();
        ContentInput {
            title: text(&self.title),
            summary: text(&self.summary),
            problem: text(&self.problem),
            goals: text(&self.goals),
            activities: text(&self.activities),
            target_groups: (!groups.is_empty()).then_some(groups),
            beneficiaries,
            settlement: text(&self.settlement),
            duration_months,
            budget_lines: Some(lines),
        }
    }
}

/// The label of the editor's `field`, as the page shows it.
fn label(state: &AppState, language: domain::language::Language, field: &str) -> Option<String> {
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    if let Some(rest) = field.strip_prefix("budget_lines[") {
        let (index, part) = rest.split_once("].")?;
        let number = index.parse::<usize>().ok()? + 1;
        let part = match part {
            "category" => "col_category",
            "description" => "col_description",
            "quantity" => "col_quantity",
            "unit_cost" => "col_unit_cost",
            "cofinanced" => "col_cofinanced",
            _ => return None,
        };
        return Some(format!(
            "{} {number}, {}",
            words("editor_line"),
            words(part)
        ));
    }
    let key = match field {
        "title" => "field_title",
        "summary" => "app_summary",
        "problem" => "app_problem",
        "goals" => "app_goals",
        "activities" => "app_activities",
        "target_groups" => "app_target_groups",
        "beneficiaries" => "app_beneficiaries",
        "settlement" => "app_settlement",
        "duration_months" => "app_duration",
        "budget_lines" => "app_budget",
        "organization_id" => "app_organization",
        _ => return None,
    };
    Some(words(key))
}

/// The editor page for `record`, showing `draft` (with `blank_rows` empty budget rows) and
/// `problems`.
fn editor_page(
    state: &AppState,
    visit: &Visit,
    record: &ApplicationRecord,
    draft: &Draft,
    problems: &Problems,
    blank_rows: usize,
    notice: Option<&'static str>,
) -> Response {
    let language = visit.language;
    let mut draft = draft.clone();
    draft
        .lines
        .extend(std::iter::repeat_with(Line::default).take(blank_rows));
    if draft.lines.is_empty() {
        draft.lines.push(Line::default());
    }
    let mut fields: Vec<String> = CONTENT_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    for i in 0..draft.lines.len() {
        fields.extend(LINE_PARTS.iter().map(|p| format!("budget_lines[{i}].{p}")));
    }
    let field_names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let categories: Vec<Value> = BudgetCategory::ALL
        .iter()
        .map(|c| {
            let name = state
                .portal
                .catalogue
                .entry(language, "budget", c.code())
                .unwrap_or(c.code());
            minijinja::context! { code => c.code(), name => name.to_owned() }
        })
        .collect();
    let money = |m| format::money(m, language);
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let problems = problems
        .clone()
        .labelled(|field| label(state, language, field));
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            href => format!("/applications/{}", record.id),
            draft => Value::from(minijinja::value::Serde(&draft)),
            categories => categories,
            notice => notice,
            total_cost => money(record.totals.total_cost),
            cofinanced_total => money(record.totals.cofinanced_total),
            requested => money(record.totals.requested_amount),
        },
        problems.context(&field_names),
    ]);
    visit.page(state, status, "editor.html", context)
}

/// The application `id` as its member may edit it, or the answer for anyone else: a
/// reviewer is told it does not exist and staff that they may not (as the API answers).
async fn editable(
    state: &AppState,
    visit: &Visit,
    me: &SignedIn,
    id: &str,
) -> Result<ApplicationRecord, Box<Response>> {
    let refuse = |err: ApiError| Box::new(failure::page(state, visit, err));
    let id = uuid_of(id).ok_or_else(|| refuse(ApiError::NotFound))?;
    let (record, access) =
        usecases::applications::access(&state.store, me.acting(), ApplicationId::from(id))
            .await
            .map_err(|e| refuse(ApiError::from(e)))?;
    match access {
        usecases::Access::Member => Ok(record),
        usecases::Access::Reviewer => Err(refuse(ApiError::NotFound)),
        usecases::Access::Staff(_) => Err(refuse(ApiError::Forbidden(
            "only the organisation's members edit its applications",
        ))),
    }
}

/// `GET /applications/{id}/edit`.
#[handler]
pub async fn edit_form(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    req: &Request,
) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let record = match editable(&state, &visit, me, &id).await {
        Ok(record) => record,
        Err(page) => return *page,
    };
    if record.status.content_frozen() {
        return visit.redirect(&format!("/applications/{}", record.id));
    }
    let query = req.uri().query().unwrap_or_default();
    let saved = query.split('&').any(|p| p == "saved=1");
    let blank = usize::from(query.split('&').any(|p| p == "add=1"));
    // A form posted after the sign-in ended comes back as it was typed.
    let path = format!("/applications/{}/edit", record.id);
    let (draft, notice) = match parked::take(&state, req, &path).await {
        Some(typed) => (Draft::posted(&typed), Some("form_restored")),
        None => (Draft::of(&record), saved.then_some("editor_saved")),
    };
    editor_page(
        &state,
        &visit,
        &record,
        &draft,
        &Problems::default(),
        blank,
        notice,
    )
}

/// `POST /applications/{id}/edit`: saves the form (as `PATCH /api/v1/applications/{id}`
/// under the version it was served with); `action` adds a budget row, removes one, or
/// goes on to the application's page to check and submit it.
#[handler]
pub async fn edit(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    // Should the sign-in have ended while the form was being filled, what was typed is
    // kept to come back in the editor.
    let park_at = uuid_of(&id).map(|id| format!("/applications/{id}/edit"));
    let (me, form) = match accept_form(&state, &visit, posted, park_at).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let record = match editable(&state, &visit, me, &id).await {
        Ok(record) => record,
        Err(page) => return *page,
    };
    let mut draft = Draft::posted(&form);
    let action = field("action");
    if let Some(index) = action
        .strip_prefix("remove-")
        .and_then(|i| i.parse::<usize>().ok())
        && index < draft.lines.len()
    {
        draft.lines.remove(index);
    }
    let adds = action == "add";
    let place = match action {
        "add" => format!("/applications/{}/edit?saved=1&add=1", record.id),
        "review" => format!("/applications/{}", record.id),
        _ => format!("/applications/{}/edit?saved=1", record.id),
    };
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, field("once"), repeat, || async {
        let mut refused = domain::ValidationErrors::new();
        let input = draft.input(&mut refused);
        let expected = draft
            .version
            .parse()
            .map_or(usecases::Expected::Any, usecases::Expected::Version);
        let catalogue = &state.portal.catalogue;
        if !refused.is_empty() {
            // Nothing is saved; the rest of the form is checked too (the content's own
            // rules, without writing), so that every refusal shows at once.
            if let Err(rest) = record.content.merge(input) {
                for e in rest.errors() {
                    refused.push(e.field.clone(), e.code, e.message.clone());
                }
            }
            let problems = Problems::from_validation(&refused, visit.language, catalogue);
            let page = editor_page(
                &state,
                &visit,
                &record,
                &draft,
                &problems,
                usize::from(adds),
                None,
            );
            return (page, None);
        }
        let now = state.clock.now();
        match usecases::applications::edit(
            &state.store,
            me.acting(),
            record.id,
            expected,
            input,
            now,
        )
        .await
        {
            Ok(_) => (visit.redirect(&place), Some(place.clone())),
            Err(usecases::Error::Stale) => {
                let latest = match editable(&state, &visit, me, &id).await {
                    Ok(latest) => latest,
                    Err(page) => return (*page, None),
                };
                let problems = Problems::one("title", "stale", visit.language, catalogue);
                let page = editor_page(
                    &state,
                    &visit,
                    &latest,
                    &Draft::of(&latest),
                    &problems,
                    0,
                    None,
                );
                (page, None)
            }
            Err(usecases::Error::Invalid(errors)) => {
                let problems = Problems::from_validation(&errors, visit.language, catalogue);
                let page = editor_page(
                    &state,
                    &visit,
                    &record,
                    &draft,
                    &problems,
                    usize::from(adds),
                    None,
                );
                (page, None)
            }
            Err(err) => (failure::page(&state, &visit, ApiError::from(err)), None),
        }
    })
    .await
}

/// `POST /applications/{id}/submit`: submits a draft, or resubmits after a revision
/// request; refused, the editor shows every reason at once, each beside its field.
#[handler]
pub async fn submit(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    let (me, form) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let record = match editable(&state, &visit, me, &id).await {
        Ok(record) => record,
        Err(page) => return *page,
    };
    let command = domain::transition::sending_command(record.status);
    let place = format!("/applications/{}", record.id);
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, field("once"), repeat, || async {
        let now = state.clock.now();
        match usecases::transitions::run(&state.store, me.acting(), record.id, command, now, None)
            .await
        {
            Ok(_) => (visit.redirect(&place), Some(place.clone())),
            Err(err) => {
                let err = ApiError::from(err);
                if let ApiError::Unprocessable { fields, .. } = &err {
                    let catalogue = &state.portal.catalogue;
                    let problems = Problems::from_fields(fields, visit.language, catalogue);
                    let draft = Draft::of(&record);
                    (
                        editor_page(&state, &visit, &record, &draft, &problems, 0, None),
                        None,
                    )
                } else {
                    (failure::page(&state, &visit, err), None)
                }
            }
        }
    })
    .await
}

/// `GET /applications/{id}/withdraw`: asks before withdrawing, which cannot be undone.
#[handler]
pub async fn withdraw_form(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let record = match editable(&state, &visit, me, &id).await {
        Ok(record) => record,
        Err(page) => return *page,
    };
    let title = record.content.title.clone().unwrap_or_else(|| {
        state
            .portal
            .catalogue
            .text(visit.language, "untitled")
            .to_owned()
    });
    visit.page(
        &state,
        StatusCode::OK,
        "withdraw.html",
        minijinja::context! {
            title => title,
            application_href => format!("/applications/{}", record.id),
        },
    )
}

/// `POST /applications/{id}/withdraw`: as `POST /api/v1/applications/{id}/withdraw`.
#[handler]
pub async fn withdraw(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    let (me, form) = match accept_form(&state, &visit, posted, None).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let record = match editable(&state, &visit, me, &id).await {
        Ok(record) => record,
        Err(page) => return *page,
    };
    let place = format!("/applications/{}", record.id);
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(&state, &visit, field("once"), repeat, || async {
        let now = state.clock.now();
        match usecases::transitions::run(
            &state.store,
            me.acting(),
            record.id,
            Command::Withdraw,
            now,
            None,
        )
        .await
        {
            Ok(_) => (visit.redirect(&place), Some(place.clone())),
            Err(err) => (failure::page(&state, &visit, ApiError::from(err)), None),
        }
    })
    .await
}
