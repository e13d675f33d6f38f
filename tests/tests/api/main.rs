//! End-to-end tests: each starts a real server with its own database and talks HTTP to it.

mod accounts;
mod admin;
mod applications;
mod calls;
mod connections;
mod faults;
mod mail;
mod matrix;
mod operations;
mod organizations;
mod paging;
mod portal;
mod replicas;
mod reviews;
mod submissions;
mod tokens;
