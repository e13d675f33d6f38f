//! Two servers on one database, as behind a load balancer: what one does to a login takes
//! effect on the other's very next request, reads that check the login inside their own
//! statement included.

use grants_tests::{PASSWORD, call_body, complete_content, spawn_app, valid_bin};
use serde_json::json;

#[tokio::test]
async fn a_logout_on_one_replica_ends_the_login_on_the_other_at_once() {
    let first = spawn_app().await;
    let admin = first.admin("admin@grants.kz").await;
    let officer = first.staff(&admin, "officer@grants.kz", "officer").await;
    let call = first.published_call(&officer, &call_body()).await;
    let token = first.applicant("ngo@mail.kz").await;
    let org = first.organization(&token, &valid_bin(1)).await;
    let draft = first.draft(&token, &call, &org, &complete_content()).await;
    let path = format!("/applications/{}", draft.str("id"));
    let other_login = first.login("ngo@mail.kz", PASSWORD).await;
    let other = other_login.str("access_token").to_owned();

    let second = first.replica().await;
    let read = second.get(&path).token(&token).send().await;
    assert_eq!(read.status, 200, "{}", read.text);
    let logout = first
        .post("/auth/logout")
        .token(&token)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(logout.status, 204, "{}", logout.text);
    second
        .get(&path)
        .token(&token)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    second
        .get("/me")
        .token(&token)
        .send()
        .await
        .assert_problem(401, "unauthorized");
    // The account's other login goes on, on either server.
    assert_eq!(second.get(&path).token(&other).send().await.status, 200);
    assert_eq!(first.get(&path).token(&other).send().await.status, 200);
}
