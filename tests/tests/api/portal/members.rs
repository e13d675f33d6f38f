//! Members and invitations in the portal, and withdrawing an application.

use grants_tests::{PASSWORD, call_body, spawn_app, valid_bin};
use serde_json::json;

use super::browser::Browser;

#[tokio::test]
async fn an_owner_invites_by_address_and_the_invitee_joins_by_accepting() {
    let app = spawn_app().await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(11)).await;
    app.registered("dana@mail.kz").await;
    let members = format!("/organizations/{org}/members");

    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let refused = browser
        .submit(
            &format!("{members}?lang=en"),
            &members,
            &[("email", "dana"), ("role", "member")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("id=\"email-error\""));
    let invited = browser
        .submit(
            &members,
            &members,
            &[("email", "Dana@Mail.kz"), ("role", "member")],
        )
        .await;
    assert_eq!(invited.status, 303, "{}", invited.html);
    let page = browser.get(invited.location()).await;
    assert!(page.html.contains("the invitation is on its way"));
    assert!(page.html.contains("dana@mail.kz"));
    // An address without an account gets the same answer, and nobody joins by it.
    let unknown = browser
        .submit(
            &members,
            &members,
            &[("email", "nobody@mail.kz"), ("role", "owner")],
        )
        .await;
    assert_eq!(unknown.status, 303);

    let mut dana = Browser::new(&app);
    dana.sign_in("dana@mail.kz", PASSWORD).await;
    let before = dana.get(&members).await;
    assert_eq!(before.status, 404, "not a member before accepting");
    let open = dana.get("/invitations?lang=en").await;
    assert!(open.html.contains("/accept"), "{}", open.html);
    let accepted = dana
        .submit("/invitations", &first_action(&open.html, "/accept"), &[])
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.html);
    assert_eq!(accepted.location(), "/dashboard");
    let dashboard = dana.get("/dashboard").await;
    assert!(dashboard.html.contains(&format!("/organizations/{org}")));
    // A member reads the members page but does not invite.
    let as_member = dana.get(&members).await;
    assert_eq!(as_member.status, 200);
    assert!(!as_member.html.contains("name=\"email\""));
    let listed = app
        .get(&format!("/organizations/{org}/members"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(2),
        "{}",
        listed.text
    );
}

/// The `action` of the first form on a page whose action ends with `suffix`.
fn first_action(html: &str, suffix: &str) -> String {
    html.split("action=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.ends_with(suffix))
        .unwrap_or_else(|| panic!("no form to {suffix} in {html}"))
        .to_owned()
}

#[tokio::test]
async fn an_application_is_withdrawn_after_asking_and_only_by_its_members() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let call = app.published_call(&officer, &call_body()).await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(12)).await;
    let draft = app
        .draft(&owner, &call, &org, &json!({"title": "Жоба"}))
        .await;
    let id = draft.str("id").to_owned();
    let path = format!("/applications/{id}");

    let mut staff = Browser::new(&app);
    staff.sign_in("officer@grants.kz", PASSWORD).await;
    assert_eq!(staff.get(&format!("{path}/withdraw")).await.status, 403);

    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let page = browser.get(&format!("{path}?lang=en")).await;
    assert!(page.html.contains(&format!("href=\"{path}/withdraw\"")));
    let done = browser
        .submit(
            &format!("{path}/withdraw"),
            &format!("{path}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.html);
    let read = app.get(&path).token(&owner).send().await;
    assert_eq!(read.body["status"], json!("withdrawn"));
    let after = browser.get(&format!("{path}?lang=en")).await;
    assert!(after.html.contains("Withdrawn"));
    assert!(!after.html.contains("/withdraw\""));
}
