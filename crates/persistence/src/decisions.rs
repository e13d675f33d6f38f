//! Changes that must see a consistent call: every status change of an application, new
//! assignments, review submissions and decisions run in one transaction that first takes
//! the call's lock (a write to its row). Concurrent changes in one call therefore happen one
//! after the other on SQLite and PostgreSQL alike, so two approvals can never both spend the
//! last of a budget, and the last of several simultaneous reviews always completes the
//! application.

use chrono::{DateTime, Utc};
use domain::assignment::AssignmentStatus;
use domain::money::Money;
use domain::notification::NotificationKind;
use domain::review::ReviewContent;
use domain::status::ApplicationStatus;
use domain::transition::Event;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait, UpdateMany,
};
use uuid::Uuid;

use crate::Store;
use crate::applications::{ActedBy, Frozen, apply_event, decode};
use crate::entity::{application, assignment, call, conflict};
use crate::error::RepoError;
use crate::records::{ApplicationRecord, AssignmentRecord, CallRecord};
use crate::reviews::{NewConflict, decode_assignment, review_json};

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
    /// The event to record.
    pub event: Event,
    /// The content to freeze, for submissions.
    pub frozen: Option<Frozen>,
}

/// A change under the call's lock that the decision function refused; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// A new assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewAssignment {
    /// The application.
    pub application_id: Uuid,
    /// The reviewer.
    pub reviewer_id: Uuid,
    /// When the review is due.
    pub due_at: Option<DateTime<Utc>>,
}

async fn lock_call(tx: &DatabaseTransaction, call_id: Uuid) -> Result<(), RepoError> {
    let locked = call::Entity::update_many()
        .col_expr(call::Column::Version, Expr::col(call::Column::Version))
        .filter(call::Column::Id.eq(call_id))
        .exec(tx)
        .await?;
    if locked.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
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

/// The sum awarded to approved applications of `call_id`.
pub(crate) async fn awarded_total<C: ConnectionTrait>(
    conn: &C,
    call_id: Uuid,
) -> Result<Money, RepoError> {
    let sum = application::Entity::find()
        .filter(application::Column::CallId.eq(call_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Approved.code()))
        .select_only()
        // PostgreSQL sums BIGINT into NUMERIC; cast back so both databases return an integer.
        .column_as(
            Expr::from(Func::cast_as(
                Func::sum(Expr::col(application::Column::AwardedMinor)),
                Alias::new("BIGINT"),
            )),
            "total",
        )
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten()
        .unwrap_or(0);
    Money::from_minor(sum).ok_or_else(|| RepoError::Corrupt {
        table: "applications",
        id: call_id.to_string(),
        detail: format!("awarded total {sum}"),
    })
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
        call_awarded_total: awarded_total(conn, call_id).await?,
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

impl Store {
    /// Decides and records a change of each of `applications` (all of `call_id`), in order,
    /// inside the call's lock; all or nothing. `decide` sees the call and each application
    /// as they are at that moment, with the amount awarded so far. Afterwards the call
    /// becomes decided when it has closed and nothing is left to decide.
    ///
    /// # Errors
    /// The outer error when the database fails or an application is not in the call; the
    /// inner error is `decide`'s refusal, with the application it refused (nothing is
    /// written then).
    pub async fn decide_in_call<E, F>(
        &self,
        call_id: Uuid,
        applications: &[Uuid],
        by: ActedBy,
        mut decide: F,
    ) -> Result<Result<Vec<ApplicationRecord>, (Uuid, E)>, RepoError>
    where
        F: FnMut(&Snapshot) -> Result<Decided, E>,
    {
        let tx = self.db.begin().await?;
        lock_call(&tx, call_id).await?;
        let mut last_at = None;
        for id in applications {
            let snap = snapshot(&tx, call_id, *id).await?;
            let decided = match decide(&snap) {
                Ok(decided) => decided,
                Err(refusal) => return Ok(Err((*id, refusal))),
            };
            last_at = Some(decided.event.at);
            apply_event(
                &tx,
                *id,
                snap.application.version,
                &decided.event,
                by,
                decided.frozen,
            )
            .await?;
        }
        // Any change may have been the last one pending (a decision, but also a withdrawal
        // after the call closed).
        if let Some(at) = last_at {
            settle_call(&tx, call_id, at).await?;
        }
        tx.commit().await?;
        let mut records = Vec::with_capacity(applications.len());
        for id in applications {
            records.push(self.get_application(*id).await?);
        }
        Ok(Ok(records))
    }

    /// Creates `new` assignments in `call_id` inside the call's lock, then lets `start`
    /// decide, for each application concerned, whether its review starts, or refuse the
    /// whole batch (writing nothing) when an application is no longer reviewable.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"assignment"`) when a reviewer is already assigned to one
    /// of the applications; nothing is written then.
    pub async fn assign_in_call<F>(
        &self,
        call_id: Uuid,
        new: &[NewAssignment],
        assigned_by: Option<Uuid>,
        now: DateTime<Utc>,
        by: ActedBy,
        mut start: F,
    ) -> Result<Result<Vec<AssignmentRecord>, Refused>, RepoError>
    where
        F: FnMut(&Snapshot) -> Result<Option<Event>, Refused>,
    {
        let tx = self.db.begin().await?;
        lock_call(&tx, call_id).await?;
        let mut created = Vec::with_capacity(new.len());
        for item in new {
            let model = assignment::ActiveModel {
                id: Set(Uuid::now_v7()),
                call_id: Set(call_id),
                application_id: Set(item.application_id),
                reviewer_id: Set(item.reviewer_id),
                status: Set(AssignmentStatus::Assigned.code().to_owned()),
                version: Set(1),
                due_at: Set(item.due_at),
                assigned_by: Set(assigned_by),
                decline_reason: Set(None),
                review: Set(None),
                review_total: Set(None),
                submitted_at: Set(None),
                // Due within the reminder window: the assignment mail is the reminder.
                reminded_at: Set(
                    domain::notification::assignment_mail_reminds(item.due_at, now).then_some(now),
                ),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await
            .map_err(|e| RepoError::unique(e, "assignment"))?;
            crate::outbox::enqueue_for_reviewer(
                &tx,
                model.id,
                model.reviewer_id,
                model.application_id,
                NotificationKind::ReviewerAssigned,
                now,
            )
            .await?;
            created.push(decode_assignment(model)?);
        }
        let mut applications: Vec<Uuid> = new.iter().map(|n| n.application_id).collect();
        applications.sort_unstable();
        applications.dedup();
        for id in applications {
            let snap = snapshot(&tx, call_id, id).await?;
            let event = match start(&snap) {
                // Dropping the transaction rolls the new assignments back.
                Err(refused) => return Ok(Err(refused)),
                Ok(event) => event,
            };
            if let Some(event) = event {
                apply_event(&tx, id, snap.application.version, &event, by, None).await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(created))
    }

    /// Submits the review of `assignment` (as read at its version) inside the call's lock,
    /// then lets `complete` decide whether the application's review is complete (or refuse
    /// the submission, writing nothing).
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"version"`) when the assignment changed meanwhile.
    pub async fn submit_review_in_call<F>(
        &self,
        assignment: &AssignmentRecord,
        review: &ReviewContent,
        total: f64,
        now: DateTime<Utc>,
        by: ActedBy,
        complete: F,
    ) -> Result<Result<AssignmentRecord, Refused>, RepoError>
    where
        F: FnOnce(&Snapshot) -> Result<Option<Event>, Refused>,
    {
        let update = assignment::Entity::update_many()
            .col_expr(
                assignment::Column::Status,
                Expr::value(AssignmentStatus::Submitted.code()),
            )
            .col_expr(
                assignment::Column::Review,
                Expr::value(review_json(review)?),
            )
            .col_expr(assignment::Column::ReviewTotal, Expr::value(total))
            .col_expr(assignment::Column::SubmittedAt, Expr::value(now));
        self.change_assignment_in_call(assignment, update, now, by, complete)
            .await
    }

    /// Reopens the submitted review of `assignment` (as read at its version) inside the
    /// call's lock, then lets `reopen` decide whether the application goes back under review
    /// (or refuse, writing nothing).
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"version"`) when the assignment changed meanwhile.
    pub async fn reopen_review_in_call<F>(
        &self,
        assignment: &AssignmentRecord,
        now: DateTime<Utc>,
        by: ActedBy,
        reopen: F,
    ) -> Result<Result<AssignmentRecord, Refused>, RepoError>
    where
        F: FnOnce(&Snapshot) -> Result<Option<Event>, Refused>,
    {
        let update = assignment::Entity::update_many()
            .col_expr(
                assignment::Column::Status,
                Expr::value(AssignmentStatus::Accepted.code()),
            )
            .col_expr(
                assignment::Column::ReviewTotal,
                Expr::value(Option::<f64>::None),
            )
            .col_expr(
                assignment::Column::SubmittedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        self.change_assignment_in_call(assignment, update, now, by, reopen)
            .await
    }

    /// Applies `update` to `assignment` at the version it was read, inside the call's lock,
    /// then records the application event `decide` asks for.
    async fn change_assignment_in_call<F>(
        &self,
        assignment: &AssignmentRecord,
        update: UpdateMany<assignment::Entity>,
        now: DateTime<Utc>,
        by: ActedBy,
        decide: F,
    ) -> Result<Result<AssignmentRecord, Refused>, RepoError>
    where
        F: FnOnce(&Snapshot) -> Result<Option<Event>, Refused>,
    {
        let tx = self.db.begin().await?;
        lock_call(&tx, assignment.call_id).await?;
        let updated = update
            .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                assignment::Column::Version,
                Expr::col(assignment::Column::Version).add(1),
            )
            .filter(assignment::Column::Id.eq(assignment.id))
            .filter(assignment::Column::Version.eq(assignment.version))
            .exec(&tx)
            .await?;
        if updated.rows_affected == 0 {
            return Err(RepoError::Conflict("version"));
        }
        let snap = snapshot(&tx, assignment.call_id, assignment.application_id).await?;
        let event = match decide(&snap) {
            // Dropping the transaction rolls the assignment change back.
            Err(refused) => return Ok(Err(refused)),
            Ok(event) => event,
        };
        if let Some(event) = event {
            apply_event(
                &tx,
                assignment.application_id,
                snap.application.version,
                &event,
                by,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        self.get_assignment(assignment.id).await.map(Ok)
    }

    /// Declines `assignment` (as read at its version), recording the declared conflict with
    /// it when there is one (a conflict already on record is kept as it is).
    ///
    /// # Errors
    /// [`RepoError::Conflict`] (`"version"`) when the assignment changed meanwhile.
    pub async fn decline_assignment(
        &self,
        assignment: &AssignmentRecord,
        reason: Option<String>,
        conflict_declared: Option<NewConflict>,
        now: DateTime<Utc>,
    ) -> Result<AssignmentRecord, RepoError> {
        let tx = self.db.begin().await?;
        lock_call(&tx, assignment.call_id).await?;
        let updated = assignment::Entity::update_many()
            .col_expr(
                assignment::Column::Status,
                Expr::value(AssignmentStatus::Declined.code()),
            )
            .col_expr(assignment::Column::DeclineReason, Expr::value(reason))
            .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                assignment::Column::Version,
                Expr::col(assignment::Column::Version).add(1),
            )
            .filter(assignment::Column::Id.eq(assignment.id))
            .filter(assignment::Column::Version.eq(assignment.version))
            .exec(&tx)
            .await?;
        if updated.rows_affected == 0 {
            return Err(RepoError::Conflict("version"));
        }
        if let Some(new) = conflict_declared {
            // A conflict already on record (perhaps declared a moment ago) is kept as it is.
            let inserted = conflict::Entity::insert(conflict::ActiveModel {
                id: Set(Uuid::now_v7()),
                reviewer_id: Set(new.reviewer_id),
                organization_id: Set(new.organization_id),
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
            .exec(&tx)
            .await;
            match inserted {
                Ok(_) | Err(DbErr::RecordNotInserted) => {}
                Err(err) => return Err(err.into()),
            }
        }
        tx.commit().await?;
        self.get_assignment(assignment.id).await
    }
}
