//! sea-orm entities. They never leave this crate: repositories map them to records.

pub mod application;
pub mod application_event;
pub mod assignment;
pub mod call;
pub mod call_reviewer;
pub mod conflict;
pub mod form_token;
pub mod idempotency_key;
pub mod invitation;
pub mod organization;
pub mod organization_member;
pub mod outbox;
pub mod parked_form;
pub mod rate_limit;
pub mod refresh_token;
pub mod registration;
pub mod user;
