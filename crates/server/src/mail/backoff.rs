//! When a failed mail is tried again: exponential backoff with jitter, up to a limit.

use std::time::Duration;

/// The retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure, before jitter.
    pub base: Duration,
    /// The longest delay.
    pub cap: Duration,
    /// Attempts after which a mail is given up.
    pub max_attempts: u32,
}

impl Backoff {
    /// How long to wait after attempt number `attempts` (from 1) failed, or `None` when no
    /// attempt is left. `unit` is a random number in `[0, 1)`: the delay is drawn from the
    /// upper half of the exponential step, so a burst of failures does not retry in step.
    #[must_use]
    pub fn after(&self, attempts: u32, unit: f64) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exponent = attempts.saturating_sub(1).min(30);
        let step = self.base.saturating_mul(1_u32 << exponent).min(self.cap);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Some(step.mul_f64(0.5 + 0.5 * unit))
    }
}

/// A random number in `[0, 1)` from the operating system, or 0.5 if it has none to give.
#[must_use]
pub fn random_unit() -> f64 {
    let mut bytes = [0_u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    // 53 random bits make every double in [0, 1) with that spacing equally likely.
    let bits = u64::from_le_bytes(bytes) >> 11;
    #[allow(clippy::cast_precision_loss)]
    let unit = bits as f64 / (1_u64 << 53) as f64;
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Backoff = Backoff {
        base: Duration::from_secs(30),
        cap: Duration::from_secs(3600),
        max_attempts: 5,
    };

    #[test]
    fn delays_double_within_their_jitter_and_stop_at_the_limit() {
        assert_eq!(POLICY.after(1, 0.0), Some(Duration::from_secs(15)));
        assert_eq!(POLICY.after(1, 1.0), Some(Duration::from_secs(30)));
        assert_eq!(POLICY.after(2, 0.0), Some(Duration::from_secs(30)));
        assert_eq!(POLICY.after(4, 1.0), Some(Duration::from_secs(240)));
        assert_eq!(POLICY.after(5, 0.5), None, "five attempts is the limit");
    }

    #[test]
    fn delays_never_pass_the_cap() {
        let long = Backoff {
            max_attempts: 100,
            ..POLICY
        };
        assert_eq!(long.after(40, 1.0), Some(Duration::from_secs(3600)));
        assert_eq!(long.after(40, f64::NAN), Some(Duration::from_secs(1800)));
    }

    #[test]
    fn random_units_stay_in_range() {
        for _ in 0..1000 {
            let unit = random_unit();
            assert!((0.0..1.0).contains(&unit), "{unit}");
        }
    }
}
