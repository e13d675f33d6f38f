//! One-time tokens of the portal's forms: the first post of a form acts and records how it
//! was answered; a repeat (a double tap, a resend over a flaky link) is answered the same
//! way without acting again. Kept for a day.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FormTokens {
    Table,
    Token,
    Outcome,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FormTokens::Table)
                    .col(
                        ColumnDef::new(FormTokens::Token)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FormTokens::Outcome).text().null())
                    .col(
                        ColumnDef::new(FormTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FormTokens::Table).to_owned())
            .await
    }
}
