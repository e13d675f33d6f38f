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
        Ok(u) => u.id.uuid(),
        Err(e) => panic!("fixture user: {e}"),
    }
}

macro_rules! contract {
    ($($name:ident),+ $(,)?) => { persistence::on_both_databases!(sqlite, postgres; $($name),+); };
}

macro_rules! contract_more {
    ($($name:ident),+ $(,)?) => { persistence::on_both_databases!(sqlite_calls, postgres_calls; $($name),+); };
}

contract!(
    duplicate_email_is_a_conflict,
    profile_change_keeps_absent_fields,
    users_are_listed_in_pages,
    refresh_token_rotates_once_and_reuse_revokes_the_family,
    expired_refresh_token_is_refused,
    a_cookie_session_lives_until_it_ends_or_expires,
    a_form_token_acts_once_and_a_repeat_finds_the_answer,
    a_parked_form_comes_back_once_to_its_page_within_a_day,
    logout_revokes_the_family,
    creator_becomes_owner_and_outsiders_see_nothing,
    only_a_verified_bin_is_unique,
    stale_version_is_a_conflict,
    members_are_added_once_and_the_last_owner_stays,
    rate_limits_count_per_key_and_window,
);

async fn duplicate_email_is_a_conflict(store: Store) {
    user(&store, "a@mail.kz").await;
    let again = store
        .create_user(new_user("a@mail.kz", Role::Reviewer), now())
        .await;
    assert!(
        matches!(again, Err(RepoError::Conflict(persistence::Clash::Email))),
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
        .update_profile(id.into(), change, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (updated.name.as_str(), updated.language),
        ("Айгерім", Language::En)
    );
    let missing = store
        .update_profile(
            (uuid::Uuid::now_v7()).into(),
            ProfileChange::default(),
            now(),
        )
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
        .start_token_family(id.into(), "h1".into(), later, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rotated = store
        .rotate_refresh_token("h1", "h2".into(), later, now())
        .await;
    assert!(
        matches!(rotated, Ok(RotateOutcome::Rotated(ref u, _)) if u.id == id.into()),
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
        .start_token_family(id.into(), "h1".into(), now(), now() - Duration::days(1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = store
        .rotate_refresh_token("h1", "h2".into(), now() + Duration::days(1), now())
        .await;
    assert!(matches!(outcome, Ok(RotateOutcome::Expired)), "{outcome:?}");
}

async fn a_cookie_session_lives_until_it_ends_or_expires(store: Store) {
    let id = user(&store, "a@mail.kz").await;
    let ends = now() + Duration::days(30);
    let family = store
        .start_token_family(id.into(), "c1".into(), ends, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let found = |store: Store, at| async move {
        store
            .cookie_session("c1", at)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|(user, session, expires)| (user.id, session, expires))
    };
    assert_eq!(
        found(store.clone(), now()).await,
        Some((id.into(), family, ends))
    );
    assert_eq!(found(store.clone(), ends).await, None, "expired");
    let longer = ends + Duration::days(5);
    store
        .extend_cookie_session("c1", longer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        found(store.clone(), ends).await,
        Some((id.into(), family, longer))
    );
    assert_eq!(
        store
            .cookie_session("unknown", now())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None
    );
    store
        .end_session(id.into(), family, None, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found(store.clone(), now()).await, None, "logged out");
    // An ended sign-in is not brought back by extending it.
    store
        .extend_cookie_session("c1", longer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found(store, now()).await, None);
}

async fn a_form_token_acts_once_and_a_repeat_finds_the_answer(store: Store) {
    use persistence::forms::FormClaim;
    let claim = |store: Store, token: &'static str, at| async move {
        store
            .claim_form(token, at)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(claim(store.clone(), "t1", now()).await, FormClaim::First);
    assert_eq!(claim(store.clone(), "t1", now()).await, FormClaim::Pending);
    store
        .answer_form("t1", "/organizations/1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        claim(store.clone(), "t1", now()).await,
        FormClaim::Answered("/organizations/1".to_owned())
    );
    // An answered token is never released or lapsed.
    store
        .release_form("t1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let later = now() + Duration::hours(2);
    assert!(matches!(
        claim(store.clone(), "t1", later).await,
        FormClaim::Answered(_)
    ));
    // A refused form can be sent again; so can one whose first post was abandoned.
    assert_eq!(claim(store.clone(), "t2", now()).await, FormClaim::First);
    store
        .release_form("t2")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claim(store.clone(), "t2", now()).await, FormClaim::First);
    assert_eq!(claim(store.clone(), "t2", later).await, FormClaim::First);
    let purged = store
        .purge_form_tokens(later)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        purged, 1,
        "t1 is older than the cutoff; t2 was claimed again at it"
    );
    assert_eq!(claim(store, "t1", later).await, FormClaim::First);
}

async fn a_parked_form_comes_back_once_to_its_page_within_a_day(store: Store) {
    let park = |store: Store, token: &'static str| async move {
        store
            .park_form(token, "/applications/1/edit", "{\"title\":\"x\"}", now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    };
    let take = |store: Store, token: &'static str, path: &'static str, at| async move {
        store
            .take_parked_form(token, path, at)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    park(store.clone(), "p1").await;
    assert_eq!(take(store.clone(), "p1", "/elsewhere", now()).await, None);
    assert_eq!(
        take(store.clone(), "p1", "/applications/1/edit", now()).await,
        Some("{\"title\":\"x\"}".to_owned())
    );
    assert_eq!(
        take(store.clone(), "p1", "/applications/1/edit", now()).await,
        None
    );
    park(store.clone(), "p2").await;
    let later = now() + Duration::hours(25);
    assert_eq!(
        take(store.clone(), "p2", "/applications/1/edit", later).await,
        None
    );
    park(store.clone(), "p3").await;
    let purged = store
        .purge_parked_forms(later)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(purged, 1);
}

async fn logout_revokes_the_family(store: Store) {
    let id = user(&store, "a@mail.kz").await;
    let other = user(&store, "b@mail.kz").await;
    let later = now() + Duration::days(30);
    let family = store
        .start_token_family(id.into(), "h1".into(), later, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let open = |store: Store| async move {
        store
            .session_open(family)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert!(open(store.clone()).await);
    // Another account cannot revoke it.
    store
        .revoke_token_family(other.into(), "h1", now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(open(store.clone()).await);
    store
        .revoke_token_family(id.into(), "h1", now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !open(store.clone()).await,
        "a logged-out session stays open"
    );
    let outcome = store
        .rotate_refresh_token("h1", "h2".into(), later, now())
        .await;
    assert!(matches!(outcome, Ok(RotateOutcome::Reused)), "{outcome:?}");
}

async fn creator_becomes_owner_and_outsiders_see_nothing(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    let outsider = user(&store, "b@mail.kz").await;
    let org = store
        .create_organization(owner.into(), profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (found, role) = store
        .organization_for_member(org.id, owner.into())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (found.profile.name.as_str(), role, found.version),
        ("Ақ ниет", MemberRole::Owner, 1)
    );
    assert!(matches!(
        store.organization_for_member(org.id, outsider.into()).await,
        Err(RepoError::NotFound)
    ));
    assert_eq!(
        store
            .organizations_of(owner.into())
            .await
            .map(|v| v.len())
            .ok(),
        Some(1)
    );
    assert_eq!(
        store
            .organizations_of(outsider.into())
            .await
            .map(|v| v.len())
            .ok(),
        Some(0)
    );
}

async fn verify(
    store: &Store,
    org: domain::ids::OrganizationId,
    officer: uuid::Uuid,
) -> Result<persistence::records::Organization, RepoError> {
    let tx = store.begin().await?;
    let verified = tx
        .verify_organization(org, officer.into(), "Registry".to_owned(), now())
        .await?;
    tx.commit().await?;
    Ok(verified)
}

async fn only_a_verified_bin_is_unique(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    let squatter = user(&store, "b@mail.kz").await;
    let officer = user(&store, "officer@mail.kz").await;
    let real = store
        .create_organization(owner.into(), profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let claim = store
        .create_organization(squatter.into(), profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.count_organizations().await.ok(), Some(2));
    let verified = verify(&store, real.id, officer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let verification = verified.verification.clone();
    assert_eq!(
        verification.map(|v| (v.by, v.note)),
        Some((officer.into(), "Registry".to_owned()))
    );
    assert_eq!(verified.version, 2);
    let taken = verify(&store, claim.id, officer).await;
    assert!(
        matches!(taken, Err(RepoError::Conflict(persistence::Clash::Bin))),
        "{taken:?}"
    );
    let again = verify(&store, real.id, officer).await;
    assert!(
        matches!(
            again,
            Err(RepoError::Conflict(persistence::Clash::Verified))
        ),
        "{again:?}"
    );
    let missing = verify(&store, uuid::Uuid::now_v7().into(), officer).await;
    assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
    // Clearing the verification frees the BIN for the other claim.
    let mut renamed = verified.profile.clone();
    renamed.name = "Another name".to_owned();
    let cleared = store
        .update_organization(real.id, renamed, Some(2), true, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((cleared.verification, cleared.version), (None, 3));
    assert!(verify(&store, claim.id, officer).await.is_ok());
    let unverified = store
        .list_organizations(Some(false), None, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        unverified.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![real.id]
    );
}

async fn stale_version_is_a_conflict(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    let org = store
        .create_organization(owner.into(), profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut changed = org.profile.clone();
    changed.settlement = "Ойыл".to_owned();
    let updated = store
        .update_organization(org.id, changed.clone(), Some(1), false, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (updated.version, updated.profile.settlement.as_str()),
        (2, "Ойыл")
    );
    let stale = store
        .update_organization(org.id, changed, Some(1), false, now())
        .await;
    assert!(
        matches!(stale, Err(RepoError::Conflict(persistence::Clash::Version))),
        "{stale:?}"
    );
    let missing = store
        .update_organization(
            (uuid::Uuid::now_v7()).into(),
            org.profile,
            None,
            false,
            now(),
        )
        .await;
    assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
}

async fn members_are_added_once_and_the_last_owner_stays(store: Store) {
    let owner = user(&store, "a@mail.kz").await;
    let member = user(&store, "b@mail.kz").await;
    let org = store
        .create_organization(owner.into(), profile("040540001230"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let added = store
        .add_member(org.id, "b@mail.kz", MemberRole::Member, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(added.user_id, member.into());
    let twice = store
        .add_member(org.id, "b@mail.kz", MemberRole::Owner, now())
        .await;
    assert!(
        matches!(twice, Err(RepoError::Conflict(persistence::Clash::Member))),
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
    let by_member = store
        .remove_member(org.id, member.into(), owner.into())
        .await;
    assert!(
        matches!(
            by_member,
            Err(RemoveMemberError::Rule(MembershipError::NotOwner))
        ),
        "{by_member:?}"
    );
    let last_owner = store
        .remove_member(org.id, owner.into(), owner.into())
        .await;
    assert!(
        matches!(
            last_owner,
            Err(RemoveMemberError::Rule(MembershipError::LastOwner))
        ),
        "{last_owner:?}"
    );
    store
        .remove_member(org.id, owner.into(), member.into())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.members(org.id).await.map(|m| m.len()).ok(), Some(1));
}

mod calls_and_applications {
    use chrono::Duration;
    use domain::application::{ApplicationContent, ContentInput};
    use domain::call::{
        CallInput, CallPhase, CallSpec, CallState, CallTextInput, CriterionInput,
        CriterionTextInput, EligibilityInput, TranslationsInput,
    };
    use domain::event::{Event, Transition};
    use domain::region::Region;
    use domain::status::ApplicationStatus;
    use domain::transition::{Actor, CommandKind};
    use persistence::applications::{
        ActedBy, ApplicationFilter, ApplicationSort, Frozen, Position,
    };
    use persistence::calls::CallFilter;
    use persistence::idempotency::{KeyClaim, Stored, StoredResponse};
    use persistence::{RepoError, Store};

    use super::{now, profile, user};

    fn first_page() -> Position {
        Position::Page {
            sort: ApplicationSort::default(),
            page: 1,
        }
    }

    pub(super) fn spec() -> CallSpec {
        let input = CallInput {
            title: Some("Ауыл".into()),
            description: Some("Гранты".into()),
            priority_areas: Some(vec!["ecology".into(), "public_health".into()]),
            budget: Some("1000000".into()),
            min_grant: Some("1000".into()),
            max_grant: Some("500000.50".into()),
            cofinancing_share: Some("0.25".into()),
            opens_at: Some(now() - Duration::days(1)),
            closes_at: Some(now() + Duration::days(10)),
            eligibility: Some(EligibilityInput {
                rural_only: Some(true),
                min_years_registered: Some(2),
                regions: Some(vec!["aktobe".into(), "abai".into()]),
                requires_verified_organization: Some(true),
            }),
            rubric: Some(vec![CriterionInput {
                key: Some("impact".into()),
                title: Some("Impact".into()),
                max_score: Some(10),
                weight: Some(3),
                guidance: Some("Does the village change?\nLook at the numbers.".into()),
            }]),
            reviewers_per_application: Some(3),
            fundable_min_score: Some(60),
            disagreement_spread: Some(20),
            aggregation: Some("median".into()),
            hide_applicant_identity: Some(true),
            translations: Some(TranslationsInput {
                kk: Some(CallTextInput {
                    title: Some("Ауыл".into()),
                    description: None,
                    rubric: Some(
                        [(
                            "impact".to_owned(),
                            CriterionTextInput {
                                title: Some("Әсері".into()),
                                guidance: Some("Ауыл өзгере ме?".into()),
                            },
                        )]
                        .into(),
                    ),
                }),
                ..TranslationsInput::default()
            }),
        };
        CallSpec::create(input).unwrap_or_else(|e| panic!("fixture call: {e}"))
    }

    fn event(from: ApplicationStatus, to: ApplicationStatus, command: CommandKind) -> Transition {
        let facts = Event::from_parts(command, Some("why".to_owned()), Some(now()), None);
        Transition {
            event: facts.unwrap_or_else(|e| panic!("{e}")),
            from,
            to,
            at: now(),
        }
    }

    pub(super) async fn a_call_round_trips_exactly(store: Store) {
        let officer = user(&store, "officer@grants.kz").await;
        let created = store
            .create_call(&spec(), officer.into(), now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let read = store
            .get_call(created.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.spec, spec());
        assert_eq!((read.state, read.version), (CallState::Draft, 1));
        assert_eq!(read.spec.max_grant.to_string(), "500000.50");
    }

    pub(super) async fn calls_are_listed_by_region(store: Store) {
        let officer = user(&store, "officer@grants.kz").await;
        // spec() is for Aktobe and Abai organisations; the other call is for every region.
        let mut everywhere = spec();
        everywhere.eligibility.regions.clear();
        let mut city = spec();
        city.eligibility.regions = vec![Region::AlmatyCity];
        let mut ids = Vec::new();
        for spec in [spec(), everywhere, city] {
            let call = store
                .create_call(&spec, officer.into(), now())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            store
                .set_call_state(call.id, CallState::Published, 1, now())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            ids.push(call.id);
        }
        let listed = |region: Option<Region>| {
            let store = store.clone();
            async move {
                let filter = CallFilter {
                    phases: vec![CallPhase::Open],
                    priority_area: None,
                    region,
                };
                let mut found: Vec<_> = store
                    .list_calls(&filter, now(), 1, 10)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
                    .items
                    .iter()
                    .map(|c| c.id)
                    .collect();
                found.sort_by_key(|id| id.uuid());
                found
            }
        };
        let mut all = ids.clone();
        all.sort_by_key(|id| id.uuid());
        assert_eq!(listed(None).await, all);
        assert_eq!(listed(Some(Region::Abai)).await, ids[..2].to_vec());
        assert_eq!(listed(Some(Region::Aktobe)).await, ids[..2].to_vec());
        assert_eq!(listed(Some(Region::Atyrau)).await, vec![ids[1]]);
        // One code is never taken for another that begins with it.
        assert_eq!(listed(Some(Region::Almaty)).await, vec![ids[1]]);
        assert_eq!(listed(Some(Region::AlmatyCity)).await, vec![ids[1], ids[2]]);
    }

    pub(super) async fn calls_are_listed_by_phase_and_versions_guard_changes(store: Store) {
        let officer = user(&store, "officer@grants.kz").await;
        let draft = store
            .create_call(&spec(), officer.into(), now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let open = store
            .create_call(&spec(), officer.into(), now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .set_call_state(open.id, CallState::Published, 1, now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let stale = store
            .set_call_state(open.id, CallState::Closed, 1, now())
            .await;
        assert!(
            matches!(stale, Err(RepoError::Conflict(persistence::Clash::Version))),
            "{stale:?}"
        );
        let listed = |phases: Vec<CallPhase>, at| {
            let store = store.clone();
            async move {
                let filter = CallFilter {
                    phases,
                    priority_area: None,
                    region: None,
                };
                store
                    .list_calls(&filter, at, 1, 10)
                    .await
                    .map(|p| p.items.iter().map(|c| c.id).collect::<Vec<_>>())
            }
        };
        assert_eq!(
            listed(vec![CallPhase::Open], now()).await.ok(),
            Some(vec![open.id])
        );
        assert_eq!(
            listed(vec![CallPhase::Draft], now()).await.ok(),
            Some(vec![draft.id])
        );
        // Past the closing instant the published call is closed without any write.
        let later = now() + Duration::days(10);
        assert_eq!(
            listed(vec![CallPhase::Open], later).await.ok(),
            Some(vec![])
        );
        assert_eq!(
            listed(vec![CallPhase::Closed], later).await.ok(),
            Some(vec![open.id])
        );
        // A published call is no longer editable.
        let edit = store.update_call(open.id, &spec(), 2, now()).await;
        assert!(
            matches!(edit, Err(RepoError::Conflict(persistence::Clash::Version))),
            "{edit:?}"
        );
        let edited = store
            .update_call(draft.id, &spec(), 1, now())
            .await
            .map(|c| c.version);
        assert_eq!(edited.ok(), Some(2));
    }

    pub(super) async fn a_transition_writes_status_and_event_together(store: Store) {
        let member = user(&store, "a@mail.kz").await;
        let officer = user(&store, "officer@grants.kz").await;
        let org = store
            .create_organization(member.into(), profile("040540001230"), now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let call = store
            .create_call(&spec(), officer.into(), now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let content = ApplicationContent::default()
            .merge(ContentInput {
                title: Some("Су".into()),
                ..ContentInput::default()
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let app = store
            .create_application(
                call.id,
                org.id,
                Region::Aktobe,
                member.into(),
                &content,
                now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let by = ActedBy {
            user: Some(member.into()),
            actor: Actor::Member,
        };
        let frozen = Frozen {
            canonical: "{}".into(),
            receipt: "ab".repeat(32),
        };
        let submit = event(
            ApplicationStatus::Draft,
            ApplicationStatus::Submitted,
            CommandKind::Submit,
        );
        let done = store
            .record_transition(app.id, 1, &submit, by, Some(frozen))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (done.status, done.version, done.submitted_at),
            (ApplicationStatus::Submitted, 2, Some(now()))
        );
        assert_eq!(done.receipt_sha256.as_deref().map(str::len), Some(64));
        // The loser of a race (same expected version) writes nothing.
        let withdraw = event(
            ApplicationStatus::Draft,
            ApplicationStatus::Withdrawn,
            CommandKind::Withdraw,
        );
        let lost = store
            .record_transition(app.id, 1, &withdraw, by, None)
            .await;
        assert!(
            matches!(lost, Err(RepoError::Conflict(persistence::Clash::Version))),
            "{lost:?}"
        );
        let history = store
            .history(app.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(history.len(), 1);
        assert_eq!(
            (history[0].seq, history[0].event.command(), history[0].actor),
            (1, CommandKind::Submit, Actor::Member)
        );
        // A frozen application's content cannot be replaced.
        let edit = store.update_content(app.id, &content, 2, now()).await;
        assert!(
            matches!(edit, Err(RepoError::Conflict(persistence::Clash::Version))),
            "{edit:?}"
        );
        let missing = store
            .record_transition((uuid::Uuid::now_v7()).into(), 1, &submit, by, None)
            .await;
        assert!(matches!(missing, Err(RepoError::NotFound)), "{missing:?}");
        // Members' lists are their organisations' only.
        let outsider = user(&store, "b@mail.kz").await;
        let filter = |member| ApplicationFilter {
            member: Some(member),
            ..ApplicationFilter::default()
        };
        let mine = store
            .list_applications(&filter(member.into()), &first_page(), 10, None)
            .await;
        assert_eq!(mine.map(|p| p.items.len()).ok(), Some(1));
        let theirs = store
            .list_applications(&filter(outsider.into()), &first_page(), 10, None)
            .await;
        assert_eq!(theirs.map(|p| p.items.len()).ok(), Some(0));
        assert_eq!(
            store.awarded_total(call.id).await.map(|m| m.minor()).ok(),
            Some(0)
        );
    }

    pub(super) async fn idempotency_keys_settle_retries(store: Store) {
        let account = user(&store, "a@mail.kz").await;
        let claim = |key: &str, hash: &str, at| KeyClaim {
            user: account.into(),
            key: key.to_owned(),
            request_hash: hash.to_owned(),
            now: at,
        };
        let response = StoredResponse {
            status: 201,
            content_type: Some("application/json".into()),
            headers: vec![("etag".into(), "\"1\"".into())],
            body: "{\"id\":1}".into(),
        };
        let stored = |c: KeyClaim| {
            let store = store.clone();
            async move {
                store
                    .stored_answer(&c)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        // A transaction that claims a key and never commits (a crash) leaves nothing.
        let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.claim_key(&claim("k1", "h", now()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        drop(tx);
        assert_eq!(stored(claim("k1", "h", now())).await, None);
        // Claimed and answered in one commit: the answer is stored with it.
        let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.claim_key(&claim("k1", "h", now()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.answer_key(&claim("k1", "h", now()), response.clone())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            stored(claim("k1", "h", now())).await,
            Some(Stored::Answer(response.clone()))
        );
        assert_eq!(
            stored(claim("k1", "other", now())).await,
            Some(Stored::Mismatch)
        );
        // The key is taken for any later transaction.
        let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let again = tx.claim_key(&claim("k1", "h", now())).await;
        assert!(matches!(again, Err(RepoError::Conflict(_))), "{again:?}");
        drop(tx);
        // After a day the key is forgotten and can be claimed afresh.
        let later = now() + Duration::hours(24);
        assert_eq!(stored(claim("k1", "h", later)).await, None);
        let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.claim_key(&claim("k1", "other", later))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.answer_key(&claim("k1", "other", later), response)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store
                .purge_idempotency_keys(later + Duration::days(2))
                .await
                .ok(),
            Some(1)
        );
    }
}

use calls_and_applications::{
    a_call_round_trips_exactly, a_transition_writes_status_and_event_together,
    calls_are_listed_by_phase_and_versions_guard_changes, calls_are_listed_by_region,
    idempotency_keys_settle_retries,
};

contract_more!(
    a_call_round_trips_exactly,
    calls_are_listed_by_region,
    calls_are_listed_by_phase_and_versions_guard_changes,
    a_transition_writes_status_and_event_together,
    idempotency_keys_settle_retries,
);

async fn rate_limits_count_per_key_and_window(store: Store) {
    let window = Duration::minutes(1);
    for hit in 1..=3 {
        let over = store
            .hit_rate_limit("login:ip:10.0.0.1", now(), window, 3)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(over, None, "hit {hit} is within the limit");
    }
    let later = now() + Duration::seconds(20);
    let over = store
        .hit_rate_limit("login:ip:10.0.0.1", later, window, 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        over,
        Some(Duration::seconds(40)),
        "the fourth waits for the window's end"
    );
    // Another key counts apart.
    let other = store
        .hit_rate_limit("login:ip:10.0.0.2", later, window, 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(other, None);
    // A new window starts afresh.
    let next = store
        .hit_rate_limit("login:ip:10.0.0.1", now() + window, window, 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next, None);
    let purged = store
        .purge_rate_limits(now() + Duration::seconds(30))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        purged, 1,
        "only the 10.0.0.2 window started before the cutoff"
    );
}
