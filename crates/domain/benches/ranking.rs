//! Aggregating, ranking and drawing the funding line for a large call: 10 000
//! applications with 3 reviews each from a pool of 200 reviewers.

use std::hint::black_box;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::call::Aggregation;
use domain::ids::{ApplicationId, UserId};
use domain::money::Money;
use domain::ranking::{RankInput, rank};
use domain::scoring::{ScoredReview, aggregate_call};
use uuid::Uuid;

const APPLICATIONS: u64 = 10_000;
const REVIEWERS: u64 = 200;
const REVIEWS_PER_APPLICATION: usize = 3;

/// A small deterministic pseudo-random generator (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// An application of the call: its id, request and submission instant.
struct Application {
    id: ApplicationId,
    requested: Money,
    submitted_at: DateTime<Utc>,
}

fn call() -> (Vec<Application>, Vec<ScoredReview>) {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let Some(opening) = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).single() else {
        panic!("invalid opening instant")
    };
    let mut applications = Vec::new();
    let mut reviews = Vec::new();
    for a in 0..APPLICATIONS {
        let id = ApplicationId(Uuid::from_u64_pair(rng.next(), a));
        let tiyn =
            i64::try_from(50_000_000 + rng.below(250_000_000)).unwrap_or_else(|e| panic!("{e}"));
        let Some(requested) = Money::from_minor(tiyn) else {
            panic!("{tiyn} out of range")
        };
        let seconds = i64::try_from(rng.below(20 * 24 * 3600)).unwrap_or_else(|e| panic!("{e}"));
        applications.push(Application {
            id,
            requested,
            submitted_at: opening + chrono::Duration::seconds(seconds),
        });
        let mut chosen: Vec<u64> = Vec::with_capacity(REVIEWS_PER_APPLICATION);
        while chosen.len() < REVIEWS_PER_APPLICATION {
            let reviewer = rng.below(REVIEWERS);
            if !chosen.contains(&reviewer) {
                chosen.push(reviewer);
            }
        }
        for reviewer in chosen {
            let hundredths = u32::try_from(rng.below(10_001)).unwrap_or_else(|e| panic!("{e}"));
            reviews.push(ScoredReview {
                application: id,
                reviewer: UserId(Uuid::from_u64_pair(reviewer, u64::MAX)),
                total: f64::from(hundredths) / 100.0,
            });
        }
    }
    (applications, reviews)
}

fn aggregate_rank_fund(c: &mut Criterion) {
    let (applications, reviews) = call();
    let Some(budget) = Money::from_minor(100_000_000_000) else {
        panic!("budget out of range")
    };
    c.bench_function("aggregate_rank_fund_10k", |b| {
        b.iter(|| {
            let aggregates = aggregate_call(black_box(&reviews), 25);
            let inputs: Vec<RankInput> = applications
                .iter()
                .filter_map(|application| {
                    aggregates.get(&application.id).map(|aggregate| RankInput {
                        application: application.id,
                        aggregate: *aggregate,
                        requested: application.requested,
                        submitted_at: application.submitted_at,
                    })
                })
                .collect();
            rank(inputs, Aggregation::NormalizedMean, 60, budget)
        });
    });
}

criterion_group!(benches, aggregate_rank_fund);
criterion_main!(benches);
