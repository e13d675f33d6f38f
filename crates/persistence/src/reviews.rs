//! Reviewer pools, conflicts of interest and assignments with their reviews.

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::review::{ConflictKind, ReviewContent};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{assignment, call_reviewer, conflict, organization_member, user};
use crate::error::RepoError;
use crate::records::{AssignmentRecord, ConflictRecord, OffsetPage, PoolMember};

pub(crate) fn decode_assignment(model: assignment::Model) -> Result<AssignmentRecord, RepoError> {
    let id = model.id;
    let corrupt = |detail: String| RepoError::Corrupt {
        table: "assignments",
        id: id.to_string(),
        detail,
    };
    let review = model
        .review
        .as_deref()
        .map(serde_json::from_str::<ReviewContent>)
        .transpose()
        .map_err(|e| corrupt(format!("review: {e}")))?;
    Ok(AssignmentRecord {
        id,
        call_id: model.call_id,
        application_id: model.application_id,
        reviewer_id: model.reviewer_id,
        status: model
            .status
            .parse::<AssignmentStatus>()
            .map_err(|e| corrupt(format!("status: {e}")))?,
        version: model.version,
        due_at: model.due_at,
        assigned_by: model.assigned_by,
        decline_reason: model.decline_reason,
        review,
        review_total: model.review_total,
        submitted_at: model.submitted_at,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

fn decode_conflict(model: conflict::Model) -> Result<ConflictRecord, RepoError> {
    Ok(ConflictRecord {
        id: model.id,
        reviewer_id: model.reviewer_id,
        organization_id: model.organization_id,
        kind: model
            .kind
            .parse::<ConflictKind>()
            .map_err(|e| RepoError::Corrupt {
                table: "conflicts",
                id: model.id.to_string(),
                detail: format!("kind: {e}"),
            })?,
        description: model.description,
        source: model.source,
        declared_at: model.declared_at,
    })
}

pub(crate) fn review_json(review: &ReviewContent) -> Result<String, RepoError> {
    serde_json::to_string(review).map_err(|e| RepoError::Corrupt {
        table: "assignments",
        id: String::new(),
        detail: format!("review does not serialise: {e}"),
    })
}

/// A new conflict declaration.
#[derive(Debug, Clone)]
pub struct NewConflict {
    /// The reviewer.
    pub reviewer_id: Uuid,
    /// The organisation.
    pub organization_id: Uuid,
    /// The kind.
    pub kind: ConflictKind,
    /// The explanation.
    pub description: String,
    /// `profile` or `decline`.
    pub source: &'static str,
}

impl Store {
    /// Adds `reviewer` to the pool of `call`.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"pool_member"`) when already in it.
    pub async fn add_pool_member(
        &self,
        call: Uuid,
        reviewer: Uuid,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        call_reviewer::ActiveModel {
            call_id: Set(call),
            reviewer_id: Set(reviewer),
            added_by: Set(by),
            added_at: Set(now),
        }
        .insert(&self.db)
        .await
        .map_err(|e| RepoError::unique(e, "pool_member"))?;
        Ok(())
    }

    /// The pool of `call`, in the order reviewers joined.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn pool(&self, call: Uuid) -> Result<Vec<PoolMember>, RepoError> {
        let rows = call_reviewer::Entity::find()
            .filter(call_reviewer::Column::CallId.eq(call))
            .order_by_asc(call_reviewer::Column::AddedAt)
            .order_by_asc(call_reviewer::Column::ReviewerId)
            .all(&self.db)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.reviewer_id).collect();
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                users
                    .iter()
                    .find(|u| u.id == row.reviewer_id)
                    .map(|u| PoolMember {
                        reviewer_id: row.reviewer_id,
                        name: u.name.clone(),
                        email: u.email.clone(),
                        added_at: row.added_at,
                    })
            })
            .collect())
    }

    /// Whether `reviewer` is in the pool of `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn in_pool(&self, call: Uuid, reviewer: Uuid) -> Result<bool, RepoError> {
        Ok(call_reviewer::Entity::find_by_id((call, reviewer))
            .count(&self.db)
            .await?
            > 0)
    }

    /// Records a conflict of interest.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"conflict"`) when one is already declared for the pair.
    pub async fn declare_conflict(
        &self,
        new: NewConflict,
        now: DateTime<Utc>,
    ) -> Result<ConflictRecord, RepoError> {
        let model = conflict::ActiveModel {
            id: Set(Uuid::now_v7()),
            reviewer_id: Set(new.reviewer_id),
            organization_id: Set(new.organization_id),
            kind: Set(new.kind.code().to_owned()),
            description: Set(new.description),
            source: Set(new.source.to_owned()),
            declared_at: Set(now),
        }
        .insert(&self.db)
        .await
        .map_err(|e| RepoError::unique(e, "conflict"))?;
        decode_conflict(model)
    }

    /// The conflicts `reviewer` declared.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn conflicts_of(&self, reviewer: Uuid) -> Result<Vec<ConflictRecord>, RepoError> {
        conflict::Entity::find()
            .filter(conflict::Column::ReviewerId.eq(reviewer))
            .order_by_asc(conflict::Column::DeclaredAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(decode_conflict)
            .collect()
    }

    /// Every (reviewer, organisation) pair that may not meet, among `reviewers`: declared
    /// conflicts and memberships.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn conflicted_pairs(
        &self,
        reviewers: &[Uuid],
    ) -> Result<Vec<(Uuid, Uuid)>, RepoError> {
        let declared = conflict::Entity::find()
            .filter(conflict::Column::ReviewerId.is_in(reviewers.iter().copied()))
            .all(&self.db)
            .await?;
        let memberships = organization_member::Entity::find()
            .filter(organization_member::Column::UserId.is_in(reviewers.iter().copied()))
            .all(&self.db)
            .await?;
        let mut pairs: Vec<(Uuid, Uuid)> = declared
            .into_iter()
            .map(|c| (c.reviewer_id, c.organization_id))
            .chain(
                memberships
                    .into_iter()
                    .map(|m| (m.user_id, m.organization_id)),
            )
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        Ok(pairs)
    }

    /// The assignment `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn get_assignment(&self, id: Uuid) -> Result<AssignmentRecord, RepoError> {
        let model = assignment::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(RepoError::NotFound)?;
        decode_assignment(model)
    }

    /// Every assignment of `application`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_application(
        &self,
        application: Uuid,
    ) -> Result<Vec<AssignmentRecord>, RepoError> {
        assignment::Entity::find()
            .filter(assignment::Column::ApplicationId.eq(application))
            .order_by_asc(assignment::Column::CreatedAt)
            .order_by_asc(assignment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(decode_assignment)
            .collect()
    }

    /// Every assignment of `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_call(
        &self,
        call: Uuid,
    ) -> Result<Vec<AssignmentRecord>, RepoError> {
        assignment::Entity::find()
            .filter(assignment::Column::CallId.eq(call))
            .order_by_asc(assignment::Column::CreatedAt)
            .order_by_asc(assignment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(decode_assignment)
            .collect()
    }

    /// Page `page` (from 1) of `reviewer`'s assignments, newest first, optionally only in
    /// `statuses`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_reviewer(
        &self,
        reviewer: Uuid,
        statuses: &[AssignmentStatus],
        page: u64,
        limit: u64,
    ) -> Result<OffsetPage<AssignmentRecord>, RepoError> {
        let mut query =
            assignment::Entity::find().filter(assignment::Column::ReviewerId.eq(reviewer));
        if !statuses.is_empty() {
            query =
                query.filter(assignment::Column::Status.is_in(statuses.iter().map(|s| s.code())));
        }
        let rows = query
            .order_by_desc(assignment::Column::CreatedAt)
            .order_by_desc(assignment::Column::Id)
            .offset(page.saturating_sub(1).saturating_mul(limit))
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        let has_more = rows.len() as u64 > limit;
        let items = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(decode_assignment)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OffsetPage { items, has_more })
    }

    /// Moves assignment `id` from `expected_version` to `status`, saving `review` when given.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`] (`"version"`)
    /// when it changed meanwhile.
    pub async fn update_assignment(
        &self,
        id: Uuid,
        expected_version: i32,
        status: AssignmentStatus,
        review: Option<&ReviewContent>,
        decline_reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<AssignmentRecord, RepoError> {
        let mut update = assignment::Entity::update_many()
            .col_expr(assignment::Column::Status, Expr::value(status.code()))
            .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                assignment::Column::Version,
                Expr::col(assignment::Column::Version).add(1),
            )
            .filter(assignment::Column::Id.eq(id))
            .filter(assignment::Column::Version.eq(expected_version));
        if let Some(review) = review {
            update = update.col_expr(
                assignment::Column::Review,
                Expr::value(review_json(review)?),
            );
        }
        if decline_reason.is_some() {
            update = update.col_expr(
                assignment::Column::DeclineReason,
                Expr::value(decline_reason),
            );
        }
        let result = update.exec(&self.db).await?;
        let record = self.get_assignment(id).await?;
        if result.rows_affected == 0 {
            return Err(RepoError::Conflict("version"));
        }
        Ok(record)
    }
}
