//! Forms posted after their sender's sign-in ended, kept until the sender signs in again
//! and gets the form back as typed. Kept for a day at most.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParkedForms {
    Table,
    Token,
    Path,
    Fields,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ParkedForms::Table)
                    .col(
                        ColumnDef::new(ParkedForms::Token)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ParkedForms::Path).text().not_null())
                    .col(ColumnDef::new(ParkedForms::Fields).text().not_null())
                    .col(
                        ColumnDef::new(ParkedForms::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ParkedForms::Table).to_owned())
            .await
    }
}
