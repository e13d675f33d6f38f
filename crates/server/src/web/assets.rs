//! The portal's static files: one style sheet and one small script, compiled into the binary
//! and served under names that carry a hash of their content, so browsers keep them for a
//! year and later pages cost only their HTML.

use sha2::{Digest, Sha256};

const CSS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/web/portal.css"
));
const JS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/web/portal.js"
));

/// One static file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Its path, with the content hash in the name.
    pub path: String,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: bytes::Bytes,
}

impl Asset {
    fn new(stem: &str, extension: &str, content_type: &'static str, text: &'static str) -> Self {
        let hash = Sha256::digest(text.as_bytes());
        let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
        Self {
            path: format!("/static/{stem}.{short}.{extension}"),
            content_type,
            body: bytes::Bytes::from_static(text.as_bytes()),
        }
    }
}

/// The portal's static files.
#[derive(Debug, Clone)]
pub struct Assets {
    /// The style sheet.
    pub css: Asset,
    /// The script.
    pub js: Asset,
}

impl Assets {
    /// The embedded files, named by their content.
    #[must_use]
    pub fn embedded() -> Self {
        Self {
            css: Asset::new("portal", "css", "text/css; charset=utf-8", CSS),
            js: Asset::new("portal", "js", "text/javascript; charset=utf-8", JS),
        }
    }

    /// The file served at `path`, if any.
    #[must_use]
    pub fn at(&self, path: &str) -> Option<&Asset> {
        [&self.css, &self.js]
            .into_iter()
            .find(|asset| asset.path == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let assets = Assets::embedded();
        assert!(assets.css.path.starts_with("/static/portal."));
        assert!(assets.css.path.ends_with(".css"));
        assert_eq!(assets.css.path.len(), "/static/portal.".len() + 12 + 4);
        assert!(assets.at(&assets.js.path).is_some());
        assert!(assets.at("/static/portal.css").is_none());
    }
}
