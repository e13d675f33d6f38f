//! The JWT secret of the embedded set-up: generated once and kept in the data directory,
//! so tokens survive a restart.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::config::Secret;

const FILE_NAME: &str = "jwt_secret";

/// Reads the secret from `data_dir`, creating it (readable by the owner only) when absent.
///
/// # Errors
/// When the directory or file cannot be read or written, or the random source fails.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Secret> {
    let path = data_dir.join(FILE_NAME);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let secret = text.trim();
        anyhow::ensure!(
            secret.len() >= 32,
            "{} holds a secret shorter than 32 characters",
            path.display()
        );
        return Ok(Secret::new(secret));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let mut bytes = [0u8; 48];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random source failed: {e}"))?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(secret.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(Secret::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_created_once_and_then_reused() {
        let dir = std::env::temp_dir().join(format!("grants-secret-{}", uuid::Uuid::new_v4()));
        let first = load_or_create(&dir)
            .map(|s| s.expose().to_owned())
            .unwrap_or_default();
        let second = load_or_create(&dir)
            .map(|s| s.expose().to_owned())
            .unwrap_or_default();
        assert!(first.len() >= 32);
        assert_eq!(first, second);
        std::fs::remove_dir_all(dir).ok();
    }
}
