//! An application's page (its status, what is expected next, the receipt of its last
//! submission, its content and budget, and its history) and its feedback page. The links in
//! the applicant's mail open them. They read through the same use cases as the API, so
//! another organisation's application is a 404 page, a reviewer sees it as the call lets
//! them (without the organisation on a blind call, and without its history), and the
//! feedback is for the organisation's members and staff once it is decided.

use domain::command::{Command, CommandKind};
use domain::ids::ApplicationId;
use domain::language::Language;
use domain::status::ApplicationStatus;
use minijinja::Value;
use persistence::records::ApplicationRecord;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, handler};

use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::failure;
use crate::web::forms::fill;
use crate::web::pages::shared::{named, next_step, signed_in};
use crate::web::visit::Visit;

fn application_id(id: &str) -> Option<ApplicationId> {
    id.parse::<uuid::Uuid>().ok().map(Into::into)
}

fn paragraphs(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `GET /applications/{id}`.
#[handler]
pub async fn application_page(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let Some(id) = application_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let caller = me.acting();
    let (record, access, organization) =
        match usecases::applications::one(&state.store, caller, Some(me.session), id).await {
            Ok(found) => found,
            Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
        };
    let read = async {
        let call = usecases::calls::one(&state.store, Some(caller), record.call_id).await?;
        let history = match access {
            usecases::Access::Reviewer => Vec::new(),
            usecases::Access::Member | usecases::Access::Staff(_) => {
                usecases::applications::history(&state.store, caller, id)
                    .await?
                    .0
            }
        };
        Ok::<_, usecases::Error>((call, history))
    };
    let (call, history) = match read.await {
        Ok(found) => found,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let applicant_view = access == usecases::Access::Member;
    let status = if applicant_view {
        record.status.as_seen_by_applicant()
    } else {
        record.status
    };
    let view = view(&state, &record, language, status);
    let history: Vec<Value> = history
        .iter()
        .map(|event| {
            let to = if applicant_view {
                event.to.as_seen_by_applicant()
            } else {
                event.to
            };
            minijinja::context! {
                at => format::instant(event.at, language),
                status => named(&state, language, "status", to.code()),
                reason => event.event.reason().map(str::to_owned),
            }
        })
        .collect();
    let editable = applicant_view && !record.status.content_frozen();
    let decided = matches!(
        record.status,
        ApplicationStatus::Approved | ApplicationStatus::Rejected | ApplicationStatus::Waitlisted
    );
    visit.page(
        &state,
        StatusCode::OK,
        "application.html",
        minijinja::context! {
            application => view,
            call_title => call.spec.title_in(language).to_owned(),
            call_href => format!("/calls/{}", call.id),
            organization => organization.map(|o| o.profile.name),
            history => history,
            show_history => access != usecases::Access::Reviewer,
            editable => editable,
            receipt_href => format!("/applications/{}/receipt", record.id),
            withdrawable => applicant_view
                && domain::transition::starts_from(CommandKind::Withdraw, record.status),
            withdraw_href => format!("/applications/{}/withdraw", record.id),
            screen_href => (me.user.role == domain::role::Role::Officer
                && domain::transition::starts_from(CommandKind::MarkIneligible, record.status))
                .then(|| format!("/applications/{}/screen", record.id)),
            can_revise => domain::transition::starts_from(CommandKind::RequestRevision, record.status),
            call_office_href => matches!(access, usecases::Access::Staff(_))
                .then(|| format!("/office/calls/{}", record.call_id)),
            resubmit => domain::transition::sending_command(record.status) == Command::Resubmit,
            edit_href => format!("/applications/{}/edit", record.id),
            submit_href => format!("/applications/{}/submit", record.id),
            feedback_href => (decided && access != usecases::Access::Reviewer)
                .then(|| format!("/applications/{}/feedback", record.id)),
        },
    )
}

/// What the application page shows of `record`.
fn view(
    state: &AppState,
    record: &ApplicationRecord,
    language: Language,
    status: ApplicationStatus,
) -> Value {
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    let money = |m| format::money(m, language);
    let content = &record.content;
    let lines: Vec<Value> = content
        .budget_lines
        .iter()
        .map(|line| {
            minijinja::context! {
                category => named(state, language, "budget", line.category.code()),
                description => line.description.clone(),
                quantity => line.quantity,
                unit_cost => money(line.unit_cost),
                total => line.total().map(money),
                cofinanced => money(line.cofinanced),
            }
        })
        .collect();
    let next = next_step(status);
    minijinja::context! {
        title => content.title.clone().unwrap_or_else(|| words("untitled")),
        status => named(state, language, "status", status.code()),
        next => words(next),
        revision_comment => record.revision_comment.clone(),
        revision_due => record.revision_due_at.map(|at| {
            fill(&words("app_revision_due"), &[("at", &format::instant(at, language))])
        }),
        awarded => record.awarded.map(money),
        receipt => record.receipt_sha256.clone(),
        submitted_at => record.submitted_at.map(|at| format::instant(at, language)),
        summary => paragraphs(content.summary.as_deref()),
        problem => paragraphs(content.problem.as_deref()),
        goals => paragraphs(content.goals.as_deref()),
        activities => paragraphs(content.activities.as_deref()),
        target_groups => content.target_groups.join(", "),
        beneficiaries => content.beneficiaries,
        settlement => content.settlement.clone(),
        duration_months => content.duration_months,
        lines => lines,
        total_cost => money(record.totals.total_cost),
        cofinanced_total => money(record.totals.cofinanced_total),
        requested => money(record.totals.requested_amount),
    }
}

/// `GET /applications/{id}/feedback`: what the organisation learns once decided.
#[handler]
pub async fn feedback_page(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let Some(id) = application_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let language = visit.language;
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    let feedback = match usecases::ranking::feedback(&state.store, me.acting(), id).await {
        Ok(feedback) => feedback,
        Err(usecases::Error::Conflict(usecases::Conflict::NotDecided)) => {
            return failure::notice(
                &state,
                &visit,
                StatusCode::CONFLICT,
                &words("feedback_title"),
                &[&words("feedback_not_decided")],
                Some(failure::Link {
                    href: format!("/applications/{id}"),
                    text: words("feedback_back"),
                }),
            );
        }
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let usecases::ranking::Feedback {
        application,
        ranked,
        criteria,
        reviews,
    } = feedback;
    let usecases::ranking::Ranked {
        call, rows, scores, ..
    } = ranked;
    let rank = rows
        .iter()
        .find(|r| r.application == application.id)
        .map(|r| r.rank);
    let score = scores
        .aggregates
        .get(&application.id)
        .map(|a| format!("{:.2}", a.by(call.spec.aggregation)));
    let criteria: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let title = call
                .spec
                .rubric
                .iter()
                .find(|r| r.key == c.key)
                .map_or(c.title.as_str(), |r| call.spec.criterion_in(r, language).0);
            minijinja::context! {
                title => title.to_owned(),
                max_score => c.max_score,
                average => format!("{:.2}", c.average),
            }
        })
        .collect();
    let comments: Vec<Value> = reviews
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let review = a.review.as_ref();
            minijinja::context! {
                reviewer => fill(&words("feedback_reviewer"), &[("n", &(index + 1).to_string())]),
                comment => review.and_then(|r| r.comment.clone()),
                criteria => review.map(|r| {
                    r.scores
                        .iter()
                        .filter_map(|s| s.comment.clone())
                        .collect::<Vec<String>>()
                }).unwrap_or_default(),
            }
        })
        .collect();
    let title = application
        .content
        .title
        .clone()
        .unwrap_or_else(|| words("untitled"));
    visit.page(
        &state,
        StatusCode::OK,
        "feedback.html",
        minijinja::context! {
            heading => fill(&words("feedback_heading"), &[("title", &title)]),
            application_href => format!("/applications/{}", application.id),
            decision => named(&state, language, "status", application.status.code()),
            awarded => application.awarded.map(|m| format::money(m, language)),
            rank => rank.map(|r| fill(&words("feedback_rank_of"), &[
                ("rank", &r.to_string()),
                ("ranked", &rows.len().to_string()),
            ])),
            score => score,
            fundable_min_score => call.spec.fundable_min_score,
            criteria => criteria,
            comments => comments,
        },
    )
}

/// `GET /applications/{id}/receipt`: the printable receipt of the last submission: its
/// SHA-256 and the exact canonical text it is the fingerprint of, so that anyone can check
/// one against the other.
#[handler]
pub async fn receipt_page(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let Some(id) = application_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    let (record, _, organization) =
        match usecases::applications::one(&state.store, me.acting(), Some(me.session), id).await {
            Ok(found) => found,
            Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
        };
    let language = visit.language;
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    let (Some(receipt), Some(content), Some(at)) = (
        record.receipt_sha256.clone(),
        record.submitted_content.clone(),
        record.submitted_at,
    ) else {
        return failure::notice(
            &state,
            &visit,
            StatusCode::CONFLICT,
            &words("app_receipt"),
            &[&words("app_receipt_none")],
            Some(failure::Link {
                href: format!("/applications/{}", record.id),
                text: words("feedback_back"),
            }),
        );
    };
    visit.page(
        &state,
        StatusCode::OK,
        "receipt.html",
        minijinja::context! {
            title => record.content.title.clone().unwrap_or_else(|| words("untitled")),
            organization => organization.map(|o| o.profile.name),
            application_href => format!("/applications/{}", record.id),
            receipt => receipt,
            submitted_at => format::instant(at, language),
            content => content,
        },
    )
}
