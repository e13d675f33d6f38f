//! Applying from a call's page, the editor and submission, through the portal's forms.

use grants_tests::{PASSWORD, call_body, spawn_app, valid_bin};
use serde_json::json;

use super::browser::{Browser, Page};

fn field_value(page: &Page, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\" name=\"{id}\" value=\"");
    let start = page.html.find(&marker)? + marker.len();
    let end = page.html[start..].find('"')? + start;
    Some(page.html[start..end].to_owned())
}

#[tokio::test]
async fn an_applicant_applies_edits_the_budget_without_scripts_and_submits() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let call = app.published_call(&officer, &call_body()).await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(6)).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;

    let applied = browser
        .submit(
            &format!("/calls/{call}?lang=en"),
            &format!("/calls/{call}/apply"),
            &[("organization_id", &org)],
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.html);
    let editor = applied.location().to_owned();
    assert!(editor.ends_with("/edit"), "{editor}");
    let id = editor
        .trim_start_matches("/applications/")
        .trim_end_matches("/edit")
        .to_owned();
    let page = browser.get(&editor).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("id=\"budget_lines[0].description\""));

    // Numbers that are not numbers and a cost that is not money: refused beside their
    // fields, with what was typed kept.
    assert_eq!(field_value(&page, "title").as_deref(), Some(""));
    let refused = browser
        .submit(
            &editor,
            &editor,
            &[
                ("version", "1"),
                ("title", "Балалар алаңы"),
                ("beneficiaries", "көп"),
                ("budget_lines[0].category", "equipment"),
                ("budget_lines[0].description", "Ойын жабдығы"),
                ("budget_lines[0].quantity", "4"),
                ("budget_lines[0].unit_cost", "екі жүз"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.html.contains("id=\"beneficiaries-error\""));
    assert!(
        refused
            .html
            .contains("id=\"budget_lines[0].unit_cost-error\"")
    );
    assert!(refused.html.contains("value=\"екі жүз\""));
    assert_eq!(
        app.get(&format!("/applications/{id}"))
            .token(&owner)
            .send()
            .await
            .body["title"],
        json!(null)
    );

    // Saved, then a line added: the server computes the totals.
    let saved = browser
        .submit(
            &editor,
            &editor,
            &[
                ("version", "1"),
                ("title", "Балалар алаңы"),
                ("beneficiaries", "350"),
                ("budget_lines[0].category", "equipment"),
                ("budget_lines[0].description", "Ойын жабдығы"),
                ("budget_lines[0].quantity", "4"),
                ("budget_lines[0].unit_cost", "250000"),
                ("budget_lines[0].cofinanced", "100000"),
                ("action", "add"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let two_rows = browser.get(saved.location()).await;
    assert!(
        two_rows.html.contains("KZT\u{a0}1,000,000"),
        "{}",
        two_rows.html
    );
    assert!(two_rows.html.contains("KZT\u{a0}900,000"));
    assert!(two_rows.html.contains("id=\"budget_lines[1].description\""));
    let second = browser
        .submit(
            saved.location(),
            &editor,
            &[
                ("version", "2"),
                ("budget_lines[0].category", "equipment"),
                ("budget_lines[0].description", "Ойын жабдығы"),
                ("budget_lines[0].quantity", "4"),
                ("budget_lines[0].unit_cost", "250000"),
                ("budget_lines[0].cofinanced", "100000"),
                ("budget_lines[1].category", "services"),
                ("budget_lines[1].description", "Монтаж"),
                ("budget_lines[1].quantity", "1"),
                ("budget_lines[1].unit_cost", "200000"),
                ("budget_lines[1].cofinanced", "50000"),
                ("action", "remove-0"),
            ],
        )
        .await;
    assert_eq!(second.status, 303, "{}", second.html);
    let read = app
        .get(&format!("/applications/{id}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(read.body["budget_lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(read.body["budget_lines"][0]["description"], json!("Монтаж"));
    assert_eq!(read.body["beneficiaries"], json!(350));

    // Submitting what is incomplete lists every missing field beside it, in the editor.
    let check = browser.get(&format!("/applications/{id}")).await;
    assert!(
        check
            .html
            .contains(&format!("action=\"/applications/{id}/submit\""))
    );
    let incomplete = browser
        .submit(
            &format!("/applications/{id}"),
            &format!("/applications/{id}/submit"),
            &[],
        )
        .await;
    assert_eq!(incomplete.status, 422, "{}", incomplete.html);
    for field in [
        "summary",
        "problem",
        "goals",
        "activities",
        "target_groups",
        "settlement",
        "duration_months",
    ] {
        assert!(
            incomplete.html.contains(&format!("id=\"{field}-error\"")),
            "{field} not refused in {}",
            incomplete.html
        );
    }
    let done = browser
        .submit(
            &editor,
            &editor,
            &[
                ("version", "3"),
                ("summary", "Ауылда балалар алаңын салу."),
                ("problem", "Балаларға ойын орны жоқ."),
                ("goals", "Алаң салу."),
                ("activities", "Жабдық алу, орнату."),
                ("target_groups", "children, mothers"),
                ("settlement", "Шалқар"),
                ("duration_months", "12"),
                ("budget_lines[0].category", "services"),
                ("budget_lines[0].description", "Монтаж"),
                ("budget_lines[0].quantity", "4"),
                ("budget_lines[0].unit_cost", "200000"),
                ("budget_lines[0].cofinanced", "100000"),
                ("action", "review"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.html);
    assert_eq!(done.location(), format!("/applications/{id}"));
    let submitted = browser
        .submit(
            &format!("/applications/{id}"),
            &format!("/applications/{id}/submit"),
            &[],
        )
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.html);
    let read = app
        .get(&format!("/applications/{id}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(read.body["status"], json!("submitted"));
    let receipt = read.str("receipt_sha256").to_owned();
    let page = browser.get(&format!("/applications/{id}?lang=en")).await;
    assert!(page.html.contains(&receipt));
    assert!(!page.html.contains("/submit\""));
    // The editor of a submitted application leads back to its page.
    assert_eq!(browser.get(&editor).await.status, 303);
}

#[tokio::test]
async fn nobody_else_edits_or_submits_an_application_and_a_stale_save_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let call = app.published_call(&officer, &call_body()).await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(8)).await;
    let draft = app
        .draft(&owner, &call, &org, &json!({"title": "Жоба"}))
        .await;
    let id = draft.str("id").to_owned();
    let editor = format!("/applications/{id}/edit");

    app.registered("other@mail.kz").await;
    for (who, status) in [("other@mail.kz", 404), ("officer@grants.kz", 403)] {
        let mut other = Browser::new(&app);
        other.sign_in(who, PASSWORD).await;
        assert_eq!(other.get(&editor).await.status, status, "{who}");
        let token = other.get("/").await.form_token();
        let posted = other
            .post(
                &editor,
                &[("csrf", &token), ("version", "1"), ("title", "Басқа")],
            )
            .await;
        assert_eq!(posted.status, status, "{who}");
        let submitted = other
            .post(&format!("/applications/{id}/submit"), &[("csrf", &token)])
            .await;
        assert_eq!(submitted.status, status, "{who}");
    }
    let read = app
        .get(&format!("/applications/{id}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(
        (read.body["title"].clone(), read.body["status"].clone()),
        (json!("Жоба"), json!("draft"))
    );

    // Two members' tabs: the later save names a version that is gone.
    let mut first = Browser::new(&app);
    first.sign_in("aigerim@mail.kz", PASSWORD).await;
    let tab_a = first.get(&editor).await;
    let tab_b = first.get(&editor).await;
    let post = |page: &Page, title: &'static str| {
        let (token, once) = (page.form_token(), page.once_token());
        vec![
            ("csrf".to_owned(), token),
            ("once".to_owned(), once),
            ("version".to_owned(), "1".to_owned()),
            ("title".to_owned(), title.to_owned()),
        ]
    };
    let a = post(&tab_a, "Бірінші");
    let b = post(&tab_b, "Екінші");
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let b: Vec<(&str, &str)> = b.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(first.post(&editor, &a).await.status, 303);
    let stale = first.post(&editor, &b).await;
    assert_eq!(stale.status, 422);
    assert!(stale.html.contains("value=\"Бірінші\""), "{}", stale.html);
    let read = app
        .get(&format!("/applications/{id}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(read.body["title"], json!("Бірінші"));
}

#[tokio::test]
async fn a_form_posted_after_the_sign_in_ended_comes_back_filled_after_signing_in() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let call = app.published_call(&officer, &call_body()).await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(15)).await;
    let draft = app
        .draft(&owner, &call, &org, &json!({"title": "Жоба"}))
        .await;
    let id = draft.str("id").to_owned();
    let editor = format!("/applications/{id}/edit");

    let mut browser = Browser::new(&app);
    browser.sign_in("aigerim@mail.kz", PASSWORD).await;
    let page = browser.get(&editor).await;
    let (token, once) = (page.form_token(), page.once_token());
    // The sign-in ends meanwhile (here: a month and a day without a visit).
    app.clock.advance(chrono::Duration::days(31));
    let posted = browser
        .post(
            &editor,
            &[
                ("csrf", &token),
                ("once", &once),
                ("version", "1"),
                ("title", "Ұзақ жазылған атау"),
                ("summary", "Көп уақыт жазылған мәтін"),
            ],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.html);
    let login = posted.location().to_owned();
    assert!(login.starts_with("/login?next="), "{login}");
    assert!(login.contains("parked%3D"), "{login}");
    // Nothing was saved.
    let owner = app.token_for("aigerim@mail.kz").await;
    let read = app
        .get(&format!("/applications/{id}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(read.body["title"], json!("Жоба"));
    // Signing in leads back to the editor, filled as it was typed.
    let page = browser.get(&login).await;
    let next = field_value_named(&page.html, "next");
    let signed = browser
        .post(
            "/login",
            &[
                ("csrf", &page.form_token()),
                ("email", "aigerim@mail.kz"),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
    let back = browser.get(signed.location()).await;
    assert_eq!(back.status, 200, "{}", back.html);
    assert!(
        back.html.contains("value=\"Ұзақ жазылған атау\""),
        "{}",
        back.html
    );
    assert!(back.html.contains("Көп уақыт жазылған мәтін"));
    assert!(back.html.contains("class=\"notice\""));
    // It comes back once.
    let again = browser.get(signed.location()).await;
    assert!(!again.html.contains("Ұзақ жазылған атау"));
}

fn field_value_named(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map_or(0, |i| i + marker.len());
    let end = html[start..].find('"').map_or(start, |i| start + i);
    html[start..end].replace("&amp;", "&")
}
