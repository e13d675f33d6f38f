//! Pure rules of the grant service.
//!
//! Nothing in this crate performs I/O, reads a clock or a random source, or is async:
//! the current instant, identifiers and the acting user are passed in by the caller.

pub mod account;
pub mod application;
pub mod bin;
pub mod call;
mod codes;
pub mod email;
#[cfg(test)]
mod fixtures;
pub mod language;
pub mod money;
pub mod organization;
pub mod password;
pub mod region;
pub mod role;
pub mod status;
pub mod text;
pub mod transition;
pub mod validation;

pub use validation::{FieldError, ValidationErrors};
