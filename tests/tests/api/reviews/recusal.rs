//! A conflict of interest declared after assignment: the reviewer's work on the
//! organisation's undecided applications ends as `recused`, a submitted review stops
//! counting, an application short of reviews goes back to review, the call's creator is
//! told, and decisions already taken stand.

use grants_tests::{call_body, closes_at, review_body};
use serde_json::{Value, json};

use super::{Round, round};

/// Assigns `reviewer` (an index) to application `application` (an index); the assignment id.
async fn assign(r: &Round, application: usize, reviewer: usize) -> String {
    let id = &r.applications[application].0;
    let assigned = r
        .app
        .post(&format!("/applications/{id}/assignments"))
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[reviewer].2}))
        .send()
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.text);
    assigned.str("id").to_owned()
}

/// The reviewer `reviewer` writes and submits the review of assignment `id`.
async fn review(r: &Round, reviewer: usize, id: &str) {
    let token = &r.reviewers[reviewer].1;
    let saved = r
        .app
        .put(&format!("/assignments/{id}/review"))
        .token(token)
        .json(&review_body(8, 3, "Жақсы жоба"))
        .send()
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let submitted = r
        .app
        .post(&format!("/assignments/{id}/review/submit"))
        .token(token)
        .send()
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
}

async fn declare(r: &Round, reviewer: usize, org: usize) {
    let declared = r
        .app
        .post("/me/conflicts")
        .token(&r.reviewers[reviewer].1)
        .json(&json!({"organization_id": r.orgs[org].1, "kind": "financial", "description": "Мен оның есепшісімін"}))
        .send()
        .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
}

async fn assignment_status(r: &Round, reviewer: usize, id: &str) -> String {
    let seen = r
        .app
        .get(&format!("/assignments/{id}"))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.body["reviewer_id"], json!(r.reviewers[reviewer].2));
    seen.str("status").to_owned()
}

async fn status(r: &Round, application: usize) -> String {
    let id = &r.applications[application].0;
    let seen = r
        .app
        .get(&format!("/applications/{id}"))
        .token(&r.officer)
        .send()
        .await;
    seen.str("status").to_owned()
}

/// The officer notices of recusals queued so far: (recipient, application, assignment).
async fn notices(r: &Round) -> Vec<(Value, Value, Value)> {
    let admin = r.app.token_for("admin@grants.kz").await;
    let outbox = r
        .app
        .get("/admin/outbox?limit=100")
        .token(&admin)
        .send()
        .await;
    assert_eq!(outbox.status, 200, "{}", outbox.text);
    outbox.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|row| row["kind"] == json!("reviewer_recused"))
        .map(|row| {
            (
                row["recipient_id"].clone(),
                row["application_id"].clone(),
                row["assignment_id"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_conflict_declared_after_a_review_sets_it_aside_and_reopens_the_review() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(2);
    // Application 0 belongs to organisation 0, application 1 to organisation 1.
    let mut r = round(body, 2, 2, 4, 500_000).await;
    r.app.clock.set(closes_at());
    r.relogin().await;
    let officer_id = r.app.get("/me").token(&r.officer).send().await.body["id"].clone();
    let first = assign(&r, 0, 0).await;
    let second = assign(&r, 0, 1).await;
    review(&r, 0, &first).await;
    review(&r, 1, &second).await;
    assert_eq!(status(&r, 0).await, "reviewed");
    // Reviewer 0 also holds an unfinished assignment on organisation 1's application.
    let other = assign(&r, 1, 0).await;

    declare(&r, 0, 0).await;

    assert_eq!(assignment_status(&r, 0, &first).await, "recused");
    assert_eq!(assignment_status(&r, 1, &second).await, "submitted");
    assert_eq!(
        assignment_status(&r, 0, &other).await,
        "assigned",
        "another organisation's application is not touched"
    );
    // One review counts of the two the call asks for: back to review.
    assert_eq!(status(&r, 0).await, "under_review");
    let application = &r.applications[0].0;
    let history = r
        .app
        .get(&format!("/applications/{application}/history"))
        .token(&r.officer)
        .send()
        .await;
    let last = history
        .body
        .as_array()
        .and_then(|events| events.last().cloned())
        .unwrap_or_default();
    assert_eq!(
        (last["command"].clone(), last["actor_role"].clone()),
        (json!("reopen_review"), json!("system")),
        "{}",
        history.text
    );
    // Staff still see the set-aside review, marked; the other reviewer no longer does.
    let statuses = |reviews: &Value| -> Vec<Value> {
        reviews
            .as_array()
            .map(|v| v.iter().map(|x| x["status"].clone()).collect())
            .unwrap_or_default()
    };
    let staff_view = r
        .app
        .get(&format!("/applications/{application}/reviews"))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(
        statuses(&staff_view.body),
        vec![json!("recused"), json!("submitted")],
        "{}",
        staff_view.text
    );
    let colleague_view = r
        .app
        .get(&format!("/applications/{application}/reviews"))
        .token(&r.reviewers[1].1)
        .send()
        .await;
    assert_eq!(
        statuses(&colleague_view.body),
        vec![json!("submitted")],
        "{}",
        colleague_view.text
    );
    // The recused reviewer can no longer read the application or touch the review.
    r.app
        .get(&format!("/applications/{application}"))
        .token(&r.reviewers[0].1)
        .send()
        .await
        .assert_problem(404, "not-found");
    r.app
        .put(&format!("/assignments/{first}/review"))
        .token(&r.reviewers[0].1)
        .json(&review_body(10, 5, "Қайта бағалау"))
        .send()
        .await
        .assert_problem(409, "assignment-wrong-status");
    // The call's creator is told, once.
    assert_eq!(
        notices(&r).await,
        vec![(officer_id, json!(application), json!(first))]
    );
    // Nobody is refused a decision for lack of reviews that no longer count: a decision
    // waits for a new reviewer, who cannot be the recused one.
    r.app
        .post(&format!("/applications/{application}/assignments"))
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[0].2}))
        .send()
        .await
        .assert_problem(409, "reviewer-conflict");
    let third = assign(&r, 0, 2).await;
    review(&r, 2, &third).await;
    assert_eq!(status(&r, 0).await, "reviewed");
}

#[tokio::test]
async fn a_decided_application_keeps_its_reviews() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    body["fundable_min_score"] = json!(0);
    let mut r = round(body, 1, 1, 2, 500_000).await;
    r.app.clock.set(closes_at());
    r.relogin().await;
    let first = assign(&r, 0, 0).await;
    review(&r, 0, &first).await;
    let application = r.applications[0].0.clone();
    let approved = r
        .app
        .post(&format!("/applications/{application}/approve"))
        .token(&r.officer)
        .json(&json!({"awarded_amount": "500000"}))
        .send()
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);

    declare(&r, 0, 0).await;

    assert_eq!(assignment_status(&r, 0, &first).await, "submitted");
    assert_eq!(status(&r, 0).await, "approved");
    assert_eq!(notices(&r).await, vec![]);
}

#[tokio::test]
async fn declining_with_a_conflict_ends_the_other_assignments_with_that_organisation() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    // Two applications of the same organisation.
    let mut r = round(body, 1, 2, 2, 500_000).await;
    r.app.clock.set(closes_at());
    r.relogin().await;
    let first = assign(&r, 0, 0).await;
    let second = assign(&r, 1, 0).await;
    let declined = r
        .app
        .post(&format!("/assignments/{first}/decline"))
        .token(&r.reviewers[0].1)
        .json(&json!({"reason": "Таныспын", "conflict": {"kind": "personal_or_family", "description": "Басшысы — көршім"}}))
        .send()
        .await;
    assert_eq!(declined.status, 200, "{}", declined.text);
    assert_eq!(assignment_status(&r, 0, &first).await, "declined");
    assert_eq!(assignment_status(&r, 0, &second).await, "recused");
    let notices = notices(&r).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].2, json!(second));
}
