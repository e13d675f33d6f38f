use grants_tests::{call_body, closes_at, spawn_app, start_instant};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn officers_draft_edit_and_publish_a_call_that_the_public_then_sees() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;

    let created = app
        .post("/calls")
        .token(&officer)
        .json(&call_body())
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        (
            created.str("status"),
            created.str("budget"),
            created.str("min_grant")
        ),
        ("draft", "10000000.00", "500000.00")
    );
    assert_eq!(
        (created.str("cofinancing_share"), created.str("currency")),
        ("0.1", "KZT")
    );
    assert_eq!(created.body["rubric"][0]["key"], json!("relevance"));
    assert_eq!(created.header("etag"), Some("\"1\""));
    let id = created.str("id").to_owned();
    let path = format!("/calls/{id}");

    // Drafts stay with the staff.
    app.get(&path).send().await.assert_problem(404, "not-found");
    assert_eq!(app.get("/calls").send().await.body["items"], json!([]));

    app.patch(&path)
        .token(&officer)
        .json(&json!({"title": "X"}))
        .send()
        .await
        .assert_problem(428, "precondition-required");
    let edited = app
        .patch(&path)
        .token(&officer)
        .header("if-match", "\"1\"")
        .json(&json!({"max_grant": "2500000"}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(
        (edited.str("max_grant"), edited.str("title")),
        ("2500000.00", "Ауылдағы әйелдер мен балаларға қолдау 2027")
    );
    app.patch(&path)
        .token(&officer)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Y"}))
        .send()
        .await
        .assert_problem(412, "precondition-failed");

    let published = app
        .post(&format!("{path}/publish"))
        .token(&officer)
        .send()
        .await;
    assert_eq!((published.status, published.str("status")), (200, "open"));
    assert!(published.body["published_at"].is_string());
    app.post(&format!("{path}/publish"))
        .token(&officer)
        .send()
        .await
        .assert_problem(409, "call-not-draft");
    app.patch(&path)
        .token(&officer)
        .header("if-match", "\"3\"")
        .json(&json!({"title": "Z"}))
        .send()
        .await
        .assert_problem(409, "call-not-draft");

    let public = app.get("/calls").send().await;
    assert_eq!(public.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(public.body["items"][0]["id"], json!(id));
    let read = app.get(&path).send().await;
    assert_eq!((read.status, read.str("status")), (200, "open"));
}

#[tokio::test]
async fn only_officers_manage_calls() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let reviewer = app.staff(&admin, "reviewer@grants.kz", "reviewer").await;
    let applicant = app.applicant("a@mail.kz").await;
    let draft = app
        .post("/calls")
        .token(&officer)
        .json(&call_body())
        .send()
        .await;
    let id = draft.str("id").to_owned();
    for token in [&admin, &reviewer, &applicant] {
        app.post("/calls")
            .token(token)
            .json(&call_body())
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.patch(&format!("/calls/{id}"))
            .token(token)
            .header("if-match", "\"1\"")
            .json(&json!({"title": "X"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.post(&format!("/calls/{id}/publish"))
            .token(token)
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.post(&format!("/calls/{id}/close"))
            .token(token)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.post("/calls")
        .json(&call_body())
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.post(&format!("/calls/{id}/publish"))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    // Nothing changed: still a draft at version 1, and only one call exists.
    let read = app
        .get(&format!("/calls/{id}"))
        .token(&officer)
        .send()
        .await;
    assert_eq!(
        (read.str("status"), read.body["version"].as_i64()),
        ("draft", Some(1))
    );
    let all = app
        .get("/calls?status=draft&status=open")
        .token(&officer)
        .send()
        .await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn invalid_calls_are_refused_with_their_fields() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let with = |field: &str, value: serde_json::Value| {
        let mut body = call_body();
        body[field] = value;
        body
    };
    let cases = [
        (
            with(
                "closes_at",
                json!((start_instant() - chrono::Duration::days(2)).to_rfc3339()),
            ),
            422,
            "closes_at",
        ),
        (with("min_grant", json!("4000000")), 422, "max_grant"),
        (with("max_grant", json!("20000000")), 422, "max_grant"),
        (with("budget", json!("12,50")), 422, "budget"),
        (with("budget", json!(1000)), 400, "budget"),
        (
            with("cofinancing_share", json!("1.5")),
            422,
            "cofinancing_share",
        ),
        (with("rubric", json!([])), 422, "rubric"),
        (
            with(
                "rubric",
                json!([{"key": "a", "title": "A", "max_score": 10, "weight": 0}]),
            ),
            422,
            "rubric[0].weight",
        ),
        (
            with(
                "rubric",
                json!([{"key": "a", "title": "A", "max_score": 10, "weight": 1}, {"key": "a", "title": "B", "max_score": 5, "weight": 1}]),
            ),
            422,
            "rubric[1].key",
        ),
        (
            with(
                "rubric",
                json!([{"key": "A b", "title": "A", "max_score": 10, "weight": 1}]),
            ),
            422,
            "rubric[0].key",
        ),
        (
            with("priority_areas", json!(["space_travel"])),
            400,
            "priority_areas[0]",
        ),
        (with("priority_areas", json!([])), 422, "priority_areas"),
        (with("aggregation", json!("max")), 400, "aggregation"),
        (
            with("reviewers_per_application", json!(0)),
            422,
            "reviewers_per_application",
        ),
        (
            with("fundable_min_score", json!(101)),
            422,
            "fundable_min_score",
        ),
        (with("opens_at", json!("next tuesday")), 400, "opens_at"),
        (with("title", json!("  ")), 422, "title"),
        (
            with("opens_at", json!("1999-12-31T00:00:00Z")),
            422,
            "opens_at",
        ),
    ];
    for (body, status, field) in cases {
        let response = app.post("/calls").token(&officer).json(&body).send().await;
        let slug = if status == 400 {
            "malformed-request"
        } else {
            "validation-error"
        };
        response.assert_problem(status, slug);
        assert!(
            response.problem_fields().contains(&field.to_owned()),
            "{field} not in {}",
            response.text
        );
    }
    let listed = app.get("/calls?status=draft").token(&officer).send().await;
    assert_eq!(listed.body["items"], json!([]));
}

#[tokio::test]
async fn a_published_call_closes_by_itself_at_its_closing_instant() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let id = app.published_call(&officer, &call_body()).await;
    app.clock.set(closes_at() - chrono::Duration::seconds(1));
    assert_eq!(
        app.get(&format!("/calls/{id}")).send().await.str("status"),
        "open"
    );
    app.clock.set(closes_at());
    assert_eq!(
        app.get(&format!("/calls/{id}")).send().await.str("status"),
        "closed"
    );
    assert_eq!(app.get("/calls").send().await.body["items"], json!([]));
    let officer = app.token_for("officer@grants.kz").await;
    let closed = app.get("/calls?status=closed").token(&officer).send().await;
    assert_eq!(closed.body["items"][0]["id"], json!(id));
}

#[tokio::test]
async fn officers_close_a_call_early_once() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let draft = app
        .post("/calls")
        .token(&officer)
        .json(&call_body())
        .send()
        .await;
    let draft_id = draft.str("id").to_owned();
    app.post(&format!("/calls/{draft_id}/close"))
        .token(&officer)
        .send()
        .await
        .assert_problem(409, "call-not-published");
    let id = app.published_call(&officer, &call_body()).await;
    let closed = app
        .post(&format!("/calls/{id}/close"))
        .token(&officer)
        .send()
        .await;
    assert_eq!((closed.status, closed.str("status")), (200, "closed"));
    assert!(closed.body["closed_at"].is_string());
    app.post(&format!("/calls/{id}/close"))
        .token(&officer)
        .send()
        .await
        .assert_problem(409, "call-not-published");
}

#[tokio::test]
async fn a_call_published_before_it_opens_is_scheduled() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut body = call_body();
    body["opens_at"] = json!((start_instant() + chrono::Duration::days(3)).to_rfc3339());
    let id = app.published_call(&officer, &body).await;
    assert_eq!(
        app.get(&format!("/calls/{id}")).send().await.str("status"),
        "scheduled"
    );
    assert_eq!(app.get("/calls").send().await.body["items"], json!([]));
    app.clock.advance(chrono::Duration::days(3));
    assert_eq!(
        app.get(&format!("/calls/{id}")).send().await.str("status"),
        "open"
    );
}

#[tokio::test]
async fn a_call_cannot_be_published_after_its_closing_instant() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let created = app
        .post("/calls")
        .token(&officer)
        .json(&call_body())
        .send()
        .await;
    let id = created.str("id").to_owned();
    app.clock.set(closes_at());
    let officer = app.token_for("officer@grants.kz").await;
    app.post(&format!("/calls/{id}/publish"))
        .token(&officer)
        .send()
        .await
        .assert_problem(409, "closing-in-past");
}

#[tokio::test]
async fn calls_are_filtered_by_priority_area_and_paged() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    for i in 0..3 {
        let mut body = call_body();
        body["priority_areas"] = if i == 0 {
            json!(["ecology"])
        } else {
            json!(["public_health", "older_people"])
        };
        app.published_call(&officer, &body).await;
    }
    let ecology = app.get("/calls?priority_area=ecology").send().await;
    assert_eq!(ecology.body["items"].as_array().map(Vec::len), Some(1));
    let health = app.get("/calls?priority_area=public_health").send().await;
    assert_eq!(health.body["items"].as_array().map(Vec::len), Some(2));
    let first = app.get("/calls?limit=2").send().await;
    assert_eq!(
        (
            first.body["items"].as_array().map(Vec::len),
            first.body["has_more"].clone()
        ),
        (Some(2), json!(true))
    );
    let second = app.get("/calls?limit=2&page=2").send().await;
    assert_eq!(
        (
            second.body["items"].as_array().map(Vec::len),
            second.body["has_more"].clone()
        ),
        (Some(1), json!(false))
    );
    app.get("/calls?limit=101")
        .send()
        .await
        .assert_problem(400, "malformed-request");
    app.req(Method::GET, "/api/v1/calls?priority_area=space")
        .send()
        .await
        .assert_problem(400, "malformed-request");
}

#[tokio::test]
async fn a_retried_call_draft_with_the_same_key_is_made_once() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let draft = || {
        app.post("/calls")
            .token(&officer)
            .header("idempotency-key", "draft-1")
            .json(&call_body())
            .send()
    };
    let first = draft().await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = draft().await;
    assert_eq!((again.status, &again.body), (201, &first.body));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("etag"), first.header("etag"));
    let listed = app.get("/calls?status=draft").token(&officer).send().await;
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
}

#[tokio::test]
async fn a_call_keeps_its_text_in_other_languages_and_its_criteria_guidance() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut body = call_body();
    body["rubric"][0]["guidance"] = json!("Does the village need it? Look for numbers.");
    body["translations"] = json!({
        "kk": {
            "title": "Ауылдағы әйелдер мен балаларға қолдау",
            "rubric": {"relevance": {"title": "Ауылға қажеттілігі", "guidance": "Ауылға керек пе?"}}
        },
        "en": {"description": "Grants for rural NGOs: women and children, health, ecology."}
    });
    let created = app.post("/calls").token(&officer).json(&body).send().await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.str("id").to_owned();
    let read = app
        .get(&format!("/calls/{id}"))
        .token(&officer)
        .send()
        .await;
    assert_eq!(read.body["translations"], body["translations"]);
    assert_eq!(
        read.body["rubric"][0]["guidance"],
        json!("Does the village need it? Look for numbers.")
    );
    assert!(read.body["rubric"][1].get("guidance").is_none());

    // A change without translations keeps them; with them, replaces them whole.
    let renamed = app
        .patch(&format!("/calls/{id}"))
        .token(&officer)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Жаңа атауы"}))
        .send()
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["translations"], body["translations"]);
    let replaced = app
        .patch(&format!("/calls/{id}"))
        .token(&officer)
        .header("if-match", "\"2\"")
        .json(&json!({"translations": {"ru": {"title": "Поддержка женщин и детей в ауле"}}}))
        .send()
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(
        replaced.body["translations"],
        json!({"ru": {"title": "Поддержка женщин и детей в ауле"}})
    );

    // A translation of a criterion the rubric lacks, or of an empty title, is refused.
    let mut bad = call_body();
    bad["translations"] = json!({
        "kk": {"title": " ", "rubric": {"impact": {"title": "Әсері"}}}
    });
    let refused = app.post("/calls").token(&officer).json(&bad).send().await;
    refused.assert_problem(422, "validation-error");
    assert_eq!(
        refused.problem_fields(),
        vec!["translations.kk.title", "translations.kk.rubric.impact"]
    );
}
