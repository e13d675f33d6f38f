//! Feedback to applicants: what the reviewers thought of each criterion, without saying
//! who thought what.

use crate::call::Criterion;
use crate::review::CriterionScore;

/// The average score of one rubric criterion over the submitted reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionAverage {
    /// The criterion's rubric key.
    pub key: String,
    /// The criterion's title.
    pub title: String,
    /// The criterion's highest score.
    pub max_score: u32,
    /// The mean score of the reviews that scored it.
    pub average: f64,
}

/// Per-criterion averages over submitted reviews (each given as its scores), in rubric
/// order. A criterion nobody scored is left out; a review that scores a criterion twice
/// counts its first score only.
#[must_use]
pub fn criterion_averages(
    reviews: &[&[CriterionScore]],
    rubric: &[Criterion],
) -> Vec<CriterionAverage> {
    rubric
        .iter()
        .filter_map(|criterion| {
            let (count, sum) = reviews
                .iter()
                .filter_map(|scores| scores.iter().find(|s| s.criterion == criterion.key))
                .fold((0u32, 0u64), |(count, sum), s| {
                    (count + 1, sum + u64::from(s.score))
                });
            (count > 0).then(|| CriterionAverage {
                key: criterion.key.clone(),
                title: criterion.title.clone(),
                max_score: criterion.max_score,
                average: sum as f64 / f64::from(count),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(key: &str, max_score: u32) -> Criterion {
        Criterion {
            key: key.to_owned(),
            title: format!("Title of {key}"),
            max_score,
            weight: 1,
            guidance: String::new(),
        }
    }

    fn score(criterion: &str, score: u32) -> CriterionScore {
        CriterionScore {
            criterion: criterion.to_owned(),
            score,
            comment: None,
        }
    }

    #[test]
    fn averages_follow_the_rubric_and_skip_unscored_criteria() {
        let rubric = [
            criterion("relevance", 10),
            criterion("budget", 5),
            criterion("impact", 20),
        ];
        let first = [score("impact", 10), score("relevance", 7)];
        let second = [score("relevance", 8), score("unknown", 3)];
        let third = [score("impact", 15), score("impact", 0)];
        let averages = criterion_averages(&[&first, &second, &third], &rubric);
        assert_eq!(
            averages,
            vec![
                CriterionAverage {
                    key: "relevance".to_owned(),
                    title: "Title of relevance".to_owned(),
                    max_score: 10,
                    average: 7.5,
                },
                CriterionAverage {
                    key: "impact".to_owned(),
                    title: "Title of impact".to_owned(),
                    max_score: 20,
                    average: 12.5,
                },
            ]
        );
    }

    #[test]
    fn no_reviews_give_no_averages() {
        assert_eq!(
            criterion_averages(&[], &[criterion("impact", 5)]),
            Vec::new()
        );
    }
}
