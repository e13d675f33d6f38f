//! A call's applications listed newest or oldest first come straight from an index, so a
//! page costs the rows it shows rather than a sort of the whole call.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    CallId,
    CreatedAt,
    Id,
}

const INDEX: &str = "idx_applications_call_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Applications::Table)
                    .col(Applications::CallId)
                    .col(Applications::CreatedAt)
                    .col(Applications::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Applications::Table)
                    .to_owned(),
            )
            .await
    }
}
