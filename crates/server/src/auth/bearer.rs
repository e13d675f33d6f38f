//! The bearer security scheme: who is calling, from a verified access token.

use domain::role::Role;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The account.
    pub id: Uuid,
    /// The account's role.
    pub role: Role,
    /// The login (refresh-token family) the access token belongs to.
    pub session: Option<Uuid>,
}

impl Caller {
    /// The account the use cases act for.
    #[must_use]
    pub fn acting(self) -> usecases::Caller {
        usecases::Caller {
            id: self.id.into(),
            role: self.role,
        }
    }

    /// Succeeds when the caller has `role`.
    ///
    /// # Errors
    /// [`ApiError::Forbidden`] otherwise.
    pub fn require(&self, role: Role, why: &'static str) -> Result<(), ApiError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(why))
        }
    }
}

/// A JWT access token from `POST /auth/login` or `POST /auth/refresh`.
#[derive(Debug, SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check")]
pub struct BearerAuth(pub Caller);

async fn check(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let caller = check_token(req, bearer).await?;
    let state = state(req)?;
    // A token of a login that was logged out (or cut off by a reused refresh token) ends
    // with it, not minutes later.
    if let Some(session) = caller.session
        && !state
            .store
            .session_open(session)
            .await
            .map_err(ApiError::from)?
    {
        return Err(ApiError::Unauthorized("the session has ended; sign in again").into());
    }
    Ok(caller)
}

fn state(req: &Request) -> Result<&AppState, ApiError> {
    req.data::<AppState>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

/// The caller named by a valid access token, before its login is checked.
async fn check_token(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let state = state(req)?;
    let claims = state.jwt.verify(&bearer.token, state.clock.now())?;
    let role = claims
        .role
        .parse::<Role>()
        .map_err(|_| ApiError::Unauthorized("the access token is invalid"))?;
    Ok(Caller {
        id: claims.sub,
        role,
        session: claims.sid,
    })
}

/// The same bearer token as [`BearerAuth`], for a read that checks the token's login in
/// its own statement (one round trip instead of two). Its handler must pass
/// [`Caller::session`] to a use case that does so; every other operation takes
/// [`BearerAuth`].
#[derive(Debug, SecurityScheme)]
#[oai(
    rename = "BearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_token"
)]
pub struct BearerSessionInRead(pub Caller);

/// A bearer token when one is sent; public operations answer anonymous callers too.
#[derive(Debug, SecurityScheme)]
pub enum MaybeAuth {
    /// A signed-in caller.
    Bearer(BearerAuth),
    /// No (valid) token.
    #[oai(fallback)]
    Anonymous,
}

impl MaybeAuth {
    /// The caller, when signed in.
    #[must_use]
    pub fn caller(&self) -> Option<Caller> {
        match self {
            Self::Bearer(auth) => Some(auth.0),
            Self::Anonymous => None,
        }
    }
}
