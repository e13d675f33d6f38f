//! Authentication: password hashing, access tokens, refresh tokens and the bearer scheme.

pub mod bearer;
pub mod jwt;
pub mod password;
pub mod refresh;
pub mod secret_file;

pub use bearer::{BearerAuth, Caller, MaybeAuth};
pub use jwt::JwtKeys;
