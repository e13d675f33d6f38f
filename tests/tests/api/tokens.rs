use base64::Engine as _;
use grants_tests::{JWT_SECRET, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn sign(claims: &Value, secret: &str, alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn claims(sub: &str, now: i64) -> Value {
    json!({"sub": sub, "role": "admin", "iss": "grants", "aud": "grants-api", "iat": now, "nbf": now, "exp": now + 600})
}

#[tokio::test]
async fn an_access_token_expires() {
    let app = spawn_app().await;
    let token = app.applicant("a@mail.kz").await;
    app.clock.advance(chrono::Duration::seconds(899));
    assert_eq!(app.get("/me").token(&token).send().await.status, 200);
    app.clock.advance(chrono::Duration::seconds(1));
    app.get("/me")
        .token(&token)
        .send()
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn forged_and_foreign_tokens_are_refused() {
    let app = spawn_app().await;
    let registered = app.registered("a@mail.kz").await;
    let sub = registered.str("id").to_owned();
    let now = grants_tests::start_instant().timestamp();

    // Sanity: a token we sign correctly is accepted, so the refusals below are about the
    // one thing each changes.
    assert_eq!(
        app.get("/me")
            .token(&sign(&claims(&sub, now), JWT_SECRET, Algorithm::HS256))
            .send()
            .await
            .status,
        200
    );

    let mut wrong_audience = claims(&sub, now);
    wrong_audience["aud"] = json!("another-api");
    let mut wrong_issuer = claims(&sub, now);
    wrong_issuer["iss"] = json!("someone-else");
    let mut expired = claims(&sub, now);
    expired["exp"] = json!(now - 1);
    let mut not_yet = claims(&sub, now);
    not_yet["nbf"] = json!(now + 3600);
    let mut no_expiry = claims(&sub, now);
    no_expiry.as_object_mut().map(|c| c.remove("exp"));

    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = engine.encode(claims(&sub, now).to_string());
    let alg_none = format!(
        "{}.{payload}.",
        engine.encode(r#"{"alg":"none","typ":"JWT"}"#)
    );
    let valid = sign(&claims(&sub, now), JWT_SECRET, Algorithm::HS256);
    let mut tampered = valid.clone();
    tampered.replace_range(valid.len() - 4.., "AAAA");

    let cases = [
        (
            "wrong audience",
            sign(&wrong_audience, JWT_SECRET, Algorithm::HS256),
        ),
        (
            "wrong issuer",
            sign(&wrong_issuer, JWT_SECRET, Algorithm::HS256),
        ),
        ("expired", sign(&expired, JWT_SECRET, Algorithm::HS256)),
        (
            "not yet valid",
            sign(&not_yet, JWT_SECRET, Algorithm::HS256),
        ),
        ("no expiry", sign(&no_expiry, JWT_SECRET, Algorithm::HS256)),
        (
            "other secret",
            sign(
                &claims(&sub, now),
                "another-secret-that-is-long-enough!!",
                Algorithm::HS256,
            ),
        ),
        (
            "HS512",
            sign(&claims(&sub, now), JWT_SECRET, Algorithm::HS512),
        ),
        ("alg none", alg_none),
        ("tampered signature", tampered),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, token) in cases {
        let response = app.get("/me").token(&token).send().await;
        assert_eq!(response.status, 401, "{what}: {}", response.text);
        response.assert_problem(401, "unauthorized");
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer"),
            "{what}"
        );
    }
    let no_scheme = app
        .get("/me")
        .header("authorization", "Basic YTpi")
        .send()
        .await;
    no_scheme.assert_problem(401, "unauthorized");
}
