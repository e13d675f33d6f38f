//! Authentication: password hashing, access tokens, refresh tokens, address confirmation
//! and the bearer scheme.

pub mod bearer;
pub mod confirm;
pub mod credentials;
pub mod jwt;
pub mod password;
pub mod refresh;
pub mod secret_file;

pub use bearer::{BearerAuth, BearerSessionInRead, Caller, MaybeAuth};
pub use confirm::Confirmations;
pub use jwt::JwtKeys;
