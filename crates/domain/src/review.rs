//! A reviewer's review of one application: its scores against the call's rubric, its
//! comment and advice, what a submission still lacks, and the review's total.

use serde::{Deserialize, Serialize};

use crate::call::{CRITERION_MAX_SCORE, Criterion};
use crate::text::{self, TextError};
use crate::validation::{FieldError, ValidationErrors};

/// Most characters in a review's comment or in the comment on one score.
pub const COMMENT_MAX: usize = 5_000;
/// Lowest confidence a reviewer may state.
pub const CONFIDENCE_MIN: u8 = 1;
/// Highest confidence a reviewer may state.
pub const CONFIDENCE_MAX: u8 = 3;

/// A reviewer's overall advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// Fund the application as it is.
    Fund,
    /// Fund the application once it is changed.
    FundWithChanges,
    /// Do not fund the application.
    DoNotFund,
}

impl Recommendation {
    /// Every recommendation.
    pub const ALL: [Recommendation; 3] = [
        Recommendation::Fund,
        Recommendation::FundWithChanges,
        Recommendation::DoNotFund,
    ];

    /// The stable code used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Fund => "fund",
            Self::FundWithChanges => "fund_with_changes",
            Self::DoNotFund => "do_not_fund",
        }
    }
}

crate::codes::closed_set!(
    Recommendation,
    UnknownRecommendation,
    "unknown_recommendation"
);

/// Why a reviewer may not review an organisation's applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The reviewer belongs to the organisation.
    OrganizationMember,
    /// A personal or family tie with the organisation's people.
    PersonalOrFamily,
    /// A financial interest in the organisation.
    Financial,
    /// Any other conflict of interest.
    Other,
}

impl ConflictKind {
    /// Every kind of conflict.
    pub const ALL: [ConflictKind; 4] = [
        ConflictKind::OrganizationMember,
        ConflictKind::PersonalOrFamily,
        ConflictKind::Financial,
        ConflictKind::Other,
    ];

    /// The stable code used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::OrganizationMember => "organization_member",
            Self::PersonalOrFamily => "personal_or_family",
            Self::Financial => "financial",
            Self::Other => "other",
        }
    }
}

crate::codes::closed_set!(ConflictKind, UnknownConflictKind, "unknown_conflict_kind");

/// The score one review gives one criterion of the rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionScore {
    /// The criterion's rubric key.
    pub criterion: String,
    /// The score, 0..=the criterion's maximum.
    pub score: u32,
    /// Why this score; trimmed, never blank.
    pub comment: Option<String>,
}

/// A review as saved: a draft may still miss parts; a submitted one is complete.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReviewContent {
    /// Scores of rubric criteria, each criterion at most once, in the order given.
    pub scores: Vec<CriterionScore>,
    /// The overall comment; trimmed, never blank.
    pub comment: Option<String>,
    /// The overall advice.
    pub recommendation: Option<Recommendation>,
    /// How sure the reviewer is, 1..=3.
    pub confidence: Option<u8>,
}

/// Raw review fields as received; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    /// Raw scores.
    pub scores: Vec<ScoreInput>,
    /// Raw overall comment.
    pub comment: Option<String>,
    /// Recommendation code.
    pub recommendation: Option<String>,
    /// Raw confidence.
    pub confidence: Option<i64>,
}

/// One raw score as received.
#[derive(Debug, Clone, Default)]
pub struct ScoreInput {
    /// Rubric key of the criterion scored.
    pub criterion: String,
    /// Raw score.
    pub score: i64,
    /// Raw comment on the score.
    pub comment: Option<String>,
}

impl ReviewContent {
    /// Validates a save (PUT replaces the whole review) against the rubric, collecting
    /// every failure:
    /// - `scores[i].criterion`: `unknown_criterion` when the key is not in the rubric,
    ///   `duplicate` when an earlier score has the same key;
    /// - `scores[i].score`: `out_of_range` unless within `0..=max_score` of its criterion
    ///   (of an unknown criterion, within `0..=`[`CRITERION_MAX_SCORE`]);
    /// - `scores[i].comment`, `comment`: trimmed text of at most [`COMMENT_MAX`]
    ///   characters that may span lines; a blank one becomes `None`;
    /// - `recommendation`: [`UnknownRecommendation`]'s code;
    /// - `confidence`: `out_of_range` unless within 1..=3.
    ///
    /// # Errors
    /// Every failing field.
    pub fn parse(
        input: ReviewInput,
        rubric: &[Criterion],
    ) -> Result<ReviewContent, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut scores = Vec::with_capacity(input.scores.len());
        for (i, raw) in input.scores.into_iter().enumerate() {
            if let Some(score) = parse_score(i, raw, rubric, &scores, &mut errors) {
                scores.push(score);
            }
        }
        let comment = optional_comment(&mut errors, "comment", input.comment);
        let recommendation = input
            .recommendation
            .and_then(|code| errors.check("recommendation", code.parse::<Recommendation>()));
        let confidence = input.confidence.and_then(|raw| {
            let confidence = u8::try_from(raw)
                .ok()
                .filter(|c| (CONFIDENCE_MIN..=CONFIDENCE_MAX).contains(c));
            if confidence.is_none() {
                errors.push(
                    "confidence",
                    "out_of_range",
                    format!("must be between {CONFIDENCE_MIN} and {CONFIDENCE_MAX}"),
                );
            }
            confidence
        });
        errors.into_result()?;
        Ok(ReviewContent {
            scores,
            comment,
            recommendation,
            confidence,
        })
    }

    /// What a submission still lacks, each with code `required`: `scores.<key>` for every
    /// unscored rubric criterion (in rubric order), then `comment`, `recommendation` and
    /// `confidence`.
    #[must_use]
    pub fn missing_for_submission(&self, rubric: &[Criterion]) -> Vec<FieldError> {
        let unscored = rubric
            .iter()
            .filter(|c| !self.scores.iter().any(|s| s.criterion == c.key))
            .map(|c| format!("scores.{}", c.key));
        let others = [
            ("comment", self.comment.is_some()),
            ("recommendation", self.recommendation.is_some()),
            ("confidence", self.confidence.is_some()),
        ]
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(field, _)| field.to_owned());
        unscored
            .chain(others)
            .map(|field| FieldError {
                field,
                code: "required",
                message: "is required for submission".to_owned(),
            })
            .collect()
    }
}

/// The `i`-th score checked against the rubric and the scores already accepted, or `None`
/// when any of its fields failed.
fn parse_score(
    i: usize,
    raw: ScoreInput,
    rubric: &[Criterion],
    accepted: &[CriterionScore],
    errors: &mut ValidationErrors,
) -> Option<CriterionScore> {
    let field = |name: &str| format!("scores[{i}].{name}");
    let before = errors.errors().len();
    let criterion = rubric.iter().find(|c| c.key == raw.criterion);
    match criterion {
        None => errors.push(
            field("criterion"),
            "unknown_criterion",
            "must be a key of the call's rubric",
        ),
        Some(c) if accepted.iter().any(|s| s.criterion == c.key) => errors.push(
            field("criterion"),
            "duplicate",
            "must not repeat an earlier score's criterion",
        ),
        Some(_) => {}
    }
    let max = criterion.map_or(CRITERION_MAX_SCORE, |c| c.max_score);
    let score = u32::try_from(raw.score).ok().filter(|s| *s <= max);
    if score.is_none() {
        errors.push(
            field("score"),
            "out_of_range",
            format!("must be between 0 and {max}"),
        );
    }
    let comment = optional_comment(errors, &field("comment"), raw.comment);
    if errors.errors().len() != before {
        return None;
    }
    Some(CriterionScore {
        criterion: raw.criterion,
        score: score?,
        comment,
    })
}

/// The trimmed comment, `None` when absent or blank; a failure of `field` when too long
/// or holding control characters other than line breaks and tabs.
fn optional_comment(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<String>,
) -> Option<String> {
    match text::bounded(&raw?, COMMENT_MAX, true) {
        Ok(comment) => Some(comment),
        Err(TextError::Empty) => None,
        Err(err @ (TextError::TooLong { .. } | TextError::ControlCharacters)) => {
            errors.check::<String, _>(field, Err(err))
        }
    }
}

/// The review's total: Σ(score / max × weight) / Σweight × 100 over the rubric. An
/// unscored criterion counts 0, a score above its criterion's maximum counts as the
/// maximum, and scores of keys outside the rubric are ignored, so the total is always
/// within 0..=100 (0 for a rubric without weight).
#[must_use]
pub fn review_total(scores: &[CriterionScore], rubric: &[Criterion]) -> f64 {
    let mut weighted = 0.0;
    let mut weights = 0.0;
    for criterion in rubric {
        let weight = f64::from(criterion.weight);
        weights += weight;
        let score = scores.iter().find(|s| s.criterion == criterion.key);
        if let Some(score) = score
            && criterion.max_score > 0
        {
            let share =
                f64::from(score.score.min(criterion.max_score)) / f64::from(criterion.max_score);
            weighted += share * weight;
        }
    }
    if weights > 0.0 {
        (weighted / weights * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    pub(crate) fn criterion(key: &str, max_score: u32, weight: u32) -> Criterion {
        Criterion {
            key: key.to_owned(),
            title: key.to_uppercase(),
            max_score,
            weight,
            guidance: String::new(),
        }
    }

    fn rubric() -> Vec<Criterion> {
        vec![
            criterion("relevance", 10, 2),
            criterion("feasibility", 5, 1),
            criterion("impact", 20, 1),
        ]
    }

    fn score_input(criterion: &str, score: i64) -> ScoreInput {
        ScoreInput {
            criterion: criterion.to_owned(),
            score,
            comment: None,
        }
    }

    fn score(criterion: &str, score: u32) -> CriterionScore {
        CriterionScore {
            criterion: criterion.to_owned(),
            score,
            comment: None,
        }
    }

    fn failures(result: Result<ReviewContent, ValidationErrors>) -> Vec<(String, &'static str)> {
        match result {
            Ok(content) => panic!("accepted {content:?}"),
            Err(errors) => errors
                .errors()
                .iter()
                .map(|e| (e.field.clone(), e.code))
                .collect(),
        }
    }

    fn pair(field: &str, code: &'static str) -> (String, &'static str) {
        (field.to_owned(), code)
    }

    #[test]
    fn a_complete_review_parses() {
        let input = ReviewInput {
            scores: vec![
                ScoreInput {
                    comment: Some("  Fits the call.\nWell argued. ".to_owned()),
                    ..score_input("relevance", 10)
                },
                score_input("feasibility", 0),
                score_input("impact", 20),
            ],
            comment: Some(" Solid. ".to_owned()),
            recommendation: Some("fund_with_changes".to_owned()),
            confidence: Some(3),
        };
        let parsed = ReviewContent::parse(input, &rubric());
        assert_eq!(
            parsed,
            Ok(ReviewContent {
                scores: vec![
                    CriterionScore {
                        comment: Some("Fits the call.\nWell argued.".to_owned()),
                        ..score("relevance", 10)
                    },
                    score("feasibility", 0),
                    score("impact", 20),
                ],
                comment: Some("Solid.".to_owned()),
                recommendation: Some(Recommendation::FundWithChanges),
                confidence: Some(3),
            })
        );
    }

    #[test]
    fn an_empty_draft_parses() {
        assert_eq!(
            ReviewContent::parse(ReviewInput::default(), &rubric()),
            Ok(ReviewContent::default())
        );
    }

    #[test]
    fn blank_comments_are_dropped() {
        let input = ReviewInput {
            scores: vec![ScoreInput {
                comment: Some(" \n ".to_owned()),
                ..score_input("impact", 3)
            }],
            comment: Some("   ".to_owned()),
            ..ReviewInput::default()
        };
        let parsed = ReviewContent::parse(input, &rubric());
        assert_eq!(
            parsed,
            Ok(ReviewContent {
                scores: vec![score("impact", 3)],
                ..ReviewContent::default()
            })
        );
    }

    #[test]
    fn every_failing_field_is_reported() {
        let input = ReviewInput {
            scores: vec![
                score_input("relevance", 11),
                score_input("budget", 1),
                score_input("relevance", 1),
                score_input("feasibility", -1),
                ScoreInput {
                    comment: Some("x".repeat(COMMENT_MAX + 1)),
                    ..score_input("impact", 20)
                },
                score_input("unknown", 101),
            ],
            comment: Some("bad\u{0}comment".to_owned()),
            recommendation: Some("maybe".to_owned()),
            confidence: Some(4),
        };
        assert_eq!(
            failures(ReviewContent::parse(input, &rubric())),
            vec![
                pair("scores[0].score", "out_of_range"),
                pair("scores[1].criterion", "unknown_criterion"),
                pair("scores[3].score", "out_of_range"),
                pair("scores[4].comment", "too_long"),
                pair("scores[5].criterion", "unknown_criterion"),
                pair("scores[5].score", "out_of_range"),
                pair("comment", "invalid_characters"),
                pair("recommendation", "unknown_recommendation"),
                pair("confidence", "out_of_range"),
            ]
        );
    }

    #[test]
    fn a_repeated_criterion_is_a_duplicate() {
        let input = ReviewInput {
            scores: vec![
                score_input("impact", 1),
                score_input("relevance", 2),
                score_input("impact", 3),
            ],
            ..ReviewInput::default()
        };
        assert_eq!(
            failures(ReviewContent::parse(input, &rubric())),
            vec![pair("scores[2].criterion", "duplicate")]
        );
    }

    #[test]
    fn confidence_is_one_to_three() {
        let confidence = |raw| {
            ReviewContent::parse(
                ReviewInput {
                    confidence: Some(raw),
                    ..ReviewInput::default()
                },
                &rubric(),
            )
            .map(|c| c.confidence)
            .map_err(|e| e.errors().iter().map(|f| f.code).collect::<Vec<_>>())
        };
        assert_eq!(confidence(1), Ok(Some(1)));
        assert_eq!(confidence(3), Ok(Some(3)));
        for raw in [0, 4, -1, 257, i64::MAX, i64::MIN] {
            assert_eq!(confidence(raw), Err(vec!["out_of_range"]), "{raw}");
        }
    }

    #[test]
    fn a_comment_may_reach_the_limit() {
        let input = ReviewInput {
            comment: Some("ә".repeat(COMMENT_MAX)),
            ..ReviewInput::default()
        };
        assert!(ReviewContent::parse(input, &rubric()).is_ok());
    }

    #[test]
    fn a_submission_lists_what_is_missing_in_order() {
        let draft = ReviewContent {
            scores: vec![score("feasibility", 3)],
            recommendation: Some(Recommendation::Fund),
            ..ReviewContent::default()
        };
        let missing: Vec<(String, &'static str)> = draft
            .missing_for_submission(&rubric())
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            missing,
            vec![
                pair("scores.relevance", "required"),
                pair("scores.impact", "required"),
                pair("comment", "required"),
                pair("confidence", "required"),
            ]
        );
    }

    #[test]
    fn a_complete_review_misses_nothing() {
        let complete = ReviewContent {
            scores: vec![
                score("impact", 0),
                score("relevance", 0),
                score("feasibility", 0),
            ],
            comment: Some("Fine.".to_owned()),
            recommendation: Some(Recommendation::DoNotFund),
            confidence: Some(1),
        };
        assert_eq!(complete.missing_for_submission(&rubric()), Vec::new());
    }

    #[test]
    fn the_total_weighs_each_criterion() {
        let rubric = rubric();
        // relevance 5/10 × 2 + feasibility 5/5 × 1 + impact 0 = 2 of weight 4 → 50.
        let total = review_total(&[score("relevance", 5), score("feasibility", 5)], &rubric);
        assert!((total - 50.0).abs() < 1e-9, "{total}");
        let full = review_total(
            &[
                score("relevance", 10),
                score("feasibility", 5),
                score("impact", 20),
            ],
            &rubric,
        );
        assert!((full - 100.0).abs() < 1e-9, "{full}");
        assert!(review_total(&[], &rubric).abs() < f64::EPSILON);
        assert!(review_total(&[score("relevance", 5)], &[]).abs() < f64::EPSILON);
    }

    #[test]
    fn the_total_ignores_foreign_keys_and_caps_scores() {
        let rubric = rubric();
        let total = review_total(
            &[
                score("relevance", 50),
                score("other", 100),
                score("feasibility", 5),
                score("impact", 20),
            ],
            &rubric,
        );
        assert!((total - 100.0).abs() < 1e-9, "{total}");
    }

    #[test]
    fn codes_parse_back_and_serialise_as_snake_case() {
        for recommendation in Recommendation::ALL {
            assert_eq!(
                recommendation.code().parse::<Recommendation>(),
                Ok(recommendation)
            );
            assert_eq!(
                serde_json::to_string(&recommendation).ok(),
                Some(format!("\"{}\"", recommendation.code()))
            );
        }
        for kind in ConflictKind::ALL {
            assert_eq!(kind.code().parse::<ConflictKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_string(&kind).ok(),
                Some(format!("\"{kind}\""))
            );
        }
        assert_eq!("family".parse::<ConflictKind>(), Err(UnknownConflictKind));
        assert_eq!(
            UnknownRecommendation.to_string(),
            "must be one of fund, fund_with_changes, do_not_fund"
        );
    }

    #[test]
    fn review_content_round_trips_through_json() {
        let content = ReviewContent {
            scores: vec![CriterionScore {
                comment: Some("Good".to_owned()),
                ..score("impact", 7)
            }],
            comment: None,
            recommendation: Some(Recommendation::DoNotFund),
            confidence: Some(2),
        };
        let json = serde_json::to_string(&content).unwrap_or_else(|e| panic!("{e}"));
        assert!(json.contains("\"do_not_fund\""), "{json}");
        let back: ReviewContent = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, content);
    }

    fn arbitrary_rubric() -> impl Strategy<Value = Vec<Criterion>> {
        prop::collection::vec((1..=100u32, 1..=100u32), 1..8).prop_map(|specs| {
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (max, weight))| criterion(&format!("c{i}"), max, weight))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_total_is_within_zero_and_hundred(
            rubric in arbitrary_rubric(),
            raw in prop::collection::vec((0..10usize, 0..=150u32), 0..12),
        ) {
            let scores: Vec<CriterionScore> = raw
                .into_iter()
                .map(|(i, s)| score(&format!("c{i}"), s))
                .collect();
            let total = review_total(&scores, &rubric);
            prop_assert!((0.0..=100.0).contains(&total), "{}", total);
        }

        #[test]
        fn valid_scores_always_parse(rubric in arbitrary_rubric(), seed in 0..=u32::MAX) {
            let scores: Vec<ScoreInput> = rubric
                .iter()
                .map(|c| score_input(&c.key, i64::from(seed % (c.max_score + 1))))
                .collect();
            let parsed = ReviewContent::parse(ReviewInput { scores, ..ReviewInput::default() }, &rubric);
            let content = parsed.unwrap_or_else(|e| panic!("{e:?}"));
            let missing: Vec<String> = content
                .missing_for_submission(&rubric)
                .into_iter()
                .map(|e| e.field)
                .collect();
            prop_assert_eq!(missing, vec!["comment", "recommendation", "confidence"]);
        }
    }
}
