//! Which version of a resource a change was made against.

/// The version a change names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// This version: the change is refused as stale if the resource has another.
    Version(i32),
    /// Whatever version it has now.
    Any,
}

impl Expected {
    /// Whether `current` is acceptable.
    #[must_use]
    pub fn admits(self, current: i32) -> bool {
        match self {
            Self::Version(version) => version == current,
            Self::Any => true,
        }
    }
}
