//! Registration, login, token refresh and logout.

use chrono::Duration;
use domain::account::AccountInput;
use persistence::records::User;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::ApiTags;
use super::body::{JsonBody, OptionalJsonBody};
use super::codes::{LanguageCode, RoleCode};
use super::limits::{self, ClientAddress, Door};
use crate::auth::credentials::ServerCredentials;
use crate::auth::{BearerAuth, refresh};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A new applicant account.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct RegisterRequest {
    /// Login and mail address.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// At least 10 characters, not a well-known or trivial password.
    #[oai(validator(max_length = 256))]
    pub password: String,
    /// Display name.
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// Language of mail and messages; Russian when absent.
    pub language: Option<LanguageCode>,
}

/// An account.
#[derive(Debug, Object)]
pub struct UserResponse {
    /// Identifier.
    pub id: uuid::Uuid,
    /// Login and mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Preferred language.
    pub language: LanguageCode,
    /// The account's roles (currently exactly one).
    pub roles: Vec<RoleCode>,
    /// When the account was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Whether an admin has disabled the account (it cannot log in).
    pub disabled: bool,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.uuid(),
            email: user.email,
            name: user.name,
            language: user.language.into(),
            roles: vec![user.role.into()],
            created_at: user.created_at,
            disabled: user.disabled,
        }
    }
}

/// Credentials.
#[derive(Debug, Object, Deserialize)]
pub struct LoginRequest {
    /// Login address.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Password.
    #[oai(validator(max_length = 256))]
    pub password: String,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Object, Deserialize)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[oai(validator(max_length = 128))]
    pub refresh_token: String,
}

/// A request to reset a forgotten password.
#[derive(Debug, Object, Deserialize)]
pub struct PasswordResetRequest {
    /// The account's address.
    #[oai(validator(max_length = 254))]
    pub email: String,
}

/// The answer to a reset request: the same whether or not the address has an account.
#[derive(Debug, Object)]
pub struct PasswordResetStarted {
    /// The address, normalised.
    pub email: String,
    /// Seconds the mailed code works.
    pub expires_in: i64,
}

/// A new password set with a mailed reset code.
#[derive(Debug, Object, Deserialize)]
pub struct PasswordResetConfirmation {
    /// The code from the mail.
    #[oai(validator(max_length = 128))]
    pub token: String,
    /// The new password: at least 10 characters, not a well-known or trivial one.
    #[oai(validator(max_length = 256))]
    pub password: String,
}

#[derive(Debug, ApiResponse)]
enum ResetStarted {
    /// If the address has an account, a code to reset its password is on its way.
    #[oai(status = 202)]
    Accepted(Json<PasswordResetStarted>),
}

#[derive(Debug, ApiResponse)]
enum PasswordSet {
    /// The password is set, and every login of the account has ended.
    #[oai(status = 204)]
    Done,
}

/// What logging out may name.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct LogoutRequest {
    /// A refresh token of the login being ended; optional, and refused when it belongs to
    /// another login.
    #[oai(validator(max_length = 128))]
    pub refresh_token: Option<String>,
}

/// A token pair.
#[derive(Debug, Object)]
pub struct TokenResponse {
    /// Short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Single-use token for `POST /auth/refresh`.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// A registration, received.
#[derive(Debug, Object)]
pub struct RegistrationAccepted {
    /// The address the confirmation code goes to, as the service writes it.
    pub email: String,
    /// Seconds the code works.
    pub expires_in: i64,
}

/// The code from the confirmation mail.
#[derive(Debug, Object, Deserialize)]
pub struct VerifyEmailRequest {
    /// The confirmation code, exactly as mailed.
    #[oai(validator(max_length = 128))]
    pub token: String,
    /// The password chosen when registering. Needed only when the address was registered
    /// more than once before it was confirmed (the mail says so): it picks the
    /// registration to confirm, and the others are dropped.
    #[oai(validator(max_length = 256))]
    pub password: Option<String>,
}

/// The address and the number from the confirmation mail.
#[derive(Debug, Object, Deserialize)]
pub struct VerifyEmailNumberRequest {
    /// The address registered.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// The eight digits mailed beside the link (spaces and dashes are ignored).
    #[oai(validator(max_length = 32))]
    pub number: String,
    /// As for `POST /auth/verify-email`: needed only when the address was registered more
    /// than once.
    #[oai(validator(max_length = 256))]
    pub password: Option<String>,
}

#[derive(Debug, ApiResponse)]
enum RegisterResponse {
    /// Received. A confirmation code goes to the address by mail; the account can log in
    /// once it is confirmed with `POST /auth/verify-email`. The answer is the same whether
    /// or not the address already has an account (its holder is told by mail instead).
    #[oai(status = 202)]
    Accepted(Json<RegistrationAccepted>),
}

#[derive(Debug, ApiResponse)]
enum VerifyEmailResponse {
    /// The address is confirmed; the account can log in.
    #[oai(status = 200)]
    Confirmed(Json<UserResponse>),
}

#[derive(Debug, ApiResponse)]
enum TokensResponse {
    /// New tokens.
    #[oai(status = 200)]
    Ok(Json<TokenResponse>),
}

#[derive(Debug, ApiResponse)]
enum LogoutResponse {
    /// The login has ended: its refresh and access tokens no longer work.
    #[oai(status = 204)]
    Done,
}

/// Registration, login and tokens.
#[derive(Debug)]
pub struct AuthApi;

#[OpenApi(prefix_path = "/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Register as an applicant.
    ///
    /// Anyone may register. The account logs in once its address is confirmed with the
    /// code mailed to it; it can then create or join an organisation. Registering an
    /// unconfirmed address again replaces the earlier details and code. The answer does not
    /// tell whether the address already has an account.
    #[oai(path = "/register", method = "post", operation_id = "register")]
    async fn register(
        &self,
        state: Data<&AppState>,
        client: ClientAddress,
        body: JsonBody<RegisterRequest>,
    ) -> ApiResult<RegisterResponse> {
        limits::admit_address(&state, Door::Register, &client, &body.0.email).await?;
        let body = body.0;
        let input = AccountInput {
            email: &body.email,
            password: &body.password,
            name: &body.name,
            language: body
                .language
                .map(|l| domain::language::Language::from(l).code()),
        };
        let email = usecases::signin::register(
            &state.store,
            &credentials(&state),
            input,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(RegisterResponse::Accepted(Json(RegistrationAccepted {
            email,
            expires_in: domain::account::VERIFICATION_TTL_HOURS * 3600,
        })))
    }

    /// Confirm a registered address with the code mailed to it.
    ///
    /// A code works once, for three days, and only while it is the address's latest. When
    /// the address was registered more than once, confirming also takes the password
    /// chosen, and confirms the registration it belongs to (422 on `password` without one
    /// or when none matches).
    #[oai(path = "/verify-email", method = "post", operation_id = "verify_email")]
    async fn verify_email(
        &self,
        state: Data<&AppState>,
        client: ClientAddress,
        body: JsonBody<VerifyEmailRequest>,
    ) -> ApiResult<VerifyEmailResponse> {
        limits::admit(&state, Door::Confirm, &client, None).await?;
        let user = usecases::signin::confirm_address(
            &state.store,
            &credentials(&state),
            &body.0.token,
            body.0.password,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(VerifyEmailResponse::Confirmed(Json(user.into())))
    }

    /// Confirm a registered address with the eight-digit number mailed beside the code.
    ///
    /// For typing on a phone: the address and the number. A wrong number counts against
    /// the address's current code; the fifth replaces the code and mails a new one (422
    /// with `number_renewed` on `number`). Otherwise as `POST /auth/verify-email`.
    #[oai(
        path = "/verify-email/number",
        method = "post",
        operation_id = "verify_email_number"
    )]
    async fn verify_email_number(
        &self,
        state: Data<&AppState>,
        client: ClientAddress,
        body: JsonBody<VerifyEmailNumberRequest>,
    ) -> ApiResult<VerifyEmailResponse> {
        limits::admit(&state, Door::Confirm, &client, None).await?;
        let body = body.0;
        let user = usecases::signin::confirm_by_number(
            &state.store,
            &credentials(&state),
            &body.email,
            &body.number,
            body.password,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(VerifyEmailResponse::Confirmed(Json(user.into())))
    }

    /// Log in with e-mail and password.
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        client: ClientAddress,
        body: JsonBody<LoginRequest>,
    ) -> ApiResult<TokensResponse> {
        let body = body.0;
        // An address that cannot exist is looked up no further, but costs the same time.
        let email = domain::email::Email::parse(&body.email).ok();
        let account = email.as_ref().map(domain::email::Email::as_str);
        limits::admit_login(&state, &client, account).await?;
        let user = match usecases::signin::authenticate(
            &state.store,
            &credentials(&state),
            email.as_ref(),
            body.password,
        )
        .await
        {
            Ok(user) => user,
            Err(usecases::Error::WrongCredentials) => {
                limits::count_login_failure(&state, &client, account).await?;
                return Err(ApiError::from(usecases::Error::WrongCredentials).into());
            }
            Err(err) => return Err(ApiError::from(err).into()),
        };
        let tokens = issue_tokens(&state, &user).await?;
        Ok(TokensResponse::Ok(Json(tokens)))
    }

    /// Exchange a refresh token for a new token pair.
    ///
    /// Each refresh token works once. Presenting a spent token again revokes every token
    /// descended from the same login.
    #[oai(path = "/refresh", method = "post", operation_id = "refresh")]
    async fn refresh(
        &self,
        state: Data<&AppState>,
        body: JsonBody<RefreshRequest>,
    ) -> ApiResult<TokensResponse> {
        let now = state.clock.now();
        let new_token = refresh::generate()?;
        let (user, session) = usecases::signin::renew_login(
            &state.store,
            &refresh::digest(&body.0.refresh_token),
            refresh::digest(&new_token),
            now + Duration::days(state.settings.refresh_token_ttl_days),
            now,
        )
        .await
        .map_err(ApiError::from)?;
        let access_token = state
            .jwt
            .issue(user.id.uuid(), user.role, Some(session), now)?;
        Ok(TokensResponse::Ok(Json(TokenResponse {
            access_token,
            refresh_token: new_token,
            token_type: "Bearer".to_owned(),
            expires_in: state.jwt.ttl_secs(),
        })))
    }

    /// Ask for a password reset. The answer is 202 whether or not the address has an
    /// account; a confirmed, enabled account's holder is mailed a code that works once, for
    /// six hours. A new request replaces the code of an earlier one.
    #[oai(
        path = "/password-reset",
        method = "post",
        operation_id = "request_password_reset"
    )]
    async fn request_password_reset(
        &self,
        state: Data<&AppState>,
        client: ClientAddress,
        body: JsonBody<PasswordResetRequest>,
    ) -> ApiResult<ResetStarted> {
        let email = limits::admit_address(&state, Door::Reset, &client, &body.0.email)
            .await?
            .ok_or_else(|| {
                ApiError::from(domain::ValidationErrors::single(
                    "email",
                    "invalid_email",
                    "is not an e-mail address",
                ))
            })?;
        usecases::signin::start_reset(
            &state.store,
            &credentials(&state),
            &email,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(ResetStarted::Accepted(Json(PasswordResetStarted {
            email: email.as_str().to_owned(),
            expires_in: domain::account::RESET_TTL_HOURS * 3600,
        })))
    }

    /// Set a new password with the code from a reset mail. Every login of the account
    /// ends. A code that is wrong, used, replaced by a newer request or expired is refused
    /// alike (422 `invalid-reset-token`).
    #[oai(
        path = "/password-reset/confirm",
        method = "post",
        operation_id = "confirm_password_reset"
    )]
    async fn confirm_password_reset(
        &self,
        state: Data<&AppState>,
        client: ClientAddress,
        body: JsonBody<PasswordResetConfirmation>,
    ) -> ApiResult<PasswordSet> {
        limits::admit(&state, Door::ResetConfirm, &client, None).await?;
        let body = body.0;
        usecases::signin::finish_reset(
            &state.store,
            &credentials(&state),
            &body.token,
            body.password,
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(PasswordSet::Done)
    }

    /// Log out: end the login the access token belongs to, with every refresh token of it.
    /// The login's access tokens stop working at once; the account's other logins go on.
    /// A refresh token in the body must be of the same login (422 otherwise, nothing
    /// revoked).
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: OptionalJsonBody<LogoutRequest>,
    ) -> ApiResult<LogoutResponse> {
        let presented = body
            .0
            .and_then(|b| b.refresh_token)
            .map(|token| refresh::digest(&token));
        usecases::signin::end_login(
            &state.store,
            auth.0.acting(),
            auth.0.session,
            presented.as_deref(),
            state.clock.now(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(LogoutResponse::Done)
    }
}

/// The server's credentials for the sign-in use cases.
#[must_use]
pub fn credentials(state: &AppState) -> ServerCredentials<'_> {
    ServerCredentials {
        confirmations: &state.confirmations,
    }
}

async fn issue_tokens(state: &AppState, user: &User) -> Result<TokenResponse, ApiError> {
    let now = state.clock.now();
    let refresh_token = refresh::generate()?;
    let session = usecases::signin::start_login(
        &state.store,
        user,
        refresh::digest(&refresh_token),
        now + Duration::days(state.settings.refresh_token_ttl_days),
        now,
    )
    .await?;
    let access_token = state
        .jwt
        .issue(user.id.uuid(), user.role, Some(session), now)?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.jwt.ttl_secs(),
    })
}
