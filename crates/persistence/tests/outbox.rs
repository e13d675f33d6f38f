//! The outbox contract: rows written with their change, claimed once under a lease, marked
//! only by their claim, rescheduled, given up and retried, and reminders queued once. Each
//! test runs on in-memory SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::application::ApplicationContent;
use domain::assignment::AssignmentStatus;
use domain::event::{Event, Transition};
use domain::ids::{ApplicationId, CallId, OrganizationId, UserId};
use domain::language::Language;
use domain::money::Money;
use domain::notification::{DeliveryStatus, NotificationKind};
use domain::region::Region;
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, CommandKind};
use persistence::applications::{ActedBy, Frozen};
use persistence::decisions::{AssignmentChange, Decided, NewAssignment};
use persistence::outbox::{Letter, Mail, News, Undeliverable};
use persistence::{RepoError, Store, fixtures};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

const LEASE: i64 = 5;

fn lease() -> Duration {
    Duration::minutes(LEASE)
}

persistence::on_both_databases!(
    sqlite,
    postgres;
    a_visible_change_writes_one_row_per_member_and_a_hidden_one_none,
    rows_are_claimed_once_until_their_lease_lapses,
    only_the_current_claim_marks_a_row,
    failures_reschedule_then_give_up_and_an_admin_retry_requeues,
    concurrent_claims_never_share_a_row,
    reminders_are_queued_once_inside_the_window,
    mail_no_longer_owed_is_handed_back_as_such,
    a_submission_mail_keeps_its_own_receipt,
    released_rows_are_due_again_and_old_sent_rows_are_purged,
    an_invitation_mail_is_owed_while_the_invitation_waits,
);

struct Fixture {
    owner: UserId,
    reviewer: UserId,
    call: CallId,
    organization: OrganizationId,
}

async fn account(store: &Store, email: &str, role: Role, language: Language) -> UserId {
    store
        .create_user(fixtures::user(email, role, language), now())
        .await
        .unwrap_or_else(|e| panic!("user: {e}"))
        .id
}

async fn fixture(store: &Store) -> Fixture {
    let owner = account(store, "owner@mail.kz", Role::Applicant, Language::Ru).await;
    account(store, "member@mail.kz", Role::Applicant, Language::Kk).await;
    let reviewer = account(store, "expert@grants.kz", Role::Reviewer, Language::En).await;
    let officer = account(store, "officer@grants.kz", Role::Officer, Language::Ru).await;
    let organization = store
        .create_organization(owner, fixtures::organization(now().date_naive()), now())
        .await
        .unwrap_or_else(|e| panic!("organisation: {e}"))
        .id;
    store
        .add_member(
            organization,
            "member@mail.kz",
            domain::organization::MemberRole::Member,
            now(),
        )
        .await
        .unwrap_or_else(|e| panic!("member: {e}"));
    let call = store
        .create_call(&fixtures::call(now()), officer, now())
        .await
        .unwrap_or_else(|e| panic!("call: {e}"))
        .id;
    Fixture {
        owner,
        reviewer,
        call,
        organization,
    }
}

/// A transition by `command` carrying every fact its kind may need.
fn event(command: CommandKind, from: ApplicationStatus, to: ApplicationStatus) -> Transition {
    let facts = Event::from_parts(
        command,
        Some("Бюджетті нақтылаңыз".to_owned()),
        Some(now() + Duration::days(7)),
        Money::from_minor(100_000),
    );
    Transition {
        event: facts.unwrap_or_else(|e| panic!("{e}")),
        from,
        to,
        at: now(),
    }
}

impl Fixture {
    /// A new application moved through `events`; returns its id.
    async fn application(
        &self,
        store: &Store,
        title: &str,
        events: &[Transition],
    ) -> ApplicationId {
        let content = ApplicationContent {
            title: Some(title.to_owned()),
            ..ApplicationContent::default()
        };
        let record = store
            .create_application(
                self.call,
                self.organization,
                Region::Aktobe,
                self.owner,
                &content,
                now(),
            )
            .await
            .unwrap_or_else(|e| panic!("application: {e}"));
        let mut version = record.version;
        for event in events {
            let by = ActedBy {
                user: Some(self.owner),
                actor: Actor::Member,
            };
            // A submission freezes the content under its receipt, as the use case does.
            let frozen =
                matches!(event.event, Event::Submitted | Event::Resubmitted).then(|| Frozen {
                    canonical: "{}".to_owned(),
                    receipt: "cd".repeat(32),
                });
            version = store
                .record_transition(record.id, version, event, by, frozen)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", event.command()))
                .version;
        }
        record.id
    }

    /// An application withdrawn from its draft: one mail to each of the two members.
    async fn withdrawn(&self, store: &Store, title: &str) -> ApplicationId {
        let withdraw = event(
            CommandKind::Withdraw,
            ApplicationStatus::Draft,
            ApplicationStatus::Withdrawn,
        );
        self.application(store, title, &[withdraw]).await
    }
}

async fn claim(store: &Store, at: DateTime<Utc>, limit: u64) -> Vec<Letter> {
    store
        .claim_mail(at, lease(), limit)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"))
        .into_iter()
        .map(|l| l.unwrap_or_else(|u| panic!("undeliverable: {u:?}")))
        .collect()
}

async fn a_visible_change_writes_one_row_per_member_and_a_hidden_one_none(store: Store) {
    let f = fixture(&store).await;
    let id = f.withdrawn(&store, "Ауыл кітапханасы").await;
    let letters = claim(&store, now(), 10).await;
    let recipients: BTreeSet<(ApplicationId, String, &str)> = letters
        .iter()
        .map(|l| {
            (
                l.mail.application().map(|a| a.id).unwrap_or_default(),
                l.recipient.email.clone(),
                l.recipient.language.code(),
            )
        })
        .collect();
    assert_eq!(
        recipients,
        BTreeSet::from([
            (id, "member@mail.kz".to_owned(), "kk"),
            (id, "owner@mail.kz".to_owned(), "ru"),
        ])
    );
    for letter in &letters {
        let Mail::Applicant {
            application,
            organization_name,
            news: News::Withdrawn,
        } = &letter.mail
        else {
            panic!("a withdrawal's mail to its applicants: {:?}", letter.mail);
        };
        assert_eq!(application.title.as_deref(), Some("Ауыл кітапханасы"));
        assert_eq!(organization_name, "Ақ ниет");
        assert_eq!(application.call_title, "Ауыл аманаты");
        assert_eq!(letter.attempts, 1);
    }
    // Submitting, then completing a review the applicant cannot see: one mail per member
    // for the submission, none for the hidden change.
    f.application(
        &store,
        "Жасырын",
        &[
            event(
                CommandKind::Submit,
                ApplicationStatus::Draft,
                ApplicationStatus::Submitted,
            ),
            event(
                CommandKind::StartReview,
                ApplicationStatus::Submitted,
                ApplicationStatus::UnderReview,
            ),
            event(
                CommandKind::CompleteReview,
                ApplicationStatus::UnderReview,
                ApplicationStatus::Reviewed,
            ),
        ],
    )
    .await;
    let kinds: Vec<NotificationKind> = claim(&store, now(), 10)
        .await
        .into_iter()
        .map(|l| l.kind())
        .collect();
    assert_eq!(
        kinds,
        vec![
            NotificationKind::Submitted,
            NotificationKind::Submitted,
            NotificationKind::UnderReview,
            NotificationKind::UnderReview
        ]
    );
}

async fn rows_are_claimed_once_until_their_lease_lapses(store: Store) {
    let f = fixture(&store).await;
    for title in ["Бір", "Екі", "Үш"] {
        f.withdrawn(&store, title).await;
    }
    let first = claim(&store, now(), 4).await;
    let rest = claim(&store, now(), 4).await;
    assert_eq!((first.len(), rest.len()), (4, 2));
    assert!(claim(&store, now(), 4).await.is_empty(), "all six are held");
    // Just before the lease lapses nothing is due; after it, every row is due again.
    assert!(
        claim(&store, now() + lease() - Duration::seconds(1), 10)
            .await
            .is_empty()
    );
    let again = claim(&store, now() + lease(), 10).await;
    assert_eq!(again.len(), 6);
    assert!(again.iter().all(|l| l.attempts == 2));
    let counts = store
        .outbox_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((counts.pending, counts.failed), (6, 0));
}

async fn only_the_current_claim_marks_a_row(store: Store) {
    let f = fixture(&store).await;
    f.withdrawn(&store, "Бір").await;
    let stale = claim(&store, now(), 1).await.remove(0);
    let current = claim(&store, now() + lease(), 10)
        .await
        .into_iter()
        .find(|l| l.id == stale.id)
        .unwrap_or_else(|| panic!("the lapsed row is claimed again"));
    assert_ne!(stale.claim, current.claim);
    let at = now() + lease();
    assert_eq!(
        store.mark_sent(&[stale.id], stale.claim, at).await.ok(),
        Some(0)
    );
    assert!(
        !store
            .mark_attempt_failed(stale.id, stale.claim, at, "late", None)
            .await
            .unwrap_or(true)
    );
    assert_eq!(
        store.mark_sent(&[current.id], current.claim, at).await.ok(),
        Some(1)
    );
    let row = store
        .get_outbox(current.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((row.status, row.sent_at), (DeliveryStatus::Sent, Some(at)));
    assert!(
        claim(&store, at + Duration::days(1), 10)
            .await
            .iter()
            .all(|l| l.id != current.id),
        "a sent row is never claimed again"
    );
}

async fn failures_reschedule_then_give_up_and_an_admin_retry_requeues(store: Store) {
    let f = fixture(&store).await;
    f.withdrawn(&store, "Бір").await;
    let letter = claim(&store, now(), 1).await.remove(0);
    let retry_at = now() + Duration::minutes(1);
    assert!(
        store
            .mark_attempt_failed(letter.id, letter.claim, now(), "451 busy", Some(retry_at))
            .await
            .unwrap_or(false)
    );
    let row = store
        .get_outbox(letter.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (row.status, row.next_attempt_at, row.last_error.as_deref()),
        (DeliveryStatus::Pending, retry_at, Some("451 busy"))
    );
    assert!(
        claim(&store, now() + Duration::seconds(59), 10)
            .await
            .iter()
            .all(|l| l.id != letter.id)
    );
    let second = claim(&store, retry_at, 10)
        .await
        .into_iter()
        .find(|l| l.id == letter.id)
        .unwrap_or_else(|| panic!("due again at its retry instant"));
    assert_eq!(second.attempts, 2);
    store
        .retry_mail(letter.id, retry_at)
        .await
        .map(|_| ())
        .map_err(|e| {
            assert!(
                matches!(e, RepoError::Conflict(persistence::Clash::Status)),
                "{e}"
            )
        })
        .err()
        .unwrap_or_else(|| panic!("only failed mail is retried"));
    let long = "x".repeat(5_000);
    assert!(
        store
            .mark_attempt_failed(second.id, second.claim, retry_at, &long, None)
            .await
            .unwrap_or(false)
    );
    let failed = store
        .list_outbox(Some(DeliveryStatus::Failed), None, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(failed.items.len(), 1);
    assert_eq!(
        failed.items[0]
            .last_error
            .as_ref()
            .map(|e| e.chars().count()),
        Some(1_000),
        "errors are clipped"
    );
    let later = retry_at + Duration::hours(1);
    let requeued = store
        .retry_mail(letter.id, later)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (requeued.status, requeued.attempts, requeued.next_attempt_at),
        (DeliveryStatus::Pending, 0, later)
    );
    assert!(matches!(
        store.retry_mail(Uuid::new_v4(), later).await,
        Err(RepoError::NotFound)
    ));
    assert!(
        claim(&store, later, 10)
            .await
            .iter()
            .any(|l| l.id == letter.id)
    );
}

async fn concurrent_claims_never_share_a_row(store: Store) {
    let f = fixture(&store).await;
    for i in 0..20 {
        f.withdrawn(&store, &format!("Жоба {i}")).await;
    }
    let claims = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { claim(&store, now(), 7).await })
    });
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for handle in claims {
        for letter in handle.await.unwrap_or_else(|e| panic!("{e}")) {
            total += 1;
            seen.insert(letter.id);
        }
    }
    assert_eq!(seen.len(), total, "a row was claimed twice");
    assert_eq!(total, 40, "eight claims of seven cover forty rows");
}

async fn reminders_are_queued_once_inside_the_window(store: Store) {
    let f = fixture(&store).await;
    let id = f
        .application(
            &store,
            "Бір",
            &[event(
                CommandKind::Submit,
                ApplicationStatus::Draft,
                ApplicationStatus::Submitted,
            )],
        )
        .await;
    let due = now() + Duration::hours(72);
    let by = ActedBy {
        user: None,
        actor: Actor::System,
    };
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let new = NewAssignment {
        application_id: id,
        reviewer_id: f.reviewer,
        due_at: Some(due),
    };
    let assigned = tx
        .insert_assignment(f.call, &new, None, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let snap = tx
        .snapshot(f.call, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Decided {
        event: event(
            CommandKind::StartReview,
            ApplicationStatus::Submitted,
            ApplicationStatus::UnderReview,
        ),
        frozen: None,
    };
    tx.record_event(id, snap.application.version, started, by)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let letters = claim(&store, now(), 10).await;
    let assigned_mail: Vec<&Letter> = letters
        .iter()
        .filter(|l| l.kind() == NotificationKind::ReviewerAssigned)
        .collect();
    assert_eq!(assigned_mail.len(), 1);
    assert_eq!(assigned_mail[0].recipient.email, "expert@grants.kz");
    let Mail::Reviewer { assignment, .. } = &assigned_mail[0].mail else {
        panic!("a reviewer's mail: {:?}", assigned_mail[0].mail);
    };
    assert_eq!((assignment.id, assignment.due_at), (assigned.id, Some(due)));

    let reminders = |at| {
        let store = store.clone();
        async move {
            store
                .enqueue_reminders(at)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    assert_eq!(
        reminders(now() + Duration::hours(23)).await,
        0,
        "49 hours before"
    );
    assert_eq!(
        reminders(now() + Duration::hours(25)).await,
        1,
        "47 hours before"
    );
    assert_eq!(reminders(now() + Duration::hours(26)).await, 0, "only once");
    let reminder: Vec<Letter> = claim(&store, now() + Duration::hours(26), 10)
        .await
        .into_iter()
        .filter(|l| l.kind() == NotificationKind::ReviewDueSoon)
        .collect();
    assert_eq!(reminder.len(), 1);
    assert_eq!(
        (reminder[0].kind(), reminder[0].recipient.language),
        (NotificationKind::ReviewDueSoon, Language::En)
    );
}

async fn claim_all(store: &Store, at: DateTime<Utc>) -> Vec<Result<Letter, Undeliverable>> {
    store
        .claim_mail(at, lease(), 100)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"))
}

async fn mail_no_longer_owed_is_handed_back_as_such(store: Store) {
    let f = fixture(&store).await;
    f.withdrawn(&store, "Бір").await;
    // The member leaves before the mail goes out: only the owner's mail is still owed.
    let member = store
        .members(f.organization)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|m| m.email == "member@mail.kz")
        .unwrap_or_else(|| panic!("member"));
    store
        .remove_member(f.organization, f.owner, member.user_id)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let claimed = claim_all(&store, now()).await;
    let owed: Vec<&Letter> = claimed.iter().filter_map(|c| c.as_ref().ok()).collect();
    let unowed: Vec<&Undeliverable> = claimed.iter().filter_map(|c| c.as_ref().err()).collect();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].recipient.email, "owner@mail.kz");
    assert_eq!(unowed.len(), 1);
    assert!(!unowed[0].owed, "{:?}", unowed[0]);
    assert!(
        store
            .mark_cancelled(unowed[0].id, unowed[0].claim, now(), &unowed[0].why)
            .await
            .unwrap_or(false)
    );
    let row = store
        .get_outbox(unowed[0].id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(row.status, DeliveryStatus::Cancelled);
    assert_eq!(
        row.last_error.as_deref(),
        Some("the recipient left the organisation")
    );

    // A declined assignment's mail is not owed either.
    let id = f
        .application(
            &store,
            "Екі",
            &[event(
                CommandKind::Submit,
                ApplicationStatus::Draft,
                ApplicationStatus::Submitted,
            )],
        )
        .await;
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let new = NewAssignment {
        application_id: id,
        reviewer_id: f.reviewer,
        due_at: None,
    };
    let assigned = tx
        .insert_assignment(f.call, &new, None, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    // Declined before the mail went out: it is no longer owed.
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    tx.change_assignment(
        &assigned,
        AssignmentStatus::Declined,
        AssignmentChange::Declined(Some("busy")),
        now(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let later = now() + Duration::minutes(1);
    let reviewer_mail: Vec<Result<Letter, Undeliverable>> = claim_all(&store, later)
        .await
        .into_iter()
        .filter(|c| c.as_ref().err().is_some_and(|u| !u.owed))
        .collect();
    assert_eq!(reviewer_mail.len(), 1, "{reviewer_mail:?}");
}

async fn a_submission_mail_keeps_its_own_receipt(store: Store) {
    let f = fixture(&store).await;
    let content = ApplicationContent {
        title: Some("Бір".to_owned()),
        ..ApplicationContent::default()
    };
    let draft = store
        .create_application(
            f.call,
            f.organization,
            Region::Aktobe,
            f.owner,
            &content,
            now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let by = ActedBy {
        user: Some(f.owner),
        actor: Actor::Member,
    };
    let frozen = |receipt: &str| Frozen {
        canonical: "{}".to_owned(),
        receipt: receipt.repeat(64),
    };
    let steps = [
        (
            event(
                CommandKind::Submit,
                ApplicationStatus::Draft,
                ApplicationStatus::Submitted,
            ),
            Some(frozen("a")),
        ),
        (
            event(
                CommandKind::RequestRevision,
                ApplicationStatus::Submitted,
                ApplicationStatus::RevisionRequested,
            ),
            None,
        ),
        (
            event(
                CommandKind::Resubmit,
                ApplicationStatus::RevisionRequested,
                ApplicationStatus::Submitted,
            ),
            Some(frozen("b")),
        ),
    ];
    let mut version = draft.version;
    for (event, frozen) in steps {
        version = store
            .record_transition(draft.id, version, &event, by, frozen)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .version;
    }
    // Sent only now, after the resubmission: each mail still names its own receipt.
    let receipts: Vec<(NotificationKind, Option<String>)> = claim(&store, now(), 100)
        .await
        .into_iter()
        .filter(|l| l.recipient.email == "owner@mail.kz")
        .map(|l| {
            let kind = l.kind();
            let receipt = match l.mail {
                Mail::Applicant {
                    news: News::Submitted { submission, .. } | News::Resubmitted { submission },
                    ..
                } => Some(submission.receipt),
                Mail::Applicant { .. }
                | Mail::Reviewer { .. }
                | Mail::Officer { .. }
                | Mail::Account(_) => None,
            };
            (kind, receipt)
        })
        .collect();
    assert_eq!(
        receipts,
        vec![
            (NotificationKind::Submitted, Some("a".repeat(64))),
            (NotificationKind::RevisionRequested, None),
            (NotificationKind::Resubmitted, Some("b".repeat(64))),
        ]
    );
}

async fn released_rows_are_due_again_and_old_sent_rows_are_purged(store: Store) {
    let f = fixture(&store).await;
    f.withdrawn(&store, "Бір").await;
    let letters = claim(&store, now(), 10).await;
    let ids: Vec<Uuid> = letters.iter().map(|l| l.id).collect();
    let released = store
        .release_mail(&ids, letters[0].claim, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(released, 2);
    let again = claim(&store, now(), 10).await;
    assert_eq!(again.len(), 2, "released rows are due at once");
    assert!(
        again.iter().all(|l| l.attempts == 1),
        "a release is not an attempt"
    );
    let sent = store
        .mark_sent(&ids, again[0].claim, now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, 2);
    assert_eq!(
        store
            .purge_mail(now())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        0,
        "rows sent at the cutoff stay"
    );
    assert_eq!(
        store
            .purge_mail(now() + Duration::seconds(1))
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        2
    );
    assert!(matches!(
        store.get_outbox(ids[0]).await,
        Err(RepoError::NotFound)
    ));
}

async fn invite(store: &Store, f: &Fixture, email: &str) -> persistence::records::Invitation {
    let email = domain::email::Email::parse(email).unwrap_or_else(|e| panic!("{e}"));
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let invitation = tx
        .invite(
            f.organization,
            &email,
            domain::organization::MemberRole::Owner,
            f.owner,
            now(),
        )
        .await
        .unwrap_or_else(|e| panic!("invite: {e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    invitation
}

async fn an_invitation_mail_is_owed_while_the_invitation_waits(store: Store) {
    let f = fixture(&store).await;
    let dana = account(&store, "dana@mail.kz", Role::Applicant, Language::En).await;
    account(&store, "expert2@grants.kz", Role::Reviewer, Language::En).await;
    // Only the holder of a confirmed applicant account is mailed.
    invite(&store, &f, "dana@mail.kz").await;
    invite(&store, &f, "nobody@mail.kz").await;
    invite(&store, &f, "expert2@grants.kz").await;
    let claimed = store
        .claim_mail(now(), lease(), 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    let letters: Vec<&Letter> = claimed.iter().filter_map(|c| c.as_ref().ok()).collect();
    assert_eq!((claimed.len(), letters.len()), (1, 1), "{claimed:?}");
    assert_eq!(letters[0].recipient.email, "dana@mail.kz");
    let Mail::Account(persistence::outbox::AccountMail::Invited(facts)) = &letters[0].mail else {
        panic!("not an invitation: {:?}", letters[0].mail);
    };
    assert_eq!(
        facts,
        &persistence::outbox::InvitationFacts {
            organization_name: "Ақ ниет".to_owned(),
            inviter_name: "Name of owner@mail.kz".to_owned(),
            role: domain::organization::MemberRole::Owner,
            expires_at: now() + Duration::days(7),
        }
    );
    // Inviting again queues a new mail; answered before it goes, it is no longer owed.
    let renewed = invite(&store, &f, "dana@mail.kz").await;
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    tx.settle_invitation(
        renewed.id,
        domain::invitation::InvitationState::Accepted,
        dana,
        now(),
    )
    .await
    .unwrap_or_else(|e| panic!("accept: {e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let claimed = store
        .claim_mail(now(), lease(), 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    assert!(
        matches!(claimed.as_slice(), [Err(Undeliverable { owed: false, .. })]),
        "{claimed:?}"
    );
    // An invitation that lapsed unanswered is not mailed either. (The rows above, never
    // marked, come back once their leases lapse, and are not owed either.)
    account(&store, "late@mail.kz", Role::Applicant, Language::Kk).await;
    invite(&store, &f, "late@mail.kz").await;
    let claimed = store
        .claim_mail(now() + Duration::days(8), lease(), 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    assert_eq!(claimed.len(), 3, "{claimed:?}");
    assert!(
        claimed
            .iter()
            .all(|c| matches!(c, Err(Undeliverable { owed: false, .. }))),
        "{claimed:?}"
    );
}
