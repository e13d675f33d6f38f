//! Assignments of reviewers to applications, conflicts of interest, and the reviews.

pub mod assign;
pub mod conflicts;
pub mod read;
mod recusal;
mod stage;
pub mod work;
