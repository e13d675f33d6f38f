//! The mail outbox, written in the same transaction as the change that owes the mail; the
//! mark that an assignment's reviewer has been reminded; and the receipt of each submission
//! on its audit event, so a mail sent late still shows the receipt of its own submission.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApplicationEvents {
    Table,
    ReceiptSha256,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    RemindedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    RecipientId,
    ApplicationId,
    EventId,
    AssignmentId,
    Status,
    Attempts,
    NextAttemptAt,
    Claim,
    LastError,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApplicationEvents::Table)
                    .add_column(
                        ColumnDef::new(ApplicationEvents::ReceiptSha256)
                            .string_len(64)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Assignments::Table)
                    .add_column(
                        ColumnDef::new(Assignments::RemindedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(ColumnDef::new(Outbox::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Outbox::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Outbox::RecipientId).uuid().not_null())
                    .col(ColumnDef::new(Outbox::ApplicationId).uuid().null())
                    .col(ColumnDef::new(Outbox::EventId).uuid().null())
                    .col(ColumnDef::new(Outbox::AssignmentId).uuid().null())
                    .col(ColumnDef::new(Outbox::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Outbox::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Outbox::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Outbox::Claim).uuid().null())
                    .col(ColumnDef::new(Outbox::LastError).text().null())
                    .col(
                        ColumnDef::new(Outbox::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Outbox::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Outbox::SentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::RecipientId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's claim scans due rows of one status; the admin lists by status.
        for (name, second) in [
            ("idx_outbox_status_due", Outbox::NextAttemptAt),
            ("idx_outbox_status_created", Outbox::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Outbox::Table)
                        .col(Outbox::Status)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Assignments::Table)
                    .drop_column(Assignments::RemindedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApplicationEvents::Table)
                    .drop_column(ApplicationEvents::ReceiptSha256)
                    .to_owned(),
            )
            .await
    }
}
