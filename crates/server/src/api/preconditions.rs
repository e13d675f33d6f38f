//! `ETag` and `If-Match`: the version a client read, and the version it edits.

use crate::error::ApiError;

/// The `ETag` of a resource at `version`.
#[must_use]
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Reads the version a client holds from `If-Match`: `"3"`, `W/"3"` or `3`; `*` or no
/// header means "whatever is current".
///
/// # Errors
/// [`ApiError::Malformed`] when the header is not one of our ETags.
pub fn optional_version(if_match: Option<&str>) -> Result<Option<i32>, ApiError> {
    let Some(raw) = if_match.map(str::trim) else {
        return Ok(None);
    };
    if raw == "*" {
        return Ok(None);
    }
    let bare = raw.trim_start_matches("W/").trim_matches('"');
    bare.parse::<i32>().map(Some).map_err(|_| {
        ApiError::malformed_field("If-Match", "must be an ETag this API gave out, e.g. \"3\"")
    })
}

/// Like [`optional_version`], but the header is required.
///
/// # Errors
/// [`ApiError::PreconditionRequired`] without the header (or with `*`);
/// [`ApiError::Malformed`] for a header that is not one of our ETags.
pub fn required_version(if_match: Option<&str>) -> Result<i32, ApiError> {
    optional_version(if_match)?.ok_or(ApiError::PreconditionRequired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip_in_their_forms() {
        assert_eq!(optional_version(Some(&etag(3))).ok(), Some(Some(3)));
        assert_eq!(optional_version(Some("W/\"4\"")).ok(), Some(Some(4)));
        assert_eq!(optional_version(Some("5")).ok(), Some(Some(5)));
        assert_eq!(optional_version(None).ok(), Some(None));
        assert!(optional_version(Some("banana")).is_err());
        assert!(matches!(
            required_version(None),
            Err(ApiError::PreconditionRequired)
        ));
    }
}
