//! An application's page and its feedback page, as each kind of reader sees them.

use grants_tests::{
    PASSWORD, TestApp, call_body, complete_content, review_body, spawn_app, valid_bin,
};
use serde_json::json;

use super::browser::Browser;

/// A blind call with one reviewer per application; an organisation's submitted application
/// and the reviewer's id. Returns the application's id and its receipt.
async fn submitted(app: &TestApp) -> (String, String, String) {
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let reviewer = app.staff(&admin, "expert@grants.kz", "reviewer").await;
    let reviewer_id = app
        .get("/me")
        .token(&reviewer)
        .send()
        .await
        .str("id")
        .to_owned();
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    body["hide_applicant_identity"] = json!(true);
    let call = app.published_call(&officer, &body).await;
    let added = app
        .post(&format!("/calls/{call}/reviewers"))
        .token(&officer)
        .json(&json!({"reviewer_id": reviewer_id}))
        .send()
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(4)).await;
    let draft = app.draft(&owner, &call, &org, &complete_content()).await;
    let id = draft.str("id").to_owned();
    let sent = app
        .post(&format!("/applications/{id}/submit"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let receipt = sent.str("receipt_sha256").to_owned();
    (id, receipt, reviewer_id)
}

#[tokio::test]
async fn members_read_their_application_with_its_receipt_and_others_as_the_api_lets_them() {
    let app = spawn_app().await;
    let (id, receipt, reviewer_id) = submitted(&app).await;
    let path = format!("/applications/{id}");

    let mut owner = Browser::new(&app);
    let stranger_view = owner.get(&path).await;
    assert_eq!(stranger_view.status, 303);
    owner.sign_in("aigerim@mail.kz", PASSWORD).await;
    let page = owner.get(&format!("{path}?lang=en")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    for text in [
        "Балалар алаңы — Детская площадка в ауле",
        "Submitted",
        receipt.as_str(),
        "Equipment",
        "Ойын жабдығы",
        "KZT\u{a0}1,200,000",
        "KZT\u{a0}1,050,000",
        "History",
        "Nothing for you to do",
    ] {
        assert!(page.html.contains(text), "{text:?} not in {}", page.html);
    }
    assert!(!page.html.contains("/feedback"));
    // The printable receipt shows the exact text the receipt is the SHA-256 of.
    let printable = owner.get(&format!("{path}/receipt?lang=en")).await;
    assert_eq!(printable.status, 200, "{}", printable.html);
    let start = printable.html.find("tabindex=\"0\">").map_or(0, |i| i + 13);
    let end = printable.html[start..]
        .find("</pre>")
        .map_or(start, |i| start + i);
    let canonical = printable.html[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert_eq!(grants_tests::sha256_hex(&canonical), receipt);
    assert!(printable.html.contains(&receipt));
    // Before the decision the feedback page says there is none yet.
    let early = owner.get(&format!("{path}/feedback")).await;
    assert_eq!(early.status, 409);

    // The assigned reviewer of a blind call: no organisation, no history.
    let officer = app.token_for("officer@grants.kz").await;
    let assigned = app
        .post(&format!("/applications/{id}/assignments"))
        .token(&officer)
        .json(&json!({"reviewer_id": reviewer_id}))
        .send()
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.text);
    let mut reviewer = Browser::new(&app);
    reviewer.sign_in("expert@grants.kz", PASSWORD).await;
    let blind = reviewer.get(&format!("{path}?lang=en")).await;
    assert_eq!(blind.status, 200);
    assert!(!blind.html.contains("Ақ ниет"), "{}", blind.html);
    assert!(!blind.html.contains("History"));
    assert_eq!(reviewer.get(&format!("{path}/feedback")).await.status, 404);

    let mut staff = Browser::new(&app);
    staff.sign_in("officer@grants.kz", PASSWORD).await;
    let seen = staff.get(&format!("{path}?lang=en")).await;
    assert!(seen.html.contains("History") && seen.html.contains(&receipt));

    // Another NGO, and an unknown or malformed id: the 404 page.
    app.registered("other@mail.kz").await;
    let mut other = Browser::new(&app);
    other.sign_in("other@mail.kz", PASSWORD).await;
    for target in [
        path.clone(),
        format!("{path}/feedback"),
        format!("{path}/receipt"),
        format!("/applications/{}", uuid::Uuid::new_v4()),
        "/applications/nonsense".to_owned(),
    ] {
        let page = other.get(&target).await;
        assert_eq!(page.status, 404, "{target}");
        assert!(!page.html.contains("Балалар алаңы"));
    }
}

#[tokio::test]
async fn after_the_decision_the_feedback_page_shows_scores_and_comments_without_names() {
    let app = spawn_app().await;
    let (id, _, reviewer_id) = submitted(&app).await;
    let officer = app.token_for("officer@grants.kz").await;
    let assigned = app
        .post(&format!("/applications/{id}/assignments"))
        .token(&officer)
        .json(&json!({"reviewer_id": reviewer_id}))
        .send()
        .await;
    let assignment = assigned.str("id").to_owned();
    let reviewer = app.token_for("expert@grants.kz").await;
    let saved = app
        .put(&format!("/assignments/{assignment}/review"))
        .token(&reviewer)
        .json(&review_body(9, 4, "Ауылға өте керек жоба"))
        .send()
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let submitted = app
        .post(&format!("/assignments/{assignment}/review/submit"))
        .token(&reviewer)
        .send()
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    let approved = app
        .post(&format!("/applications/{id}/approve"))
        .token(&officer)
        .json(&json!({"awarded_amount": "1000000"}))
        .send()
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);

    let mut owner = Browser::new(&app);
    owner.sign_in("aigerim@mail.kz", PASSWORD).await;
    let page = owner.get(&format!("/applications/{id}?lang=ru")).await;
    assert!(page.html.contains("Грант присуждён"));
    assert!(page.html.contains(&format!("/applications/{id}/feedback")));
    let feedback = owner.get(&format!("/applications/{id}/feedback")).await;
    assert_eq!(feedback.status, 200, "{}", feedback.html);
    for text in [
        "Грант присуждён",
        "1\u{a0}000\u{a0}000\u{a0}тенге",
        "1 из 1",
        "Relevance to the village",
        "Эксперт 1",
        "Ауылға өте керек жоба",
        "Relevant to the village",
    ] {
        assert!(
            feedback.html.contains(text),
            "{text:?} not in {}",
            feedback.html
        );
    }
    assert!(!feedback.html.contains("expert@grants.kz"));
}
