//! What every request handler shares.

use std::sync::Arc;

use persistence::Store;

use crate::auth::confirm::Confirmations;
use crate::auth::jwt::JwtKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::web::Portal;

/// Shared, cheaply cloned state of a running server.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// Keys of the links that confirm registered addresses.
    pub confirmations: Confirmations,
    /// The current instant.
    pub clock: Arc<dyn Clock>,
    /// Request metrics.
    pub metrics: Arc<Metrics>,
    /// The settings the server started with.
    pub settings: Arc<Settings>,
    /// The API document and its Swagger UI page, naming this server's public URL; cloned
    /// per request without copying.
    pub document: (bytes::Bytes, bytes::Bytes),
    /// The web portal's templates, words, form keys and static files.
    pub portal: Arc<Portal>,
}
