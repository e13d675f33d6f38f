//! Mail owed by a change, queued in the change's transaction; and review reminders.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::notification::{self, DeliveryStatus, NotificationKind};
use domain::status::ApplicationStatus;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, assignment, call, organization_member, outbox};
use crate::error::RepoError;

/// Enqueues `kind` for every member of the organisation that owns `application_id`, as
/// part of the caller's transaction.
pub(crate) async fn enqueue_for_applicants<C: ConnectionTrait>(
    conn: &C,
    application_id: Uuid,
    event_id: Uuid,
    kind: NotificationKind,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    // One query: the members of the organisation that owns the application.
    let owner = Query::select()
        .column(application::Column::OrganizationId)
        .from(application::Entity)
        .and_where(Expr::col(application::Column::Id).eq(application_id))
        .to_owned();
    let members = organization_member::Entity::find()
        .filter(organization_member::Column::OrganizationId.in_subquery(owner))
        .select_only()
        .column(organization_member::Column::UserId)
        .order_by_asc(organization_member::Column::UserId)
        .into_tuple::<Uuid>()
        .all(conn)
        .await?;
    let rows: Vec<outbox::ActiveModel> = members
        .into_iter()
        .map(|recipient| {
            new_row(
                kind,
                recipient,
                Some(application_id),
                Some(event_id),
                None,
                at,
            )
        })
        .collect();
    insert_rows(conn, rows).await
}

/// Enqueues `kind` for the reviewer of an assignment, as part of the caller's transaction.
pub(crate) async fn enqueue_for_reviewer<C: ConnectionTrait>(
    conn: &C,
    assignment_id: Uuid,
    reviewer_id: Uuid,
    application_id: Uuid,
    kind: NotificationKind,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let row = new_row(
        kind,
        reviewer_id,
        Some(application_id),
        None,
        Some(assignment_id),
        at,
    );
    insert_rows(conn, vec![row]).await
}

/// Enqueues `kind` about an assignment of an application for the officer in charge of the
/// application's call, as part of the caller's transaction. The one rule for every notice
/// meant for "the officer": it goes to the account that created the call.
pub(crate) async fn enqueue_for_call_officer<C: ConnectionTrait>(
    conn: &C,
    application_id: Uuid,
    assignment_id: Uuid,
    kind: NotificationKind,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let call = Query::select()
        .column(application::Column::CallId)
        .from(application::Entity)
        .and_where(Expr::col(application::Column::Id).eq(application_id))
        .to_owned();
    let creator = call::Entity::find()
        .filter(call::Column::Id.in_subquery(call))
        .select_only()
        .column(call::Column::CreatedBy)
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let row = new_row(
        kind,
        creator,
        Some(application_id),
        None,
        Some(assignment_id),
        at,
    );
    insert_rows(conn, vec![row]).await
}

/// Enqueues account mail `kind` for `recipient`, as part of the caller's transaction.
pub(crate) async fn enqueue_for_account<C: ConnectionTrait>(
    conn: &C,
    recipient: Uuid,
    kind: NotificationKind,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let row = new_row(kind, recipient, None, None, None, at);
    insert_rows(conn, vec![row]).await
}

/// Whether `kind` was queued for `recipient` at or after `since`.
pub(crate) async fn queued_since<C: ConnectionTrait>(
    conn: &C,
    recipient: Uuid,
    kind: NotificationKind,
    since: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let found = outbox::Entity::find()
        .filter(outbox::Column::RecipientId.eq(recipient))
        .filter(outbox::Column::Kind.eq(kind.code()))
        .filter(outbox::Column::CreatedAt.gte(since))
        .select_only()
        .column(outbox::Column::Id)
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    Ok(found.is_some())
}

pub(crate) fn new_row(
    kind: NotificationKind,
    recipient: Uuid,
    application_id: Option<Uuid>,
    event_id: Option<Uuid>,
    assignment_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> outbox::ActiveModel {
    outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.code().to_owned()),
        recipient_id: Set(recipient),
        application_id: Set(application_id),
        event_id: Set(event_id),
        assignment_id: Set(assignment_id),
        status: Set(DeliveryStatus::Pending.code().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(at),
        claim: Set(None),
        last_error: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        sent_at: Set(None),
        invitation_id: Set(None),
    }
}

pub(crate) async fn insert_rows<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<outbox::ActiveModel>,
) -> Result<(), RepoError> {
    if rows.is_empty() {
        return Ok(());
    }
    outbox::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}

impl Store {
    /// Enqueues one reminder for every open assignment whose review is due within the
    /// reminder window, and marks the assignment reminded in the same transaction, so each
    /// assignment is reminded once however many workers run. Returns how many were queued.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn enqueue_reminders(&self, now: DateTime<Utc>) -> Result<u64, RepoError> {
        let candidates = assignment::Entity::find()
            .filter(assignment::Column::RemindedAt.is_null())
            .filter(assignment::Column::Status.is_in([
                AssignmentStatus::Assigned.code(),
                AssignmentStatus::Accepted.code(),
            ]))
            .filter(assignment::Column::DueAt.gt(now))
            .filter(assignment::Column::DueAt.lte(notification::reminder_horizon(now)))
            .order_by_asc(assignment::Column::Id)
            .select_only()
            .column(assignment::Column::Id)
            .column(assignment::Column::ReviewerId)
            .column(assignment::Column::ApplicationId)
            .column(assignment::Column::DueAt)
            .into_tuple::<(Uuid, Uuid, Uuid, Option<DateTime<Utc>>)>()
            .all(&self.db)
            .await?;
        if candidates.is_empty() {
            return Ok(0);
        }
        let statuses: HashMap<Uuid, String> = application::Entity::find()
            .filter(
                application::Column::Id
                    .is_in(candidates.iter().map(|(_, _, application, _)| *application)),
            )
            .select_only()
            .column(application::Column::Id)
            .column(application::Column::Status)
            .into_tuple::<(Uuid, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let tx = self.db.begin().await?;
        let mut queued = 0;
        for (id, reviewer, application_id, due_at) in candidates {
            let status = statuses
                .get(&application_id)
                .and_then(|s| s.parse::<ApplicationStatus>().ok());
            let Some(status) = status else { continue };
            if !notification::reminder_owed(due_at, now, false, false, status) {
                continue;
            }
            // Only the transaction that sets the mark queues the mail.
            let marked = assignment::Entity::update_many()
                .col_expr(assignment::Column::RemindedAt, Expr::value(now))
                .filter(assignment::Column::Id.eq(id))
                .filter(assignment::Column::RemindedAt.is_null())
                .filter(assignment::Column::Status.is_in([
                    AssignmentStatus::Assigned.code(),
                    AssignmentStatus::Accepted.code(),
                ]))
                .exec(&tx)
                .await?;
            if marked.rows_affected == 1 {
                enqueue_for_reviewer(
                    &tx,
                    id,
                    reviewer,
                    application_id,
                    NotificationKind::ReviewDueSoon,
                    now,
                )
                .await?;
                queued += 1;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }
}
