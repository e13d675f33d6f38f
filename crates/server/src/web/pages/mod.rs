//! The portal's pages, by who uses them.

pub mod account;
pub mod applicant;
pub mod application;
pub mod editor;
pub mod members;
pub mod office;
pub mod profile;
pub mod public;
pub mod reviewer;
pub mod shared;
