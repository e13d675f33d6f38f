//! Pages of applications in one statement: only the columns a list shows, the reader's
//! login checked inside the same statement, and keyset positions so that a deep page costs
//! what the first does.

use chrono::{DateTime, Utc};
use domain::ids::ApplicationId;
use domain::money::Money;
use domain::region::Region;
use domain::status::ApplicationStatus;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{application, organization_member, refresh_token};
use crate::error::RepoError;

use super::types::{ApplicationFilter, ApplicationSort};

/// Where a page starts, and in which order the list runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Page `page` (from 1) in `sort` order, counted from the start: kept for clients that
    /// number pages, and costs an offset past the pages before it.
    Page {
        /// The order.
        sort: ApplicationSort,
        /// The page, from 1.
        page: u64,
    },
    /// Right after the last item of the page before, which costs nothing for deep pages.
    After(Cursor),
}

/// The last item of a page, in the order it was listed by: where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    sort: ApplicationSort,
    page: u64,
    key: SortKey,
    id: ApplicationId,
}

impl Cursor {
    /// The cursor of item `id` whose ordering value in `sort` order is `key`, starting page
    /// `page`; `None` when `key` is not a value of that order's column.
    #[must_use]
    pub fn new(sort: ApplicationSort, page: u64, key: SortKey, id: ApplicationId) -> Option<Self> {
        let fits = match sort {
            ApplicationSort::CreatedDesc | ApplicationSort::CreatedAsc => {
                matches!(key, SortKey::Instant(Some(_)))
            }
            ApplicationSort::SubmittedAsc => matches!(key, SortKey::Instant(_)),
            ApplicationSort::TitleAsc => matches!(key, SortKey::Text(_)),
            ApplicationSort::RequestedDesc => matches!(key, SortKey::Amount(_)),
        };
        (fits && page > 1).then_some(Self {
            sort,
            page,
            key,
            id,
        })
    }

    /// The order of the list.
    #[must_use]
    pub fn sort(&self) -> ApplicationSort {
        self.sort
    }

    /// The number (from 2) of the page this cursor starts.
    #[must_use]
    pub fn page(&self) -> u64 {
        self.page
    }

    /// The item's value of the ordering column.
    #[must_use]
    pub fn key(&self) -> &SortKey {
        &self.key
    }

    /// The item's id, which orders items with the same key.
    #[must_use]
    pub fn id(&self) -> ApplicationId {
        self.id
    }
}

/// A value of the column a list is ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    /// An instant (creation or submission); none for an application never submitted.
    Instant(Option<DateTime<Utc>>),
    /// A title; none for a draft without one.
    Text(Option<String>),
    /// An amount in minor units.
    Amount(i64),
}

/// An application as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationBrief {
    /// Identifier.
    pub id: ApplicationId,
    /// The call.
    pub call_id: domain::ids::CallId,
    /// The applying organisation.
    pub organization_id: domain::ids::OrganizationId,
    /// The organisation's region.
    pub region: Region,
    /// Project title.
    pub title: Option<String>,
    /// Status.
    pub status: ApplicationStatus,
    /// The grant asked for.
    pub requested: Money,
    /// When it was last submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Version; also the `ETag`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A page of applications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The items, at most the requested limit.
    pub items: Vec<ApplicationBrief>,
    /// This page's number, from 1.
    pub page: u64,
    /// Where the next page starts; none on the last page.
    pub next: Option<Cursor>,
}

#[derive(Debug, FromQueryResult)]
struct BriefRow {
    id: Uuid,
    call_id: Uuid,
    organization_id: Uuid,
    region: String,
    title: Option<String>,
    status: String,
    requested_minor: i64,
    submitted_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl BriefRow {
    fn decode(self) -> Result<ApplicationBrief, RepoError> {
        let corrupt = |detail: String| RepoError::Corrupt {
            table: "applications",
            id: self.id.to_string(),
            detail,
        };
        Ok(ApplicationBrief {
            id: self.id.into(),
            call_id: self.call_id.into(),
            organization_id: self.organization_id.into(),
            region: self
                .region
                .parse()
                .map_err(|e| corrupt(format!("region: {e}")))?,
            status: self
                .status
                .parse()
                .map_err(|e| corrupt(format!("status: {e}")))?,
            requested: Money::from_minor(self.requested_minor)
                .ok_or_else(|| corrupt(format!("requested: {}", self.requested_minor)))?,
            title: self.title,
            submitted_at: self.submitted_at,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    fn key(&self, sort: ApplicationSort) -> SortKey {
        match sort {
            ApplicationSort::CreatedDesc | ApplicationSort::CreatedAsc => {
                SortKey::Instant(Some(self.created_at))
            }
            ApplicationSort::SubmittedAsc => SortKey::Instant(self.submitted_at),
            ApplicationSort::TitleAsc => SortKey::Text(self.title.clone()),
            ApplicationSort::RequestedDesc => SortKey::Amount(self.requested_minor),
        }
    }
}

/// The ordering column of `sort`, whether it runs downwards, and whether it may be empty
/// (empty values come last on both databases).
fn ordering(sort: ApplicationSort) -> (application::Column, bool, bool) {
    match sort {
        ApplicationSort::CreatedDesc => (application::Column::CreatedAt, true, false),
        ApplicationSort::CreatedAsc => (application::Column::CreatedAt, false, false),
        ApplicationSort::SubmittedAsc => (application::Column::SubmittedAt, false, true),
        ApplicationSort::TitleAsc => (application::Column::Title, false, true),
        ApplicationSort::RequestedDesc => (application::Column::RequestedMinor, true, false),
    }
}

fn key_value(key: &SortKey) -> Option<sea_orm::Value> {
    match key {
        SortKey::Instant(instant) => instant.map(Into::into),
        SortKey::Text(text) => text.clone().map(Into::into),
        SortKey::Amount(amount) => Some((*amount).into()),
    }
}

/// The rows after `cursor` in the order of its list.
fn after(cursor: &Cursor) -> SimpleExpr {
    let (column, descending, nullable) = ordering(cursor.sort);
    let beyond = |col: SimpleExpr, value: SimpleExpr| {
        if descending {
            col.lt(value)
        } else {
            col.gt(value)
        }
    };
    let id_beyond = beyond(
        Expr::col(application::Column::Id),
        Expr::val(cursor.id.uuid()),
    );
    let Some(value) = key_value(&cursor.key) else {
        // Past the last filled value: only empty ones remain, in id order.
        return Expr::col(column).is_null().and(id_beyond);
    };
    let filled = Cond::any()
        .add(beyond(Expr::col(column), Expr::val(value.clone())))
        .add(Expr::col(column).eq(value).and(id_beyond));
    let cond = if nullable {
        Cond::any().add(filled).add(Expr::col(column).is_null())
    } else {
        filled
    };
    cond.into()
}

impl Store {
    /// Applications matching `filter`, in `sort` order, from `position`, at most `limit`,
    /// in one statement. With `session`, only while that login is open: an empty page then
    /// may mean the login ended, which [`Store::session_open`] tells apart.
    ///
    /// # Errors
    /// [`RepoError::Corrupt`] when a stored row does not decode; [`RepoError::Unavailable`]
    /// when the database cannot be reached.
    pub async fn list_applications(
        &self,
        filter: &ApplicationFilter,
        position: &Position,
        limit: u64,
        session: Option<Uuid>,
    ) -> Result<Listed, RepoError> {
        let mut query = application::Entity::find().select_only().columns([
            application::Column::Id,
            application::Column::CallId,
            application::Column::OrganizationId,
            application::Column::Region,
            application::Column::Title,
            application::Column::Status,
            application::Column::RequestedMinor,
            application::Column::SubmittedAt,
            application::Column::Version,
            application::Column::CreatedAt,
            application::Column::UpdatedAt,
        ]);
        if let Some(call_id) = filter.call_id {
            query = query.filter(application::Column::CallId.eq(call_id.uuid()));
        }
        if !filter.statuses.is_empty() {
            query = query.filter(
                application::Column::Status.is_in(filter.statuses.iter().map(|s| s.code())),
            );
        }
        if let Some(org) = filter.organization_id {
            query = query.filter(application::Column::OrganizationId.eq(org.uuid()));
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
                        .and_where(Expr::col(organization_member::Column::UserId).eq(member.uuid()))
                        .to_owned(),
                ),
            );
        }
        if let Some(session) = session {
            query = query.filter(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(refresh_token::Entity)
                    .and_where(Expr::col(refresh_token::Column::FamilyId).eq(session))
                    .and_where(Expr::col(refresh_token::Column::RevokedAt).is_null())
                    .to_owned(),
            ));
        }
        let sort = match position {
            Position::Page { sort, .. } => *sort,
            Position::After(cursor) => cursor.sort,
        };
        let (column, descending, nullable) = ordering(sort);
        let order = if descending { Order::Desc } else { Order::Asc };
        if nullable {
            query = query.order_by(Expr::col(column).is_null(), Order::Asc);
        }
        query = query
            .order_by(column, order.clone())
            .order_by(application::Column::Id, order);
        let page = match position {
            Position::Page { page, .. } => {
                query = query.offset(page.saturating_sub(1).saturating_mul(limit));
                *page
            }
            Position::After(cursor) => {
                query = query.filter(after(cursor));
                cursor.page
            }
        };
        let mut rows = query
            .limit(limit + 1)
            .into_model::<BriefRow>()
            .all(&self.db)
            .await?;
        let next = if rows.len() as u64 > limit {
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            rows.last().map(|row| Cursor {
                sort,
                page: page.saturating_add(1),
                key: row.key(sort),
                id: row.id.into(),
            })
        } else {
            None
        };
        let items = rows
            .into_iter()
            .map(BriefRow::decode)
            .collect::<Result<_, _>>()?;
        Ok(Listed { items, page, next })
    }
}
