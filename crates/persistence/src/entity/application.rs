use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub call_id: Uuid,
    pub organization_id: Uuid,
    pub created_by: Uuid,
    pub title: Option<String>,
    pub region: String,
    pub status: String,
    pub version: i32,
    pub content: String,
    pub submitted_content: Option<String>,
    pub receipt_sha256: Option<String>,
    pub total_cost_minor: i64,
    pub cofinanced_minor: i64,
    pub requested_minor: i64,
    pub submitted_at: Option<ChronoDateTimeUtc>,
    pub revision_comment: Option<String>,
    pub revision_due_at: Option<ChronoDateTimeUtc>,
    pub awarded_minor: Option<i64>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
