//! Applications and their audit history. A status changes only through
//! [`crate::Store::record_transition`], which writes the new status and its audit event in one
//! transaction, guarded by the version the caller decided on.

mod listing;
mod read;
mod rows;
mod seen;
mod types;
mod write;

pub use listing::{ApplicationBrief, Cursor, Listed, Position, SortKey};
pub(crate) use read::{application, applications_where, awarded_total};
pub(crate) use rows::{decode, decode_event};
pub use seen::{Reader, Right, Seen};
pub use types::*;
pub(crate) use write::{apply_event, event_row, write_status};
