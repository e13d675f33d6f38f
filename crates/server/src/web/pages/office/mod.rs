//! The operator's pages under `/office`: an officer's calls (create, edit the rubric and
//! the text in each language, publish, close), a call's applications with filters and
//! their screening, the reviewer pool and automatic assignment, the ranking with its
//! funding line, its CSV and the decisions; an admin's staff accounts and outbox. The same
//! use cases as the API's: each page asks them, and they refuse whoever may not.

pub mod admin;
pub mod applications;
pub mod call_form;
pub mod calls;
mod gate;
pub mod pool;
pub mod ranking;
