//! Pending registrations: each registration of an address not yet confirmed keeps its own
//! name, language and password until the address is confirmed, so registering an address
//! again never replaces what someone else chose. Accounts pending today become one
//! registration each.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    UserId,
    Name,
    Language,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Registrations::Table)
                    .col(
                        ColumnDef::new(Registrations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Registrations::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(Registrations::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Registrations::Language)
                            .string_len(2)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Registrations::PasswordHash)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Registrations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registrations::Table, Registrations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registrations_by_user")
                    .table(Registrations::Table)
                    .col(Registrations::UserId)
                    .col(Registrations::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Every account waiting for its confirmation today is one registration, with the
        // account's own id (there is one per account).
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO registrations (id, user_id, name, language, password_hash, created_at) \
                 SELECT id, id, name, language, password_hash, \
                 COALESCE(verification_sent_at, created_at) \
                 FROM users WHERE email_verified_at IS NULL AND verification_nonce IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Registrations::Table).to_owned())
            .await
    }
}
