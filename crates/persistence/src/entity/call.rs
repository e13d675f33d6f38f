use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub priority_areas: String,
    pub budget_minor: i64,
    pub min_grant_minor: i64,
    pub max_grant_minor: i64,
    pub cofinancing_bp: i32,
    pub opens_at: ChronoDateTimeUtc,
    pub closes_at: ChronoDateTimeUtc,
    pub rural_only: bool,
    pub requires_verified_organization: bool,
    pub min_years_registered: i32,
    pub regions: String,
    pub rubric: String,
    pub reviewers_per_application: i32,
    pub fundable_min_score: i32,
    pub disagreement_spread: i32,
    pub aggregation: String,
    pub state: String,
    pub version: i32,
    pub created_by: Uuid,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub published_at: Option<ChronoDateTimeUtc>,
    pub closed_at: Option<ChronoDateTimeUtc>,
    pub hide_applicant_identity: bool,
    pub translations: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
