//! Keyset pagination parameters shared by list operations.

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u64 = 50;
/// The most items a page may hold.
pub const MAX_LIMIT: u64 = 100;

/// The page size to use for a requested `limit`, clamped to `1..=MAX_LIMIT`.
#[must_use]
pub fn limit(requested: Option<u64>) -> u64 {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}
