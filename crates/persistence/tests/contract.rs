//! Repository contract: every test runs on a fresh in-memory SQLite database and, when
//! `TEST_DATABASE_URL` names a PostgreSQL server, again on a fresh PostgreSQL database.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::account::ProfileChange;
use domain::language::Language;
use domain::organization::{MemberRole, MembershipError, OrganizationInput, OrganizationProfile};
use domain::role::Role;
use persistence::records::NewUser;
use persistence::{RemoveMemberError, RepoError, RotateOutcome, Store};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: email.to_owned(),
        name: "Айгерім".to_owned(),
        language: Language::Kk,
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
    }
}

fn profile(bin: &str) -> OrganizationProfile {
    let input = OrganizationInput {
        name: Some("Ақ ниет"),
        bin: Some(bin),
        region: Some("aktobe"),
        settlement: Some("Шалқар"),
        rural: Some(true),
        registered_on: NaiveDate::from_ymd_opt(2019, 3, 1),
        contact_email: Some("aqniet@mail.kz"),
    };
    OrganizationProfile::create(input, now().date_naive())
        .unwrap_or_else(|e| panic!("fixture: {e}"))
}

async fn user(store: &Store, email: &str) -> uuid::Uuid {
    match store
        .create_user(new_user(email, Role::Applicant), now())
        .await
    {
        Ok(u) => u.id,
        Err(e) => panic!("fixture user: {e}"),
    }
}

macro_rules! contract {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let store = persistence::testdb::sqlite_memory().await.unwrap_or_else(|e| panic!("sqlite: {e}"));
                    super::$name(store).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(url) = persistence::testdb::postgres_url() else {
                        assert!(std::env::var("CI").is_err(), "CI must set {}", persistence::testdb::ENV);
                        eprintln!("skipped: {} is not set", persistence::testdb::ENV);
                        return;
                    };
                    let store = persistence::testdb::postgres(&url).await.unwrap_or_else(|e| panic!("postgres: {e}"));
                    super::$name(store).await;
                }
            )+
        }
    };
}

contract!(
    duplicate_email_is_a_conflict,
    profile_change_keeps_absent_fields,
    users_are_listed_in_pages,
    refresh_token_rotates_once_and_reuse_revokes_the_family,
    expired_refresh_token_is_refused,
    logout_revokes_the_family,
    creator_becomes_owner_and_outsiders_see_nothing,
    duplicate_bin_is_a_conflict,
    stale_version_is_a_conflict,
    members_are_added_once_and_the_last_owner_stays,
);

async fn duplicate_email_is_a_conflict(store: Store) {
    user(&store, "a@mail.kz").await;
    let again = store
        .create_user(new_user("a@mail.kz", Role::Reviewer), now())
        .await;
    assert!(
        matches!(again, Err(RepoError::Conflict("email"))),
        "{again:?}"
    );
}

async fn profile_change_keeps_absent_fields(store: Store) {
    let id = user(&store, "a@mail.kz").await;
    let change = ProfileChange {
        name: None,
        language: Some(Language::En),
    };
    let updated = store
        .update_profile(id, change, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (updated.name.as_str(), updated.language),
        ("Айгерім", Language::En)
    );
    let missing = store
        .update_profile(uuid::Uuid::now_v7(), ProfileChange::default(), now())
        .await;
    assert!(matches!(missing, Err(RepoError::NotFound)));
}

async fn users_are_listed_in_pages(store: Store) {
    for i in 0..5 {
        user(&store, &format!("u{i}@mail.kz")).await;
    }
    store
        .create_user(new_user("expert@mail.kz", Role::Reviewer), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let first = store
        .list_users(None, None, 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.items.len(), 4);
    let second = store
        .list_users(None, first.next, 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.items.len(), 2);
    assert_eq!(second.next, None);
    let emails: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|u| u.email.clone())
        .collect();
    assert_eq!(emails.first().map(String::as_str), Some("u0@mail.kz"));
    assert_eq!(emails.last().map(String::as_str), Some("expert@mail.kz"));
    let reviewers = store
        .list_users(Some(Role::Reviewer), None, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reviewers.items.len(), 1);
}

async fn refresh_token_rotates_once_and_reuse_revokes_the_family(store: Store) {
    let id = user(&store, "a@mail.kz").await;
    let later = now() + Duration::days(30);
    store
        .start_token_family(id, "h1".into(), later, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rotated = store
        .rotate_refresh_token("h1", "h2".into(), later, now())
        .await;
    assert!(
        matches!(rotated, Ok(RotateOutcome::Rotated(ref u)) if u.id == id),
        "{rotated:?}"
    );
    // Presenting h1 again is reuse: refused, and h2 dies with it.
    let reused = store
        .rotate_refresh_token("h1", "h3".into(), later, now())
        .await;
    assert!(matches!(reused, Ok(RotateOutcome::Reused)), "{reused:?}");
    let after = store
        .rotate_refresh_token("h2", "h4".into(), later, now())
        .await;
    assert!(matches!(after, Ok(RotateOutcome::Reused)), "{after:?}");
    let unknown = store
        .rotate_refresh_token("nope", "h5".into(), later, now())
        .await;
    assert!(matches!(unknown, Ok(RotateOutcome::Unknown)), "{unknown:?}");
}

async fn expired_refresh_token_is_refused(store: Store) {
    let id = user(&store, "a@mail.kz").await;
    store
        .start_token_family(id, "h1".into(), now(), now() - Duration::days(1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = store
        .rotate_refresh_token("h1", "h2".into(), now() + Duration::days(1), now())
        .await;
    assert!(matches!(outcome, Ok(RotateOutcome::Expired)), "{outcome:?}");
}

async fn logout_revokes_the_family(store: Store) {
    let id = user(&store, "a@mail.kz").await;
    let other = user(&store, "b@mail.kz").await;
    let later = now() + Duration::days(30);
    store
        .start_token_family(id, "h1".into(), later, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Another account cannot revoke it.
    store
        .revoke_token_family(other, "h1", now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .revoke_token_family(id, "h1", now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = store
        .rotate_refresh_token("h1", "h2".into(), later, now())
        .await;
    assert!(matches!(outcome, Ok(RotateOutcome::Reused)), "{outcome:?}");
}

async fn creator_becomes_owner_and_outsiders_see_nothing(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    let outsider = user(&store, "b@mail.kz").await;
    let org = store
        .create_organization(owner, profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (found, role) = store
        .organization_for_member(org.id, owner)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (found.profile.name.as_str(), role, found.version),
        ("Ақ ниет", MemberRole::Owner, 1)
    );
    assert!(matches!(
        store.organization_for_member(org.id, outsider).await,
        Err(RepoError::NotFound)
    ));
    assert_eq!(
        store.organizations_of(owner).await.map(|v| v.len()).ok(),
        Some(1)
    );
    assert_eq!(
        store.organizations_of(outsider).await.map(|v| v.len()).ok(),
        Some(0)
    );
}

async fn duplicate_bin_is_a_conflict(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    store
        .create_organization(owner, profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = store
        .create_organization(owner, profile("040540001230"), now())
        .await;
    assert!(
        matches!(again, Err(RepoError::Conflict("bin"))),
        "{again:?}"
    );
    // The failed attempt left no organisation or membership behind.
    assert_eq!(store.count_organizations().await.ok(), Some(1));
    assert_eq!(
        store.organizations_of(owner).await.map(|v| v.len()).ok(),
        Some(1)
    );
}

async fn stale_version_is_a_conflict(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    let org = store
        .create_organization(owner, profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut changed = org.profile.clone();
    changed.settlement = "Ойыл".to_owned();
    let updated = store
        .update_organization(org.id, changed.clone(), Some(1), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (updated.version, updated.profile.settlement.as_str()),
        (2, "Ойыл")
    );
    let stale = store
        .update_organization(org.id, changed, Some(1), now())
        .await;
    assert!(
        matches!(stale, Err(RepoError::Conflict("version"))),
        "{stale:?}"
    );
    let missing = store
        .update_organization(uuid::Uuid::now_v7(), org.profile, None, now())
        .await;
    assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
}

async fn members_are_added_once_and_the_last_owner_stays(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    let member = user(&store, "b@mail.kz").await;
    let org = store
        .create_organization(owner, profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let added = store
        .add_member(org.id, "b@mail.kz", MemberRole::Member, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(added.user_id, member);
    let twice = store
        .add_member(org.id, "b@mail.kz", MemberRole::Owner, now())
        .await;
    assert!(
        matches!(twice, Err(RepoError::Conflict("member"))),
        "{twice:?}"
    );
    let nobody = store
        .add_member(org.id, "nobody@mail.kz", MemberRole::Member, now())
        .await;
    assert!(matches!(nobody, Err(RepoError::NotFound)), "{nobody:?}");
    let roles: Vec<MemberRole> = store
        .members(org.id)
        .await
        .unwrap_or_default()
        .iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(roles, vec![MemberRole::Owner, MemberRole::Member]);
    let by_member = store.remove_member(org.id, member, owner).await;
    assert!(
        matches!(
            by_member,
            Err(RemoveMemberError::Rule(MembershipError::NotOwner))
        ),
        "{by_member:?}"
    );
    let last_owner = store.remove_member(org.id, owner, owner).await;
    assert!(
        matches!(
            last_owner,
            Err(RemoveMemberError::Rule(MembershipError::LastOwner))
        ),
        "{last_owner:?}"
    );
    store
        .remove_member(org.id, owner, member)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.members(org.id).await.map(|m| m.len()).ok(), Some(1));
}
