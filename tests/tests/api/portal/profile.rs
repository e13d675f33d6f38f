//! The account page: the name and language, and a password change that ends every other
//! sign-in of the account while this one goes on.

use grants_tests::{PASSWORD, spawn_app};

use super::browser::Browser;

#[tokio::test]
async fn a_person_changes_their_language_and_password_and_only_this_sign_in_goes_on() {
    let app = spawn_app().await;
    app.applicant("aigerim@mail.kz").await;
    let mut phone = Browser::new(&app);
    phone.sign_in("aigerim@mail.kz", PASSWORD).await;
    let mut laptop = Browser::new(&app);
    laptop.sign_in("aigerim@mail.kz", PASSWORD).await;
    let api = app.token_for("aigerim@mail.kz").await;

    let saved = phone
        .submit(
            "/account",
            "/account",
            &[("name", "Айгерім Сәрсенова"), ("language", "en")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let page = phone.get(saved.location()).await;
    assert_eq!(page.lang(), "en");
    assert!(page.html.contains("Your details are saved."));
    assert!(page.html.contains("Айгерім Сәрсенова"));
    let me = app.get("/me").token(&api).send().await;
    assert_eq!(me.body["language"], "en");

    // A blank name is refused beside its field; nothing changes.
    let blank = phone
        .submit("/account", "/account", &[("name", " "), ("language", "kk")])
        .await;
    assert_eq!(blank.status, 422, "{}", blank.html);
    assert!(blank.html.contains("id=\"name-error\""));
    let me = app.get("/me").token(&api).send().await;
    assert_eq!(me.body["language"], "en");

    // A wrong current password is refused beside it, and nothing typed comes back.
    let wrong = phone
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", "not-my-password-1"),
                ("new_password", "жаңа-құпиясөз-2027"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.html);
    assert!(wrong.html.contains("id=\"current_password-error\""));
    assert!(!wrong.html.contains("жаңа-құпиясөз-2027"));

    let changed = phone
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "жаңа-құпиясөз-2027"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.html);
    let page = phone.get("/account").await;
    assert_eq!(page.status, 200, "this sign-in goes on");
    // The other browser's sign-in and the API's login have ended.
    let other = laptop.get("/account").await;
    assert_eq!(other.status, 303);
    assert!(other.location().starts_with("/login"));
    assert_eq!(app.get("/me").token(&api).send().await.status, 401);
    assert_eq!(app.login("aigerim@mail.kz", PASSWORD).await.status, 401);
    assert_eq!(
        app.login("aigerim@mail.kz", "жаңа-құпиясөз-2027")
            .await
            .status,
        200
    );
}
