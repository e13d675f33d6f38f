//! Pure rules of the grant service.
//!
//! Nothing in this crate performs I/O, reads a clock or a random source, or is async:
//! the current instant, identifiers and the acting user are passed in by the caller.

pub mod account;
pub mod application;
pub mod assignment;
pub mod bin;
pub mod calendar;
pub mod call;
mod codes;
pub mod command;
pub mod effect;
pub mod email;
pub mod event;
pub mod feedback;
#[cfg(test)]
mod fixtures;
pub mod ids;
pub mod invitation;
pub mod language;
pub mod money;
pub mod notification;
pub mod organization;
pub mod owed;
pub mod password;
pub mod ranking;
pub mod recusal;
pub mod region;
pub mod review;
pub mod role;
pub mod scoring;
pub mod staff;
pub mod status;
pub mod text;
pub mod transition;
pub mod validation;

pub use validation::{FieldError, ValidationErrors};
