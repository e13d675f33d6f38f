//! Mail: every change an applicant can see mails every member of the organisation in their
//! own language, reviewers hear of assignments and due reviews, and mail survives a failing
//! SMTP server. Mail goes through a real SMTP server running in the test.

use std::collections::BTreeSet;
use std::time::Duration;

use grants_tests::{
    PASSWORD, TestApp, call_body, complete_content, spawn_app_configured, spawn_app_with_mail,
    start_instant, test_worker_config, valid_bin,
};
use mail_sink::{MailSink, Received};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

struct World {
    app: TestApp,
    sink: MailSink,
    admin: String,
    officer: String,
    /// (email, token, id): one Russian-speaking, one English-speaking reviewer.
    reviewers: Vec<(String, String, String)>,
    /// The owner speaks Russian, the member Kazakh.
    owner: String,
    /// How many mails setting up sent (the confirmations of registered addresses).
    setup_mails: usize,
    member: String,
    org: String,
    call: String,
}

/// Registers `email` and confirms it with the code from the mail that reaches the sink,
/// then logs in.
async fn register(
    app: &TestApp,
    sink: &MailSink,
    email: &str,
    name: &str,
    language: &str,
) -> String {
    let before = sink.count();
    let created = app
        .post("/auth/register")
        .json(&json!({"email": email, "password": PASSWORD, "name": name, "language": language}))
        .send()
        .await;
    assert_eq!(created.status, 202, "{}", created.text);
    let mails = sink.wait_for(before + 1, WAIT).await;
    let mail = to(&mails[before..], email);
    let code = confirmation_code(mail);
    // The eight-digit number to type on a phone, in two groups of four.
    let number = app.confirmation_number(email).await;
    let spaced = format!("{} {}", &number[..4], &number[4..]);
    check(mail, language, &[&code, &spaced]);
    let confirmed = app.verify_email(&code).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    app.token_for(email).await
}

/// The confirmation code of a confirmation mail: the line of 64 URL-safe characters.
fn confirmation_code(mail: &Received) -> String {
    let text = mail.text().unwrap_or_default();
    text.lines()
        .map(str::trim)
        .find(|line| {
            line.len() == 64
                && line
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no confirmation code in {text}"))
}

async fn world_with(sink: MailSink) -> World {
    let app = spawn_app_with_mail(&sink.url()).await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let mut reviewers = Vec::new();
    for (email, language) in [("expert.ru@grants.kz", "ru"), ("expert.en@grants.kz", "en")] {
        let created = app
            .post("/users")
            .token(&admin)
            .json(&json!({"email": email, "name": "Эксперт", "password": PASSWORD, "role": "reviewer", "language": language}))
            .send()
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let token = app.token_for(email).await;
        reviewers.push((email.to_owned(), token, created.str("id").to_owned()));
    }
    let owner = register(&app, &sink, "owner@mail.kz", "Ерлан Серікұлы", "ru").await;
    let member = register(&app, &sink, "member@mail.kz", "Айгерім Нұрланқызы", "kk").await;
    let org = app.organization(&owner, &valid_bin(1)).await;
    // The member joins by the invitation mailed to them, in their language.
    let before = sink.count();
    let invited = app
        .post(&format!("/organizations/{org}/members"))
        .token(&owner)
        .json(&json!({"email": "member@mail.kz"}))
        .send()
        .await;
    assert_eq!(invited.status, 202, "{}", invited.text);
    let mails = sink.wait_for(before + 1, WAIT).await;
    let invitation = to(&mails[before..], "member@mail.kz");
    check(
        invitation,
        "kk",
        &[
            "«Ақ ниет» қоғамдық бірлестігі",
            "Ерлан Серікұлы",
            "мүше (өтінімдермен жұмыс істейді)",
            "https://granty.test/invitations",
        ],
    );
    let accepted = app
        .post(&format!("/invitations/{}/accept", invited.str("id")))
        .token(&member)
        .send()
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    // The tests count mail from here on.
    let setup_mails = sink.take().len();
    let call = app.published_call(&officer, &call_body()).await;
    for (_, _, id) in &reviewers {
        let added = app
            .post(&format!("/calls/{call}/reviewers"))
            .token(&officer)
            .json(&json!({"reviewer_id": id}))
            .send()
            .await;
        assert_eq!(added.status, 201, "{}", added.text);
    }
    World {
        app,
        sink,
        admin,
        officer,
        reviewers,
        owner,
        setup_mails,
        member,
        org,
        call,
    }
}

async fn world() -> World {
    let sink = MailSink::start()
        .await
        .unwrap_or_else(|e| panic!("mail sink: {e}"));
    world_with(sink).await
}

impl World {
    async fn submitted(&self, title: &str) -> String {
        let mut content = complete_content();
        content["title"] = json!(title);
        let draft = self
            .app
            .draft(&self.owner, &self.call, &self.org, &content)
            .await;
        assert_eq!(draft.status, 201, "{}", draft.text);
        let id = draft.str("id").to_owned();
        self.act(&self.owner, &id, "submit", &json!({})).await;
        id
    }

    async fn act(&self, token: &str, id: &str, action: &str, body: &Value) -> Value {
        let done = self
            .app
            .post(&format!("/applications/{id}/{action}"))
            .token(token)
            .json(body)
            .send()
            .await;
        assert_eq!(done.status, 200, "{action}: {}", done.text);
        done.body
    }

    /// Assigns both reviewers and has both submit a review: the application is reviewed.
    async fn reviewed(&self, id: &str) {
        let due = (start_instant() + chrono::Duration::days(10)).to_rfc3339();
        for (_, token, reviewer) in &self.reviewers {
            let assigned = self
                .app
                .post(&format!("/applications/{id}/assignments"))
                .token(&self.officer)
                .json(&json!({"reviewer_id": reviewer, "due_at": due}))
                .send()
                .await;
            assert_eq!(assigned.status, 201, "{}", assigned.text);
            let assignment = assigned.str("id").to_owned();
            let saved = self
                .app
                .put(&format!("/assignments/{assignment}/review"))
                .token(token)
                .json(&json!({
                    "scores": [
                        {"criterion": "relevance", "score": 9, "comment": "Ауылға қажет"},
                        {"criterion": "budget", "score": 4}
                    ],
                    "comment": "Жақсы жоба",
                    "recommendation": "fund",
                    "confidence": 2
                }))
                .send()
                .await;
            assert_eq!(saved.status, 200, "{}", saved.text);
            let submitted = self
                .app
                .post(&format!("/assignments/{assignment}/review/submit"))
                .token(token)
                .send()
                .await;
            assert_eq!(submitted.status, 200, "{}", submitted.text);
        }
    }

    /// Waits for `count` more mails than `seen` and returns the new ones.
    async fn next(&self, seen: &mut usize, count: usize) -> Vec<Received> {
        let mails = self.sink.wait_for(*seen + count, WAIT).await;
        assert_eq!(
            mails.len(),
            *seen + count,
            "expected {count} more mails after {seen}: {:#?}",
            mails.iter().map(Received::subject).collect::<Vec<_>>()
        );
        let new = mails[*seen..].to_vec();
        *seen = mails.len();
        new
    }
}

/// The one mail of `mails` sent to `to`.
fn to<'a>(mails: &'a [Received], to: &str) -> &'a Received {
    let matching: Vec<&Received> = mails.iter().filter(|m| m.to == [to]).collect();
    assert_eq!(matching.len(), 1, "mails to {to}: {mails:#?}");
    matching[0]
}

/// Checks that `mail` is in `language` (by its greeting), carries every fact in both
/// bodies, and has a Message-ID made from an outbox id.
fn check(mail: &Received, language: &str, facts: &[&str]) {
    let text = mail.text().unwrap_or_default();
    let html = mail.html().unwrap_or_default().replace("&#x2f;", "/");
    let greeting = match language {
        "kk" => "Құрметті",
        "ru" => "Здравствуйте",
        _ => "Dear",
    };
    assert!(text.contains(greeting), "not in {language}: {text}");
    assert!(html.contains(&format!("lang=\"{language}\"")), "{html}");
    for fact in facts {
        assert!(text.contains(fact), "text lacks {fact:?}: {text}");
        assert!(html.contains(fact), "HTML lacks {fact:?}: {html}");
    }
    let id = mail.message_id().unwrap_or_default();
    let (outbox_id, domain) = id.split_once('@').unwrap_or_default();
    assert!(
        uuid::Uuid::parse_str(outbox_id).is_ok() && domain == "granty.test",
        "Message-ID {id}"
    );
    assert_eq!(mail.from, "grants@granty.test");
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
}

fn subject(mail: &Received) -> String {
    mail.subject().unwrap_or_default()
}

#[tokio::test]
async fn every_visible_change_mails_each_member_in_their_language() {
    let w = world().await;
    let mut seen = 0;

    let first = w.submitted("Ауылдағы әйелдер орталығы").await;
    let receipt = w
        .app
        .get(&format!("/applications/{first}"))
        .token(&w.owner)
        .send()
        .await
        .str("receipt_sha256")
        .to_owned();
    let mails = w.next(&mut seen, 2).await;
    let (ru, kk) = (to(&mails, "owner@mail.kz"), to(&mails, "member@mail.kz"));
    check(
        ru,
        "ru",
        &[
            &receipt,
            "1\u{a0}050\u{a0}000\u{a0}тенге",
            "26 декабря 2026 г., 11:00 (по времени Алматы, UTC+5)",
            "Ерлан Серікұлы",
        ],
    );
    check(
        kk,
        "kk",
        &[
            &receipt,
            "1\u{a0}050\u{a0}000\u{a0}теңге",
            "Айгерім Нұрланқызы",
        ],
    );
    assert_eq!(subject(ru), "Заявка «Ауылдағы әйелдер орталығы» принята");
    assert!(subject(kk).contains("өтінімі"), "{}", subject(kk));
    assert_ne!(ru.message_id(), kk.message_id(), "one mail per recipient");

    let due = (start_instant() + chrono::Duration::days(5)).to_rfc3339();
    w.act(
        &w.officer,
        &first,
        "request-revision",
        &json!({"comment": "Уточните смету на оборудование", "revision_due_at": due}),
    )
    .await;
    let mails = w.next(&mut seen, 2).await;
    check(
        to(&mails, "owner@mail.kz"),
        "ru",
        &["Уточните смету на оборудование", "1 декабря 2026 г., 11:00"],
    );
    check(
        to(&mails, "member@mail.kz"),
        "kk",
        &["Уточните смету на оборудование"],
    );

    w.act(&w.owner, &first, "resubmit", &json!({})).await;
    let mails = w.next(&mut seen, 2).await;
    check(to(&mails, "owner@mail.kz"), "ru", &[&receipt]);

    // Review: the applicant hears that review started, each reviewer of their assignment,
    // and nobody hears that the reviews are complete (applicants do not see `reviewed`).
    w.reviewed(&first).await;
    let mails = w.next(&mut seen, 4).await;
    check(to(&mails, "owner@mail.kz"), "ru", &[]);
    check(to(&mails, "member@mail.kz"), "kk", &[]);
    let en = to(&mails, "expert.en@grants.kz");
    check(
        en,
        "en",
        &[
            "6 December 2026, 11:00 (Almaty time, UTC+5)",
            "https://granty.test/assignments/",
        ],
    );
    check(
        to(&mails, "expert.ru@grants.kz"),
        "ru",
        &["6 декабря 2026 г."],
    );
    assert!(
        !en.text().unwrap_or_default().contains("Ақ ниет"),
        "the reviewer is not told the NGO's name"
    );

    w.act(
        &w.officer,
        &first,
        "approve",
        &json!({"awarded_amount": "900000.50"}),
    )
    .await;
    let mails = w.next(&mut seen, 2).await;
    let feedback = format!("https://granty.test/applications/{first}/feedback");
    check(
        to(&mails, "owner@mail.kz"),
        "ru",
        &["900\u{a0}000,50\u{a0}тенге", &feedback],
    );
    check(
        to(&mails, "member@mail.kz"),
        "kk",
        &["900\u{a0}000,50\u{a0}теңге", &feedback],
    );

    let second = w.submitted("Қарттарға көмек").await;
    w.next(&mut seen, 2).await;
    w.act(
        &w.officer,
        &second,
        "mark-ineligible",
        &json!({"reason": "Организация зарегистрирована в городе"}),
    )
    .await;
    let mails = w.next(&mut seen, 2).await;
    check(
        to(&mails, "member@mail.kz"),
        "kk",
        &["Организация зарегистрирована в городе"],
    );

    let third = w.submitted("Таза ауыл").await;
    w.next(&mut seen, 2).await;
    w.reviewed(&third).await;
    w.next(&mut seen, 4).await;
    // Its score is below the fundable minimum: waitlisting it takes an override reason, and
    // the mail does not call it worth funding.
    w.act(
        &w.officer,
        &third,
        "waitlist",
        &json!({"reason": "Единственная НКО района"}),
    )
    .await;
    let mails = w.next(&mut seen, 2).await;
    let waitlisted = to(&mails, "owner@mail.kz");
    check(
        waitlisted,
        "ru",
        &[
            "резервный список",
            &format!("applications/{third}/feedback"),
        ],
    );
    let text = waitlisted.text().unwrap_or_default();
    assert!(
        !text.contains("достойн") && !text.contains("признана"),
        "{text}"
    );
    w.act(
        &w.officer,
        &third,
        "reject",
        &json!({"reason": "Бюджет конкурса исчерпан"}),
    )
    .await;
    let mails = w.next(&mut seen, 2).await;
    check(
        to(&mails, "owner@mail.kz"),
        "ru",
        &[
            "Бюджет конкурса исчерпан",
            &format!("applications/{third}/feedback"),
        ],
    );

    let fourth = w.submitted("Балалар алаңы").await;
    w.next(&mut seen, 2).await;
    w.act(&w.member, &fourth, "withdraw", &json!({})).await;
    let mails = w.next(&mut seen, 2).await;
    check(to(&mails, "owner@mail.kz"), "ru", &["Балалар алаңы"]);

    // Nothing else arrives: no mail for hidden changes, none twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = w.sink.mails();
    assert_eq!(all.len(), seen, "unexpected extra mail");
    let ids: BTreeSet<String> = all.iter().filter_map(Received::message_id).collect();
    assert_eq!(ids.len(), all.len(), "a Message-ID repeats");
    // A mail is marked sent just after the SMTP server accepts it.
    let rows = outbox_rows(&w.app, "sent", seen + w.setup_mails).await;
    let setup =
        |r: &&Value| r["kind"] == json!("verify_email") || r["kind"] == json!("member_invited");
    assert_eq!(rows.iter().filter(setup).count(), w.setup_mails);
    for row in rows.iter().filter(|r| !setup(r)) {
        assert!(ids.contains(&format!(
            "{}@granty.test",
            row["id"].as_str().unwrap_or_default()
        )));
    }
}

#[tokio::test]
async fn a_refused_change_leaves_no_mail() {
    let w = world().await;
    let mut incomplete = complete_content();
    incomplete["budget_lines"] = json!([]);
    let draft = w.app.draft(&w.owner, &w.call, &w.org, &incomplete).await;
    let id = draft.str("id").to_owned();
    let refused = w
        .app
        .post(&format!("/applications/{id}/submit"))
        .token(&w.owner)
        .send()
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    // A batch of decisions is all or nothing, and so is its mail.
    let good = w.submitted("Жақсы жоба").await;
    let mut seen = 0;
    w.next(&mut seen, 2).await;
    w.reviewed(&good).await;
    w.next(&mut seen, 4).await;
    let batch = w
        .app
        .post(&format!("/calls/{}/decisions", w.call))
        .token(&w.officer)
        .json(&json!({"decisions": [
            {"application_id": good, "decision": "approve", "awarded_amount": "900000"},
            {"application_id": id, "decision": "reject", "reason": "—"}
        ]}))
        .send()
        .await;
    assert_eq!(batch.status, 409, "{}", batch.text);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.sink.mails().len(), seen, "no mail for what rolled back");
    let pending = w
        .app
        .get("/admin/outbox?status=pending")
        .token(&w.admin)
        .send()
        .await;
    assert_eq!(pending.body["items"], json!([]), "{}", pending.text);
}

#[tokio::test]
async fn reviewers_are_reminded_once_when_a_review_falls_due() {
    let w = world().await;
    let id = w.submitted("Ауыл мектебі").await;
    let mut seen = 0;
    w.next(&mut seen, 2).await;
    let due = (start_instant() + chrono::Duration::hours(72)).to_rfc3339();
    let mut assignments = Vec::new();
    for (_, _, reviewer) in &w.reviewers {
        let assigned = w
            .app
            .post(&format!("/applications/{id}/assignments"))
            .token(&w.officer)
            .json(&json!({"reviewer_id": reviewer, "due_at": due}))
            .send()
            .await;
        assert_eq!(assigned.status, 201, "{}", assigned.text);
        assignments.push(assigned.str("id").to_owned());
    }
    // Under review (two members) and two assignments.
    w.next(&mut seen, 4).await;
    // The English-speaking reviewer submits before the window opens.
    let (_, en_token, _) = &w.reviewers[1];
    let review = json!({
        "scores": [{"criterion": "relevance", "score": 7}, {"criterion": "budget", "score": 3}],
        "comment": "Fine", "recommendation": "fund_with_changes", "confidence": 3
    });
    let saved = w
        .app
        .put(&format!("/assignments/{}/review", assignments[1]))
        .token(en_token)
        .json(&review)
        .send()
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let submitted = w
        .app
        .post(&format!("/assignments/{}/review/submit", assignments[1]))
        .token(en_token)
        .send()
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);

    // 25 hours before the due instant is outside the window; 47 hours is inside.
    w.app.clock.advance(chrono::Duration::hours(23));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.sink.mails().len(), seen, "no reminder outside the window");
    w.app.clock.advance(chrono::Duration::hours(2));
    let mails = w.next(&mut seen, 1).await;
    let reminder = to(&mails, "expert.ru@grants.kz");
    check(
        reminder,
        "ru",
        &["29 ноября 2026 г., 11:00", &assignments[0]],
    );
    w.app.clock.advance(chrono::Duration::hours(20));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.sink.mails().len(), seen, "one reminder only");
}

#[tokio::test]
async fn an_assignment_already_due_soon_sends_one_mail_not_two() {
    let w = world().await;
    let id = w.submitted("Ауыл емханасы").await;
    let mut seen = 0;
    w.next(&mut seen, 2).await;
    let due = (start_instant() + chrono::Duration::hours(30)).to_rfc3339();
    let (_, _, reviewer) = &w.reviewers[0];
    let assigned = w
        .app
        .post(&format!("/applications/{id}/assignments"))
        .token(&w.officer)
        .json(&json!({"reviewer_id": reviewer, "due_at": due}))
        .send()
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.text);
    // Under review (two members) and the assignment, which gives the deadline.
    let mails = w.next(&mut seen, 3).await;
    let assignment = to(&mails, "expert.ru@grants.kz");
    check(assignment, "ru", &[assigned.str("id")]);
    // The reminder worker runs every few milliseconds; no second mail follows, now or
    // later inside the window.
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.app.clock.advance(chrono::Duration::hours(12));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        w.sink.mails().len(),
        seen,
        "the assignment mail was the reminder"
    );
}

#[tokio::test]
async fn a_reset_mail_arrives_in_the_holders_language_with_a_working_code() {
    let sink = MailSink::start().await.unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_app_with_mail(&sink.url()).await;
    register(&app, &sink, "aigerim@mail.kz", "Айгерім", "kk").await;
    let before = sink.count();
    let asked = app
        .post("/auth/password-reset")
        .json(&json!({"email": "aigerim@mail.kz"}))
        .send()
        .await;
    assert_eq!(asked.status, 202, "{}", asked.text);
    let mails = sink.wait_for(before + 1, WAIT).await;
    let mail = to(&mails[before..], "aigerim@mail.kz");
    let code = confirmation_code(mail);
    check(mail, "kk", &[&code, "Кодтың жарамдылық мерзімі"]);
    assert!(subject(mail).contains("құпиясөз"), "{}", subject(mail));
    let done = app
        .post("/auth/password-reset/confirm")
        .json(&json!({"token": code, "password": "жаңа-құпиясөз-2026"}))
        .send()
        .await;
    assert_eq!(done.status, 204, "{}", done.text);
    assert_eq!(
        app.login("aigerim@mail.kz", "жаңа-құпиясөз-2026")
            .await
            .status,
        200
    );
    // An address without an account gets no mail at all.
    app.post("/auth/password-reset")
        .json(&json!({"email": "stranger@mail.kz"}))
        .send()
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sink.mails()
            .iter()
            .all(|m| !m.to.iter().any(|t| t.contains("stranger")))
    );
}

/// A port with nothing listening on it.
async fn free_port() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn mail_waits_out_an_smtp_outage_and_arrives_once() {
    let addr = free_port().await;
    let app = spawn_app_with_mail(&format!("smtp://{addr}?tls=none")).await;
    let owner = app.confirmed_applicant("owner@mail.kz").await;
    let org = app.organization(&owner, &valid_bin(1)).await;
    let admin = app.admin("admin@grants.kz").await;
    let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
    let call = app.published_call(&officer, &call_body()).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut content = complete_content();
        content["title"] = json!(format!("Жоба {i}"));
        let draft = app.draft(&owner, &call, &org, &content).await;
        let id = draft.str("id").to_owned();
        let submitted = app
            .post(&format!("/applications/{id}/submit"))
            .token(&owner)
            .send()
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text);
        ids.push(id);
    }
    // Every mail fails against the closed port and waits for its next attempt.
    let pending = wait_until_pending_with_error(&app, &admin, 6).await;
    assert!(
        pending.iter().all(|row| row["attempts"] == json!(1)),
        "{pending:?}"
    );
    let metrics = app.req(reqwest::Method::GET, "/metrics").send().await.text;
    assert!(
        metrics.contains("grants_outbox_rows{status=\"pending\"} 6"),
        "{metrics}"
    );
    assert!(
        metrics.contains("grants_mail_send_failures_total 6"),
        "{metrics}"
    );

    // The server comes back; once the retries fall due every mail arrives, once.
    let sink = MailSink::start_on(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.clock.advance(chrono::Duration::minutes(2));
    let mails = sink.wait_for(6, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails_after = sink.mails();
    assert_eq!((mails.len(), mails_after.len()), (6, 6));
    let titles: BTreeSet<String> = mails_after.iter().map(subject).collect();
    assert_eq!(titles.len(), 6, "{titles:?}");
    outbox_rows(&app, "sent", 6).await;
    // The counter moves just after the row is marked.
    let deadline = tokio::time::Instant::now() + WAIT;
    let metrics = loop {
        let metrics = app.req(reqwest::Method::GET, "/metrics").send().await.text;
        if metrics.contains("grants_mail_sent_total 6") || tokio::time::Instant::now() > deadline {
            break metrics;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(metrics.contains("grants_mail_sent_total 6"), "{metrics}");
    assert!(
        metrics.contains("grants_outbox_rows{status=\"pending\"} 0"),
        "{metrics}"
    );
}

/// Waits until the outbox holds `count` rows in `status`, and returns them.
async fn outbox_rows(app: &TestApp, status: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let admin = app.token_for("admin@grants.kz").await;
        let listed = app
            .get(&format!("/admin/outbox?status={status}&limit=100"))
            .token(&admin)
            .send()
            .await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        let rows = listed.body["items"].as_array().cloned().unwrap_or_default();
        if rows.len() >= count {
            assert_eq!(rows.len(), count, "{}", listed.text);
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never {count} {status}: {}",
            listed.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_until_pending_with_error(app: &TestApp, admin: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let listed = app
            .get("/admin/outbox?status=pending")
            .token(admin)
            .send()
            .await;
        let rows = listed.body["items"].as_array().cloned().unwrap_or_default();
        let failed_once = rows.iter().filter(|r| r["last_error"].is_string()).count();
        if failed_once >= count {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rows never failed: {}",
            listed.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_send_slower_than_its_cap_is_abandoned_and_retried_later() {
    let sink = MailSink::start().await.unwrap_or_else(|e| panic!("{e}"));
    // The relay keeps each mail but answers the end of its data only after 5 s.
    sink.delay_data_reply(Duration::from_secs(5));
    let url = sink.url();
    let app = spawn_app_configured(|settings| {
        settings.mail_transport = server::config::MailTransport::Smtp;
        settings.smtp_url = Some(server::config::Secret::new(&url));
    })
    .await;
    let capped = server::mail::WorkerConfig {
        send_timeout: Duration::from_millis(400),
        ..test_worker_config()
    };
    let _worker = server::app::start_worker(&app.state, capped)
        .unwrap_or_else(|e| panic!("starting the worker: {e:#}"));
    let admin = app.admin("admin@grants.kz").await;
    let registered = app
        .post("/auth/register")
        .json(&json!({"email": "slow@mail.kz", "password": PASSWORD, "name": "Ерлан", "language": "ru"}))
        .send()
        .await;
    assert_eq!(registered.status, 202, "{}", registered.text);
    // The send is given up at its cap, long before the relay answers, and waits for a
    // retry instead of holding its row past the lease.
    let rows = wait_until_pending_with_error(&app, &admin, 1).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["attempts"], json!(1), "{rows:?}");
    assert!(
        rows[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("did not finish within 0.4 s")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_mail_that_keeps_failing_is_given_up_and_an_admin_can_retry_it() {
    let w = world().await;
    w.sink.refuse(true);
    let id = w.submitted("Ауыл кітапханасы").await;
    // Five attempts, a minute apart and doubling on the test clock, then it is failed.
    let deadline = tokio::time::Instant::now() + WAIT;
    let failed = loop {
        w.app.clock.advance(chrono::Duration::minutes(20));
        let admin = w.app.token_for("admin@grants.kz").await;
        let listed = w
            .app
            .get("/admin/outbox?status=failed")
            .token(&admin)
            .send()
            .await;
        let rows = listed.body["items"].as_array().cloned().unwrap_or_default();
        if rows.len() == 2 {
            break rows;
        }
        if tokio::time::Instant::now() >= deadline {
            let all = w.app.get("/admin/outbox").token(&admin).send().await;
            panic!("never failed: {}; mails {}", all.text, w.sink.mails().len());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        failed.iter().all(|r| r["attempts"] == json!(5)),
        "{failed:?}"
    );
    assert!(failed.iter().all(|r| r["application_id"] == json!(id)));
    assert!(
        failed
            .iter()
            .all(|r| r["last_error"].as_str().is_some_and(|e| e.contains("451"))),
        "{failed:?}"
    );
    assert!(w.sink.mails().is_empty());
    let metrics = w
        .app
        .req(reqwest::Method::GET, "/metrics")
        .send()
        .await
        .text;
    assert!(
        metrics.contains("grants_outbox_rows{status=\"failed\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("grants_mail_given_up_total 2"),
        "{metrics}"
    );

    // Only admins read the outbox or retry.
    let row = failed[0]["id"].as_str().unwrap_or_default().to_owned();
    let admin = w.app.token_for("admin@grants.kz").await;
    let mut others = Vec::new();
    for email in ["owner@mail.kz", "officer@grants.kz", "expert.ru@grants.kz"] {
        others.push(w.app.token_for(email).await);
    }
    for token in &others {
        w.app
            .get("/admin/outbox")
            .token(token)
            .send()
            .await
            .assert_problem(403, "forbidden");
        w.app
            .post(&format!("/admin/outbox/{row}/retry"))
            .token(token)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    let anonymous = w.app.get("/admin/outbox").send().await;
    let w = World { admin, ..w };
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    w.app
        .post(&format!("/admin/outbox/{}/retry", uuid::Uuid::new_v4()))
        .token(&w.admin)
        .send()
        .await
        .assert_problem(404, "not-found");
    w.app
        .get("/admin/outbox?status=lost")
        .token(&w.admin)
        .send()
        .await
        .assert_problem(400, "malformed-request");

    w.sink.refuse(false);
    let retried = w
        .app
        .post(&format!("/admin/outbox/{row}/retry"))
        .token(&w.admin)
        .send()
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(
        (retried.str("status"), retried.body["attempts"].clone()),
        ("pending", json!(0))
    );
    let mails = w.sink.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].message_id().unwrap_or_default(),
        format!("{row}@granty.test"),
        "the retried mail keeps its Message-ID"
    );
    // A mail that has not failed cannot be retried.
    tokio::time::sleep(Duration::from_millis(200)).await;
    w.app
        .post(&format!("/admin/outbox/{row}/retry"))
        .token(&w.admin)
        .send()
        .await
        .assert_problem(409, "wrong-status");
}

#[tokio::test]
async fn a_member_who_left_before_the_mail_went_out_is_not_mailed() {
    let w = world().await;
    w.sink.refuse(true);
    w.submitted("Ауыл кітапханасы").await;
    wait_until_pending_with_error(&w.app, &w.admin, 2).await;
    let members = w
        .app
        .get(&format!("/organizations/{}/members", w.org))
        .token(&w.owner)
        .send()
        .await;
    let member = members
        .body
        .as_array()
        .or_else(|| members.body["items"].as_array())
        .and_then(|list| list.iter().find(|m| m["email"] == json!("member@mail.kz")))
        .map(|m| m["user_id"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("{}", members.text));
    let left = w
        .app
        .delete(&format!("/organizations/{}/members/{member}", w.org))
        .token(&w.owner)
        .send()
        .await;
    assert!(left.status < 300, "{}", left.text);

    w.sink.refuse(false);
    w.app.clock.advance(chrono::Duration::minutes(2));
    let mails = w.sink.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(w.sink.mails().len(), 1, "the former member is not mailed");
    assert_eq!(mails[0].to, ["owner@mail.kz"]);
    let rows = outbox_rows(&w.app, "cancelled", 1).await;
    assert_eq!(
        rows[0]["last_error"],
        json!("the recipient left the organisation")
    );
}

#[tokio::test]
async fn the_calls_officer_hears_when_a_reviewer_recuses_themselves() {
    let w = world().await;
    let id = w.submitted("Ауыл кітапханасы").await;
    let mut seen = 0;
    w.next(&mut seen, 2).await;
    let (_, token, reviewer) = &w.reviewers[0];
    let assigned = w
        .app
        .post(&format!("/applications/{id}/assignments"))
        .token(&w.officer)
        .json(&json!({"reviewer_id": reviewer}))
        .send()
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.text);
    // Under review (two members) and the assignment.
    w.next(&mut seen, 3).await;
    let declared = w
        .app
        .post("/me/conflicts")
        .token(token)
        .json(&json!({"organization_id": w.org, "kind": "financial", "description": "Веду их бухгалтерию"}))
        .send()
        .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    let mails = w.next(&mut seen, 1).await;
    let notice = to(&mails, "officer@grants.kz");
    check(
        notice,
        "ru",
        &[
            "Эксперт",
            "Ауыл кітапханасы",
            &format!("https://granty.test/applications/{id}"),
        ],
    );
    let subject = notice.subject().unwrap_or_default();
    assert!(subject.contains("Самоотвод"), "{subject}");
    // No review was submitted, so none is said to be set aside.
    assert!(
        !notice.text().unwrap_or_default().contains("исключена"),
        "{:?}",
        notice.text()
    );
}
