//! Rules that depend on other rows, raced against the changes of those rows. Each use case
//! checks them inside its call's lock (and, for conflicts of interest, the reviewer's
//! account lock), so whichever request commits first, the other sees its effect.

use std::collections::BTreeSet;

use grants_tests::{call_body, closes_at, review_body};
use serde_json::json;

use super::{join_all, round};

#[tokio::test]
async fn a_conflict_declared_while_assigning_never_leaves_that_reviewer_assigned() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    // One application per organisation: each pair races on its own organisation.
    let r = round(body, 6, 6, 1, 500_000).await;
    let (_, reviewer, reviewer_id) = r.reviewers[0].clone();
    let requests = r.applications.iter().flat_map(|(application, org)| {
        let organization = r.orgs[*org].1.clone();
        [
            r.app
                .post("/me/conflicts")
                .token(&reviewer)
                .json(&json!({"organization_id": organization, "kind": "personal_or_family", "description": "Менің туысым"})),
            r.app
                .post(&format!("/applications/{application}/assignments"))
                .token(&r.officer)
                .json(&json!({"reviewer_id": reviewer_id})),
        ]
        .map(grants_tests::Req::send)
    });
    let responses = join_all(requests.collect()).await;
    for pair in responses.chunks(2) {
        let (declared, assigned) = (&pair[0], &pair[1]);
        // The declaration always lands; the assignment is refused when it came second and
        // recused when it came first.
        assert_eq!(declared.status, 201, "{}", declared.text);
        if assigned.status != 201 {
            assigned.assert_problem(409, "reviewer-conflict");
        }
    }
    // What is stored agrees: a conflict with every organisation, and no assignment of the
    // reviewer to its application that is still active.
    let conflicts = r.app.get("/me/conflicts").token(&reviewer).send().await;
    let conflicted: BTreeSet<&str> = conflicts
        .body
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|x| x["organization_id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let mine = r
        .app
        .get("/me/assignments?limit=100")
        .token(&reviewer)
        .send()
        .await;
    let active: BTreeSet<&str> = mine.body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| x["status"] != json!("recused"))
                .filter_map(|x| x["application_id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for (application, org) in &r.applications {
        let organization = r.orgs[*org].1.as_str();
        assert!(
            conflicted.contains(organization),
            "organisation {organization}"
        );
        assert!(
            !active.contains(application.as_str()),
            "still assigned to {application}: {}",
            mine.text
        );
    }
}

#[tokio::test]
async fn a_pool_removal_racing_an_assignment_lets_exactly_one_through() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    let r = round(body, 6, 6, 6, 500_000).await;
    let requests =
        r.applications
            .iter()
            .zip(&r.reviewers)
            .flat_map(|((application, _), (_, _, reviewer))| {
                [
                    r.app
                        .delete(&format!("/calls/{}/reviewers/{reviewer}", r.call))
                        .token(&r.officer),
                    r.app
                        .post(&format!("/applications/{application}/assignments"))
                        .token(&r.officer)
                        .json(&json!({"reviewer_id": reviewer})),
                ]
                .map(grants_tests::Req::send)
            });
    let responses = join_all(requests.collect()).await;
    let mut kept = BTreeSet::new();
    for (pair, (_, _, reviewer)) in responses.chunks(2).zip(&r.reviewers) {
        let (removed, assigned) = (&pair[0], &pair[1]);
        match (removed.status, assigned.status) {
            (204, 422) => assert_eq!(assigned.problem_fields(), ["reviewer_id"]),
            (409, 201) => {
                removed.assert_problem(409, "reviewer-still-assigned");
                kept.insert(reviewer.as_str());
            }
            other => panic!(
                "both or neither took effect {other:?}: {} / {}",
                removed.text, assigned.text
            ),
        }
    }
    let pool = r
        .app
        .get(&format!("/calls/{}/reviewers", r.call))
        .token(&r.officer)
        .send()
        .await;
    let in_pool: BTreeSet<&str> = pool
        .body
        .as_array()
        .map(|p| p.iter().filter_map(|x| x["reviewer_id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(in_pool, kept, "{}", pool.text);
}

#[tokio::test]
async fn withdrawals_racing_approvals_leave_the_call_decided() {
    let mut body = call_body();
    body["reviewers_per_application"] = json!(1);
    body["fundable_min_score"] = json!(0);
    // Six organisations with one application each: the first three are reviewed and then
    // approved, the others are withdrawn at the same moment.
    let mut r = round(body, 6, 6, 1, 500_000).await;
    let (_, reviewer, reviewer_id) = r.reviewers[0].clone();
    let applications = r.applications.clone();
    let (reviewed, withdrawn) = applications.split_at(3);
    for (application, _) in reviewed {
        let id = r.assign(application, &reviewer_id).await;
        let saved = r
            .app
            .put(&format!("/assignments/{id}/review"))
            .token(&reviewer)
            .json(&review_body(8, 4, "Жақсы"))
            .send()
            .await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        let submitted = r
            .app
            .post(&format!("/assignments/{id}/review/submit"))
            .token(&reviewer)
            .send()
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text);
    }
    r.app.clock.set(closes_at());
    r.relogin().await;
    let approvals = reviewed.iter().map(|(application, _)| {
        r.app
            .post(&format!("/applications/{application}/approve"))
            .token(&r.officer)
            .json(&json!({"awarded_amount": "500000"}))
    });
    let withdrawals = withdrawn.iter().map(|(application, org)| {
        r.app
            .post(&format!("/applications/{application}/withdraw"))
            .token(&r.orgs[*org].0)
    });
    let responses = join_all(
        approvals
            .chain(withdrawals)
            .map(grants_tests::Req::send)
            .collect(),
    )
    .await;
    for response in &responses {
        assert_eq!(response.status, 200, "{}", response.text);
    }
    // Whichever change came last saw that nothing else was pending.
    let call = r
        .app
        .get(&format!("/calls/{}", r.call))
        .token(&r.officer)
        .send()
        .await;
    assert_eq!(call.str("status"), "decided", "{}", call.text);
}

#[tokio::test]
async fn a_review_submitted_while_approving_is_counted_or_refused() {
    let mut body = call_body();
    // One review completes an application; a second, late one still counts until the
    // decision. The first review alone scores 100, both together 50, under the minimum.
    body["reviewers_per_application"] = json!(1);
    body["fundable_min_score"] = json!(60);
    let r = round(body, 6, 6, 2, 500_000).await;
    let mut late = Vec::new();
    for (application, _) in &r.applications {
        let mut assignments = Vec::new();
        for (_, _, reviewer_id) in &r.reviewers {
            assignments.push(r.assign(application, reviewer_id).await);
        }
        for ((_, token, _), (id, score)) in r.reviewers.iter().zip(assignments.iter().zip([10, 0]))
        {
            let saved = r
                .app
                .put(&format!("/assignments/{id}/review"))
                .token(token)
                .json(&review_body(score, score / 2, "Бағалау"))
                .send()
                .await;
            assert_eq!(saved.status, 200, "{}", saved.text);
        }
        let first = r
            .app
            .post(&format!("/assignments/{}/review/submit", assignments[0]))
            .token(&r.reviewers[0].1)
            .send()
            .await;
        assert_eq!(first.status, 200, "{}", first.text);
        late.push((application.clone(), assignments[1].clone()));
    }
    let late_token = r.reviewers[1].1.clone();
    let requests = late.iter().flat_map(|(application, assignment)| {
        [
            r.app
                .post(&format!("/applications/{application}/approve"))
                .token(&r.officer)
                .json(&json!({"awarded_amount": "500000"})),
            r.app
                .post(&format!("/assignments/{assignment}/review/submit"))
                .token(&late_token),
        ]
        .map(grants_tests::Req::send)
    });
    let responses = join_all(requests.collect()).await;
    for pair in responses.chunks(2) {
        let (approved, submitted) = (&pair[0], &pair[1]);
        match (approved.status, submitted.status) {
            // The approval came first and closed the review.
            (200, 409) => submitted.assert_problem(409, "not-under-review"),
            // The late review came first: the approval saw a score of 50.
            (422, 200) => approved.assert_problem(422, "below-fundable-minimum"),
            other => panic!(
                "the approval did not decide on the reviews that were in {other:?}: {} / {}",
                approved.text, submitted.text
            ),
        }
    }
}

#[tokio::test]
async fn reviews_of_one_application_submitted_together_complete_it_once() {
    const APPLICATIONS: usize = 4;
    const REVIEWERS: usize = 4;
    let mut body = call_body();
    body["reviewers_per_application"] = json!(REVIEWERS);
    let r = round(body, APPLICATIONS, APPLICATIONS, REVIEWERS, 500_000).await;
    let mut assignments = Vec::new();
    for (application, _) in &r.applications {
        for (_, token, reviewer_id) in &r.reviewers {
            let id = r.assign(application, reviewer_id).await;
            let saved = r
                .app
                .put(&format!("/assignments/{id}/review"))
                .token(token)
                .json(&review_body(8, 4, "Бағалау"))
                .send()
                .await;
            assert_eq!(saved.status, 200, "{}", saved.text);
            assignments.push((id, token.clone()));
        }
    }
    // Every review of every application at the same moment.
    let responses = join_all(
        assignments
            .iter()
            .map(|(id, token)| {
                r.app
                    .post(&format!("/assignments/{id}/review/submit"))
                    .token(token)
                    .send()
            })
            .collect(),
    )
    .await;
    for response in &responses {
        assert_eq!(response.status, 200, "{}", response.text);
    }
    // Whichever review of an application came last saw the others and completed its
    // review, once.
    for (application, _) in &r.applications {
        let read = r
            .app
            .get(&format!("/applications/{application}"))
            .token(&r.officer)
            .send()
            .await;
        assert_eq!(read.str("status"), "reviewed", "{}", read.text);
        let commands = r.commands(application).await;
        let completions = commands.iter().filter(|c| *c == "complete_review").count();
        assert_eq!(completions, 1, "{commands:?}");
    }
}
