//! `ETag` and `If-Match`: the version a client read, and the version it edits.

use persistence::{Clash, RepoError};
use usecases::Expected;

use crate::error::ApiError;

/// The `ETag` of a resource at `version`.
#[must_use]
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// What a write's `If-Match` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    /// No header: the write applies to whatever is current.
    Absent,
    /// `*` (RFC 9110): any current version will do.
    Any,
    /// The version the client read: `"3"`, `W/"3"` or `3`.
    Version(i32),
}

impl IfMatch {
    /// Reads the header.
    ///
    /// # Errors
    /// [`ApiError::Malformed`] when the header is neither `*` nor one of our ETags.
    pub fn parse(if_match: Option<&str>) -> Result<Self, ApiError> {
        let Some(raw) = if_match.map(str::trim) else {
            return Ok(Self::Absent);
        };
        if raw == "*" {
            return Ok(Self::Any);
        }
        let bare = raw.trim_start_matches("W/").trim_matches('"');
        bare.parse::<i32>().map(Self::Version).map_err(|_| {
            ApiError::malformed_field("If-Match", "must be an ETag this API gave out, e.g. \"3\"")
        })
    }

    /// Reads a header the operation requires.
    ///
    /// # Errors
    /// [`ApiError::PreconditionRequired`] without the header; [`ApiError::Malformed`] for a
    /// header that is neither `*` nor one of our ETags.
    pub fn required(if_match: Option<&str>) -> Result<Self, ApiError> {
        match Self::parse(if_match)? {
            Self::Absent => Err(ApiError::PreconditionRequired),
            present @ (Self::Any | Self::Version(_)) => Ok(present),
        }
    }

    /// The version to write over, given the `current` one.
    ///
    /// # Errors
    /// [`ApiError::PreconditionFailed`] when the client named another version.
    pub fn check(self, current: i32) -> Result<i32, ApiError> {
        match self {
            Self::Version(held) if held != current => Err(ApiError::PreconditionFailed),
            Self::Absent | Self::Any | Self::Version(_) => Ok(current),
        }
    }

    /// The version a use case is to check: a named one, or whatever is current.
    #[must_use]
    pub fn expected(self) -> Expected {
        match self {
            Self::Version(version) => Expected::Version(version),
            Self::Any | Self::Absent => Expected::Any,
        }
    }

    /// The answer when the guarded write found the version changed after it was checked:
    /// the client's version is stale (412) when it named one; otherwise another request
    /// changed the resource meanwhile (409, like any concurrent change).
    #[must_use]
    pub fn lost_race(self, err: RepoError) -> ApiError {
        match (self, err) {
            (Self::Version(_), RepoError::Conflict(Clash::Version)) => ApiError::PreconditionFailed,
            (Self::Absent | Self::Any | Self::Version(_), err) => ApiError::from(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip_in_their_forms() {
        assert_eq!(
            IfMatch::parse(Some(&etag(3))).ok(),
            Some(IfMatch::Version(3))
        );
        assert_eq!(
            IfMatch::parse(Some("W/\"4\"")).ok(),
            Some(IfMatch::Version(4))
        );
        assert_eq!(IfMatch::parse(Some("5")).ok(), Some(IfMatch::Version(5)));
        assert_eq!(IfMatch::parse(Some(" * ")).ok(), Some(IfMatch::Any));
        assert_eq!(IfMatch::parse(None).ok(), Some(IfMatch::Absent));
        assert!(IfMatch::parse(Some("banana")).is_err());
        assert!(matches!(
            IfMatch::required(None),
            Err(ApiError::PreconditionRequired)
        ));
        assert_eq!(IfMatch::required(Some("*")).ok(), Some(IfMatch::Any));
    }

    #[test]
    fn only_a_named_version_can_be_stale() {
        assert_eq!(IfMatch::Any.check(7).ok(), Some(7));
        assert_eq!(IfMatch::Absent.check(7).ok(), Some(7));
        assert_eq!(IfMatch::Version(7).check(7).ok(), Some(7));
        assert!(matches!(
            IfMatch::Version(6).check(7),
            Err(ApiError::PreconditionFailed)
        ));
        let race = || RepoError::Conflict(Clash::Version);
        assert!(matches!(
            IfMatch::Version(7).lost_race(race()),
            ApiError::PreconditionFailed
        ));
        for unnamed in [IfMatch::Any, IfMatch::Absent] {
            assert!(matches!(
                unnamed.lost_race(race()),
                ApiError::Conflict {
                    slug: "concurrent-update",
                    ..
                }
            ));
        }
    }
}
