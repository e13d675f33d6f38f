//! The reviewer's pages: their assignments with due dates, and each assignment's page:
//! accept it or decline it (declaring a conflict of interest if there is one), the review
//! form built from the call's rubric (each criterion's highest score and guidance shown),
//! saved as a draft or submitted, and the other reviews once their own is in. The same use
//! cases as the API's; a blind call's application is shown without the organisation.

use std::collections::BTreeMap;

use domain::assignment::AssignmentStatus;
use domain::ids::AssignmentId;
use domain::review::{ConflictKind, Recommendation, ReviewInput, ScoreInput};
use minijinja::Value;
use persistence::records::AssignmentRecord;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Response, handler};

use crate::error::ApiError;
use crate::mail::format;
use crate::state::AppState;
use crate::web::forms::Problems;
use crate::web::pages::account::once_per_form;
use crate::web::pages::shared::{accept_form, named, signed_in};
use crate::web::visit::{SignedIn, Visit};
use crate::web::{failure, parked};

fn assignment_id(id: &str) -> Option<AssignmentId> {
    id.parse::<uuid::Uuid>().ok().map(Into::into)
}

/// `GET /assignments`: the reviewer's assignments, newest first, with their due dates.
#[handler]
pub async fn assignment_list(state: Data<&AppState>, visit: Visit) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let page = match usecases::reviews::read::my_assignments(&state.store, me.acting(), &[], 1, 50)
        .await
    {
        Ok(page) => page,
        Err(err) => return failure::page(&state, &visit, ApiError::from(err)),
    };
    let language = visit.language;
    let rows: Vec<Value> = page
        .items
        .iter()
        .map(|a| {
            minijinja::context! {
                href => format!("/assignments/{}", a.id),
                status => named(&state, language, "assignment", a.status.code()),
                due => a.due_at.map(|at| format::instant(at, language)),
                assigned => format::instant(a.created_at, language),
            }
        })
        .collect();
    visit.page(
        &state,
        StatusCode::OK,
        "assignments.html",
        minijinja::context! { assignments => rows },
    )
}

/// The assignment page, with `problems` on the review form and `typed` in it (what was
/// posted, or the saved review).
async fn assignment_page(
    state: &AppState,
    visit: &Visit,
    me: &SignedIn,
    id: AssignmentId,
    typed: Option<&BTreeMap<String, String>>,
    problems: &Problems,
) -> Response {
    let caller = me.acting();
    let read = async {
        let assignment = usecases::reviews::read::assignment(&state.store, caller, id).await?;
        let (application, _, organization) = usecases::applications::one(
            &state.store,
            caller,
            Some(me.session),
            assignment.application_id,
        )
        .await?;
        let call = usecases::calls::one(&state.store, Some(caller), assignment.call_id).await?;
        let others = if assignment.status == AssignmentStatus::Submitted {
            usecases::reviews::read::reviews(&state.store, caller, application.id).await?
        } else {
            Vec::new()
        };
        Ok::<_, usecases::Error>((assignment, application, organization, call, others))
    };
    let (assignment, application, organization, call, others) = match read.await {
        Ok(found) => found,
        Err(err) => return failure::page(state, visit, ApiError::from(err)),
    };
    let language = visit.language;
    let words = |key| state.portal.catalogue.text(language, key).to_owned();
    let mine = assignment.reviewer_id == me.user.id;
    let saved = review_fields(&assignment);
    let typed_given = typed.is_some() && problems.is_empty();
    let typed = typed.unwrap_or(&saved);
    let value = |name: &str| typed.get(name).cloned().unwrap_or_default();
    let criteria: Vec<Value> = call
        .spec
        .rubric
        .iter()
        .map(|c| {
            let (title, guidance) = call.spec.criterion_in(c, language);
            minijinja::context! {
                key => c.key.clone(),
                title => title.to_owned(),
                guidance => guidance.to_owned(),
                max_score => c.max_score,
                scores => (0..=c.max_score).collect::<Vec<u32>>(),
                score => value(&format!("score.{}", c.key)),
                comment => value(&format!("comment.{}", c.key)),
            }
        })
        .collect();
    let others: Vec<Value> = others
        .iter()
        .filter(|r| !r.mine)
        .filter_map(|r| {
            let content = r.assignment.review.as_ref()?;
            Some(minijinja::context! {
                reviewer => crate::web::forms::fill(&words("feedback_reviewer"), &[("n", &r.number.to_string())]),
                comment => content.comment.clone(),
                scores => content.scores.iter().map(|s| minijinja::context! {
                    criterion => call.spec.rubric.iter().find(|c| c.key == s.criterion)
                        .map_or(s.criterion.clone(), |c| call.spec.criterion_in(c, language).0.to_owned()),
                    score => s.score,
                    comment => s.comment.clone(),
                }).collect::<Vec<Value>>(),
            })
        })
        .collect();
    let mut fields: Vec<String> = vec![
        "comment".to_owned(),
        "recommendation".to_owned(),
        "confidence".to_owned(),
        "reason".to_owned(),
        "conflict_description".to_owned(),
    ];
    for c in &call.spec.rubric {
        fields.push(format!("scores.{}", c.key));
        fields.push(format!("comment.{}", c.key));
    }
    // The rules name a score by its place (scores are posted in rubric order); the form
    // by the criterion's key. The summary names each criterion.
    let rubric = &call.spec.rubric;
    let problems = problems
        .clone()
        .renamed(|field| {
            let rest = field.strip_prefix("scores[")?;
            let (index, part) = rest.split_once("].")?;
            let key = &rubric.get(index.parse::<usize>().ok()?)?.key;
            Some(match part {
                "comment" => format!("comment.{key}"),
                _ => format!("scores.{key}"),
            })
        })
        .labelled(|field| {
            let key = field
                .strip_prefix("scores.")
                .or_else(|| field.strip_prefix("comment."))?;
            rubric
                .iter()
                .find(|c| c.key == key)
                .map(|c| call.spec.criterion_in(c, language).0.to_owned())
        });
    let field_names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let context = minijinja::value::merge_maps([
        minijinja::context! {
            href => format!("/assignments/{}", assignment.id),
            application_href => format!("/applications/{}", application.id),
            title => application.content.title.clone().unwrap_or_else(|| words("untitled")),
            organization => organization.map(|o| o.profile.name),
            blind => call.spec.hide_applicant_identity,
            status => named(state, language, "assignment", assignment.status.code()),
            due => assignment.due_at.map(|at| format::instant(at, language)),
            can_answer => mine && assignment.status == AssignmentStatus::Assigned,
            can_review => mine && assignment.status == AssignmentStatus::Accepted,
            submitted => assignment.status == AssignmentStatus::Submitted,
            criteria => criteria,
            comment => value("comment"),
            recommendation => value("recommendation"),
            confidence => value("confidence"),
            recommendations => Recommendation::ALL.iter().map(|r| minijinja::context! {
                code => r.code(), name => named(state, language, "recommendation", r.code()),
            }).collect::<Vec<Value>>(),
            conflict_kinds => ConflictKind::ALL.iter().map(|k| minijinja::context! {
                code => k.code(), name => named(state, language, "conflict", k.code()),
            }).collect::<Vec<Value>>(),
            others => others,
            restored => typed_given,
        },
        problems.context(&field_names),
    ]);
    visit.page(state, status, "assignment.html", context)
}

/// The saved review as the form's fields.
fn review_fields(assignment: &AssignmentRecord) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    if let Some(review) = &assignment.review {
        for s in &review.scores {
            fields.insert(format!("score.{}", s.criterion), s.score.to_string());
            if let Some(comment) = &s.comment {
                fields.insert(format!("comment.{}", s.criterion), comment.clone());
            }
        }
        if let Some(comment) = &review.comment {
            fields.insert("comment".to_owned(), comment.clone());
        }
        if let Some(r) = review.recommendation {
            fields.insert("recommendation".to_owned(), r.code().to_owned());
        }
        if let Some(c) = review.confidence {
            fields.insert("confidence".to_owned(), c.to_string());
        }
    }
    fields
}

/// `GET /assignments/{id}`: the assigned reviewer's page; staff read it; anyone else gets
/// the 404 page.
#[handler]
pub async fn assignment_view(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    req: &poem::Request,
) -> Response {
    let me = match signed_in(&state, &visit) {
        Ok(me) => me,
        Err(page) => return *page,
    };
    let Some(id) = assignment_id(&id) else {
        return failure::page(&state, &visit, ApiError::NotFound);
    };
    // A review posted after the sign-in ended comes back as it was typed.
    let restored = parked::take(&state, req, &format!("/assignments/{id}")).await;
    assignment_page(
        &state,
        &visit,
        me,
        id,
        restored.as_ref(),
        &Problems::default(),
    )
    .await
}

/// `POST /assignments/{id}/accept`.
#[handler]
pub async fn accept_post(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    act(
        &state,
        &visit,
        &id,
        posted,
        async |state: &AppState,
               me: &SignedIn,
               id: AssignmentId,
               _form: BTreeMap<String, String>| {
            usecases::reviews::work::accept(&state.store, me.acting(), id, state.clock.now(), None)
                .await
                .map(|_| ())
        },
    )
    .await
}

/// `POST /assignments/{id}/decline`: with a reason and, when there is one, the conflict of
/// interest it declares.
#[handler]
pub async fn decline_post(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    act(
        &state,
        &visit,
        &id,
        posted,
        async |state: &AppState,
               me: &SignedIn,
               id: AssignmentId,
               form: BTreeMap<String, String>| {
            let get = |name: &str| form.get(name).cloned().unwrap_or_default();
            let conflict = get("conflict_kind")
                .parse::<ConflictKind>()
                .ok()
                .map(|kind| usecases::reviews::work::DeclaredConflict {
                    kind,
                    description: get("conflict_description"),
                });
            let reason = get("reason");
            let reason = Some(reason.as_str()).filter(|r| !r.trim().is_empty());
            usecases::reviews::work::decline(
                &state.store,
                me.acting(),
                id,
                reason,
                conflict,
                state.clock.now(),
                None,
            )
            .await
            .map(|_| ())
        },
    )
    .await
}

/// `POST /assignments/{id}/review`: saves the review (as `PUT /api/v1/assignments/{id}/
/// review`) and, with `action=submit`, submits it.
#[handler]
pub async fn review_post(
    state: Data<&AppState>,
    visit: Visit,
    Path(id): Path<String>,
    posted: poem::Result<Form<Vec<(String, String)>>>,
) -> Response {
    act(
        &state,
        &visit,
        &id,
        posted,
        async |state: &AppState,
               me: &SignedIn,
               id: AssignmentId,
               form: BTreeMap<String, String>| {
            let get = |name: &str| form.get(name).cloned().unwrap_or_default();
            let text = |name: &str| Some(get(name)).filter(|v| !v.trim().is_empty());
            // In the rubric's order, so that a refusal's place names its criterion.
            let assignment =
                usecases::reviews::read::assignment(&state.store, me.acting(), id).await?;
            let call =
                usecases::calls::one(&state.store, Some(me.acting()), assignment.call_id).await?;
            let scores = call
                .spec
                .rubric
                .iter()
                .filter_map(|c| {
                    let score = get(&format!("score.{}", c.key))
                        .trim()
                        .parse::<i64>()
                        .ok()?;
                    Some(ScoreInput {
                        criterion: c.key.clone(),
                        score,
                        comment: text(&format!("comment.{}", c.key)),
                    })
                })
                .collect();
            let input = ReviewInput {
                scores,
                comment: text("comment"),
                recommendation: text("recommendation"),
                confidence: get("confidence").trim().parse().ok(),
            };
            let now = state.clock.now();
            usecases::reviews::work::save(&state.store, me.acting(), id, input, now).await?;
            if get("action") == "submit" {
                usecases::reviews::work::submit(&state.store, me.acting(), id, now, None).await?;
            }
            Ok(())
        },
    )
    .await
}

/// A reviewer's action on assignment `id`: the form token, once per form, then `run`; its
/// refusals come back on the assignment's page, beside their fields.
async fn act<Run>(
    state: &AppState,
    visit: &Visit,
    id: &str,
    posted: poem::Result<Form<Vec<(String, String)>>>,
    run: Run,
) -> Response
where
    Run: AsyncFnOnce(
        &AppState,
        &SignedIn,
        AssignmentId,
        BTreeMap<String, String>,
    ) -> Result<(), usecases::Error>,
{
    let Some(id) = assignment_id(id) else {
        return failure::page(state, visit, ApiError::NotFound);
    };
    // Should the sign-in have ended while the review was being written, what was typed is
    // kept to come back on the assignment's page.
    let park_at = Some(format!("/assignments/{id}"));
    let (me, form) = match accept_form(state, visit, posted, park_at).await {
        Ok(accepted) => accepted,
        Err(page) => return *page,
    };
    let once = form.get("once").cloned().unwrap_or_default();
    let place = format!("/assignments/{id}");
    let repeat = |location: &str| visit.redirect(location);
    once_per_form(state, visit, &once, repeat, || async {
        match run(state, me, id, form.clone()).await {
            Ok(()) => (visit.redirect(&place), Some(place.clone())),
            Err(err) => {
                let mut errors = domain::ValidationErrors::new();
                if let usecases::Error::Invalid(invalid) = &err {
                    errors = invalid.clone();
                }
                if let usecases::Error::ReviewIncomplete(missing) = &err {
                    for e in missing {
                        errors.push(e.field.clone(), e.code, e.message.clone());
                    }
                }
                let problems = (!errors.is_empty()).then(|| {
                    Problems::from_validation(&errors, visit.language, &state.portal.catalogue)
                });
                match problems {
                    Some(problems) => {
                        let page =
                            assignment_page(state, visit, me, id, Some(&form), &problems).await;
                        (page, None)
                    }
                    None => (failure::page(state, visit, ApiError::from(err)), None),
                }
            }
        }
    })
    .await
}
