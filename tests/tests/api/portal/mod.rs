//! The web portal over HTTP, as a browser without scripts uses it: pages, forms with their
//! tokens, cookies and redirects.

mod accounts;
mod applicant;
mod application;
mod browser;
mod calls;
mod confirm_number;
mod editor;
mod matrix;
mod members;
mod office;
mod profile;
mod reviewer;
mod sessions;
