//! Who may call what: every operation in the served OpenAPI document, called as each kind
//! of user, against one written table of expected statuses.
//!
//! The principals are an anonymous client, the owner of organisation A (whose applications
//! are the targets), the owner of organisation B, a reviewer assigned to the target
//! application, a reviewer in the call's pool who is not assigned to it, a programme officer
//! and an admin. A cell expecting 401, 403 or 404 is a refusal: all refusals of an operation
//! share one set of targets, built fresh for it, and none of them may change it. Every other
//! cell gets targets of its own, so each allowed caller acts on an untouched object.
//!
//! The test fails when a cell differs from the table, when the document has an operation
//! without a row, or when the table has a row for an operation the document lacks; and
//! SECURITY.md must show the same table.

use std::collections::{BTreeMap, BTreeSet};

use grants_tests::{
    PASSWORD, TestApp, call_body, complete_content, organization_body, review_body, spawn_app,
    start_instant, valid_bin,
};
use reqwest::Method;
use serde_json::{Value, json};

/// The callers, in the table's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    ApplicantA,
    ApplicantB,
    Assigned,
    Unassigned,
    Officer,
    Admin,
}

const COLUMNS: [Who; 7] = [
    Who::Anonymous,
    Who::ApplicantA,
    Who::ApplicantB,
    Who::Assigned,
    Who::Unassigned,
    Who::Officer,
    Who::Admin,
];

/// The expected status of every operation for each caller, in [`COLUMNS`] order.
///
/// 409 and 422 mark callers who pass authorisation but whom the rules then refuse: an
/// officer cannot start a review by hand before a reviewer is assigned (assigning starts
/// it), feedback exists only once decided, and staff accounts join no organisation.
#[rustfmt::skip]
const TABLE: &[(&str, [u16; 7])] = &[
    //  operation                  anon  A    B    rev  other off  admin
    // accounts
    ("register",                  [202, 202, 202, 202, 202, 202, 202]),
    ("verify_email",              [200, 200, 200, 200, 200, 200, 200]),
    ("verify_email_number",       [200, 200, 200, 200, 200, 200, 200]),
    ("login",                     [200, 200, 200, 200, 200, 200, 200]),
    ("refresh",                   [200, 200, 200, 200, 200, 200, 200]),
    ("logout",                    [401, 204, 204, 204, 204, 204, 204]),
    ("request_password_reset",    [202, 202, 202, 202, 202, 202, 202]),
    ("confirm_password_reset",    [204, 204, 204, 204, 204, 204, 204]),
    ("change_my_password",        [401, 204, 204, 204, 204, 204, 204]),
    ("get_me",                    [401, 200, 200, 200, 200, 200, 200]),
    ("update_me",                 [401, 200, 200, 200, 200, 200, 200]),
    ("create_user",               [401, 403, 403, 403, 403, 403, 201]),
    ("list_users",                [401, 403, 403, 403, 403, 403, 200]),
    ("update_user",               [401, 403, 403, 403, 403, 403, 200]),
    // organisations: members, and staff who read and verify them
    ("create_organization",       [401, 201, 201, 403, 403, 403, 403]),
    ("list_organizations",        [401, 200, 200, 200, 200, 200, 200]),
    ("get_organization",          [401, 200, 404, 404, 404, 200, 200]),
    ("verify_organization",       [401, 403, 403, 403, 403, 200, 403]),
    ("update_organization",       [401, 200, 404, 404, 404, 404, 404]),
    ("list_members",              [401, 200, 404, 404, 404, 404, 404]),
    ("invite_member",             [401, 202, 404, 404, 404, 404, 404]),
    ("list_invitations",          [401, 200, 404, 404, 404, 404, 404]),
    ("revoke_invitation",         [401, 204, 404, 404, 404, 404, 404]),
    ("list_my_invitations",       [401, 200, 200, 200, 200, 200, 200]),
    ("accept_invitation",         [401, 404, 200, 403, 403, 403, 403]),
    ("decline_invitation",        [401, 404, 200, 403, 403, 403, 403]),
    ("remove_member",             [401, 204, 404, 404, 404, 404, 404]),
    // calls: the public reads open ones, officers manage them
    ("list_calls",                [200, 200, 200, 200, 200, 200, 200]),
    ("create_call",               [401, 403, 403, 403, 403, 201, 403]),
    ("get_call",                  [200, 200, 200, 200, 200, 200, 200]),
    ("update_call",               [401, 403, 403, 403, 403, 200, 403]),
    ("publish_call",              [401, 403, 403, 403, 403, 200, 403]),
    ("close_call",                [401, 403, 403, 403, 403, 200, 403]),
    // applications
    ("create_application",        [401, 201, 422, 403, 403, 403, 403]),
    ("list_applications",         [401, 200, 200, 403, 403, 200, 200]),
    ("get_application",           [401, 200, 404, 200, 404, 200, 200]),
    ("update_application",        [401, 200, 404, 404, 404, 403, 403]),
    ("submit_application",        [401, 200, 404, 404, 404, 403, 403]),
    ("withdraw_application",      [401, 200, 404, 404, 404, 403, 403]),
    ("resubmit_application",      [401, 200, 404, 404, 404, 403, 403]),
    ("request_revision",          [401, 403, 404, 404, 404, 200, 403]),
    ("mark_ineligible",           [401, 403, 404, 404, 404, 200, 403]),
    ("start_review",              [401, 403, 404, 404, 404, 409, 403]),
    ("application_history",       [401, 200, 404, 403, 404, 200, 200]),
    // reviews
    ("list_call_reviewers",       [401, 403, 403, 403, 403, 200, 200]),
    ("add_call_reviewer",         [401, 403, 403, 403, 403, 201, 403]),
    ("remove_call_reviewer",      [401, 403, 403, 403, 403, 204, 403]),
    ("list_my_conflicts",         [401, 403, 403, 200, 200, 403, 403]),
    ("declare_conflict",          [401, 403, 403, 201, 201, 403, 403]),
    ("assign_reviewer",           [401, 403, 403, 403, 403, 201, 403]),
    ("auto_assign",               [401, 403, 403, 403, 403, 200, 403]),
    ("list_my_assignments",       [401, 403, 403, 200, 200, 403, 403]),
    ("get_assignment",            [401, 404, 404, 200, 404, 200, 200]),
    ("accept_assignment",         [401, 404, 404, 200, 404, 403, 403]),
    ("decline_assignment",        [401, 404, 404, 200, 404, 403, 403]),
    ("save_review",               [401, 404, 404, 200, 404, 403, 403]),
    ("submit_review",             [401, 404, 404, 200, 404, 403, 403]),
    ("reopen_review_assignment",  [401, 403, 403, 403, 403, 200, 403]),
    ("list_application_reviews",  [401, 404, 404, 200, 404, 200, 200]),
    // decisions and ranking
    ("waitlist_application",      [401, 403, 404, 403, 404, 200, 403]),
    ("approve_application",       [401, 403, 404, 403, 404, 200, 403]),
    ("reject_application",        [401, 403, 404, 403, 404, 200, 403]),
    ("reopen_review",             [401, 403, 404, 403, 404, 200, 403]),
    ("decide_in_bulk",            [401, 403, 403, 403, 403, 200, 403]),
    ("call_ranking",              [401, 403, 403, 403, 403, 200, 200]),
    ("application_feedback",      [401, 200, 404, 404, 404, 200, 200]),
    // mail
    ("list_outbox",               [401, 403, 403, 403, 403, 403, 200]),
    ("retry_outbox_mail",         [401, 403, 403, 403, 403, 403, 200]),
];

/// Routes outside the document: operations probes, metrics and the document itself. They
/// answer everyone alike; SECURITY.md says to keep `/metrics` off the public network.
const UNDOCUMENTED: &[&str] = &[
    "/health",
    "/ready",
    "/metrics",
    "/docs",
    "/api/v1/openapi.json",
];

/// How far an application has gone, in the order a round takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Draft,
    Submitted,
    /// Assigned to the first reviewer, not yet accepted.
    Offered,
    Accepted,
    /// The assigned reviewer saved a complete review.
    Saved,
    /// The review was submitted, so the application is `reviewed`.
    Reviewed,
    Approved,
}

/// The targets of one request.
#[derive(Debug, Default)]
struct Plan {
    path: BTreeMap<&'static str, String>,
    query: Vec<(&'static str, String)>,
    body: Option<Value>,
    /// Request headers (`If-Match`).
    headers: Vec<(&'static str, String)>,
    /// A token of the caller's own to use instead of the shared one (logout spends it).
    token: Option<String>,
    /// What must read the same after every refusal (a path, read as the officer or as
    /// applicant A).
    unchanged: Vec<(Who, String)>,
}

impl Plan {
    fn id(mut self, name: &'static str, value: &str) -> Self {
        self.path.insert(name, value.to_owned());
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn keeps(mut self, reader: Who, path: String) -> Self {
        self.unchanged.push((reader, path));
        self
    }
}

/// The accounts and the objects every plan shares.
struct World {
    app: TestApp,
    tokens: BTreeMap<&'static str, String>,
    emails: BTreeMap<&'static str, &'static str>,
    org_a: String,
    org_b: String,
    assigned: String,
    unassigned: String,
    serial: u32,
}

fn account(who: Who) -> Option<&'static str> {
    match who {
        Who::Anonymous => None,
        Who::ApplicantA => Some("a"),
        Who::ApplicantB => Some("b"),
        Who::Assigned => Some("assigned"),
        Who::Unassigned => Some("unassigned"),
        Who::Officer => Some("officer"),
        Who::Admin => Some("admin"),
    }
}

impl World {
    async fn new() -> Self {
        let app = spawn_app().await;
        let admin = app.admin("admin@grants.kz").await;
        let officer = app.staff(&admin, "officer@grants.kz", "officer").await;
        let assigned = app.staff(&admin, "assigned@grants.kz", "reviewer").await;
        let unassigned = app.staff(&admin, "unassigned@grants.kz", "reviewer").await;
        let a = app.applicant("a@ngo.kz").await;
        let b = app.applicant("b@ngo.kz").await;
        for email in ["member@ngo.kz", "joiner@ngo.kz", "login@ngo.kz"] {
            app.registered(email).await;
        }
        let org_a = app.organization(&a, &valid_bin(1)).await;
        let org_b = app.organization(&b, &valid_bin(2)).await;
        let id_of = |token: String| {
            let app = &app;
            async move {
                app.get("/me")
                    .token(&token)
                    .send()
                    .await
                    .str("id")
                    .to_owned()
            }
        };
        let assigned_id = id_of(assigned.clone()).await;
        let unassigned_id = id_of(unassigned.clone()).await;
        let tokens = BTreeMap::from([
            ("a", a),
            ("b", b),
            ("assigned", assigned),
            ("unassigned", unassigned),
            ("officer", officer),
            ("admin", admin),
        ]);
        let emails = BTreeMap::from([
            ("a", "a@ngo.kz"),
            ("b", "b@ngo.kz"),
            ("assigned", "assigned@grants.kz"),
            ("unassigned", "unassigned@grants.kz"),
            ("officer", "officer@grants.kz"),
            ("admin", "admin@grants.kz"),
        ]);
        Self {
            app,
            tokens,
            emails,
            org_a,
            org_b,
            assigned: assigned_id,
            unassigned: unassigned_id,
            serial: 10,
        }
    }

    fn token(&self, who: Who) -> Option<String> {
        account(who).map(|name| self.tokens[name].clone())
    }

    fn next(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    /// Sends `method path` as `who` and insists on `status`.
    async fn must(
        &self,
        who: Who,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> grants_tests::Resp {
        let mut req = self.app.req(method.clone(), &format!("/api/v1{path}"));
        if let Some(token) = self.token(who) {
            req = req.token(&token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await;
        assert_eq!(resp.status, status, "{method} {path}: {}", resp.text);
        resp
    }

    /// The `ETag` of `path` as `who` reads it.
    async fn etag(&self, who: Who, path: &str) -> String {
        let resp = self.must(who, Method::GET, path, None, 200).await;
        resp.header("etag")
            .unwrap_or_else(|| panic!("{path} has no ETag"))
            .to_owned()
    }

    /// A fresh draft call with the officer's defaults: one reviewer per application.
    async fn draft_call(&self) -> String {
        let mut body = call_body();
        body["reviewers_per_application"] = json!(1);
        self.must(Who::Officer, Method::POST, "/calls", Some(body), 201)
            .await
            .str("id")
            .to_owned()
    }

    /// A fresh published call with both reviewers in its pool.
    async fn call(&self) -> String {
        let call = self.draft_call().await;
        self.must(
            Who::Officer,
            Method::POST,
            &format!("/calls/{call}/publish"),
            None,
            200,
        )
        .await;
        for reviewer in [&self.assigned, &self.unassigned] {
            self.must(
                Who::Officer,
                Method::POST,
                &format!("/calls/{call}/reviewers"),
                Some(json!({"reviewer_id": reviewer})),
                201,
            )
            .await;
        }
        call
    }

    /// A fresh application of organisation A in a fresh call, taken to `stage`; returns
    /// (call, application, assignment of the assigned reviewer once there is one).
    async fn application(&self, stage: Stage) -> (String, String, String) {
        let call = self.call().await;
        let mut body = complete_content();
        body["organization_id"] = json!(self.org_a);
        let id = self
            .must(
                Who::ApplicantA,
                Method::POST,
                &format!("/calls/{call}/applications"),
                Some(body),
                201,
            )
            .await
            .str("id")
            .to_owned();
        let mut assignment = String::new();
        if stage >= Stage::Submitted {
            let path = format!("/applications/{id}/submit");
            self.must(Who::ApplicantA, Method::POST, &path, None, 200)
                .await;
        }
        if stage >= Stage::Offered {
            let path = format!("/applications/{id}/assignments");
            let body = json!({"reviewer_id": self.assigned});
            assignment = self
                .must(Who::Officer, Method::POST, &path, Some(body), 201)
                .await
                .str("id")
                .to_owned();
        }
        if stage >= Stage::Accepted {
            let path = format!("/assignments/{assignment}/accept");
            self.must(Who::Assigned, Method::POST, &path, None, 200)
                .await;
        }
        if stage >= Stage::Saved {
            let path = format!("/assignments/{assignment}/review");
            self.must(
                Who::Assigned,
                Method::PUT,
                &path,
                Some(review_body(10, 5, "Жақсы жоба")),
                200,
            )
            .await;
        }
        if stage >= Stage::Reviewed {
            let path = format!("/assignments/{assignment}/review/submit");
            self.must(Who::Assigned, Method::POST, &path, None, 200)
                .await;
        }
        if stage >= Stage::Approved {
            let path = format!("/applications/{id}/approve");
            let body = json!({"awarded_amount": "1050000.00", "reason": "Жақсы жоба"});
            self.must(Who::Officer, Method::POST, &path, Some(body), 200)
                .await;
        }
        (call, id, assignment)
    }

    /// A fresh organisation owned by applicant A.
    async fn organization_of_a(&mut self) -> String {
        let bin = valid_bin(self.next());
        self.must(
            Who::ApplicantA,
            Method::POST,
            "/organizations",
            Some(organization_body(&bin)),
            201,
        )
        .await
        .str("id")
        .to_owned()
    }

    /// Logs `email` in and returns (access token, refresh token).
    async fn session(&self, email: &str) -> (String, String) {
        let login = self.app.login(email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        (
            login.str("access_token").to_owned(),
            login.str("refresh_token").to_owned(),
        )
    }

    /// A mail that failed for good, ready to be retried.
    async fn failed_mail(&self) -> String {
        self.application(Stage::Submitted).await;
        let store = &self.app.state.store;
        let now = server::clock::Clock::now(self.app.clock.as_ref());
        let claimed = store
            .claim_mail(now, chrono::Duration::minutes(5), 1)
            .await
            .unwrap_or_else(|e| panic!("claiming mail: {e}"));
        let (id, claim) = match claimed.first() {
            Some(Ok(letter)) => (letter.id, letter.claim),
            Some(Err(undeliverable)) => (undeliverable.id, undeliverable.claim),
            None => panic!("no mail to fail"),
        };
        let marked = store
            .mark_attempt_failed(id, claim, now, "550 mailbox unavailable", None)
            .await
            .unwrap_or_else(|e| panic!("failing mail: {e}"));
        assert!(marked, "the claimed mail was not marked failed");
        id.to_string()
    }

    /// The targets of `op` for `who`.
    #[allow(clippy::too_many_lines)]
    async fn plan(&mut self, op: &str, who: Who) -> Plan {
        let plan = Plan::default();
        let n = self.next();
        match op {
            "register" => plan.body(json!({
                "email": format!("new{n}@ngo.kz"), "password": PASSWORD,
                "name": "Жаңа қолданушы", "language": "ru"
            })),
            "verify_email" => {
                let email = format!("unconfirmed{n}@ngo.kz");
                let registered = self.app.register(&email).await;
                assert_eq!(registered.status, 202, "{}", registered.text);
                let code = self.app.confirmation_code(&email).await;
                plan.body(json!({ "token": code }))
            }
            "verify_email_number" => {
                let email = format!("unconfirmed-number{n}@ngo.kz");
                let registered = self.app.register(&email).await;
                assert_eq!(registered.status, 202, "{}", registered.text);
                let number = self.app.confirmation_number(&email).await;
                plan.body(json!({ "email": email, "number": number }))
            }
            "login" => plan.body(json!({"email": "login@ngo.kz", "password": PASSWORD})),
            "request_password_reset" => plan.body(json!({"email": "login@ngo.kz"})),
            "confirm_password_reset" => {
                let email = format!("forgetful{n}@ngo.kz");
                self.app.registered(&email).await;
                let code = self.app.reset_code(&email).await;
                plan.body(json!({"token": code, "password": "жаңа-құпиясөз-2026"}))
            }
            "change_my_password" => {
                let body = json!({"current_password": PASSWORD, "new_password": PASSWORD});
                match account(who) {
                    // The change ends the caller's other logins, the shared one among them:
                    // the login that makes it becomes the caller's shared one.
                    Some(name) => {
                        let (access, _) = self.session(self.emails[name]).await;
                        self.tokens.insert(name, access.clone());
                        Plan {
                            token: Some(access),
                            ..plan.body(body)
                        }
                    }
                    None => plan.body(body),
                }
            }
            "refresh" => {
                let (_, refresh) = self.session("login@ngo.kz").await;
                plan.body(json!({"refresh_token": refresh}))
            }
            "logout" => {
                let email = account(who).map_or("login@ngo.kz", |name| self.emails[name]);
                let (access, refresh) = self.session(email).await;
                let plan = plan.body(json!({"refresh_token": refresh}));
                if who == Who::Anonymous {
                    plan
                } else {
                    Plan {
                        token: Some(access),
                        ..plan
                    }
                }
            }
            "get_me"
            | "list_organizations"
            | "list_my_invitations"
            | "list_my_conflicts"
            | "list_my_assignments"
            | "list_users"
            | "list_outbox" => plan,
            "update_me" => plan.body(json!({"name": "Жаңа есім"})),
            "create_user" => plan.body(json!({
                "email": format!("staff{n}@grants.kz"), "name": "Сарапшы",
                "password": PASSWORD, "role": "reviewer", "language": "kk"
            })),
            "update_user" => {
                let created = self
                    .must(
                        Who::Admin,
                        Method::POST,
                        "/users",
                        Some(json!({
                            "email": format!("changed{n}@grants.kz"), "name": "Сарапшы",
                            "password": PASSWORD, "role": "reviewer", "language": "kk"
                        })),
                        201,
                    )
                    .await;
                let id = created.str("id").to_owned();
                plan.id("id", &id)
                    .body(json!({"role": "officer"}))
                    .keeps(Who::Admin, "/users?role=officer".to_owned())
            }
            "create_organization" => plan.body(organization_body(&valid_bin(n))),
            "get_organization" | "list_members" => plan.id("id", &self.org_a.clone()),
            "verify_organization" => {
                let org = self.organization_of_a().await;
                plan.id("id", &org)
                    .body(json!({"note": "Checked in the state registry"}))
                    .keeps(Who::ApplicantA, format!("/organizations/{org}"))
            }
            "update_organization" => {
                let org = self.organization_of_a().await;
                plan.id("id", &org)
                    .body(json!({"settlement": "Ырғыз"}))
                    .keeps(Who::ApplicantA, format!("/organizations/{org}"))
            }
            "invite_member" => {
                let org = self.organization_of_a().await;
                plan.id("id", &org)
                    .body(json!({"email": "joiner@ngo.kz"}))
                    .keeps(Who::ApplicantA, format!("/organizations/{org}/members"))
                    .keeps(Who::ApplicantA, format!("/organizations/{org}/invitations"))
            }
            "list_invitations" => plan.id("id", &self.org_a.clone()),
            "remove_member" => {
                let org = self.organization_of_a().await;
                let a = self.tokens["a"].clone();
                let member = self.app.member(&a, &org, "member@ngo.kz", "member").await;
                plan.id("id", &org)
                    .id("user_id", &member)
                    .keeps(Who::ApplicantA, format!("/organizations/{org}/members"))
            }
            "revoke_invitation" | "accept_invitation" | "decline_invitation" => {
                let org = self.organization_of_a().await;
                let invited = self
                    .must(
                        Who::ApplicantA,
                        Method::POST,
                        &format!("/organizations/{org}/members"),
                        Some(json!({"email": self.emails["b"]})),
                        202,
                    )
                    .await;
                let plan = plan
                    .id("id", invited.str("id"))
                    .keeps(Who::ApplicantA, format!("/organizations/{org}/members"))
                    .keeps(Who::ApplicantA, format!("/organizations/{org}/invitations"));
                if op == "revoke_invitation" {
                    plan.id("id", &org).id("invitation_id", invited.str("id"))
                } else {
                    plan
                }
            }
            "list_calls" => Plan {
                query: vec![("status", "open".to_owned())],
                ..plan
            },
            "create_call" => plan.body(call_body()),
            "get_call" => {
                let call = self.call().await;
                plan.id("id", &call)
            }
            "update_call" | "publish_call" => {
                let call = self.draft_call().await;
                let plan = plan
                    .id("id", &call)
                    .keeps(Who::Officer, format!("/calls/{call}"));
                if op == "update_call" {
                    let tag = self.etag(Who::Officer, &format!("/calls/{call}")).await;
                    plan.body(json!({"title": "Жаңартылған конкурс"}))
                        .header("If-Match", &tag)
                } else {
                    plan
                }
            }
            "close_call" => {
                let call = self.call().await;
                plan.id("id", &call)
                    .keeps(Who::Officer, format!("/calls/{call}"))
            }
            "create_application" => {
                let call = self.call().await;
                let mut body = complete_content();
                body["organization_id"] = json!(self.org_a);
                plan.id("id", &call).body(body).keeps(
                    Who::ApplicantA,
                    format!("/applications?call_id={call}&status=draft"),
                )
            }
            "list_applications" => Plan {
                query: vec![("status", "submitted".to_owned())],
                ..plan
            },
            "get_application" | "application_history" | "list_application_reviews" => {
                let (_, id, _) = self.application(Stage::Saved).await;
                plan.id("id", &id)
            }
            "update_application" | "submit_application" | "withdraw_application" => {
                let (_, id, _) = self.application(Stage::Draft).await;
                let plan = plan
                    .id("id", &id)
                    .keeps(Who::Officer, format!("/applications/{id}/history"));
                if op == "update_application" {
                    let tag = self
                        .etag(Who::ApplicantA, &format!("/applications/{id}"))
                        .await;
                    plan.body(json!({"title": "Жаңа атау"}))
                        .header("If-Match", &tag)
                } else {
                    plan
                }
            }
            "resubmit_application" => {
                let (_, id, _) = self.application(Stage::Submitted).await;
                let due = (start_instant() + chrono::Duration::days(7)).to_rfc3339();
                self.must(
                    Who::Officer,
                    Method::POST,
                    &format!("/applications/{id}/request-revision"),
                    Some(json!({"comment": "Бюджетті нақтылаңыз", "revision_due_at": due})),
                    200,
                )
                .await;
                plan.id("id", &id)
                    .keeps(Who::Officer, format!("/applications/{id}/history"))
            }
            "request_revision" | "mark_ineligible" | "start_review" => {
                let (_, id, _) = self.application(Stage::Submitted).await;
                let due = (start_instant() + chrono::Duration::days(7)).to_rfc3339();
                let plan = plan
                    .id("id", &id)
                    .keeps(Who::Officer, format!("/applications/{id}/history"));
                match op {
                    "request_revision" => {
                        plan.body(json!({"comment": "Бюджетті нақтылаңыз", "revision_due_at": due}))
                    }
                    "mark_ineligible" => plan.body(json!({"reason": "Тіркелмеген"})),
                    _ => plan,
                }
            }
            "list_call_reviewers" => {
                let call = self.call().await;
                plan.id("id", &call)
            }
            "add_call_reviewer" => {
                let call = self.draft_call().await;
                let reviewer = self.assigned.clone();
                plan.id("id", &call)
                    .body(json!({"reviewer_id": reviewer}))
                    .keeps(Who::Officer, format!("/calls/{call}/reviewers"))
            }
            "remove_call_reviewer" => {
                let call = self.draft_call().await;
                let reviewer = self.unassigned.clone();
                let path = format!("/calls/{call}/reviewers");
                self.must(
                    Who::Officer,
                    Method::POST,
                    &path,
                    Some(json!({"reviewer_id": reviewer})),
                    201,
                )
                .await;
                plan.id("id", &call)
                    .id("reviewer_id", &reviewer)
                    .keeps(Who::Officer, path)
            }
            "declare_conflict" => plan.body(json!({
                "organization_id": self.org_b, "kind": "other",
                "description": format!("Танысым {n}")
            })),
            "assign_reviewer" => {
                let (_, id, _) = self.application(Stage::Submitted).await;
                let reviewer = self.unassigned.clone();
                plan.id("id", &id)
                    .body(json!({"reviewer_id": reviewer}))
                    .keeps(Who::Officer, format!("/applications/{id}/history"))
            }
            "auto_assign" => {
                let (call, id, _) = self.application(Stage::Submitted).await;
                let path = format!("/calls/{call}/close");
                self.must(Who::Officer, Method::POST, &path, None, 200)
                    .await;
                plan.id("id", &call)
                    .body(json!({}))
                    .keeps(Who::Officer, format!("/applications/{id}/history"))
            }
            "get_assignment" => {
                let (_, _, assignment) = self.application(Stage::Saved).await;
                plan.id("id", &assignment)
            }
            "accept_assignment" | "decline_assignment" => {
                let (_, _, assignment) = self.application(Stage::Offered).await;
                let plan = plan
                    .id("id", &assignment)
                    .keeps(Who::Officer, format!("/assignments/{assignment}"));
                if op == "decline_assignment" {
                    plan.body(json!({"reason": "Уақытым жоқ"}))
                } else {
                    plan
                }
            }
            "save_review" | "submit_review" => {
                let (_, _, assignment) = self.application(Stage::Saved).await;
                let plan = plan
                    .id("id", &assignment)
                    .keeps(Who::Officer, format!("/assignments/{assignment}"));
                if op == "save_review" {
                    plan.body(review_body(10, 5, "Жақсы жоба"))
                } else {
                    plan
                }
            }
            "reopen_review_assignment" => {
                let (_, _, assignment) = self.application(Stage::Reviewed).await;
                plan.id("id", &assignment)
                    .body(json!({"reason": "Бюджетті қайта қараңыз"}))
                    .keeps(Who::Officer, format!("/assignments/{assignment}"))
            }
            "waitlist_application"
            | "approve_application"
            | "reject_application"
            | "reopen_review" => {
                let (_, id, _) = self.application(Stage::Reviewed).await;
                let plan = plan
                    .id("id", &id)
                    .keeps(Who::Officer, format!("/applications/{id}/history"));
                match op {
                    "approve_application" => plan.body(json!({"awarded_amount": "1000000.00"})),
                    // The reason also covers a score below the fundable minimum.
                    "reject_application" | "reopen_review" | "waitlist_application" => {
                        plan.body(json!({"reason": "Комиссия шешімі"}))
                    }
                    _ => plan,
                }
            }
            "decide_in_bulk" => {
                let (call, id, _) = self.application(Stage::Reviewed).await;
                plan.id("id", &call)
                    .body(json!({"decisions": [
                        {"application_id": id, "decision": "approve", "awarded_amount": "900000.00"}
                    ]}))
                    .keeps(Who::Officer, format!("/applications/{id}/history"))
            }
            "call_ranking" => {
                let (call, _, _) = self.application(Stage::Reviewed).await;
                plan.id("id", &call)
            }
            "application_feedback" => {
                let (_, id, _) = self.application(Stage::Approved).await;
                plan.id("id", &id)
            }
            "retry_outbox_mail" => {
                let id = self.failed_mail().await;
                plan.id("id", &id)
                    .keeps(Who::Admin, "/admin/outbox?status=failed".to_owned())
            }
            other => panic!("the matrix has a row for {other} but no plan for it"),
        }
    }

    /// Calls `method template` as `who` with `plan`'s targets.
    async fn call_op(
        &self,
        method: &Method,
        template: &str,
        who: Who,
        plan: &Plan,
    ) -> grants_tests::Resp {
        let mut path = template.to_owned();
        for (name, value) in &plan.path {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        assert!(!path.contains('{'), "{template}: a path parameter is unset");
        if !plan.query.is_empty() {
            let pairs: Vec<String> = plan.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            path = format!("{path}?{}", pairs.join("&"));
        }
        let mut req = self.app.req(method.clone(), &path);
        if let Some(token) = plan.token.clone().or_else(|| self.token(who)) {
            req = req.token(&token);
        }
        if let Some(body) = &plan.body {
            req = req.json(body);
        }
        for (name, value) in &plan.headers {
            req = req.header(name, value);
        }
        req.send().await
    }

    /// What the plan's watched paths read now.
    async fn snapshot(&self, plan: &Plan) -> Vec<String> {
        let mut seen = Vec::new();
        for (reader, path) in &plan.unchanged {
            let resp = self.must(*reader, Method::GET, path, None, 200).await;
            seen.push(resp.text);
        }
        seen
    }
}

fn is_refusal(status: u16) -> bool {
    matches!(status, 401 | 403 | 404)
}

fn refusal_slug(status: u16) -> &'static str {
    match status {
        401 => "unauthorized",
        403 => "forbidden",
        _ => "not-found",
    }
}

/// Every operation of the served document: (operation id, method, path template).
async fn operations(app: &TestApp) -> Vec<(String, Method, String)> {
    let doc = app.req(Method::GET, "/api/v1/openapi.json").send().await;
    assert_eq!(doc.status, 200, "{}", doc.text);
    let mut found = Vec::new();
    for (path, item) in doc.body["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes())
                .unwrap_or_else(|e| panic!("{method}: {e}"));
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            found.push((id.to_owned(), method, path.clone()));
        }
    }
    found
}

#[tokio::test]
async fn every_operation_answers_each_caller_as_the_table_says() {
    let mut world = World::new().await;
    let operations = operations(&world.app).await;
    let table: BTreeMap<&str, [u16; 7]> = TABLE.iter().copied().collect();
    assert_eq!(table.len(), TABLE.len(), "the table repeats an operation");

    let documented: BTreeSet<&str> = operations.iter().map(|(id, _, _)| id.as_str()).collect();
    let without_row: Vec<&&str> = documented
        .iter()
        .filter(|id| !table.contains_key(**id))
        .collect();
    assert!(
        without_row.is_empty(),
        "operations without a row in the matrix: {without_row:?}"
    );
    let stale: Vec<&&str> = table
        .keys()
        .filter(|id| !documented.contains(**id))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for operations the document lacks: {stale:?}"
    );

    let mut differences = Vec::new();
    let mut cells = 0;
    for (op, method, template) in &operations {
        let expected = table[op.as_str()];
        // The refusals share one set of targets, which must read the same afterwards.
        let refused: Vec<(Who, u16)> = COLUMNS
            .iter()
            .copied()
            .zip(expected)
            .filter(|(_, status)| is_refusal(*status))
            .collect();
        if !refused.is_empty() {
            let plan = world.plan(op, Who::Anonymous).await;
            let before = world.snapshot(&plan).await;
            for (who, status) in refused {
                let resp = world.call_op(method, template, who, &plan).await;
                cells += 1;
                let slug = format!("/problems/{}", refusal_slug(status));
                if resp.status != status || resp.body["type"] != json!(slug) {
                    differences.push(format!(
                        "{op} as {who:?}: expected {status}, got {} {}",
                        resp.status, resp.text
                    ));
                }
            }
            let after = world.snapshot(&plan).await;
            if before != after {
                differences.push(format!(
                    "{op}: a refused call changed its target\nbefore: {before:?}\nafter: {after:?}"
                ));
            }
        }
        for (who, status) in COLUMNS.iter().copied().zip(expected) {
            if is_refusal(status) {
                continue;
            }
            let plan = world.plan(op, who).await;
            let resp = world.call_op(method, template, who, &plan).await;
            cells += 1;
            if resp.status != status {
                differences.push(format!(
                    "{op} as {who:?}: expected {status}, got {} {}",
                    resp.status, resp.text
                ));
            }
        }
    }
    for path in UNDOCUMENTED {
        for who in COLUMNS {
            let mut req = world.app.req(Method::GET, path);
            if let Some(token) = world.token(who) {
                req = req.token(&token);
            }
            let resp = req.send().await;
            cells += 1;
            if resp.status != 200 {
                differences.push(format!("GET {path} as {who:?}: {}", resp.status));
            }
        }
    }
    assert_eq!(
        cells,
        (operations.len() + UNDOCUMENTED.len()) * COLUMNS.len()
    );
    assert!(
        differences.is_empty(),
        "{} of {cells} cells differ from the matrix:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn security_md_shows_the_same_matrix() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../SECURITY.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let documented: BTreeMap<String, Vec<u16>> = text
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | operation | route | seven statuses |
            let statuses: Vec<u16> = cells
                .get(3..10)?
                .iter()
                .filter_map(|c| c.parse().ok())
                .collect();
            (cells.len() == 11 && statuses.len() == 7).then(|| (cells[1].to_owned(), statuses))
        })
        .collect();
    let table: BTreeMap<String, Vec<u16>> = TABLE
        .iter()
        .map(|(op, statuses)| ((*op).to_owned(), statuses.to_vec()))
        .collect();
    assert_eq!(
        documented, table,
        "SECURITY.md's matrix differs from the test's"
    );
}
