//! Limits shared by the HTTP layers, kept apart from the wiring so that low-level modules
//! need not import it.

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
