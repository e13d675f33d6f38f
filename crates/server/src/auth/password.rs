//! Argon2id password hashing, run off the async runtime with bounded memory and CPU.
//!
//! Each hash needs a 19 MiB work area (the default parameters: m = 19456 KiB, t = 2, p = 1).
//! Left to the allocator, a burst of logins leaves hundreds of those areas mapped: glibc
//! raises its mmap threshold after the first one is freed and keeps the later ones in its
//! arenas. So at most one hash per CPU runs at a time (more would only queue for a core),
//! and each runs in a work area kept for the next one while a burst lasts: the memory spent
//! on passwords is one area per CPU at most, and none once the last hash of a burst is
//! done (the allocator then hands the areas back to the system).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Bytes of salt in a new hash.
const SALT_LEN: usize = 16;

/// The permits, the idle work areas, and how many hashes are waiting or running.
#[derive(Debug)]
struct Workshop {
    permits: Semaphore,
    areas: Mutex<Vec<Vec<Block>>>,
    busy: AtomicUsize,
}

fn workshop() -> &'static Workshop {
    static WORKSHOP: OnceLock<Workshop> = OnceLock::new();
    WORKSHOP
        .get_or_init(|| Workshop::new(std::thread::available_parallelism().map_or(1, usize::from)))
}

impl Workshop {
    fn new(permits: usize) -> Self {
        Self {
            permits: Semaphore::new(permits),
            areas: Mutex::new(Vec::new()),
            busy: AtomicUsize::new(0),
        }
    }

    fn take(&self) -> Vec<Block> {
        self.areas
            .lock()
            .map(|mut areas| areas.pop().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Keeps `area` for the next hash while others wait or run; the last of a burst lets
    /// every area go.
    fn give(&self, area: Vec<Block>) {
        let others = self.busy.fetch_sub(1, Ordering::SeqCst).saturating_sub(1);
        if let Ok(mut areas) = self.areas.lock() {
            if others > 0 {
                areas.push(area);
            } else {
                areas.clear();
            }
        }
    }

    /// Runs `job` on a blocking thread with a work area of at least `blocks` blocks, once a
    /// permit is free.
    async fn run<T, F>(&'static self, blocks: usize, job: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut [Block]) -> T + Send + 'static,
    {
        self.busy.fetch_add(1, Ordering::SeqCst);
        let worked = self.work(blocks, job).await;
        match worked {
            Ok((area, result)) => {
                self.give(area);
                Ok(result)
            }
            Err(err) => {
                self.give(Vec::new());
                Err(err)
            }
        }
    }

    async fn work<T, F>(&'static self, blocks: usize, job: F) -> Result<(Vec<Block>, T), ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut [Block]) -> T + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let mut area = self.take();
        tokio::task::spawn_blocking(move || {
            if area.len() < blocks {
                area.resize(blocks, Block::default());
            }
            let result = job(&mut area[..blocks]);
            (area, result)
        })
        .await
        .map_err(ApiError::internal)
    }
}

/// Runs `job` in a work area of the process's workshop.
async fn with_area<T, F>(blocks: usize, job: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut [Block]) -> T + Send + 'static,
{
    workshop().run(blocks, job).await
}

/// Hashes `password` with Argon2id and a random salt into a PHC string.
///
/// # Errors
/// [`ApiError::Internal`] when the system has no randomness, hashing fails or the blocking
/// pool is gone.
pub async fn hash(password: String) -> Result<String, ApiError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("no randomness for a salt: {e}")))?;
    let params = Params::default();
    with_area(params.block_count(), move |area| {
        let failed = |e: &dyn std::fmt::Display| {
            ApiError::internal(anyhow::anyhow!("argon2 hashing failed: {e}"))
        };
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, area)
            .map_err(|e| failed(&e))?;
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
            salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
            hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
        };
        Ok(phc.to_string())
    })
    .await?
}

/// What a stored PHC string asks for, when it is a well-formed Argon2 hash.
struct Stored {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt,
    expected: Output,
}

fn parse(hash: &str) -> Option<Stored> {
    let parsed = PasswordHash::new(hash).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).ok()?;
    Some(Stored {
        algorithm,
        version,
        params,
        salt: parsed.salt?,
        expected: parsed.hash?,
    })
}

/// Whether `password` matches the PHC string `hash`. A malformed stored hash never matches.
///
/// # Errors
/// [`ApiError::Internal`] when the blocking pool is gone.
pub async fn verify(password: String, hash: String) -> Result<bool, ApiError> {
    let Some(stored) = parse(&hash) else {
        return Ok(false);
    };
    with_area(stored.params.block_count(), move |area| {
        let mut out = vec![0u8; stored.expected.len()];
        Argon2::new(stored.algorithm, stored.version, stored.params)
            .hash_password_into_with_memory(password.as_bytes(), &stored.salt, &mut out, area)
            .is_ok()
            // `Output` compares in constant time.
            && Output::new(&out).is_ok_and(|computed| computed == stored.expected)
    })
    .await
}

/// A valid hash of a random password, verified against when an unknown e-mail logs in so
/// that the response takes as long as for a known one.
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            let random = uuid::Uuid::new_v4().to_string();
            hash(random).await.unwrap_or_default()
        })
        .await
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hashed = hash("көктем-ауыл-2026".to_owned())
            .await
            .unwrap_or_default();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            verify("көктем-ауыл-2026".to_owned(), hashed.clone())
                .await
                .ok(),
            Some(true)
        );
        assert_eq!(
            verify("көктем-ауыл-2027".to_owned(), hashed).await.ok(),
            Some(false)
        );
        assert_eq!(
            verify("x".to_owned(), "not a hash".to_owned()).await.ok(),
            Some(false)
        );
    }

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crate_both_ways() {
        let theirs = Argon2::default()
            .hash_password(b"aul-2026")
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert_eq!(verify("aul-2026".to_owned(), theirs).await.ok(), Some(true));
        let ours = hash("aul-2026".to_owned()).await.unwrap_or_default();
        let accepted = Argon2::default().verify_password(b"aul-2026", ours.as_str());
        assert!(accepted.is_ok(), "{ours}");
        let refused = Argon2::default().verify_password(b"aul-2027", ours.as_str());
        assert!(refused.is_err());
        // Other parameters and Argon2 variants stored earlier still verify.
        let params = Params::new(8192, 3, 1, None).unwrap_or_default();
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, params)
            .hash_password(b"aul-2026")
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(argon2i.starts_with("$argon2i$"));
        assert_eq!(
            verify("aul-2026".to_owned(), argon2i).await.ok(),
            Some(true)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_reuses_at_most_one_work_area_per_permit_and_lets_them_go_after() {
        let workshop: &'static Workshop = Box::leak(Box::new(Workshop::new(2)));
        let allocated = std::sync::Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..12 {
            let allocated = std::sync::Arc::clone(&allocated);
            tasks.spawn(workshop.run(64, move |area: &mut [Block]| {
                // A fresh area is all zeroes; a reused one carries the last job's mark.
                if area[0].as_ref()[0] != 7 {
                    allocated.fetch_add(1, Ordering::SeqCst);
                }
                area[0].as_mut()[0] = 7;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }));
        }
        while let Some(done) = tasks.join_next().await {
            assert!(matches!(done, Ok(Ok(()))));
        }
        let made = allocated.load(Ordering::SeqCst);
        assert!((1..=2).contains(&made), "{made} areas made for 2 permits");
        let idle = workshop.areas.lock().map(|a| a.len()).unwrap_or(usize::MAX);
        assert_eq!(idle, 0, "areas kept after the burst");
        assert_eq!(workshop.busy.load(Ordering::SeqCst), 0);
    }
}
