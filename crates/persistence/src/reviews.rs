//! Reviewer pools, conflicts of interest and assignments with their reviews.

use crate::ids::uuids;
use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::ids::{ApplicationId, AssignmentId, CallId, OrganizationId, UserId};
use domain::review::{ConflictKind, ReviewContent};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, assignment, call_reviewer, conflict, organization_member, user};
use crate::error::{Clash, RepoError};
use crate::records::{AssignmentRecord, ConflictRecord, OffsetPage, PoolMember};
use crate::tx::Tx;

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
        id: id.into(),
        call_id: model.call_id.into(),
        application_id: model.application_id.into(),
        reviewer_id: model.reviewer_id.into(),
        status: model
            .status
            .parse::<AssignmentStatus>()
            .map_err(|e| corrupt(format!("status: {e}")))?,
        version: model.version,
        due_at: model.due_at,
        assigned_by: model.assigned_by.map(Into::into),
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
        reviewer_id: model.reviewer_id.into(),
        organization_id: model.organization_id.into(),
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
    pub reviewer_id: UserId,
    /// The organisation.
    pub organization_id: OrganizationId,
    /// The kind.
    pub kind: ConflictKind,
    /// The explanation.
    pub description: String,
    /// `profile` or `decline`.
    pub source: &'static str,
}

async fn in_pool<C: ConnectionTrait>(
    conn: &C,
    call: Uuid,
    reviewer: Uuid,
) -> Result<bool, RepoError> {
    Ok(call_reviewer::Entity::find_by_id((call, reviewer))
        .count(conn)
        .await?
        > 0)
}

async fn pool<C: ConnectionTrait>(conn: &C, call: Uuid) -> Result<Vec<PoolMember>, RepoError> {
    let rows = call_reviewer::Entity::find()
        .filter(call_reviewer::Column::CallId.eq(call))
        .order_by_asc(call_reviewer::Column::AddedAt)
        .order_by_asc(call_reviewer::Column::ReviewerId)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.reviewer_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            users
                .iter()
                .find(|u| u.id == row.reviewer_id)
                .map(|u| PoolMember {
                    reviewer_id: row.reviewer_id.into(),
                    name: u.name.clone(),
                    email: u.email.clone(),
                    added_at: row.added_at,
                })
        })
        .collect())
}

async fn conflicted_pairs<C: ConnectionTrait>(
    conn: &C,
    reviewers: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, RepoError> {
    let declared = conflict::Entity::find()
        .filter(conflict::Column::ReviewerId.is_in(reviewers.iter().copied()))
        .all(conn)
        .await?;
    let memberships = organization_member::Entity::find()
        .filter(organization_member::Column::UserId.is_in(reviewers.iter().copied()))
        .all(conn)
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

pub(crate) async fn assignment_by_id<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<AssignmentRecord, RepoError> {
    let model = assignment::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    decode_assignment(model)
}

async fn assignments_where<C: ConnectionTrait>(
    conn: &C,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<AssignmentRecord>, RepoError> {
    assignment::Entity::find()
        .filter(condition)
        .order_by_asc(assignment::Column::CreatedAt)
        .order_by_asc(assignment::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(decode_assignment)
        .collect()
}

impl Tx {
    /// Adds `reviewer` to the pool of `call`.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"pool_member"`) when already in it.
    pub async fn add_pool_member(
        &self,
        call: CallId,
        reviewer: UserId,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let call = call.uuid();
        let reviewer = reviewer.uuid();
        let by = by.uuid();
        call_reviewer::ActiveModel {
            call_id: Set(call),
            reviewer_id: Set(reviewer),
            added_by: Set(by),
            added_at: Set(now),
        }
        .insert(&self.tx)
        .await
        .map_err(|e| RepoError::unique(e, Clash::PoolMember))?;
        Ok(())
    }

    /// Removes `reviewer` from the pool of `call`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when they are not in it.
    pub async fn remove_pool_member(
        &self,
        call: CallId,
        reviewer: UserId,
    ) -> Result<(), RepoError> {
        let call = call.uuid();
        let reviewer = reviewer.uuid();
        let removed = call_reviewer::Entity::delete_by_id((call, reviewer))
            .exec(&self.tx)
            .await?;
        if removed.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        Ok(())
    }

    /// Whether `reviewer` is in the pool of `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn in_pool(&self, call: CallId, reviewer: UserId) -> Result<bool, RepoError> {
        let call = call.uuid();
        let reviewer = reviewer.uuid();
        in_pool(&self.tx, call, reviewer).await
    }

    /// The pool of `call`, in the order reviewers joined.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn pool(&self, call: CallId) -> Result<Vec<PoolMember>, RepoError> {
        let call = call.uuid();
        pool(&self.tx, call).await
    }

    /// Every (reviewer, organisation) pair that may not meet, among `reviewers`: declared
    /// conflicts and memberships.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn conflicted_pairs(
        &self,
        reviewers: &[UserId],
    ) -> Result<Vec<(UserId, OrganizationId)>, RepoError> {
        let pairs = conflicted_pairs(&self.tx, &uuids(reviewers)).await?;
        Ok(pairs
            .into_iter()
            .map(|(reviewer, organization)| (reviewer.into(), organization.into()))
            .collect())
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
            reviewer_id: Set(new.reviewer_id.uuid()),
            organization_id: Set(new.organization_id.uuid()),
            kind: Set(new.kind.code().to_owned()),
            description: Set(new.description),
            source: Set(new.source.to_owned()),
            declared_at: Set(now),
        }
        .insert(&self.tx)
        .await
        .map_err(|e| RepoError::unique(e, Clash::DeclaredConflict))?;
        decode_conflict(model)
    }

    /// The assignment `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn assignment(&self, id: AssignmentId) -> Result<AssignmentRecord, RepoError> {
        let id = id.uuid();
        assignment_by_id(&self.tx, id).await
    }

    /// Every assignment of `call`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_call(
        &self,
        call: CallId,
    ) -> Result<Vec<AssignmentRecord>, RepoError> {
        let call = call.uuid();
        assignments_where(&self.tx, assignment::Column::CallId.eq(call)).await
    }

    /// Every assignment of `application`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_application(
        &self,
        application: ApplicationId,
    ) -> Result<Vec<AssignmentRecord>, RepoError> {
        let application = application.uuid();
        assignments_where(&self.tx, assignment::Column::ApplicationId.eq(application)).await
    }

    /// The active assignments (assigned, accepted or submitted) of `reviewer` on
    /// applications of `organization`, in any call, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn active_assignments_with(
        &self,
        reviewer: UserId,
        organization: OrganizationId,
    ) -> Result<Vec<AssignmentRecord>, RepoError> {
        let active = AssignmentStatus::ALL.into_iter().filter(|s| s.is_active());
        let applications = Query::select()
            .column(application::Column::Id)
            .from(application::Entity)
            .and_where(Expr::col(application::Column::OrganizationId).eq(organization.uuid()))
            .to_owned();
        let condition = assignment::Column::ReviewerId
            .eq(reviewer.uuid())
            .and(assignment::Column::Status.is_in(active.map(AssignmentStatus::code)))
            .and(assignment::Column::ApplicationId.in_subquery(applications));
        assignments_where(&self.tx, condition).await
    }

    /// How many active assignments `reviewer` has in `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn active_assignments_of_reviewer(
        &self,
        call: CallId,
        reviewer: UserId,
    ) -> Result<u64, RepoError> {
        let call = call.uuid();
        let reviewer = reviewer.uuid();
        let active = [
            AssignmentStatus::Assigned,
            AssignmentStatus::Accepted,
            AssignmentStatus::Submitted,
        ];
        Ok(assignment::Entity::find()
            .filter(assignment::Column::CallId.eq(call))
            .filter(assignment::Column::ReviewerId.eq(reviewer))
            .filter(assignment::Column::Status.is_in(active.iter().map(|s| s.code())))
            .count(&self.tx)
            .await?)
    }
}

impl Store {
    /// The pool of `call`, in the order reviewers joined.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn pool(&self, call: CallId) -> Result<Vec<PoolMember>, RepoError> {
        let call = call.uuid();
        pool(&self.db, call).await
    }

    /// The conflicts `reviewer` declared.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn conflicts_of(&self, reviewer: UserId) -> Result<Vec<ConflictRecord>, RepoError> {
        let reviewer = reviewer.uuid();
        conflict::Entity::find()
            .filter(conflict::Column::ReviewerId.eq(reviewer))
            .order_by_asc(conflict::Column::DeclaredAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(decode_conflict)
            .collect()
    }

    /// The assignment `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn get_assignment(&self, id: AssignmentId) -> Result<AssignmentRecord, RepoError> {
        let id = id.uuid();
        assignment_by_id(&self.db, id).await
    }

    /// Every assignment of `application`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_application(
        &self,
        application: ApplicationId,
    ) -> Result<Vec<AssignmentRecord>, RepoError> {
        let application = application.uuid();
        assignments_where(&self.db, assignment::Column::ApplicationId.eq(application)).await
    }

    /// Every assignment of `call`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_call(
        &self,
        call: CallId,
    ) -> Result<Vec<AssignmentRecord>, RepoError> {
        let call = call.uuid();
        assignments_where(&self.db, assignment::Column::CallId.eq(call)).await
    }

    /// Page `page` (from 1) of `reviewer`'s assignments, newest first, optionally only in
    /// `statuses`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn assignments_of_reviewer(
        &self,
        reviewer: UserId,
        statuses: &[AssignmentStatus],
        page: u64,
        limit: u64,
    ) -> Result<OffsetPage<AssignmentRecord>, RepoError> {
        let reviewer = reviewer.uuid();
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
}
