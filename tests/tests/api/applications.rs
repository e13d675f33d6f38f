use grants_tests::{
    TestApp, call_body, closes_at, complete_content, organization_body, sha256_hex, spawn_app,
    valid_bin,
};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    officer: String,
    a: String,
    b: String,
    org_a: String,
    org_b: String,
    call: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let a = app.applicant("a@mail.kz").await;
    let b = app.applicant("b@mail.kz").await;
    let org_a = app.organization(&a, &valid_bin(1)).await;
    let org_b = app.organization(&b, &valid_bin(2)).await;
    let call = app.published_call(&officer, &call_body()).await;
    World {
        app,
        officer,
        a,
        b,
        org_a,
        org_b,
        call,
    }
}

impl World {
    async fn draft(&self, content: &Value) -> String {
        let created = self
            .app
            .draft(&self.a, &self.call, &self.org_a, content)
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.str("id").to_owned()
    }

    async fn submitted(&self) -> String {
        let id = self.draft(&complete_content()).await;
        let submitted = self
            .app
            .post(&format!("/applications/{id}/submit"))
            .token(&self.a)
            .send()
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text);
        id
    }

    async fn history_len(&self, id: &str) -> usize {
        let history = self
            .app
            .get(&format!("/applications/{id}/history"))
            .token(&self.officer)
            .send()
            .await;
        history.body.as_array().map_or(0, Vec::len)
    }
}

#[tokio::test]
async fn a_member_drafts_edits_and_submits_with_a_receipt() {
    let w = world().await;
    let created = w
        .app
        .draft(&w.a, &w.call, &w.org_a, &json!({"title": "Балалар алаңы"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        (
            created.str("status"),
            created.str("total_cost"),
            created.str("requested_amount")
        ),
        ("draft", "0.00", "0.00")
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    let id = created.str("id").to_owned();
    let path = format!("/applications/{id}");

    let edited = w
        .app
        .patch(&path)
        .token(&w.a)
        .header("if-match", "\"1\"")
        .json(&complete_content())
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.str("total_cost"), "1200000.00");
    assert_eq!(edited.str("cofinanced_total"), "150000.00");
    assert_eq!(edited.str("requested_amount"), "1050000.00");
    assert_eq!(edited.body["budget_lines"][0]["total"], json!("1000000.00"));
    assert_eq!(edited.header("etag"), Some("\"2\""));

    let submitted = w
        .app
        .post(&format!("{path}/submit"))
        .token(&w.a)
        .send()
        .await;
    assert_eq!(
        (submitted.status, submitted.str("status")),
        (200, "submitted"),
        "{}",
        submitted.text
    );
    let receipt = submitted.str("receipt_sha256").to_owned();
    assert_eq!(receipt.len(), 64);
    let frozen = submitted.str("submitted_content").to_owned();
    assert_eq!(
        sha256_hex(&frozen),
        receipt,
        "the receipt is the hash of the frozen content"
    );
    let frozen_value: Value = serde_json::from_str(&frozen).unwrap_or_default();
    assert_eq!(frozen_value["title"], complete_content()["title"]);
    assert_eq!(
        frozen_value["budget_lines"][1]["unit_cost"],
        json!("200000.00")
    );

    // Later reads hash to the same receipt, and the content is frozen.
    let read = w.app.get(&path).token(&w.a).send().await;
    assert_eq!(
        (
            read.str("receipt_sha256"),
            sha256_hex(read.str("submitted_content"))
        ),
        (receipt.as_str(), receipt.clone())
    );
    let version = read.header("etag").unwrap_or_default().to_owned();
    w.app
        .patch(&path)
        .token(&w.a)
        .header("if-match", &version)
        .json(&json!({"title": "Changed"}))
        .send()
        .await
        .assert_problem(409, "content-frozen");
    let officer_view = w.app.get(&path).token(&w.officer).send().await;
    assert_eq!(officer_view.str("receipt_sha256"), receipt);
}

#[tokio::test]
async fn editing_needs_the_current_version() {
    let w = world().await;
    let id = w.draft(&json!({})).await;
    let path = format!("/applications/{id}");
    w.app
        .patch(&path)
        .token(&w.a)
        .json(&json!({"title": "A"}))
        .send()
        .await
        .assert_problem(428, "precondition-required");
    let first = w
        .app
        .patch(&path)
        .token(&w.a)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "First"}))
        .send()
        .await;
    assert_eq!(first.status, 200);
    // A second member editing from the same version does not overwrite the first.
    let second = w
        .app
        .patch(&path)
        .token(&w.a)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Second"}))
        .send()
        .await;
    second.assert_problem(412, "precondition-failed");
    assert_eq!(
        w.app.get(&path).token(&w.a).send().await.str("title"),
        "First"
    );
    let invalid = w
        .app
        .patch(&path)
        .token(&w.a)
        .header("if-match", "\"2\"")
        .json(&json!({"budget_lines": [{"category": "rent", "description": "Зал", "quantity": 2, "unit_cost": "10.005"}]}))
        .send()
        .await;
    invalid.assert_problem(422, "validation-error");
    assert_eq!(invalid.problem_fields(), vec!["budget_lines[0].unit_cost"]);
    let wrong_type = w.app.patch(&path).token(&w.a).header("if-match", "\"2\"").json(&json!({"budget_lines": [{"category": "rent", "description": "Зал", "quantity": "two", "unit_cost": "1"}]})).send().await;
    wrong_type.assert_problem(400, "malformed-request");
    assert_eq!(
        wrong_type.problem_fields(),
        vec!["budget_lines[0].quantity"]
    );
    assert_eq!(
        w.app.get(&path).token(&w.a).send().await.body["version"],
        json!(2)
    );
    // A limit broken inside an array is named with the element's index.
    let too_long = w
        .app
        .patch(&path)
        .token(&w.a)
        .header("if-match", "\"2\"")
        .json(&json!({"budget_lines": [
            {"category": "rent", "description": "Зал", "quantity": 1, "unit_cost": "1"},
            {"category": "rent", "description": "ж".repeat(501), "quantity": 1, "unit_cost": "1"}
        ]}))
        .send()
        .await;
    too_long.assert_problem(422, "validation-error");
    assert_eq!(
        too_long.problem_fields(),
        vec!["budget_lines[1].description"]
    );
    // `If-Match: *` (RFC 9110) asks only that the application exists: it edits whatever
    // version is current.
    let any = w
        .app
        .patch(&path)
        .token(&w.a)
        .header("if-match", "*")
        .json(&json!({"title": "Any version"}))
        .send()
        .await;
    assert_eq!(
        (any.status, any.str("title"), any.header("etag")),
        (200, "Any version", Some("\"3\"")),
        "{}",
        any.text
    );
}

#[tokio::test]
async fn submission_refusals_name_every_reason_and_change_nothing() {
    let w = world().await;
    // Incomplete: every missing field is named.
    let empty = w.draft(&json!({"title": "Only a title"})).await;
    let refused = w
        .app
        .post(&format!("/applications/{empty}/submit"))
        .token(&w.a)
        .send()
        .await;
    refused.assert_problem(422, "incomplete");
    let fields = refused.problem_fields();
    for field in [
        "summary",
        "problem",
        "goals",
        "activities",
        "target_groups",
        "beneficiaries",
        "settlement",
        "duration_months",
        "budget_lines",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} missing from {}",
            refused.text
        );
    }

    // Over the maximum grant and below the co-financing share at once.
    let mut greedy = complete_content();
    greedy["budget_lines"] = json!([{"category": "equipment", "description": "Трактор", "quantity": 1, "unit_cost": "5000000.00", "cofinanced": "0"}]);
    let greedy_id = w.draft(&greedy).await;
    let refused = w
        .app
        .post(&format!("/applications/{greedy_id}/submit"))
        .token(&w.a)
        .send()
        .await;
    refused.assert_problem(422, "budget-out-of-limits");
    let codes: Vec<&str> = refused.body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, vec!["above_max_grant", "cofinancing_too_low"]);

    let mut small = complete_content();
    small["budget_lines"] = json!([{"category": "materials", "description": "Краска", "quantity": 10, "unit_cost": "1000", "cofinanced": "1000"}]);
    let small_id = w.draft(&small).await;
    let refused = w
        .app
        .post(&format!("/applications/{small_id}/submit"))
        .token(&w.a)
        .send()
        .await;
    refused.assert_problem(422, "budget-out-of-limits");
    assert_eq!(refused.body["errors"][0]["code"], json!("below_min_grant"));

    for id in [&empty, &greedy_id, &small_id] {
        let read = w
            .app
            .get(&format!("/applications/{id}"))
            .token(&w.a)
            .send()
            .await;
        assert_eq!(
            (read.str("status"), read.body["receipt_sha256"].clone()),
            ("draft", Value::Null)
        );
        assert_eq!(w.history_len(id).await, 0);
    }
}

#[tokio::test]
async fn eligibility_rules_are_checked_at_submission() {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let a = app.applicant("a@mail.kz").await;
    let mut urban = organization_body(&valid_bin(1));
    urban["rural"] = json!(false);
    urban["region"] = json!("almaty_city");
    urban["registered_on"] = json!("2026-06-01");
    let created = app
        .post("/organizations")
        .token(&a)
        .json(&urban)
        .send()
        .await;
    let org = created.str("id").to_owned();
    let mut strict = call_body();
    strict["eligibility"] =
        json!({"rural_only": true, "min_years_registered": 3, "regions": ["aktobe", "kyzylorda"]});
    let call = app.published_call(&officer, &strict).await;
    let draft = app.draft(&a, &call, &org, &complete_content()).await;
    let id = draft.str("id").to_owned();
    let refused = app
        .post(&format!("/applications/{id}/submit"))
        .token(&a)
        .send()
        .await;
    refused.assert_problem(422, "ineligible");
    let codes: Vec<&str> = refused.body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        codes,
        vec!["not_rural", "too_recently_registered", "region_not_covered"]
    );
}

#[tokio::test]
async fn the_closing_instant_is_exclusive() {
    let w = world().await;
    let early = w.draft(&complete_content()).await;
    let late = w.draft(&complete_content()).await;
    w.app.clock.set(closes_at() - chrono::Duration::seconds(1));
    let a = w.app.token_for("a@mail.kz").await;
    let on_time = w
        .app
        .post(&format!("/applications/{early}/submit"))
        .token(&a)
        .send()
        .await;
    assert_eq!(on_time.status, 200, "{}", on_time.text);
    w.app.clock.set(closes_at());
    w.app
        .post(&format!("/applications/{late}/submit"))
        .token(&a)
        .send()
        .await
        .assert_problem(409, "call-not-open");
    // No new drafts either once closed.
    let refused = w.app.draft(&a, &w.call, &w.org_a, &json!({})).await;
    refused.assert_problem(409, "call-not-open");
}

#[tokio::test]
async fn the_state_machine_over_http() {
    let w = world().await;
    // Withdraw a draft and a submitted application.
    let draft = w.draft(&json!({})).await;
    let withdrawn = w
        .app
        .post(&format!("/applications/{draft}/withdraw"))
        .token(&w.a)
        .send()
        .await;
    assert_eq!(withdrawn.str("status"), "withdrawn");
    w.app
        .post(&format!("/applications/{draft}/withdraw"))
        .token(&w.a)
        .send()
        .await
        .assert_problem(409, "wrong-status");
    let submitted = w.submitted().await;
    assert_eq!(
        w.app
            .post(&format!("/applications/{submitted}/withdraw"))
            .token(&w.a)
            .send()
            .await
            .str("status"),
        "withdrawn"
    );

    // Revision: an officer asks, the member edits and resubmits before the deadline.
    let id = w.submitted().await;
    let path = format!("/applications/{id}");
    let first_receipt = w
        .app
        .get(&path)
        .token(&w.a)
        .send()
        .await
        .str("receipt_sha256")
        .to_owned();
    let due = (grants_tests::start_instant() + chrono::Duration::days(5)).to_rfc3339();
    w.app
        .post(&format!("{path}/request-revision"))
        .token(&w.a)
        .json(&json!({"comment": "x", "revision_due_at": due}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let blank = w
        .app
        .post(&format!("{path}/request-revision"))
        .token(&w.officer)
        .json(&json!({"comment": "  ", "revision_due_at": due}))
        .send()
        .await;
    blank.assert_problem(422, "reason-required");
    assert_eq!(blank.problem_fields(), vec!["comment"]);
    let past = (grants_tests::start_instant() - chrono::Duration::hours(1)).to_rfc3339();
    w.app
        .post(&format!("{path}/request-revision"))
        .token(&w.officer)
        .json(&json!({"comment": "Уточните бюджет", "revision_due_at": past}))
        .send()
        .await
        .assert_problem(422, "revision-due-in-past");
    let asked = w
        .app
        .post(&format!("{path}/request-revision"))
        .token(&w.officer)
        .json(&json!({"comment": "Уточните бюджет", "revision_due_at": due}))
        .send()
        .await;
    assert_eq!(
        (asked.status, asked.str("status")),
        (200, "revision_requested"),
        "{}",
        asked.text
    );
    assert_eq!(
        asked.body["revision_request"]["comment"],
        json!("Уточните бюджет")
    );
    let version = asked.header("etag").unwrap_or_default().to_owned();
    let revised = w
        .app
        .patch(&path)
        .token(&w.a)
        .header("if-match", &version)
        .json(&json!({"beneficiaries": 400}))
        .send()
        .await;
    assert_eq!(revised.status, 200, "{}", revised.text);
    w.app
        .post(&format!("{path}/submit"))
        .token(&w.a)
        .send()
        .await
        .assert_problem(409, "wrong-status");
    let resubmitted = w
        .app
        .post(&format!("{path}/resubmit"))
        .token(&w.a)
        .send()
        .await;
    assert_eq!(
        (resubmitted.status, resubmitted.str("status")),
        (200, "submitted"),
        "{}",
        resubmitted.text
    );
    assert_ne!(resubmitted.str("receipt_sha256"), first_receipt);
    assert_eq!(
        sha256_hex(resubmitted.str("submitted_content")),
        resubmitted.str("receipt_sha256")
    );
    assert!(resubmitted.body["revision_request"].is_null());

    // A revision answered after its deadline is refused.
    let late = w.submitted().await;
    let soon = (grants_tests::start_instant() + chrono::Duration::hours(2)).to_rfc3339();
    let asked = w
        .app
        .post(&format!("/applications/{late}/request-revision"))
        .token(&w.officer)
        .json(&json!({"comment": "Add letters of support", "revision_due_at": soon}))
        .send()
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    w.app.clock.advance(chrono::Duration::hours(2));
    let w = World {
        a: w.app.token_for("a@mail.kz").await,
        officer: w.app.token_for("officer@grants.kz").await,
        ..w
    };
    w.app
        .post(&format!("/applications/{late}/resubmit"))
        .token(&w.a)
        .send()
        .await
        .assert_problem(409, "revision-deadline-passed");

    // Ineligible needs a reason and an officer.
    let other = w.submitted().await;
    w.app
        .post(&format!("/applications/{other}/mark-ineligible"))
        .token(&w.a)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    w.app
        .post(&format!("/applications/{other}/mark-ineligible"))
        .token(&w.officer)
        .json(&json!({"reason": ""}))
        .send()
        .await
        .assert_problem(422, "reason-required");
    w.app
        .post(&format!("/applications/{other}/mark-ineligible"))
        .token(&w.officer)
        .json(&json!({"reason": "bad\u{0}byte"}))
        .send()
        .await
        .assert_problem(422, "reason-invalid");
    let ineligible = w
        .app
        .post(&format!("/applications/{other}/mark-ineligible"))
        .token(&w.officer)
        .json(&json!({"reason": "Not registered as an NGO"}))
        .send()
        .await;
    assert_eq!(ineligible.str("status"), "ineligible");

    // Members cannot start a review; officers need an assigned reviewer first.
    let waiting = w.submitted().await;
    w.app
        .post(&format!("/applications/{waiting}/start-review"))
        .token(&w.a)
        .send()
        .await
        .assert_problem(403, "forbidden");
    w.app
        .post(&format!("/applications/{waiting}/start-review"))
        .token(&w.officer)
        .send()
        .await
        .assert_problem(409, "no-reviewer-assigned");
    // Officers do not submit on an organisation's behalf.
    let members_only = w.draft(&complete_content()).await;
    w.app
        .post(&format!("/applications/{members_only}/submit"))
        .token(&w.officer)
        .send()
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn history_records_every_transition_in_order() {
    let w = world().await;
    let id = w.submitted().await;
    let due = (grants_tests::start_instant() + chrono::Duration::days(5)).to_rfc3339();
    w.app
        .post(&format!("/applications/{id}/request-revision"))
        .token(&w.officer)
        .json(&json!({"comment": "Please clarify", "revision_due_at": due}))
        .send()
        .await;
    w.app
        .post(&format!("/applications/{id}/resubmit"))
        .token(&w.a)
        .send()
        .await;
    w.app
        .post(&format!("/applications/{id}/withdraw"))
        .token(&w.a)
        .send()
        .await;

    let staff = w
        .app
        .get(&format!("/applications/{id}/history"))
        .token(&w.officer)
        .send()
        .await;
    let commands: Vec<&str> = staff
        .body
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["command"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        commands,
        vec!["submit", "request_revision", "resubmit", "withdraw"]
    );
    assert_eq!(staff.body[1]["reason"], json!("Please clarify"));
    assert_eq!(staff.body[1]["actor_role"], json!("officer"));
    assert!(staff.body[1]["actor_id"].is_string());
    assert_eq!(
        (staff.body[0]["from"].clone(), staff.body[0]["to"].clone()),
        (json!("draft"), json!("submitted"))
    );

    let member = w
        .app
        .get(&format!("/applications/{id}/history"))
        .token(&w.a)
        .send()
        .await;
    assert_eq!(member.body.as_array().map(Vec::len), Some(4));
    assert!(
        member
            .body
            .as_array()
            .is_some_and(|e| e.iter().all(|x| x["actor_id"].is_null())),
        "{}",
        member.text
    );
}

#[tokio::test]
async fn another_organisation_sees_nothing() {
    let w = world().await;
    let id = w.submitted().await;
    let draft = w.draft(&complete_content()).await;
    let admin = w.app.token_for("admin@grants.kz").await;
    let reviewer = w.app.staff(&admin, "reviewer@grants.kz", "reviewer").await;
    for token in [&w.b, &reviewer] {
        for app_id in [&id, &draft] {
            let path = format!("/applications/{app_id}");
            w.app
                .get(&path)
                .token(token)
                .send()
                .await
                .assert_problem(404, "not-found");
            w.app
                .get(&format!("{path}/history"))
                .token(token)
                .send()
                .await
                .assert_problem(404, "not-found");
            w.app
                .patch(&path)
                .token(token)
                .header("if-match", "\"1\"")
                .json(&json!({"title": "Mine now"}))
                .send()
                .await
                .assert_problem(404, "not-found");
            for action in ["submit", "withdraw", "resubmit", "start-review"] {
                w.app
                    .post(&format!("{path}/{action}"))
                    .token(token)
                    .send()
                    .await
                    .assert_problem(404, "not-found");
            }
            w.app
                .post(&format!("{path}/mark-ineligible"))
                .token(token)
                .json(&json!({"reason": "x"}))
                .send()
                .await
                .assert_problem(404, "not-found");
        }
    }
    // B cannot apply in A's name.
    let stolen = w.app.draft(&w.b, &w.call, &w.org_a, &json!({})).await;
    stolen.assert_problem(422, "validation-error");
    assert_eq!(stolen.problem_fields(), vec!["organization_id"]);
    // B's list is empty; reviewers do not list applications here.
    let listed = w.app.get("/applications").token(&w.b).send().await;
    assert_eq!(listed.body["items"], json!([]));
    w.app
        .get("/applications")
        .token(&reviewer)
        .send()
        .await
        .assert_problem(403, "forbidden");
    w.app
        .get("/applications")
        .send()
        .await
        .assert_problem(401, "unauthorized");
    // Nothing changed.
    let read = w
        .app
        .get(&format!("/applications/{draft}"))
        .token(&w.a)
        .send()
        .await;
    assert_eq!(
        (read.str("status"), read.body["version"].clone()),
        ("draft", json!(1))
    );
    assert_eq!(w.history_len(&id).await, 1);
    let _ = &w.org_b;
}

#[tokio::test]
async fn lists_are_filtered_sorted_and_paged() {
    let w = world().await;
    let submitted = w.submitted().await;
    let _draft = w.draft(&json!({"title": "Ә draft"})).await;
    let b_draft = w
        .app
        .draft(&w.b, &w.call, &w.org_b, &json!({"title": "B's draft"}))
        .await;
    assert_eq!(b_draft.status, 201);

    let mine = w.app.get("/applications").token(&w.a).send().await;
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(2));
    let all = w
        .app
        .get(&format!("/applications?call_id={}", w.call))
        .token(&w.officer)
        .send()
        .await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(3));
    let by_status = w
        .app
        .get("/applications?status=submitted")
        .token(&w.officer)
        .send()
        .await;
    assert_eq!(by_status.body["items"][0]["id"], json!(submitted));
    assert_eq!(by_status.body["items"].as_array().map(Vec::len), Some(1));
    let by_org = w
        .app
        .get(&format!("/applications?organization_id={}", w.org_b))
        .token(&w.officer)
        .send()
        .await;
    assert_eq!(by_org.body["items"].as_array().map(Vec::len), Some(1));
    let by_region = w
        .app
        .get("/applications?region=kyzylorda")
        .token(&w.officer)
        .send()
        .await;
    assert_eq!(by_region.body["items"], json!([]));
    let by_title = w
        .app
        .get("/applications?sort=title_asc&status=draft")
        .token(&w.officer)
        .send()
        .await;
    let titles: Vec<&str> = by_title.body["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|x| x["title"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(titles, vec!["B's draft", "Ә draft"]);
    let paged = w
        .app
        .get("/applications?limit=2")
        .token(&w.officer)
        .send()
        .await;
    assert_eq!(
        (
            paged.body["items"].as_array().map(Vec::len),
            paged.body["has_more"].clone()
        ),
        (Some(2), json!(true))
    );
    let rest = w
        .app
        .get("/applications?limit=2&page=2")
        .token(&w.officer)
        .send()
        .await;
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
    w.app
        .get("/applications?limit=500")
        .token(&w.officer)
        .send()
        .await
        .assert_problem(400, "malformed-request");
    w.app
        .get("/applications?status=lost")
        .token(&w.officer)
        .send()
        .await
        .assert_problem(400, "malformed-request");
}

#[tokio::test]
async fn a_retried_post_with_the_same_key_acts_once() {
    let w = world().await;
    let id = w.draft(&complete_content()).await;
    let submit = |key: &str| {
        w.app
            .post(&format!("/applications/{id}/submit"))
            .token(&w.a)
            .header("idempotency-key", key)
            .send()
    };
    let first = submit("submit-1").await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = submit("submit-1").await;
    assert_eq!(
        (again.status, again.body.clone()),
        (200, first.body.clone())
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(w.history_len(&id).await, 1);
    // Without the key the same request is simply refused by the state machine.
    w.app
        .post(&format!("/applications/{id}/submit"))
        .token(&w.a)
        .send()
        .await
        .assert_problem(409, "wrong-status");

    // The same key with another body is refused.
    let mut body = complete_content();
    body["organization_id"] = json!(w.org_a);
    let create = |body: &Value, key: &str| {
        w.app
            .post(&format!("/calls/{}/applications", w.call))
            .token(&w.a)
            .header("idempotency-key", key)
            .json(body)
            .send()
    };
    let created = create(&body, "create-1").await;
    assert_eq!(created.status, 201, "{}", created.text);
    body["title"] = json!("Another title");
    create(&body, "create-1")
        .await
        .assert_problem(422, "idempotency-key-reused");
    // Keys belong to their account: B's identical key is B's own.
    let mut b_body = complete_content();
    b_body["organization_id"] = json!(w.org_b);
    let b_created = w
        .app
        .post(&format!("/calls/{}/applications", w.call))
        .token(&w.b)
        .header("idempotency-key", "create-1")
        .json(&b_body)
        .send()
        .await;
    assert_eq!(b_created.status, 201, "{}", b_created.text);

    // After 24 hours a key is forgotten.
    body["title"] = complete_content()["title"].clone();
    w.app.clock.advance(chrono::Duration::hours(25));
    let admin = w.app.token_for("a@mail.kz").await;
    let fresh = w
        .app
        .post(&format!("/calls/{}/applications", w.call))
        .token(&admin)
        .header("idempotency-key", "create-1")
        .json(&body)
        .send()
        .await;
    assert_eq!(fresh.status, 201, "{}", fresh.text);
    assert_ne!(fresh.str("id"), created.str("id"));
    let bad_key = w
        .app
        .post(&format!("/calls/{}/applications", w.call))
        .token(&admin)
        .header("idempotency-key", "")
        .json(&body)
        .send()
        .await;
    bad_key.assert_problem(400, "malformed-request");
}

#[tokio::test]
async fn a_key_outside_visible_ascii_is_refused_rather_than_ignored() {
    let w = world().await;
    let mut body = complete_content();
    body["organization_id"] = json!(w.org_a);
    let path = format!("/calls/{}/applications", w.call);
    let long = "k".repeat(256);
    for key in ["ключ-1".as_bytes(), b"two words", long.as_bytes()] {
        for _ in 0..2 {
            w.app
                .post(&path)
                .token(&w.a)
                .header_bytes("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .assert_problem(400, "malformed-request");
        }
    }
    let listed = w.app.get("/applications").token(&w.a).send().await;
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        listed.text
    );
}

#[tokio::test]
async fn a_stored_answer_is_not_replayed_after_logout() {
    let w = world().await;
    let id = w.draft(&complete_content()).await;
    let submit = || {
        w.app
            .post(&format!("/applications/{id}/submit"))
            .token(&w.a)
            .header("idempotency-key", "submit-once")
            .send()
    };
    let first = submit().await;
    assert_eq!(first.status, 200, "{}", first.text);
    let out = w.app.post("/auth/logout").token(&w.a).send().await;
    assert_eq!(out.status, 204, "{}", out.text);
    let replayed = submit().await;
    replayed.assert_problem(401, "unauthorized");
    assert_eq!(replayed.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_act_once() {
    let w = world().await;
    let mut body = complete_content();
    body["organization_id"] = json!(w.org_a);
    let path = format!("/calls/{}/applications", w.call);
    let send = || {
        w.app
            .post(&path)
            .token(&w.a)
            .header("idempotency-key", "same")
            .json(&body)
            .send()
    };
    // The duplicates wait for the first and replay its answer.
    let (one, two, three, four) = tokio::join!(send(), send(), send(), send());
    let answers = [&one, &two, &three, &four];
    for answer in answers {
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.body, one.body);
        assert_eq!(answer.header("etag"), one.header("etag"));
    }
    let replayed = answers
        .iter()
        .filter(|a| a.header("idempotent-replayed") == Some("true"))
        .count();
    assert_eq!(replayed, 3);
    let listed = w.app.get("/applications").token(&w.a).send().await;
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
}

#[tokio::test]
async fn submit_racing_withdraw_ends_in_exactly_one_of_them() {
    let w = world().await;
    for _ in 0..8 {
        let id = w.draft(&complete_content()).await;
        let submit = w
            .app
            .post(&format!("/applications/{id}/submit"))
            .token(&w.a)
            .send();
        let withdraw = w
            .app
            .post(&format!("/applications/{id}/withdraw"))
            .token(&w.a)
            .send();
        let (submitted, withdrawn) = tokio::join!(submit, withdraw);
        let read = w
            .app
            .get(&format!("/applications/{id}"))
            .token(&w.a)
            .send()
            .await;
        let history = w
            .app
            .get(&format!("/applications/{id}/history"))
            .token(&w.officer)
            .send()
            .await;
        let events = history.body.as_array().cloned().unwrap_or_default();
        match (submitted.status, withdrawn.status) {
            (200, 409) => {
                assert_eq!(read.str("status"), "submitted");
                assert_eq!(events.len(), 1, "{}", history.text);
                assert_eq!(events[0]["command"], json!("submit"));
            }
            (409, 200) => {
                assert_eq!(read.str("status"), "withdrawn");
                assert_eq!(events.len(), 1, "{}", history.text);
                assert_eq!(events[0]["command"], json!("withdraw"));
            }
            // Served one after the other: submit first, then withdraw of the submitted one.
            (200, 200) => {
                assert_eq!(read.str("status"), "withdrawn");
                let commands: Vec<&str> = events
                    .iter()
                    .filter_map(|e| e["command"].as_str())
                    .collect();
                assert_eq!(commands, vec!["submit", "withdraw"]);
            }
            other => panic!(
                "unexpected outcome {other:?}: {} / {}",
                submitted.text, withdrawn.text
            ),
        }
    }
}
