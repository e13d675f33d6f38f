//! The operator's pages: an officer writes and publishes a call through the form, screens
//! applications, fills the reviewer pool and assigns automatically, reads the ranking with
//! its funding line and CSV, and decides several applications at once; an admin creates
//! staff accounts and reads the outbox.

use grants_tests::{
    PASSWORD, TestApp, closes_at, complete_content, review_body, spawn_app, valid_bin,
};
use serde_json::json;

use super::browser::Browser;

/// The fields of a complete call form (two criteria, a Kazakh title and criterion text).
fn call_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("title", "Ауыл әйелдеріне қолдау 2027"),
        ("description", "Гранты сельским НПО на поддержку женщин."),
        ("area.women_and_children", "on"),
        ("budget", "2000000"),
        ("min_grant", "500000"),
        ("max_grant", "1500000"),
        ("cofinancing_share", "0.1"),
        ("opens_at", "2026-01-01T09:00"),
        ("closes_at", "2099-12-31T18:00"),
        ("eligibility.min_years_registered", "0"),
        ("rubric[0].key", "relevance"),
        ("rubric[0].title", "Relevance to the village"),
        ("rubric[0].max_score", "10"),
        ("rubric[0].weight", "2"),
        ("rubric[0].guidance", "Is it what the village needs?"),
        ("rubric[1].key", "budget"),
        ("rubric[1].title", "Sound budget"),
        ("rubric[1].max_score", "5"),
        ("rubric[1].weight", "1"),
        ("reviewers_per_application", "2"),
        ("fundable_min_score", "10"),
        ("disagreement_spread", "25"),
        ("aggregation", "mean"),
        ("translations.kk.title", "Ауыл әйелдеріне қолдау"),
        ("translations.kk.rubric[0].title", "Ауылға өзектілігі"),
    ]
}

/// The id at the end of a `/office/calls/{id}` location.
fn call_of(location: &str) -> String {
    location.trim_start_matches("/office/calls/").to_owned()
}

#[tokio::test]
async fn an_officer_writes_a_call_with_its_rubric_and_languages_then_publishes_it() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut officer = Browser::new(&app);
    officer.sign_in("officer@grants.kz", PASSWORD).await;

    // A rubric row is added without scripts.
    let mut typed = call_form();
    typed.push(("action", "add"));
    let grown = officer
        .submit("/office/calls/new", "/office/calls/new", &typed)
        .await;
    assert_eq!(grown.status, 200, "{}", grown.html);
    assert!(grown.html.contains("name=\"rubric[2].key\""));
    assert!(grown.html.contains("Relevance to the village"));

    // Every refusal beside its field, nothing saved.
    let mut bad = call_form();
    bad.retain(|(name, _)| *name != "rubric[1].max_score" && *name != "closes_at");
    bad.push(("rubric[1].max_score", "five"));
    bad.push(("closes_at", "someday"));
    let refused = officer
        .submit("/office/calls/new?lang=en", "/office/calls/new", &bad)
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.html.contains("id=\"rubric[1].max_score-error\""));
    assert!(refused.html.contains("id=\"closes_at-error\""));
    assert!(refused.html.contains("value=\"five\""));
    let listed = app.get("/calls?status=draft").token(&admin).send().await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(0));

    let created = officer
        .submit("/office/calls/new", "/office/calls/new", &call_form())
        .await;
    assert_eq!(created.status, 303, "{}", created.html);
    let call = call_of(created.location());
    let read = app
        .get(&format!("/calls/{call}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.body["rubric"][0]["guidance"],
        "Is it what the village needs?"
    );
    assert_eq!(
        read.body["translations"]["kk"]["title"],
        "Ауыл әйелдеріне қолдау"
    );
    assert_eq!(
        read.body["translations"]["kk"]["rubric"]["relevance"]["title"],
        "Ауылға өзектілігі"
    );
    // 18:00 in Almaty is 13:00 UTC.
    assert_eq!(read.body["closes_at"], "2099-12-31T13:00:00+00:00");

    // The draft's form holds what was saved; a change is kept.
    let edit = format!("/office/calls/{call}/edit");
    let form = officer.get(&edit).await;
    assert!(
        form.html.contains("value=\"2099-12-31T18:00\""),
        "{}",
        form.html
    );
    let mut changed = call_form();
    changed.retain(|(name, _)| *name != "title");
    changed.push(("title", "Ауыл әйелдеріне қолдау 2028"));
    changed.push(("version", "1"));
    let saved = officer.submit(&edit, &edit, &changed).await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let read = app
        .get(&format!("/calls/{call}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(read.body["title"], "Ауыл әйелдеріне қолдау 2028");

    // Published, it is on the public home page and can no longer be edited.
    let page = format!("/office/calls/{call}");
    let published = officer.submit(&page, &format!("{page}/publish"), &[]).await;
    assert_eq!(published.status, 303, "{}", published.html);
    let home = Browser::new(&app).get("/?lang=kk").await;
    assert!(
        home.html.contains("Ауыл әйелдеріне қолдау"),
        "{}",
        home.html
    );
    assert_eq!(officer.get(&edit).await.status, 409);
    let office = officer.get("/office?lang=en").await;
    assert!(office.html.contains(&page));
    assert!(office.html.contains("Open for applications"));
}

/// A published call with two submitted applications (the second from a Kazakh NGO asking
/// more), three reviewers, and the officer signed in to the portal.
struct Office<'a> {
    officer: Browser<'a>,
    officer_token: String,
    call: String,
    applications: Vec<String>,
    reviewers: Vec<(String, String)>,
}

async fn office(app: &TestApp) -> Office<'_> {
    let admin = app.admin("admin@grants.kz").await;
    let officer_token = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut reviewers = Vec::new();
    for i in 0..3 {
        let email = format!("expert{i}@grants.kz");
        let token = app.staff(&admin, &email, "reviewer").await;
        let id = app
            .get("/me")
            .token(&token)
            .send()
            .await
            .str("id")
            .to_owned();
        reviewers.push((token, id));
    }
    let mut body = grants_tests::call_body();
    body["budget"] = json!("1500000");
    body["max_grant"] = json!("1500000");
    body["fundable_min_score"] = json!(10);
    let call = app.published_call(&officer_token, &body).await;
    let mut applications = Vec::new();
    for i in 0..2 {
        let owner = app.applicant(&format!("ngo{i}@mail.kz")).await;
        let org = app.organization(&owner, &valid_bin(i + 1)).await;
        let draft = app.draft(&owner, &call, &org, &complete_content()).await;
        let id = draft.str("id").to_owned();
        let sent = app
            .post(&format!("/applications/{id}/submit"))
            .token(&owner)
            .send()
            .await;
        assert_eq!(sent.status, 200, "{}", sent.text);
        applications.push(id);
    }
    let mut officer = Browser::new(app);
    officer.sign_in("officer@grants.kz", PASSWORD).await;
    Office {
        officer,
        officer_token,
        call,
        applications,
        reviewers,
    }
}

#[tokio::test]
async fn an_officer_screens_fills_the_pool_assigns_ranks_and_decides_in_bulk() {
    let app = spawn_app().await;
    let mut o = office(&app).await;
    let base = format!("/office/calls/{}", o.call);

    // The call's applications, filtered by status.
    let list = o
        .officer
        .get(&format!("{base}/applications?status=submitted&lang=en"))
        .await;
    assert_eq!(list.status, 200);
    for id in &o.applications {
        assert!(list.html.contains(&format!("/applications/{id}")));
    }
    let none = o
        .officer
        .get(&format!("{base}/applications?status=approved"))
        .await;
    assert!(!none.html.contains(&o.applications[0]));

    // Screening: a revision asked for by a date, with the officer's words.
    let page = format!("/applications/{}", o.applications[0]);
    let screened = o
        .officer
        .submit(
            &page,
            &format!("{page}/screen"),
            &[
                ("action", "request_revision"),
                ("comment", "Приложите смету."),
                ("due", "2099-01-15"),
            ],
        )
        .await;
    assert_eq!(screened.status, 303, "{}", screened.html);
    let read = app.get(&page).token(&o.officer_token).send().await;
    assert_eq!(read.body["status"], "revision_requested");
    // A reason is required to refuse: the refusal is told, nothing changes.
    let refused = o
        .officer
        .submit(
            &page,
            &format!("{page}/screen"),
            &[("action", "mark_ineligible"), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    let read = app.get(&page).token(&o.officer_token).send().await;
    assert_eq!(read.body["status"], "revision_requested");

    // The pool: three reviewers added from the page.
    let first = o.officer.get(&format!("{base}/reviewers")).await;
    assert_eq!(first.status, 200, "{}", first.location());
    for (_, id) in &o.reviewers {
        let added = o
            .officer
            .submit(
                &format!("{base}/reviewers"),
                &format!("{base}/reviewers"),
                &[("reviewer_id", id)],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.html);
    }
    let pool = o.officer.get(&format!("{base}/reviewers?lang=en")).await;
    assert_eq!(pool.status, 200, "{}", pool.location());
    assert!(pool.html.contains("expert2@grants.kz"));
    // Automatic assignment waits for the call to close.
    let early = o
        .officer
        .submit(&format!("{base}/reviewers"), &format!("{base}/assign"), &[])
        .await;
    assert_eq!(early.status, 409, "{}", early.html);
    app.clock.set(closes_at() + chrono::Duration::minutes(1));
    // A month on, the portal's sign-in has lapsed.
    o.officer.sign_in("officer@grants.kz", PASSWORD).await;
    let assigned = o
        .officer
        .submit(
            &format!("{base}/reviewers"),
            &format!("{base}/assign"),
            &[("due", "2099-02-01")],
        )
        .await;
    assert_eq!(assigned.status, 303, "{}", assigned.html);
    // Only the application still submitted is assigned, to two reviewers.
    assert!(
        assigned.location().ends_with("assigned=2&unstaffed=0"),
        "{}",
        assigned.location()
    );

    // The reviewers (signed in again, a month on) score it.
    let mut scored = 0;
    for i in 0..o.reviewers.len() {
        let token = &app.token_for(&format!("expert{i}@grants.kz")).await;
        let mine = app.get("/me/assignments").token(token).send().await;
        assert_eq!(mine.status, 200, "{}", mine.text);
        for a in mine.body["items"].as_array().cloned().unwrap_or_default() {
            scored += 1;
            let id = a["id"].as_str().unwrap_or_default();
            let accepted = app
                .post(&format!("/assignments/{id}/accept"))
                .token(token)
                .send()
                .await;
            assert_eq!(accepted.status, 200, "{}", accepted.text);
            let saved = app
                .put(&format!("/assignments/{id}/review"))
                .token(token)
                .json(&review_body(9, 4, "Жақсы жоба"))
                .send()
                .await;
            assert_eq!(saved.status, 200, "{}", saved.text);
            let sent = app
                .post(&format!("/assignments/{id}/review/submit"))
                .token(token)
                .send()
                .await;
            assert_eq!(sent.status, 200, "{}", sent.text);
        }
    }
    assert_eq!(scored, 2);

    // The ranking, its funding line and its CSV.
    let ranking = o.officer.get(&format!("{base}/ranking?lang=en")).await;
    assert_eq!(ranking.status, 200, "{}", ranking.html);
    let reviewed = &o.applications[1];
    assert!(
        ranking.html.contains(&format!("/applications/{reviewed}")),
        "{}",
        ranking.html
    );
    assert!(ranking.html.contains("Funding line"));
    assert!(
        ranking
            .html
            .contains(&format!("name=\"decision.{reviewed}\""))
    );
    let csv = o
        .officer
        .get(&format!("{base}/ranking.csv?separator=semicolon"))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.html.contains(reviewed.as_str()));

    // No decision chosen: refused, nothing changes.
    let empty = o
        .officer
        .submit(
            &format!("{base}/ranking"),
            &format!("{base}/decisions"),
            &[],
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.html);
    let decision = format!("decision.{reviewed}");
    let award = format!("award.{reviewed}");
    let decided = o
        .officer
        .submit(
            &format!("{base}/ranking"),
            &format!("{base}/decisions"),
            &[(decision.as_str(), "approve"), (award.as_str(), "1000000")],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.html);
    let officer_token = app.token_for("officer@grants.kz").await;
    let read = app
        .get(&format!("/applications/{reviewed}"))
        .token(&officer_token)
        .send()
        .await;
    assert_eq!(read.body["status"], "approved");
    assert_eq!(read.body["awarded_amount"], "1000000.00");
}

#[tokio::test]
async fn an_admin_creates_staff_disables_them_and_reads_the_outbox() {
    let app = spawn_app().await;
    app.admin("admin@grants.kz").await;
    let mut admin = Browser::new(&app);
    admin.sign_in("admin@grants.kz", PASSWORD).await;

    let refused = admin
        .submit(
            "/office/users?lang=en",
            "/office/users",
            &[
                ("name", "Aliya"),
                ("email", "not an address"),
                ("password", PASSWORD),
                ("role", "officer"),
                ("language", "kk"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(
        refused.html.contains("id=\"email-error\""),
        "{}",
        refused.html
    );
    assert!(!refused.html.contains(PASSWORD));

    let created = admin
        .submit(
            "/office/users",
            "/office/users",
            &[
                ("name", "Aliya"),
                ("email", "aliya@grants.kz"),
                ("password", PASSWORD),
                ("role", "officer"),
                ("language", "kk"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.html);
    let mut aliya = Browser::new(&app);
    aliya.sign_in("aliya@grants.kz", PASSWORD).await;
    assert_eq!(aliya.get("/office").await.status, 200);

    // Disabled, her sign-in ends.
    let me = app.token_for("aliya@grants.kz").await;
    let aliya_id = app.get("/me").token(&me).send().await.str("id").to_owned();
    let page = admin.get("/office/users").await;
    assert!(page.html.contains(&format!("/office/users/{aliya_id}")));
    let disabled = admin
        .submit(
            "/office/users",
            &format!("/office/users/{aliya_id}"),
            &[("disabled", "yes")],
        )
        .await;
    assert_eq!(disabled.status, 303, "{}", disabled.html);
    let after = aliya.get("/office").await;
    assert_eq!(after.status, 303);
    assert!(after.location().starts_with("/login"));

    // The outbox lists the mail owed; retrying mail that has not failed is refused.
    let outbox = admin.get("/office/outbox?lang=en").await;
    assert_eq!(outbox.status, 200);
    let retried = admin
        .submit(
            "/office/users",
            &format!("/office/outbox/{}/retry", uuid::Uuid::new_v4()),
            &[],
        )
        .await;
    assert_eq!(retried.status, 404, "{}", retried.html);
}

#[tokio::test]
async fn a_long_ranking_pages_at_fifty_rows_and_keeps_its_order() {
    let app = spawn_app().await;
    let hash = server::auth::password::hash(PASSWORD.to_owned())
        .await
        .unwrap_or_else(|e| panic!("hash: {e:?}"));
    // One open call and one reviewed call of sixty applications, each reviewed twice.
    let plan = persistence::seed::Plan {
        calls: 2,
        open_calls: 1,
        calls_in_review: 0,
        organizations: 60,
        applications: 120,
        reviewers: 4,
        reviews: 120,
        officers: 1,
        password_hash: hash,
        now: grants_tests::start_instant(),
    };
    let seeded = app
        .state
        .store
        .seed(&plan)
        .await
        .unwrap_or_else(|e| panic!("seed: {e}"));
    let call = seeded.closed_calls[0];
    let mut officer = Browser::new(&app);
    officer.sign_in(&seeded.officers[0], PASSWORD).await;
    let base = format!("/office/calls/{call}/ranking");
    let first = officer.get(&format!("{base}?lang=en")).await;
    assert_eq!(first.status, 200, "{}", first.html);
    let rows = |html: &str| html.matches("<li class=\"card").count();
    assert_eq!(rows(&first.html), 50);
    assert!(first.html.contains(&format!("href=\"{base}?page=2\"")));
    assert!(first.html.contains("start=\"1\""));
    let second = officer.get(&format!("{base}?page=2")).await;
    assert_eq!(rows(&second.html), 10);
    assert!(second.html.contains("start=\"51\""));
    assert!(second.html.contains(&format!("href=\"{base}?page=1\"")));
    // A page past the end shows the first.
    let beyond = officer.get(&format!("{base}?page=9")).await;
    assert_eq!(rows(&beyond.html), 50);
}
