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
