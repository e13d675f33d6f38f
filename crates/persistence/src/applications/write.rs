//! Writing applications: drafts, content, and status changes with their audit events.

use chrono::{DateTime, Utc};
use domain::application::ApplicationContent;
use domain::event::Transition;
use domain::ids::{ApplicationId, CallId, OrganizationId, UserId};
use domain::money::Money;
use domain::region::Region;
use domain::status::ApplicationStatus;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, application_event};
use crate::error::{Clash, RepoError};
use crate::records::ApplicationRecord;
use domain::effect::{Effect, Revision};

use super::read::application;
use super::rows::{content_json, decode, totals_of};
use super::types::{ActedBy, Frozen, NewDraft};

impl Store {
    /// Creates a draft for `call_id` by `organization_id`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn create_application(
        &self,
        call_id: CallId,
        organization_id: OrganizationId,
        region: Region,
        created_by: UserId,
        content: &ApplicationContent,
        now: DateTime<Utc>,
    ) -> Result<ApplicationRecord, RepoError> {
        let draft = NewDraft {
            call_id,
            organization_id,
            region,
            created_by,
            content,
        };
        insert_draft(&self.db, &draft, now).await
    }

    /// Replaces the working content of application `id` at `expected_version`, provided its
    /// status still allows editing.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`] (`"version"`)
    /// when it changed meanwhile.
    pub async fn update_content(
        &self,
        id: ApplicationId,
        content: &ApplicationContent,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<ApplicationRecord, RepoError> {
        let id = id.uuid();
        update_content(&self.db, id, content, expected_version, now).await
    }

    /// Records `event` on application `id`, which the caller decided on at
    /// `expected_version`: the new status, what the command sets, and the audit event, in one
    /// transaction.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`] (`"version"`)
    /// when another change won the race.
    pub async fn record_transition(
        &self,
        id: ApplicationId,
        expected_version: i32,
        event: &Transition,
        by: ActedBy,
        frozen: Option<Frozen>,
    ) -> Result<ApplicationRecord, RepoError> {
        let tx = self.db.begin().await?;
        apply_event(&tx, id.uuid(), expected_version, event, by, frozen).await?;
        tx.commit().await?;
        self.get_application(id).await
    }
}

/// Writes `event` on application `id` (at `expected_version`) and its audit row, on `conn`,
/// which the caller runs inside a transaction.
pub(crate) async fn apply_event<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    expected_version: i32,
    event: &Transition,
    by: ActedBy,
    frozen: Option<Frozen>,
) -> Result<(), RepoError> {
    let receipt = frozen.as_ref().map(|f| f.receipt.clone());
    let effect = domain::effect::of(event);
    write_status(
        conn,
        id,
        expected_version,
        event.from,
        &effect,
        event.at,
        frozen,
    )
    .await?;
    let event_id = insert_event(conn, id, event, by, receipt).await?;
    if let Some(kind) = domain::notification::for_event(event) {
        crate::outbox::enqueue_for_applicants(conn, id, event_id, kind, event.at).await?;
    }
    Ok(())
}

/// Writes `effect` on application `id`, provided it is still at `expected_version` in
/// status `from`, with the frozen content when there is some.
pub(crate) async fn write_status<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    expected_version: i32,
    from: ApplicationStatus,
    effect: &Effect,
    at: DateTime<Utc>,
    frozen: Option<Frozen>,
) -> Result<(), RepoError> {
    let mut update = application::Entity::update_many()
        .col_expr(
            application::Column::Status,
            Expr::value(effect.status.code()),
        )
        .col_expr(application::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            application::Column::Version,
            Expr::col(application::Column::Version).add(1),
        )
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::Version.eq(expected_version))
        .filter(application::Column::Status.eq(from.code()));
    if let Some(frozen) = frozen {
        update = update
            .col_expr(
                application::Column::SubmittedContent,
                Expr::value(frozen.canonical),
            )
            .col_expr(
                application::Column::ReceiptSha256,
                Expr::value(frozen.receipt),
            )
            .col_expr(application::Column::SubmittedAt, Expr::value(at));
    }
    let (comment, due_at) = match &effect.revision {
        Revision::Keep => (None, None),
        Revision::Ask { comment, due_at } => (Some(Some(comment.clone())), Some(Some(*due_at))),
        Revision::Clear => (Some(None), Some(None)),
    };
    if let (Some(comment), Some(due_at)) = (comment, due_at) {
        update = update
            .col_expr(application::Column::RevisionComment, Expr::value(comment))
            .col_expr(application::Column::RevisionDueAt, Expr::value(due_at));
    }
    if let Some(awarded) = effect.awarded {
        update = update.col_expr(
            application::Column::AwardedMinor,
            Expr::value(Some(awarded.minor())),
        );
    }
    let result = update.exec(conn).await?;
    if result.rows_affected == 0 {
        let exists = application::Entity::find_by_id(id).count(conn).await? > 0;
        return Err(if exists {
            RepoError::Conflict(Clash::Version)
        } else {
            RepoError::NotFound
        });
    }
    Ok(())
}

/// The audit row of `event` on application `id`, numbered `seq`, with its new id.
pub(crate) fn event_row(
    id: Uuid,
    seq: i32,
    event: &Transition,
    by: ActedBy,
    receipt: Option<String>,
) -> (Uuid, application_event::ActiveModel) {
    let event_id = Uuid::now_v7();
    let row = application_event::ActiveModel {
        id: Set(event_id),
        application_id: Set(id),
        seq: Set(seq),
        command: Set(event.command().code().to_owned()),
        from_status: Set(event.from.code().to_owned()),
        to_status: Set(event.to.code().to_owned()),
        actor_id: Set(by.user.map(Uuid::from)),
        actor_role: Set(by.actor.code().to_owned()),
        reason: Set(event.event.reason().map(str::to_owned)),
        revision_due_at: Set(event.event.revision_due_at()),
        awarded_minor: Set(event.event.awarded().map(Money::minor)),
        receipt_sha256: Set(receipt),
        at: Set(event.at),
    };
    (event_id, row)
}

async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    event: &Transition,
    by: ActedBy,
    receipt: Option<String>,
) -> Result<Uuid, RepoError> {
    let last = application_event::Entity::find()
        .filter(application_event::Column::ApplicationId.eq(id))
        .select_only()
        .column_as(application_event::Column::Seq.max(), "seq")
        .into_tuple::<Option<i32>>()
        .one(conn)
        .await?
        .flatten()
        .unwrap_or(0);
    let (event_id, row) = event_row(id, last + 1, event, by, receipt);
    row.insert(conn)
        .await
        .map_err(|e| RepoError::unique(e, Clash::Version))?;
    Ok(event_id)
}

async fn insert_draft<C: ConnectionTrait>(
    conn: &C,
    draft: &NewDraft<'_>,
    now: DateTime<Utc>,
) -> Result<ApplicationRecord, RepoError> {
    let id = Uuid::now_v7();
    let sums = totals_of(id, draft.content)?;
    let model = application::ActiveModel {
        id: Set(id),
        call_id: Set(draft.call_id.uuid()),
        organization_id: Set(draft.organization_id.uuid()),
        created_by: Set(draft.created_by.uuid()),
        title: Set(draft.content.title.clone()),
        region: Set(draft.region.code().to_owned()),
        status: Set(ApplicationStatus::Draft.code().to_owned()),
        version: Set(1),
        content: Set(content_json(id, draft.content)?),
        submitted_content: Set(None),
        receipt_sha256: Set(None),
        total_cost_minor: Set(sums.total_cost.minor()),
        cofinanced_minor: Set(sums.cofinanced_total.minor()),
        requested_minor: Set(sums.requested_amount.minor()),
        submitted_at: Set(None),
        revision_comment: Set(None),
        revision_due_at: Set(None),
        awarded_minor: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    decode(model)
}

impl crate::Tx {
    /// Creates draft `draft`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn insert_draft(
        &self,
        draft: &NewDraft<'_>,
        now: DateTime<Utc>,
    ) -> Result<ApplicationRecord, RepoError> {
        insert_draft(&self.tx, draft, now).await
    }
}

async fn update_content<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    content: &ApplicationContent,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<ApplicationRecord, RepoError> {
    let sums = totals_of(id, content)?;
    let editable: Vec<&str> = ApplicationStatus::ALL
        .into_iter()
        .filter(|s| !s.content_frozen())
        .map(ApplicationStatus::code)
        .collect();
    let result = application::Entity::update_many()
        .col_expr(
            application::Column::Content,
            Expr::value(content_json(id, content)?),
        )
        .col_expr(
            application::Column::Title,
            Expr::value(content.title.clone()),
        )
        .col_expr(
            application::Column::TotalCostMinor,
            Expr::value(sums.total_cost.minor()),
        )
        .col_expr(
            application::Column::CofinancedMinor,
            Expr::value(sums.cofinanced_total.minor()),
        )
        .col_expr(
            application::Column::RequestedMinor,
            Expr::value(sums.requested_amount.minor()),
        )
        .col_expr(application::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            application::Column::Version,
            Expr::col(application::Column::Version).add(1),
        )
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::Version.eq(expected_version))
        .filter(application::Column::Status.is_in(editable))
        .exec(conn)
        .await?;
    let record = application(conn, id).await?;
    if result.rows_affected == 0 {
        return Err(RepoError::Conflict(Clash::Version));
    }
    Ok(record)
}

impl crate::Tx {
    /// Replaces the working content of application `id` at `expected_version`, provided
    /// its status still allows editing.
    ///
    /// # Errors
    /// [`RepoError::Conflict`] ([`Clash::Version`]) when it changed meanwhile.
    pub async fn update_content(
        &self,
        id: ApplicationId,
        content: &ApplicationContent,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<ApplicationRecord, RepoError> {
        let id = id.uuid();
        update_content(&self.tx, id, content, expected_version, now).await
    }
}
