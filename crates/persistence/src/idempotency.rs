//! Idempotency keys: the first response to a keyed POST, replayed for its retries.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::Store;
use crate::entity::idempotency_key;
use crate::error::RepoError;

const IN_PROGRESS: &str = "in_progress";
const DONE: &str = "done";

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

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or expired): this request acts and then records its response.
    Claimed,
    /// Another request with this key is still being answered.
    InProgress,
    /// The key was used with a different request.
    Mismatch,
    /// The key was used with this very request: replay its response.
    Completed(StoredResponse),
}

/// How long keys are remembered, and after how long an unfinished claim counts as abandoned.
#[derive(Debug, Clone, Copy)]
pub struct KeyPolicy {
    /// Keys older than this are forgotten.
    pub ttl: Duration,
    /// An in-progress claim older than this is taken over (its request died).
    pub abandoned_after: Duration,
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

impl Store {
    /// Claims `key` for `user`'s request whose fingerprint is `request_hash`. Exactly one of
    /// several concurrent claims of a new key gets [`Claim::Claimed`]: the database's primary
    /// key settles the race.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn claim_idempotency_key(
        &self,
        user: Uuid,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
        policy: KeyPolicy,
    ) -> Result<Claim, RepoError> {
        for _ in 0..3 {
            let inserted = idempotency_key::ActiveModel {
                user_id: Set(user),
                key: Set(key.to_owned()),
                request_hash: Set(request_hash.to_owned()),
                state: Set(IN_PROGRESS.to_owned()),
                status_code: Set(None),
                content_type: Set(None),
                headers: Set(None),
                body: Set(None),
                created_at: Set(now),
            }
            .insert(&self.db)
            .await;
            match inserted.map_err(|e| RepoError::unique(e, "idempotency_key")) {
                Ok(_) => return Ok(Claim::Claimed),
                Err(RepoError::Conflict(_)) => {}
                Err(other) => return Err(other),
            }
            let Some(row) = idempotency_key::Entity::find_by_id((user, key.to_owned()))
                .one(&self.db)
                .await?
            else {
                continue;
            };
            let expired = row.created_at <= now - policy.ttl;
            let abandoned =
                row.state == IN_PROGRESS && row.created_at <= now - policy.abandoned_after;
            if expired || abandoned {
                idempotency_key::Entity::delete_many()
                    .filter(idempotency_key::Column::UserId.eq(user))
                    .filter(idempotency_key::Column::Key.eq(key))
                    .filter(idempotency_key::Column::CreatedAt.eq(row.created_at))
                    .exec(&self.db)
                    .await?;
                continue;
            }
            if row.request_hash != request_hash {
                return Ok(Claim::Mismatch);
            }
            if row.state != DONE {
                return Ok(Claim::InProgress);
            }
            let status = row
                .status_code
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| RepoError::Corrupt {
                    table: "idempotency_keys",
                    id: format!("{user}/{key}"),
                    detail: "done without a status".to_owned(),
                })?;
            return Ok(Claim::Completed(StoredResponse {
                status,
                content_type: row.content_type,
                headers: row
                    .headers
                    .as_deref()
                    .map(decode_headers)
                    .unwrap_or_default(),
                body: row.body.unwrap_or_default(),
            }));
        }
        Ok(Claim::InProgress)
    }

    /// Records the response of the request that claimed `key`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn complete_idempotency_key(
        &self,
        user: Uuid,
        key: &str,
        response: StoredResponse,
    ) -> Result<(), RepoError> {
        idempotency_key::ActiveModel {
            user_id: Set(user),
            key: Set(key.to_owned()),
            state: Set(DONE.to_owned()),
            status_code: Set(Some(i32::from(response.status))),
            content_type: Set(response.content_type),
            headers: Set(Some(encode_headers(&response.headers))),
            body: Set(Some(response.body)),
            ..Default::default()
        }
        .update(&self.db)
        .await?;
        Ok(())
    }

    /// Forgets the claim of `key` so that a retry may act (after a server error).
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn release_idempotency_key(&self, user: Uuid, key: &str) -> Result<(), RepoError> {
        idempotency_key::Entity::delete_by_id((user, key.to_owned()))
            .exec(&self.db)
            .await?;
        Ok(())
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
