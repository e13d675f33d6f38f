//! The signed-in account.

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::ApiTags;
use super::accounts::UserResponse;
use super::body::JsonBody;
use super::codes::LanguageCode;
use super::invitations::{InvitationResponse, invitation_response};
use super::keys::{IdempotencyKey, empty_answer};
use super::limits::{self, ClientAddress};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
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
enum MyInvitations {
    /// The invitations addressed to the caller that wait for an answer, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<InvitationResponse>>),
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
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        client: ClientAddress,
        body: JsonBody<PasswordChange>,
    ) -> ApiResult<PasswordChanged> {
        let body = body.0;
        let user = usecases::accounts::me(&state.store, auth.0.acting())
            .await
            .map_err(ApiError::from)?;
        limits::admit_login(&state, &client, Some(&user.email)).await?;
        let changed = usecases::signin::change_password(
            &state.store,
            &super::accounts::credentials(&state),
            auth.0.acting(),
            auth.0.session,
            usecases::signin::Change {
                current: body.current_password,
                new: body.new_password,
            },
            state.clock.now(),
            key.remember(|(): &()| empty_answer(StatusCode::NO_CONTENT)),
        )
        .await;
        match changed {
            Ok(()) => Ok(PasswordChanged::Done),
            Err(usecases::Error::WrongPassword) => {
                limits::count_login_failure(&state, &client, Some(&user.email)).await?;
                Err(ApiError::from(usecases::Error::WrongPassword).into())
            }
            Err(err) => Err(ApiError::from(err).into()),
        }
    }

    /// The invitations to join an organisation that wait for the caller's answer (those
    /// addressed to the caller's address; staff accounts have none).
    #[oai(
        path = "/invitations",
        method = "get",
        operation_id = "list_my_invitations"
    )]
    async fn invitations(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<MyInvitations> {
        let now = state.clock.now();
        let open = usecases::invitations::mine(&state.store, auth.0.acting(), now)
            .await
            .map_err(ApiError::from)?;
        Ok(MyInvitations::Ok(Json(
            open.into_iter()
                .map(|invitation| invitation_response(invitation, now))
                .collect(),
        )))
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
