//! Fixed-window rate limits counted in the database, so that every replica of the service
//! counts against the same limit.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set, TransactionTrait};

use crate::Store;
use crate::entity::rate_limit;
use crate::error::RepoError;

impl Store {
    /// Counts one hit on `key` in the current window of length `window`, and returns how
    /// long until the window ends when this hit is over `limit`, or `None` when it is within.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] or [`RepoError::Unexpected`] when the database fails.
    pub async fn hit_rate_limit(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
        limit: u32,
    ) -> Result<Option<Duration>, RepoError> {
        let tx = self.db.begin().await?;
        let inserted = rate_limit::Entity::insert(rate_limit::ActiveModel {
            key: Set(key.to_owned()),
            window_start: Set(now),
            hits: Set(0),
        })
        .on_conflict(
            OnConflict::column(rate_limit::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec(&tx)
        .await;
        match inserted {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(err) => return Err(err.into()),
        }
        // A window that has ended starts again with this hit.
        let expired = Expr::col(rate_limit::Column::WindowStart).lte(now - window);
        rate_limit::Entity::update_many()
            .col_expr(
                rate_limit::Column::Hits,
                Expr::case(expired.clone(), 1)
                    .finally(Expr::col(rate_limit::Column::Hits).add(1))
                    .into(),
            )
            .col_expr(
                rate_limit::Column::WindowStart,
                Expr::case(expired, now)
                    .finally(Expr::col(rate_limit::Column::WindowStart))
                    .into(),
            )
            .filter(rate_limit::Column::Key.eq(key))
            .exec(&tx)
            .await?;
        let row = rate_limit::Entity::find_by_id(key.to_owned())
            .one(&tx)
            .await?
            .ok_or(RepoError::NotFound)?;
        tx.commit().await?;
        let over = u32::try_from(row.hits).unwrap_or(u32::MAX) > limit;
        Ok(over.then(|| (row.window_start + window - now).max(Duration::seconds(1))))
    }

    /// Whether `key` has reached `limit` hits in its current window of length `window`,
    /// without counting a hit: how long until the window ends when it has.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] or [`RepoError::Unexpected`] when the database fails.
    pub async fn rate_limit_reached(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
        limit: u32,
    ) -> Result<Option<Duration>, RepoError> {
        let row = rate_limit::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await?;
        Ok(row
            .filter(|row| row.window_start > now - window)
            .filter(|row| u32::try_from(row.hits).unwrap_or(u32::MAX) >= limit)
            .map(|row| (row.window_start + window - now).max(Duration::seconds(1))))
    }

    /// Forgets counters whose window started before `before`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn purge_rate_limits(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let done = rate_limit::Entity::delete_many()
            .filter(rate_limit::Column::WindowStart.lt(before))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }
}
