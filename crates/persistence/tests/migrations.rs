//! Migrations applied over data an earlier release wrote: nothing is lost and the
//! database's guarantees hold afterwards. SQLite runs on a file with a pool of several
//! connections, as the server does; PostgreSQL on a fresh database when
//! `TEST_DATABASE_URL` is set.

use chrono::{DateTime, TimeZone, Utc};
use domain::ids::{OrganizationId, UserId};
use persistence::Store;
use uuid::Uuid;

/// The migrations before organisations could be verified.
const BEFORE_VERIFICATION: u32 = 10;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// `id` as a literal of the store's UUID column type (SQLite keeps UUIDs as 16 bytes).
fn literal(store: &Store, id: Uuid) -> String {
    if store.backend() == sea_orm::DbBackend::Sqlite {
        format!("X'{}'", id.simple())
    } else {
        format!("'{id}'")
    }
}

/// Writes an organisation and its owner's membership as the release before verification
/// did, then applies the remaining migrations.
async fn organisations_and_members_survive_verification(store: Store) {
    store
        .migrate_steps(BEFORE_VERIFICATION)
        .await
        .unwrap_or_else(|e| panic!("earlier migrations: {e}"));
    // The owner's account, as that release's schema held it.
    let owner = UserId::from(Uuid::now_v7());
    let owner_sql = format!(
        "INSERT INTO users (id, email, name, language, role, password_hash, created_at, \
         updated_at, email_verified_at) VALUES ({}, 'owner@ngo.kz', 'Owner', 'kk', \
         'applicant', 'hash', '2026-11-30T09:00:00+00:00', '2026-11-30T09:00:00+00:00', \
         '2026-11-30T09:00:00+00:00')",
        literal(&store, owner.uuid())
    );
    store
        .execute_raw(&owner_sql)
        .await
        .unwrap_or_else(|e| panic!("{owner_sql}: {e}"));
    let org = Uuid::now_v7();
    let (org_id, owner_id) = (literal(&store, org), literal(&store, owner.uuid()));
    let at = "'2026-11-30T09:00:00+00:00'";
    for sql in [
        format!(
            "INSERT INTO organizations (id, name, bin, region, settlement, rural, registered_on, \
             contact_email, version, created_at, updated_at) VALUES ({org_id}, 'Ақ ниет', \
             '040540001230', 'aktobe', 'Қарауылкелді', true, '2019-03-01', 'aqniet@mail.kz', 3, \
             {at}, {at})"
        ),
        format!(
            "INSERT INTO organization_members (organization_id, user_id, role, created_at) \
             VALUES ({org_id}, {owner_id}, 'owner', {at})"
        ),
    ] {
        store
            .execute_raw(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("verification migration: {e}"));
    assert_eq!(store.schema_current().await.ok(), Some(true));

    let org = OrganizationId::from(org);
    let (kept, role) = store
        .organization_for_member(org, owner)
        .await
        .unwrap_or_else(|e| panic!("the membership is gone: {e}"));
    assert_eq!(
        (
            kept.profile.name.as_str(),
            kept.version,
            kept.verification,
            role.code()
        ),
        ("Ақ ниет", 3, None, "owner")
    );
    // Foreign keys are enforced again: a membership of no organisation is refused.
    let orphan = store
        .execute_raw(&format!(
            "INSERT INTO organization_members (organization_id, user_id, role, created_at) \
             VALUES ({}, {owner_id}, 'member', '2026-12-01T09:00:00+00:00')",
            literal(&store, Uuid::now_v7()),
        ))
        .await;
    assert!(orphan.is_err(), "a member of no organisation was stored");
    // The BIN is no longer unique among unverified organisations.
    let second = store
        .create_organization(owner, kept.profile.clone(), now())
        .await;
    assert!(second.is_ok(), "{second:?}");
    assert_eq!(store.count_organizations().await.ok(), Some(2));
}

#[tokio::test]
async fn sqlite_file_keeps_organisations_and_members_through_verification() {
    let path = std::env::temp_dir().join(format!("grants-migration-{}.db", Uuid::now_v7()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::connect(&url, 4)
        .await
        .unwrap_or_else(|e| panic!("sqlite: {e}"));
    organisations_and_members_survive_verification(store).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn postgres_keeps_organisations_and_members_through_verification() {
    let Some(admin) = persistence::testdb::postgres_url() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set {}",
            persistence::testdb::ENV
        );
        eprintln!("skipped: {} is not set", persistence::testdb::ENV);
        return;
    };
    let url = persistence::testdb::create_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("postgres: {e}"));
    let store = Store::connect(&url, 5)
        .await
        .unwrap_or_else(|e| panic!("postgres: {e}"));
    organisations_and_members_survive_verification(store).await;
}
