//! Applications: starting a draft, editing it, and reading applications as each caller
//! may see them.

mod create;
mod edit;
mod read;

pub use create::{applying_for, create};
pub use edit::edit;
pub use read::{Listing, access, history, list, one};
