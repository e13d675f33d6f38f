//! Self-registration with a confirmed address: an unconfirmed account cannot log in, a new
//! registration of it is kept beside the others (each with its own password) and retires
//! the old nonce, a confirmed address is left alone and its holder told (at most once a
//! day), and each outcome queues its mail in the same transaction. Each test runs on in-memory SQLite and, when `TEST_DATABASE_URL` is set, on
//! PostgreSQL.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::ids::UserId;
use domain::language::Language;
use domain::notification::NotificationKind;
use domain::role::Role;
use persistence::outbox::{AccountMail, Letter, Mail, Undeliverable};
use persistence::records::NewUser;
use persistence::{Clash, Registration, RepoError, Store};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn applicant(email: &str, name: &str, hash: &str) -> NewUser {
    NewUser {
        email: email.to_owned(),
        name: name.to_owned(),
        language: Language::Kk,
        role: Role::Applicant,
        password_hash: hash.to_owned(),
    }
}

async fn register(store: &Store, new: NewUser, nonce: &str, at: DateTime<Utc>) -> Registration {
    store
        .register_applicant(new, nonce.to_owned(), at)
        .await
        .unwrap_or_else(|e| panic!("register: {e}"))
}

/// The one pending registration of `user`.
async fn only_registration(store: &Store, user: UserId) -> Uuid {
    let pending = store
        .pending_registrations(user)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let [only] = pending.as_slice() else {
        panic!("one registration pending: {pending:?}");
    };
    only.id
}

async fn claim(store: &Store, at: DateTime<Utc>) -> Vec<Result<Letter, Undeliverable>> {
    store
        .claim_mail(at, Duration::minutes(5), 100)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"))
}

persistence::on_both_databases!(sqlite, postgres;
    a_new_address_waits_for_its_confirmation,
    registering_again_keeps_each_registration_and_retires_the_old_nonce,
    a_registration_whose_code_lapsed_is_dropped_by_the_next,
    a_confirmed_address_is_left_alone_and_its_holder_told_once_a_day,
    a_confirmation_mail_owed_no_longer_is_cancelled,
    an_operator_confirms_an_address_by_hand,
);

async fn a_new_address_waits_for_its_confirmation(store: Store) {
    let Registration::Created(user) = register(
        &store,
        applicant("aigul@mail.kz", "Айгүл", "hash-1"),
        "nonce-1",
        now(),
    )
    .await
    else {
        panic!("a new address makes a new account");
    };
    assert_eq!(user.role, Role::Applicant);
    assert!(
        matches!(
            store.find_credentials("aigul@mail.kz").await,
            Err(RepoError::NotFound)
        ),
        "an unconfirmed account cannot log in"
    );
    let pending = store.pending_verification(user.id).await;
    assert_eq!(pending.ok(), Some(("nonce-1".to_owned(), now())));
    let letters = claim(&store, now()).await;
    assert_eq!(letters.len(), 1);
    let Some(Ok(letter)) = letters.first() else {
        panic!("the confirmation mail is deliverable: {letters:?}");
    };
    assert_eq!(letter.recipient.email, "aigul@mail.kz");
    let Mail::Account(AccountMail::VerifyEmail {
        code: verification,
        repeated: false,
    }) = &letter.mail
    else {
        panic!(
            "a confirmation mail of a first registration: {:?}",
            letter.mail
        );
    };
    assert_eq!(
        (verification.user_id, verification.nonce.as_str()),
        (user.id, "nonce-1")
    );

    let registration = only_registration(&store, user.id).await;
    assert!(matches!(
        store
            .confirm_registration(user.id, "nonce-2", registration, now())
            .await,
        Err(RepoError::NotFound)
    ));
    let later = now() + Duration::hours(1);
    let confirmed = store
        .confirm_registration(user.id, "nonce-1", registration, later)
        .await;
    assert_eq!(confirmed.map(|u| u.id).ok(), Some(user.id));
    let (found, hash) = store
        .find_credentials("aigul@mail.kz")
        .await
        .unwrap_or_else(|e| panic!("a confirmed account logs in: {e}"));
    assert_eq!((found.id, hash.as_str()), (user.id, "hash-1"));
    assert!(
        matches!(
            store
                .confirm_registration(user.id, "nonce-1", registration, later)
                .await,
            Err(RepoError::NotFound)
        ),
        "a code works once"
    );
    assert!(matches!(
        store.pending_verification(user.id).await,
        Err(RepoError::NotFound)
    ));
}

async fn registering_again_keeps_each_registration_and_retires_the_old_nonce(store: Store) {
    let Registration::Created(first) = register(
        &store,
        applicant("asel@mail.kz", "Әсел", "hash-1"),
        "nonce-1",
        now(),
    )
    .await
    else {
        panic!("a new address makes a new account");
    };
    let again = now() + Duration::hours(2);
    let Registration::Pending(pending) = register(
        &store,
        applicant("asel@mail.kz", "Someone else", "hash-2"),
        "nonce-2",
        again,
    )
    .await
    else {
        panic!("an unconfirmed address gains a registration");
    };
    assert_eq!(pending.id, first.id);
    assert_eq!(
        pending.name, "Әсел",
        "the account's details are not replaced"
    );
    let registrations = store
        .pending_registrations(first.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hashes: Vec<&str> = registrations
        .iter()
        .map(|r| r.password_hash.as_str())
        .collect();
    assert_eq!(hashes, ["hash-1", "hash-2"]);
    // Both mails, sent now, carry the latest code and say the address was registered twice.
    let letters = claim(&store, again).await;
    assert_eq!(letters.len(), 2, "{letters:?}");
    for letter in &letters {
        let Ok(Letter {
            mail:
                Mail::Account(AccountMail::VerifyEmail {
                    code,
                    repeated: true,
                }),
            ..
        }) = letter
        else {
            panic!("a confirmation mail of a repeated registration: {letter:?}");
        };
        assert_eq!(code.nonce, "nonce-2");
    }
    let original = registrations[0].id;
    assert!(matches!(
        store
            .confirm_registration(first.id, "nonce-1", original, again)
            .await,
        Err(RepoError::NotFound)
    ));
    let confirmed = store
        .confirm_registration(first.id, "nonce-2", original, again)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(confirmed.name, "Әсел");
    let (_, hash) = store
        .find_credentials("asel@mail.kz")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hash, "hash-1", "the chosen registration's password holds");
    assert_eq!(
        store
            .pending_registrations(first.id)
            .await
            .map(|p| p.len())
            .ok(),
        Some(0),
        "the other registration is dropped"
    );
}

async fn a_registration_whose_code_lapsed_is_dropped_by_the_next(store: Store) {
    let Registration::Created(first) = register(
        &store,
        applicant("bota@mail.kz", "Бота", "hash-1"),
        "nonce-1",
        now(),
    )
    .await
    else {
        panic!("a new address makes a new account");
    };
    register(
        &store,
        applicant("bota@mail.kz", "Бота", "hash-2"),
        "nonce-2",
        now() + Duration::hours(72),
    )
    .await;
    let pending = store
        .pending_registrations(first.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hashes: Vec<&str> = pending.iter().map(|r| r.password_hash.as_str()).collect();
    assert_eq!(hashes, ["hash-2"]);
}

async fn a_confirmed_address_is_left_alone_and_its_holder_told_once_a_day(store: Store) {
    let owner = store
        .create_user(applicant("dana@mail.kz", "Дана", "owner-hash"), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for hours in [0, 1, 23] {
        let outcome = register(
            &store,
            applicant("dana@mail.kz", "Someone else", "other-hash"),
            "nonce",
            now() + Duration::hours(hours),
        )
        .await;
        assert!(matches!(outcome, Registration::Exists(ref u) if u.id == owner.id));
    }
    let (user, hash) = store
        .find_credentials("dana@mail.kz")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((user.name.as_str(), hash.as_str()), ("Дана", "owner-hash"));
    assert_eq!(
        account_exists_mails(&store).await,
        1,
        "three attempts within a day tell the holder once"
    );
    register(
        &store,
        applicant("dana@mail.kz", "Someone else", "other-hash"),
        "nonce",
        now() + Duration::hours(24) + Duration::seconds(1),
    )
    .await;
    assert_eq!(
        account_exists_mails(&store).await,
        2,
        "and again after a day"
    );
}

async fn account_exists_mails(store: &Store) -> usize {
    store
        .list_outbox(None, None, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .items
        .iter()
        .filter(|row| row.kind == NotificationKind::AccountExists)
        .count()
}

async fn a_confirmation_mail_owed_no_longer_is_cancelled(store: Store) {
    let Registration::Created(user) = register(
        &store,
        applicant("erlan@mail.kz", "Ерлан", "hash"),
        "nonce",
        now(),
    )
    .await
    else {
        panic!("a new address makes a new account");
    };
    let registration = only_registration(&store, user.id).await;
    assert!(
        store
            .confirm_registration(user.id, "nonce", registration, now())
            .await
            .is_ok()
    );
    let letters = claim(&store, now()).await;
    assert!(
        matches!(letters.as_slice(), [Err(u)] if !u.owed),
        "{letters:?}"
    );
}

async fn an_operator_confirms_an_address_by_hand(store: Store) {
    register(
        &store,
        applicant("gulnar@mail.kz", "Гүлнар", "hash"),
        "nonce",
        now(),
    )
    .await;
    assert!(matches!(
        store.confirm_address("nobody@mail.kz", now()).await,
        Err(RepoError::NotFound)
    ));
    let confirmed = store.confirm_address("gulnar@mail.kz", now()).await;
    assert_eq!(
        confirmed.map(|u| u.email).ok().as_deref(),
        Some("gulnar@mail.kz")
    );
    assert!(store.find_credentials("gulnar@mail.kz").await.is_ok());
    assert!(
        matches!(
            store.confirm_address("gulnar@mail.kz", now()).await,
            Err(RepoError::NotFound)
        ),
        "only an unconfirmed address is confirmed"
    );
    // Registered twice: only the holder can say which registration is theirs.
    for hash in ["hash-1", "hash-2"] {
        register(
            &store,
            applicant("zarina@mail.kz", "Зарина", hash),
            "nonce",
            now(),
        )
        .await;
    }
    assert!(matches!(
        store.confirm_address("zarina@mail.kz", now()).await,
        Err(RepoError::Conflict(Clash::SeveralRegistrations))
    ));
    assert!(store.find_credentials("zarina@mail.kz").await.is_err());
}
