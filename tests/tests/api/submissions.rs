//! Submissions share their call's lock (its shared form) and take their application's
//! own: many to one call land side by side, two of one application land once, and a close
//! racing them is seen by each or comes after each.

use grants_tests::{TestApp, call_body, complete_content, spawn_app, valid_bin};
use serde_json::json;

use crate::reviews::join_all;

struct Drafts {
    app: TestApp,
    officer: String,
    call: String,
    /// Each draft with its organisation's token.
    drafts: Vec<(String, String)>,
}

/// A published call and two drafts from each of `orgs` organisations.
async fn drafts(orgs: u32) -> Drafts {
    let app = spawn_app().await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let call = app.published_call(&officer, &call_body()).await;
    let mut drafts = Vec::new();
    for i in 0..orgs {
        let token = app.applicant(&format!("ngo{i}@mail.kz")).await;
        let org = app.organization(&token, &valid_bin(i + 1)).await;
        for _ in 0..2 {
            let draft = app.draft(&token, &call, &org, &complete_content()).await;
            assert_eq!(draft.status, 201, "{}", draft.text);
            drafts.push((draft.str("id").to_owned(), token.clone()));
        }
    }
    Drafts {
        app,
        officer,
        call,
        drafts,
    }
}

impl Drafts {
    async fn status(&self, id: &str) -> String {
        let read = self
            .app
            .get(&format!("/applications/{id}"))
            .token(&self.officer)
            .send()
            .await;
        read.str("status").to_owned()
    }

    async fn submissions_recorded(&self, id: &str) -> usize {
        let history = self
            .app
            .get(&format!("/applications/{id}/history"))
            .token(&self.officer)
            .send()
            .await;
        history.body.as_array().map_or(0, |events| {
            events
                .iter()
                .filter(|e| e["command"] == json!("submit"))
                .count()
        })
    }
}

#[tokio::test]
async fn submissions_to_one_call_at_once_each_land_once() {
    let d = drafts(6).await;
    // Every draft once, and the first two more times, all at the same moment.
    let mut requests: Vec<(String, String)> = d.drafts.clone();
    requests.push(d.drafts[0].clone());
    requests.push(d.drafts[0].clone());
    let responses = join_all(
        requests
            .iter()
            .map(|(id, token)| {
                d.app
                    .post(&format!("/applications/{id}/submit"))
                    .token(token)
                    .send()
            })
            .collect(),
    )
    .await;
    for ((id, _), response) in requests.iter().zip(&responses) {
        assert!(
            [200, 409].contains(&response.status),
            "{id}: {}",
            response.text
        );
    }
    for (id, _) in &d.drafts {
        let landed = requests
            .iter()
            .zip(&responses)
            .filter(|((other, _), response)| other == id && response.status == 200)
            .count();
        assert_eq!(landed, 1, "{id} was submitted {landed} times");
        assert_eq!(d.status(id).await, "submitted");
        assert_eq!(d.submissions_recorded(id).await, 1, "{id}");
    }
}

#[tokio::test]
async fn a_close_racing_submissions_is_seen_by_each_or_comes_after_each() {
    let d = drafts(5).await;
    let submissions = d.drafts.iter().map(|(id, token)| {
        d.app
            .post(&format!("/applications/{id}/submit"))
            .token(token)
            .send()
    });
    let close = d
        .app
        .post(&format!("/calls/{}/close", d.call))
        .token(&d.officer)
        .send();
    let mut all: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = grants_tests::Resp>>>> =
        submissions
            .map(|f| Box::pin(f) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>)
            .collect();
    all.push(Box::pin(close));
    let mut responses = join_all(all).await;
    let closed = responses
        .pop()
        .unwrap_or_else(|| panic!("the close answered"));
    assert_eq!(closed.status, 200, "{}", closed.text);
    for ((id, _), response) in d.drafts.iter().zip(&responses) {
        let status = d.status(id).await;
        match response.status {
            200 => {
                assert_eq!(status, "submitted", "{id}");
                assert_eq!(d.submissions_recorded(id).await, 1, "{id}");
            }
            409 => assert_eq!(status, "draft", "{id}: {}", response.text),
            other => panic!("{id}: {other} {}", response.text),
        }
    }
    let call = d
        .app
        .get(&format!("/calls/{}", d.call))
        .token(&d.officer)
        .send()
        .await;
    assert_eq!(call.str("status"), "closed", "{}", call.text);
}
