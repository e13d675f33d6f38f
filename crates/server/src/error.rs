//! Every failure as an RFC 9457 `application/problem+json` response.
//!
//! Handlers return [`ApiError`]; one exhaustive mapping turns it into a [`Problem`] with a
//! stable `type`. Server errors are logged with their cause chain and never described to
//! the client.

use domain::ValidationErrors;
use persistence::{Clash, RepoError};
use poem::error::ResponseError;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One failing field of a request.
#[derive(Debug, Clone, Object)]
pub struct ProblemField {
    /// Path of the field in the request, e.g. `budget_lines[2].unit_cost`; empty for the
    /// body as a whole.
    pub field: String,
    /// Stable code, e.g. `required`, `too_long`, `invalid_check_digit`.
    pub code: String,
    /// Explanation for a person.
    pub message: String,
}

/// An RFC 9457 problem detail.
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// Stable URI reference naming the kind of problem.
    #[oai(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation of this occurrence.
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// The failing fields, for validation problems.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<ProblemField>>,
}

/// A failure a handler reports.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body or a parameter is malformed: not JSON, wrong types, missing fields.
    #[error("malformed request")]
    Malformed {
        /// What is wrong.
        detail: String,
        /// The failing fields, when known.
        fields: Vec<ProblemField>,
    },
    /// Well-formed input that breaks a rule.
    #[error("validation failed")]
    Validation(ValidationErrors),
    /// No valid credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// Authenticated, but not allowed to do this.
    #[error("forbidden")]
    Forbidden(&'static str),
    /// Does not exist, or the caller may not know it exists.
    #[error("not found")]
    NotFound,
    /// The request clashes with the current state.
    #[error("conflict: {slug}")]
    Conflict {
        /// Stable name of the clash, used in the problem type.
        slug: &'static str,
        /// Explanation.
        detail: String,
    },
    /// Well-formed input that a business rule refuses, with a stable slug.
    #[error("unprocessable: {slug}")]
    Unprocessable {
        /// Stable name of the rule, used in the problem type.
        slug: &'static str,
        /// Explanation.
        detail: String,
        /// The fields or reasons involved.
        fields: Vec<ProblemField>,
    },
    /// The resource changed since the version the client holds.
    #[error("precondition failed")]
    PreconditionFailed,
    /// An update came without `If-Match`.
    #[error("precondition required")]
    PreconditionRequired,
    /// The body is larger than the server accepts.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body's media type is not accepted.
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// Too many attempts from one address or at one account; retry after this many
    /// seconds.
    #[error("too many requests")]
    TooManyRequests(i64),
    /// The database cannot be reached right now.
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug or an unexpected failure; logged, never described.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// An internal error from any cause.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    /// The same error with `prefix: ` before the detail of a conflict or a refused rule,
    /// e.g. to name the item of a batch it is about.
    #[must_use]
    pub fn with_detail_prefix(self, prefix: &str) -> Self {
        match self {
            Self::Conflict { slug, detail } => Self::Conflict {
                slug,
                detail: format!("{prefix}: {detail}"),
            },
            Self::Unprocessable {
                slug,
                detail,
                fields,
            } => Self::Unprocessable {
                slug,
                detail: format!("{prefix}: {detail}"),
                fields,
            },
            unchanged @ (Self::Malformed { .. }
            | Self::Validation(_)
            | Self::Unauthorized(_)
            | Self::Forbidden(_)
            | Self::NotFound
            | Self::PreconditionFailed
            | Self::PreconditionRequired
            | Self::PayloadTooLarge
            | Self::UnsupportedMediaType(_)
            | Self::TooManyRequests(_)
            | Self::Unavailable(_)
            | Self::Internal(_)) => unchanged,
        }
    }

    /// A malformed request with one failing field.
    #[must_use]
    pub fn malformed_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Malformed {
            detail: message.clone(),
            fields: vec![ProblemField {
                field: field.into(),
                code: "malformed".to_owned(),
                message,
            }],
        }
    }

    /// The status and problem body for this error, logging server errors.
    #[must_use]
    pub fn to_problem(&self) -> Problem {
        let (status, slug, title, detail, errors) = match self {
            Self::Malformed { detail, fields } => (
                StatusCode::BAD_REQUEST,
                "malformed-request",
                "The request is malformed",
                Some(detail.clone()),
                (!fields.is_empty()).then(|| fields.clone()),
            ),
            Self::Validation(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-error",
                "The request has invalid fields",
                Some(errors.to_string()),
                Some(
                    errors
                        .errors()
                        .iter()
                        .map(|e| ProblemField {
                            field: e.field.clone(),
                            code: e.code.to_owned(),
                            message: e.message.clone(),
                        })
                        .collect(),
                ),
            ),
            Self::Unauthorized(why) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication is required",
                Some((*why).to_owned()),
                None,
            ),
            Self::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "You may not do this",
                Some((*why).to_owned()),
                None,
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                "The resource does not exist",
                None,
                None,
            ),
            Self::Conflict { slug, detail } => (
                StatusCode::CONFLICT,
                *slug,
                "The request conflicts with the current state",
                Some(detail.clone()),
                None,
            ),
            Self::Unprocessable {
                slug,
                detail,
                fields,
            } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                *slug,
                "The request breaks a rule",
                Some(detail.clone()),
                (!fields.is_empty()).then(|| fields.clone()),
            ),
            Self::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "This update needs If-Match",
                Some("send If-Match with the ETag of the version you edited".to_owned()),
                None,
            ),
            Self::PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "The resource has changed",
                Some("reload it and apply the change again".to_owned()),
                None,
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The request body is too large",
                Some(format!(
                    "send at most {} bytes",
                    crate::bounds::MAX_BODY_BYTES
                )),
                None,
            ),
            Self::UnsupportedMediaType(detail) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body's media type is not supported",
                Some(detail.clone()),
                None,
            ),
            Self::TooManyRequests(secs) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many attempts",
                Some(format!("try again in {secs} seconds")),
                None,
            ),
            Self::Unavailable(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "service unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The service is temporarily unavailable",
                    Some("try again shortly".to_owned()),
                    None,
                )
            }
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal server error",
                    None,
                    None,
                )
            }
        };
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::NotFound => Self::NotFound,
            // A guarded write lost a race with another request; the client named no version
            // (those that do are answered 412 by `IfMatch::lost_race`).
            RepoError::Conflict(clash) => clash_problem(clash),
            RepoError::Unavailable(db) => Self::Unavailable(db.into()),
            err @ (RepoError::Corrupt { .. } | RepoError::Unexpected(_)) => Self::internal(err),
        }
    }
}

/// The problem for a write that clashed, by what it clashed with.
fn clash_problem(clash: Clash) -> ApiError {
    let taken = |slug: &'static str| ApiError::Conflict {
        slug,
        detail: format!("the {clash} is already taken"),
    };
    match clash {
        // A guarded write lost a race with another request; the client named no version
        // (those that do are answered 412 by `IfMatch::lost_race`).
        Clash::Version | Clash::Status => ApiError::Conflict {
            slug: "concurrent-update",
            detail: "the resource changed while this request was answered; read it again and \
                     retry"
                .to_owned(),
        },
        Clash::Email => taken("email-taken"),
        Clash::Bin => ApiError::Conflict {
            slug: "bin-taken",
            detail: "another verified organisation has this BIN; one of the two claims is \
                     wrong"
                .to_owned(),
        },
        Clash::Verified => ApiError::Conflict {
            slug: "already-verified",
            detail: "the organisation is verified already".to_owned(),
        },
        Clash::Member => taken("already-member"),
        Clash::IdempotencyKey => taken("idempotency-key-in-use"),
        Clash::PoolMember => taken("already-in-pool"),
        Clash::DeclaredConflict => taken("conflict-already-declared"),
        Clash::Assignment => taken("already-assigned"),
        Clash::RefreshToken => taken("conflict"),
        Clash::SeveralRegistrations => ApiError::Conflict {
            slug: "several-registrations",
            detail: "several registrations of this address are pending; its holder confirms \
                     with the mailed code and their password"
                .to_owned(),
        },
    }
}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.to_problem_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn as_response(&self) -> poem::Response {
        let mut response = problem_response(&self.to_problem());
        if let Self::TooManyRequests(secs) = self
            && let Ok(value) = poem::http::HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }
}

impl ApiError {
    fn to_problem_status(&self) -> u16 {
        match self {
            Self::Malformed { .. } => 400,
            Self::Validation(_) => 422,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound => 404,
            Self::Conflict { .. } => 409,
            Self::Unprocessable { .. } => 422,
            Self::PreconditionRequired => 428,
            Self::PreconditionFailed => 412,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::TooManyRequests(_) => 429,
            Self::Unavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }
}

/// A problem as a plain poem response, for errors outside the API (unknown routes, 405).
#[must_use]
pub fn problem_response(problem: &Problem) -> poem::Response {
    let body = poem_openapi::types::ToJSON::to_json_string(problem);
    let mut response = poem::Response::builder()
        .status(StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .content_type(PROBLEM_JSON)
        .body(body);
    if problem.status == 401 {
        response.headers_mut().insert(
            "www-authenticate",
            poem::http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// The error responses every operation may give.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "from_framework_error")]
pub enum ErrorResponse {
    /// Malformed request: not JSON, wrong types or missing fields.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// Missing, expired or invalid credentials.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>, #[oai(header = "WWW-Authenticate")] String),
    /// The caller may not do this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such resource, or not visible to the caller.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The resource changed since the given version.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// The request body is too large.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body's media type is not supported.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed input that breaks a rule; `errors` names the fields.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// The update needs `If-Match`.
    #[oai(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Json<Problem>),
    /// Too many attempts (logging in, registering); retry after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] String),
    /// A server error; nothing internal is described.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is unreachable; retry later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl From<ApiError> for ErrorResponse {
    fn from(err: ApiError) -> Self {
        let retry_after = if let ApiError::TooManyRequests(secs) = &err {
            secs.to_string()
        } else {
            String::new()
        };
        let problem = err.to_problem();
        match problem.status {
            400 => Self::BadRequest(Json(problem)),
            401 => Self::Unauthorized(Json(problem), "Bearer".to_owned()),
            403 => Self::Forbidden(Json(problem)),
            404 => Self::NotFound(Json(problem)),
            409 => Self::Conflict(Json(problem)),
            412 => Self::PreconditionFailed(Json(problem)),
            413 => Self::PayloadTooLarge(Json(problem)),
            415 => Self::UnsupportedMediaType(Json(problem)),
            422 => Self::Unprocessable(Json(problem)),
            428 => Self::PreconditionRequired(Json(problem)),
            429 => Self::TooManyRequests(Json(problem), retry_after),
            503 => Self::Unavailable(Json(problem)),
            _ => Self::Internal(Json(problem)),
        }
    }
}

/// Turns the framework's own extraction failures (bad JSON, bad parameters, missing
/// credentials) into problems.
fn from_framework_error(err: poem::Error) -> ErrorResponse {
    ErrorResponse::from(api_error_from_poem(err))
}

/// Classifies any poem error as an [`ApiError`].
#[must_use]
pub fn api_error_from_poem(err: poem::Error) -> ApiError {
    let status = err.status();
    let message = err.to_string();
    match err.downcast::<ApiError>() {
        Ok(api) => api,
        Err(err) => match status {
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized("a valid bearer token is required"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(message),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::NOT_FOUND => ApiError::NotFound,
            s if s.is_client_error() => {
                let field = err
                    .downcast_ref::<poem_openapi::error::ParseParamError>()
                    .map(|p| p.name.to_owned())
                    .or_else(|| {
                        err.downcast_ref::<poem_openapi::error::ParsePathError>()
                            .map(|p| p.name.to_owned())
                    });
                match field {
                    Some(field) => ApiError::malformed_field(field, message),
                    None => ApiError::Malformed {
                        detail: message,
                        fields: Vec::new(),
                    },
                }
            }
            _ => ApiError::internal(anyhow::anyhow!(message)),
        },
    }
}

/// The result type of every operation.
pub type ApiResult<T> = Result<T, ErrorResponse>;

impl From<RepoError> for ErrorResponse {
    fn from(err: RepoError) -> Self {
        ApiError::from(err).into()
    }
}
