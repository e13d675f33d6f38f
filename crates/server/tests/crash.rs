//! A crash in the middle of keyed requests: the server is killed (SIGKILL) while 200
//! submissions with `Idempotency-Key`s are in flight, restarted on the same database, and
//! every request is retried with its key at once. Each must then have taken effect exactly
//! once, and none may be told its key is still in use.

mod support;

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use support::{PASSWORD, data_dir, exchange, grants, serve};

const SUBMISSIONS: usize = 200;

fn valid_bin(serial: u32) -> String {
    (0..100)
        .find_map(|extra| {
            let first = format!("1905{:07}", (serial * 100 + extra) % 10_000_000);
            let digits: Vec<u32> = first.bytes().map(|b| u32::from(b - b'0')).collect();
            let mut array = [0u32; 11];
            array.copy_from_slice(&digits);
            domain::bin::check_digit(&array).map(|check| format!("{first}{check}"))
        })
        .unwrap_or_default()
}

async fn token(client: &reqwest::Client, api: &str, email: &str) -> String {
    let (status, tokens) = exchange(
        client
            .post(format!("{api}/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// An open call, an NGO with an organisation and `SUBMISSIONS` complete drafts; returns
/// the applicant's token and the drafts.
async fn drafts(
    dir: &std::path::Path,
    client: &reqwest::Client,
    api: &str,
) -> (String, Vec<String>) {
    let admin = token(client, api, "admin@grants.kz").await;
    let (status, officer) = exchange(client.post(format!("{api}/users")).bearer_auth(&admin).json(
        &json!({"email": "officer@grants.kz", "name": "Officer", "password": PASSWORD, "role": "officer", "language": "ru"}),
    ))
    .await;
    assert_eq!(status, 201, "{officer}");
    let officer = token(client, api, "officer@grants.kz").await;
    let now = Utc::now();
    let call = json!({
        "title": "Ауылдағы әйелдер мен балаларға қолдау",
        "description": "Гранты для сельских НПО.",
        "priority_areas": ["women_and_children"],
        "budget": "1000000000.00",
        "min_grant": "500000",
        "max_grant": "3000000.00",
        "cofinancing_share": "0.1",
        "opens_at": (now - chrono::Duration::days(1)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::days(30)).to_rfc3339(),
        "eligibility": {"rural_only": true, "min_years_registered": 1, "regions": []},
        "rubric": [{"key": "relevance", "title": "Relevance", "max_score": 10, "weight": 1}],
        "reviewers_per_application": 1,
        "fundable_min_score": 60,
        "disagreement_spread": 25,
        "aggregation": "mean"
    });
    let (status, created) = exchange(
        client
            .post(format!("{api}/calls"))
            .bearer_auth(&officer)
            .json(&call),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let call_id = created["id"].as_str().unwrap_or_default().to_owned();
    let (status, published) = exchange(
        client
            .post(format!("{api}/calls/{call_id}/publish"))
            .bearer_auth(&officer),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    let (status, _) = exchange(
        client
            .post(format!("{api}/auth/register"))
            .json(&json!({"email": "ngo@mail.kz", "password": PASSWORD, "name": "NGO"})),
    )
    .await;
    assert_eq!(status, 202);
    let confirmed = grants(dir)
        .args(["admin", "confirm-email", "--email", "ngo@mail.kz"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(confirmed.status.success());
    let ngo = token(client, api, "ngo@mail.kz").await;
    let (status, organization) = exchange(
        client
            .post(format!("{api}/organizations"))
            .bearer_auth(&ngo)
            .json(&json!({
                "name": "«Ақ ниет» қоғамдық бірлестігі",
                "bin": valid_bin(1),
                "region": "aktobe",
                "settlement": "Шалқар",
                "rural": true,
                "registered_on": "2019-03-01",
                "contact_email": "aqniet@mail.kz"
            })),
    )
    .await;
    assert_eq!(status, 201, "{organization}");
    let content = json!({
        "organization_id": organization["id"],
        "title": "Балалар алаңы",
        "summary": "Ауылда балаларға арналған ойын алаңы.",
        "problem": "В ауле нет безопасного места для игр детей.",
        "goals": "Построить площадку.",
        "activities": "Закупка, монтаж, открытие.",
        "target_groups": ["children"],
        "beneficiaries": 350,
        "settlement": "Шалқар",
        "duration_months": 12,
        "budget_lines": [
            {"category": "equipment", "description": "Жабдық", "quantity": 1, "unit_cost": "1200000.00", "cofinanced": "200000.00"}
        ]
    });
    let mut ids = Vec::with_capacity(SUBMISSIONS);
    for _ in 0..SUBMISSIONS {
        let (status, draft) = exchange(
            client
                .post(format!("{api}/calls/{call_id}/applications"))
                .bearer_auth(&ngo)
                .json(&content),
        )
        .await;
        assert_eq!(status, 201, "{draft}");
        ids.push(draft["id"].as_str().unwrap_or_default().to_owned());
    }
    (ngo, ids)
}

/// The answer to one keyed submission, or `None` when the connection died first.
type Answer = Option<(u16, bool, Value)>;

/// Submits every draft at once, each with its own key; returns the answers in order.
/// With `kill_after`, calls it once that many answers have arrived.
async fn submit_all(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    ids: &[String],
    mut kill_after: Option<(usize, Box<dyn FnOnce() + Send>)>,
) -> Vec<Answer> {
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let request = client
                .post(format!("{api}/applications/{id}/submit"))
                .bearer_auth(token)
                .header("Idempotency-Key", format!("submit-{i}"))
                .timeout(Duration::from_secs(60));
            let done = done_tx.clone();
            tokio::spawn(async move {
                let answer = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let replayed = response.headers().contains_key("idempotent-replayed");
                        response
                            .json::<Value>()
                            .await
                            .ok()
                            .map(|body| (status, replayed, body))
                    }
                    Err(_) => None,
                };
                let _ = done.send(());
                answer
            })
        })
        .collect();
    drop(done_tx);
    let mut arrived = 0;
    while done_rx.recv().await.is_some() {
        arrived += 1;
        if kill_after
            .as_ref()
            .is_some_and(|(after, _)| arrived >= *after)
            && let Some((_, kill)) = kill_after.take()
        {
            kill();
        }
    }
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.unwrap_or_else(|e| panic!("{e}")));
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_submissions_take_effect_once_across_a_crash() {
    let dir = data_dir();
    let created = support::create_admin(&dir, "admin@grants.kz", PASSWORD);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let client = reqwest::Client::new();

    let first = serve(&dir);
    let api = format!("{}/api/v1", first.base);
    let (ngo, ids) = drafts(&dir, &client, &api).await;
    // Killed once a tenth of the answers are out: the rest are in flight or not yet read.
    let kill: Box<dyn FnOnce() + Send> = Box::new(move || first.kill());
    let before = submit_all(&client, &api, &ngo, &ids, Some((SUBMISSIONS / 10, kill))).await;
    let unanswered = before.iter().filter(|a| a.is_none()).count();
    assert!(unanswered > 0, "the crash came after every answer");
    for answer in before.iter().flatten() {
        assert_eq!(answer.0, 200, "{}", answer.2);
    }

    let second = serve(&dir);
    let api = format!("{}/api/v1", second.base);
    let after = submit_all(&client, &api, &ngo, &ids, None).await;
    for ((id, before), after) in ids.iter().zip(&before).zip(&after) {
        let Some((status, replayed, body)) = after else {
            panic!("no answer for {id} after the restart");
        };
        assert_eq!(*status, 200, "{id}: {body}");
        assert_eq!(body["status"], json!("submitted"), "{body}");
        if let Some((_, _, first_body)) = before {
            // Answered before the crash: the retry is that very answer.
            assert!(replayed, "{id} acted again");
            assert_eq!(body, first_body);
        }
        let (status, history) = exchange(
            client
                .get(format!("{api}/applications/{id}/history"))
                .bearer_auth(&ngo),
        )
        .await;
        assert_eq!(status, 200, "{history}");
        assert_eq!(
            history.as_array().map(Vec::len),
            Some(1),
            "{id} was submitted more than once: {history}"
        );
    }
    assert!(second.terminate().success());
    std::fs::remove_dir_all(dir).ok();
}
