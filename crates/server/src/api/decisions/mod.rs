//! Ranking, the funding line, decisions and the applicant's feedback.

use domain::money::Money;
use domain::transition::Command;
use persistence::records::ApplicationRecord;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

pub(crate) mod csv;
mod dto;

use self::csv::ranking_csv;
pub use self::dto::*;
use super::ApiTags;
use super::applications::Access;
use super::applications::dto::{ApplicationResponse, ReasonRequest, application_response};
use super::body::{JsonBody, OptionalJsonBody};
use super::keys::{IdempotencyKey, json_answer};
use super::reviews::round2;
use super::spreadsheet::{Separator, attachment};
use crate::auth::{BearerAuth, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, ApiResponse)]
enum Decided {
    /// The application after the decision.
    #[oai(status = 200)]
    Ok(Json<ApplicationResponse>, #[oai(header = "ETag")] String),
}

#[derive(Debug, ApiResponse)]
enum BatchDecided {
    /// Every decision was applied.
    #[oai(status = 200)]
    Ok(Json<DecisionsResponse>),
}

#[derive(Debug, ApiResponse)]
enum Ranking {
    /// The ranking as JSON.
    #[oai(status = 200)]
    Json(Json<RankingResponse>),
    /// The ranking as CSV (with `Accept: text/csv`): UTF-8 with a byte-order mark, text
    /// cells quoted; `separator=semicolon` for Excel in Kazakh and Russian locales.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(
        PlainText<String>,
        /// `attachment`, with a file name.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[derive(Debug, ApiResponse)]
enum Feedback {
    /// The feedback.
    #[oai(status = 200)]
    Ok(Json<FeedbackResponse>),
}

fn parse_award(field: &str, raw: Option<&str>) -> Result<Money, ApiError> {
    let raw = raw.ok_or_else(|| {
        ApiError::from(domain::ValidationErrors::single(
            field,
            "required",
            "is required for an approval",
        ))
    })?;
    Money::parse(raw).map_err(|e| {
        ApiError::from(domain::ValidationErrors::single(
            field,
            "invalid_amount",
            e.to_string(),
        ))
    })
}

/// The ranking as the API and the portal's download tell it.
pub(crate) fn ranking_response(ranked: usecases::ranking::Ranked) -> RankingResponse {
    let usecases::ranking::Ranked {
        call,
        rows,
        entries,
        ..
    } = ranked;
    RankingResponse {
        call_id: call.id.uuid(),
        aggregation: call.spec.aggregation.code().to_owned(),
        budget: call.spec.budget.to_string(),
        fundable_min_score: call.spec.fundable_min_score,
        rows: rows
            .into_iter()
            .map(|row| {
                let entry = entries.get(&row.application);
                RankingRow {
                    rank: row.rank,
                    application_id: row.application.uuid(),
                    title: entry.and_then(|a| a.title.clone()),
                    status: entry
                        .map(|a| a.status.code().to_owned())
                        .unwrap_or_default(),
                    score: round2(row.score),
                    aggregate: aggregate_response(&row.aggregate),
                    requested_amount: row.requested.to_string(),
                    cumulative_amount: row.cumulative.to_string(),
                    fundable: row.fundable,
                    above_funding_line: row.above_line,
                }
            })
            .collect(),
    }
}

fn decisions_response(records: &[ApplicationRecord]) -> DecisionsResponse {
    DecisionsResponse {
        applications: records
            .iter()
            .map(|r| application_response(r.clone(), false))
            .collect(),
    }
}

fn decided(record: ApplicationRecord) -> Decided {
    let tag = super::preconditions::etag(record.version);
    Decided::Ok(Json(application_response(record, false)), tag)
}

async fn decide_one(
    state: &AppState,
    caller: Caller,
    id: Uuid,
    command: Command,
    key: &IdempotencyKey,
) -> Result<Decided, ApiError> {
    let remember = key.remember(|(record, _): &(ApplicationRecord, Access)| {
        json_answer(
            StatusCode::OK,
            Some(super::preconditions::etag(record.version)),
            &application_response(record.clone(), false),
        )
    });
    let (record, _) = usecases::transitions::run(
        &state.store,
        caller.acting(),
        id.into(),
        command,
        state.clock.now(),
        remember,
    )
    .await?;
    Ok(decided(record))
}

/// Decisions and what follows from them.
#[derive(Debug)]
pub struct DecisionsApi;

#[OpenApi(tag = "ApiTags::Decisions")]
impl DecisionsApi {
    /// Put a reviewed application on the waiting list (officers). Below the call's fundable
    /// minimum an override reason is required; the body may be left out otherwise.
    #[oai(
        path = "/applications/:id/waitlist",
        method = "post",
        operation_id = "waitlist_application"
    )]
    async fn waitlist(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: OptionalJsonBody<WaitlistRequest>,
    ) -> ApiResult<Decided> {
        let command = Command::Waitlist {
            reason: body.0.and_then(|b| b.reason),
        };
        Ok(decide_one(&state, auth.0, id.0, command, &key).await?)
    }

    /// Approve a reviewed or waitlisted application with a grant of at most the requested
    /// amount (officers). Below the fundable minimum an override reason is required; the
    /// call's total awarded never exceeds its budget.
    #[oai(
        path = "/applications/:id/approve",
        method = "post",
        operation_id = "approve_application"
    )]
    async fn approve(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<ApproveRequest>,
    ) -> ApiResult<Decided> {
        let body = body.0;
        let awarded = parse_award("awarded_amount", Some(&body.awarded_amount))?;
        let command = Command::Approve {
            awarded,
            reason: body.reason,
        };
        Ok(decide_one(&state, auth.0, id.0, command, &key).await?)
    }

    /// Reject a reviewed or waitlisted application, with the reason (officers).
    #[oai(
        path = "/applications/:id/reject",
        method = "post",
        operation_id = "reject_application"
    )]
    async fn reject(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<ReasonRequest>,
    ) -> ApiResult<Decided> {
        Ok(decide_one(
            &state,
            auth.0,
            id.0,
            Command::Reject {
                reason: body.0.reason,
            },
            &key,
        )
        .await?)
    }

    /// Send a reviewed application back under review, e.g. to add a reviewer after a
    /// disagreement (officers).
    #[oai(
        path = "/applications/:id/reopen-review",
        method = "post",
        operation_id = "reopen_review"
    )]
    async fn reopen_review(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<ReasonRequest>,
    ) -> ApiResult<Decided> {
        Ok(decide_one(
            &state,
            auth.0,
            id.0,
            Command::ReopenReview {
                reason: body.0.reason,
            },
            &key,
        )
        .await?)
    }

    /// Apply many decisions of one call together: all of them, or none when any is
    /// refused (officers).
    #[oai(
        path = "/calls/:id/decisions",
        method = "post",
        operation_id = "decide_in_bulk"
    )]
    async fn bulk(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<DecisionsRequest>,
    ) -> ApiResult<BatchDecided> {
        let items = body.0.decisions;
        let mut commands = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let command = match item.decision {
                DecisionKind::Approve => Command::Approve {
                    awarded: parse_award(
                        &format!("decisions[{index}].awarded_amount"),
                        item.awarded_amount.as_deref(),
                    )?,
                    reason: item.reason,
                },
                DecisionKind::Reject => Command::Reject {
                    reason: item.reason.unwrap_or_default(),
                },
                DecisionKind::Waitlist => Command::Waitlist {
                    reason: item.reason,
                },
            };
            commands.push((item.application_id.into(), command));
        }
        let remember = key.remember(|records: &Vec<ApplicationRecord>| {
            json_answer(StatusCode::OK, None, &decisions_response(records))
        });
        let records = usecases::transitions::decide_in_bulk(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            commands,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(BatchDecided::Ok(Json(decisions_response(&records))))
    }

    /// The ranking of a call's reviewed applications with the funding line (officers and
    /// admins). Send `Accept: text/csv` for a spreadsheet.
    #[oai(
        path = "/calls/:id/ranking",
        method = "get",
        operation_id = "call_ranking"
    )]
    async fn ranking(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "Accept")] accept: Header<Option<String>>,
        /// For CSV: `comma` (the default) or `semicolon`, which also writes decimals with
        /// a comma, as Excel expects in Kazakh and Russian locales.
        separator: Query<Option<Separator>>,
    ) -> ApiResult<Ranking> {
        let ranked = usecases::ranking::ranking(&state.store, auth.0.acting(), id.0.into())
            .await
            .map_err(ApiError::from)?;
        let call_id = ranked.call.id;
        let response = ranking_response(ranked);
        let wants_csv = accept
            .0
            .as_deref()
            .is_some_and(|a| a.split(',').any(|part| part.trim().starts_with("text/csv")));
        if wants_csv {
            let separator = separator.0.unwrap_or_default();
            return Ok(Ranking::Csv(
                PlainText(ranking_csv(&response, separator)),
                attachment(&format!("ranking-{call_id}.csv")),
            ));
        }
        Ok(Ranking::Json(Json(response)))
    }

    /// What the applicant learns after the decision: per-criterion averages, the reviewers'
    /// comments without names, the score, the fundable minimum and the place in the
    /// ranking. Before a decision it is a 409 problem.
    #[oai(
        path = "/applications/:id/feedback",
        method = "get",
        operation_id = "application_feedback"
    )]
    async fn feedback(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Feedback> {
        let usecases::ranking::Feedback {
            application,
            ranked,
            criteria,
            reviews: own,
        } = usecases::ranking::feedback(&state.store, auth.0.acting(), id.0.into())
            .await
            .map_err(ApiError::from)?;
        let usecases::ranking::Ranked {
            call, rows, scores, ..
        } = ranked;
        let criteria = criteria
            .into_iter()
            .map(|c| CriterionFeedback {
                key: c.key,
                title: c.title,
                max_score: c.max_score,
                average: round2(c.average),
            })
            .collect();
        let comments = own
            .iter()
            .enumerate()
            .map(|(index, a)| ReviewerComment {
                reviewer: format!("Reviewer {}", index + 1),
                comment: a.review.as_ref().and_then(|r| r.comment.clone()),
                criteria: a
                    .review
                    .as_ref()
                    .map(|r| {
                        r.scores
                            .iter()
                            .filter_map(|s| {
                                s.comment.clone().map(|comment| CriterionComment {
                                    criterion: s.criterion.clone(),
                                    comment,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        let row = rows.iter().find(|r| r.application == application.id);
        let aggregate = scores.aggregates.get(&application.id);
        Ok(Feedback::Ok(Json(FeedbackResponse {
            application_id: application.id.uuid(),
            status: application.status.code().to_owned(),
            awarded_amount: application.awarded.map(|m| m.to_string()),
            aggregate: aggregate.map(aggregate_response),
            score: aggregate.map(|a| round2(a.by(call.spec.aggregation))),
            fundable_min_score: call.spec.fundable_min_score,
            rank: row.map(|r| r.rank),
            ranked: u32::try_from(rows.len()).unwrap_or(u32::MAX),
            criteria,
            comments,
        })))
    }
}
