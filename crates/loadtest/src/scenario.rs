//! The virtual users: applicants, reviewers, officers and the public, in a fixed mix, each
//! request with a real token, each change on records the caller owns.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use persistence::seed::Manifest;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};
use uuid::Uuid;

use crate::dataset::PASSWORD;
pub use crate::op::Op;
use crate::stats::Samples;

/// A logged-in applicant and what its organisation has.
#[derive(Debug)]
struct Applicant {
    token: String,
    organization: Uuid,
    applications: Vec<Uuid>,
    /// Drafts with their current version.
    drafts: Vec<(Uuid, i64)>,
}

/// A logged-in reviewer.
#[derive(Debug)]
struct Reviewer {
    token: String,
    assignments: Vec<Uuid>,
    open: Vec<Uuid>,
}

/// Everything the virtual users share.
#[derive(Debug)]
pub struct World {
    api: String,
    client: reqwest::Client,
    applicants: Vec<Mutex<Applicant>>,
    reviewers: Vec<Mutex<Reviewer>>,
    officers: Vec<String>,
    calls: Vec<Uuid>,
    open_calls: Vec<Uuid>,
    closed_calls: Vec<Uuid>,
    reviewed_applications: Vec<Uuid>,
}

/// What a request returned.
struct Reply {
    etag: Option<String>,
    json: Option<Value>,
}

/// Logins run at once.
const LOGIN_CONCURRENCY: usize = 8;

pub(crate) async fn log_in_all(
    client: &reqwest::Client,
    api: &str,
    emails: Vec<String>,
) -> anyhow::Result<Vec<String>> {
    let gate = Arc::new(Semaphore::new(LOGIN_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, email) in emails.into_iter().enumerate() {
        let (client, gate) = (client.clone(), gate.clone());
        let url = format!("{api}/auth/login");
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let response = client
                .post(url)
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await?;
            anyhow::ensure!(
                response.status() == 200,
                "login of {email}: {}",
                response.status()
            );
            let body: Value = response.json().await?;
            let token = body["access_token"]
                .as_str()
                .context("login without access_token")?
                .to_owned();
            Ok::<_, anyhow::Error>((index, token))
        });
    }
    let mut tokens = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        tokens.push(joined??);
    }
    tokens.sort_by_key(|(index, _)| *index);
    Ok(tokens.into_iter().map(|(_, token)| token).collect())
}

impl World {
    /// Logs in enough applicants and reviewers for `users` virtual users (those with drafts
    /// and open reviews first) and every officer.
    ///
    /// # Errors
    /// When a login fails.
    pub async fn log_in(base: &str, manifest: &Manifest, users: usize) -> anyhow::Result<World> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(users.max(1))
            .timeout(Duration::from_secs(30))
            .build()?;
        let api = format!("{base}/api/v1");
        let mut applicants: Vec<_> = manifest.applicants.iter().collect();
        applicants.sort_by_key(|a| std::cmp::Reverse(a.drafts.len()));
        applicants.truncate((users * 4).max(16));
        let mut reviewers: Vec<_> = manifest.reviewers.iter().collect();
        reviewers.sort_by_key(|r| std::cmp::Reverse(r.open.len()));
        reviewers.truncate((users * 2).max(8));
        let started = Instant::now();
        let emails = applicants.iter().map(|a| a.email.clone()).collect();
        let applicant_tokens = log_in_all(&client, &api, emails).await?;
        let emails = reviewers.iter().map(|r| r.email.clone()).collect();
        let reviewer_tokens = log_in_all(&client, &api, emails).await?;
        let officers = log_in_all(&client, &api, manifest.officers.clone()).await?;
        eprintln!(
            "logged in {} accounts in {:.1} s",
            applicant_tokens.len() + reviewer_tokens.len() + officers.len(),
            started.elapsed().as_secs_f64()
        );
        Ok(World {
            api,
            client,
            applicants: applicants
                .into_iter()
                .zip(applicant_tokens)
                .map(|(a, token)| {
                    Mutex::new(Applicant {
                        token,
                        organization: a.organization_id,
                        applications: a.applications.clone(),
                        drafts: a.drafts.iter().map(|&d| (d, 1)).collect(),
                    })
                })
                .collect(),
            reviewers: reviewers
                .into_iter()
                .zip(reviewer_tokens)
                .map(|(r, token)| {
                    Mutex::new(Reviewer {
                        token,
                        assignments: r.assignments.clone(),
                        open: r.open.clone(),
                    })
                })
                .collect(),
            officers,
            calls: manifest
                .open_calls
                .iter()
                .chain(&manifest.closed_calls)
                .copied()
                .collect(),
            open_calls: manifest.open_calls.clone(),
            closed_calls: manifest.closed_calls.clone(),
            reviewed_applications: manifest.reviewed_applications.clone(),
        })
    }

    fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.api));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// A POST to `path` with a fresh `Idempotency-Key`, as a client that retries sends it.
    fn post_once(&self, path: &str, token: &str) -> RequestBuilder {
        self.request(Method::POST, path, Some(token))
            .header("Idempotency-Key", Uuid::new_v4().to_string())
    }

    /// Sends `request`, reads the whole body, and records the outcome as `op`.
    async fn send(
        &self,
        rec: &mut Recorder,
        op: Op,
        request: RequestBuilder,
        expect: u16,
        want_json: bool,
    ) -> Option<Reply> {
        let started = Instant::now();
        let outcome = async {
            let response = request.send().await.map_err(|e| format!("{e}"))?;
            let status = response.status().as_u16();
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response.bytes().await.map_err(|e| format!("{e}"))?;
            if status != expect {
                let text = String::from_utf8_lossy(&body);
                return Err(format!(
                    "{status}: {}",
                    text.chars().take(300).collect::<String>()
                ));
            }
            let json = if want_json {
                Some(serde_json::from_slice(&body).map_err(|e| format!("body: {e}"))?)
            } else {
                None
            };
            Ok(Reply { etag, json })
        }
        .await;
        rec.record(op, started.elapsed(), outcome)
    }

    async fn public(&self, rng: &mut fastrand::Rng, rec: &mut Recorder) {
        if rng.u32(0..100) < 70 {
            let request = self.request(Method::GET, "/calls?status=open", None);
            self.send(rec, Op::OpenCalls, request, 200, false).await;
        } else if let Some(call) = pick(rng, &self.calls) {
            let request = self.request(Method::GET, &format!("/calls/{call}"), None);
            self.send(rec, Op::ReadCall, request, 200, false).await;
        }
    }

    async fn applicant(&self, rng: &mut fastrand::Rng, rec: &mut Recorder) {
        let Some(mut me) = lock_any(rng, &self.applicants) else {
            return;
        };
        let roll = rng.u32(0..100);
        if roll < 30 {
            let path = format!("/applications?organization_id={}", me.organization);
            let request = self.request(Method::GET, &path, Some(&me.token));
            self.send(rec, Op::ListOwn, request, 200, false).await;
        } else if roll < 70 {
            let Some(id) = pick(rng, &me.applications) else {
                return;
            };
            let request =
                self.request(Method::GET, &format!("/applications/{id}"), Some(&me.token));
            self.send(rec, Op::ReadApplication, request, 200, false)
                .await;
        } else if me.drafts.is_empty() {
            self.create_draft(rng, rec, &mut me).await;
        } else if roll < 88 {
            let index = rng.usize(0..me.drafts.len());
            let (id, version) = me.drafts[index];
            let body = json!({"summary": format!("Жоба сипаттамасы, нұсқа {}", version + 1)});
            let request = self
                .request(
                    Method::PATCH,
                    &format!("/applications/{id}"),
                    Some(&me.token),
                )
                .header("If-Match", format!("\"{version}\""))
                .json(&body);
            if let Some(reply) = self.send(rec, Op::EditDraft, request, 200, false).await
                && let Some(next) = reply.etag.as_deref().and_then(version_of)
            {
                me.drafts[index].1 = next;
            }
        } else {
            let index = rng.usize(0..me.drafts.len());
            let (id, _) = me.drafts.swap_remove(index);
            let request = self.post_once(&format!("/applications/{id}/submit"), &me.token);
            self.send(rec, Op::SubmitDraft, request, 200, false).await;
        }
    }

    async fn read_own(&self, rng: &mut fastrand::Rng, rec: &mut Recorder) {
        let Some(me) = pick(rng, &self.applicants) else {
            return;
        };
        let (token, id) = {
            let me = me.lock().await;
            (me.token.clone(), pick(rng, &me.applications).copied())
        };
        if let Some(id) = id {
            let request = self.request(Method::GET, &format!("/applications/{id}"), Some(&token));
            self.send(rec, Op::ReadApplication, request, 200, false)
                .await;
        }
    }

    async fn create_draft(&self, rng: &mut fastrand::Rng, rec: &mut Recorder, me: &mut Applicant) {
        let Some(call) = pick(rng, &self.open_calls) else {
            return;
        };
        let mut body = draft_content();
        body["organization_id"] = json!(me.organization);
        let request = self
            .request(
                Method::POST,
                &format!("/calls/{call}/applications"),
                Some(&me.token),
            )
            .json(&body);
        let Some(reply) = self.send(rec, Op::CreateDraft, request, 201, true).await else {
            return;
        };
        let id = reply
            .json
            .as_ref()
            .and_then(|b| b["id"].as_str())
            .and_then(|id| id.parse::<Uuid>().ok());
        let version = reply.etag.as_deref().and_then(version_of).unwrap_or(1);
        if let Some(id) = id {
            me.applications.push(id);
            me.drafts.push((id, version));
        }
    }

    async fn reviewer(&self, rng: &mut fastrand::Rng, rec: &mut Recorder) {
        let Some(mut me) = lock_any(rng, &self.reviewers) else {
            return;
        };
        let roll = rng.u32(0..100);
        if roll < 35 {
            let request = self.request(Method::GET, "/me/assignments", Some(&me.token));
            self.send(rec, Op::ListAssignments, request, 200, false)
                .await;
        } else if roll < 80 || me.open.is_empty() {
            let Some(id) = pick(rng, &me.assignments) else {
                return;
            };
            let request = self.request(Method::GET, &format!("/assignments/{id}"), Some(&me.token));
            self.send(rec, Op::ReadAssignment, request, 200, false)
                .await;
        } else {
            let index = rng.usize(0..me.open.len());
            let id = me.open.swap_remove(index);
            let review = review_body(rng);
            let request = self
                .request(
                    Method::PUT,
                    &format!("/assignments/{id}/review"),
                    Some(&me.token),
                )
                .json(&review);
            if self
                .send(rec, Op::SaveReview, request, 200, false)
                .await
                .is_none()
            {
                return;
            }
            let request = self.post_once(&format!("/assignments/{id}/review/submit"), &me.token);
            self.send(rec, Op::SubmitReview, request, 200, false).await;
        }
    }

    async fn officer(&self, rng: &mut fastrand::Rng, rec: &mut Recorder) {
        let Some(token) = pick(rng, &self.officers) else {
            return;
        };
        let roll = rng.u32(0..100);
        if roll < 15 {
            let Some(call) = pick(rng, &self.closed_calls) else {
                return;
            };
            let request = self
                .request(Method::GET, &format!("/calls/{call}/ranking"), Some(token))
                .header("Accept", "application/json");
            self.send(rec, Op::Ranking, request, 200, false).await;
        } else {
            let Some(id) = pick(rng, &self.reviewed_applications) else {
                return;
            };
            let (op, path) = if roll < 55 {
                (Op::History, format!("/applications/{id}/history"))
            } else {
                (Op::OfficerRead, format!("/applications/{id}"))
            };
            let request = self.request(Method::GET, &path, Some(token));
            self.send(rec, op, request, 200, false).await;
        }
    }
}

/// A random element of `items`.
fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> Option<&'a T> {
    (!items.is_empty()).then(|| &items[rng.usize(0..items.len())])
}

/// A random identity no other virtual user is using now.
fn lock_any<'a, T>(
    rng: &mut fastrand::Rng,
    items: &'a [Mutex<T>],
) -> Option<tokio::sync::MutexGuard<'a, T>> {
    (0..8).find_map(|_| pick(rng, items).and_then(|m| m.try_lock().ok()))
}

/// The version an `ETag` such as `"3"` names.
fn version_of(etag: &str) -> Option<i64> {
    etag.trim_start_matches("W/").trim_matches('"').parse().ok()
}

/// Complete content of a new application: requested 1,020,000 of a 1,200,000 total.
fn draft_content() -> Value {
    json!({
        "title": "Ауылдағы балалар алаңы — Детская площадка",
        "summary": "Ауылда балаларға арналған қауіпсіз ойын алаңын салу.",
        "problem": "В ауле нет безопасного места для игр детей.",
        "goals": "Построить площадку и обучить волонтёров.",
        "activities": "Закупка оборудования, монтаж, открытие.",
        "target_groups": ["children"],
        "beneficiaries": 350,
        "settlement": "Шалқар",
        "duration_months": 12,
        "budget_lines": [
            {"category": "equipment", "description": "Ойын жабдығы", "quantity": 4, "unit_cost": "250000.00", "cofinanced": "150000.00"},
            {"category": "services", "description": "Монтаж", "quantity": 1, "unit_cost": "200000", "cofinanced": "30000.00"}
        ]
    })
}

/// A complete review of the seeded rubric (relevance, feasibility, budget; each out of 10).
fn review_body(rng: &mut fastrand::Rng) -> Value {
    json!({
        "scores": [
            {"criterion": "relevance", "score": rng.u32(3..=10), "comment": "Ауылға қажет жоба"},
            {"criterion": "feasibility", "score": rng.u32(3..=10)},
            {"criterion": "budget", "score": rng.u32(3..=10)}
        ],
        "comment": "Проект обоснован, бюджет реалистичен.",
        "recommendation": "fund",
        "confidence": 2
    })
}

/// Keeps a virtual user's outcomes once the measured window has begun.
#[derive(Debug)]
struct Recorder {
    from: Instant,
    samples: Samples,
}

impl Recorder {
    fn record(&mut self, op: Op, took: Duration, outcome: Result<Reply, String>) -> Option<Reply> {
        let measuring = Instant::now() >= self.from;
        match outcome {
            Ok(reply) => {
                if measuring {
                    self.samples.ok(op, took);
                }
                Some(reply)
            }
            Err(what) => {
                if measuring {
                    self.samples.error(op, what);
                }
                None
            }
        }
    }
}

/// What the virtual users do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Of every hundred turns, a user acts ten times as the public, forty-five as an
    /// applicant, thirty as a reviewer and fifteen as an officer.
    Mixed,
    /// Every turn, an applicant reads one of its applications.
    Reads,
}

/// Runs `users` virtual users in `mode` for `warmup` and then `measured`, and returns what
/// happened in the measured window.
pub async fn drive(
    world: &Arc<World>,
    mode: Mode,
    users: usize,
    warmup: Duration,
    measured: Duration,
) -> Samples {
    let from = Instant::now() + warmup;
    let until = from + measured;
    let mut tasks = tokio::task::JoinSet::new();
    for user in 0..users {
        let world = Arc::clone(world);
        tasks.spawn(async move {
            let mut rng = fastrand::Rng::with_seed(20_261_126 + user as u64);
            let mut rec = Recorder {
                from,
                samples: Samples::default(),
            };
            while Instant::now() < until {
                match mode {
                    Mode::Mixed => match rng.u32(0..100) {
                        0..10 => world.public(&mut rng, &mut rec).await,
                        10..55 => world.applicant(&mut rng, &mut rec).await,
                        55..85 => world.reviewer(&mut rng, &mut rec).await,
                        _ => world.officer(&mut rng, &mut rec).await,
                    },
                    Mode::Reads => world.read_own(&mut rng, &mut rec).await,
                }
            }
            rec.samples
        });
    }
    let mut all = Samples::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(samples) => all.merge(samples),
            Err(e) => eprintln!("a virtual user stopped: {e}"),
        }
    }
    all
}

/// One officer asks for the ranking of each closed call in turn, `requests` times in all,
/// with nothing else running: the latency of the ranking itself.
pub async fn rankings_alone(world: &World, requests: usize) -> Samples {
    let mut rec = Recorder {
        from: Instant::now(),
        samples: Samples::default(),
    };
    let Some(token) = world.officers.first() else {
        return rec.samples;
    };
    for call in world.closed_calls.iter().cycle().take(requests) {
        let request = world
            .request(Method::GET, &format!("/calls/{call}/ranking"), Some(token))
            .header("Accept", "application/json");
        world.send(&mut rec, Op::Ranking, request, 200, false).await;
    }
    rec.samples
}
