//! sea-orm entities. They never leave this crate: repositories map them to records.

pub mod organization;
pub mod organization_member;
pub mod refresh_token;
pub mod user;
