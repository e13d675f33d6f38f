//! Latency samples per operation and their percentiles.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::op::Op;

/// One operation's outcomes during the measured window.
#[derive(Debug, Default, Clone)]
pub struct OpStats {
    /// Latencies of successful requests, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Failed requests.
    pub errors: u64,
    /// The first few failures, for the report.
    pub examples: Vec<String>,
}

/// Outcomes of every operation.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    /// By operation.
    pub ops: BTreeMap<Op, OpStats>,
}

/// How many failures are kept verbatim per operation.
const EXAMPLES: usize = 3;

impl Samples {
    /// Records a successful request.
    pub fn ok(&mut self, op: Op, took: Duration) {
        let us = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.ops.entry(op).or_default().latencies_us.push(us);
    }

    /// Records a failed request.
    pub fn error(&mut self, op: Op, what: String) {
        let stats = self.ops.entry(op).or_default();
        stats.errors += 1;
        if stats.examples.len() < EXAMPLES {
            stats.examples.push(what);
        }
    }

    /// Adds `other`'s samples to these.
    pub fn merge(&mut self, other: Samples) {
        for (op, stats) in other.ops {
            let mine = self.ops.entry(op).or_default();
            mine.latencies_us.extend(stats.latencies_us);
            mine.errors += stats.errors;
            for example in stats.examples {
                if mine.examples.len() < EXAMPLES {
                    mine.examples.push(example);
                }
            }
        }
    }
}

/// The `p`-th percentile (0 < p ≤ 100) of `sorted` by nearest rank, in milliseconds.
#[must_use]
pub fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    f64::from(sorted[index]) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert!((percentile_ms(&sorted, 50.0) - 50.0).abs() < f64::EPSILON);
        assert!((percentile_ms(&sorted, 99.0) - 99.0).abs() < f64::EPSILON);
        assert!((percentile_ms(&sorted, 100.0) - 100.0).abs() < f64::EPSILON);
        assert!((percentile_ms(&[7000], 95.0) - 7.0).abs() < f64::EPSILON);
        assert!(percentile_ms(&[], 50.0).abs() < f64::EPSILON);
    }

    #[test]
    fn merging_keeps_every_sample_and_a_few_examples() {
        let mut a = Samples::default();
        a.ok(Op::ReadApplication, Duration::from_millis(2));
        let mut b = Samples::default();
        b.ok(Op::ReadApplication, Duration::from_millis(3));
        for i in 0..5 {
            b.error(Op::Ranking, format!("failure {i}"));
        }
        a.merge(b);
        assert_eq!(a.ops[&Op::ReadApplication].latencies_us, [2000, 3000]);
        assert_eq!(a.ops[&Op::Ranking].errors, 5);
        assert_eq!(a.ops[&Op::Ranking].examples.len(), EXAMPLES);
    }
}
