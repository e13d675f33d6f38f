//! Typed identifiers meet the database's plain UUID columns here.

use uuid::Uuid;

/// The UUIDs of `ids`, for an `IN` list.
pub(crate) fn uuids<T: Copy + Into<Uuid>>(ids: &[T]) -> Vec<Uuid> {
    ids.iter().map(|&id| id.into()).collect()
}
