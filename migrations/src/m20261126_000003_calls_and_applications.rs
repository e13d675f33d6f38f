//! Grant calls, applications, their audit events, and idempotency keys.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    Title,
    Description,
    PriorityAreas,
    BudgetMinor,
    MinGrantMinor,
    MaxGrantMinor,
    CofinancingBp,
    OpensAt,
    ClosesAt,
    RuralOnly,
    MinYearsRegistered,
    Regions,
    Rubric,
    ReviewersPerApplication,
    FundableMinScore,
    DisagreementSpread,
    Aggregation,
    State,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    CallId,
    OrganizationId,
    CreatedBy,
    Title,
    Region,
    Status,
    Version,
    Content,
    SubmittedContent,
    ReceiptSha256,
    TotalCostMinor,
    CofinancedMinor,
    RequestedMinor,
    SubmittedAt,
    RevisionComment,
    RevisionDueAt,
    AwardedMinor,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationEvents {
    Table,
    Id,
    ApplicationId,
    Seq,
    Command,
    FromStatus,
    ToStatus,
    ActorId,
    ActorRole,
    Reason,
    RevisionDueAt,
    AwardedMinor,
    At,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    RequestHash,
    State,
    StatusCode,
    ContentType,
    Headers,
    Body,
    CreatedAt,
}

fn tstz(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn tstz_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Calls::Table)
                    .col(ColumnDef::new(Calls::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Calls::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Calls::Description).text().not_null())
                    .col(
                        ColumnDef::new(Calls::PriorityAreas)
                            .string_len(500)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Calls::BudgetMinor).big_integer().not_null())
                    .col(
                        ColumnDef::new(Calls::MinGrantMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Calls::MaxGrantMinor)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Calls::CofinancingBp).integer().not_null())
                    .col(tstz(Calls::OpensAt))
                    .col(tstz(Calls::ClosesAt))
                    .col(ColumnDef::new(Calls::RuralOnly).boolean().not_null())
                    .col(
                        ColumnDef::new(Calls::MinYearsRegistered)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Calls::Regions).string_len(1000).not_null())
                    .col(ColumnDef::new(Calls::Rubric).text().not_null())
                    .col(
                        ColumnDef::new(Calls::ReviewersPerApplication)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Calls::FundableMinScore).integer().not_null())
                    .col(
                        ColumnDef::new(Calls::DisagreementSpread)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Calls::Aggregation).string_len(32).not_null())
                    .col(ColumnDef::new(Calls::State).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Calls::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(ColumnDef::new(Calls::CreatedBy).uuid().not_null())
                    .col(tstz(Calls::CreatedAt))
                    .col(tstz(Calls::UpdatedAt))
                    .col(tstz_null(Calls::PublishedAt))
                    .col(tstz_null(Calls::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Calls::Table, Calls::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_calls_state_closes")
                    .table(Calls::Table)
                    .col(Calls::State)
                    .col(Calls::ClosesAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(
                        ColumnDef::new(Applications::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Applications::CallId).uuid().not_null())
                    .col(
                        ColumnDef::new(Applications::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Applications::CreatedBy).uuid().not_null())
                    .col(ColumnDef::new(Applications::Title).string_len(300).null())
                    .col(
                        ColumnDef::new(Applications::Region)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Applications::Status)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Applications::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(ColumnDef::new(Applications::Content).text().not_null())
                    .col(ColumnDef::new(Applications::SubmittedContent).text().null())
                    .col(
                        ColumnDef::new(Applications::ReceiptSha256)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Applications::TotalCostMinor)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Applications::CofinancedMinor)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Applications::RequestedMinor)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(tstz_null(Applications::SubmittedAt))
                    .col(ColumnDef::new(Applications::RevisionComment).text().null())
                    .col(tstz_null(Applications::RevisionDueAt))
                    .col(
                        ColumnDef::new(Applications::AwardedMinor)
                            .big_integer()
                            .null(),
                    )
                    .col(tstz(Applications::CreatedAt))
                    .col(tstz(Applications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Applications::Table, Applications::CallId)
                            .to(Calls::Table, Calls::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Applications::Table, Applications::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Applications::Table, Applications::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_applications_call_status",
                vec![Applications::CallId, Applications::Status],
            ),
            (
                "idx_applications_organization",
                vec![Applications::OrganizationId],
            ),
            ("idx_applications_status", vec![Applications::Status]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Applications::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ApplicationEvents::Table)
                    .col(
                        ColumnDef::new(ApplicationEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ApplicationEvents::ApplicationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApplicationEvents::Seq).integer().not_null())
                    .col(
                        ColumnDef::new(ApplicationEvents::Command)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApplicationEvents::FromStatus)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApplicationEvents::ToStatus)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApplicationEvents::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(ApplicationEvents::ActorRole)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApplicationEvents::Reason).text().null())
                    .col(tstz_null(ApplicationEvents::RevisionDueAt))
                    .col(
                        ColumnDef::new(ApplicationEvents::AwardedMinor)
                            .big_integer()
                            .null(),
                    )
                    .col(tstz(ApplicationEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApplicationEvents::Table, ApplicationEvents::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_application_events_seq")
                    .table(ApplicationEvents::Table)
                    .col(ApplicationEvents::ApplicationId)
                    .col(ApplicationEvents::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(ColumnDef::new(IdempotencyKeys::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(IdempotencyKeys::Key)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::RequestHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::State)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::StatusCode).integer().null())
                    .col(
                        ColumnDef::new(IdempotencyKeys::ContentType)
                            .string_len(255)
                            .null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::Headers).text().null())
                    .col(ColumnDef::new(IdempotencyKeys::Body).text().null())
                    .col(tstz(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IdempotencyKeys::Table, IdempotencyKeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_created")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            ApplicationEvents::Table.into_iden(),
            Applications::Table.into_iden(),
            Calls::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
