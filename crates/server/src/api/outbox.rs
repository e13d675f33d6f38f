//! The mail outbox for admins: what is waiting, what was sent, what failed, and a retry for
//! what failed.

use persistence::outbox::OutboxRecord;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::ApiTags;
use super::codes::{DeliveryStatusCode, NotificationKindCode};
use super::keys::{IdempotencyKey, json_answer};
use super::pagination;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One mail in the outbox. It holds who and what, not the rendered text, which is made
/// from the current records when it is sent.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutboxMail {
    /// Identifier; the mail's Message-ID is `<id@sender-domain>`.
    pub id: Uuid,
    /// What the mail is about.
    pub kind: NotificationKindCode,
    /// The account it goes to.
    pub recipient_id: Uuid,
    /// The application concerned.
    pub application_id: Option<Uuid>,
    /// The assignment concerned, for reviewer mail.
    pub assignment_id: Option<Uuid>,
    /// Where it stands.
    pub status: DeliveryStatusCode,
    /// Attempts made so far.
    pub attempts: i32,
    /// When it is next tried.
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the change that caused it was committed.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the mail server accepted it.
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<OutboxRecord> for OutboxMail {
    fn from(r: OutboxRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind.into(),
            recipient_id: r.recipient_id,
            application_id: r.application_id,
            assignment_id: r.assignment_id,
            status: r.status.into(),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        }
    }
}

/// A page of outbox mail.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutboxPage {
    /// The mails, oldest first.
    pub items: Vec<OutboxMail>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, ApiResponse)]
enum Listed {
    /// One page of the outbox.
    #[oai(status = 200)]
    Ok(Json<OutboxPage>),
}

#[derive(Debug, ApiResponse)]
enum Retried {
    /// The mail is queued again, with its attempts counted afresh.
    #[oai(status = 200)]
    Ok(Json<OutboxMail>),
}

/// The mail outbox.
#[derive(Debug)]
pub struct OutboxApi;

#[OpenApi(prefix_path = "/admin/outbox", tag = "ApiTags::Mail")]
impl OutboxApi {
    /// List outbox mail (admins only), optionally of one status.
    #[oai(path = "/", method = "get", operation_id = "list_outbox")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only mail in this status.
        status: Query<Option<DeliveryStatusCode>>,
        /// The `next_cursor` of the previous page.
        after: Query<Option<Uuid>>,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> ApiResult<Listed> {
        let page = usecases::accounts::outbox(
            &state.store,
            auth.0.acting(),
            status.0.map(Into::into),
            after.0,
            pagination::limit(limit.0),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(Listed::Ok(Json(OutboxPage {
            items: page.items.into_iter().map(OutboxMail::from).collect(),
            next_cursor: page.next,
        })))
    }

    /// Queue a failed mail again (admins only). Mail that has not failed is a 409 problem.
    #[oai(
        path = "/:id/retry",
        method = "post",
        operation_id = "retry_outbox_mail"
    )]
    async fn retry(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        id: Path<Uuid>,
    ) -> ApiResult<Retried> {
        let remember = key.remember(|mail: &persistence::outbox::OutboxRecord| {
            json_answer(StatusCode::OK, None, &OutboxMail::from(mail.clone()))
        });
        let mail = usecases::accounts::retry_mail(
            &state.store,
            auth.0.acting(),
            id.0,
            state.clock.now(),
            remember,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(Retried::Ok(Json(mail.into())))
    }
}
