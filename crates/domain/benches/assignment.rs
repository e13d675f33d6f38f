//! Planning the assignments of a large call: 10 000 applications over a pool of 200
//! reviewers, 3 reviewers each, with 5 % of the pairs conflicted.

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use domain::assignment::{PlanInput, plan};
use domain::ids::{ApplicationId, UserId};
use uuid::Uuid;

const APPLICATIONS: u64 = 10_000;
const REVIEWERS: u64 = 200;
const PER_APPLICATION: u32 = 3;
/// Conflicted pairs per 10 000.
const CONFLICTS_PER_10K: u64 = 500;

/// A small deterministic pseudo-random generator (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn assign(c: &mut Criterion) {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let applications: Vec<ApplicationId> = (0..APPLICATIONS)
        .map(|a| ApplicationId(Uuid::from_u64_pair(rng.next(), a)))
        .collect();
    let reviewers: Vec<UserId> = (0..REVIEWERS)
        .map(|r| UserId(Uuid::from_u64_pair(rng.next(), r)))
        .collect();
    let mut conflicts = BTreeSet::new();
    for application in &applications {
        for reviewer in &reviewers {
            if rng.next() % 10_000 < CONFLICTS_PER_10K {
                conflicts.insert((*reviewer, *application));
            }
        }
    }
    let input = PlanInput {
        applications: &applications,
        reviewers: &reviewers,
        per_application: PER_APPLICATION,
        existing: &[],
        conflicts: &conflicts,
    };
    let planned = plan(&input);
    assert!(planned.unstaffed.is_empty(), "{:?}", planned.unstaffed);
    c.bench_function("assign_10k_200", |b| b.iter(|| plan(black_box(&input))));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = assign
}
criterion_main!(benches);
