//! Persistence of the grant service: one sea-orm implementation for SQLite and PostgreSQL.
//!
//! Each public method of [`Store`] is one use case and runs in one transaction. Entities stay
//! private; callers receive the records in [`records`].

mod accounts;
pub mod applications;
pub mod batch;
pub mod calls;
mod db;
pub mod decisions;
mod entity;
mod error;
#[cfg(feature = "test-support")]
pub mod fixtures;
pub mod forms;
pub mod idempotency;
mod ids;
mod invitations;
mod organizations;
pub mod outbox;
mod paging;
mod passwords;
mod rate_limits;
mod reads;
pub mod records;
mod registrations;
pub mod reviews;
pub mod scores;
#[cfg(feature = "test-support")]
pub mod seed;
pub mod staff;
#[cfg(feature = "test-support")]
pub mod testdb;
mod tokens;
mod tx;

pub use db::Store;
pub use error::{Clash, RepoError};
pub use organizations::RemoveMemberError;
pub use registrations::{PendingRegistration, Registration};
pub use tokens::RotateOutcome;
pub use tx::Tx;
