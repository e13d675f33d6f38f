//! A call's validated terms and the raw input they are validated from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Money, Share};
use crate::region::Region;

/// Most characters in a call's title.
pub const TITLE_MAX: usize = 300;
/// Most characters in a call's description.
pub const DESCRIPTION_MAX: usize = 20_000;
/// Most years of registration a call may require.
pub const MIN_YEARS_REGISTERED_MAX: u32 = 100;
/// Most criteria in a rubric.
pub const RUBRIC_MAX: usize = 20;
/// Most characters in a rubric key.
pub const CRITERION_KEY_MAX: usize = 40;
/// Most characters in a criterion's title.
pub const CRITERION_TITLE_MAX: usize = 200;
/// Highest maximum score of one criterion.
pub const CRITERION_MAX_SCORE: u32 = 100;
/// Highest weight of one criterion.
pub const CRITERION_MAX_WEIGHT: u32 = 100;
/// Most reviewers per application.
pub const REVIEWERS_MAX: u32 = 10;
/// Highest fundable minimum score (scores are 0..=100).
pub const FUNDABLE_MIN_SCORE_MAX: u32 = 100;
/// Highest disagreement spread (scores are 0..=100).
pub const DISAGREEMENT_SPREAD_MAX: u32 = 100;

/// A theme a call funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityArea {
    /// Women and children.
    WomenAndChildren,
    /// Public health.
    PublicHealth,
    /// Older people.
    OlderPeople,
    /// Domestic violence.
    DomesticViolence,
    /// Ecology.
    Ecology,
    /// Rural development.
    RuralDevelopment,
    /// Youth.
    Youth,
    /// Disability.
    Disability,
    /// Education.
    Education,
}

impl PriorityArea {
    /// Every priority area.
    pub const ALL: [PriorityArea; 9] = [
        PriorityArea::WomenAndChildren,
        PriorityArea::PublicHealth,
        PriorityArea::OlderPeople,
        PriorityArea::DomesticViolence,
        PriorityArea::Ecology,
        PriorityArea::RuralDevelopment,
        PriorityArea::Youth,
        PriorityArea::Disability,
        PriorityArea::Education,
    ];

    /// The stable code used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::WomenAndChildren => "women_and_children",
            Self::PublicHealth => "public_health",
            Self::OlderPeople => "older_people",
            Self::DomesticViolence => "domestic_violence",
            Self::Ecology => "ecology",
            Self::RuralDevelopment => "rural_development",
            Self::Youth => "youth",
            Self::Disability => "disability",
            Self::Education => "education",
        }
    }
}

crate::codes::closed_set!(PriorityArea, UnknownPriorityArea, "unknown_priority_area");

/// How the reviewers' scores of one application are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The arithmetic mean.
    Mean,
    /// The median.
    Median,
    /// The mean after normalising each reviewer's scores.
    NormalizedMean,
}

impl Aggregation {
    /// Every aggregation.
    pub const ALL: [Aggregation; 3] = [
        Aggregation::Mean,
        Aggregation::Median,
        Aggregation::NormalizedMean,
    ];

    /// The stable code used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Median => "median",
            Self::NormalizedMean => "normalized_mean",
        }
    }
}

crate::codes::closed_set!(Aggregation, UnknownAggregation, "unknown_aggregation");

/// Most characters in a criterion's guidance to reviewers.
pub const GUIDANCE_MAX: usize = 2000;

/// One scored criterion of a call's rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable key, unique within the rubric: `^[a-z][a-z0-9_]{0,39}$`.
    pub key: String,
    /// Title shown to reviewers.
    pub title: String,
    /// Highest score a reviewer may give, 1..=100.
    pub max_score: u32,
    /// Relative weight, 1..=100.
    pub weight: u32,
    /// What reviewers should look for; empty when the officer gave none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub guidance: String,
}

/// Which organisations may apply to a call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Eligibility {
    /// Whether only organisations in rural settlements may apply.
    pub rural_only: bool,
    /// Fewest whole years since registration.
    pub min_years_registered: u32,
    /// Regions the call covers; empty means every region.
    pub regions: Vec<Region>,
    /// Whether only organisations an officer has verified may apply.
    pub requires_verified_organization: bool,
}

/// A validated grant call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSpec {
    /// Title.
    pub title: String,
    /// Description; may span lines.
    pub description: String,
    /// The themes funded, at least one, no repeats.
    pub priority_areas: Vec<PriorityArea>,
    /// Total money the call may award.
    pub budget: Money,
    /// Smallest grant; positive.
    pub min_grant: Money,
    /// Largest grant; between the smallest grant and the budget.
    pub max_grant: Money,
    /// Share of each project's total cost the applicant must co-finance.
    pub cofinancing_share: Share,
    /// The instant applications open.
    pub opens_at: DateTime<Utc>,
    /// The instant applications close; after the opening.
    pub closes_at: DateTime<Utc>,
    /// Who may apply.
    pub eligibility: Eligibility,
    /// The criteria reviewers score, at least one.
    pub rubric: Vec<Criterion>,
    /// Reviewers each application needs, 1..=10.
    pub reviewers_per_application: u32,
    /// Lowest aggregate score (0..=100) that may be funded without an override reason.
    pub fundable_min_score: u32,
    /// Score spread (0..=100) between reviewers above which they disagree.
    pub disagreement_spread: u32,
    /// How reviewers' scores are combined.
    pub aggregation: Aggregation,
    /// Whether reviewers see the application without the organisation's name and BIN.
    pub hide_applicant_identity: bool,
    /// The officer-written text in other languages.
    pub translations: super::translations::Translations,
}

/// Raw call fields as received; `None` means "not given". Strings are raw (untrimmed)
/// text; amounts and the share are decimal strings.
#[derive(Debug, Clone, Default)]
pub struct CallInput {
    /// Raw title.
    pub title: Option<String>,
    /// Raw description.
    pub description: Option<String>,
    /// Priority area codes.
    pub priority_areas: Option<Vec<String>>,
    /// Raw budget amount.
    pub budget: Option<String>,
    /// Raw smallest grant.
    pub min_grant: Option<String>,
    /// Raw largest grant.
    pub max_grant: Option<String>,
    /// Raw co-financing share.
    pub cofinancing_share: Option<String>,
    /// Opening instant.
    pub opens_at: Option<DateTime<Utc>>,
    /// Closing instant.
    pub closes_at: Option<DateTime<Utc>>,
    /// Eligibility rules; when absent on creation every organisation may apply.
    pub eligibility: Option<EligibilityInput>,
    /// Rubric criteria.
    pub rubric: Option<Vec<CriterionInput>>,
    /// Reviewers per application.
    pub reviewers_per_application: Option<u32>,
    /// Fundable minimum score.
    pub fundable_min_score: Option<u32>,
    /// Disagreement spread.
    pub disagreement_spread: Option<u32>,
    /// Aggregation code.
    pub aggregation: Option<String>,
    /// Whether reviewers see applications without the organisation's identity; no when absent.
    pub hide_applicant_identity: Option<bool>,
    /// Text in other languages; none when absent (replaced as a whole on a change).
    pub translations: Option<super::translations::TranslationsInput>,
}

/// Raw eligibility rules; each absent rule means "no restriction".
#[derive(Debug, Clone, Default)]
pub struct EligibilityInput {
    /// Whether only rural organisations may apply (default `false`).
    pub rural_only: Option<bool>,
    /// Fewest years of registration (default 0).
    pub min_years_registered: Option<u32>,
    /// Region codes (default: every region).
    pub regions: Option<Vec<String>>,
    /// Whether only verified organisations may apply (default `false`).
    pub requires_verified_organization: Option<bool>,
}

/// Raw criterion fields; all are required.
#[derive(Debug, Clone, Default)]
pub struct CriterionInput {
    /// Raw key.
    pub key: Option<String>,
    /// Raw title.
    pub title: Option<String>,
    /// Highest score.
    pub max_score: Option<u32>,
    /// Weight.
    pub weight: Option<u32>,
    /// Raw guidance to reviewers; none when absent.
    pub guidance: Option<String>,
}
