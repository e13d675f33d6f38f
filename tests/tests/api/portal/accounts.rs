//! Registering, confirming, signing in and out, and resetting a password in the portal.

use grants_tests::{PASSWORD, spawn_app};

use super::browser::Browser;

#[tokio::test]
async fn an_applicant_registers_in_kazakh_confirms_from_the_link_and_signs_in() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/register?lang=kk").await;
    assert_eq!(page.lang(), "kk");
    assert!(page.html.contains("Тіркелу"), "{}", page.html);
    let token = page.form_token();
    let sent = browser
        .post(
            "/register",
            &[
                ("csrf", &token),
                ("email", "Aigerim@Mail.kz"),
                ("name", "Айгерім"),
                ("password", PASSWORD),
                ("language", "kk"),
            ],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.html);
    assert!(sent.html.contains("aigerim@mail.kz"), "{}", sent.html);
    assert!(sent.html.contains("Поштаңызды тексеріңіз"));

    // Opening the link confirms nothing: a mail scanner that fetches it uses nothing up.
    let code = app.confirmation_code("aigerim@mail.kz").await;
    let link = format!("/confirm?code={code}");
    let opened = browser.get(&link).await;
    assert_eq!(opened.status, 200);
    assert!(opened.html.contains("data-autosubmit"));
    assert!(opened.html.contains(&code));
    assert_eq!(app.login("aigerim@mail.kz", PASSWORD).await.status, 401);
    // Its button does.
    let token = opened.form_token();
    let confirmed = browser
        .post("/confirm", &[("csrf", &token), ("code", &code)])
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.html);
    assert!(confirmed.html.contains("Мекенжай расталды"));
    // A second press finds the code used.
    let again = browser
        .post("/confirm", &[("csrf", &token), ("code", &code)])
        .await;
    assert_eq!(again.status, 422);
    assert!(again.html.contains("Сілтеме немесе код жарамсыз"));

    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let home = browser.get("/").await;
    assert!(home.html.contains("Айгерім"), "{}", home.html);
    // The language cookie set by ?lang=kk still holds.
    assert_eq!(home.lang(), "kk");
}

#[tokio::test]
async fn refusals_are_shown_beside_their_fields_in_the_page_language_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("ru-KZ,ru;q=0.9".to_owned());
    let page = browser
        .submit(
            "/register",
            "/register",
            &[
                ("email", "not an address"),
                ("name", "<b onclick=\"x\">'"),
                ("password", "12345"),
                ("language", "ru"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(page.lang(), "ru");
    assert!(page.html.contains("class=\"error-summary\""));
    assert!(
        page.html
            .contains("<a href=\"#email\">Адрес электронной почты: Введите адрес")
    );
    assert!(page.html.contains("id=\"email-error\""));
    assert!(page.html.contains("aria-invalid=\"true\""));
    // What was typed comes back, except the password.
    assert!(page.html.contains("value=\"not an address\""));
    assert!(!page.html.contains("12345"));
    assert!(
        page.html
            .contains("value=\"&lt;b onclick=&quot;x&quot;&gt;&#39;\"")
    );
    assert!(!page.html.contains("<b onclick"));
    let pending = app
        .state
        .store
        .pending_verification_of("not an address")
        .await;
    assert!(pending.is_err());
}

#[tokio::test]
async fn a_form_without_this_browsers_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.registered("aigerim@mail.kz").await;
    let mut browser = Browser::new(&app);
    browser.get("/login").await;
    // No token.
    let bare = browser
        .post(
            "/login",
            &[("email", "aigerim@mail.kz"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(bare.status, 403);
    assert!(!browser.cookies.contains_key("grants_session"));
    // Another browser's token.
    let mut other = Browser::new(&app);
    let foreign = other.get("/login").await.form_token();
    let forged = browser
        .post(
            "/login",
            &[
                ("csrf", &foreign),
                ("email", "aigerim@mail.kz"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(!browser.cookies.contains_key("grants_session"));
    // A registration posted from elsewhere is not received.
    let mut stranger = Browser::new(&app);
    let posted = stranger
        .post(
            "/register",
            &[
                ("email", "victim@mail.kz"),
                ("name", "X"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(posted.status, 403);
    assert!(
        app.state
            .store
            .pending_verification_of("victim@mail.kz")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_wrong_password_is_told_without_saying_which_and_failures_are_limited() {
    let app = grants_tests::spawn_app_configured(|settings| {
        settings.auth_rate_per_address = 3;
    })
    .await;
    app.registered("aigerim@mail.kz").await;
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("en".to_owned());
    for _ in 0..3 {
        let page = browser
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "aigerim@mail.kz"),
                    ("password", "wrong-password-1"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(
            page.html
                .contains("The e-mail address or the password is wrong.")
        );
    }
    let limited = browser
        .submit(
            "/login",
            "/login",
            &[("email", "aigerim@mail.kz"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(limited.status, 429);
    assert!(limited.html.contains("Too many attempts"));
    assert!(!browser.cookies.contains_key("grants_session"));
}

#[tokio::test]
async fn a_forgotten_password_is_reset_from_the_link_and_every_login_ends() {
    let app = spawn_app().await;
    app.registered("aigerim@mail.kz").await;
    // Signed in twice: in this browser and through the API.
    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let api = app.login("aigerim@mail.kz", PASSWORD).await;
    let access = api.str("access_token").to_owned();

    let mut phone = Browser::new(&app);
    let asked = phone
        .submit(
            "/password-reset?lang=en",
            "/password-reset",
            &[("email", "aigerim@mail.kz")],
        )
        .await;
    assert_eq!(asked.status, 200);
    assert!(asked.html.contains("aigerim@mail.kz"));
    // An address without an account gets the same page.
    let unknown = phone
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "nobody@mail.kz")],
        )
        .await;
    assert_eq!(unknown.status, 200);
    assert!(unknown.html.contains("nobody@mail.kz"));

    let (id, nonce) = app
        .state
        .store
        .pending_reset_of("aigerim@mail.kz")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let code = app
        .state
        .confirmations
        .reset_token(id, &nonce)
        .unwrap_or_else(|| panic!("a reset key"));
    let weak = phone
        .submit(
            &format!("/password-reset/confirm?code={code}"),
            "/password-reset/confirm",
            &[("code", &code), ("password", "12345")],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.html.contains("id=\"password-error\""));
    let new_password = "жаңа-құпиясөз-2027";
    let done = phone
        .submit(
            &format!("/password-reset/confirm?code={code}"),
            "/password-reset/confirm",
            &[("code", &code), ("password", new_password)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("Your password is set"));

    // Both earlier logins have ended.
    let home = browser.get("/").await;
    assert!(!home.html.contains("Айгерім"));
    assert!(!browser.cookies.contains_key("grants_session"));
    assert_eq!(app.get("/me").token(&access).send().await.status, 401);
    // The code works once.
    let reused = phone
        .submit(
            &format!("/password-reset/confirm?code={code}"),
            "/password-reset/confirm",
            &[("code", &code), ("password", "another-password-2028")],
        )
        .await;
    assert_eq!(reused.status, 422);
    browser.sign_in("aigerim@mail.kz", new_password).await;
}

#[tokio::test]
async fn a_registration_sent_twice_registers_once_so_the_mailed_link_stays_good() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/register").await;
    let (token, once) = (page.form_token(), page.once_token());
    let fields = [
        ("csrf", token.as_str()),
        ("once", once.as_str()),
        ("email", "aigerim@mail.kz"),
        ("name", "Айгерім"),
        ("password", PASSWORD),
        ("language", "kk"),
    ];
    let first = browser.post("/register", &fields).await;
    assert_eq!(first.status, 200);
    let code = app.confirmation_code("aigerim@mail.kz").await;
    let second = browser.post("/register", &fields).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.html, first.html);
    // Had it registered again, the first code would have been replaced.
    assert_eq!(app.confirmation_code("aigerim@mail.kz").await, code);
    assert_eq!(app.verify_email(&code).await.status, 200);
}
