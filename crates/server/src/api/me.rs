//! The signed-in account.

use domain::account::ProfileChange;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::ApiTags;
use super::accounts::UserResponse;
use super::body::JsonBody;
use super::codes::LanguageCode;
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
        let user = state
            .store
            .get_user(auth.0.id)
            .await
            .map_err(ApiError::from)?;
        Ok(MeResponse::Ok(Json(user.into())))
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
        let change =
            ProfileChange::parse(body.name.as_deref(), language).map_err(ApiError::from)?;
        let user = state
            .store
            .update_profile(auth.0.id, change, state.clock.now())
            .await
            .map_err(ApiError::from)?;
        Ok(MeResponse::Ok(Json(user.into())))
    }
}
