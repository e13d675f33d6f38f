//! The signed-in account.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::ApiTags;
use super::accounts::{UserResponse, new_password_allowed};
use super::body::JsonBody;
use super::codes::LanguageCode;
use super::limits::{self, ClientAddress};
use crate::auth::{BearerAuth, password};
use crate::error::{ApiError, ApiResult, ProblemField};
use crate::state::AppState;

/// Changes to one's own profile; absent fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ProfilePatch {
    /// New display name.
    #[oai(validator(max_length = 200))]
    pub name: Option<String>,
    /// New preferred language.
    pub language: Option<LanguageCode>,
}

/// A signed-in change of one's password.
#[derive(Debug, Object, Deserialize)]
pub struct PasswordChange {
    /// The password now.
    #[oai(validator(max_length = 256))]
    pub current_password: String,
    /// The new password: at least 10 characters, not a well-known or trivial one.
    #[oai(validator(max_length = 256))]
    pub new_password: String,
}

#[derive(Debug, ApiResponse)]
enum PasswordChanged {
    /// The password is changed; every other login of the account has ended.
    #[oai(status = 204)]
    Done,
}

#[derive(Debug, ApiResponse)]
enum MeResponse {
    /// The signed-in account.
    #[oai(status = 200)]
    Ok(Json<UserResponse>),
}

/// The signed-in account.
#[derive(Debug)]
pub struct MeApi;

#[OpenApi(prefix_path = "/me", tag = "ApiTags::Me")]
impl MeApi {
    /// The signed-in account.
    #[oai(path = "/", method = "get", operation_id = "get_me")]
    async fn get(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<MeResponse> {
        let user = usecases::accounts::me(&state.store, auth.0.acting())
            .await
            .map_err(ApiError::from)?;
        Ok(MeResponse::Ok(Json(user.into())))
    }

    /// Change one's password, giving the current one. Every other login of the account
    /// ends; this one goes on. Wrong current passwords count as failed logins from the
    /// client's address.
    #[oai(
        path = "/password",
        method = "post",
        operation_id = "change_my_password"
    )]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        client: ClientAddress,
        body: JsonBody<PasswordChange>,
    ) -> ApiResult<PasswordChanged> {
        let body = body.0;
        let user = state.store.get_user(auth.0.id).await?;
        limits::admit_login(&state, &client, Some(&user.email)).await?;
        let stored = state.store.password_hash(user.id).await?;
        if !password::verify(body.current_password, stored).await? {
            limits::count_login_failure(&state, &client, Some(&user.email)).await?;
            return Err(ApiError::Unprocessable {
                slug: "wrong-password",
                detail: "the current password is wrong".to_owned(),
                fields: vec![ProblemField {
                    field: "current_password".to_owned(),
                    code: "wrong_password".to_owned(),
                    message: "is not the account's password".to_owned(),
                }],
            }
            .into());
        }
        new_password_allowed(&body.new_password, &user.email, "new_password")?;
        let hash = password::hash(body.new_password).await?;
        state
            .store
            .change_password(user.id, &hash, auth.0.session, state.clock.now())
            .await?;
        Ok(PasswordChanged::Done)
    }

    /// Change one's name or preferred language.
    #[oai(path = "/", method = "patch", operation_id = "update_me")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<ProfilePatch>,
    ) -> ApiResult<MeResponse> {
        let body = body.0;
        let language = body
            .language
            .map(|l| domain::language::Language::from(l).code());
        let user = usecases::accounts::update_me(
            &state.store,
            auth.0.acting(),
            body.name.as_deref(),
            language,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(MeResponse::Ok(Json(user.into())))
    }
}
