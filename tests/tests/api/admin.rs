use grants_tests::{PASSWORD, spawn_app};
use serde_json::json;

fn staff_body(email: &str, role: &str) -> serde_json::Value {
    json!({"email": email, "name": "Эксперт", "password": PASSWORD, "role": role})
}

#[tokio::test]
async fn admins_create_reviewers_and_officers() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    for role in ["reviewer", "officer", "admin"] {
        let email = format!("new-{role}@grants.kz");
        let created = app
            .post("/users")
            .token(&admin)
            .json(&staff_body(&email, role))
            .send()
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.body["roles"], json!([role]));
        assert_eq!(app.login(&email, PASSWORD).await.status, 200);
    }
}

#[tokio::test]
async fn only_admins_manage_accounts() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let applicant = app.applicant("a@mail.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let reviewer = app.staff(&admin, "reviewer@grants.kz", "reviewer").await;
    for token in [&applicant, &officer, &reviewer] {
        let created = app
            .post("/users")
            .token(token)
            .json(&staff_body("x@grants.kz", "admin"))
            .send()
            .await;
        created.assert_problem(403, "forbidden");
        app.get("/users")
            .token(token)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.post("/users")
        .json(&staff_body("x@grants.kz", "admin"))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.get("/users")
        .send()
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(app.login("x@grants.kz", PASSWORD).await.status, 401);
}

#[tokio::test]
async fn admin_created_accounts_are_validated() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let applicant_role = app
        .post("/users")
        .token(&admin)
        .json(&staff_body("x@grants.kz", "applicant"))
        .send()
        .await;
    applicant_role.assert_problem(400, "malformed-request");
    assert_eq!(applicant_role.problem_fields(), vec!["role"]);
    let weak = app
        .post("/users")
        .token(&admin)
        .json(&json!({"email": "x@grants.kz", "name": "X", "password": "password123", "role": "officer"}))
        .send()
        .await;
    weak.assert_problem(422, "validation-error");
    assert_eq!(weak.problem_fields(), vec!["password"]);
    let taken = app
        .post("/users")
        .token(&admin)
        .json(&staff_body("admin@grants.kz", "officer"))
        .send()
        .await;
    taken.assert_problem(409, "email-taken");
}

#[tokio::test]
async fn accounts_are_listed_in_pages() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    for i in 0..4 {
        app.registered(&format!("a{i}@mail.kz")).await;
    }
    app.staff(&admin, "reviewer@grants.kz", "reviewer").await;

    let first = app.get("/users?limit=3").token(&admin).send().await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(3));
    let cursor = first.str("next_cursor").to_owned();
    let second = app
        .get(&format!("/users?limit=3&after={cursor}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(second.body["items"].as_array().map(Vec::len), Some(3));
    assert!(
        second
            .body
            .get("next_cursor")
            .is_none_or(serde_json::Value::is_null),
        "{}",
        second.text
    );

    let reviewers = app.get("/users?role=reviewer").token(&admin).send().await;
    assert_eq!(
        reviewers.body["items"][0]["email"],
        json!("reviewer@grants.kz")
    );
    assert_eq!(reviewers.body["items"].as_array().map(Vec::len), Some(1));

    app.get("/users?limit=101")
        .token(&admin)
        .send()
        .await
        .assert_problem(400, "malformed-request");
    app.get("/users?limit=0")
        .token(&admin)
        .send()
        .await
        .assert_problem(400, "malformed-request");
    app.get("/users?after=not-a-uuid")
        .token(&admin)
        .send()
        .await
        .assert_problem(400, "malformed-request");
    app.get("/users?role=king")
        .token(&admin)
        .send()
        .await
        .assert_problem(400, "malformed-request");
}

async fn user_id(app: &grants_tests::TestApp, token: &str) -> String {
    app.get("/me")
        .token(token)
        .send()
        .await
        .str("id")
        .to_owned()
}

#[tokio::test]
async fn a_new_role_takes_effect_on_the_next_request_of_every_login() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let second_phone = app.token_for("officer@grants.kz").await;
    let id = user_id(&app, &officer).await;
    let changed = app
        .patch(&format!("/users/{id}"))
        .token(&admin)
        .json(&json!({"role": "reviewer"}))
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["roles"], json!(["reviewer"]));
    // Every login of the account ends: its old officer tokens are refused at once.
    for token in [&officer, &second_phone] {
        app.get("/me")
            .token(token)
            .send()
            .await
            .assert_problem(401, "unauthorized");
    }
    let again = app.token_for("officer@grants.kz").await;
    let me = app.get("/me").token(&again).send().await;
    assert_eq!(me.body["roles"], json!(["reviewer"]), "{}", me.text);
    // An applicant's account does not become staff, nor any account an applicant.
    let applicant = app.applicant("a@mail.kz").await;
    let applicant_id = user_id(&app, &applicant).await;
    app.patch(&format!("/users/{applicant_id}"))
        .token(&admin)
        .json(&json!({"role": "officer"}))
        .send()
        .await
        .assert_problem(409, "not-staff-account");
    app.patch(&format!("/users/{}", uuid::Uuid::new_v4()))
        .token(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_until_enabled() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let reviewer = app.staff(&admin, "reviewer@grants.kz", "reviewer").await;
    let id = user_id(&app, &reviewer).await;
    let disabled = app
        .patch(&format!("/users/{id}"))
        .token(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await;
    assert_eq!(
        (disabled.status, &disabled.body["disabled"]),
        (200, &json!(true)),
        "{}",
        disabled.text
    );
    app.get("/me")
        .token(&reviewer)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.login("reviewer@grants.kz", PASSWORD)
        .await
        .assert_problem(403, "forbidden");
    // A wrong password learns nothing about the account.
    app.login("reviewer@grants.kz", "not-the-password-at-all")
        .await
        .assert_problem(401, "unauthorized");
    let enabled = app
        .patch(&format!("/users/{id}"))
        .token(&admin)
        .json(&json!({"disabled": false}))
        .send()
        .await;
    assert_eq!(enabled.body["disabled"], json!(false), "{}", enabled.text);
    assert_eq!(app.login("reviewer@grants.kz", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn the_last_active_admin_is_neither_demoted_nor_disabled() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let id = user_id(&app, &admin).await;
    for change in [json!({"role": "officer"}), json!({"disabled": true})] {
        app.patch(&format!("/users/{id}"))
            .token(&admin)
            .json(&change)
            .send()
            .await
            .assert_problem(409, "last-admin");
    }
    let me = app.get("/me").token(&admin).send().await;
    assert_eq!(me.body["roles"], json!(["admin"]), "{}", me.text);

    // Two admins demoting each other at once: one of them stays admin.
    let other = app.staff(&admin, "second@grants.kz", "admin").await;
    let other_id = user_id(&app, &other).await;
    let (one, two) = tokio::join!(
        app.patch(&format!("/users/{other_id}"))
            .token(&admin)
            .json(&json!({"role": "officer"}))
            .send(),
        app.patch(&format!("/users/{id}"))
            .token(&other)
            .json(&json!({"role": "officer"}))
            .send()
    );
    let mut statuses = [one.status, two.status];
    statuses.sort_unstable();
    // Either one demotion wins and the other finds the last admin (409) or its caller no
    // longer an admin (401, its login ended); never both demoted.
    assert!(
        statuses == [200, 401] || statuses == [200, 409],
        "{statuses:?}: {} / {}",
        one.text,
        two.text
    );
    let fresh = app.token_for("admin@grants.kz").await;
    let admins = app.get("/users?role=admin").token(&fresh).send().await;
    let fresh_other = app.token_for("second@grants.kz").await;
    let admins_other = app
        .get("/users?role=admin")
        .token(&fresh_other)
        .send()
        .await;
    let listed = if admins.status == 200 {
        &admins
    } else {
        &admins_other
    };
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
}
