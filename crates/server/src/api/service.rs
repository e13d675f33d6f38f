//! The API's operations combined into one service with its document.

use poem_openapi::OpenApiService;

use super::{
    accounts, applications, calls, decisions, invitations, me, organizations, outbox, reviews,
    users,
};

/// Every resource of the API.
pub type Api = (
    accounts::AuthApi,
    me::MeApi,
    users::UsersApi,
    organizations::OrganizationsApi,
    invitations::InvitationsApi,
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
            invitations::InvitationsApi,
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
