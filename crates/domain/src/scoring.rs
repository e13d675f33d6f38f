//! Combining the reviews of a call: per-application statistics, reviewer normalisation
//! and the disagreement flag.

use std::collections::{BTreeMap, HashMap};

use crate::ids::{ApplicationId, UserId};

use crate::call::Aggregation;

/// Minimum reviews a reviewer needs in a call before their scores are normalised.
pub const MIN_REVIEWS_TO_NORMALISE: usize = 3;

/// One submitted review's total (0..=100, see [`crate::review::review_total`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredReview {
    /// The application reviewed.
    pub application: ApplicationId,
    /// Who reviewed it.
    pub reviewer: UserId,
    /// The review's total, 0..=100.
    pub total: f64,
}

/// The statistics of one application's review totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aggregate {
    /// How many reviews.
    pub count: u32,
    /// The arithmetic mean.
    pub mean: f64,
    /// The median; the mean of the two middle totals for an even count.
    pub median: f64,
    /// The population standard deviation.
    pub std_dev: f64,
    /// The lowest total.
    pub min: f64,
    /// The highest total.
    pub max: f64,
    /// The mean of the totals after normalising each reviewer's scores.
    pub normalized_mean: f64,
    /// Whether the reviewers disagree: `max − min` is above the call's spread.
    pub disagreement: bool,
}

impl Aggregate {
    /// The score a call's aggregation method ranks by.
    #[must_use]
    pub fn by(&self, method: Aggregation) -> f64 {
        match method {
            Aggregation::Mean => self.mean,
            Aggregation::Median => self.median,
            Aggregation::NormalizedMean => self.normalized_mean,
        }
    }
}

/// Aggregates for every application that has at least one review.
///
/// Normalisation: for each reviewer with at least [`MIN_REVIEWS_TO_NORMALISE`] reviews
/// in the call, each of their totals `x` becomes `z = (x − mean_r) / sd_r` (`z = 0` when
/// `sd_r` is 0), mapped back to `call_mean + z × call_sd` (mean and population standard
/// deviation over all review totals of the call) and clamped to 0..=100; other reviewers'
/// totals stay raw. `normalized_mean` is the mean of an application's mapped totals, and
/// `disagreement` is `max − min > disagreement_spread`. The result does not depend on the
/// order of `reviews`.
#[must_use]
pub fn aggregate_call(
    reviews: &[ScoredReview],
    disagreement_spread: u32,
) -> BTreeMap<ApplicationId, Aggregate> {
    let mut sorted = reviews.to_vec();
    sorted.sort_unstable_by(|a, b| {
        a.application
            .cmp(&b.application)
            .then_with(|| a.reviewer.cmp(&b.reviewer))
            .then_with(|| a.total.total_cmp(&b.total))
    });
    let normaliser = Normaliser::new(&sorted);
    let spread = f64::from(disagreement_spread);
    let mut totals: Vec<f64> = Vec::new();
    sorted
        .chunk_by(|a, b| a.application == b.application)
        .filter_map(|group| {
            let first = group.first()?;
            totals.clear();
            totals.extend(group.iter().map(|r| r.total));
            totals.sort_unstable_by(f64::total_cmp);
            let (mean, std_dev) = mean_and_sd(&totals);
            let normalized: f64 = group.iter().map(|r| normaliser.map(r)).sum();
            let min = totals.first().copied().unwrap_or_default();
            let max = totals.last().copied().unwrap_or_default();
            let aggregate = Aggregate {
                count: u32::try_from(group.len()).unwrap_or(u32::MAX),
                mean,
                median: median(&totals),
                std_dev,
                min,
                max,
                normalized_mean: normalized / count_f64(group.len()),
                disagreement: max - min > spread,
            };
            Some((first.application, aggregate))
        })
        .collect()
}

/// Maps each review's total to its normalised value.
#[derive(Debug)]
struct Normaliser {
    /// Mean of every total of the call.
    call_mean: f64,
    /// Population standard deviation of every total of the call.
    call_sd: f64,
    /// Mean and standard deviation of each reviewer with enough reviews.
    reviewers: HashMap<UserId, (f64, f64)>,
}

impl Normaliser {
    /// Computes the call's and each reviewer's statistics in two passes.
    fn new(reviews: &[ScoredReview]) -> Normaliser {
        /// Running sums of one reviewer.
        #[derive(Default)]
        struct Sums {
            count: usize,
            sum: f64,
            squares: f64,
        }
        let mut sums: HashMap<UserId, Sums> = HashMap::new();
        let mut call_sum = 0.0;
        for review in reviews {
            let entry = sums.entry(review.reviewer).or_default();
            entry.count += 1;
            entry.sum += review.total;
            call_sum += review.total;
        }
        let call_count = count_f64(reviews.len().max(1));
        let call_mean = call_sum / call_count;
        let mut call_squares = 0.0;
        for review in reviews {
            call_squares += (review.total - call_mean).powi(2);
            if let Some(entry) = sums.get_mut(&review.reviewer) {
                let mean = entry.sum / count_f64(entry.count);
                entry.squares += (review.total - mean).powi(2);
            }
        }
        let reviewers = sums
            .into_iter()
            .filter(|(_, s)| s.count >= MIN_REVIEWS_TO_NORMALISE)
            .map(|(reviewer, s)| {
                let n = count_f64(s.count);
                (reviewer, (s.sum / n, (s.squares / n).sqrt()))
            })
            .collect();
        Normaliser {
            call_mean,
            call_sd: (call_squares / call_count).sqrt(),
            reviewers,
        }
    }

    /// The review's total as normalised, or raw when its reviewer has too few reviews.
    fn map(&self, review: &ScoredReview) -> f64 {
        let Some(&(mean, sd)) = self.reviewers.get(&review.reviewer) else {
            return review.total;
        };
        let z = if sd > 0.0 {
            (review.total - mean) / sd
        } else {
            0.0
        };
        (self.call_mean + z * self.call_sd).clamp(0.0, 100.0)
    }
}

/// A count as a float; counts stay far below 2^53, so the conversion is exact.
fn count_f64(count: usize) -> f64 {
    count as f64
}

/// The mean and the population standard deviation of non-empty `values`.
fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = count_f64(values.len().max(1));
    let mean = values.iter().sum::<f64>() / n;
    let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    (mean, (squares / n).sqrt())
}

/// The median of sorted, non-empty `values`.
fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted.get(mid).copied().unwrap_or_default()
    } else {
        match (sorted.get(mid.wrapping_sub(1)), sorted.get(mid)) {
            (Some(low), Some(high)) => f64::midpoint(*low, *high),
            (None, _) | (_, None) => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use proptest::prelude::*;

    use super::*;

    fn id<T: From<Uuid>>(n: u128) -> T {
        Uuid::from_u128(n).into()
    }

    fn review(application: u128, reviewer: u128, total: f64) -> ScoredReview {
        ScoredReview {
            application: id(1000 + application),
            reviewer: id(reviewer),
            total,
        }
    }

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    fn aggregate_of(reviews: &[ScoredReview], spread: u32, application: u128) -> Aggregate {
        let all = aggregate_call(reviews, spread);
        let Some(aggregate) = all.get(&id(1000 + application)) else {
            panic!("no aggregate of {application} in {all:?}")
        };
        *aggregate
    }

    #[test]
    fn an_even_count_has_the_middle_mean_as_median() {
        let totals = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let reviews: Vec<ScoredReview> = totals
            .iter()
            .rev()
            .zip(1..)
            .map(|(total, reviewer)| review(1, reviewer, *total))
            .collect();
        let aggregate = aggregate_of(&reviews, 10, 1);
        assert_eq!(aggregate.count, 8);
        assert!(close(aggregate.mean, 5.0), "{aggregate:?}");
        assert!(close(aggregate.median, 4.5), "{aggregate:?}");
        assert!(close(aggregate.std_dev, 2.0), "{aggregate:?}");
        assert!(close(aggregate.min, 2.0) && close(aggregate.max, 9.0));
        // Nobody has three reviews: the normalised mean is the raw mean.
        assert!(close(aggregate.normalized_mean, 5.0), "{aggregate:?}");
        assert!(!aggregate.disagreement);
    }

    #[test]
    fn an_odd_count_has_the_middle_total_as_median() {
        let reviews = [review(1, 1, 40.0), review(1, 2, 10.0), review(1, 3, 40.0)];
        let aggregate = aggregate_of(&reviews, 30, 1);
        assert_eq!(aggregate.count, 3);
        assert!(close(aggregate.mean, 30.0), "{aggregate:?}");
        assert!(close(aggregate.median, 40.0), "{aggregate:?}");
        assert!(close(aggregate.std_dev, 200f64.sqrt()), "{aggregate:?}");
        assert!(
            !aggregate.disagreement,
            "a spread of exactly 30 is no disagreement"
        );
        assert!(aggregate_of(&reviews, 29, 1).disagreement);
    }

    #[test]
    fn a_single_review_is_its_own_aggregate() {
        let aggregate = aggregate_of(&[review(1, 1, 73.5)], 0, 1);
        assert_eq!(
            aggregate,
            Aggregate {
                count: 1,
                mean: 73.5,
                median: 73.5,
                std_dev: 0.0,
                min: 73.5,
                max: 73.5,
                normalized_mean: 73.5,
                disagreement: false,
            }
        );
    }

    #[test]
    fn applications_without_reviews_have_no_aggregate() {
        assert!(aggregate_call(&[], 10).is_empty());
        let all = aggregate_call(&[review(1, 1, 50.0), review(2, 1, 60.0)], 10);
        assert_eq!(
            all.keys().copied().collect::<Vec<_>>(),
            vec![id(1001), id(1002)]
        );
    }

    #[test]
    fn a_prolific_reviewer_is_normalised_to_the_call() {
        // Reviewer 1 gives 50, 60, 70; reviewer 2 gives 90 once and stays raw.
        let reviews = [
            review(1, 1, 50.0),
            review(2, 1, 60.0),
            review(3, 1, 70.0),
            review(1, 2, 90.0),
        ];
        let call_mean = 67.5;
        let call_sd = (875.0f64 / 4.0).sqrt();
        let reviewer_sd = (200.0f64 / 3.0).sqrt();
        let mapped = |x: f64| call_mean + (x - 60.0) / reviewer_sd * call_sd;
        let first = aggregate_of(&reviews, 100, 1);
        assert!(close(first.mean, 70.0), "{first:?}");
        assert!(
            close(first.normalized_mean, f64::midpoint(mapped(50.0), 90.0)),
            "{first:?}"
        );
        assert!(close(aggregate_of(&reviews, 100, 2).normalized_mean, 67.5));
        assert!(close(
            aggregate_of(&reviews, 100, 3).normalized_mean,
            mapped(70.0)
        ));
    }

    #[test]
    fn a_reviewer_who_gives_one_score_maps_to_the_call_mean() {
        let reviews = [
            review(1, 1, 80.0),
            review(2, 1, 80.0),
            review(3, 1, 80.0),
            review(4, 2, 40.0),
        ];
        for application in 1..=3 {
            let aggregate = aggregate_of(&reviews, 10, application);
            assert!(close(aggregate.normalized_mean, 70.0), "{aggregate:?}");
        }
    }

    #[test]
    fn normalised_scores_are_clamped() {
        // Reviewer 1: 0, 0, 100 → z of 100 is √2; the call's spread maps it above 100.
        let mut reviews = vec![review(1, 1, 0.0), review(2, 1, 0.0), review(3, 1, 100.0)];
        reviews.extend((4..10).map(|a| review(a, 2, 100.0)));
        reviews.extend((10..16).map(|a| review(a, 3, 0.0)));
        let aggregate = aggregate_of(&reviews, 10, 3);
        assert!(aggregate.normalized_mean <= 100.0, "{aggregate:?}");
    }

    #[test]
    fn the_method_picks_its_statistic() {
        let aggregate = Aggregate {
            count: 3,
            mean: 1.0,
            median: 2.0,
            std_dev: 0.5,
            min: 0.0,
            max: 3.0,
            normalized_mean: 4.0,
            disagreement: false,
        };
        assert!(close(aggregate.by(Aggregation::Mean), 1.0));
        assert!(close(aggregate.by(Aggregation::Median), 2.0));
        assert!(close(aggregate.by(Aggregation::NormalizedMean), 4.0));
    }

    fn arbitrary_reviews() -> impl Strategy<Value = Vec<ScoredReview>> {
        prop::collection::vec((0..12u128, 0..6u128, 0.0..=100.0f64), 1..60).prop_map(|raw| {
            raw.into_iter()
                .map(|(application, reviewer, total)| review(application, reviewer, total))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn every_field_stays_within_zero_and_hundred(
            mut reviews in arbitrary_reviews(),
            edges in prop::collection::vec((0..12u128, 0..6u128, prop::bool::ANY), 0..10),
            spread in 0..=100u32,
        ) {
            reviews.extend(edges.into_iter().map(|(a, r, top)| review(a, r, if top { 100.0 } else { 0.0 })));
            let all = aggregate_call(&reviews, spread);
            let count: u32 = all.values().map(|a| a.count).sum();
            prop_assert_eq!(count as usize, reviews.len());
            for aggregate in all.values() {
                for value in [
                    aggregate.mean,
                    aggregate.median,
                    aggregate.std_dev,
                    aggregate.min,
                    aggregate.max,
                    aggregate.normalized_mean,
                ] {
                    prop_assert!((0.0..=100.0).contains(&value), "{:?}", aggregate);
                }
                prop_assert!(aggregate.min <= aggregate.median && aggregate.median <= aggregate.max);
                prop_assert_eq!(aggregate.disagreement, aggregate.max - aggregate.min > f64::from(spread));
            }
        }

        #[test]
        fn normalisation_keeps_each_reviewers_order(reviews in arbitrary_reviews()) {
            let normaliser = Normaliser::new(&reviews);
            for a in &reviews {
                for b in reviews.iter().filter(|b| b.reviewer == a.reviewer && a.total < b.total) {
                    prop_assert!(normaliser.map(a) <= normaliser.map(b), "{:?} {:?}", a, b);
                }
            }
        }

        #[test]
        fn the_aggregates_do_not_depend_on_review_order(reviews in arbitrary_reviews()) {
            let mut reversed = reviews.clone();
            reversed.reverse();
            prop_assert_eq!(aggregate_call(&reversed, 20), aggregate_call(&reviews, 20));
        }
    }
}
