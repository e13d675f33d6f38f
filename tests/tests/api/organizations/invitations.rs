//! Nobody becomes a member of an organisation without consent: an owner invites an
//! address, the answer says nothing about whether it has an account, and only its holder
//! joins, by accepting within seven days.

use chrono::Duration;
use grants_tests::{Resp, TestApp, spawn_app, valid_bin};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    owner: String,
    org: String,
}

/// Logs in again after the clock moved past the access tokens' lifetime.
async fn fresh(w: &mut World, email: &str) -> String {
    w.owner = w.app.token_for("owner@ngo.kz").await;
    w.app.token_for(email).await
}

async fn world() -> World {
    let app = spawn_app().await;
    let owner = app.applicant("owner@ngo.kz").await;
    let org = app.organization(&owner, &valid_bin(1)).await;
    World { app, owner, org }
}

impl World {
    async fn invite(&self, email: &str, role: &str) -> Resp {
        self.app
            .post(&format!("/organizations/{}/members", self.org))
            .token(&self.owner)
            .json(&json!({"email": email, "role": role}))
            .send()
            .await
    }

    async fn answer(&self, token: &str, invitation: &str, verb: &str) -> Resp {
        self.app
            .post(&format!("/invitations/{invitation}/{verb}"))
            .token(token)
            .send()
            .await
    }

    async fn member_emails(&self) -> Vec<String> {
        let members = self
            .app
            .get(&format!("/organizations/{}/members", self.org))
            .token(&self.owner)
            .send()
            .await;
        let mut emails = emails(&members.body, "email");
        emails.sort();
        emails
    }

    async fn waiting_for(&self, token: &str) -> Vec<String> {
        let mine = self.app.get("/me/invitations").token(token).send().await;
        assert_eq!(mine.status, 200, "{}", mine.text);
        emails(&mine.body, "id")
    }
}

fn emails(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The parts of an invitation's answer that may differ between two addresses.
fn shape(invited: &Resp) -> Value {
    let mut body = invited.body.clone();
    for field in ["id", "email", "invited_at", "expires_at"] {
        body[field] = json!(null);
    }
    json!({"status": invited.status, "body": body})
}

#[tokio::test]
async fn inviting_answers_alike_whether_or_not_the_address_has_an_account() {
    let w = world().await;
    w.app.applicant("dana@mail.kz").await;
    let admin = w.app.admin("admin@grants.kz").await;
    w.app.staff(&admin, "officer@grants.kz", "officer").await;
    let registered = w.invite("dana@mail.kz", "member").await;
    let unknown = w.invite("nobody@mail.kz", "member").await;
    let staff = w.invite("officer@grants.kz", "member").await;
    assert_eq!(registered.status, 202, "{}", registered.text);
    assert_eq!(registered.body["status"], json!("pending"));
    assert_eq!(
        registered.body["organization_name"],
        json!("«Ақ ниет» қоғамдық бірлестігі")
    );
    assert_eq!(shape(&registered), shape(&unknown));
    assert_eq!(shape(&registered), shape(&staff));
    // Nobody joined by being invited.
    assert_eq!(w.member_emails().await, vec!["owner@ngo.kz"]);
    w.invite("x", "member")
        .await
        .assert_problem(422, "validation-error");
    w.invite("owner@ngo.kz", "member")
        .await
        .assert_problem(409, "already-member");
}

#[tokio::test]
async fn only_the_invitee_joins_by_accepting_and_only_once() {
    let w = world().await;
    let dana = w.app.applicant("dana@mail.kz").await;
    let stranger = w.app.applicant("stranger@mail.kz").await;
    let invited = w.invite("Dana@mail.kz", "owner").await;
    let id = invited.str("id").to_owned();
    assert_eq!(invited.body["email"], json!("dana@mail.kz"));
    assert_eq!(w.waiting_for(&dana).await, vec![id.clone()]);
    assert_eq!(w.waiting_for(&stranger).await, Vec::<String>::new());

    // An invitation that does not exist, or a malformed id, is refused alike for anyone.
    w.answer(&dana, &uuid::Uuid::now_v7().to_string(), "accept")
        .await
        .assert_problem(404, "not-found");
    w.answer(&dana, "not-an-id", "accept")
        .await
        .assert_problem(400, "malformed-request");
    // Someone else, even the owner who sent it, cannot answer it.
    for token in [&stranger, &w.owner] {
        w.answer(token, &id, "accept")
            .await
            .assert_problem(404, "not-found");
        w.answer(token, &id, "decline")
            .await
            .assert_problem(404, "not-found");
    }
    let accepted = w.answer(&dana, &id, "accept").await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.body["status"], json!("accepted"));
    assert!(accepted.body["answered_at"].is_string());
    assert_eq!(
        w.member_emails().await,
        vec!["dana@mail.kz", "owner@ngo.kz"]
    );
    let read = w
        .app
        .get(&format!("/organizations/{}", w.org))
        .token(&dana)
        .send()
        .await;
    assert_eq!(read.body["my_role"], json!("owner"));
    w.answer(&dana, &id, "accept")
        .await
        .assert_problem(409, "invitation-settled");
    w.answer(&dana, &id, "decline")
        .await
        .assert_problem(409, "invitation-settled");
    assert_eq!(w.waiting_for(&dana).await, Vec::<String>::new());
    let listed = w
        .app
        .get(&format!("/organizations/{}/invitations", w.org))
        .token(&dana)
        .send()
        .await;
    assert_eq!(listed.body[0]["status"], json!("accepted"));
}

#[tokio::test]
async fn a_declined_invitation_makes_nobody_a_member() {
    let w = world().await;
    let dana = w.app.applicant("dana@mail.kz").await;
    let id = w
        .invite("dana@mail.kz", "member")
        .await
        .str("id")
        .to_owned();
    let declined = w.answer(&dana, &id, "decline").await;
    assert_eq!(declined.status, 200, "{}", declined.text);
    assert_eq!(declined.body["status"], json!("declined"));
    w.answer(&dana, &id, "accept")
        .await
        .assert_problem(409, "invitation-settled");
    assert_eq!(w.member_emails().await, vec!["owner@ngo.kz"]);
    // Asked again, they may still join.
    let again = w
        .invite("dana@mail.kz", "member")
        .await
        .str("id")
        .to_owned();
    assert_ne!(again, id);
    assert_eq!(w.answer(&dana, &again, "accept").await.status, 200);
}

#[tokio::test]
async fn an_invitation_expires_after_seven_days_and_inviting_again_renews_it() {
    let mut w = world().await;
    w.app.applicant("dana@mail.kz").await;
    let first = w.invite("dana@mail.kz", "member").await;
    let id = first.str("id").to_owned();
    w.app.clock.advance(Duration::days(7));
    let dana = fresh(&mut w, "dana@mail.kz").await;
    assert_eq!(w.waiting_for(&dana).await, Vec::<String>::new());
    w.answer(&dana, &id, "accept")
        .await
        .assert_problem(409, "invitation-expired");
    let listed = w
        .app
        .get(&format!("/organizations/{}/invitations", w.org))
        .token(&w.owner)
        .send()
        .await;
    assert_eq!(listed.body[0]["status"], json!("expired"));
    // Inviting the address again renews the same invitation, with the new role.
    let renewed = w.invite("dana@mail.kz", "owner").await;
    assert_eq!(renewed.str("id"), id);
    assert_eq!(
        (renewed.body["status"].clone(), renewed.body["role"].clone()),
        (json!("pending"), json!("owner"))
    );
    assert_ne!(renewed.body["expires_at"], first.body["expires_at"]);
    assert_eq!(w.answer(&dana, &id, "accept").await.status, 200);
    assert_eq!(
        w.member_emails().await,
        vec!["dana@mail.kz", "owner@ngo.kz"]
    );
}

#[tokio::test]
async fn an_invitation_waits_for_someone_who_registers_later() {
    let w = world().await;
    let id = w
        .invite("later@mail.kz", "member")
        .await
        .str("id")
        .to_owned();
    let later = w.app.applicant("later@mail.kz").await;
    assert_eq!(w.waiting_for(&later).await, vec![id.clone()]);
    assert_eq!(w.answer(&later, &id, "accept").await.status, 200);
    assert_eq!(
        w.member_emails().await,
        vec!["later@mail.kz", "owner@ngo.kz"]
    );
}

#[tokio::test]
async fn owners_withdraw_invitations_and_members_only_read_them() {
    let w = world().await;
    let dana = w.app.applicant("dana@mail.kz").await;
    let outsider = w.app.applicant("outsider@mail.kz").await;
    w.app.registered("member@mail.kz").await;
    let member_id = w
        .app
        .member(&w.owner, &w.org, "member@mail.kz", "member")
        .await;
    assert!(!member_id.is_empty());
    let member = w.app.token_for("member@mail.kz").await;
    let id = w
        .invite("dana@mail.kz", "member")
        .await
        .str("id")
        .to_owned();
    let path = format!("/organizations/{}/invitations", w.org);
    let read = w.app.get(&path).token(&member).send().await;
    assert_eq!(read.status, 200, "{}", read.text);
    w.app
        .get(&path)
        .token(&outsider)
        .send()
        .await
        .assert_problem(404, "not-found");
    w.app
        .post(&format!("/organizations/{}/members", w.org))
        .token(&member)
        .json(&json!({"email": "friend@mail.kz"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    w.app
        .delete(&format!("{path}/{id}"))
        .token(&member)
        .send()
        .await
        .assert_problem(403, "forbidden");
    // An invitation of another organisation is not this one's to withdraw.
    let other = w.app.organization(&outsider, &valid_bin(2)).await;
    w.app
        .delete(&format!("/organizations/{other}/invitations/{id}"))
        .token(&outsider)
        .send()
        .await
        .assert_problem(404, "not-found");

    let revoked = w
        .app
        .delete(&format!("{path}/{id}"))
        .token(&w.owner)
        .send()
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    w.app
        .delete(&format!("{path}/{id}"))
        .token(&w.owner)
        .send()
        .await
        .assert_problem(409, "invitation-settled");
    w.answer(&dana, &id, "accept")
        .await
        .assert_problem(409, "invitation-settled");
    assert_eq!(w.waiting_for(&dana).await, Vec::<String>::new());
    assert_eq!(
        w.member_emails().await,
        vec!["member@mail.kz", "owner@ngo.kz"]
    );
}

#[tokio::test]
async fn staff_accounts_never_join_an_organisation() {
    let w = world().await;
    let admin = w.app.admin("admin@grants.kz").await;
    let officer = w.app.staff(&admin, "officer@grants.kz", "officer").await;
    let id = w
        .invite("officer@grants.kz", "member")
        .await
        .str("id")
        .to_owned();
    assert_eq!(w.waiting_for(&officer).await, Vec::<String>::new());
    w.answer(&officer, &id, "accept")
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(w.member_emails().await, vec!["owner@ngo.kz"]);
}

#[tokio::test]
async fn an_acceptance_raced_against_a_withdrawal_ends_one_way() {
    let w = world().await;
    let dana = w.app.applicant("dana@mail.kz").await;
    let id = w
        .invite("dana@mail.kz", "member")
        .await
        .str("id")
        .to_owned();
    let path = format!("/organizations/{}/invitations/{id}", w.org);
    let (accepted, revoked) = tokio::join!(
        w.answer(&dana, &id, "accept"),
        w.app.delete(&path).token(&w.owner).send()
    );
    let joined = w.member_emails().await.contains(&"dana@mail.kz".to_owned());
    match (accepted.status, revoked.status) {
        (200, 409) => assert!(joined, "accepted but not a member"),
        (409, 204) => assert!(!joined, "withdrawn but a member"),
        other => panic!("{other:?}: {} / {}", accepted.text, revoked.text),
    }
}
