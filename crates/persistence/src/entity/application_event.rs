use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub seq: i32,
    pub command: String,
    pub from_status: String,
    pub to_status: String,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub reason: Option<String>,
    pub revision_due_at: Option<ChronoDateTimeUtc>,
    pub awarded_minor: Option<i64>,
    pub receipt_sha256: Option<String>,
    pub at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
