//! The REST API under `/api/v1`: one `#[OpenApi]` impl per resource, combined into one
//! document.

pub mod accounts;
pub mod applications;
pub mod body;
pub mod call_text;
pub mod calls;
pub mod codes;
pub mod decisions;
pub mod direct;
pub mod document;
mod examples;
pub mod invitations;
pub mod keys;
pub mod limits;
pub mod me;
pub mod organizations;
pub mod outbox;
pub mod pagination;
pub mod preconditions;
pub mod refusals;
pub mod reviews;
pub mod service;
pub mod spreadsheet;
pub mod users;

use poem_openapi::Tags;

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
