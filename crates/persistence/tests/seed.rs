//! The load-test dataset: what `Store::seed` writes reads back through the repositories as
//! valid records in consistent states, on SQLite and PostgreSQL.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use domain::application::{budget_failures, missing_fields, receipt};
use domain::assignment::AssignmentStatus;
use domain::status::ApplicationStatus;
use domain::transition::CommandKind;
use persistence::Store;
use persistence::seed::{Manifest, Plan};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

async fn seeded(store: &Store) -> (Plan, Manifest) {
    let plan = Plan::small(HASH.to_owned(), now());
    let manifest = store
        .seed(&plan)
        .await
        .unwrap_or_else(|e| panic!("seed: {e}"));
    (plan, manifest)
}

async fn counts_match_the_plan(store: Store) {
    let (plan, manifest) = seeded(&store).await;
    let c = manifest.counts;
    assert_eq!(
        c.users,
        1 + plan.officers + plan.reviewers + plan.organizations
    );
    assert_eq!(c.organizations, plan.organizations);
    assert_eq!(c.calls, plan.calls);
    assert_eq!(c.applications, plan.applications);
    assert_eq!(c.assignments, plan.reviews);
    let open: usize = manifest.reviewers.iter().map(|r| r.open.len()).sum();
    assert!(open > 0, "some reviews are still to be written");
    assert_eq!(c.submitted_reviews + open, c.assignments);
    assert_eq!(
        store.count_organizations().await.ok(),
        Some(c.organizations as u64)
    );
    let (user, hash) = store
        .find_credentials(&manifest.applicants[0].email)
        .await
        .unwrap_or_else(|e| panic!("credentials: {e}"));
    assert_eq!(hash, HASH);
    store
        .organization_for_member((manifest.applicants[0].organization_id).into(), user.id)
        .await
        .unwrap_or_else(|e| panic!("membership: {e}"));
    let apps: usize = manifest
        .applicants
        .iter()
        .map(|a| a.applications.len())
        .sum();
    assert_eq!(apps, plan.applications);
}

async fn drafts_are_complete_and_submissions_frozen(store: Store) {
    let (_, manifest) = seeded(&store).await;
    let call = store
        .get_call((manifest.open_calls[0]).into())
        .await
        .unwrap_or_else(|e| panic!("call: {e}"));
    let all = ApplicationStatus::ALL;
    let apps = store
        .applications_of_call(call.id, &all)
        .await
        .unwrap_or_else(|e| panic!("applications: {e}"));
    assert!(apps.iter().any(|a| a.status == ApplicationStatus::Draft));
    assert!(
        apps.iter()
            .any(|a| a.status == ApplicationStatus::Submitted)
    );
    for app in &apps {
        assert!(missing_fields(&app.content).is_empty(), "{:?}", app.id);
        assert!(
            budget_failures(&app.totals, &call.spec).is_empty(),
            "{:?}",
            app.id
        );
        assert!((3..=6).contains(&app.content.budget_lines.len()));
        if app.status == ApplicationStatus::Submitted {
            assert_eq!(
                app.receipt_sha256.as_deref(),
                Some(receipt(&app.content).as_str())
            );
            let history = store
                .history(app.id)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let commands: Vec<_> = history.iter().map(|e| e.event.command()).collect();
            assert_eq!(commands, [CommandKind::Submit]);
        } else {
            assert!(app.receipt_sha256.is_none());
        }
    }
    let drafts: usize = manifest.applicants.iter().map(|a| a.drafts.len()).sum();
    let seeded_drafts = apps
        .iter()
        .filter(|a| a.status == ApplicationStatus::Draft)
        .count();
    assert_eq!(drafts, seeded_drafts);
}

async fn reviews_agree_with_statuses(store: Store) {
    let (_, manifest) = seeded(&store).await;
    let mut seen_in_review = false;
    for &call in &manifest.closed_calls {
        let apps = store
            .applications_of_call(call.into(), &ApplicationStatus::ALL)
            .await
            .unwrap_or_else(|e| panic!("applications: {e}"));
        let assignments = store
            .assignments_of_call(call.into())
            .await
            .unwrap_or_else(|e| panic!("assignments: {e}"));
        // What ranking reads: the submitted totals, and the reviewed applications' columns.
        let totals = store
            .review_totals(call.into())
            .await
            .unwrap_or_else(|e| panic!("totals: {e}"));
        let submitted: Vec<_> = assignments
            .iter()
            .filter(|a| a.status == AssignmentStatus::Submitted)
            .map(|a| (a.application_id, a.reviewer_id, a.review_total))
            .collect();
        let mut read: Vec<_> = totals
            .iter()
            .map(|t| (t.application, t.reviewer, Some(t.total)))
            .collect();
        let mut expected = submitted.clone();
        read.sort_by_key(|t| (t.0, t.1));
        expected.sort_by_key(|t| (t.0, t.1));
        assert_eq!(read, expected);
        let entries = store
            .ranking_entries(call.into(), &[ApplicationStatus::Reviewed])
            .await
            .unwrap_or_else(|e| panic!("entries: {e}"));
        let reviewed: Vec<_> = apps
            .iter()
            .filter(|a| a.status == ApplicationStatus::Reviewed)
            .map(|a| {
                (
                    a.id,
                    a.content.title.clone(),
                    a.totals.requested_amount,
                    a.submitted_at,
                )
            })
            .collect();
        let listed: Vec<_> = entries
            .iter()
            .map(|e| (e.id, e.title.clone(), e.requested, Some(e.submitted_at)))
            .collect();
        assert_eq!(listed, reviewed);
        let mut by_app: BTreeMap<_, Vec<_>> = BTreeMap::new();
        for a in &assignments {
            by_app.entry(a.application_id).or_default().push(a);
        }
        for app in &apps {
            let mine = by_app.get(&app.id).cloned().unwrap_or_default();
            assert!(mine.len() >= 3, "{} has {} reviewers", app.id, mine.len());
            let open = mine
                .iter()
                .filter(|a| a.status == AssignmentStatus::Accepted)
                .count();
            for a in mine
                .iter()
                .filter(|a| a.status == AssignmentStatus::Submitted)
            {
                let total = a.review_total.unwrap_or(-1.0);
                assert!((0.0..=100.0).contains(&total), "total {total}");
                assert!(a.review.is_some());
            }
            let history = store
                .history(app.id)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let last = history.last().map(|e| e.to);
            assert_eq!(last, Some(app.status));
            if app.status == ApplicationStatus::UnderReview {
                seen_in_review = true;
                assert!(open > 0, "under review with every review in");
            } else {
                assert_eq!(app.status, ApplicationStatus::Reviewed);
                assert_eq!(open, 0);
            }
        }
    }
    assert!(seen_in_review);
    for reviewer in &manifest.reviewers {
        for &id in &reviewer.open {
            let a = store
                .get_assignment(id.into())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(a.status, AssignmentStatus::Accepted);
        }
    }
}

persistence::on_both_databases!(
    sqlite,
    postgres;
    counts_match_the_plan,
    drafts_are_complete_and_submissions_frozen,
    reviews_agree_with_statuses,
);
