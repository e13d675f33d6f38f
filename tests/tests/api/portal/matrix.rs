//! Who may open which portal page: every page and form, as each kind of user and as a
//! stranger, against one written table that SECURITY.md shows too. The pages call the same
//! use cases as the API, so they answer as its matrix does (a draft call is a 404 page for
//! anyone but staff, exactly as `GET /api/v1/calls/{id}` answers 404).

use std::collections::BTreeMap;

use grants_tests::{PASSWORD, TestApp, call_body, spawn_app};

use super::browser::Browser;

/// The callers, in the table's column order; the last column is any of them posting a form
/// without the token the portal served it.
const WHO: [&str; 5] = ["anonymous", "applicant", "reviewer", "officer", "admin"];

/// Expected statuses per page: anonymous, applicant, reviewer, officer, admin, and a form
/// posted without its token (0 for pages that are not forms).
#[rustfmt::skip]
const TABLE: &[(&str, [u16; 6])] = &[
    //  page                                    anon  appl  rev  off  admin no-token
    ("GET /",                                   [200, 200, 200, 200, 200, 0]),
    ("GET /calls/{published}",                  [200, 200, 200, 200, 200, 0]),
    ("GET /calls/{draft}",                      [404, 404, 404, 200, 200, 0]),
    ("GET /calls/{unknown}",                    [404, 404, 404, 404, 404, 0]),
    ("GET /static/{style sheet}",               [200, 200, 200, 200, 200, 0]),
    ("GET /register",                           [200, 200, 200, 200, 200, 0]),
    ("POST /register",                          [422, 422, 422, 422, 422, 403]),
    ("GET /confirm",                            [200, 200, 200, 200, 200, 0]),
    ("POST /confirm",                           [422, 422, 422, 422, 422, 403]),
    ("POST /confirm/number",                    [422, 422, 422, 422, 422, 403]),
    ("GET /login",                              [200, 200, 200, 200, 200, 0]),
    ("POST /login",                             [422, 422, 422, 422, 422, 403]),
    ("POST /logout",                            [303, 303, 303, 303, 303, 403]),
    ("GET /password-reset",                     [200, 200, 200, 200, 200, 0]),
    ("POST /password-reset",                    [422, 422, 422, 422, 422, 403]),
    ("GET /password-reset/confirm",             [200, 200, 200, 200, 200, 0]),
    ("POST /password-reset/confirm",            [422, 422, 422, 422, 422, 403]),
    ("GET /dashboard",                          [303, 200, 403, 403, 403, 0]),
    ("GET /organizations/new",                  [303, 200, 403, 403, 403, 0]),
    ("POST /organizations/new",                 [303, 422, 403, 403, 403, 403]),
    ("GET /organizations/{organization}",       [303, 200, 404, 200, 200, 0]),
    ("POST /organizations/{organization}",      [303, 422, 404, 404, 404, 403]),
    ("GET /applications/{application}",         [303, 200, 404, 200, 200, 0]),
    ("GET /applications/{application}/feedback",[303, 409, 404, 409, 409, 0]),
    ("GET /applications/{application}/edit",    [303, 200, 404, 403, 403, 0]),
    ("GET /applications/{application}/receipt", [303, 409, 404, 409, 409, 0]),
    ("POST /applications/{application}/edit",   [303, 422, 404, 403, 403, 403]),
    ("POST /applications/{application}/submit", [303, 422, 404, 403, 403, 403]),
    ("POST /calls/{published}/apply",           [303, 422, 403, 403, 403, 403]),
    ("GET /organizations/{organization}/members",  [303, 200, 404, 404, 404, 0]),
    ("POST /organizations/{organization}/members", [303, 422, 404, 404, 404, 403]),
    ("POST /organizations/{organization}/invitations/{unknown}/revoke", [303, 404, 404, 404, 404, 403]),
    ("GET /invitations",                        [303, 200, 200, 200, 200, 0]),
    ("POST /invitations/{unknown}/accept",      [303, 404, 403, 403, 403, 403]),
    ("POST /invitations/{unknown}/decline",     [303, 404, 403, 403, 403, 403]),
    ("GET /applications/{application}/withdraw", [303, 200, 404, 403, 403, 0]),
    ("GET /assignments",                        [303, 403, 200, 403, 403, 0]),
    ("GET /assignments/{unknown}",              [303, 404, 404, 404, 404, 0]),
    ("POST /assignments/{unknown}/accept",      [303, 404, 404, 404, 404, 403]),
    ("POST /assignments/{unknown}/decline",     [303, 404, 404, 404, 404, 403]),
    ("POST /assignments/{unknown}/review",      [303, 404, 404, 404, 404, 403]),
    ("GET /office",                             [303, 403, 403, 200, 200, 0]),
    ("GET /office/calls/new",                   [303, 403, 403, 200, 403, 0]),
    ("POST /office/calls/new",                  [303, 403, 403, 422, 403, 403]),
    ("GET /office/calls/{published}",           [303, 403, 403, 200, 200, 0]),
    ("GET /office/calls/{draft}",               [303, 403, 403, 200, 200, 0]),
    ("GET /office/calls/{unknown}",             [303, 403, 403, 404, 404, 0]),
    ("GET /office/calls/{draft}/edit",          [303, 403, 403, 200, 403, 0]),
    ("POST /office/calls/{draft}/edit",         [303, 403, 403, 422, 403, 403]),
    ("GET /office/calls/{published}/edit",      [303, 403, 403, 409, 403, 0]),
    ("POST /office/calls/{unknown}/publish",    [303, 403, 403, 404, 403, 403]),
    ("POST /office/calls/{unknown}/close",      [303, 403, 403, 404, 403, 403]),
    ("GET /office/calls/{published}/applications", [303, 403, 403, 200, 200, 0]),
    ("GET /office/calls/{published}/reviewers", [303, 403, 403, 200, 200, 0]),
    ("POST /office/calls/{published}/reviewers", [303, 403, 403, 422, 403, 403]),
    ("POST /office/calls/{published}/reviewers/{unknown}/remove", [303, 403, 403, 404, 403, 403]),
    ("POST /office/calls/{published}/assign",   [303, 403, 403, 409, 403, 403]),
    ("GET /office/calls/{published}/ranking",   [303, 403, 403, 200, 200, 0]),
    ("GET /office/calls/{published}/ranking.csv", [303, 403, 403, 200, 200, 0]),
    ("POST /office/calls/{published}/decisions", [303, 403, 403, 422, 403, 403]),
    ("POST /applications/{application}/screen", [303, 403, 404, 409, 403, 403]),
    ("GET /office/users",                       [303, 403, 403, 403, 200, 0]),
    ("POST /office/users",                      [303, 403, 403, 403, 422, 403]),
    ("POST /office/users/{unknown}",            [303, 403, 403, 403, 404, 403]),
    ("GET /office/outbox",                      [303, 403, 403, 403, 200, 0]),
    ("POST /office/outbox/{unknown}/retry",     [303, 403, 403, 403, 404, 403]),
    ("GET /account",                            [303, 200, 200, 200, 200, 0]),
    ("POST /account",                           [303, 422, 422, 422, 422, 403]),
    ("POST /account/password",                  [303, 422, 422, 422, 422, 403]),
    // Last: the applicant's withdrawal is allowed and ends the draft.
    ("POST /applications/{application}/withdraw", [303, 303, 404, 403, 403, 403]),
];

/// The fields each form is posted with: refused input, so that nothing changes.
fn fields(route: &str) -> Vec<(&'static str, &'static str)> {
    match route {
        "/register" => vec![
            ("email", "not an address"),
            ("name", "X"),
            ("password", "1"),
        ],
        "/confirm" | "/password-reset/confirm" => vec![("code", "not-a-code"), ("password", "1")],
        "/login" => vec![
            ("email", "nobody@mail.kz"),
            ("password", "wrong-password-1"),
        ],
        "/password-reset" => vec![("email", "not an address")],
        "/confirm/number" => vec![("email", "nobody@mail.kz"), ("number", "12345678")],
        "/account" => vec![("name", " "), ("language", "kk")],
        "/account/password" => vec![
            ("current_password", "wrong-password-1"),
            ("new_password", "a-new-password-2027"),
        ],
        "/applications/{application}/screen" => vec![("action", "mark_ineligible"), ("reason", "")],
        "/applications/{application}/edit" => vec![("version", "1"), ("beneficiaries", "many")],
        "/organizations/{organization}/members" => vec![("email", "not an address")],
        "/calls/{published}/apply" => {
            vec![("organization_id", "0193a5c2-7d4e-7b1a-9c3e-5f2a1b8c4d03")]
        }
        "/organizations/new" | "/organizations/{organization}" => vec![
            ("name", ""),
            ("bin", "040540001230"),
            ("region", "aktobe"),
            ("settlement", "Шалқар"),
            ("registered_on", "2019-03-01"),
            ("contact_email", "aqniet@mail.kz"),
            ("version", "1"),
        ],
        _ => vec![],
    }
}

async fn visit(
    browser: &mut Browser<'_>,
    method: &str,
    path: &str,
    route: &str,
    with_token: bool,
) -> u16 {
    if method == "GET" {
        return browser.get(path).await.status;
    }
    let token = browser.get("/login").await.form_token();
    let mut form = fields(route);
    if with_token {
        form.push(("csrf", token.as_str()));
    }
    browser.post(path, &form).await.status
}

/// The callers, the applicant's organisation and its draft application (the targets of the
/// rows about them).
async fn people(app: &TestApp) -> (Vec<Option<&'static str>>, String, String) {
    let admin = app.admin("admin@grants.kz").await;
    app.staff(&admin, "officer@grants.kz", "officer").await;
    app.staff(&admin, "expert@grants.kz", "reviewer").await;
    let owner = app.applicant("aigerim@mail.kz").await;
    let organization = app.organization(&owner, &grants_tests::valid_bin(1)).await;
    let officer = app.token_for("officer@grants.kz").await;
    let call = app.published_call(&officer, &call_body()).await;
    let draft = app
        .draft(
            &owner,
            &call,
            &organization,
            &serde_json::json!({"title": "Жоба"}),
        )
        .await;
    let application = draft.str("id").to_owned();
    let who = vec![
        None,
        Some("aigerim@mail.kz"),
        Some("expert@grants.kz"),
        Some("officer@grants.kz"),
        Some("admin@grants.kz"),
    ];
    (who, organization, application)
}

#[tokio::test]
async fn every_portal_page_answers_each_kind_of_user_as_the_table_says() {
    let app = spawn_app().await;
    let (who, organization, application) = people(&app).await;
    let officer = app.token_for("officer@grants.kz").await;
    let published = app.published_call(&officer, &call_body()).await;
    let draft = app
        .post("/calls")
        .token(&officer)
        .json(&call_body())
        .send()
        .await;
    let draft = draft.str("id").to_owned();
    let css = {
        let mut browser = Browser::new(&app);
        let html = browser.get("/").await.html;
        let start = html.find("/static/").unwrap_or(0);
        let end = html[start..].find('"').map_or(start, |i| start + i);
        html[start..end].to_owned()
    };
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut found: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for (row, _) in TABLE {
        let (method, route) = row.split_once(' ').unwrap_or(("GET", row));
        let path = route
            .replace("{published}", &published)
            .replace("{draft}", &draft)
            .replace("{unknown}", &unknown)
            .replace("{organization}", &organization)
            .replace("{application}", &application)
            .replace("{style sheet}", css.trim_start_matches("/static/"));
        let mut statuses = Vec::new();
        for (index, account) in who.iter().enumerate() {
            let mut browser = Browser::new(&app);
            if let Some(email) = account {
                browser.sign_in(email, PASSWORD).await;
            }
            statuses.push(visit(&mut browser, method, &path, route, true).await);
            assert_eq!(index + 1, statuses.len(), "{}", WHO[index]);
        }
        statuses.push(if method == "POST" {
            let mut browser = Browser::new(&app);
            browser.sign_in("aigerim@mail.kz", PASSWORD).await;
            visit(&mut browser, method, &path, route, false).await
        } else {
            0
        });
        found.insert((*row).to_owned(), statuses);
    }
    let table: BTreeMap<String, Vec<u16>> = TABLE
        .iter()
        .map(|(row, statuses)| ((*row).to_owned(), statuses.to_vec()))
        .collect();
    assert_eq!(found, table);
    // Nothing the refused forms carried was stored.
    let owner = app.token_for("aigerim@mail.kz").await;
    let read = app
        .get(&format!("/organizations/{organization}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(read.body["version"], serde_json::json!(1));
    let draft = app
        .get(&format!("/applications/{application}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(
        (draft.body["status"].clone(), draft.body["version"].clone()),
        (serde_json::json!("withdrawn"), serde_json::json!(2))
    );
    let listed = app.get("/organizations").token(&owner).send().await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    assert!(
        app.state
            .store
            .pending_verification_of("not an address")
            .await
            .is_err()
    );
}

#[test]
fn security_md_shows_the_same_portal_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../SECURITY.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let documented: BTreeMap<String, Vec<u16>> = text
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | page | six statuses (— for none) |
            if cells.len() != 9 || !cells[1].starts_with('`') {
                return None;
            }
            let statuses: Vec<u16> = cells[2..8].iter().map(|c| c.parse().unwrap_or(0)).collect();
            Some((cells[1].trim_matches('`').to_owned(), statuses))
        })
        .collect();
    let table: BTreeMap<String, Vec<u16>> = TABLE
        .iter()
        .map(|(row, statuses)| ((*row).to_owned(), statuses.to_vec()))
        .collect();
    assert_eq!(
        documented, table,
        "SECURITY.md's portal table differs from the test's"
    );
}
