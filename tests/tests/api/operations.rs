use grants_tests::spawn_app;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.req(Method::GET, "/health").send().await;
    assert_eq!(
        (health.status, health.body.clone()),
        (200, json!({"status": "ok"}))
    );
    let ready = app.req(Method::GET, "/ready").send().await;
    assert_eq!(
        (ready.status, ready.body.clone()),
        (200, json!({"status": "ready"}))
    );
}

#[tokio::test]
async fn readiness_fails_when_the_database_lost_its_schema() {
    let app = spawn_app().await;
    app.state
        .store
        .revert_all_migrations()
        .await
        .unwrap_or_else(|e| panic!("revert: {e}"));
    let ready = app.req(Method::GET, "/ready").send().await;
    ready.assert_problem(503, "unavailable");
    let health = app.req(Method::GET, "/health").send().await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_status() {
    let app = spawn_app().await;
    let token = app.applicant("a@mail.kz").await;
    assert_eq!(app.get("/me").token(&token).send().await.status, 200);
    assert_eq!(app.get("/me").send().await.status, 401);
    let metrics = app.req(Method::GET, "/metrics").send().await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .text
            .contains(r#"grants_http_requests_total{method="GET",route="get_me",status="200"} 1"#),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains(r#"grants_http_requests_total{method="GET",route="get_me",status="401"} 1"#),
        "{}",
        metrics.text
    );
    assert!(
        metrics.text.contains(
            r#"grants_http_requests_total{method="POST",route="register",status="202"} 1"#
        ),
        "{}",
        metrics.text
    );
    assert!(metrics.text.contains("grants_http_request_duration_seconds_bucket{method=\"GET\",route=\"get_me\",le=\"+Inf\"} 2"), "{}", metrics.text);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    app.req(Method::GET, "/api/v1/nothing-here")
        .send()
        .await
        .assert_problem(404, "not-found");
    app.req(Method::GET, "/favicon.ico")
        .send()
        .await
        .assert_problem(404, "not-found");
    app.req(Method::DELETE, "/api/v1/auth/login")
        .send()
        .await
        .assert_problem(405, "method-not-allowed");
    app.req(Method::PUT, "/health")
        .send()
        .await
        .assert_problem(405, "method-not-allowed");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let generated = app.req(Method::GET, "/health").send().await;
    assert!(
        generated
            .header("x-request-id")
            .is_some_and(|id| id.len() >= 32)
    );
    let echoed = app
        .req(Method::GET, "/nope")
        .header("x-request-id", "village-42")
        .send()
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("village-42"));
    let unsafe_id = app
        .req(Method::GET, "/health")
        .header("x-request-id", "a b\"c")
        .send()
        .await;
    assert_ne!(unsafe_id.header("x-request-id"), Some("a b\"c"));
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = spawn_app().await;
    let served = app.get("/openapi.json").send().await;
    assert_eq!(served.status, 200);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.yaml");
    let committed = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let committed: Value =
        serde_yaml::from_str(&committed).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    // The served document names this server; the committed one the default public URL.
    let mut served = served.body;
    assert_eq!(
        served["servers"],
        json!([{"url": grants_tests::PUBLIC_URL, "description": "this service"}])
    );
    served["servers"] = committed["servers"].clone();
    assert_eq!(
        served, committed,
        "openapi/openapi.yaml is stale: run `cargo run -q -p grants-server -- openapi > openapi/openapi.yaml`"
    );
}

#[tokio::test]
async fn the_document_declares_problem_responses_and_bearer_auth() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").send().await.body;
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerAuth"]["scheme"],
        json!("bearer")
    );
    // Each operation lists the error answers it can give, and only those.
    let statuses = |path: &str, method: &str| -> Vec<String> {
        let responses = &doc["paths"][path][method]["responses"];
        for (status, response) in responses.as_object().into_iter().flatten() {
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{status} on {method} {path}: {response}"
                );
            }
        }
        responses
            .as_object()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(statuses("/api/v1/me", "get"), ["200", "401", "500", "503"]);
    assert_eq!(
        statuses("/api/v1/organizations", "post"),
        [
            "201", "400", "401", "403", "409", "413", "415", "422", "500", "503"
        ]
    );
    assert_eq!(
        statuses("/api/v1/applications/{id}", "patch"),
        [
            "200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "428", "500",
            "503"
        ]
    );
    assert_eq!(
        statuses("/api/v1/auth/login", "post"),
        [
            "200", "400", "401", "403", "413", "415", "422", "429", "500", "503"
        ]
    );
    let docs = app.req(Method::GET, "/docs").send().await;
    assert_eq!(docs.status, 200);
    assert!(docs.text.contains("swagger"), "{}", docs.text);
}

#[tokio::test]
async fn responses_are_compressed_for_clients_that_ask() {
    let app = spawn_app().await;
    let plain = app.req(Method::GET, "/api/v1/openapi.json").send().await;
    assert_eq!(plain.header("content-encoding"), None);
    let gzip = app
        .req(Method::GET, "/api/v1/openapi.json")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert!(
        gzip.text.len() < plain.text.len() / 3,
        "{} vs {}",
        gzip.text.len(),
        plain.text.len()
    );
}

#[tokio::test]
async fn an_unchanged_resource_is_not_sent_again() {
    let app = spawn_app().await;
    let token = app.applicant("a@mail.kz").await;
    let id = app.organization(&token, &grants_tests::valid_bin(1)).await;
    let path = format!("/organizations/{id}");
    let fresh = app
        .get(&path)
        .token(&token)
        .header("if-none-match", "\"1\"")
        .send()
        .await;
    assert_eq!(
        (fresh.status, fresh.text.as_str(), fresh.header("etag")),
        (304, "", Some("\"1\""))
    );
    let edited = app
        .patch(&path)
        .token(&token)
        .json(&json!({"settlement": "Ойыл"}))
        .send()
        .await;
    assert_eq!(edited.status, 200);
    let stale = app
        .get(&path)
        .token(&token)
        .header("if-none-match", "\"1\"")
        .send()
        .await;
    assert_eq!((stale.status, stale.str("settlement")), (200, "Ойыл"));
    // Someone else's cached tag does not reveal the resource either.
    let other = app.applicant("b@mail.kz").await;
    app.get(&path)
        .token(&other)
        .header("if-none-match", "\"2\"")
        .send()
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/health",
        "/api/v1/calls",
        "/api/v1/me",
        "/api/v1/no-such-route",
    ] {
        let response = app.req(Method::GET, path).send().await;
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            response.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert!(
            response.header("access-control-allow-origin").is_none(),
            "{path}"
        );
    }
    let api = app.req(Method::GET, "/api/v1/calls").send().await;
    assert_eq!(
        api.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    // The API document's browser page needs its scripts.
    let docs = app.req(Method::GET, "/docs/").send().await;
    assert_eq!(docs.status, 200);
    assert!(docs.header("content-security-policy").is_none());
}

#[tokio::test]
async fn without_configured_origins_no_browser_origin_is_let_in() {
    let app = spawn_app().await;
    let simple = app
        .req(Method::GET, "/api/v1/calls")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(simple.status, 200);
    assert!(simple.header("access-control-allow-origin").is_none());
    let preflight = app
        .req(Method::OPTIONS, "/api/v1/calls")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await;
    assert!(preflight.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn configured_origins_and_only_they_may_call_from_a_browser() {
    let app = grants_tests::spawn_app_configured(|settings| {
        settings.cors_origins = vec!["https://portal.example.kz".to_owned()];
    })
    .await;
    let preflight = app
        .req(Method::OPTIONS, "/api/v1/calls")
        .header("origin", "https://portal.example.kz")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://portal.example.kz")
    );
    let simple = app
        .req(Method::GET, "/api/v1/calls")
        .header("origin", "https://portal.example.kz")
        .send()
        .await;
    assert_eq!(
        simple.header("access-control-allow-origin"),
        Some("https://portal.example.kz")
    );
    assert!(
        simple
            .header("access-control-expose-headers")
            .is_some_and(|h| h.to_ascii_lowercase().contains("etag"))
    );
    // Its own public origin (the API document's page) still works.
    let own = app
        .req(Method::GET, "/api/v1/calls")
        .header("origin", grants_tests::PUBLIC_URL)
        .send()
        .await;
    assert_eq!(own.status, 200);
    let refused = app
        .req(Method::OPTIONS, "/api/v1/calls")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await;
    refused.assert_problem(403, "forbidden");
    assert!(refused.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn problems_speak_the_callers_language_and_english_by_default() {
    let app = spawn_app().await;
    let wrong = |language: Option<&'static str>| {
        let mut req = app
            .post("/auth/register")
            .json(&serde_json::json!({"email": "not an address", "password": "x", "name": "A"}));
        if let Some(language) = language {
            req = req.header("accept-language", language);
        }
        req.send()
    };
    let english = wrong(None).await;
    assert_eq!(english.status, 422);
    assert_eq!(english.body["title"], "The request has invalid fields");
    assert!(english.header("content-language").is_none());
    let kazakh = wrong(Some("kk-KZ, ru;q=0.8")).await;
    assert_eq!(kazakh.status, 422);
    assert_eq!(kazakh.body["title"], "Сұраныста қате жолдар бар");
    assert_eq!(kazakh.header("content-language"), Some("kk"));
    assert_eq!(
        kazakh.body["type"], english.body["type"],
        "the type and the codes stay the same"
    );
    let codes = |r: &grants_tests::Resp| {
        r.body["errors"]
            .as_array()
            .map(|e| e.iter().map(|x| x["code"].clone()).collect::<Vec<_>>())
    };
    assert_eq!(codes(&kazakh), codes(&english));
    let email = kazakh.body["errors"]
        .as_array()
        .and_then(|e| e.iter().find(|x| x["field"] == "email"))
        .map(|x| x["message"].clone());
    assert_eq!(
        email,
        Some(serde_json::json!(
            "Электрондық пошта мекенжайын name@example.kz түрінде енгізіңіз."
        ))
    );
    let russian = app.get("/me").header("accept-language", "ru").send().await;
    assert_eq!(russian.status, 401);
    assert_eq!(russian.body["title"], "Нужно войти в систему");
    // An unknown language is English.
    let other = wrong(Some("de")).await;
    assert_eq!(other.body["title"], "The request has invalid fields");
}
