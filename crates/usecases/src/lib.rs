//! The use cases of the grant service, which the HTTP API and the web portal both call.
//!
//! Each public function is one use case. In one transaction it checks who may do it,
//! takes the locks its rules need, reads everything it decides on, lets the domain decide,
//! and writes the outcome with its audit event and the mail it owes. Callers parse their
//! input, call one use case and present its answer or its [`Error`]; no rule lives in them.

pub mod access;
pub mod accounts;
pub mod applications;
pub mod calls;
mod context;
pub mod error;
pub mod expected;
pub mod invitations;
pub mod keys;
pub mod organizations;
pub mod pool;
pub mod ranking;
pub mod reviews;
pub mod scores;
pub mod signin;
pub mod transitions;

pub use access::{Access, Caller, Staff};
pub use error::{Conflict, Error};
pub use expected::Expected;
pub use keys::Remember;
