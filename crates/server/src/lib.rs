//! The grant service's HTTP API, authentication, configuration and command line.

pub mod api;
pub mod app;
pub mod auth;
pub mod bounds;
pub mod cli;
pub mod client_ip;
pub mod clock;
pub mod conditional;
pub mod config;
pub mod connections;
pub mod error;
pub mod idempotency;
pub mod mail;
pub mod metrics;
pub mod observe;
pub mod probe;
pub mod problem_language;
pub mod state;
pub mod web;
