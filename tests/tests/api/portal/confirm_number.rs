//! Confirming an address on a phone by the eight-digit number mailed beside the link: five
//! wrong numbers and the code is replaced, with a new mail.

use grants_tests::{PASSWORD, spawn_app};

use super::browser::Browser;

#[tokio::test]
async fn a_number_typed_on_a_phone_confirms_and_five_wrong_ones_bring_a_new_code() {
    let app = spawn_app().await;
    assert_eq!(app.register("aigerim@mail.kz").await.status, 202);
    let first = app.confirmation_number("aigerim@mail.kz").await;
    let mut phone = Browser::new(&app);
    let page = phone.get("/confirm?lang=en").await;
    assert!(
        page.html.contains("action=\"/confirm/number\""),
        "{}",
        page.html
    );

    // A malformed number is refused beside its field and costs no try.
    let malformed = phone
        .submit(
            "/confirm?lang=en",
            "/confirm/number",
            &[("email", "aigerim@mail.kz"), ("number", "12 34")],
        )
        .await;
    assert_eq!(malformed.status, 422, "{}", malformed.html);
    assert!(malformed.html.contains("Type the eight digits"));

    // A wrong number for this address: refused, the others may still be typed.
    let wrong = if first == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..4 {
        let refused = phone
            .submit(
                "/confirm",
                "/confirm/number",
                &[("email", "aigerim@mail.kz"), ("number", wrong)],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(refused.html.contains("id=\"number-error\""));
        assert!(refused.html.contains("value=\"aigerim@mail.kz\""));
        assert_eq!(app.confirmation_number("aigerim@mail.kz").await, first);
    }
    // The fifth: a new code is mailed, and the first number no longer works.
    let fifth = phone
        .submit(
            "/confirm",
            "/confirm/number",
            &[("email", "aigerim@mail.kz"), ("number", wrong)],
        )
        .await;
    assert_eq!(fifth.status, 422, "{}", fifth.html);
    assert!(
        fifth.html.contains("we have mailed you a new one"),
        "{}",
        fifth.html
    );
    let second = app.confirmation_number("aigerim@mail.kz").await;
    let old = phone
        .submit(
            "/confirm",
            "/confirm/number",
            &[("email", "aigerim@mail.kz"), ("number", &first)],
        )
        .await;
    if first != second {
        assert_eq!(old.status, 422, "{}", old.html);
    }
    assert_ne!(app.login("aigerim@mail.kz", PASSWORD).await.status, 200);
    let (account, _) = app
        .state
        .store
        .pending_verification_of("aigerim@mail.kz")
        .await
        .unwrap_or_else(|e| panic!("pending: {e}"));
    let outbox = app
        .state
        .store
        .list_outbox(None, None, 100)
        .await
        .unwrap_or_else(|e| panic!("outbox: {e}"));
    let mailed = outbox
        .items
        .iter()
        .filter(|m| m.recipient_id == account && m.kind.code() == "verify_email")
        .count();
    assert_eq!(mailed, 2, "the registration's mail and the new code's");

    // The new number, typed with a space, confirms; the account signs in.
    let spaced = format!("{} {}", &second[..4], &second[4..]);
    let confirmed = phone
        .submit(
            "/confirm",
            "/confirm/number",
            &[("email", "Aigerim@Mail.kz"), ("number", &spaced)],
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.html);
    assert_eq!(app.login("aigerim@mail.kz", PASSWORD).await.status, 200);
}
