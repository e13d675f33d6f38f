//! Workers claim due mail under a lease and mark it sent, failed or cancelled.

use chrono::{DateTime, Duration, Utc};
use domain::notification::DeliveryStatus;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter, QueryOrder,
    Statement, UpdateMany,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::outbox;
use crate::error::RepoError;

use super::facts::Facts;
use super::{Letter, Undeliverable, clip};

impl Store {
    /// Claims up to `limit` due rows for `lease`: until it lapses no other worker takes
    /// them, and after it lapses (a worker died mid-send) they are due again. On PostgreSQL
    /// concurrent claimants skip each other's rows; on SQLite the single writer serialises
    /// them. Each row's facts are read in a handful of queries for the whole batch.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<Result<Letter, Undeliverable>>, RepoError> {
        let claim = Uuid::new_v4();
        let claimed = if self.db.get_database_backend() == DbBackend::Postgres {
            self.claim_postgres(claim, now, lease, limit).await?
        } else {
            self.claim_single_writer(claim, now, lease, limit).await?
        };
        if claimed == 0 {
            return Ok(Vec::new());
        }
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(DeliveryStatus::Pending.code()))
            .filter(outbox::Column::Claim.eq(claim))
            .order_by_asc(outbox::Column::Id)
            .all(&self.db)
            .await?;
        let facts = Facts::load(&self.db, &rows).await?;
        Ok(rows.into_iter().map(|row| facts.letter(row, now)).collect())
    }

    async fn claim_postgres(
        &self,
        claim: Uuid,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u64,
    ) -> Result<u64, RepoError> {
        // The locking subquery runs once in a CTE. Inside `IN (…)` PostgreSQL may
        // re-run it for every row, and rows this statement already updated no longer
        // lock, so LIMIT would keep pulling more rows than asked.
        let sql = "WITH due AS (\
            SELECT id FROM outbox WHERE status = $1 AND next_attempt_at <= $2 \
            ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
            UPDATE outbox SET claim = $4, next_attempt_at = $5, \
            attempts = outbox.attempts + 1, updated_at = $2 \
            FROM due WHERE outbox.id = due.id";
        let values: [sea_orm::Value; 5] = [
            DeliveryStatus::Pending.code().into(),
            now.into(),
            i64::try_from(limit).unwrap_or(i64::MAX).into(),
            claim.into(),
            (now + lease).into(),
        ];
        let done = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                values,
            ))
            .await?;
        Ok(done.rows_affected())
    }

    async fn claim_single_writer(
        &self,
        claim: Uuid,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u64,
    ) -> Result<u64, RepoError> {
        // SQLite has one writer, so the statement as a whole is the claim.
        let due = Query::select()
            .column(outbox::Column::Id)
            .from(outbox::Entity)
            .and_where(Expr::col(outbox::Column::Status).eq(DeliveryStatus::Pending.code()))
            .and_where(Expr::col(outbox::Column::NextAttemptAt).lte(now))
            .order_by(outbox::Column::NextAttemptAt, Order::Asc)
            .limit(limit)
            .to_owned();
        let done = outbox::Entity::update_many()
            .col_expr(outbox::Column::Claim, Expr::value(claim))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(now + lease))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
            .filter(outbox::Column::Id.in_subquery(due))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    /// Marks rows `ids` sent, those that `claim` still holds, in one statement; returns
    /// how many it marked.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn mark_sent(
        &self,
        ids: &[Uuid],
        claim: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let update = outbox::Entity::update_many()
            .col_expr(outbox::Column::SentAt, Expr::value(now))
            .filter(outbox::Column::Id.is_in(ids.iter().copied()));
        self.end_claim(update, claim, now, DeliveryStatus::Sent, None)
            .await
    }

    /// Records a failed attempt of row `id`, if `claim` still holds it: it is tried again
    /// at `retry_at`, or marked failed when that is `None`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn mark_attempt_failed(
        &self,
        id: Uuid,
        claim: Uuid,
        now: DateTime<Utc>,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, RepoError> {
        let status = match retry_at {
            Some(_) => DeliveryStatus::Pending,
            None => DeliveryStatus::Failed,
        };
        let update = outbox::Entity::update_many()
            .col_expr(
                outbox::Column::NextAttemptAt,
                Expr::value(retry_at.unwrap_or(now)),
            )
            .filter(outbox::Column::Id.eq(id));
        let ended = self
            .end_claim(update, claim, now, status, Some(error))
            .await?;
        Ok(ended == 1)
    }

    /// Marks row `id` cancelled (no longer owed), if `claim` still holds it.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn mark_cancelled(
        &self,
        id: Uuid,
        claim: Uuid,
        now: DateTime<Utc>,
        why: &str,
    ) -> Result<bool, RepoError> {
        let update = outbox::Entity::update_many().filter(outbox::Column::Id.eq(id));
        let ended = self
            .end_claim(update, claim, now, DeliveryStatus::Cancelled, Some(why))
            .await?;
        Ok(ended == 1)
    }

    /// Applies `update` (which picks the rows) to the rows `claim` still holds, ending the
    /// claim with `status` and `error` as the last error (cleared when `None`).
    async fn end_claim(
        &self,
        update: UpdateMany<outbox::Entity>,
        claim: Uuid,
        now: DateTime<Utc>,
        status: DeliveryStatus,
        error: Option<&str>,
    ) -> Result<u64, RepoError> {
        let done = update
            .col_expr(outbox::Column::Status, Expr::value(status.code()))
            .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
            .col_expr(outbox::Column::Claim, Expr::value(Option::<Uuid>::None))
            .col_expr(outbox::Column::LastError, Expr::value(error.map(clip)))
            .filter(outbox::Column::Claim.eq(claim))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    /// Gives rows `ids` back unsent, due now, without counting the attempt: the worker
    /// holding them ran short of its lease before it could send them.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn release_mail(
        &self,
        ids: &[Uuid],
        claim: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, RepoError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let done = outbox::Entity::update_many()
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
            .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
            .col_expr(outbox::Column::Claim, Expr::value(Option::<Uuid>::None))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).sub(1),
            )
            .filter(outbox::Column::Id.is_in(ids.iter().copied()))
            .filter(outbox::Column::Claim.eq(claim))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    /// Deletes sent and cancelled rows last changed before `before`; returns how many.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn purge_mail(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let done = outbox::Entity::delete_many()
            .filter(outbox::Column::Status.is_in([
                DeliveryStatus::Sent.code(),
                DeliveryStatus::Cancelled.code(),
            ]))
            .filter(outbox::Column::UpdatedAt.lt(before))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }
}
