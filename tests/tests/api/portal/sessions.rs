//! Portal sign-ins: the cookie, where signing in leads, a month that slides with use, and
//! the same login records as the API's, so that revocations end both.

use chrono::Duration;
use grants_tests::{PASSWORD, spawn_app, spawn_app_configured};
use serde_json::json;

use super::browser::Browser;

#[tokio::test]
async fn the_sign_in_cookie_is_http_only_lax_and_secure_behind_https() {
    let app = spawn_app_configured(|settings| {
        settings.public_url = "https://granty.kz".to_owned();
    })
    .await;
    app.registered("aigerim@mail.kz").await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/login").await;
    let token = page.form_token();
    let signed = browser
        .post(
            "/login",
            &[
                ("csrf", &token),
                ("email", "aigerim@mail.kz"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
    let cookie = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("grants_session="))
        .unwrap_or_else(|| panic!("no session cookie"))
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Max-Age=2592000"), "{cookie}");
}

#[tokio::test]
async fn signing_in_leads_back_to_the_page_asked_for_and_never_off_the_site() {
    let app = spawn_app().await;
    app.registered("aigerim@mail.kz").await;
    for (next, expected) in [
        ("/calls/1?lang=en", "/calls/1?lang=en"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
    ] {
        let mut browser = Browser::new(&app);
        let page = browser
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "aigerim@mail.kz"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.html);
        assert_eq!(page.location(), expected, "next = {next:?}");
    }
    // The sign-in page carries `next` through its form.
    let mut browser = Browser::new(&app);
    let page = browser.get("/login?next=%2Fcalls%2F2").await;
    assert!(
        page.html.contains("name=\"next\" value=\"/calls/2\""),
        "{}",
        page.html
    );
}

#[tokio::test]
async fn a_sign_in_lasts_a_month_from_its_last_use() {
    let app = spawn_app().await;
    app.registered("aigerim@mail.kz").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    // Used within the day: not renewed (no write, no new cookie).
    app.clock.advance(Duration::hours(2));
    let page = browser.get("/").await;
    assert!(page.html.contains("Айгерім"));
    assert!(
        page.header("set-cookie")
            .is_none_or(|c| !c.contains("grants_session"))
    );
    // Used 20 days later: renewed for another month.
    app.clock.advance(Duration::days(20));
    let page = browser.get("/").await;
    assert!(page.html.contains("Айгерім"));
    assert!(page.headers.get_all("set-cookie").iter().any(|c| {
        c.to_str()
            .unwrap_or_default()
            .starts_with("grants_session=")
    }));
    // 25 more days: within the renewed month.
    app.clock.advance(Duration::days(25));
    assert!(browser.get("/").await.html.contains("Айгерім"));
    // A month and a day without use: over.
    app.clock.advance(Duration::days(31));
    let page = browser.get("/").await;
    assert!(!page.html.contains("Айгерім"));
    assert!(!browser.cookies.contains_key("grants_session"));
}

#[tokio::test]
async fn signing_out_ends_this_login_only() {
    let app = spawn_app().await;
    app.registered("aigerim@mail.kz").await;
    let api = app.login("aigerim@mail.kz", PASSWORD).await;
    let access = api.str("access_token").to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let session = browser.cookies["grants_session"].clone();
    let home = browser.get("/").await;
    let token = home.form_token();
    let out = browser.post("/logout", &[("csrf", &token)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), "/");
    assert!(!browser.cookies.contains_key("grants_session"));
    // The cookie's value no longer signs anyone in.
    browser.cookies.insert("grants_session".to_owned(), session);
    assert!(!browser.get("/").await.html.contains("Айгерім"));
    // The API's login goes on.
    assert_eq!(app.get("/me").token(&access).send().await.status, 200);
}

#[tokio::test]
async fn a_password_change_through_the_api_or_a_disabled_account_ends_the_portal_sign_in() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let account = app.registered("aigerim@mail.kz").await;
    let id = account.str("id").to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let access = app.token_for("aigerim@mail.kz").await;
    let changed = app
        .post("/me/password")
        .token(&access)
        .json(&json!({"current_password": PASSWORD, "new_password": "жаңа-құпиясөз-2027"}))
        .send()
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert!(!browser.get("/").await.html.contains("Айгерім"));

    let mut again = Browser::new(&app);
    again.sign_in("aigerim@mail.kz", "жаңа-құпиясөз-2027").await;
    assert!(again.get("/").await.html.contains("Айгерім"));
    let disabled = app
        .patch(&format!("/users/{id}"))
        .token(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert!(!again.get("/").await.html.contains("Айгерім"));
}
