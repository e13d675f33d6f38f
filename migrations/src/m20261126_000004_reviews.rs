//! Reviewer pools, declared conflicts of interest, assignments with their reviews, and
//! calls that hide the applicant's identity from reviewers.

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
    HideApplicantIdentity,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CallReviewers {
    Table,
    CallId,
    ReviewerId,
    AddedBy,
    AddedAt,
}

#[derive(DeriveIden)]
enum Conflicts {
    Table,
    Id,
    ReviewerId,
    OrganizationId,
    Kind,
    Description,
    Source,
    DeclaredAt,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    CallId,
    ApplicationId,
    ReviewerId,
    Status,
    Version,
    DueAt,
    AssignedBy,
    DeclineReason,
    Review,
    ReviewTotal,
    SubmittedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .add_column(
                        ColumnDef::new(Calls::HideApplicantIdentity)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CallReviewers::Table)
                    .col(ColumnDef::new(CallReviewers::CallId).uuid().not_null())
                    .col(ColumnDef::new(CallReviewers::ReviewerId).uuid().not_null())
                    .col(ColumnDef::new(CallReviewers::AddedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(CallReviewers::AddedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CallReviewers::CallId)
                            .col(CallReviewers::ReviewerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallReviewers::Table, CallReviewers::CallId)
                            .to(Calls::Table, Calls::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallReviewers::Table, CallReviewers::ReviewerId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Conflicts::Table)
                    .col(
                        ColumnDef::new(Conflicts::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Conflicts::ReviewerId).uuid().not_null())
                    .col(ColumnDef::new(Conflicts::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(Conflicts::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Conflicts::Description).text().not_null())
                    .col(ColumnDef::new(Conflicts::Source).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Conflicts::DeclaredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Conflicts::Table, Conflicts::ReviewerId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Conflicts::Table, Conflicts::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conflicts_reviewer_organization")
                    .table(Conflicts::Table)
                    .col(Conflicts::ReviewerId)
                    .col(Conflicts::OrganizationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Assignments::Table)
                    .col(
                        ColumnDef::new(Assignments::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Assignments::CallId).uuid().not_null())
                    .col(ColumnDef::new(Assignments::ApplicationId).uuid().not_null())
                    .col(ColumnDef::new(Assignments::ReviewerId).uuid().not_null())
                    .col(
                        ColumnDef::new(Assignments::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Assignments::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Assignments::DueAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Assignments::AssignedBy).uuid().null())
                    .col(ColumnDef::new(Assignments::DeclineReason).text().null())
                    .col(ColumnDef::new(Assignments::Review).text().null())
                    .col(ColumnDef::new(Assignments::ReviewTotal).double().null())
                    .col(
                        ColumnDef::new(Assignments::SubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Assignments::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Assignments::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Assignments::Table, Assignments::CallId)
                            .to(Calls::Table, Calls::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Assignments::Table, Assignments::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Assignments::Table, Assignments::ReviewerId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "idx_assignments_application_reviewer",
                vec![Assignments::ApplicationId, Assignments::ReviewerId],
                true,
            ),
            (
                "idx_assignments_reviewer_status",
                vec![Assignments::ReviewerId, Assignments::Status],
                false,
            ),
            ("idx_assignments_call", vec![Assignments::CallId], false),
        ] {
            let mut index = Index::create();
            index.name(name).table(Assignments::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Assignments::Table.into_iden(),
            Conflicts::Table.into_iden(),
            CallReviewers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .drop_column(Calls::HideApplicantIdentity)
                    .to_owned(),
            )
            .await
    }
}
