//! What scoring and ranking a call read: only the columns they use, so that ranking a call
//! of a thousand applications does not decode a thousand application bodies and every
//! review's text.

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::ids::{ApplicationId, CallId};
use domain::money::Money;
use domain::scoring::ScoredReview;
use domain::status::ApplicationStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, assignment};
use crate::error::RepoError;

/// An application as a ranking lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankingEntry {
    /// The application.
    pub id: ApplicationId,
    /// Its title.
    pub title: Option<String>,
    /// Its status.
    pub status: ApplicationStatus,
    /// The amount it requests.
    pub requested: Money,
    /// When it was (last) submitted; its creation for one never submitted.
    pub submitted_at: DateTime<Utc>,
}

type EntryRow = (
    Uuid,
    Option<String>,
    String,
    i64,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

impl Store {
    /// The totals of every submitted review in `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn review_totals(&self, call: CallId) -> Result<Vec<ScoredReview>, RepoError> {
        let call = call.uuid();
        review_totals(&self.db, call).await
    }

    /// The applications of `call` in one of `statuses`, as a ranking lists them, oldest
    /// first.
    ///
    /// # Errors
    /// [`RepoError::Corrupt`] for a row with an unknown status or an impossible amount.
    pub async fn ranking_entries(
        &self,
        call: CallId,
        statuses: &[ApplicationStatus],
    ) -> Result<Vec<RankingEntry>, RepoError> {
        let call = call.uuid();
        let rows: Vec<EntryRow> = application::Entity::find()
            .select_only()
            .column(application::Column::Id)
            .column(application::Column::Title)
            .column(application::Column::Status)
            .column(application::Column::RequestedMinor)
            .column(application::Column::SubmittedAt)
            .column(application::Column::CreatedAt)
            .filter(application::Column::CallId.eq(call))
            .filter(application::Column::Status.is_in(statuses.iter().map(|s| s.code())))
            .order_by_asc(application::Column::CreatedAt)
            .order_by_asc(application::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|(id, title, status, requested, submitted_at, created_at)| {
                let corrupt = |detail: String| RepoError::Corrupt {
                    table: "applications",
                    id: id.to_string(),
                    detail,
                };
                Ok(RankingEntry {
                    id: id.into(),
                    title,
                    status: status
                        .parse()
                        .map_err(|e| corrupt(format!("status: {e}")))?,
                    requested: Money::from_minor(requested)
                        .ok_or_else(|| corrupt(format!("requested: {requested}")))?,
                    submitted_at: submitted_at.unwrap_or(created_at),
                })
            })
            .collect()
    }
}

pub(crate) async fn review_totals<C: ConnectionTrait>(
    conn: &C,
    call: Uuid,
) -> Result<Vec<ScoredReview>, RepoError> {
    let rows: Vec<(Uuid, Uuid, Option<f64>)> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::ApplicationId)
        .column(assignment::Column::ReviewerId)
        .column(assignment::Column::ReviewTotal)
        .filter(assignment::Column::CallId.eq(call))
        .filter(assignment::Column::Status.eq(AssignmentStatus::Submitted.code()))
        .order_by_asc(assignment::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(application, reviewer, total)| {
            total.map(|total| ScoredReview {
                application: application.into(),
                reviewer: reviewer.into(),
                total,
            })
        })
        .collect())
}
