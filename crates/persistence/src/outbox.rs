//! The mail outbox. A row is written in the same transaction as the change that owes the
//! mail and carries ids only; workers claim due rows under a lease, re-read the facts, and
//! mark each row sent or reschedule it. Admins list rows and re-queue failed ones.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use domain::assignment::AssignmentStatus;
use domain::language::Language;
use domain::money::Money;
use domain::notification::{self, Audience, DeliveryStatus, NotificationKind};
use domain::status::ApplicationStatus;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement, TransactionTrait, UpdateMany,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{
    application, application_event, assignment, call, organization, organization_member, outbox,
    user,
};
use crate::error::{Clash, RepoError};
use crate::records::Page;

/// An outbox row as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Identifier; also the mail's Message-ID.
    pub id: Uuid,
    /// What the mail is about.
    pub kind: NotificationKind,
    /// The account it goes to.
    pub recipient_id: Uuid,
    /// The application concerned.
    pub application_id: Option<Uuid>,
    /// The assignment concerned, for reviewer mail.
    pub assignment_id: Option<Uuid>,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When it is next tried (or when its current claim lapses).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the change that owes it committed.
    pub created_at: DateTime<Utc>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// How many rows wait or were given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    /// Waiting to be sent.
    pub pending: u64,
    /// Given up.
    pub failed: u64,
}

/// Who a mail goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Preferred language.
    pub language: Language,
}

/// What an application mail says, read when the mail is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFacts {
    /// The application.
    pub id: Uuid,
    /// Its title, when it has one.
    pub title: Option<String>,
    /// The applying organisation's name.
    pub organization_name: String,
    /// The call's title.
    pub call_title: String,
    /// When the call closes.
    pub call_closes_at: DateTime<Utc>,
    /// The receipt of the last submission.
    pub receipt: Option<String>,
    /// When it was last submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// The amount requested.
    pub requested: Money,
}

/// The recorded change a mail reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    /// The reason or revision comment.
    pub reason: Option<String>,
    /// The revision deadline.
    pub revision_due_at: Option<DateTime<Utc>>,
    /// The amount awarded.
    pub awarded: Option<Money>,
    /// The receipt of the content frozen by this change, for submissions.
    pub receipt: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A claimed row with everything its mail needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The outbox row.
    pub id: Uuid,
    /// The claim that must be shown to mark it.
    pub claim: Uuid,
    /// Attempts including this one.
    pub attempts: i32,
    /// What it is about.
    pub kind: NotificationKind,
    /// Who it goes to.
    pub recipient: Recipient,
    /// The application concerned; `None` for mail about the recipient's account.
    pub application: Option<ApplicationFacts>,
    /// The change reported, for applicant mail.
    pub event: Option<EventFacts>,
    /// The assignment's id and due instant, for reviewer mail.
    pub assignment: Option<(Uuid, Option<DateTime<Utc>>)>,
    /// The pending confirmation of the recipient's address, for the mail that confirms it.
    pub verification: Option<Verification>,
}

/// A code that waits for its holder: the confirmation of an address, or a password reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The account.
    pub user_id: Uuid,
    /// The random value the code is derived from; a new registration (or reset request)
    /// replaces it, which retires earlier codes.
    pub nonce: String,
    /// When it was issued.
    pub sent_at: DateTime<Utc>,
}

/// A claimed row whose mail is not to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undeliverable {
    /// The outbox row.
    pub id: Uuid,
    /// The claim that must be shown to mark it.
    pub claim: Uuid,
    /// Whether the mail is still owed but cannot be written (its kind or the rows it names
    /// are gone), rather than no longer owed.
    pub owed: bool,
    /// Why.
    pub why: String,
}

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

fn decode(model: outbox::Model) -> Result<OutboxRecord, RepoError> {
    let corrupt = |detail: String| RepoError::Corrupt {
        table: "outbox",
        id: model.id.to_string(),
        detail,
    };
    Ok(OutboxRecord {
        id: model.id,
        kind: model
            .kind
            .parse()
            .map_err(|e| corrupt(format!("kind {}: {e}", model.kind)))?,
        recipient_id: model.recipient_id,
        application_id: model.application_id,
        assignment_id: model.assignment_id,
        status: model
            .status
            .parse()
            .map_err(|e| corrupt(format!("status {}: {e}", model.status)))?,
        attempts: model.attempts,
        next_attempt_at: model.next_attempt_at,
        last_error: model.last_error,
        created_at: model.created_at,
        sent_at: model.sent_at,
    })
}

/// The longest error text kept on a row.
const ERROR_MAX: usize = 1_000;

fn clip(text: &str) -> String {
    match text.char_indices().nth(ERROR_MAX) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

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
        Ok(rows.into_iter().map(|row| facts.letter(row)).collect())
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
            .exec(&self.db)
            .await?;
        let row = self.get_outbox(id).await?;
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

type ApplicationTuple = (
    Uuid,
    Option<String>,
    Uuid,
    Uuid,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
);

type UserTuple = (
    Uuid,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// The columns of an account a mail needs.
struct UserRow {
    email: String,
    name: String,
    language: String,
    verified_at: Option<DateTime<Utc>>,
    nonce: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    reset_nonce: Option<String>,
    reset_sent_at: Option<DateTime<Utc>>,
}

/// The columns of an application a mail needs.
struct ApplicationRow {
    id: Uuid,
    title: Option<String>,
    organization_id: Uuid,
    call_id: Uuid,
    receipt_sha256: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    requested_minor: i64,
}

impl From<ApplicationTuple> for ApplicationRow {
    fn from(t: ApplicationTuple) -> Self {
        Self {
            id: t.0,
            title: t.1,
            organization_id: t.2,
            call_id: t.3,
            receipt_sha256: t.4,
            submitted_at: t.5,
            requested_minor: t.6,
        }
    }
}

/// The rows a batch of letters names, read once per batch.
struct Facts {
    users: HashMap<Uuid, UserRow>,
    applications: HashMap<Uuid, ApplicationRow>,
    organizations: HashMap<Uuid, String>,
    calls: HashMap<Uuid, (String, DateTime<Utc>)>,
    events: HashMap<Uuid, application_event::Model>,
    assignments: HashMap<Uuid, (Option<DateTime<Utc>>, String)>,
    /// (organisation, account) pairs of current members among the recipients.
    members: HashSet<(Uuid, Uuid)>,
}

impl Facts {
    async fn load<C: ConnectionTrait>(conn: &C, rows: &[outbox::Model]) -> Result<Self, RepoError> {
        let ids = |f: fn(&outbox::Model) -> Option<Uuid>| -> Vec<Uuid> {
            let mut ids: Vec<Uuid> = rows.iter().filter_map(f).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(ids(|r| Some(r.recipient_id))))
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Email)
            .column(user::Column::Name)
            .column(user::Column::Language)
            .column(user::Column::EmailVerifiedAt)
            .column(user::Column::VerificationNonce)
            .column(user::Column::VerificationSentAt)
            .column(user::Column::ResetNonce)
            .column(user::Column::ResetSentAt)
            .into_tuple::<UserTuple>()
            .all(conn)
            .await?
            .into_iter()
            .map(
                |(id, email, name, language, verified_at, nonce, sent_at, reset, reset_at)| {
                    let row = UserRow {
                        email,
                        name,
                        language,
                        verified_at,
                        nonce,
                        sent_at,
                        reset_nonce: reset,
                        reset_sent_at: reset_at,
                    };
                    (id, row)
                },
            )
            .collect();
        // The long content is not needed, so it is not read.
        let applications: HashMap<Uuid, ApplicationRow> = application::Entity::find()
            .filter(application::Column::Id.is_in(ids(|r| r.application_id)))
            .select_only()
            .column(application::Column::Id)
            .column(application::Column::Title)
            .column(application::Column::OrganizationId)
            .column(application::Column::CallId)
            .column(application::Column::ReceiptSha256)
            .column(application::Column::SubmittedAt)
            .column(application::Column::RequestedMinor)
            .into_tuple::<ApplicationTuple>()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.0, ApplicationRow::from(t)))
            .collect();
        let mut organization_ids: Vec<Uuid> =
            applications.values().map(|a| a.organization_id).collect();
        organization_ids.sort_unstable();
        organization_ids.dedup();
        let mut call_ids: Vec<Uuid> = applications.values().map(|a| a.call_id).collect();
        call_ids.sort_unstable();
        call_ids.dedup();
        let organizations = organization::Entity::find()
            .filter(organization::Column::Id.is_in(organization_ids.clone()))
            .select_only()
            .column(organization::Column::Id)
            .column(organization::Column::Name)
            .into_tuple::<(Uuid, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let calls = call::Entity::find()
            .filter(call::Column::Id.is_in(call_ids))
            .select_only()
            .column(call::Column::Id)
            .column(call::Column::Title)
            .column(call::Column::ClosesAt)
            .into_tuple::<(Uuid, String, DateTime<Utc>)>()
            .all(conn)
            .await?
            .into_iter()
            .map(|(id, title, closes)| (id, (title, closes)))
            .collect();
        let events = application_event::Entity::find()
            .filter(application_event::Column::Id.is_in(ids(|r| r.event_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let assignments = assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(ids(|r| r.assignment_id)))
            .select_only()
            .column(assignment::Column::Id)
            .column(assignment::Column::DueAt)
            .column(assignment::Column::Status)
            .into_tuple::<(Uuid, Option<DateTime<Utc>>, String)>()
            .all(conn)
            .await?
            .into_iter()
            .map(|(id, due, status)| (id, (due, status)))
            .collect();
        // Applicant mail goes only to people who are still members when it is sent.
        let members = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.is_in(organization_ids))
            .filter(organization_member::Column::UserId.is_in(ids(|r| Some(r.recipient_id))))
            .select_only()
            .column(organization_member::Column::OrganizationId)
            .column(organization_member::Column::UserId)
            .into_tuple::<(Uuid, Uuid)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        Ok(Self {
            users,
            applications,
            organizations,
            calls,
            events,
            assignments,
            members,
        })
    }

    fn letter(&self, row: outbox::Model) -> Result<Letter, Undeliverable> {
        let claim = row.claim.unwrap_or_default();
        let fail = |why: String| Undeliverable {
            id: row.id,
            claim,
            owed: true,
            why,
        };
        let unowed = |why: &str| Undeliverable {
            id: row.id,
            claim,
            owed: false,
            why: why.to_owned(),
        };
        let kind: NotificationKind = row
            .kind
            .parse()
            .map_err(|e| fail(format!("kind {}: {e}", row.kind)))?;
        let account = self
            .users
            .get(&row.recipient_id)
            .ok_or_else(|| fail("the recipient's account is gone".to_owned()))?;
        let language = account
            .language
            .parse::<Language>()
            .map_err(|e| fail(format!("recipient language: {e}")))?;
        let recipient = Recipient {
            email: account.email.clone(),
            name: account.name.clone(),
            language,
        };
        if kind.audience() == Audience::Account {
            let pending = |nonce: &Option<String>, sent_at: Option<DateTime<Utc>>| {
                nonce
                    .clone()
                    .zip(sent_at)
                    .map(|(nonce, sent_at)| Verification {
                        user_id: row.recipient_id,
                        nonce,
                        sent_at,
                    })
            };
            let verification = match kind {
                NotificationKind::VerifyEmail => {
                    if account.verified_at.is_some() {
                        return Err(unowed("the address is already confirmed"));
                    }
                    Some(
                        pending(&account.nonce, account.sent_at)
                            .ok_or_else(|| unowed("no confirmation of the address is pending"))?,
                    )
                }
                // The code of the latest request: an earlier request's mail, still queued,
                // carries the code that works now.
                NotificationKind::PasswordReset => Some(
                    pending(&account.reset_nonce, account.reset_sent_at)
                        .ok_or_else(|| unowed("no password reset is pending"))?,
                ),
                NotificationKind::AccountExists
                | NotificationKind::Submitted
                | NotificationKind::RevisionRequested
                | NotificationKind::Resubmitted
                | NotificationKind::Ineligible
                | NotificationKind::UnderReview
                | NotificationKind::Approved
                | NotificationKind::Waitlisted
                | NotificationKind::Rejected
                | NotificationKind::Withdrawn
                | NotificationKind::ReviewerAssigned
                | NotificationKind::ReviewDueSoon => None,
            };
            return Ok(Letter {
                id: row.id,
                claim,
                attempts: row.attempts,
                kind,
                recipient,
                application: None,
                event: None,
                assignment: None,
                verification,
            });
        }
        let app = row
            .application_id
            .and_then(|id| self.applications.get(&id))
            .ok_or_else(|| fail("the application is gone".to_owned()))?;
        let organization_name = self
            .organizations
            .get(&app.organization_id)
            .cloned()
            .ok_or_else(|| fail("the organisation is gone".to_owned()))?;
        let (call_title, call_closes_at) = self
            .calls
            .get(&app.call_id)
            .cloned()
            .ok_or_else(|| fail("the call is gone".to_owned()))?;
        let money =
            |minor: i64| Money::from_minor(minor).ok_or_else(|| fail(format!("amount {minor}")));
        let event = match row.event_id {
            None => None,
            Some(id) => {
                let e = self
                    .events
                    .get(&id)
                    .ok_or_else(|| fail("the recorded change is gone".to_owned()))?;
                Some(EventFacts {
                    reason: e.reason.clone(),
                    revision_due_at: e.revision_due_at,
                    awarded: e.awarded_minor.map(money).transpose()?,
                    receipt: e.receipt_sha256.clone(),
                    at: e.at,
                })
            }
        };
        let assignment = match row.assignment_id {
            None => None,
            Some(id) => {
                let (due, status) = self
                    .assignments
                    .get(&id)
                    .ok_or_else(|| fail("the assignment is gone".to_owned()))?;
                match status.parse::<AssignmentStatus>() {
                    Ok(AssignmentStatus::Assigned | AssignmentStatus::Accepted) => {}
                    Ok(AssignmentStatus::Declined) => {
                        return Err(unowed("the assignment was declined"));
                    }
                    // The assignment mail still tells the reviewer what they reviewed; a
                    // reminder would be wrong.
                    Ok(AssignmentStatus::Submitted) => {
                        if kind == NotificationKind::ReviewDueSoon {
                            return Err(unowed("the review was submitted"));
                        }
                    }
                    Err(e) => return Err(fail(format!("assignment status: {e}"))),
                }
                Some((id, *due))
            }
        };
        if kind.audience() == Audience::Applicant
            && !self
                .members
                .contains(&(app.organization_id, row.recipient_id))
        {
            return Err(unowed("the recipient left the organisation"));
        }
        Ok(Letter {
            id: row.id,
            claim,
            attempts: row.attempts,
            kind,
            recipient,
            application: Some(ApplicationFacts {
                id: app.id,
                title: app.title.clone(),
                organization_name,
                call_title,
                call_closes_at,
                receipt: app.receipt_sha256.clone(),
                submitted_at: app.submitted_at,
                requested: money(app.requested_minor)?,
            }),
            event,
            assignment,
            verification: None,
        })
    }
}
