use grants_tests::{PASSWORD, spawn_app};
use serde_json::json;

#[tokio::test]
async fn a_registered_applicant_logs_in_once_the_address_is_confirmed() {
    let app = spawn_app().await;
    let registered = app.register("Aigerim@Mail.kz").await;
    assert_eq!(registered.status, 202, "{}", registered.text);
    assert_eq!(
        registered.body,
        json!({"email": "aigerim@mail.kz", "expires_in": 72 * 3600})
    );
    // Before the address is confirmed the account answers like an unknown one.
    let early = app.login("aigerim@mail.kz", PASSWORD).await;
    let unknown = app.login("nobody@mail.kz", PASSWORD).await;
    early.assert_problem(401, "unauthorized");
    assert_eq!(early.body, unknown.body);

    let confirmed = app
        .verify_email(&app.confirmation_code("aigerim@mail.kz").await)
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["email"], json!("aigerim@mail.kz"));
    assert_eq!(confirmed.body["roles"], json!(["applicant"]));
    assert_eq!(confirmed.body["language"], json!("kk"));
    assert!(confirmed.body.get("password").is_none() && !confirmed.text.contains("argon2"));

    let login = app.login("AIGERIM@mail.kz", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["token_type"], json!("Bearer"));
    assert_eq!(login.body["expires_in"], json!(900));
    let me = app.get("/me").token(login.str("access_token")).send().await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], confirmed.body["id"]);
}

#[tokio::test]
async fn language_defaults_to_russian() {
    let app = spawn_app().await;
    let registered = app
        .post("/auth/register")
        .json(&json!({"email": "a@mail.kz", "password": PASSWORD, "name": "Асель"}))
        .send()
        .await;
    assert_eq!(registered.status, 202, "{}", registered.text);
    let confirmed = app
        .verify_email(&app.confirmation_code("a@mail.kz").await)
        .await;
    assert_eq!(
        confirmed.body["language"],
        json!("ru"),
        "{}",
        confirmed.text
    );
}

#[tokio::test]
async fn registering_a_taken_address_answers_alike_and_changes_nothing() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let taken = app
        .post("/auth/register")
        .json(&json!({"email": "A@mail.kz", "password": "another-good-passphrase", "name": "Someone"}))
        .send()
        .await;
    let fresh = app
        .post("/auth/register")
        .json(&json!({"email": "B@mail.kz", "password": "another-good-passphrase", "name": "Someone"}))
        .send()
        .await;
    assert_eq!(
        (taken.status, fresh.status),
        (202, 202),
        "{} / {}",
        taken.text,
        fresh.text
    );
    assert_eq!(
        taken.body,
        json!({"email": "a@mail.kz", "expires_in": 72 * 3600})
    );
    assert_eq!(
        fresh.body,
        json!({"email": "b@mail.kz", "expires_in": 72 * 3600})
    );
    assert_eq!(taken.header("content-type"), fresh.header("content-type"));
    // The first account keeps its password and name.
    assert_eq!(app.login("a@mail.kz", PASSWORD).await.status, 200);
    assert_eq!(
        app.login("a@mail.kz", "another-good-passphrase")
            .await
            .status,
        401
    );
    // Its holder is told by mail instead; the new address gets its code.
    let mut kinds: Vec<(String, &str)> = app
        .state
        .store
        .list_outbox(None, None, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .items
        .iter()
        .map(|row| (row.recipient_id.to_string(), row.kind.code()))
        .collect();
    let a = app.state.store.find_credentials("a@mail.kz").await;
    let a = a.map(|(user, _)| user.id.to_string()).unwrap_or_default();
    let b = app.state.store.pending_verification_of("b@mail.kz").await;
    let b = b.map(|(id, _)| id.to_string()).unwrap_or_default();
    kinds.sort_unstable();
    let mut expected = vec![
        (a.clone(), "verify_email"),
        (a, "account_exists"),
        (b, "verify_email"),
    ];
    expected.sort_unstable();
    assert_eq!(kinds, expected);
}

#[tokio::test]
async fn a_confirmation_code_works_once_while_it_is_the_latest_and_fresh() {
    let app = spawn_app().await;
    app.register("a@mail.kz").await;
    let first = app.confirmation_code("a@mail.kz").await;
    // Registering again keeps both registrations and replaces the code.
    let again = app
        .post("/auth/register")
        .json(
            &json!({"email": "a@mail.kz", "password": "a-newer-good-passphrase", "name": "Асель"}),
        )
        .send()
        .await;
    assert_eq!(again.status, 202, "{}", again.text);
    let second = app.confirmation_code("a@mail.kz").await;
    assert_ne!(first, second);
    app.verify_email(&first)
        .await
        .assert_problem(422, "invalid-confirmation");
    // Two registrations wait: the code alone does not say whose password opens.
    let unsaid = app.verify_email(&second).await;
    unsaid.assert_problem(422, "validation-error");
    assert_eq!(unsaid.problem_fields(), vec!["password"]);
    let confirm = |password: &str| {
        app.post("/auth/verify-email")
            .json(&json!({"token": second, "password": password}))
            .send()
    };
    let wrong = confirm("not-any-of-the-passwords").await;
    wrong.assert_problem(422, "validation-error");
    assert_eq!(wrong.problem_fields(), vec!["password"]);
    let confirmed = confirm("a-newer-good-passphrase").await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["name"], json!("Асель"));
    confirm("a-newer-good-passphrase")
        .await
        .assert_problem(422, "invalid-confirmation");
    assert_eq!(
        app.login("a@mail.kz", "a-newer-good-passphrase")
            .await
            .status,
        200
    );
    assert_eq!(app.login("a@mail.kz", PASSWORD).await.status, 401);

    // A code for another account, a changed one and junk are refused alike.
    app.register("b@mail.kz").await;
    let code = app.confirmation_code("b@mail.kz").await;
    let mut changed = code.clone().into_bytes();
    changed[30] = if changed[30] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).unwrap_or_default();
    for wrong in [changed.as_str(), "", "not-a-code", &second] {
        let refused = app.verify_email(wrong).await;
        refused.assert_problem(422, "invalid-confirmation");
        assert_eq!(refused.problem_fields(), vec!["token"], "{wrong:?}");
    }
    // Three days later the code no longer works; registering again sends one that does.
    app.clock.advance(chrono::Duration::hours(72));
    app.verify_email(&code)
        .await
        .assert_problem(422, "invalid-confirmation");
    assert_eq!(app.login("b@mail.kz", PASSWORD).await.status, 401);
    app.registered("b@mail.kz").await;
    assert_eq!(app.login("b@mail.kz", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_stranger_who_registers_an_address_first_cannot_have_it_confirmed_with_their_password() {
    let app = spawn_app().await;
    // The stranger registers the address before its holder, then again after.
    let stranger = |name: &str| {
        app.post("/auth/register")
            .json(&json!({"email": "holder@mail.kz", "password": "strangers-passphrase-1", "name": name}))
            .send()
    };
    assert_eq!(stranger("Бөтен").await.status, 202);
    let holder = app
        .post("/auth/register")
        .json(&json!({"email": "holder@mail.kz", "password": PASSWORD, "name": "Иесі"}))
        .send()
        .await;
    assert_eq!(holder.status, 202, "{}", holder.text);
    assert_eq!(stranger("Бөтен").await.status, 202);
    // The holder opens the newest mail, which carries the stranger's registration's code,
    // and confirms with their own password: their registration opens, the others go.
    let code = app.confirmation_code("holder@mail.kz").await;
    let confirmed = app
        .post("/auth/verify-email")
        .json(&json!({"token": code, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["name"], json!("Иесі"));
    assert_eq!(app.login("holder@mail.kz", PASSWORD).await.status, 200);
    assert_eq!(
        app.login("holder@mail.kz", "strangers-passphrase-1")
            .await
            .status,
        401
    );
    assert_eq!(
        app.state
            .store
            .pending_registrations(
                confirmed.body["id"]
                    .as_str()
                    .unwrap_or_default()
                    .parse::<uuid::Uuid>()
                    .map(Into::into)
                    .unwrap_or_default()
            )
            .await
            .map(|p| p.len())
            .ok(),
        Some(0)
    );
}

#[tokio::test]
async fn bad_registrations_are_refused_with_the_failing_fields_and_create_nothing() {
    let app = spawn_app().await;
    let long_name = "ә".repeat(201);
    let cases = [
        (
            json!({"email": "a@mail.kz", "password": PASSWORD}),
            400,
            "malformed-request",
            vec!["name"],
        ),
        (
            json!({"email": "a@mail.kz", "password": 1234567890, "name": "A"}),
            400,
            "malformed-request",
            vec!["password"],
        ),
        (
            json!({"email": "a@mail.kz", "password": PASSWORD, "name": "A", "language": "de"}),
            400,
            "malformed-request",
            vec!["language"],
        ),
        (
            json!({"email": "not-an-email", "password": PASSWORD, "name": "A"}),
            422,
            "validation-error",
            vec!["email"],
        ),
        (
            json!({"email": "a@mail.kz", "password": "short", "name": "A"}),
            422,
            "validation-error",
            vec!["password"],
        ),
        (
            json!({"email": "a@mail.kz", "password": "1234567890", "name": "A"}),
            422,
            "validation-error",
            vec!["password"],
        ),
        (
            json!({"email": "a@mail.kz", "password": "qwertyuiop", "name": "A"}),
            422,
            "validation-error",
            vec!["password"],
        ),
        (
            json!({"email": "a@mail.kz", "password": PASSWORD, "name": long_name}),
            422,
            "validation-error",
            vec!["name"],
        ),
        (
            json!({"email": "a@mail.kz", "password": PASSWORD, "name": "   "}),
            422,
            "validation-error",
            vec!["name"],
        ),
        (
            json!({"email": "bad", "password": "short", "name": ""}),
            422,
            "validation-error",
            vec!["email", "name", "password"],
        ),
    ];
    for (body, status, slug, fields) in cases {
        let response = app.post("/auth/register").json(&body).send().await;
        response.assert_problem(status, slug);
        assert_eq!(response.problem_fields(), fields, "{}", response.text);
    }
    // None of them created the account.
    assert!(
        app.state
            .store
            .pending_verification_of("a@mail.kz")
            .await
            .is_err()
    );
    assert_eq!(app.register("a@mail.kz").await.status, 202);
}

#[tokio::test]
async fn malformed_bodies_are_problems() {
    let app = spawn_app().await;
    let broken = app
        .post("/auth/register")
        .raw("application/json", "{\"email\": ")
        .send()
        .await;
    broken.assert_problem(400, "malformed-request");
    let not_object = app
        .post("/auth/register")
        .raw("application/json", "[1,2]")
        .send()
        .await;
    not_object.assert_problem(400, "malformed-request");
    let empty = app
        .post("/auth/register")
        .raw("application/json", "")
        .send()
        .await;
    empty.assert_problem(400, "malformed-request");
    let form = app
        .post("/auth/register")
        .raw("application/x-www-form-urlencoded", "email=a")
        .send()
        .await;
    form.assert_problem(415, "unsupported-media-type");
    let huge = format!(
        "{{\"email\":\"a@mail.kz\",\"password\":\"{}\",\"name\":\"A\"}}",
        "x".repeat(300 * 1024)
    );
    let too_large = app
        .post("/auth/register")
        .raw("application/json", huge)
        .send()
        .await;
    too_large.assert_problem(413, "payload-too-large");
    assert_eq!(app.login("a@mail.kz", PASSWORD).await.status, 401);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_look_the_same() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let wrong = app.login("a@mail.kz", "not-the-password").await;
    let unknown = app.login("nobody@mail.kz", PASSWORD).await;
    wrong.assert_problem(401, "unauthorized");
    unknown.assert_problem(401, "unauthorized");
    assert_eq!(wrong.body, unknown.body);
    // An address that cannot exist (here with a NUL byte, which PostgreSQL refuses) is
    // answered the same way, never with a server error.
    let impossible = app.login("a\u{0}@mail.kz", PASSWORD).await;
    impossible.assert_problem(401, "unauthorized");
    assert_eq!(impossible.body, unknown.body);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_login() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let login = app.login("a@mail.kz", PASSWORD).await;
    let first = login.str("refresh_token").to_owned();

    let refreshed = app
        .post("/auth/refresh")
        .json(&json!({"refresh_token": first}))
        .send()
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let second = refreshed.str("refresh_token").to_owned();
    assert_ne!(first, second);
    assert_eq!(
        app.get("/me")
            .token(refreshed.str("access_token"))
            .send()
            .await
            .status,
        200
    );

    // Idempotency keys do not apply to token requests: nothing is replayed.
    let keyed = app
        .post("/auth/refresh")
        .token(refreshed.str("access_token"))
        .header("idempotency-key", "refresh-1")
        .json(&json!({"refresh_token": second}))
        .send()
        .await;
    assert_eq!(keyed.status, 200, "{}", keyed.text);
    let replayed = app
        .post("/auth/refresh")
        .token(refreshed.str("access_token"))
        .header("idempotency-key", "refresh-1")
        .json(&json!({"refresh_token": second}))
        .send()
        .await;
    replayed.assert_problem(401, "unauthorized");
    let second = keyed.str("refresh_token").to_owned();
    // The spent token again: refused, and its successor dies with it.
    app.post("/auth/refresh")
        .json(&json!({"refresh_token": first}))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.post("/auth/refresh")
        .json(&json!({"refresh_token": second}))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    // So do the login's access tokens: whoever stole the refresh token is cut off now.
    app.get("/me")
        .token(keyed.str("access_token"))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    // Another login is unaffected.
    let other = app.login("a@mail.kz", PASSWORD).await;
    let ok = app
        .post("/auth/refresh")
        .json(&json!({"refresh_token": other.str("refresh_token")}))
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    app.post("/auth/refresh")
        .json(&json!({"refresh_token": "made-up"}))
        .send()
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let login = app.login("a@mail.kz", PASSWORD).await;
    app.clock.advance(chrono::Duration::days(31));
    let refreshed = app
        .post("/auth/refresh")
        .json(&json!({"refresh_token": login.str("refresh_token")}))
        .send()
        .await;
    refreshed.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn logout_ends_the_login_and_its_access_tokens_at_once() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let login = app.login("a@mail.kz", PASSWORD).await;
    // The same account signed in on another phone.
    let other = app.login("a@mail.kz", PASSWORD).await;
    let refreshed = app
        .post("/auth/refresh")
        .json(&json!({"refresh_token": login.str("refresh_token")}))
        .send()
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let login = refreshed;
    let body = json!({"refresh_token": login.str("refresh_token")});
    app.post("/auth/logout")
        .json(&body)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    let out = app
        .post("/auth/logout")
        .token(login.str("access_token"))
        .json(&body)
        .send()
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    app.post("/auth/refresh")
        .json(&body)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    // The logged-out login's access token is refused at once; the other login goes on.
    app.get("/me")
        .token(login.str("access_token"))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    let elsewhere = app.get("/me").token(other.str("access_token")).send().await;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.text);
}

#[tokio::test]
async fn logout_ends_the_callers_own_login_and_refuses_anothers_refresh_token() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    app.registered("b@mail.kz").await;
    let mine = app.login("a@mail.kz", PASSWORD).await;
    let theirs = app.login("b@mail.kz", PASSWORD).await;
    let my_other_phone = app.login("a@mail.kz", PASSWORD).await;
    // Someone else's refresh token, or one of another login of mine: refused, nothing ends.
    for foreign in [&theirs, &my_other_phone] {
        app.post("/auth/logout")
            .token(mine.str("access_token"))
            .json(&json!({"refresh_token": foreign.str("refresh_token")}))
            .send()
            .await
            .assert_problem(422, "refresh-token-mismatch");
    }
    for login in [&mine, &theirs, &my_other_phone] {
        let me = app.get("/me").token(login.str("access_token")).send().await;
        assert_eq!(me.status, 200, "{}", me.text);
    }
    let refreshed = app
        .post("/auth/refresh")
        .json(&json!({"refresh_token": theirs.str("refresh_token")}))
        .send()
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    // With no body, logout ends the access token's own login and only that one.
    let out = app
        .post("/auth/logout")
        .token(mine.str("access_token"))
        .send()
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    app.get("/me")
        .token(mine.str("access_token"))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.post("/auth/refresh")
        .json(&json!({"refresh_token": mine.str("refresh_token")}))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    for login in [&refreshed, &my_other_phone] {
        let me = app.get("/me").token(login.str("access_token")).send().await;
        assert_eq!(me.status, 200, "{}", me.text);
    }
}

#[tokio::test]
async fn one_can_change_ones_name_and_language() {
    let app = spawn_app().await;
    let token = app.applicant("a@mail.kz").await;
    let changed = app
        .patch("/me")
        .token(&token)
        .json(&json!({"language": "en"}))
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(
        (changed.str("language"), changed.str("name")),
        ("en", "Айгерім Нұрланқызы")
    );
    let renamed = app
        .patch("/me")
        .token(&token)
        .json(&json!({"name": "  Асель  "}))
        .send()
        .await;
    assert_eq!(renamed.str("name"), "Асель");

    let bad = app
        .patch("/me")
        .token(&token)
        .json(&json!({"name": ""}))
        .send()
        .await;
    bad.assert_problem(422, "validation-error");
    assert_eq!(bad.problem_fields(), vec!["name"]);
    app.patch("/me")
        .token(&token)
        .json(&json!({"language": "fr"}))
        .send()
        .await
        .assert_problem(400, "malformed-request");
    let me = app.get("/me").token(&token).send().await;
    assert_eq!((me.str("name"), me.str("language")), ("Асель", "en"));
    app.patch("/me")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn of_two_simultaneous_refreshes_exactly_one_wins() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    for _ in 0..5 {
        let login = app.login("a@mail.kz", PASSWORD).await;
        let body = json!({"refresh_token": login.str("refresh_token")});
        let (one, two) = tokio::join!(
            app.post("/auth/refresh").json(&body).send(),
            app.post("/auth/refresh").json(&body).send()
        );
        let mut statuses = [one.status, two.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 401], "{} / {}", one.text, two.text);
    }
}

#[tokio::test]
async fn logins_and_registrations_are_rate_limited() {
    let app = grants_tests::spawn_app_configured(|settings| {
        settings.auth_rate_per_address = 5;
        settings.auth_rate_per_account = 3;
    })
    .await;
    app.registered("a@mail.kz").await;
    for _ in 0..3 {
        let wrong = app.login("a@mail.kz", "not-the-password-at-all").await;
        assert_eq!(wrong.status, 401, "{}", wrong.text);
    }
    let limited = app.login("a@mail.kz", "not-the-password-at-all").await;
    limited.assert_problem(429, "too-many-requests");
    let wait: i64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // While the limit holds even the right password is refused, so guessing learns nothing.
    app.login("a@mail.kz", grants_tests::PASSWORD)
        .await
        .assert_problem(429, "too-many-requests");
    // With no trusted proxy configured, a client cannot name another address for itself.
    app.post("/auth/login")
        .header("x-forwarded-for", "203.0.113.20")
        .json(&json!({"email": "a@mail.kz", "password": grants_tests::PASSWORD}))
        .send()
        .await
        .assert_problem(429, "too-many-requests");

    // Registrations from one address count apart from logins.
    for i in 0..4 {
        assert_eq!(app.register(&format!("b{i}@mail.kz")).await.status, 202);
    }
    app.register("c@mail.kz")
        .await
        .assert_problem(429, "too-many-requests");

    // A minute later the windows start afresh.
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        app.login("a@mail.kz", grants_tests::PASSWORD).await.status,
        200
    );
    assert_eq!(
        app.login("c@mail.kz", grants_tests::PASSWORD).await.status,
        401,
        "the refused registration created nothing"
    );
    assert!(
        app.state
            .store
            .pending_verification_of("c@mail.kz")
            .await
            .is_err()
    );

    // One address cannot be registered over and over (each time mails its holder).
    for _ in 0..3 {
        assert_eq!(app.register("d@mail.kz").await.status, 202);
    }
    app.register("d@mail.kz")
        .await
        .assert_problem(429, "too-many-requests");
    // Confirmations count apart from registrations (three are pending: the password says
    // which one is confirmed).
    let code = app.confirmation_code("d@mail.kz").await;
    let confirmed = app
        .post("/auth/verify-email")
        .json(&json!({"token": code, "password": grants_tests::PASSWORD}))
        .send()
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
}

#[tokio::test]
async fn failed_logins_elsewhere_never_lock_the_holder_out() {
    let app = grants_tests::spawn_app_configured(|settings| {
        settings.auth_rate_per_address = 5;
        settings.auth_rate_per_account = 3;
        // The test client stands in for a load balancer that reports each client.
        settings.trusted_proxies = vec!["127.0.0.1".to_owned()];
    })
    .await;
    app.registered("officer@mail.kz").await;
    app.registered("other@mail.kz").await;
    let login = |client: &'static str, email: &'static str, password: &'static str| {
        app.post("/auth/login")
            .header("x-forwarded-for", client)
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    let attacker = "198.51.100.7";
    for _ in 0..3 {
        let wrong = login(attacker, "officer@mail.kz", "guess-guess-guess").await;
        assert_eq!(wrong.status, 401, "{}", wrong.text);
    }
    // From where the guesses came, even the right password is refused for a while ...
    login(attacker, "officer@mail.kz", PASSWORD)
        .await
        .assert_problem(429, "too-many-requests");
    // ... while the holder, from their own address, is let in every time.
    for _ in 0..5 {
        let holder = login("203.0.113.20", "officer@mail.kz", PASSWORD).await;
        assert_eq!(holder.status, 200, "{}", holder.text);
    }
    // Guessing across accounts from one address stops at the address's limit too.
    for _ in 0..2 {
        let wrong = login(attacker, "other@mail.kz", "guess-guess-guess").await;
        assert_eq!(wrong.status, 401, "{}", wrong.text);
    }
    login(attacker, "other@mail.kz", "guess-guess-guess")
        .await
        .assert_problem(429, "too-many-requests");
    let other = login("192.0.2.44", "other@mail.kz", PASSWORD).await;
    assert_eq!(other.status, 200, "{}", other.text);
    // A minute later the attacker's address may try again.
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        login(attacker, "officer@mail.kz", PASSWORD).await.status,
        200
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_the_mailed_code_and_every_login_ends() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let phone = app.login("a@mail.kz", PASSWORD).await;
    let laptop = app.login("a@mail.kz", PASSWORD).await;
    // The answer says nothing of whether the address has an account.
    for email in ["a@mail.kz", "nobody@mail.kz"] {
        let asked = app
            .post("/auth/password-reset")
            .json(&json!({ "email": email }))
            .send()
            .await;
        assert_eq!(
            (asked.status, asked.body.clone()),
            (202, json!({"email": email, "expires_in": 6 * 3600})),
            "{}",
            asked.text
        );
    }
    let code = app.reset_code("a@mail.kz").await;
    let reset = |token: &str, password: &str| {
        app.post("/auth/password-reset/confirm")
            .json(&json!({"token": token, "password": password}))
            .send()
    };
    // A weak password is refused and the code keeps working.
    let weak = reset(&code, "1234567890").await;
    weak.assert_problem(422, "validation-error");
    assert_eq!(weak.problem_fields(), vec!["password"]);
    let done = reset(&code, "жаңа-құпиясөз-2026").await;
    assert_eq!(done.status, 204, "{}", done.text);
    // Every login of the account has ended, and only the new password opens it.
    for login in [&phone, &laptop] {
        app.get("/me")
            .token(login.str("access_token"))
            .send()
            .await
            .assert_problem(401, "unauthorized");
    }
    assert_eq!(app.login("a@mail.kz", PASSWORD).await.status, 401);
    assert_eq!(
        app.login("a@mail.kz", "жаңа-құпиясөз-2026").await.status,
        200
    );
    // A code works once.
    reset(&code, "тағы-бір-құпиясөз-2026")
        .await
        .assert_problem(422, "invalid-reset-token");
}

#[tokio::test]
async fn a_reset_code_is_refused_when_replaced_expired_forged_or_a_confirmation_code() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let reset = |token: String| {
        app.post("/auth/password-reset/confirm")
            .json(&json!({"token": token, "password": "жаңа-құпиясөз-2026"}))
            .send()
    };
    // A newer request retires the older code.
    let older = app.reset_code("a@mail.kz").await;
    let newer = app.reset_code("a@mail.kz").await;
    reset(older)
        .await
        .assert_problem(422, "invalid-reset-token");
    // Six hours later the code no longer works.
    app.clock
        .advance(chrono::Duration::hours(6) + chrono::Duration::seconds(1));
    reset(newer)
        .await
        .assert_problem(422, "invalid-reset-token");
    // A confirmation code is not a reset code, nor is anything else.
    app.register("b@mail.kz").await;
    let confirmation = app.confirmation_code("b@mail.kz").await;
    reset(confirmation)
        .await
        .assert_problem(422, "invalid-reset-token");
    reset("not-a-code".to_owned())
        .await
        .assert_problem(422, "invalid-reset-token");
    assert_eq!(app.login("a@mail.kz", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_signed_in_holder_changes_the_password_and_ends_the_other_logins() {
    let app = spawn_app().await;
    app.registered("a@mail.kz").await;
    let here = app.login("a@mail.kz", PASSWORD).await;
    let elsewhere = app.login("a@mail.kz", PASSWORD).await;
    let change = |current: &str, new: &str| {
        app.post("/me/password")
            .token(here.str("access_token"))
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let wrong = change("not-the-password-at-all", "жаңа-құпиясөз-2026").await;
    wrong.assert_problem(422, "wrong-password");
    assert_eq!(wrong.problem_fields(), vec!["current_password"]);
    let weak = change(PASSWORD, "qwertyuiop").await;
    weak.assert_problem(422, "validation-error");
    assert_eq!(weak.problem_fields(), vec!["new_password"]);
    let changed = change(PASSWORD, "жаңа-құпиясөз-2026").await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    let me = app.get("/me").token(here.str("access_token")).send().await;
    assert_eq!(me.status, 200, "this login goes on: {}", me.text);
    app.get("/me")
        .token(elsewhere.str("access_token"))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(app.login("a@mail.kz", PASSWORD).await.status, 401);
    assert_eq!(
        app.login("a@mail.kz", "жаңа-құпиясөз-2026").await.status,
        200
    );
    app.post("/me/password")
        .json(&json!({"current_password": PASSWORD, "new_password": "x"}))
        .send()
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn the_mailed_number_confirms_through_the_api_and_a_wrong_one_is_named() {
    let app = spawn_app().await;
    assert_eq!(app.register("aigerim@mail.kz").await.status, 202);
    let number = app.confirmation_number("aigerim@mail.kz").await;
    let wrong = if number == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let refused = app
        .post("/auth/verify-email/number")
        .json(&json!({"email": "aigerim@mail.kz", "number": wrong}))
        .send()
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.problem_fields(), vec!["number".to_owned()]);
    assert_eq!(refused.body["errors"][0]["code"], "wrong_number");
    let confirmed = app
        .post("/auth/verify-email/number")
        .json(&json!({"email": "Aigerim@mail.kz", "number": number}))
        .send()
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["email"], "aigerim@mail.kz");
    assert_eq!(app.login("aigerim@mail.kz", PASSWORD).await.status, 200);
}
