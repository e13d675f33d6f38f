//! Changes that must see a consistent call: every status change of an application, new
//! assignments, review submissions and decisions run in one transaction that first takes
//! the call's lock (a write to its row). Concurrent changes in one call therefore happen one
//! after the other on SQLite and PostgreSQL alike, so two approvals can never both spend the
//! last of a budget, and the last of several simultaneous reviews always completes the
//! application.

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::event::Transition;
use domain::ids::{ApplicationId, CallId, UserId};
use domain::money::Money;
use domain::notification::NotificationKind;
use domain::review::ReviewContent;
use domain::status::ApplicationStatus;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::applications::{ActedBy, Frozen, apply_event, decode};
use crate::entity::{application, assignment, call, conflict};
use crate::error::{Clash, RepoError};
use crate::records::{ApplicationRecord, AssignmentRecord, CallRecord};
use crate::reviews::{NewConflict, decode_assignment, review_json};
use crate::tx::Tx;

/// What a decision inside the call's lock sees of one application.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The call as it is now, read under its lock.
    pub call: CallRecord,
    /// The application as it is now.
    pub application: ApplicationRecord,
    /// Its assignments that are not declined.
    pub active_assignments: u32,
    /// Its submitted reviews.
    pub reviews_submitted: u32,
    /// The amount already awarded in the call, including earlier decisions in this
    /// transaction.
    pub call_awarded_total: Money,
}

/// A decided change of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The transition to record.
    pub event: Transition,
    /// The content to freeze, for submissions.
    pub frozen: Option<Frozen>,
}

/// A new assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewAssignment {
    /// The application.
    pub application_id: ApplicationId,
    /// The reviewer.
    pub reviewer_id: UserId,
    /// When the review is due.
    pub due_at: Option<DateTime<Utc>>,
}

async fn count_assignments<C: ConnectionTrait>(
    conn: &C,
    application_id: Uuid,
    statuses: &[AssignmentStatus],
) -> Result<u32, RepoError> {
    let count = assignment::Entity::find()
        .filter(assignment::Column::ApplicationId.eq(application_id))
        .filter(assignment::Column::Status.is_in(statuses.iter().map(|s| s.code())))
        .count(conn)
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

async fn snapshot<C: ConnectionTrait>(
    conn: &C,
    call_id: Uuid,
    application_id: Uuid,
) -> Result<Snapshot, RepoError> {
    let model = application::Entity::find_by_id(application_id)
        .one(conn)
        .await?
        .filter(|a| a.call_id == call_id)
        .ok_or(RepoError::NotFound)?;
    let active = [
        AssignmentStatus::Assigned,
        AssignmentStatus::Accepted,
        AssignmentStatus::Submitted,
    ];
    let call = call::Entity::find_by_id(call_id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    Ok(Snapshot {
        call: crate::calls::decode(call)?,
        application: decode(model)?,
        active_assignments: count_assignments(conn, application_id, &active).await?,
        reviews_submitted: count_assignments(conn, application_id, &[AssignmentStatus::Submitted])
            .await?,
        call_awarded_total: crate::applications::awarded_total(conn, call_id).await?,
    })
}

/// Marks the call decided once it has closed and no application awaits a decision.
async fn settle_call(
    tx: &DatabaseTransaction,
    call_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let pending = [
        ApplicationStatus::Submitted,
        ApplicationStatus::RevisionRequested,
        ApplicationStatus::UnderReview,
        ApplicationStatus::Reviewed,
    ];
    let waiting = application::Entity::find()
        .filter(application::Column::CallId.eq(call_id))
        .filter(application::Column::Status.is_in(pending.iter().map(|s| s.code())))
        .count(tx)
        .await?;
    if waiting > 0 {
        return Ok(());
    }
    call::Entity::update_many()
        .col_expr(
            call::Column::State,
            Expr::value(domain::call::CallState::Decided.code()),
        )
        .col_expr(call::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            call::Column::Version,
            Expr::col(call::Column::Version).add(1),
        )
        .filter(call::Column::Id.eq(call_id))
        .filter(
            sea_orm::Condition::any()
                .add(call::Column::State.eq(domain::call::CallState::Closed.code()))
                .add(
                    sea_orm::Condition::all()
                        .add(call::Column::State.eq(domain::call::CallState::Published.code()))
                        .add(call::Column::ClosesAt.lte(now)),
                ),
        )
        .exec(tx)
        .await?;
    Ok(())
}

/// What else changes with an assignment's status, which the domain decided.
#[derive(Debug, Clone, Copy)]
pub enum AssignmentChange<'a> {
    /// Only the status (an acceptance).
    StatusOnly,
    /// A draft of the review, saved as a whole.
    Draft(&'a ReviewContent),
    /// The submitted review with its total.
    Submitted(&'a ReviewContent, f64),
    /// The review's total and submission instant are cleared (a reopening).
    Reopened,
    /// Why the reviewer declined, when they said.
    Declined(Option<&'a str>),
}

impl Tx {
    /// What a decision about application `application_id` of call `call_id` sees now.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the application is not in the call.
    pub async fn snapshot(
        &self,
        call_id: CallId,
        application_id: ApplicationId,
    ) -> Result<Snapshot, RepoError> {
        let call_id = call_id.uuid();
        let application_id = application_id.uuid();
        snapshot(&self.tx, call_id, application_id).await
    }

    /// Records `decided` on application `id`, read at `expected_version`, with its audit
    /// event and the mail it owes.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"version"`) when the application changed meanwhile.
    pub async fn record_event(
        &self,
        id: ApplicationId,
        expected_version: i32,
        decided: Decided,
        by: ActedBy,
    ) -> Result<(), RepoError> {
        let id = id.uuid();
        apply_event(
            &self.tx,
            id,
            expected_version,
            &decided.event,
            by,
            decided.frozen,
        )
        .await
    }

    /// Marks call `call_id` decided once it has closed and no application awaits a
    /// decision.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn settle_call(&self, call_id: CallId, now: DateTime<Utc>) -> Result<(), RepoError> {
        let call_id = call_id.uuid();
        settle_call(&self.tx, call_id, now).await
    }

    /// Creates assignment `new` in call `call_id` and queues the reviewer's mail.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"assignment"`) when the reviewer is already assigned to
    /// the application.
    pub async fn insert_assignment(
        &self,
        call_id: CallId,
        new: &NewAssignment,
        assigned_by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<AssignmentRecord, RepoError> {
        let call_id = call_id.uuid();
        let model = assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            call_id: Set(call_id),
            application_id: Set(new.application_id.uuid()),
            reviewer_id: Set(new.reviewer_id.uuid()),
            status: Set(AssignmentStatus::Assigned.code().to_owned()),
            version: Set(1),
            due_at: Set(new.due_at),
            assigned_by: Set(assigned_by.map(Uuid::from)),
            decline_reason: Set(None),
            review: Set(None),
            review_total: Set(None),
            submitted_at: Set(None),
            // Due within the reminder window: the assignment mail is the reminder.
            reminded_at: Set(
                domain::notification::assignment_mail_reminds(new.due_at, now).then_some(now),
            ),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.tx)
        .await
        .map_err(|e| RepoError::unique(e, Clash::Assignment))?;
        crate::outbox::enqueue_for_reviewer(
            &self.tx,
            model.id,
            model.reviewer_id,
            model.application_id,
            NotificationKind::ReviewerAssigned,
            now,
        )
        .await?;
        decode_assignment(model)
    }

    /// Ends `assignment` as recused (its review, if any, stays on it but no longer counts)
    /// and tells the officer in charge of the call.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"version"`) when it changed since it was read.
    pub async fn recuse_assignment(
        &self,
        assignment: &AssignmentRecord,
        now: DateTime<Utc>,
    ) -> Result<AssignmentRecord, RepoError> {
        let recused = self
            .change_assignment(
                assignment,
                AssignmentStatus::Recused,
                AssignmentChange::StatusOnly,
                now,
            )
            .await?;
        crate::outbox::enqueue_for_call_officer(
            &self.tx,
            recused.application_id.uuid(),
            recused.id.uuid(),
            NotificationKind::ReviewerRecused,
            now,
        )
        .await?;
        Ok(recused)
    }

    /// Moves `assignment`, at the version it was read, to `status` with `change`, and
    /// returns it as it now is.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"version"`) when the assignment changed meanwhile.
    pub async fn change_assignment(
        &self,
        assignment: &AssignmentRecord,
        status: AssignmentStatus,
        change: AssignmentChange<'_>,
        now: DateTime<Utc>,
    ) -> Result<AssignmentRecord, RepoError> {
        let update = assignment::Entity::update_many()
            .col_expr(assignment::Column::Status, Expr::value(status.code()));
        let update = match change {
            AssignmentChange::StatusOnly => update,
            AssignmentChange::Draft(review) => update.col_expr(
                assignment::Column::Review,
                Expr::value(review_json(review)?),
            ),
            AssignmentChange::Submitted(review, total) => update
                .col_expr(
                    assignment::Column::Review,
                    Expr::value(review_json(review)?),
                )
                .col_expr(assignment::Column::ReviewTotal, Expr::value(total))
                .col_expr(assignment::Column::SubmittedAt, Expr::value(now)),
            AssignmentChange::Reopened => update
                .col_expr(
                    assignment::Column::ReviewTotal,
                    Expr::value(Option::<f64>::None),
                )
                .col_expr(
                    assignment::Column::SubmittedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                ),
            AssignmentChange::Declined(reason) => update.col_expr(
                assignment::Column::DeclineReason,
                Expr::value(reason.map(str::to_owned)),
            ),
        };
        let updated = update
            .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                assignment::Column::Version,
                Expr::col(assignment::Column::Version).add(1),
            )
            .filter(assignment::Column::Id.eq(assignment.id.uuid()))
            .filter(assignment::Column::Version.eq(assignment.version))
            .exec(&self.tx)
            .await?;
        if updated.rows_affected == 0 {
            return Err(RepoError::Conflict(Clash::Version));
        }
        self.assignment(assignment.id).await
    }

    /// Records conflict `new` unless one is already on record for the pair (perhaps
    /// declared a moment ago), which is kept as it is.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn keep_conflict(
        &self,
        new: NewConflict,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let inserted = conflict::Entity::insert(conflict::ActiveModel {
            id: Set(Uuid::now_v7()),
            reviewer_id: Set(new.reviewer_id.uuid()),
            organization_id: Set(new.organization_id.uuid()),
            kind: Set(new.kind.code().to_owned()),
            description: Set(new.description),
            source: Set(new.source.to_owned()),
            declared_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                conflict::Column::ReviewerId,
                conflict::Column::OrganizationId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec(&self.tx)
        .await;
        match inserted {
            Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}
