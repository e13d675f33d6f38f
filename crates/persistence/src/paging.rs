//! Keyset pages: rows ordered by id, one more fetched than shown to learn whether a next
//! page exists.

use uuid::Uuid;

use crate::error::RepoError;
use crate::records::Page;

/// Turns `rows` (fetched with `limit + 1`) into a page of at most `limit` decoded items,
/// with the cursor of the next page when there is one.
pub(crate) fn keyset<M, T>(
    mut rows: Vec<M>,
    limit: u64,
    id: impl Fn(&M) -> Uuid,
    decode: impl Fn(M) -> Result<T, RepoError>,
) -> Result<Page<T>, RepoError> {
    let next = if rows.len() as u64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last().map(id)
    } else {
        None
    };
    let items = rows.into_iter().map(decode).collect::<Result<_, _>>()?;
    Ok(Page { items, next })
}
