//! Accounts and their credentials: registering and confirming an address,
//! authenticating, changing and resetting a password, and admins creating staff accounts.
//!
//! Password hashing, random nonces and the keyed codes mailed to people belong to the
//! server; the use cases reach them through [`Credentials`]. What the server hands out
//! once someone is authenticated (access and refresh tokens) is its own business.

mod credentials;
mod password;
mod register;
mod sessions;

pub use crate::error::CodeKind;
pub use credentials::Credentials;

pub use password::{Change, authenticate, change_password, finish_reset, start_reset};
pub use register::{confirm_address, confirm_by_number, create_confirmed, create_staff, register};
pub use sessions::{end_login, renew_login, resume_login, start_login};
