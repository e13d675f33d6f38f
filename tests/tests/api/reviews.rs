mod races;
mod recusal;

use std::collections::{BTreeMap, BTreeSet};

use grants_tests::{
    TestApp, call_body, closes_at, complete_content, review_body, spawn_app, valid_bin,
};
use serde_json::{Value, json};

/// A call with reviewers, organisations and submitted applications.
struct Round {
    app: TestApp,
    officer: String,
    call: String,
    /// (email, token, id) of each reviewer.
    reviewers: Vec<(String, String, String)>,
    /// (owner token, organisation id) of each organisation.
    orgs: Vec<(String, String)>,
    /// Application ids, in creation order, with their organisation's index.
    applications: Vec<(String, usize)>,
}

async fn round(
    call: Value,
    orgs: usize,
    applications: usize,
    reviewers: usize,
    requested: u64,
) -> Round {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut reviewer_list = Vec::new();
    for i in 0..reviewers {
        let email = format!("expert{i}@grants.kz");
        let token = app.staff(&admin, &email, "reviewer").await;
        let id = app
            .get("/me")
            .token(&token)
            .send()
            .await
            .str("id")
            .to_owned();
        reviewer_list.push((email, token, id));
    }
    let mut org_list = Vec::new();
    for i in 0..orgs {
        let token = app.applicant(&format!("ngo{i}@mail.kz")).await;
        let id = app
            .organization(&token, &valid_bin(u32::try_from(i).unwrap_or(0) + 1))
            .await;
        org_list.push((token, id));
    }
    let call_id = app.published_call(&officer, &call).await;
    let mut content = complete_content();
    // A sixth of the cost is co-financed, above the call's 10 %.
    let (total, cofinanced) = (requested / 5 * 6, requested / 5);
    content["budget_lines"] = json!([{"category": "equipment", "description": "Жабдық", "quantity": 1, "unit_cost": total.to_string(), "cofinanced": cofinanced.to_string()}]);
    let mut application_list = Vec::new();
    for i in 0..applications {
        let org = i % orgs;
        let (token, org_id) = &org_list[org];
        // Titles are the applicants' words; one carries a spreadsheet formula after a `;`.
        content["title"] = json!(format!("Жоба {i:02};=cmd|' /C calc'!A0"));
        let draft = app.draft(token, &call_id, org_id, &content).await;
        assert_eq!(draft.status, 201, "{}", draft.text);
        let id = draft.str("id").to_owned();
        let submitted = app
            .post(&format!("/applications/{id}/submit"))
            .token(token)
            .send()
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text);
        application_list.push((id, org));
    }
    for (_, _, id) in &reviewer_list {
        let added = app
            .post(&format!("/calls/{call_id}/reviewers"))
            .token(&officer)
            .json(&json!({"reviewer_id": id}))
            .send()
            .await;
        assert_eq!(added.status, 201, "{}", added.text);
    }
    Round {
        app,
        officer,
        call: call_id,
        reviewers: reviewer_list,
        orgs: org_list,
        applications: application_list,
    }
}

impl Round {
    /// Fresh tokens after the clock moved.
    async fn relogin(&mut self) {
        self.officer = self.app.token_for("officer@grants.kz").await;
        for (email, token, _) in &mut self.reviewers {
            *token = self.app.token_for(email).await;
        }
        for (i, (token, _)) in self.orgs.iter_mut().enumerate() {
            *token = self.app.token_for(&format!("ngo{i}@mail.kz")).await;
        }
    }

    /// Assigns the reviewer `reviewer_id` to `application` as the officer; the assignment's id.
    async fn assign(&self, application: &str, reviewer_id: &str) -> String {
        let assigned = self
            .app
            .post(&format!("/applications/{application}/assignments"))
            .token(&self.officer)
            .json(&json!({"reviewer_id": reviewer_id}))
            .send()
            .await;
        assert_eq!(assigned.status, 201, "{}", assigned.text);
        assigned.str("id").to_owned()
    }

    /// The commands of `application`'s history, oldest first, as the officer reads it.
    async fn commands(&self, application: &str) -> Vec<String> {
        let history = self
            .app
            .get(&format!("/applications/{application}/history"))
            .token(&self.officer)
            .send()
            .await;
        history
            .body
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|x| x["command"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Closes the call, logs everyone in again and staffs every application automatically.
    async fn close_and_assign(&mut self) {
        self.app.clock.set(closes_at());
        self.relogin().await;
        let auto = self
            .app
            .post(&format!("/calls/{}/assignments/auto", self.call))
            .token(&self.officer)
            .json(&json!({}))
            .send()
            .await;
        assert_eq!(auto.body["unstaffed"], json!([]), "{}", auto.text);
    }
}

fn no_reviewer_identity(text: &str, reviewers: &[(String, String, String)]) {
    for (email, _, id) in reviewers {
        assert!(
            !text.contains(email.as_str()) && !text.contains(id.as_str()),
            "a reviewer's identity leaked: {text}"
        );
    }
    assert!(
        !text.contains("Эксперт"),
        "a reviewer's name leaked: {text}"
    );
}

#[tokio::test]
async fn a_full_round_from_assignment_to_feedback() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(3);
    body["disagreement_spread"] = json!(40);
    body["fundable_min_score"] = json!(50);
    body["budget"] = json!("10000000");
    body["max_grant"] = json!("1000000");
    let mut r = round(body, 12, 30, 8, 1_000_000).await;

    // Conflicts: reviewer 0 declares two, reviewer 1 one.
    for org in [0, 1] {
        let declared = r
            .app
            .post("/me/conflicts")
            .token(&r.reviewers[0].1)
            .json(&json!({"organization_id": r.orgs[org].1, "kind": "personal_or_family", "description": "Менің туысым"}))
            .send()
            .await;
        assert_eq!(declared.status, 201, "{}", declared.text);
    }
    // Staff accounts cannot join an NGO (and so cannot be steered away): an invitation
    // to a reviewer's address is answered like any other, and the reviewer cannot take it.
    let invited = r
        .app
        .post(&format!("/organizations/{}/members", r.orgs[2].1))
        .token(&r.orgs[2].0)
        .json(&json!({"email": r.reviewers[1].0}))
        .send()
        .await;
    assert_eq!(invited.status, 202, "{}", invited.text);
    r.app
        .post(&format!("/invitations/{}/accept", invited.str("id")))
        .token(&r.reviewers[1].1)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let declared = r
        .app
        .post("/me/conflicts")
        .token(&r.reviewers[1].1)
        .json(&json!({"organization_id": r.orgs[2].1, "kind": "financial", "description": "Мен оның есепшісімін"}))
        .send()
        .await;
    assert_eq!(declared.status, 201, "{}", declared.text);

    // Automatic assignment waits for the call to close.
    r.app
        .post(&format!("/calls/{}/assignments/auto", r.call))
        .token(&r.officer)
        .json(&json!({}))
        .send()
        .await
        .assert_problem(409, "call-not-closed");
    r.app.clock.set(closes_at());
    r.relogin().await;
    let auto = r
        .app
        .post(&format!("/calls/{}/assignments/auto", r.call))
        .token(&r.officer)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(auto.status, 200, "{}", auto.text);
    assert_eq!(auto.body["unstaffed"], json!([]));
    let pairs = auto.body["assigned"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(pairs.len(), 90);
    let org_of: BTreeMap<String, usize> = r.applications.iter().cloned().collect();
    let mut load: BTreeMap<String, usize> = BTreeMap::new();
    for pair in &pairs {
        let application = pair["application_id"].as_str().unwrap_or_default();
        let reviewer = pair["reviewer_id"].as_str().unwrap_or_default();
        let org = org_of[application];
        assert!(
            !(reviewer == r.reviewers[0].2 && (org == 0 || org == 1)),
            "declared conflict ignored"
        );
        assert!(
            !(reviewer == r.reviewers[1].2 && org == 2),
            "declared conflict ignored"
        );
        *load.entry(reviewer.to_owned()).or_default() += 1;
    }
    let (min, max) = (
        load.values().min().copied().unwrap_or(0),
        load.values().max().copied().unwrap_or(0),
    );
    assert!(max - min <= 1, "loads {load:?}");
    // Running it again changes nothing: every application is staffed.
    let again = r
        .app
        .post(&format!("/calls/{}/assignments/auto", r.call))
        .token(&r.officer)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(
        (
            again.body["assigned"].clone(),
            again.body["unstaffed"].clone()
        ),
        (json!([]), json!([]))
    );

    let (first_app, first_org) = r.applications[0].clone();
    let seen_by_applicant = r
        .app
        .get(&format!("/applications/{first_app}"))
        .token(&r.orgs[first_org].0)
        .send()
        .await;
    assert_eq!(seen_by_applicant.str("status"), "under_review");
    r.app
        .get(&format!("/applications/{first_app}/feedback"))
        .token(&r.orgs[first_org].0)
        .send()
        .await
        .assert_problem(409, "not-decided");
    r.app
        .get(&format!("/applications/{first_app}/reviews"))
        .token(&r.orgs[first_org].0)
        .send()
        .await
        .assert_problem(404, "not-found");

    // Every reviewer reviews everything assigned; application i scores by its index, and
    // application 0 splits its reviewers.
    let index_of: BTreeMap<String, usize> = r
        .applications
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    let mut blindness_checked = false;
    for (email, token, _) in &r.reviewers {
        let mine = r.app.get("/me/assignments").token(token).send().await;
        for assignment in mine.body["items"].as_array().cloned().unwrap_or_default() {
            let id = assignment["id"].as_str().unwrap_or_default().to_owned();
            let application = assignment["application_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let i = index_of[&application];
            let relevance = if i == 0 {
                if email.ends_with("0@grants.kz") || blindness_checked {
                    10
                } else {
                    0
                }
            } else {
                u32::try_from(i % 11).unwrap_or(0)
            };
            let saved = r
                .app
                .req(
                    reqwest::Method::PUT,
                    &format!("/api/v1/assignments/{id}/review"),
                )
                .token(token)
                .json(&review_body(relevance, 3, "Жақсы жоба"))
                .send()
                .await;
            assert_eq!(saved.status, 200, "{}", saved.text);
            // Before submitting, a reviewer sees only their own review.
            let before = r
                .app
                .get(&format!("/applications/{application}/reviews"))
                .token(token)
                .send()
                .await;
            assert!(
                before
                    .body
                    .as_array()
                    .is_some_and(|v| v.iter().all(|x| x["mine"] == json!(true))),
                "{}",
                before.text
            );
            let submitted = r
                .app
                .post(&format!("/assignments/{id}/review/submit"))
                .token(token)
                .send()
                .await;
            assert_eq!(submitted.status, 200, "{}", submitted.text);
            if i == 0 {
                blindness_checked = true;
                let after = r
                    .app
                    .get(&format!("/applications/{application}/reviews"))
                    .token(token)
                    .send()
                    .await;
                assert!(
                    after
                        .body
                        .as_array()
                        .is_some_and(|v| v.iter().all(|x| x["reviewer_id"].is_null())),
                    "{}",
                    after.text
                );
            }
        }
    }

    // Every application is reviewed; the applicant still sees "under review".
    let officer_view = r
        .app
        .get(&format!(
            "/applications?call_id={}&status=reviewed&limit=100",
            r.call
        ))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(
        officer_view.body["items"].as_array().map(Vec::len),
        Some(30),
        "{}",
        officer_view.text
    );
    assert_eq!(
        r.app
            .get(&format!("/applications/{first_app}"))
            .token(&r.orgs[first_org].0)
            .send()
            .await
            .str("status"),
        "under_review"
    );

    let ranking = r
        .app
        .get(&format!("/calls/{}/ranking", r.call))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(ranking.status, 200, "{}", ranking.text);
    let rows = ranking.body["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 30);
    let scores: Vec<f64> = rows
        .iter()
        .filter_map(|row| row["score"].as_f64())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let flagged: Vec<&Value> = rows
        .iter()
        .filter(|row| row["aggregate"]["disagreement"] == json!(true))
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["application_id"], json!(first_app));
    let above: Vec<&Value> = rows
        .iter()
        .filter(|row| row["above_funding_line"] == json!(true))
        .collect();
    assert!(
        !above.is_empty() && above.len() <= 10,
        "{} above the line",
        above.len()
    );
    assert!(above.iter().all(|row| row["fundable"] == json!(true)));
    let csv = r
        .app
        .get(&format!("/calls/{}/ranking", r.call))
        .token(&r.officer)
        .header("accept", "text/csv")
        .send()
        .await;
    assert!(
        csv.header("content-type")
            .is_some_and(|ct| ct.starts_with("text/csv"))
    );
    assert_eq!(csv.text.lines().count(), 31);
    assert!(
        csv.text.starts_with("\u{feff}\"rank\",\"application_id\""),
        "{}",
        csv.text
    );
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"ranking-{}.csv\"", r.call).as_str())
    );
    // The variant for Excel in Kazakh and Russian locales: `;` between cells, decimal commas.
    let semicolons = r
        .app
        .get(&format!("/calls/{}/ranking?separator=semicolon", r.call))
        .token(&r.officer)
        .header("accept", "text/csv")
        .send()
        .await;
    let first = semicolons
        .text
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let cells: Vec<&str> = first.split(';').collect();
    assert_eq!(cells.len(), 18, "{first}");
    assert!(cells[5].contains(',') && !cells[5].contains('.'), "{first}");
    // The title's `;` stays inside its quoted cell, and what follows it is no formula.
    assert!(first.contains(";'=cmd|"), "{first}");
    assert!(
        !csv.text.contains(";=") && !csv.text.contains(",="),
        "{}",
        csv.text
    );
    r.app
        .get(&format!("/calls/{}/ranking", r.call))
        .token(&r.orgs[0].0)
        .send()
        .await
        .assert_problem(403, "forbidden");

    // Bulk decisions: all or nothing.
    let mut decisions: Vec<Value> = rows
        .iter()
        .map(|row| {
            let id = row["application_id"].clone();
            if row["above_funding_line"] == json!(true) {
                json!({"application_id": id, "decision": "approve", "awarded_amount": row["requested_amount"]})
            } else {
                json!({"application_id": id, "decision": "reject", "reason": "Бюджет жетпеді"})
            }
        })
        .collect();
    let mut broken = decisions.clone();
    if let Some(last) = broken.last_mut() {
        *last = json!({"application_id": last["application_id"], "decision": "reject"});
    }
    let refused = r
        .app
        .post(&format!("/calls/{}/decisions", r.call))
        .token(&r.officer)
        .json(&json!({"decisions": broken}))
        .send()
        .await;
    refused.assert_problem(422, "reason-required");
    let still = r
        .app
        .get(&format!(
            "/applications?call_id={}&status=reviewed&limit=100",
            r.call
        ))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(
        still.body["items"].as_array().map(Vec::len),
        Some(30),
        "nothing was decided"
    );
    // An application the call does not have refuses the whole batch, as unknown.
    let mut stranger = decisions.clone();
    stranger.push(json!({"application_id": uuid::Uuid::new_v4(), "decision": "waitlist"}));
    r.app
        .post(&format!("/calls/{}/decisions", r.call))
        .token(&r.officer)
        .json(&json!({"decisions": stranger}))
        .send()
        .await
        .assert_problem(404, "not-found");
    // The last of the ranking is waitlisted; below the fundable minimum that takes a reason.
    if let Some(last) = decisions.last_mut() {
        *last = json!({"application_id": last["application_id"], "decision": "waitlist", "reason": "Резерв"});
    }
    let decided = r
        .app
        .post(&format!("/calls/{}/decisions", r.call))
        .token(&r.officer)
        .json(&json!({"decisions": decisions}))
        .send()
        .await;
    assert_eq!(decided.status, 200, "{}", decided.text);
    assert_eq!(
        r.app
            .get(&format!("/calls/{}", r.call))
            .send()
            .await
            .str("status"),
        "decided"
    );

    // Feedback: per-criterion averages and anonymous comments.
    let approved = above[0]["application_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let owner = &r.orgs[org_of[&approved]].0;
    let feedback = r
        .app
        .get(&format!("/applications/{approved}/feedback"))
        .token(owner)
        .send()
        .await;
    assert_eq!(feedback.status, 200, "{}", feedback.text);
    assert_eq!(
        (
            feedback.str("status"),
            feedback.body["rank"].clone(),
            feedback.body["ranked"].clone()
        ),
        ("approved", json!(1), json!(30))
    );
    assert_eq!(feedback.body["fundable_min_score"], json!(50));
    assert_eq!(feedback.body["criteria"].as_array().map(Vec::len), Some(2));
    let labels: Vec<&str> = feedback.body["comments"]
        .as_array()
        .map(|c| c.iter().filter_map(|x| x["reviewer"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, vec!["Reviewer 1", "Reviewer 2", "Reviewer 3"]);
    no_reviewer_identity(&feedback.text, &r.reviewers);
    // Reviewers read reviews through their assignments, never the applicant's feedback.
    let reviewer_of_approved = pairs
        .iter()
        .find(|p| p["application_id"] == json!(approved))
        .and_then(|p| p["reviewer_id"].as_str())
        .and_then(|id| r.reviewers.iter().find(|(_, _, rid)| rid == id))
        .map(|(_, token, _)| token.clone())
        .unwrap_or_default();
    r.app
        .get(&format!("/applications/{approved}/feedback"))
        .token(&reviewer_of_approved)
        .send()
        .await
        .assert_problem(404, "not-found");
    // Another organisation cannot read it.
    let other = (org_of[&approved] + 1) % 12;
    r.app
        .get(&format!("/applications/{approved}/feedback"))
        .token(&r.orgs[other].0)
        .send()
        .await
        .assert_problem(404, "not-found");
    let history = r
        .app
        .get(&format!("/applications/{approved}/history"))
        .token(owner)
        .send()
        .await;
    no_reviewer_identity(&history.text, &r.reviewers);
}

#[tokio::test]
async fn manual_assignment_refuses_conflicts_duplicates_and_strangers() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(2);
    let r = round(body, 2, 2, 3, 1_000_000).await;
    let (application, org) = r.applications[0].clone();
    let path = format!("/applications/{application}/assignments");
    // Reviewer 2 declared a conflict with the applying organisation.
    let declared = r
        .app
        .post("/me/conflicts")
        .token(&r.reviewers[2].1)
        .json(&json!({"organization_id": r.orgs[org].1, "kind": "organization_member", "description": "Founder"}))
        .send()
        .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    r.app
        .post("/me/conflicts")
        .token(&r.reviewers[2].1)
        .json(&json!({"organization_id": r.orgs[org].1, "kind": "other", "description": "Again"}))
        .send()
        .await
        .assert_problem(409, "conflict-already-declared");
    r.app
        .post(&path)
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[2].2}))
        .send()
        .await
        .assert_problem(409, "reviewer-conflict");
    r.app
        .post(&path)
        .token(&r.orgs[org].0)
        .json(&json!({"reviewer_id": r.reviewers[0].2}))
        .send()
        .await
        .assert_problem(403, "forbidden");

    let assigned = r
        .app
        .post(&path)
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[0].2}))
        .send()
        .await;
    assert_eq!(
        (assigned.status, assigned.str("status")),
        (201, "assigned"),
        "{}",
        assigned.text
    );
    assert_eq!(
        r.app
            .get(&format!("/applications/{application}"))
            .token(&r.officer)
            .send()
            .await
            .str("status"),
        "under_review"
    );
    r.app
        .post(&path)
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[0].2}))
        .send()
        .await
        .assert_problem(409, "already-assigned");
    let stranger = r
        .app
        .post(&path)
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.orgs[0].1}))
        .send()
        .await;
    stranger.assert_problem(422, "validation-error");

    // The assigned reviewer reads the application; others do not.
    let read = r
        .app
        .get(&format!("/applications/{application}"))
        .token(&r.reviewers[0].1)
        .send()
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["organization"]["bin"], json!(valid_bin(1)));
    r.app
        .get(&format!("/applications/{application}"))
        .token(&r.reviewers[1].1)
        .send()
        .await
        .assert_problem(404, "not-found");
    r.app
        .get(&format!("/applications/{application}/history"))
        .token(&r.reviewers[0].1)
        .send()
        .await
        .assert_problem(403, "forbidden");

    // Declining with a conflict frees the slot and records the conflict.
    let id = assigned.str("id").to_owned();
    r.app
        .post(&format!("/assignments/{id}/accept"))
        .token(&r.reviewers[1].1)
        .send()
        .await
        .assert_problem(404, "not-found");
    let declined = r
        .app
        .post(&format!("/assignments/{id}/decline"))
        .token(&r.reviewers[0].1)
        .json(&json!({"reason": "Знаю руководителя", "conflict": {"kind": "personal_or_family", "description": "Руководитель — мой сосед"}}))
        .send()
        .await;
    assert_eq!(
        (declined.status, declined.str("status")),
        (200, "declined"),
        "{}",
        declined.text
    );
    r.app
        .post(&format!("/assignments/{id}/accept"))
        .token(&r.reviewers[0].1)
        .send()
        .await
        .assert_problem(409, "assignment-wrong-status");
    let conflicts = r
        .app
        .get("/me/conflicts")
        .token(&r.reviewers[0].1)
        .send()
        .await;
    assert_eq!(conflicts.body[0]["organization_id"], json!(r.orgs[org].1));
    r.app
        .get(&format!("/applications/{application}"))
        .token(&r.reviewers[0].1)
        .send()
        .await
        .assert_problem(404, "not-found");
    // The freed slot goes to someone else; the declined reviewer is not planned again.
    r.app.clock.set(closes_at());
    let officer = r.app.token_for("officer@grants.kz").await;
    let auto = r
        .app
        .post(&format!("/calls/{}/assignments/auto", r.call))
        .token(&officer)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(auto.status, 200, "{}", auto.text);
    let for_first: Vec<&str> = auto.body["assigned"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|p| p["application_id"] == json!(application))
                .filter_map(|p| p["reviewer_id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(for_first, vec![r.reviewers[1].2.as_str()]);
    let unstaffed = auto.body["unstaffed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(unstaffed.len(), 1, "{}", auto.text);
    assert_eq!(
        (
            unstaffed[0]["application_id"].clone(),
            unstaffed[0]["reason"].clone()
        ),
        (json!(application), json!("conflicts"))
    );
}

#[tokio::test]
async fn reviews_are_validated_and_frozen_once_submitted() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    let r = round(body, 1, 1, 1, 1_000_000).await;
    let (application, _) = r.applications[0].clone();
    let assigned = r
        .app
        .post(&format!("/applications/{application}/assignments"))
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[0].2}))
        .send()
        .await;
    let id = assigned.str("id").to_owned();
    let token = &r.reviewers[0].1;
    let put = |body: Value| {
        r.app
            .req(
                reqwest::Method::PUT,
                &format!("/api/v1/assignments/{id}/review"),
            )
            .token(token)
            .json(&body)
            .send()
    };
    let bad = put(json!({"scores": [{"criterion": "beauty", "score": 3}, {"criterion": "relevance", "score": 11}], "confidence": 5})).await;
    bad.assert_problem(422, "validation-error");
    assert_eq!(
        bad.problem_fields(),
        vec!["scores[0].criterion", "scores[1].score", "confidence"]
    );
    let partial = put(json!({"scores": [{"criterion": "relevance", "score": 7}]})).await;
    assert_eq!(
        (partial.status, partial.str("status")),
        (200, "accepted"),
        "{}",
        partial.text
    );
    let incomplete = r
        .app
        .post(&format!("/assignments/{id}/review/submit"))
        .token(token)
        .send()
        .await;
    incomplete.assert_problem(422, "review-incomplete");
    assert_eq!(
        incomplete.problem_fields(),
        vec!["scores.budget", "comment", "recommendation", "confidence"]
    );
    assert_eq!(put(review_body(7, 4, "Толық")).await.status, 200);
    let submitted = r
        .app
        .post(&format!("/assignments/{id}/review/submit"))
        .token(token)
        .send()
        .await;
    assert_eq!(
        (submitted.status, submitted.str("status")),
        (200, "submitted"),
        "{}",
        submitted.text
    );
    // (7/10×2 + 4/5×1) / 3 × 100 = 73.33
    assert_eq!(submitted.body["total"], json!(73.33));
    assert_eq!(
        r.app
            .get(&format!("/applications/{application}"))
            .token(&r.officer)
            .send()
            .await
            .str("status"),
        "reviewed"
    );
    put(review_body(1, 1, "Changed my mind"))
        .await
        .assert_problem(409, "assignment-wrong-status");
    r.app
        .post(&format!("/assignments/{id}/review/reopen"))
        .token(token)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let reopened = r
        .app
        .post(&format!("/assignments/{id}/review/reopen"))
        .token(&r.officer)
        .json(&json!({"reason": "Please re-check the budget"}))
        .send()
        .await;
    assert_eq!(
        (reopened.status, reopened.str("status")),
        (200, "accepted"),
        "{}",
        reopened.text
    );
    assert_eq!(
        r.app
            .get(&format!("/applications/{application}"))
            .token(&r.officer)
            .send()
            .await
            .str("status"),
        "under_review"
    );
    assert_eq!(put(review_body(9, 5, "Re-checked")).await.status, 200);
    let resubmitted = r
        .app
        .post(&format!("/assignments/{id}/review/submit"))
        .token(token)
        .send()
        .await;
    assert_eq!(resubmitted.body["total"], json!(93.33));
    assert_eq!(
        r.commands(&application).await,
        vec![
            "submit",
            "start_review",
            "complete_review",
            "reopen_review",
            "complete_review"
        ]
    );
}

#[tokio::test]
async fn a_call_can_hide_the_applicant_from_reviewers() {
    let mut body = call_body();
    body["hide_applicant_identity"] = json!(true);
    body["reviewers_per_application"] = json!(1);
    let r = round(body, 1, 1, 1, 1_000_000).await;
    let (application, _) = r.applications[0].clone();
    r.app
        .post(&format!("/applications/{application}/assignments"))
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[0].2}))
        .send()
        .await;
    let read = r
        .app
        .get(&format!("/applications/{application}"))
        .token(&r.reviewers[0].1)
        .send()
        .await;
    assert_eq!(read.status, 200);
    assert!(read.body["organization"].is_null(), "{}", read.text);
    assert!(
        !read.text.contains(&valid_bin(1)) && !read.text.contains("Ақ ниет"),
        "{}",
        read.text
    );
    let staff = r
        .app
        .get(&format!("/applications/{application}"))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(staff.body["organization"]["bin"], json!(valid_bin(1)));
}

#[tokio::test]
async fn decisions_follow_the_rules() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    body["fundable_min_score"] = json!(80);
    let r = round(body, 1, 2, 2, 1_000_000).await;
    let token = &r.reviewers[0].1;
    // A second reviewer is assigned to the first application but never finishes.
    let late = r
        .app
        .post(&format!(
            "/applications/{}/assignments",
            r.applications[0].0
        ))
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[1].2}))
        .send()
        .await;
    assert_eq!(late.status, 201, "{}", late.text);
    let late = late.str("id").to_owned();
    r.app
        .post(&format!(
            "/applications/{}/assignments",
            r.applications[0].0
        ))
        .token(&r.officer)
        .json(&json!({"reviewer_id": r.reviewers[1].2, "due_at": "2020-01-01T00:00:00Z"}))
        .send()
        .await
        .assert_problem(422, "validation-error");
    for (application, _) in &r.applications {
        let assigned = r
            .app
            .post(&format!("/applications/{application}/assignments"))
            .token(&r.officer)
            .json(&json!({"reviewer_id": r.reviewers[0].2}))
            .send()
            .await;
        let id = assigned.str("id").to_owned();
        r.app
            .req(
                reqwest::Method::PUT,
                &format!("/api/v1/assignments/{id}/review"),
            )
            .token(token)
            .json(&review_body(5, 5, "Орташа"))
            .send()
            .await;
        r.app
            .post(&format!("/assignments/{id}/review/submit"))
            .token(token)
            .send()
            .await;
    }
    let (first, _) = r.applications[0].clone();
    let (second, _) = r.applications[1].clone();
    let approve = |id: &str, body: Value| {
        r.app
            .post(&format!("/applications/{id}/approve"))
            .token(&r.officer)
            .json(&body)
            .send()
    };
    // Score 66.67 is below the fundable minimum 80.
    approve(&first, json!({"awarded_amount": "900000"}))
        .await
        .assert_problem(422, "below-fundable-minimum");
    approve(
        &first,
        json!({"awarded_amount": "1000000.01", "reason": "Override"}),
    )
    .await
    .assert_problem(422, "award-above-request");
    // The call's grants run from 500,000 to 3,000,000.
    for below in ["0", "1.00", "499999.99"] {
        approve(
            &first,
            json!({"awarded_amount": below, "reason": "Override"}),
        )
        .await
        .assert_problem(422, "award-outside-grant-limits");
    }
    approve(&first, json!({"awarded_amount": "lots"}))
        .await
        .assert_problem(422, "validation-error");
    r.app
        .post(&format!("/applications/{first}/approve"))
        .token(&r.orgs[0].0)
        .json(&json!({"awarded_amount": "1"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let approved = approve(
        &first,
        json!({"awarded_amount": "900000", "reason": "Strategic village project"}),
    )
    .await;
    assert_eq!(
        (
            approved.status,
            approved.str("status"),
            approved.str("awarded_amount")
        ),
        (200, "approved", "900000.00"),
        "{}",
        approved.text
    );
    approve(
        &first,
        json!({"awarded_amount": "900000", "reason": "again"}),
    )
    .await
    .assert_problem(409, "wrong-status");
    // Once decided, the late reviewer can neither save nor submit: the scores are final.
    r.app
        .req(
            reqwest::Method::PUT,
            &format!("/api/v1/assignments/{late}/review"),
        )
        .token(&r.reviewers[1].1)
        .json(&review_body(1, 1, "Too late"))
        .send()
        .await
        .assert_problem(409, "not-under-review");
    // Waitlisting treats the application as worth funding: below the fundable minimum it
    // needs an override reason too, and a refusal changes nothing.
    let waitlist = |body: Option<Value>| {
        let request = r
            .app
            .post(&format!("/applications/{second}/waitlist"))
            .token(&r.officer);
        match body {
            Some(body) => request.json(&body),
            None => request,
        }
        .send()
    };
    waitlist(None)
        .await
        .assert_problem(422, "below-fundable-minimum");
    waitlist(Some(json!({"reason": "  "})))
        .await
        .assert_problem(422, "below-fundable-minimum");
    let unchanged = r
        .app
        .get(&format!("/applications/{second}"))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(unchanged.str("status"), "reviewed");
    let waitlisted = waitlist(Some(json!({"reason": "Only NGO in the district"}))).await;
    assert_eq!(
        (waitlisted.status, waitlisted.str("status")),
        (200, "waitlisted"),
        "{}",
        waitlisted.text
    );
    r.app
        .post(&format!("/applications/{second}/reject"))
        .token(&r.officer)
        .json(&json!({"reason": " "}))
        .send()
        .await
        .assert_problem(422, "reason-required");
    let rejected = r
        .app
        .post(&format!("/applications/{second}/reject"))
        .token(&r.officer)
        .json(&json!({"reason": "Not this time"}))
        .send()
        .await;
    assert_eq!(rejected.str("status"), "rejected");
    let feedback = r
        .app
        .get(&format!("/applications/{second}/feedback"))
        .token(&r.orgs[0].0)
        .send()
        .await;
    assert_eq!(
        (feedback.status, feedback.str("status")),
        (200, "rejected"),
        "{}",
        feedback.text
    );
    assert_eq!(feedback.body["criteria"][0]["average"], json!(5.0));
}

#[tokio::test]
async fn my_assignments_come_a_page_at_a_time_without_reviews() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    let mut r = round(body, 3, 3, 1, 500_000).await;
    r.close_and_assign().await;
    let token = r.reviewers[0].1.clone();
    let list = |query: &'static str| {
        let app = &r.app;
        let token = token.clone();
        async move {
            app.get(&format!("/me/assignments{query}"))
                .token(&token)
                .send()
                .await
        }
    };
    let all = list("").await;
    assert_eq!(all.status, 200, "{}", all.text);
    let items = all.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!((items.len(), &all.body["has_more"]), (3, &json!(false)));
    let first = list("?limit=2").await;
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(first.body["has_more"], json!(true));
    let second = list("?limit=2&page=2").await;
    assert_eq!(second.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (&second.body["page"], &second.body["has_more"]),
        (&json!(2), &json!(false))
    );
    let newest_first: Vec<_> = items.iter().map(|a| a["id"].clone()).collect();
    let paged: Vec<_> = first.body["items"]
        .as_array()
        .into_iter()
        .chain(second.body["items"].as_array())
        .flatten()
        .map(|a| a["id"].clone())
        .collect();
    assert_eq!(paged, newest_first);
    // Accept one, review it: the list filters by status and never carries the review.
    let id = items[0]["id"].as_str().unwrap_or_default().to_owned();
    let accepted = r
        .app
        .post(&format!("/assignments/{id}/accept"))
        .token(&token)
        .send()
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let saved = r
        .app
        .put(&format!("/assignments/{id}/review"))
        .token(&token)
        .json(&review_body(8, 4, "Жақсы"))
        .send()
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let accepted_only = list("?status=accepted").await;
    let ids: Vec<_> = accepted_only.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids, std::slice::from_ref(&id));
    assert!(accepted_only.body["items"][0].get("review").is_none());
    let one = r
        .app
        .get(&format!("/assignments/{id}"))
        .token(&token)
        .send()
        .await;
    assert_eq!(one.body["review"]["comment"], json!("Жақсы"));
    let none = list("?status=submitted").await;
    assert_eq!(none.body["items"], json!([]));
    list("?limit=0")
        .await
        .assert_problem(400, "malformed-request");
}

#[tokio::test]
async fn concurrent_approvals_never_exceed_the_budget() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    body["fundable_min_score"] = json!(0);
    body["budget"] = json!("5000000");
    body["max_grant"] = json!("1000000");
    let mut r = round(body, 5, 50, 2, 500_000).await;
    r.close_and_assign().await;
    for (_, token, _) in &r.reviewers {
        let mine = r.app.get("/me/assignments").token(token).send().await;
        for assignment in mine.body["items"].as_array().cloned().unwrap_or_default() {
            let id = assignment["id"].as_str().unwrap_or_default();
            r.app
                .req(
                    reqwest::Method::PUT,
                    &format!("/api/v1/assignments/{id}/review"),
                )
                .token(token)
                .json(&review_body(8, 4, "Good"))
                .send()
                .await;
            let submitted = r
                .app
                .post(&format!("/assignments/{id}/review/submit"))
                .token(token)
                .send()
                .await;
            assert_eq!(submitted.status, 200, "{}", submitted.text);
        }
    }
    // 50 approvals of 500 000 at once against a budget that fits 10.
    let requests = r.applications.iter().map(|(id, _)| {
        r.app
            .post(&format!("/applications/{id}/approve"))
            .token(&r.officer)
            .json(&json!({"awarded_amount": "500000"}))
            .send()
    });
    let responses = join_all(requests.collect()).await;
    let approved = responses.iter().filter(|resp| resp.status == 200).count();
    let refused = responses
        .iter()
        .filter(|resp| resp.status == 409 && resp.body["type"] == json!("/problems/over-budget"))
        .count();
    assert_eq!(
        (approved, refused),
        (10, 40),
        "{:?}",
        responses.iter().map(|x| x.status).collect::<Vec<_>>()
    );
    let listed = r
        .app
        .get(&format!(
            "/applications?call_id={}&status=approved&limit=100",
            r.call
        ))
        .token(&r.officer)
        .send()
        .await;
    let awarded: Vec<&str> = listed.body["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|x| x["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(awarded.len(), 10);
    let approved_ids: BTreeSet<&str> = responses
        .iter()
        .filter(|resp| resp.status == 200)
        .map(|resp| resp.str("id"))
        .collect();
    assert_eq!(
        awarded.iter().copied().collect::<BTreeSet<&str>>(),
        approved_ids
    );
}

#[tokio::test]
async fn racing_saves_without_if_match_are_never_412() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    let mut r = round(body, 1, 1, 1, 500_000).await;
    r.close_and_assign().await;
    let token = r.reviewers[0].1.clone();
    let mine = r.app.get("/me/assignments").token(&token).send().await;
    let id = mine.body["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/api/v1/assignments/{id}/review");
    let mut statuses = BTreeSet::new();
    for round in 0..12_u32 {
        let saves = (0..8_u32).map(|i| {
            r.app
                .req(reqwest::Method::PUT, &path)
                .token(&token)
                .json(&review_body(1 + (round + i) % 10, 5, "Draft"))
                .send()
        });
        for response in join_all(saves.collect()).await {
            // No request here named a version, so none can be told its version is stale:
            // losing the race is a plain conflict.
            match response.status {
                200 => {}
                409 => response.assert_problem(409, "concurrent-update"),
                other => panic!("{other}: {}", response.text),
            }
            statuses.insert(response.status);
        }
    }
    assert!(statuses.contains(&200), "{statuses:?}");
}

/// Awaits every future concurrently, in one task, and returns their outputs in order.
pub(crate) async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut slots: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, future) in slots.iter_mut().zip(futures.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => *slot = Some(output),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    slots.into_iter().flatten().collect()
}
