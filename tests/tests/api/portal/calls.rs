//! The public pages: the calls open and opening soon, a call's page, the static files, and
//! the headers every portal page carries.

use chrono::Duration;
use grants_tests::{TestApp, call_body, closes_at, spawn_app, start_instant};
use serde_json::json;

use super::browser::Browser;

/// An officer's token, a call open to Aktobe organisations on ecology, one open to every
/// region on women and children, one opening in ten days, and a draft.
async fn calls(app: &TestApp) -> (String, [String; 4]) {
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut aktobe = call_body();
    aktobe["title"] = json!("Ақтөбе экологиясы");
    aktobe["priority_areas"] = json!(["ecology"]);
    aktobe["eligibility"]["regions"] = json!(["aktobe"]);
    let aktobe = app.published_call(&officer, &aktobe).await;
    let mut everywhere = call_body();
    everywhere["title"] = json!("Әйелдер мен балалар");
    everywhere["priority_areas"] = json!(["women_and_children"]);
    let everywhere = app.published_call(&officer, &everywhere).await;
    let mut later = call_body();
    later["title"] = json!("Келесі конкурс");
    later["opens_at"] = json!((start_instant() + Duration::days(10)).to_rfc3339());
    later["closes_at"] = json!((start_instant() + Duration::days(40)).to_rfc3339());
    let later = app.published_call(&officer, &later).await;
    let mut draft = call_body();
    draft["title"] = json!("Жоба конкурс");
    let created = app.post("/calls").token(&officer).json(&draft).send().await;
    assert_eq!(created.status, 201);
    let draft = created.str("id").to_owned();
    (officer, [aktobe, everywhere, later, draft])
}

fn position(html: &str, text: &str) -> Option<usize> {
    html.find(text)
}

#[tokio::test]
async fn the_home_page_lists_open_and_upcoming_calls_filtered_by_region_and_area() {
    let app = spawn_app().await;
    let (_, [aktobe, everywhere, later, draft]) = calls(&app).await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/?lang=en").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.lang(), "en");
    let html = &page.html;
    for id in [&aktobe, &everywhere, &later] {
        assert!(html.contains(&format!("/calls/{id}")), "{id} missing");
    }
    assert!(!html.contains(&draft));
    assert!(!html.contains("Жоба конкурс"));
    // The upcoming call is under its own heading, after the open ones, with words for
    // when it opens.
    let upcoming = position(html, "Opening soon").unwrap_or_else(|| panic!("{html}"));
    assert!(position(html, &later).is_some_and(|p| p > upcoming));
    assert!(position(html, &aktobe).is_some_and(|p| p < upcoming));
    assert!(html.contains("Opens in 10\u{a0}days"), "{html}");
    assert!(html.contains("Closes in 30\u{a0}days"), "{html}");
    assert!(html.contains("Ecology"));

    let abai = browser.get("/?region=abai").await.html;
    assert!(abai.contains(&everywhere) && !abai.contains(&aktobe));
    let in_aktobe = browser.get("/?region=aktobe").await.html;
    assert!(in_aktobe.contains(&everywhere) && in_aktobe.contains(&aktobe));
    assert!(in_aktobe.contains("<option value=\"aktobe\" selected>"));
    let ecology = browser.get("/?priority_area=ecology").await.html;
    assert!(ecology.contains(&aktobe) && !ecology.contains(&everywhere));
    // Unknown filters are ignored rather than refused.
    let odd = browser.get("/?region=atlantis&page=x").await;
    assert_eq!(odd.status, 200);
    assert!(odd.html.contains(&aktobe));
}

#[tokio::test]
async fn a_calls_page_shows_its_terms_and_a_draft_is_a_404_page_except_for_staff() {
    let app = spawn_app().await;
    let (officer, [aktobe, _, later, draft]) = calls(&app).await;
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("ru".to_owned());
    let page = browser.get(&format!("/calls/{aktobe}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.lang(), "ru");
    for text in [
        "Ақтөбе экологиясы",
        "Приём заявок открыт",
        "До окончания приёма 30\u{a0}дней",
        "Актюбинская область",
        "Relevance to the village",
        "Не менее 10% стоимости проекта",
        "от 500\u{a0}000\u{a0}тенге до 3\u{a0}000\u{a0}000\u{a0}тенге",
        "по времени Алматы",
        "Только организации, зарегистрированные в сельском населённом пункте.",
    ] {
        assert!(page.html.contains(text), "{text:?} not in {}", page.html);
    }
    let upcoming = browser.get(&format!("/calls/{later}")).await;
    assert!(upcoming.html.contains("Скоро откроется"));

    for path in [
        format!("/calls/{draft}"),
        format!("/calls/{}", uuid::Uuid::new_v4()),
        "/calls/not-an-id".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.html.contains("Страница не найдена"), "{path}");
    }
    // The API answers the draft alike.
    assert_eq!(app.get(&format!("/calls/{draft}")).send().await.status, 404);

    // Officers see drafts.
    drop(officer);
    let mut staff = Browser::new(&app);
    staff
        .sign_in("officer@grants.kz", grants_tests::PASSWORD)
        .await;
    let page = staff.get(&format!("/calls/{draft}")).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("Черновик, не опубликован") || page.html.contains("Draft"));
    // After closing, the page says so.
    app.clock.set(closes_at() + Duration::minutes(1));
    let closed = browser.get(&format!("/calls/{aktobe}")).await;
    assert!(closed.html.contains("Заявки больше не принимаются"));
}

#[tokio::test]
async fn anyone_may_list_upcoming_calls_and_filter_by_region_through_the_api() {
    let app = spawn_app().await;
    let (_, [aktobe, everywhere, later, _]) = calls(&app).await;
    let ids = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let open = app.get("/calls").send().await;
    assert_eq!(open.status, 200);
    let open = ids(&open.body);
    assert!(open.contains(&aktobe) && open.contains(&everywhere) && !open.contains(&later));
    let scheduled = app.get("/calls?status=scheduled").send().await;
    assert_eq!(ids(&scheduled.body), vec![later.clone()]);
    // Drafts stay staff-only: asked for, they are not shown (open calls are).
    let drafts = app.get("/calls?status=draft").send().await;
    assert!(!ids(&drafts.body).is_empty());
    assert!(ids(&drafts.body).iter().all(|id| open.contains(id)));
    let abai = app.get("/calls?region=abai").send().await;
    assert_eq!(ids(&abai.body), vec![everywhere.clone()]);
    let bad = app.get("/calls?region=atlantis").send().await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn portal_pages_carry_their_policy_and_static_files_are_kept_for_a_year() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/").await;
    let policy = page.header("content-security-policy").unwrap_or_default();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    // The API keeps its stricter policy.
    let api = app.get("/calls").send().await;
    assert_eq!(
        api.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    let start = page
        .html
        .find("/static/portal.")
        .unwrap_or_else(|| panic!("no css link"));
    let end = page.html[start..]
        .find(".css")
        .map_or(start, |i| start + i + 4);
    let path = page.html[start..end].to_owned();
    let css = browser.get(&path).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(
        css.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(css.html.contains(":focus-visible"));
    assert_eq!(browser.get("/static/portal.css").await.status, 404);
    assert_eq!(
        browser.get("/static/portal.000000000000.css").await.status,
        404
    );
}

#[tokio::test]
async fn a_call_is_shown_in_the_readers_language_where_the_officer_wrote_it() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut body = call_body();
    body["title"] = json!("Поддержка женщин и детей");
    body["rubric"][0]["guidance"] = json!("Нужен ли проект аулу?");
    body["translations"] = json!({
        "kk": {
            "title": "Әйелдер мен балаларды қолдау",
            "rubric": {"relevance": {"title": "Ауылға қажеттілігі", "guidance": "Жоба ауылға керек пе?"}}
        }
    });
    let id = app.published_call(&officer, &body).await;
    let mut browser = Browser::new(&app);
    let kazakh = browser.get(&format!("/calls/{id}?lang=kk")).await.html;
    assert!(
        kazakh.contains("<h1>Әйелдер мен балаларды қолдау</h1>"),
        "{kazakh}"
    );
    assert!(kazakh.contains("Ауылға қажеттілігі"));
    assert!(kazakh.contains("Жоба ауылға керек пе?"));
    // What has no Kazakh text is the call's own.
    assert!(kazakh.contains("Sound budget"));
    let home = browser.get("/").await.html;
    assert!(home.contains("Әйелдер мен балаларды қолдау"));
    let russian = browser.get(&format!("/calls/{id}?lang=ru")).await.html;
    assert!(russian.contains("<h1>Поддержка женщин и детей</h1>"));
    assert!(russian.contains("Relevance to the village"));
    assert!(russian.contains("Нужен ли проект аулу?"));
}
