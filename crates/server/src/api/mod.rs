//! The REST API under `/api/v1`: one `#[OpenApi]` impl per resource, combined into one
//! document.

pub mod accounts;
pub mod applications;
pub mod body;
pub mod calls;
pub mod codes;
pub mod decisions;
pub mod document;
pub mod limits;
pub mod me;
pub mod organizations;
pub mod outbox;
pub mod pagination;
pub mod preconditions;
pub mod refusals;
pub mod reviews;
pub mod scoring;
pub mod spreadsheet;
pub mod users;

use poem_openapi::{OpenApiService, Tags};

/// Groups of operations in the document.
#[derive(Debug, Tags)]
pub enum ApiTags {
    /// Registration, login and tokens.
    Auth,
    /// The signed-in account.
    Me,
    /// Account administration.
    Users,
    /// NGOs and their members.
    Organizations,
    /// Grant calls.
    Calls,
    /// Applications and their lifecycle.
    Applications,
    /// Reviewer pools, conflicts, assignments and reviews.
    Reviews,
    /// Ranking, decisions and feedback.
    Decisions,
    /// The mail outbox.
    Mail,
}

/// Every resource of the API.
pub type Api = (
    accounts::AuthApi,
    me::MeApi,
    users::UsersApi,
    organizations::OrganizationsApi,
    calls::CallsApi,
    applications::ApplicationsApi,
    reviews::ReviewsApi,
    decisions::DecisionsApi,
    outbox::OutboxApi,
);

/// The path prefix of the API.
pub const PREFIX: &str = "/api/v1";

/// The API service with its document.
#[must_use]
pub fn service() -> OpenApiService<Api, ()> {
    OpenApiService::new(
        (
            accounts::AuthApi,
            me::MeApi,
            users::UsersApi,
            organizations::OrganizationsApi,
            calls::CallsApi,
            applications::ApplicationsApi,
            reviews::ReviewsApi,
            decisions::DecisionsApi,
            outbox::OutboxApi,
        ),
        "Grants for rural NGOs",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Grant calls, applications, expert review and decisions for rural NGOs in Kazakhstan. \
         Errors are RFC 9457 problem documents (application/problem+json).",
    )
    .url_prefix(PREFIX)
}

/// The API document as YAML, exactly as committed in `openapi/openapi.yaml`.
#[must_use]
pub fn document_yaml() -> String {
    document::yaml()
}
