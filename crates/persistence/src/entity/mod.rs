//! sea-orm entities. They never leave this crate: repositories map them to records.

pub mod application;
pub mod application_event;
pub mod call;
pub mod idempotency_key;
pub mod organization;
pub mod organization_member;
pub mod refresh_token;
pub mod user;
