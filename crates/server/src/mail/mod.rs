//! Outgoing mail: templates per kind and language, the facts they receive, the transports,
//! and the worker that drains the outbox.

pub mod backoff;
pub mod compose;
pub mod format;
pub mod templates;
pub mod transport;
pub mod worker;

pub use worker::{Mailer, Worker, WorkerConfig, WorkerHandle};
