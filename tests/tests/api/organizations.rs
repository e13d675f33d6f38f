use grants_tests::{organization_body, spawn_app, valid_bin};
use serde_json::json;

mod invitations;
mod verification;

#[tokio::test]
async fn the_creator_owns_the_organization() {
    let app = spawn_app().await;
    let token = app.applicant("a@mail.kz").await;
    let created = app
        .post("/organizations")
        .token(&token)
        .json(&organization_body(&valid_bin(1)))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["my_role"], json!("owner"));
    assert_eq!(created.body["region"], json!("aktobe"));
    assert_eq!(created.body["rural"], json!(true));
    assert_eq!(created.header("etag"), Some("\"1\""));
    let id = created.str("id");

    let read = app
        .get(&format!("/organizations/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created.body);
    assert_eq!(read.header("etag"), Some("\"1\""));
    assert_eq!(read.body["verified"], json!(false));
    assert_eq!(read.body["verification"], json!(null));
    let mine = app.get("/organizations").token(&token).send().await;
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine.body["items"][0]["id"], json!(id));
    assert_eq!(mine.body["next_cursor"], json!(null));
    let members = app
        .get(&format!("/organizations/{id}/members"))
        .token(&token)
        .send()
        .await;
    assert_eq!(members.body[0]["email"], json!("a@mail.kz"));
    assert_eq!(members.body[0]["role"], json!("owner"));
}

#[tokio::test]
async fn outsiders_are_told_the_organization_does_not_exist() {
    let app = spawn_app().await;
    let owner = app.applicant("a@mail.kz").await;
    let outsider = app.applicant("b@mail.kz").await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let id = app.organization(&owner, &valid_bin(1)).await;
    let user_id = app
        .get("/me")
        .token(&owner)
        .send()
        .await
        .str("id")
        .to_owned();

    app.get(&format!("/organizations/{id}"))
        .token(&outsider)
        .send()
        .await
        .assert_problem(404, "not-found");
    let listed = app.get("/organizations").token(&outsider).send().await;
    assert_eq!(listed.body["items"], json!([]));
    // Staff read every organisation, but only its members change it.
    for token in [&outsider, &officer, &admin] {
        app.patch(&format!("/organizations/{id}"))
            .token(token)
            .json(&json!({"name": "Taken over"}))
            .send()
            .await
            .assert_problem(404, "not-found");
        app.get(&format!("/organizations/{id}/members"))
            .token(token)
            .send()
            .await
            .assert_problem(404, "not-found");
        app.post(&format!("/organizations/{id}/members"))
            .token(token)
            .json(&json!({"email": "b@mail.kz"}))
            .send()
            .await
            .assert_problem(404, "not-found");
        app.delete(&format!("/organizations/{id}/members/{user_id}"))
            .token(token)
            .send()
            .await
            .assert_problem(404, "not-found");
    }
    // Anonymous callers are asked to authenticate on every route.
    app.get(&format!("/organizations/{id}"))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.get("/organizations")
        .send()
        .await
        .assert_problem(401, "unauthorized");
    app.post("/organizations")
        .json(&organization_body(&valid_bin(2)))
        .send()
        .await
        .assert_problem(401, "unauthorized");
    // Nothing changed.
    let read = app
        .get(&format!("/organizations/{id}"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(
        (read.str("name"), read.body["version"].as_i64()),
        ("«Ақ ниет» қоғамдық бірлестігі", Some(1))
    );
    let members = app
        .get(&format!("/organizations/{id}/members"))
        .token(&owner)
        .send()
        .await;
    assert_eq!(members.body.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn staff_accounts_do_not_register_organizations() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let reviewer = app.staff(&admin, "reviewer@grants.kz", "reviewer").await;
    let created = app
        .post("/organizations")
        .token(&reviewer)
        .json(&organization_body(&valid_bin(1)))
        .send()
        .await;
    created.assert_problem(403, "forbidden");
}

#[tokio::test]
async fn invalid_organizations_are_refused_and_not_stored() {
    let app = spawn_app().await;
    let token = app.applicant("a@mail.kz").await;
    let with = |field: &str, value: serde_json::Value| {
        let mut body = organization_body(&valid_bin(1));
        body[field] = value;
        body
    };
    let bin = valid_bin(1);
    let mut wrong_check = bin.clone();
    let last = wrong_check.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
    wrong_check.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
    let mut missing = organization_body(&bin);
    missing.as_object_mut().map(|o| o.remove("settlement"));
    let cases = [
        (with("bin", json!(wrong_check)), 422, "bin"),
        (with("bin", json!("12345")), 422, "bin"),
        (with("bin", json!("191340001230")), 422, "bin"),
        (with("region", json!("moscow")), 400, "region"),
        (
            with("contact_email", json!("no-at-sign")),
            422,
            "contact_email",
        ),
        (
            with("registered_on", json!("2030-01-01")),
            422,
            "registered_on",
        ),
        (
            with("registered_on", json!("01.03.2019")),
            400,
            "registered_on",
        ),
        (with("rural", json!("yes")), 400, "rural"),
        (with("name", json!("ә".repeat(301))), 422, "name"),
        (missing, 400, "settlement"),
    ];
    for (body, status, field) in cases {
        let response = app
            .post("/organizations")
            .token(&token)
            .json(&body)
            .send()
            .await;
        let slug = if status == 400 {
            "malformed-request"
        } else {
            "validation-error"
        };
        response.assert_problem(status, slug);
        assert_eq!(response.problem_fields(), vec![field], "{}", response.text);
    }
    // Dates a database cannot store are refused before they reach it.
    let ancient = app
        .post("/organizations")
        .token(&token)
        .json(&with("registered_on", json!("1850-01-01")))
        .send()
        .await;
    ancient.assert_problem(422, "validation-error");
    assert_eq!(ancient.problem_fields(), vec!["registered_on"]);
    let negative = app
        .post("/organizations")
        .token(&token)
        .json(&with("registered_on", json!("-5000-01-01")))
        .send()
        .await;
    assert!(matches!(negative.status, 400 | 422), "{}", negative.text);
    assert_eq!(negative.problem_fields(), vec!["registered_on"]);
    assert_eq!(
        app.get("/organizations").token(&token).send().await.body["items"],
        json!([])
    );
}

#[tokio::test]
async fn owners_edit_with_if_match_and_a_stale_version_is_refused() {
    let app = spawn_app().await;
    let owner = app.applicant("a@mail.kz").await;
    let id = app.organization(&owner, &valid_bin(1)).await;
    let path = format!("/organizations/{id}");

    let edited = app
        .patch(&path)
        .token(&owner)
        .header("if-match", "\"1\"")
        .json(&json!({"settlement": "Ойыл"}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(
        (edited.str("settlement"), edited.str("name")),
        ("Ойыл", "«Ақ ниет» қоғамдық бірлестігі")
    );
    assert_eq!(edited.header("etag"), Some("\"2\""));

    let stale = app
        .patch(&path)
        .token(&owner)
        .header("if-match", "\"1\"")
        .json(&json!({"settlement": "Шалқар"}))
        .send()
        .await;
    stale.assert_problem(412, "precondition-failed");
    app.patch(&path)
        .token(&owner)
        .header("if-match", "banana")
        .json(&json!({"settlement": "Шалқар"}))
        .send()
        .await
        .assert_problem(400, "malformed-request");
    let invalid = app
        .patch(&path)
        .token(&owner)
        .json(&json!({"bin": "000000000000"}))
        .send()
        .await;
    invalid.assert_problem(422, "validation-error");
    let read = app.get(&path).token(&owner).send().await;
    assert_eq!(
        (read.str("settlement"), read.body["version"].as_i64()),
        ("Ойыл", Some(2))
    );

    // Without If-Match the change applies to the current version.
    let unconditional = app
        .patch(&path)
        .token(&owner)
        .json(&json!({"rural": false, "region": "almaty_city"}))
        .send()
        .await;
    assert_eq!(unconditional.status, 200, "{}", unconditional.text);
    assert_eq!(
        (
            unconditional.body["rural"].clone(),
            unconditional.str("region")
        ),
        (json!(false), "almaty_city")
    );
}

#[tokio::test]
async fn members_read_but_only_owners_manage() {
    let app = spawn_app().await;
    let owner = app.applicant("owner@mail.kz").await;
    let member = app.applicant("member@mail.kz").await;
    let third = app.applicant("third@mail.kz").await;
    let id = app.organization(&owner, &valid_bin(1)).await;
    let members_path = format!("/organizations/{id}/members");

    let member_id = app.member(&owner, &id, "Member@mail.kz", "member").await;
    app.post(&members_path)
        .token(&owner)
        .json(&json!({"email": "member@mail.kz"}))
        .send()
        .await
        .assert_problem(409, "already-member");
    app.post(&members_path)
        .token(&owner)
        .json(&json!({"email": "x"}))
        .send()
        .await
        .assert_problem(422, "validation-error");

    // The member sees the organisation and its members, as a member.
    let read = app
        .get(&format!("/organizations/{id}"))
        .token(&member)
        .send()
        .await;
    assert_eq!(read.body["my_role"], json!("member"));
    assert_eq!(
        app.get(&members_path)
            .token(&member)
            .send()
            .await
            .body
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // ...but does not manage it.
    app.patch(&format!("/organizations/{id}"))
        .token(&member)
        .json(&json!({"name": "Mine"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.post(&members_path)
        .token(&member)
        .json(&json!({"email": "third@mail.kz"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let owner_id = app
        .get("/me")
        .token(&owner)
        .send()
        .await
        .str("id")
        .to_owned();
    app.delete(&format!("{members_path}/{owner_id}"))
        .token(&member)
        .send()
        .await
        .assert_problem(403, "forbidden");

    // The only owner cannot leave; a member can.
    app.delete(&format!("{members_path}/{owner_id}"))
        .token(&owner)
        .send()
        .await
        .assert_problem(409, "last-owner");
    let third_id = app
        .get("/me")
        .token(&third)
        .send()
        .await
        .str("id")
        .to_owned();
    app.delete(&format!("{members_path}/{third_id}"))
        .token(&owner)
        .send()
        .await
        .assert_problem(404, "not-found");
    let left = app
        .delete(&format!("{members_path}/{member_id}"))
        .token(&member)
        .send()
        .await;
    assert_eq!(left.status, 204, "{}", left.text);
    app.get(&format!("/organizations/{id}"))
        .token(&member)
        .send()
        .await
        .assert_problem(404, "not-found");

    // A second owner can remove the first.
    app.member(&owner, &id, "third@mail.kz", "owner").await;
    let promoted = app
        .get(&format!("/organizations/{id}"))
        .token(&third)
        .send()
        .await;
    assert_eq!(promoted.body["my_role"], json!("owner"));
    let removed = app
        .delete(&format!("{members_path}/{owner_id}"))
        .token(&third)
        .send()
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    app.get(&format!("/organizations/{id}"))
        .token(&owner)
        .send()
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn malformed_ids_are_problems() {
    let app = spawn_app().await;
    let token = app.applicant("a@mail.kz").await;
    app.get("/organizations/not-a-uuid")
        .token(&token)
        .send()
        .await
        .assert_problem(400, "malformed-request");
    app.get(&format!("/organizations/{}", uuid::Uuid::new_v4()))
        .token(&token)
        .send()
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn two_owners_leaving_at_once_leave_one_behind() {
    let app = spawn_app().await;
    let first = app.applicant("first@mail.kz").await;
    let second = app.applicant("second@mail.kz").await;
    let id = app.organization(&first, &valid_bin(1)).await;
    let members = format!("/organizations/{id}/members");
    app.member(&first, &id, "second@mail.kz", "owner").await;
    let first_id = app
        .get("/me")
        .token(&first)
        .send()
        .await
        .str("id")
        .to_owned();
    let second_id = app
        .get("/me")
        .token(&second)
        .send()
        .await
        .str("id")
        .to_owned();
    let (one, two) = tokio::join!(
        app.delete(&format!("{members}/{first_id}"))
            .token(&first)
            .send(),
        app.delete(&format!("{members}/{second_id}"))
            .token(&second)
            .send()
    );
    let mut statuses = [one.status, two.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 409], "{} / {}", one.text, two.text);
    let remaining = if one.status == 204 { &second } else { &first };
    let listed = app.get(&members).token(remaining).send().await;
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
    assert_eq!(listed.body[0]["role"], json!("owner"));
}

#[tokio::test]
async fn a_retried_registration_of_an_organisation_with_its_key_is_replayed() {
    let app = grants_tests::spawn_app().await;
    let token = app.applicant("owner@mail.kz").await;
    let register = || {
        app.post("/organizations")
            .token(&token)
            .header("idempotency-key", "org-1")
            .json(&grants_tests::organization_body(&grants_tests::valid_bin(
                7,
            )))
            .send()
    };
    let first = register().await;
    assert_eq!(first.status, 201, "{}", first.text);
    // With the key, the first answer instead of a second organisation.
    let again = register().await;
    assert_eq!((again.status, &again.body), (201, &first.body));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let mine = app.get("/organizations").token(&token).send().await;
    assert_eq!(
        mine.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        mine.text
    );
}
