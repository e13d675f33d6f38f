//! The applicant's pages: the dashboard, creating an organisation and editing its profile.

use grants_tests::{PASSWORD, call_body, complete_content, spawn_app, valid_bin};
use serde_json::json;

use super::browser::Browser;

fn organization_fields<'a>(bin: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "«Ақ ниет» қоғамдық бірлестігі"),
        ("bin", bin),
        ("region", "aktobe"),
        ("settlement", "Шалқар"),
        ("rural", "yes"),
        ("registered_on", date),
        ("contact_email", "aqniet@mail.kz"),
    ]
}

#[tokio::test]
async fn an_applicant_creates_an_organisation_seeing_every_refusal_at_once() {
    let app = spawn_app().await;
    app.registered("aigerim@mail.kz").await;
    let mut browser = Browser::new(&app);
    // A stranger is sent to sign in, and back afterwards.
    let stranger = browser.get("/organizations/new").await;
    assert_eq!(stranger.status, 303);
    assert_eq!(stranger.location(), "/login?next=%2Forganizations%2Fnew");
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let empty = browser.get("/dashboard?lang=en").await;
    assert_eq!(empty.status, 200);
    assert!(empty.html.contains("You are not in an organisation yet"));

    let refused = browser
        .submit(
            "/organizations/new",
            "/organizations/new",
            &organization_fields("123456789012", "01.03.2019"),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.html.contains("id=\"bin-error\""));
    assert!(refused.html.contains("Enter the date as year-month-day"));
    assert!(refused.html.contains("<a href=\"#bin\">"));
    assert!(refused.html.contains("<a href=\"#registered_on\">"));
    // What was typed is kept.
    assert!(refused.html.contains("value=\"Шалқар\""));
    assert!(refused.html.contains("<option value=\"aktobe\" selected>"));
    let token = app.token_for("aigerim@mail.kz").await;
    let none = app.get("/organizations").token(&token).send().await;
    assert_eq!(none.body["items"], json!([]));

    let bin = valid_bin(7);
    let created = browser
        .submit(
            "/organizations/new",
            "/organizations/new",
            &organization_fields(&bin, "2019-03-01"),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.html);
    let profile = browser.get(created.location()).await;
    assert_eq!(profile.status, 200);
    assert!(profile.html.contains("The changes are saved."));
    assert!(profile.html.contains("Your role: owner"));
    assert!(
        profile
            .html
            .contains("Not yet checked against the state registry")
    );
    let listed = app.get("/organizations").token(&token).send().await;
    assert_eq!(listed.body["items"][0]["bin"], json!(bin));
    assert_eq!(
        listed.body["items"][0]["registered_on"],
        json!("2019-03-01")
    );
    let dashboard = browser.get("/dashboard").await;
    assert!(dashboard.html.contains("«Ақ ниет» қоғамдық бірлестігі"));
}

#[tokio::test]
async fn owners_edit_the_profile_members_and_staff_read_it_and_others_see_a_404_page() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    app.staff(&admin, "officer@grants.kz", "officer").await;
    app.staff(&admin, "expert@grants.kz", "reviewer").await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(3)).await;
    app.registered("dana@mail.kz").await;
    app.member(&owner, &org, "dana@mail.kz", "member").await;
    app.registered("stranger@mail.kz").await;
    let path = format!("/organizations/{org}");
    let bin = valid_bin(3);

    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let page = browser.get(&format!("{path}?lang=en")).await;
    assert!(page.html.contains("name=\"version\" value=\"1\""));
    let mut fields = organization_fields(&bin, "2019-03-01");
    fields[3] = ("settlement", "Қарауылкелді");
    let token = page.form_token();
    let mut posted = vec![("csrf", token.as_str()), ("version", "1")];
    posted.extend_from_slice(&fields);
    let saved = browser.post(&path, &posted).await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let read = app.get(&path).token(&owner).send().await;
    assert_eq!(read.body["settlement"], json!("Қарауылкелді"));
    // The same form again names version 1, which someone (this very change) replaced.
    let stale = browser.post(&path, &posted).await;
    assert_eq!(stale.status, 422);
    assert!(stale.html.contains("Someone changed this meanwhile"));
    assert!(stale.html.contains("name=\"version\" value=\"2\""));

    for (who, status, editable) in [
        ("dana@mail.kz", 200, false),
        ("officer@grants.kz", 200, false),
        ("admin@grants.kz", 200, false),
        ("expert@grants.kz", 404, false),
        ("stranger@mail.kz", 404, false),
    ] {
        let mut other = Browser::new(&app);
        other.sign_in(who, PASSWORD).await;
        let page = other.get(&path).await;
        assert_eq!(page.status, status, "{who}");
        assert_eq!(page.html.contains("name=\"version\""), editable, "{who}");
        let token = page.form_token();
        let mut attempt = vec![("csrf", token.as_str()), ("version", "2")];
        attempt.extend_from_slice(&organization_fields(&bin, "2019-03-01"));
        let tried = other.post(&path, &attempt).await;
        assert!(matches!(tried.status, 403 | 404), "{who}: {}", tried.status);
    }
    let unchanged = app.get(&path).token(&owner).send().await;
    assert_eq!(unchanged.body["settlement"], json!("Қарауылкелді"));
}

#[tokio::test]
async fn the_dashboard_lists_applications_with_what_is_expected_next_and_is_for_applicants() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let call = app.published_call(&officer, &call_body()).await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(5)).await;
    let draft = app
        .draft(&owner, &call, &org, &json!({"title": "Жоба"}))
        .await;
    assert_eq!(draft.status, 201);
    let submitted = app.draft(&owner, &call, &org, &complete_content()).await;
    let id = submitted.str("id").to_owned();
    let sent = app
        .post(&format!("/applications/{id}/submit"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);

    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let page = browser.get("/dashboard?lang=ru").await;
    assert_eq!(page.status, 200);
    for text in [
        "Жоба",
        "Черновик",
        "Ещё не подана",
        "Балалар алаңы — Детская площадка в ауле",
        "Подана",
        "От вас ничего не требуется",
        "1\u{a0}050\u{a0}000\u{a0}тенге",
        "href=\"/dashboard\"",
        &format!("href=\"/applications/{id}\""),
    ] {
        assert!(page.html.contains(text), "{text:?} not in {}", page.html);
    }
    // Another applicant sees none of it; staff are not applicants.
    app.registered("stranger@mail.kz").await;
    let mut stranger = Browser::new(&app);
    stranger.sign_in("stranger@mail.kz", PASSWORD).await;
    assert!(!stranger.get("/dashboard").await.html.contains("Жоба"));
    let mut staff = Browser::new(&app);
    staff.sign_in("officer@grants.kz", PASSWORD).await;
    assert_eq!(staff.get("/dashboard").await.status, 403);
    assert!(!staff.get("/").await.html.contains("href=\"/dashboard\""));
}

#[tokio::test]
async fn a_form_sent_twice_acts_once_and_both_are_answered_alike() {
    let app = spawn_app().await;
    app.registered("aigerim@mail.kz").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let page = browser.get("/organizations/new").await;
    let token = page.form_token();
    let once = page.once_token();
    let bin = valid_bin(9);
    let mut fields = vec![("csrf", token.as_str()), ("once", once.as_str())];
    fields.extend_from_slice(&organization_fields(&bin, "2019-03-01"));
    // Two at the same moment (a double tap), then a third later (a resend).
    let mut twin = Browser::new(&app);
    twin.cookies = browser.cookies.clone();
    let (first, second) = tokio::join!(
        browser.post("/organizations/new", &fields),
        twin.post("/organizations/new", &fields)
    );
    let third = browser.post("/organizations/new", &fields).await;
    assert_eq!((first.status, second.status, third.status), (303, 303, 303));
    assert_eq!(first.location(), second.location());
    assert_eq!(first.location(), third.location());
    let owner = app.token_for("aigerim@mail.kz").await;
    let listed = app.get("/organizations").token(&owner).send().await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    // A fresh form acts again.
    let again = browser
        .submit(
            "/organizations/new",
            "/organizations/new",
            &organization_fields(&valid_bin(10), "2019-03-01"),
        )
        .await;
    assert_eq!(again.status, 303);
    assert_ne!(again.location(), first.location());
}
