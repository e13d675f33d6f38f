//! Idempotency keys: the answer to a keyed POST, stored in the same transaction as the
//! change it answers, and replayed for its retries.
//!
//! A use case claims its key as the first write of its transaction and stores its answer
//! just before committing. A crash before the commit leaves nothing behind, so the retry
//! acts afresh; a duplicate that arrives while the first is in flight waits on the key's
//! row (PostgreSQL's unique index, SQLite's single writer) and finds it taken once the first
//! commits.

use chrono::{DateTime, Duration, Utc};
use domain::ids::UserId;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::idempotency_key;
use crate::error::{Clash, RepoError};
use crate::{Store, Tx};

/// An answer from a release that stored a claim before acting and its answer afterwards.
const IN_PROGRESS: &str = "in_progress";
const DONE: &str = "done";

/// How long keys are remembered.
pub const KEY_TTL: Duration = Duration::hours(24);
/// After how long a claim left unanswered by an earlier release counts as abandoned.
const ABANDONED_AFTER: Duration = Duration::minutes(5);

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, when there was one.
    pub content_type: Option<String>,
    /// Other headers worth replaying (`ETag`, `Location`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

/// A key as a request presents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyClaim {
    /// The account the key belongs to.
    pub user: UserId,
    /// The key.
    pub key: String,
    /// The request's fingerprint: the same key with another request is refused.
    pub request_hash: String,
    /// When the request arrived.
    pub now: DateTime<Utc>,
}

/// What is stored under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// The answer to this very request: replay it.
    Answer(StoredResponse),
    /// The key was used with a different request.
    Mismatch,
    /// An earlier release claimed the key and has not answered yet.
    Unanswered,
}

fn encode_headers(headers: &[(String, String)]) -> String {
    headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

fn decode_headers(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Rows of `claim`'s key that no longer count: expired, or claimed and abandoned.
fn stale(claim: &KeyClaim) -> Condition {
    Condition::all()
        .add(idempotency_key::Column::UserId.eq(claim.user.uuid()))
        .add(idempotency_key::Column::Key.eq(claim.key.as_str()))
        .add(
            Condition::any()
                .add(idempotency_key::Column::CreatedAt.lte(claim.now - KEY_TTL))
                .add(
                    Condition::all()
                        .add(idempotency_key::Column::State.eq(IN_PROGRESS))
                        .add(idempotency_key::Column::CreatedAt.lte(claim.now - ABANDONED_AFTER)),
                ),
        )
}

impl Store {
    /// What is stored under `claim`'s key, if anything that still counts.
    ///
    /// # Errors
    /// [`RepoError::Corrupt`] for an answer without a status.
    pub async fn stored_answer(&self, claim: &KeyClaim) -> Result<Option<Stored>, RepoError> {
        let Some(row) = idempotency_key::Entity::find_by_id((claim.user.uuid(), claim.key.clone()))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let expired = row.created_at <= claim.now - KEY_TTL;
        let abandoned = row.state == IN_PROGRESS && row.created_at <= claim.now - ABANDONED_AFTER;
        if expired || abandoned {
            return Ok(None);
        }
        if row.request_hash != claim.request_hash {
            return Ok(Some(Stored::Mismatch));
        }
        if row.state != DONE {
            return Ok(Some(Stored::Unanswered));
        }
        let status = row
            .status_code
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| RepoError::Corrupt {
                table: "idempotency_keys",
                id: format!("{}/{}", claim.user, claim.key),
                detail: "an answer without a status".to_owned(),
            })?;
        Ok(Some(Stored::Answer(StoredResponse {
            status,
            content_type: row.content_type,
            headers: row
                .headers
                .as_deref()
                .map(decode_headers)
                .unwrap_or_default(),
            body: row.body.unwrap_or_default(),
        })))
    }

    /// Deletes keys created before `before`; returns how many.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn purge_idempotency_keys(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let result = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(before))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

impl Tx {
    /// Claims `claim`'s key for this transaction. Waits while another transaction holding
    /// the key is in flight.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"idempotency_key"`) when the key is taken: the caller
    /// reads the answer stored under it.
    pub async fn claim_key(&self, claim: &KeyClaim) -> Result<(), RepoError> {
        idempotency_key::Entity::delete_many()
            .filter(stale(claim))
            .exec(&self.tx)
            .await?;
        idempotency_key::ActiveModel {
            user_id: Set(claim.user.uuid()),
            key: Set(claim.key.clone()),
            request_hash: Set(claim.request_hash.clone()),
            state: Set(IN_PROGRESS.to_owned()),
            status_code: Set(None),
            content_type: Set(None),
            headers: Set(None),
            body: Set(None),
            created_at: Set(claim.now),
        }
        .insert(&self.tx)
        .await
        .map_err(|e| RepoError::unique(e, Clash::IdempotencyKey))?;
        Ok(())
    }

    /// Stores `response` as the answer to the key this transaction claimed; it becomes
    /// visible with the transaction's commit.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn answer_key(
        &self,
        claim: &KeyClaim,
        response: StoredResponse,
    ) -> Result<(), RepoError> {
        idempotency_key::Entity::update_many()
            .col_expr(idempotency_key::Column::State, Expr::value(DONE))
            .col_expr(
                idempotency_key::Column::StatusCode,
                Expr::value(i32::from(response.status)),
            )
            .col_expr(
                idempotency_key::Column::ContentType,
                Expr::value(response.content_type),
            )
            .col_expr(
                idempotency_key::Column::Headers,
                Expr::value(encode_headers(&response.headers)),
            )
            .col_expr(idempotency_key::Column::Body, Expr::value(response.body))
            .filter(idempotency_key::Column::UserId.eq(claim.user.uuid()))
            .filter(idempotency_key::Column::Key.eq(claim.key.as_str()))
            .exec(&self.tx)
            .await?;
        Ok(())
    }
}
