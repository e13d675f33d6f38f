use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub call_id: Uuid,
    pub application_id: Uuid,
    pub reviewer_id: Uuid,
    pub status: String,
    pub version: i32,
    pub due_at: Option<ChronoDateTimeUtc>,
    pub assigned_by: Option<Uuid>,
    pub decline_reason: Option<String>,
    pub review: Option<String>,
    pub review_total: Option<f64>,
    pub submitted_at: Option<ChronoDateTimeUtc>,
    pub reminded_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
