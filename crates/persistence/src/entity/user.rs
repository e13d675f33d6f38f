use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub language: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub email_verified_at: Option<ChronoDateTimeUtc>,
    pub verification_nonce: Option<String>,
    pub verification_sent_at: Option<ChronoDateTimeUtc>,
    pub disabled_at: Option<ChronoDateTimeUtc>,
    pub reset_nonce: Option<String>,
    pub reset_sent_at: Option<ChronoDateTimeUtc>,
    pub verification_failures: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::organization_member::Entity")]
    Membership,
}

impl Related<super::organization_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
