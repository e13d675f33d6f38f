//! What admins see of the outbox, and queuing failed mail again.

use chrono::{DateTime, Utc};
use domain::notification::DeliveryStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Store;
use crate::entity::outbox;
use crate::error::{Clash, RepoError};
use crate::records::Page;

use super::{OutboxCounts, OutboxRecord, decode};

impl Store {
    /// Outbox rows in `status` (all when `None`), oldest first, `limit` at a time after the
    /// cursor `after`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn list_outbox(
        &self,
        status: Option<DeliveryStatus>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Page<OutboxRecord>, RepoError> {
        let mut query = outbox::Entity::find().order_by_asc(outbox::Column::Id);
        if let Some(status) = status {
            query = query.filter(outbox::Column::Status.eq(status.code()));
        }
        if let Some(after) = after {
            query = query.filter(outbox::Column::Id.gt(after));
        }
        let rows = query.limit(limit + 1).all(&self.db).await?;
        crate::paging::keyset(rows, limit, |m| m.id, decode)
    }

    /// One outbox row.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when there is no such row.
    pub async fn get_outbox(&self, id: Uuid) -> Result<OutboxRecord, RepoError> {
        let row = outbox::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        decode(row)
    }

    /// Re-queues failed row `id` for an attempt now, with its attempts counted afresh.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when there is no such row; [`RepoError::Conflict`]
    /// (`"status"`) when it has not failed.
    pub async fn retry_mail(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<OutboxRecord, RepoError> {
        retry_mail_in(&self.db, id, now).await
    }

    /// How many rows wait and how many were given up (sent and cancelled rows, the bulk of
    /// the table, are not counted).
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, RepoError> {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Status.is_in([
                DeliveryStatus::Pending.code(),
                DeliveryStatus::Failed.code(),
            ]))
            .select_only()
            .column(outbox::Column::Status)
            .column_as(outbox::Column::Id.count(), "n")
            .group_by(outbox::Column::Status)
            .into_tuple::<(String, i64)>()
            .all(&self.db)
            .await?;
        let mut counts = OutboxCounts::default();
        for (status, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match status.parse::<DeliveryStatus>() {
                Ok(DeliveryStatus::Pending) => counts.pending = n,
                Ok(DeliveryStatus::Failed) => counts.failed = n,
                Ok(DeliveryStatus::Sent | DeliveryStatus::Cancelled) => {}
                Err(e) => {
                    return Err(RepoError::Corrupt {
                        table: "outbox",
                        id: status,
                        detail: e.to_string(),
                    });
                }
            }
        }
        Ok(counts)
    }
}

async fn retry_mail_in<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<OutboxRecord, RepoError> {
    let done = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(DeliveryStatus::Pending.code()),
        )
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(DeliveryStatus::Failed.code()))
        .exec(conn)
        .await?;
    let row = outbox::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
        .and_then(decode)?;
    if done.rows_affected == 0 {
        return Err(RepoError::Conflict(Clash::Status));
    }
    // A worker may already have claimed it again; answer with the row as re-queued.
    Ok(OutboxRecord {
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        ..row
    })
}

impl crate::Tx {
    /// Queues failed mail `id` again.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] ([`Clash::Status`]) when it has not failed.
    pub async fn retry_mail(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<OutboxRecord, RepoError> {
        retry_mail_in(&self.tx, id, now).await
    }
}
