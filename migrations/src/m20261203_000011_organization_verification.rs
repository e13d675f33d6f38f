//! Organisations an officer has verified against the state registry. Only a verified
//! organisation's BIN is unique: an unverified claim never blocks the NGO that really holds
//! the number. A call may admit verified organisations only.
//!
//! PostgreSQL drops the column's unique constraint in place. SQLite cannot drop a
//! column-level UNIQUE, so the table is rebuilt in one transaction on one connection with
//! foreign-key enforcement paused (dropping the old table would otherwise cascade into the
//! members), and the foreign keys are checked before it commits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseConnection, DatabaseExecutor, DbBackend, sqlx};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    RequiresVerifiedOrganization,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    Bin,
    Region,
    Settlement,
    Rural,
    RegisteredOn,
    ContactEmail,
    Version,
    CreatedAt,
    UpdatedAt,
    VerifiedAt,
    VerifiedBy,
    VerificationNote,
}

/// The partial unique index that replaces the column's constraint.
const VERIFIED_BIN: &str = "CREATE UNIQUE INDEX uq_organizations_verified_bin \
     ON organizations (bin) WHERE verified_at IS NOT NULL";

/// A plain index for finding every claim of one BIN.
const BIN_LOOKUP: &str = "CREATE INDEX idx_organizations_bin ON organizations (bin)";

fn verification_columns() -> [ColumnDef; 3] {
    [
        ColumnDef::new(Organizations::VerifiedAt)
            .timestamp_with_time_zone()
            .null()
            .to_owned(),
        ColumnDef::new(Organizations::VerifiedBy)
            .uuid()
            .null()
            .to_owned(),
        ColumnDef::new(Organizations::VerificationNote)
            .string_len(1000)
            .null()
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .add_column(
                        ColumnDef::new(Calls::RequiresVerifiedOrganization)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            return rebuild_sqlite(connection(manager)?).await;
        }
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE organizations DROP CONSTRAINT organizations_bin_key")
            .await?;
        let mut alter = Table::alter();
        alter.table(Organizations::Table);
        for column in verification_columns() {
            alter.add_column(column);
        }
        manager.alter_table(alter.to_owned()).await?;
        db.execute_unprepared(VERIFIED_BIN).await?;
        db.execute_unprepared(BIN_LOOKUP).await.map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX uq_organizations_verified_bin")
            .await?;
        db.execute_unprepared("DROP INDEX idx_organizations_bin")
            .await?;
        for column in [
            Organizations::VerifiedAt,
            Organizations::VerifiedBy,
            Organizations::VerificationNote,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organizations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let unique = if manager.get_database_backend() == DbBackend::Sqlite {
            "CREATE UNIQUE INDEX organizations_bin_key ON organizations (bin)"
        } else {
            "ALTER TABLE organizations ADD CONSTRAINT organizations_bin_key UNIQUE (bin)"
        };
        db.execute_unprepared(unique).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .drop_column(Calls::RequiresVerifiedOrganization)
                    .to_owned(),
            )
            .await
    }
}

fn connection<'a>(manager: &'a SchemaManager) -> Result<&'a DatabaseConnection, DbErr> {
    match manager.get_connection() {
        DatabaseExecutor::Connection(db) => Ok(db),
        DatabaseExecutor::Transaction(_) | DatabaseExecutor::OwnedTransaction(_) => Err(
            DbErr::Migration("rebuilding a SQLite table needs a connection of its own".into()),
        ),
    }
}

fn sqlx_error(err: sqlx::Error) -> DbErr {
    DbErr::Migration(format!("rebuilding organizations: {err}"))
}

async fn rebuild_sqlite(db: &DatabaseConnection) -> Result<(), DbErr> {
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(sqlx_error)?;
    sqlx::raw_sql("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .map_err(sqlx_error)?;
    let rebuilt = rebuild_in(&mut conn).await;
    let restored = sqlx::raw_sql("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await
        .map_err(sqlx_error);
    rebuilt.and(restored.map(drop))
}

async fn rebuild_in(conn: &mut sqlx::SqliteConnection) -> Result<(), DbErr> {
    use sqlx::Connection;

    let mut create = Table::create();
    create
        .table(Alias::new("organizations_rebuilt"))
        .col(
            ColumnDef::new(Organizations::Id)
                .uuid()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(Organizations::Name)
                .string_len(300)
                .not_null(),
        )
        .col(ColumnDef::new(Organizations::Bin).string_len(12).not_null())
        .col(
            ColumnDef::new(Organizations::Region)
                .string_len(32)
                .not_null(),
        )
        .col(
            ColumnDef::new(Organizations::Settlement)
                .string_len(200)
                .not_null(),
        )
        .col(ColumnDef::new(Organizations::Rural).boolean().not_null())
        .col(
            ColumnDef::new(Organizations::RegisteredOn)
                .date()
                .not_null(),
        )
        .col(
            ColumnDef::new(Organizations::ContactEmail)
                .string_len(254)
                .not_null(),
        )
        .col(
            ColumnDef::new(Organizations::Version)
                .integer()
                .not_null()
                .default(1),
        )
        .col(
            ColumnDef::new(Organizations::CreatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(
            ColumnDef::new(Organizations::UpdatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        );
    for mut column in verification_columns() {
        create.col(&mut column);
    }
    let create = create.to_string(SqliteQueryBuilder);
    let columns = "id, name, bin, region, settlement, rural, registered_on, contact_email, \
                   version, created_at, updated_at";
    let mut tx = conn.begin().await.map_err(sqlx_error)?;
    for statement in [
        create,
        format!(
            "INSERT INTO organizations_rebuilt ({columns}) SELECT {columns} FROM organizations"
        ),
        "DROP TABLE organizations".to_owned(),
        "ALTER TABLE organizations_rebuilt RENAME TO organizations".to_owned(),
        VERIFIED_BIN.to_owned(),
        BIN_LOOKUP.to_owned(),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await
            .map_err(sqlx_error)?;
    }
    let broken = sqlx::raw_sql("PRAGMA foreign_key_check")
        .fetch_optional(&mut *tx)
        .await
        .map_err(sqlx_error)?;
    if broken.is_some() {
        return Err(DbErr::Migration(
            "rebuilding organizations would break a foreign key".into(),
        ));
    }
    tx.commit().await.map_err(sqlx_error)
}
