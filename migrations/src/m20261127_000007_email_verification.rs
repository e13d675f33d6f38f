//! Confirmed addresses: a self-registered account logs in only once its holder has
//! followed the link mailed to the address. Accounts that exist already count as confirmed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    RecipientId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CreatedAt,
    EmailVerifiedAt,
    VerificationNonce,
    VerificationSentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Users::EmailVerifiedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Users::VerificationNonce)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(Users::VerificationSentAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(Users::Table)
                    .value(Users::EmailVerifiedAt, Expr::col(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // Whether an address's holder was told of a registration attempt lately is looked
        // up by recipient and kind, not by scanning the outbox.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_recipient_kind_created")
                    .table(Outbox::Table)
                    .col(Outbox::RecipientId)
                    .col(Outbox::Kind)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_recipient_kind_created")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Users::VerificationSentAt,
            Users::VerificationNonce,
            Users::EmailVerifiedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
