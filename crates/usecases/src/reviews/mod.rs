//! Assignments of reviewers to applications, conflicts of interest, and the reviews.

pub mod assign;
pub mod conflicts;
mod stage;
pub mod work;
