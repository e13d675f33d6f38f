//! Ranking a call's reviewed applications and drawing the funding line through the
//! ranking.

use std::cmp::Ordering;

use crate::ids::ApplicationId;
use chrono::{DateTime, Utc};

use crate::call::Aggregation;
use crate::money::Money;
use crate::scoring::Aggregate;

/// One application to rank.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInput {
    /// The application.
    pub application: ApplicationId,
    /// Its reviews' statistics.
    pub aggregate: Aggregate,
    /// The amount it requests.
    pub requested: Money,
    /// When it was (last) submitted.
    pub submitted_at: DateTime<Utc>,
}

/// One row of the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedRow {
    /// Place in the ranking, 1-based.
    pub rank: u32,
    /// The application.
    pub application: ApplicationId,
    /// The score ranked by: the aggregate under the call's method.
    pub score: f64,
    /// Its reviews' statistics.
    pub aggregate: Aggregate,
    /// The amount it requests.
    pub requested: Money,
    /// Whether the score reaches the call's fundable minimum.
    pub fundable: bool,
    /// Whether the funding line recommends it.
    pub above_line: bool,
    /// The sum of the requests recommended (above the line) down to and including this
    /// row.
    pub cumulative: Money,
}

/// Ranks the applications and draws the funding line.
///
/// Rows are sorted by score (the aggregate under `method`, descending), ties by the
/// higher minimum, then the earlier submission, then the application id. A row is
/// fundable when its score is at least `fundable_min_score`. The funding line walks down
/// the ranking and recommends every fundable application whose request still fits the
/// budget remaining: a request too large for what is left is skipped, and smaller ones
/// below it may still be recommended.
#[must_use]
pub fn rank(
    inputs: Vec<RankInput>,
    method: Aggregation,
    fundable_min_score: u32,
    budget: Money,
) -> Vec<RankedRow> {
    let mut scored: Vec<(f64, RankInput)> = inputs
        .into_iter()
        .map(|input| (input.aggregate.by(method), input))
        .collect();
    scored.sort_unstable_by(|(score_a, a), (score_b, b)| ranking_order(*score_a, a, *score_b, b));
    let minimum = f64::from(fundable_min_score);
    let mut remaining = budget;
    let mut cumulative = Money::ZERO;
    scored
        .into_iter()
        .zip(1u32..)
        .map(|((score, input), rank)| {
            let fundable = score >= minimum;
            let left = remaining.checked_sub(input.requested).filter(|_| fundable);
            if let Some(left) = left {
                remaining = left;
                // Never above the budget, so never above `Money::MAX`.
                cumulative = cumulative.checked_add(input.requested).unwrap_or(budget);
            }
            RankedRow {
                rank,
                application: input.application,
                score,
                aggregate: input.aggregate,
                requested: input.requested,
                fundable,
                above_line: left.is_some(),
                cumulative,
            }
        })
        .collect()
}

/// Higher score first, then the higher minimum, the earlier submission and the lower id.
fn ranking_order(score_a: f64, a: &RankInput, score_b: f64, b: &RankInput) -> Ordering {
    score_b
        .total_cmp(&score_a)
        .then_with(|| b.aggregate.min.total_cmp(&a.aggregate.min))
        .then_with(|| a.submitted_at.cmp(&b.submitted_at))
        .then_with(|| a.application.cmp(&b.application))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use std::collections::BTreeMap;

    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn id(n: u128) -> ApplicationId {
        ApplicationId(Uuid::from_u128(n))
    }

    fn tenge(tenge: i64) -> Money {
        Money::from_minor(tenge * 100).unwrap_or_else(|| panic!("{tenge} out of range"))
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, minute, 0)
            .single()
            .unwrap_or_else(|| panic!("invalid minute {minute}"))
    }

    fn aggregate(mean: f64, median: f64, min: f64) -> Aggregate {
        Aggregate {
            count: 3,
            mean,
            median,
            std_dev: 0.0,
            min,
            max: 100.0,
            normalized_mean: mean,
            disagreement: false,
        }
    }

    fn input(application: u128, mean: f64, requested: i64) -> RankInput {
        RankInput {
            application: id(application),
            aggregate: aggregate(mean, mean, mean),
            requested: tenge(requested),
            submitted_at: at(0),
        }
    }

    fn summary(rows: &[RankedRow]) -> Vec<(u32, ApplicationId, bool, bool, Money)> {
        rows.iter()
            .map(|r| {
                (
                    r.rank,
                    r.application,
                    r.fundable,
                    r.above_line,
                    r.cumulative,
                )
            })
            .collect()
    }

    #[test]
    fn the_line_skips_what_no_longer_fits() {
        let rows = rank(
            vec![
                input(4, 70.0, 300),
                input(1, 90.0, 500),
                input(3, 75.0, 400),
                input(2, 80.0, 200),
                input(5, 50.0, 100),
            ],
            Aggregation::Mean,
            60,
            tenge(1_000),
        );
        assert_eq!(
            summary(&rows),
            vec![
                (1, id(1), true, true, tenge(500)),
                (2, id(2), true, true, tenge(700)),
                (3, id(3), true, false, tenge(700)),
                (4, id(4), true, true, tenge(1_000)),
                (5, id(5), false, false, tenge(1_000)),
            ]
        );
    }

    #[test]
    fn an_unfundable_score_stays_below_the_line_whatever_the_budget() {
        let rows = rank(
            vec![input(1, 59.999, 1), input(2, 60.0, 1)],
            Aggregation::Mean,
            60,
            tenge(1_000_000),
        );
        assert_eq!(
            summary(&rows),
            vec![
                (1, id(2), true, true, tenge(1)),
                (2, id(1), false, false, tenge(1)),
            ]
        );
    }

    #[test]
    fn ties_go_to_the_higher_minimum_then_the_earlier_submission_then_the_id() {
        let tied = |application, min, minute| RankInput {
            aggregate: aggregate(70.0, 70.0, min),
            submitted_at: at(minute),
            ..input(application, 70.0, 10)
        };
        let rows = rank(
            vec![
                tied(5, 40.0, 1),
                tied(4, 40.0, 1),
                tied(3, 40.0, 0),
                tied(2, 60.0, 9),
                input(1, 71.0, 10),
            ],
            Aggregation::Mean,
            0,
            tenge(100),
        );
        let order: Vec<ApplicationId> = rows.iter().map(|r| r.application).collect();
        assert_eq!(order, vec![id(1), id(2), id(3), id(4), id(5)]);
    }

    #[test]
    fn the_method_chooses_the_score() {
        let by_median = RankInput {
            aggregate: aggregate(50.0, 90.0, 40.0),
            ..input(1, 0.0, 10)
        };
        let by_mean = RankInput {
            aggregate: aggregate(80.0, 60.0, 40.0),
            ..input(2, 0.0, 10)
        };
        let first = |method| {
            rank(
                vec![by_median.clone(), by_mean.clone()],
                method,
                0,
                tenge(5),
            )
            .first()
            .map(|r| (r.application, r.score))
        };
        assert_eq!(first(Aggregation::Median), Some((id(1), 90.0)));
        assert_eq!(first(Aggregation::Mean), Some((id(2), 80.0)));
    }

    #[test]
    fn nothing_to_rank_gives_no_rows() {
        assert_eq!(rank(Vec::new(), Aggregation::Mean, 0, tenge(1)), Vec::new());
    }

    fn arbitrary_inputs() -> impl Strategy<Value = Vec<RankInput>> {
        prop::collection::vec(
            (0..30u128, 0..=20u32, 0..=20u32, 0..60u32, 0..=1_000i64),
            0..40,
        )
        .prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(
                    |(i, (application, mean, min, minute, requested))| RankInput {
                        // Distinct ids, in an order unrelated to the scores.
                        application: id(application * 100 + i as u128),
                        aggregate: aggregate(
                            f64::from(mean * 5),
                            f64::from(mean * 5),
                            f64::from(min * 5),
                        ),
                        requested: tenge(requested),
                        submitted_at: at(minute),
                    },
                )
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_funding_line_keeps_its_promises(
            inputs in arbitrary_inputs(),
            minimum in 0..=100u32,
            budget in 0..=10_000i64,
        ) {
            let budget = tenge(budget);
            let rows = rank(inputs.clone(), Aggregation::Mean, minimum, budget);
            prop_assert_eq!(rows.len(), inputs.len());
            let mut running = Money::ZERO;
            for (i, row) in rows.iter().enumerate() {
                prop_assert_eq!(row.rank as usize, i + 1);
                prop_assert_eq!(row.fundable, row.score >= f64::from(minimum));
                prop_assert!(!row.above_line || row.fundable);
                let remaining = budget.checked_sub(running).unwrap_or_else(|| panic!("over budget"));
                if row.fundable && !row.above_line {
                    prop_assert!(row.requested > remaining, "{:?} fits {}", row, remaining);
                }
                if row.above_line {
                    running = running.checked_add(row.requested).unwrap_or_else(|| panic!("overflow"));
                }
                prop_assert_eq!(row.cumulative, running);
                prop_assert!(running <= budget);
            }
        }

        #[test]
        fn rows_are_sorted_as_specified(inputs in arbitrary_inputs()) {
            let submitted: BTreeMap<ApplicationId, DateTime<Utc>> =
                inputs.iter().map(|i| (i.application, i.submitted_at)).collect();
            let rows = rank(inputs, Aggregation::Mean, 0, Money::ZERO);
            for pair in rows.windows(2) {
                let [a, b] = pair else { panic!("a window of two") };
                let before = if a.score != b.score {
                    a.score > b.score
                } else if a.aggregate.min != b.aggregate.min {
                    a.aggregate.min > b.aggregate.min
                } else if submitted[&a.application] != submitted[&b.application] {
                    submitted[&a.application] < submitted[&b.application]
                } else {
                    a.application < b.application
                };
                prop_assert!(before, "{:?} before {:?}", a, b);
            }
        }
    }
}
