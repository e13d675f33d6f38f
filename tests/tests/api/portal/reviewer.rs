//! The reviewer's pages: assignments, accepting or declining, and the review form.

use grants_tests::{PASSWORD, TestApp, call_body, complete_content, spawn_app, valid_bin};
use serde_json::json;

use super::browser::Browser;

/// A blind call whose rubric's first criterion has guidance, two reviewers in its pool, and
/// a submitted application assigned to the first; the assignment's id.
async fn assigned(app: &TestApp) -> (String, String) {
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut ids = Vec::new();
    for email in ["expert@grants.kz", "other@grants.kz"] {
        let token = app.staff(&admin, email, "reviewer").await;
        ids.push(
            app.get("/me")
                .token(&token)
                .send()
                .await
                .str("id")
                .to_owned(),
        );
    }
    let mut body = call_body();
    body["hide_applicant_identity"] = json!(true);
    body["rubric"][0]["guidance"] = json!("Is it what the village needs?");
    let call = app.published_call(&officer, &body).await;
    for id in &ids {
        let added = app
            .post(&format!("/calls/{call}/reviewers"))
            .token(&officer)
            .json(&json!({"reviewer_id": id}))
            .send()
            .await;
        assert_eq!(added.status, 201);
    }
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(14)).await;
    let draft = app.draft(&owner, &call, &org, &complete_content()).await;
    let application = draft.str("id").to_owned();
    let sent = app
        .post(&format!("/applications/{application}/submit"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let assignment = app
        .post(&format!("/applications/{application}/assignments"))
        .token(&officer)
        .json(&json!({"reviewer_id": ids[0]}))
        .send()
        .await;
    assert_eq!(assignment.status, 201, "{}", assignment.text);
    (assignment.str("id").to_owned(), application)
}

#[tokio::test]
async fn a_reviewer_accepts_scores_against_the_rubric_and_submits() {
    let app = spawn_app().await;
    let (id, _) = assigned(&app).await;
    let path = format!("/assignments/{id}");
    let mut reviewer = Browser::new(&app);
    reviewer.sign_in("expert@grants.kz", PASSWORD).await;
    let list = reviewer.get("/assignments?lang=en").await;
    assert!(list.html.contains(&path), "{}", list.html);
    assert!(list.html.contains("Waiting for your answer"));
    let page = reviewer.get(&path).await;
    assert!(page.html.contains("hides the applying organisation"));
    assert!(!page.html.contains("Ақ ниет"));
    let accepted = reviewer.submit(&path, &format!("{path}/accept"), &[]).await;
    assert_eq!(accepted.status, 303, "{}", accepted.html);

    let form = reviewer.get(&path).await;
    assert!(form.html.contains("Is it what the village needs?"));
    assert!(form.html.contains("(0–10)"));
    // A submission without everything is refused, each beside its field.
    let incomplete = reviewer
        .submit(
            &path,
            &format!("{path}/review"),
            &[("score.relevance", "9"), ("action", "submit")],
        )
        .await;
    assert_eq!(incomplete.status, 422, "{}", incomplete.html);
    for field in ["scores.budget", "comment", "recommendation", "confidence"] {
        assert!(
            incomplete.html.contains(&format!("id=\"{field}-error\"")),
            "{field} in {}",
            incomplete.html
        );
    }
    // What was chosen is kept, and was saved as a draft.
    assert!(incomplete.html.contains("<option value=\"9\" selected>"));
    // A score above the criterion's highest is refused beside it.
    let high = reviewer
        .submit(
            &path,
            &format!("{path}/review"),
            &[("score.relevance", "11"), ("action", "save")],
        )
        .await;
    assert_eq!(high.status, 422);
    assert!(
        high.html.contains("id=\"scores.relevance-error\""),
        "{}",
        high.html
    );
    let submitted = reviewer
        .submit(
            &path,
            &format!("{path}/review"),
            &[
                ("score.relevance", "9"),
                ("comment.relevance", "Ауылға керек"),
                ("score.budget", "4"),
                ("comment", "Жақсы жоба"),
                ("recommendation", "fund"),
                ("confidence", "3"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.html);
    let token = app.token_for("expert@grants.kz").await;
    let read = app
        .get(&format!("/assignments/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(read.body["status"], json!("submitted"));
    assert_eq!(read.body["review"]["recommendation"], json!("fund"));
    let after = reviewer.get(&format!("{path}?lang=en")).await;
    assert!(after.html.contains("Review submitted"));
    assert!(after.html.contains("The other reviews"));
}

#[tokio::test]
async fn only_the_assigned_reviewer_acts_and_a_decline_can_declare_a_conflict() {
    let app = spawn_app().await;
    let (id, _) = assigned(&app).await;
    let path = format!("/assignments/{id}");
    for (who, status) in [
        ("other@grants.kz", 404),
        ("aigerim@mail.kz", 404),
        ("officer@grants.kz", 200),
    ] {
        let mut browser = Browser::new(&app);
        browser.sign_in(who, PASSWORD).await;
        let page = browser.get(&path).await;
        assert_eq!(page.status, status, "{who}");
        assert!(
            !page.html.contains(&format!("action=\"{path}/accept\"")),
            "{who}"
        );
        let token = browser.get("/").await.form_token();
        let tried = browser
            .post(&format!("{path}/accept"), &[("csrf", &token)])
            .await;
        assert!(matches!(tried.status, 403 | 404), "{who}: {}", tried.status);
    }
    let mut reviewer = Browser::new(&app);
    reviewer.sign_in("expert@grants.kz", PASSWORD).await;
    let declined = reviewer
        .submit(
            &path,
            &format!("{path}/decline"),
            &[
                ("reason", "Мен бұл ұйымды білемін"),
                ("conflict_kind", "personal_or_family"),
                ("conflict_description", "Төрағасы — менің ағам"),
            ],
        )
        .await;
    assert_eq!(declined.status, 303, "{}", declined.html);
    let token = app.token_for("expert@grants.kz").await;
    let read = app
        .get(&format!("/assignments/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(read.body["status"], json!("declined"));
    let conflicts = app.get("/me/conflicts").token(&token).send().await;
    assert_eq!(
        conflicts.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        conflicts.text
    );
}
