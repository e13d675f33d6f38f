//! Assignments of reviewers to applications, conflicts of interest, and the reviews.

pub mod assign;
pub mod conflicts;
pub mod read;
mod stage;
pub mod work;
