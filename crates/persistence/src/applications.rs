//! Applications and their audit history. A status changes only through
//! [`Store::record_transition`], which writes the new status and its audit event in one
//! transaction, guarded by the version the caller decided on.

use chrono::{DateTime, Utc};
use domain::application::{ApplicationContent, Totals, totals};
use domain::money::Money;
use domain::region::Region;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, CommandKind, Event};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, application_event, organization_member};
use crate::error::{Clash, RepoError};
use crate::records::{ApplicationRecord, EventRecord, OffsetPage};

fn corrupt(table: &'static str, id: Uuid, detail: String) -> RepoError {
    RepoError::Corrupt {
        table,
        id: id.to_string(),
        detail,
    }
}

pub(crate) fn decode(model: application::Model) -> Result<ApplicationRecord, RepoError> {
    let id = model.id;
    let content: ApplicationContent = serde_json::from_str(&model.content)
        .map_err(|e| corrupt("applications", id, format!("content: {e}")))?;
    let money = |minor: i64, what: &str| {
        Money::from_minor(minor)
            .ok_or_else(|| corrupt("applications", id, format!("{what}: {minor}")))
    };
    let totals = Totals {
        total_cost: money(model.total_cost_minor, "total_cost")?,
        cofinanced_total: money(model.cofinanced_minor, "cofinanced")?,
        requested_amount: money(model.requested_minor, "requested")?,
    };
    let awarded = model
        .awarded_minor
        .map(|m| money(m, "awarded"))
        .transpose()?;
    Ok(ApplicationRecord {
        id,
        call_id: model.call_id,
        organization_id: model.organization_id,
        created_by: model.created_by,
        region: model
            .region
            .parse::<Region>()
            .map_err(|e| corrupt("applications", id, format!("region: {e}")))?,
        status: model
            .status
            .parse::<ApplicationStatus>()
            .map_err(|e| corrupt("applications", id, format!("status: {e}")))?,
        version: model.version,
        content,
        totals,
        submitted_content: model.submitted_content,
        receipt_sha256: model.receipt_sha256,
        submitted_at: model.submitted_at,
        revision_comment: model.revision_comment,
        revision_due_at: model.revision_due_at,
        awarded,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

fn decode_event(model: application_event::Model) -> Result<EventRecord, RepoError> {
    let id = model.application_id;
    let status = |code: &str| {
        code.parse::<ApplicationStatus>()
            .map_err(|e| corrupt("application_events", id, format!("status {code}: {e}")))
    };
    let command = CommandKind::ALL
        .into_iter()
        .find(|k| k.code() == model.command)
        .ok_or_else(|| {
            corrupt(
                "application_events",
                id,
                format!("command {}", model.command),
            )
        })?;
    let actor = Actor::ALL
        .into_iter()
        .find(|a| a.code() == model.actor_role)
        .ok_or_else(|| {
            corrupt(
                "application_events",
                id,
                format!("actor {}", model.actor_role),
            )
        })?;
    let awarded = model
        .awarded_minor
        .map(|m| {
            Money::from_minor(m)
                .ok_or_else(|| corrupt("application_events", id, format!("awarded {m}")))
        })
        .transpose()?;
    Ok(EventRecord {
        seq: model.seq,
        command,
        from: status(&model.from_status)?,
        to: status(&model.to_status)?,
        actor_id: model.actor_id,
        actor,
        reason: model.reason,
        revision_due_at: model.revision_due_at,
        awarded,
        at: model.at,
    })
}

fn content_json(id: Uuid, content: &ApplicationContent) -> Result<String, RepoError> {
    serde_json::to_string(content).map_err(|e| {
        corrupt(
            "applications",
            id,
            format!("content does not serialise: {e}"),
        )
    })
}

fn totals_of(id: Uuid, content: &ApplicationContent) -> Result<Totals, RepoError> {
    totals(&content.budget_lines)
        .ok_or_else(|| corrupt("applications", id, "budget totals overflow".to_owned()))
}

/// The content frozen by a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    /// Canonical JSON of the content.
    pub canonical: String,
    /// Its SHA-256, hex.
    pub receipt: String,
}

/// Who caused a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActedBy {
    /// The account, when a person acted.
    pub user: Option<Uuid>,
    /// In which capacity.
    pub actor: Actor,
}

/// Which applications to list.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Only this call's.
    pub call_id: Option<Uuid>,
    /// Only these statuses; all when empty.
    pub statuses: Vec<ApplicationStatus>,
    /// Only this organisation's.
    pub organization_id: Option<Uuid>,
    /// Only from this region.
    pub region: Option<Region>,
    /// Only of organisations this account belongs to.
    pub member: Option<Uuid>,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplicationSort {
    /// Newest first.
    #[default]
    CreatedDesc,
    /// Oldest first.
    CreatedAsc,
    /// Earliest submission first.
    SubmittedAsc,
    /// By title.
    TitleAsc,
    /// Largest request first.
    RequestedDesc,
}

impl Store {
    /// Creates a draft for `call_id` by `organization_id`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn create_application(
        &self,
        call_id: Uuid,
        organization_id: Uuid,
        region: Region,
        created_by: Uuid,
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

    /// The application `id`.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist.
    pub async fn get_application(&self, id: Uuid) -> Result<ApplicationRecord, RepoError> {
        application(&self.db, id).await
    }

    /// Replaces the working content of application `id` at `expected_version`, provided its
    /// status still allows editing.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when it does not exist; [`RepoError::Conflict`] (`"version"`)
    /// when it changed meanwhile.
    pub async fn update_content(
        &self,
        id: Uuid,
        content: &ApplicationContent,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<ApplicationRecord, RepoError> {
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
        id: Uuid,
        expected_version: i32,
        event: &Event,
        by: ActedBy,
        frozen: Option<Frozen>,
    ) -> Result<ApplicationRecord, RepoError> {
        let tx = self.db.begin().await?;
        apply_event(&tx, id, expected_version, event, by, frozen).await?;
        tx.commit().await?;
        self.get_application(id).await
    }

    /// The applications among `ids` that exist, in no particular order.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn applications_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<ApplicationRecord>, RepoError> {
        applications_where(&self.db, application::Column::Id.is_in(ids.iter().copied())).await
    }

    /// Every application of `call_id` in one of `statuses`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn applications_of_call(
        &self,
        call_id: Uuid,
        statuses: &[ApplicationStatus],
    ) -> Result<Vec<ApplicationRecord>, RepoError> {
        let condition = application::Column::CallId
            .eq(call_id)
            .and(application::Column::Status.is_in(statuses.iter().map(|s| s.code())));
        applications_where(&self.db, condition).await
    }

    /// The sum awarded so far to approved applications of call `call_id`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn awarded_total(&self, call_id: Uuid) -> Result<Money, RepoError> {
        awarded_total(&self.db, call_id).await
    }

    /// The audit history of application `id`, oldest first.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn history(&self, id: Uuid) -> Result<Vec<EventRecord>, RepoError> {
        application_event::Entity::find()
            .filter(application_event::Column::ApplicationId.eq(id))
            .order_by_asc(application_event::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(decode_event)
            .collect()
    }

    /// Applications matching `filter`, in `sort` order, page `page` (from 1) of `limit`.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database fails.
    pub async fn list_applications(
        &self,
        filter: &ApplicationFilter,
        sort: ApplicationSort,
        page: u64,
        limit: u64,
    ) -> Result<OffsetPage<ApplicationRecord>, RepoError> {
        let mut query = application::Entity::find();
        if let Some(call_id) = filter.call_id {
            query = query.filter(application::Column::CallId.eq(call_id));
        }
        if !filter.statuses.is_empty() {
            query = query.filter(
                application::Column::Status.is_in(filter.statuses.iter().map(|s| s.code())),
            );
        }
        if let Some(org) = filter.organization_id {
            query = query.filter(application::Column::OrganizationId.eq(org));
        }
        if let Some(region) = filter.region {
            query = query.filter(application::Column::Region.eq(region.code()));
        }
        if let Some(member) = filter.member {
            query = query.filter(
                application::Column::OrganizationId.in_subquery(
                    Query::select()
                        .column(organization_member::Column::OrganizationId)
                        .from(organization_member::Entity)
                        .and_where(Expr::col(organization_member::Column::UserId).eq(member))
                        .to_owned(),
                ),
            );
        }
        let (column, order) = match sort {
            ApplicationSort::CreatedDesc => (application::Column::CreatedAt, Order::Desc),
            ApplicationSort::CreatedAsc => (application::Column::CreatedAt, Order::Asc),
            ApplicationSort::SubmittedAsc => (application::Column::SubmittedAt, Order::Asc),
            ApplicationSort::TitleAsc => (application::Column::Title, Order::Asc),
            ApplicationSort::RequestedDesc => (application::Column::RequestedMinor, Order::Desc),
        };
        let rows = query
            .order_by(column, order.clone())
            .order_by(application::Column::Id, order)
            .offset(page.saturating_sub(1).saturating_mul(limit))
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        let has_more = rows.len() as u64 > limit;
        let items = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OffsetPage { items, has_more })
    }
}

/// Writes `event` on application `id` (at `expected_version`) and its audit row, on `conn`,
/// which the caller runs inside a transaction.
pub(crate) async fn apply_event<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    expected_version: i32,
    event: &Event,
    by: ActedBy,
    frozen: Option<Frozen>,
) -> Result<(), RepoError> {
    let receipt = frozen.as_ref().map(|f| f.receipt.clone());
    write_status(conn, id, expected_version, event, frozen).await?;
    let event_id = insert_event(conn, id, event, by, receipt).await?;
    if let Some(kind) = domain::notification::for_event(event) {
        crate::outbox::enqueue_for_applicants(conn, id, event_id, kind, event.at).await?;
    }
    Ok(())
}

/// Writes the columns `event` sets on application `id`, provided it is still at
/// `expected_version` in the status the event starts from.
pub(crate) async fn write_status<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    expected_version: i32,
    event: &Event,
    frozen: Option<Frozen>,
) -> Result<(), RepoError> {
    let mut update = application::Entity::update_many()
        .col_expr(application::Column::Status, Expr::value(event.to.code()))
        .col_expr(application::Column::UpdatedAt, Expr::value(event.at))
        .col_expr(
            application::Column::Version,
            Expr::col(application::Column::Version).add(1),
        )
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::Version.eq(expected_version))
        .filter(application::Column::Status.eq(event.from.code()));
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
            .col_expr(application::Column::SubmittedAt, Expr::value(event.at));
    }
    match event.command {
        CommandKind::RequestRevision => {
            update = update
                .col_expr(
                    application::Column::RevisionComment,
                    Expr::value(event.reason.clone()),
                )
                .col_expr(
                    application::Column::RevisionDueAt,
                    Expr::value(event.revision_due_at),
                );
        }
        CommandKind::Resubmit => {
            update = update
                .col_expr(
                    application::Column::RevisionComment,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    application::Column::RevisionDueAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                );
        }
        CommandKind::Approve => {
            update = update.col_expr(
                application::Column::AwardedMinor,
                Expr::value(event.awarded.map(Money::minor)),
            );
        }
        CommandKind::Submit
        | CommandKind::Withdraw
        | CommandKind::MarkIneligible
        | CommandKind::StartReview
        | CommandKind::CompleteReview
        | CommandKind::ReopenReview
        | CommandKind::Waitlist
        | CommandKind::Reject => {}
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
    event: &Event,
    by: ActedBy,
    receipt: Option<String>,
) -> (Uuid, application_event::ActiveModel) {
    let event_id = Uuid::now_v7();
    let row = application_event::ActiveModel {
        id: Set(event_id),
        application_id: Set(id),
        seq: Set(seq),
        command: Set(event.command.code().to_owned()),
        from_status: Set(event.from.code().to_owned()),
        to_status: Set(event.to.code().to_owned()),
        actor_id: Set(by.user),
        actor_role: Set(by.actor.code().to_owned()),
        reason: Set(event.reason.clone()),
        revision_due_at: Set(event.revision_due_at),
        awarded_minor: Set(event.awarded.map(Money::minor)),
        receipt_sha256: Set(receipt),
        at: Set(event.at),
    };
    (event_id, row)
}

async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    event: &Event,
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

/// A new draft application.
#[derive(Debug, Clone, Copy)]
pub struct NewDraft<'a> {
    /// The call applied to.
    pub call_id: Uuid,
    /// The applying organisation.
    pub organization_id: Uuid,
    /// The organisation's region, kept for filtering.
    pub region: Region,
    /// The member who started it.
    pub created_by: Uuid,
    /// The content so far.
    pub content: &'a ApplicationContent,
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
        call_id: Set(draft.call_id),
        organization_id: Set(draft.organization_id),
        created_by: Set(draft.created_by),
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

pub(crate) async fn application<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<ApplicationRecord, RepoError> {
    let model = application::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    decode(model)
}

pub(crate) async fn applications_where<C: ConnectionTrait>(
    conn: &C,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<ApplicationRecord>, RepoError> {
    application::Entity::find()
        .filter(condition)
        .order_by_asc(application::Column::CreatedAt)
        .order_by_asc(application::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(decode)
        .collect()
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
        id: Uuid,
        content: &ApplicationContent,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<ApplicationRecord, RepoError> {
        update_content(&self.tx, id, content, expected_version, now).await
    }
}
