//! Officers verify organisations against the state registry; only a verified
//! organisation's BIN is unique, so nobody can squat an NGO's number.

use grants_tests::{TestApp, call_body, complete_content, organization_body, spawn_app, valid_bin};
use serde_json::json;

struct World {
    app: TestApp,
    officer: String,
    officer_id: String,
    squatter: String,
    owner: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let officer_id = app
        .get("/me")
        .token(&officer)
        .send()
        .await
        .str("id")
        .to_owned();
    let squatter = app.applicant("first@mail.kz").await;
    let owner = app.applicant("owner@ngo.kz").await;
    World {
        app,
        officer,
        officer_id,
        squatter,
        owner,
    }
}

impl World {
    async fn verify(&self, org: &str, note: &str) -> grants_tests::Resp {
        self.app
            .post(&format!("/organizations/{org}/verify"))
            .token(&self.officer)
            .json(&json!({"note": note}))
            .send()
            .await
    }

    async fn listed(&self, token: &str, query: &str) -> Vec<String> {
        let page = self
            .app
            .get(&format!("/organizations{query}"))
            .token(token)
            .send()
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        page.body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|o| o["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn an_unverified_claim_never_blocks_the_ngo_that_holds_the_bin() {
    let w = world().await;
    let squatted = w.app.organization(&w.squatter, &valid_bin(1)).await;
    // The real NGO registers the same BIN and is answered like any other creation.
    let real = w
        .app
        .post("/organizations")
        .token(&w.owner)
        .json(&organization_body(&valid_bin(1)))
        .send()
        .await;
    assert_eq!(real.status, 201, "{}", real.text);
    assert_eq!(real.body["verified"], json!(false));
    let real = real.str("id").to_owned();

    assert_eq!(
        w.listed(&w.officer, "?verified=false").await,
        vec![squatted.clone(), real.clone()]
    );
    let verified = w
        .verify(&real, "Checked in the state registry, certificate 12-345")
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_eq!(verified.body["verified"], json!(true));
    assert_eq!(verified.body["my_role"], json!(null));
    assert_eq!(
        verified.body["verification"]["verified_by"],
        json!(w.officer_id)
    );
    assert_eq!(
        verified.body["verification"]["note"],
        json!("Checked in the state registry, certificate 12-345")
    );
    assert_eq!(verified.header("etag"), Some("\"2\""));

    // The squatter's claim can no longer be verified, and nothing about it changes.
    w.verify(&squatted, "Looks fine")
        .await
        .assert_problem(409, "bin-taken");
    w.verify(&real, "Again")
        .await
        .assert_problem(409, "already-verified");
    assert_eq!(
        w.listed(&w.officer, "?verified=false").await,
        vec![squatted.clone()]
    );
    assert_eq!(
        w.listed(&w.officer, "?verified=true").await,
        vec![real.clone()]
    );
    assert_eq!(
        w.listed(&w.officer, "").await,
        vec![squatted.clone(), real.clone()]
    );

    // Members see the verification but not which officer made it.
    let own = w
        .app
        .get(&format!("/organizations/{real}"))
        .token(&w.owner)
        .send()
        .await;
    assert_eq!(own.body["verified"], json!(true));
    assert_eq!(own.body["my_role"], json!("owner"));
    assert_eq!(own.body["verification"]["verified_by"], json!(null));
    assert_eq!(
        w.listed(&w.owner, "?verified=false").await,
        Vec::<String>::new()
    );
    assert_eq!(
        w.listed(&w.owner, "?verified=true").await,
        vec![real.clone()]
    );
    let squatters = w
        .app
        .get(&format!("/organizations/{squatted}"))
        .token(&w.officer)
        .send()
        .await;
    assert_eq!(squatters.body["verified"], json!(false));
    assert_eq!(squatters.body["version"], json!(1));
}

#[tokio::test]
async fn only_officers_verify_and_a_note_is_required() {
    let w = world().await;
    let org = w.app.organization(&w.owner, &valid_bin(3)).await;
    let admin = w.app.token_for("admin@grants.kz").await;
    for token in [&w.owner, &w.squatter, &admin] {
        w.app
            .post(&format!("/organizations/{org}/verify"))
            .token(token)
            .json(&json!({"note": "mine"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    let blank = w.verify(&org, "   ").await;
    blank.assert_problem(422, "validation-error");
    assert_eq!(blank.problem_fields(), vec!["note"]);
    w.verify(&uuid::Uuid::now_v7().to_string(), "No such NGO")
        .await
        .assert_problem(404, "not-found");
    let read = w
        .app
        .get(&format!("/organizations/{org}"))
        .token(&w.owner)
        .send()
        .await;
    assert_eq!(
        (read.body["verified"].clone(), read.body["version"].clone()),
        (json!(false), json!(1))
    );
    // Reviewers never learn which organisations exist.
    let reviewer = w.app.staff(&admin, "reviewer@grants.kz", "reviewer").await;
    w.app
        .get(&format!("/organizations/{org}"))
        .token(&reviewer)
        .send()
        .await
        .assert_problem(404, "not-found");
    assert_eq!(w.listed(&reviewer, "").await, Vec::<String>::new());
}

#[tokio::test]
async fn another_name_or_bin_clears_the_verification() {
    let w = world().await;
    let org = w.app.organization(&w.owner, &valid_bin(4)).await;
    let claim = w.app.organization(&w.squatter, &valid_bin(4)).await;
    assert_eq!(w.verify(&org, "Registry entry matches").await.status, 200);
    let path = format!("/organizations/{org}");
    let moved = w
        .app
        .patch(&path)
        .token(&w.owner)
        .json(&json!({"settlement": "Ырғыз", "contact_email": "new@ngo.kz"}))
        .send()
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["verified"], json!(true));
    let renamed = w
        .app
        .patch(&path)
        .token(&w.owner)
        .json(&json!({"name": "Another association"}))
        .send()
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["verified"], json!(false));
    assert_eq!(renamed.body["verification"], json!(null));
    // With the first no longer verified, the other claim of the BIN may be.
    assert_eq!(w.verify(&claim, "This one is right").await.status, 200);
    w.verify(&org, "Back again")
        .await
        .assert_problem(409, "bin-taken");
    let renumbered = w
        .app
        .patch(&format!("/organizations/{claim}"))
        .token(&w.squatter)
        .json(&json!({"bin": valid_bin(5)}))
        .send()
        .await;
    assert_eq!(renumbered.body["verified"], json!(false));
}

#[tokio::test]
async fn two_claims_of_one_bin_verified_at_once_end_with_one_verified() {
    let w = world().await;
    let first = w.app.organization(&w.owner, &valid_bin(6)).await;
    let second = w.app.organization(&w.squatter, &valid_bin(6)).await;
    let (a, b) = tokio::join!(w.verify(&first, "Registry"), w.verify(&second, "Registry"));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", a.text, b.text);
    assert_eq!(w.listed(&w.officer, "?verified=true").await.len(), 1);
}

#[tokio::test]
async fn a_call_for_verified_organisations_waits_for_the_officer() {
    let w = world().await;
    let org = w.app.organization(&w.owner, &valid_bin(7)).await;
    let mut body = call_body();
    body["eligibility"]["requires_verified_organization"] = json!(true);
    let call = w.app.published_call(&w.officer, &body).await;
    let read = w.app.get(&format!("/calls/{call}")).send().await;
    assert_eq!(
        read.body["eligibility"]["requires_verified_organization"],
        json!(true)
    );
    let draft = w
        .app
        .draft(&w.owner, &call, &org, &complete_content())
        .await;
    let id = draft.str("id").to_owned();
    let submit = || {
        w.app
            .post(&format!("/applications/{id}/submit"))
            .token(&w.owner)
            .send()
    };
    let refused = submit().await;
    refused.assert_problem(422, "ineligible");
    assert_eq!(
        refused.body["errors"][0]["code"],
        json!("organization_unverified")
    );
    assert_eq!(w.verify(&org, "Registry").await.status, 200);
    let submitted = submit().await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.body["status"], json!("submitted"));
}
