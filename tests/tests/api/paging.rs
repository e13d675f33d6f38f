//! Lists of applications followed page by page: by `next_cursor` and by page number, in
//! every order, the same items come once each, empty titles and submissions last.

use grants_tests::{TestApp, call_body, complete_content, spawn_app, valid_bin};
use serde_json::{Value, json};

const SORTS: [&str; 5] = [
    "created_desc",
    "created_asc",
    "submitted_asc",
    "title_asc",
    "requested_desc",
];

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Every item of `query`'s list, two at a time, following cursors; with each page's number.
async fn by_cursor(app: &TestApp, token: &str, query: &str) -> (Vec<String>, Vec<u64>) {
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut path = format!("/applications?{query}&limit=2");
    loop {
        let page = app.get(&path).token(token).send().await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        seen.extend(ids(&page.body));
        pages.push(page.body["page"].as_u64().unwrap_or_default());
        let Some(next) = page.body["next_cursor"].as_str() else {
            assert_eq!(page.body["has_more"], json!(false));
            return (seen, pages);
        };
        assert_eq!(page.body["has_more"], json!(true));
        path = format!("/applications?{query}&limit=2&after={next}");
    }
}

/// Every item of `query`'s list, two at a time, by page number.
async fn by_number(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for number in 1.. {
        let page = app
            .get(&format!("/applications?{query}&limit=2&page={number}"))
            .token(token)
            .send()
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(ids(&page.body));
        if page.body["has_more"] == json!(false) {
            break;
        }
    }
    seen
}

#[tokio::test]
async fn cursors_and_page_numbers_walk_the_same_list_in_every_order() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let ngo = app.applicant("ngo@mail.kz").await;
    let other = app.applicant("other@mail.kz").await;
    let org = app.organization(&ngo, &valid_bin(1)).await;
    let other_org = app.organization(&other, &valid_bin(2)).await;
    let call = app.published_call(&officer, &call_body()).await;
    // Seven of one NGO: two without a title, two with the same title and amount, three
    // submitted; and one of another NGO that the first never sees.
    let mut mine = Vec::new();
    for (title, unit_cost, submit) in [
        (None, "100000", false),
        (Some("Су"), "150000", true),
        (Some("Ауыл"), "100000", false),
        (Some("Су"), "150000", true),
        (None, "120000", false),
        (Some("Бала"), "200000", true),
        (Some("Жол"), "100000", false),
    ] {
        let mut content = complete_content();
        content["title"] = title.map_or(Value::Null, Value::from);
        content["budget_lines"][1]["unit_cost"] = json!(unit_cost);
        let draft = app.draft(&ngo, &call, &org, &content).await;
        assert_eq!(draft.status, 201, "{}", draft.text);
        let id = draft.str("id").to_owned();
        if submit {
            let submitted = app
                .post(&format!("/applications/{id}/submit"))
                .token(&ngo)
                .send()
                .await;
            assert_eq!(submitted.status, 200, "{}", submitted.text);
        }
        mine.push(id);
    }
    let theirs = app
        .draft(&other, &call, &other_org, &complete_content())
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);

    for (token, query, count) in [
        (&ngo, String::new(), 7),
        (&officer, format!("call_id={call}"), 8),
    ] {
        for sort in SORTS {
            let query = format!("{query}&sort={sort}");
            let (walked, pages) = by_cursor(&app, token, &query).await;
            let numbered = by_number(&app, token, &query).await;
            assert_eq!(walked, numbered, "{query}");
            assert_eq!(walked.len(), count, "{query}");
            let mut distinct = walked.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), count, "{query}: an item came twice");
            let expected: Vec<u64> = (1..=pages.len() as u64).collect();
            assert_eq!(pages, expected, "{query}");
            let whole = app
                .get(&format!("/applications?{query}&limit=100"))
                .token(token)
                .send()
                .await;
            assert_eq!(ids(&whole.body), walked, "{query}");
        }
    }

    // Empty titles and unsubmitted applications come after the rest, on both databases.
    let whole = |sort: &'static str| {
        let app = &app;
        let ngo = &ngo;
        async move {
            app.get(&format!("/applications?sort={sort}&limit=100"))
                .token(ngo)
                .send()
                .await
                .body
        }
    };
    let titles: Vec<Value> = whole("title_asc").await["items"]
        .as_array()
        .map(|items| items.iter().map(|i| i["title"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        titles,
        vec![
            json!("Ауыл"),
            json!("Бала"),
            json!("Жол"),
            json!("Су"),
            json!("Су"),
            Value::Null,
            Value::Null
        ]
    );
    let submitted: Vec<bool> = whole("submitted_asc").await["items"]
        .as_array()
        .map(|items| items.iter().map(|i| !i["submitted_at"].is_null()).collect())
        .unwrap_or_default();
    assert_eq!(
        submitted,
        vec![true, true, true, false, false, false, false]
    );
    let newest = ids(&whole("created_desc").await);
    let mut oldest = ids(&whole("created_asc").await);
    oldest.reverse();
    assert_eq!(newest, oldest);
    let mut created = mine.clone();
    created.reverse();
    assert_eq!(newest, created);
}

#[tokio::test]
async fn a_cursor_is_refused_when_it_is_not_one_or_does_not_fit() {
    let app = spawn_app().await;
    let ngo = app.applicant("ngo@mail.kz").await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let org = app.organization(&ngo, &valid_bin(1)).await;
    let call = app.published_call(&officer, &call_body()).await;
    for _ in 0..3 {
        let draft = app.draft(&ngo, &call, &org, &complete_content()).await;
        assert_eq!(draft.status, 201, "{}", draft.text);
    }
    let first = app
        .get("/applications?limit=1&sort=requested_desc")
        .token(&ngo)
        .send()
        .await;
    let cursor = first.str("next_cursor").to_owned();
    for (query, code) in [
        (format!("after={cursor}&page=2"), "with_page"),
        (format!("after={cursor}&sort=title_asc"), "other_order"),
        ("after=bm90LWEtY3Vyc29y".to_owned(), "invalid"),
        ("after=%E2%80%AE".to_owned(), "invalid"),
    ] {
        let refused = app
            .get(&format!("/applications?{query}"))
            .token(&ngo)
            .send()
            .await;
        refused.assert_problem(422, "validation-error");
        assert_eq!(refused.problem_fields(), vec!["after"], "{query}");
        assert_eq!(refused.body["errors"][0]["code"], json!(code), "{query}");
    }
    // The cursor alone carries its order.
    let second = app
        .get(&format!("/applications?limit=1&after={cursor}"))
        .token(&ngo)
        .send()
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.body["page"], json!(2));
    assert_eq!(second.body["items"].as_array().map(Vec::len), Some(1));
    // A cursor of someone else's list shows the holder only their own.
    let stranger = app.applicant("stranger@mail.kz").await;
    let none = app
        .get(&format!("/applications?limit=1&after={cursor}"))
        .token(&stranger)
        .send()
        .await;
    assert_eq!(none.body["items"], json!([]), "{}", none.text);
}

#[tokio::test]
async fn a_list_after_logout_is_refused() {
    let app = spawn_app().await;
    let ngo = app.applicant("ngo@mail.kz").await;
    let listed = app.get("/applications").token(&ngo).send().await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let logout = app
        .post("/auth/logout")
        .token(&ngo)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(logout.status, 204, "{}", logout.text);
    app.get("/applications")
        .token(&ngo)
        .send()
        .await
        .assert_problem(401, "unauthorized");
}
