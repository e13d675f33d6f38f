//! Account administration: admins create staff accounts and list accounts.

use domain::account::AccountInput;
use domain::role::Role;
use domain::staff::AccountChange;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::ApiTags;
use super::accounts::UserResponse;
use super::body::JsonBody;
use super::codes::{LanguageCode, RoleCode, StaffRoleCode};
use super::keys::{IdempotencyKey, json_answer};
use super::pagination;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A reviewer, officer or admin account.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct CreateUserRequest {
    /// Login and mail address.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Display name.
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// Initial password, at least 10 characters.
    #[oai(validator(max_length = 256))]
    pub password: String,
    /// Preferred language; Russian when absent.
    pub language: Option<LanguageCode>,
    /// The account's role.
    pub role: StaffRoleCode,
}

/// An admin's change to an account; what is left out stays as it is.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateUserRequest {
    /// A new role, for a staff account.
    pub role: Option<StaffRoleCode>,
    /// `true` disables the account, `false` enables it again.
    pub disabled: Option<bool>,
}

/// A page of accounts.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserPage {
    /// The accounts, oldest first.
    pub items: Vec<UserResponse>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_cursor: Option<uuid::Uuid>,
}

#[derive(Debug, ApiResponse)]
enum CreatedUser {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserResponse>),
}

#[derive(Debug, ApiResponse)]
enum UpdatedUser {
    /// The account as changed.
    #[oai(status = 200)]
    Ok(Json<UserResponse>),
}

#[derive(Debug, ApiResponse)]
enum ListedUsers {
    /// One page of accounts.
    #[oai(status = 200)]
    Ok(Json<UserPage>),
}

/// Account administration.
#[derive(Debug)]
pub struct UsersApi;

#[OpenApi(prefix_path = "/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// Create a reviewer, officer or admin account (admins only).
    #[oai(path = "/", method = "post", operation_id = "create_user")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: IdempotencyKey,
        body: JsonBody<CreateUserRequest>,
    ) -> ApiResult<CreatedUser> {
        let body = body.0;
        let input = AccountInput {
            email: &body.email,
            password: &body.password,
            name: &body.name,
            language: body
                .language
                .map(|l| domain::language::Language::from(l).code()),
        };
        let user = usecases::signin::create_staff(
            &state.store,
            &super::accounts::credentials(&state),
            auth.0.acting(),
            input,
            Role::from(body.role),
            state.clock.now(),
            key.remember(|user: &persistence::records::User| {
                json_answer(StatusCode::CREATED, None, &UserResponse::from(user.clone()))
            }),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(CreatedUser::Created(Json(user.into())))
    }

    /// Change an account's role (among reviewer, officer and admin) or disable or enable
    /// it (admins only). A new role or disabling ends every login of the account at once:
    /// its tokens are refused on their next request. The last active admin can be neither
    /// demoted nor disabled (409 `last-admin`).
    #[oai(path = "/:id", method = "patch", operation_id = "update_user")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<uuid::Uuid>,
        body: JsonBody<UpdateUserRequest>,
    ) -> ApiResult<UpdatedUser> {
        let change = AccountChange {
            role: body.0.role.map(Role::from),
            disabled: body.0.disabled,
        };
        let user = usecases::accounts::update_user(
            &state.store,
            auth.0.acting(),
            id.0.into(),
            change,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(UpdatedUser::Ok(Json(user.into())))
    }

    /// List accounts (admins only), optionally of one role.
    #[oai(path = "/", method = "get", operation_id = "list_users")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only accounts with this role.
        role: Query<Option<RoleCode>>,
        /// The `next_cursor` of the previous page.
        after: Query<Option<uuid::Uuid>>,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> ApiResult<ListedUsers> {
        let page = usecases::accounts::list_users(
            &state.store,
            auth.0.acting(),
            role.0.map(Role::from),
            after.0,
            pagination::limit(limit.0),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(ListedUsers::Ok(Json(UserPage {
            items: page.items.into_iter().map(UserResponse::from).collect(),
            next_cursor: page.next,
        })))
    }
}
