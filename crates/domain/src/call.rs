//! Grant calls: their validated terms, their lifecycle and the phase people see.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Money, Share};
use crate::region::Region;
use crate::text;
use crate::validation::{FieldProblem, ValidationErrors};

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
}

impl CallSpec {
    /// Validates a complete new call. An absent `eligibility` means every organisation
    /// may apply; every other field is required.
    ///
    /// # Errors
    /// Every failing or missing field, including the cross-field rules.
    pub fn create(input: CallInput) -> Result<CallSpec, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let errs = &mut errors;
        let title = required(errs, "title", input.title)
            .and_then(|v| errs.check("title", text::bounded(&v, TITLE_MAX, false)));
        let description = required(errs, "description", input.description)
            .and_then(|v| errs.check("description", text::bounded(&v, DESCRIPTION_MAX, true)));
        let priority_areas = required(errs, "priority_areas", input.priority_areas)
            .and_then(|v| parse_priority_areas(&v, errs));
        let budget = required(errs, "budget", input.budget)
            .and_then(|v| errs.check("budget", Money::parse(&v)));
        let min_grant = required(errs, "min_grant", input.min_grant)
            .and_then(|v| errs.check("min_grant", Money::parse(&v)));
        let max_grant = required(errs, "max_grant", input.max_grant)
            .and_then(|v| errs.check("max_grant", Money::parse(&v)));
        if min_grant == Some(Money::ZERO) {
            errs.push("min_grant", "must_be_positive", "must be above zero");
        }
        if let (Some(min), Some(max)) = (min_grant, max_grant)
            && min > max
        {
            errs.push(
                "max_grant",
                "below_min_grant",
                "must not be below the smallest grant",
            );
        }
        if let (Some(max), Some(budget)) = (max_grant, budget)
            && max > budget
        {
            errs.push("max_grant", "above_budget", "must not be above the budget");
        }
        let cofinancing_share = required(errs, "cofinancing_share", input.cofinancing_share)
            .and_then(|v| errs.check("cofinancing_share", Share::parse(&v)));
        let opens_at = required(errs, "opens_at", input.opens_at)
            .and_then(|at| plausible_instant(errs, "opens_at", at));
        let closes_at = required(errs, "closes_at", input.closes_at)
            .and_then(|at| plausible_instant(errs, "closes_at", at));
        if let (Some(opens), Some(closes)) = (opens_at, closes_at)
            && closes <= opens
        {
            errs.push(
                "closes_at",
                "not_after_opening",
                "must be after the opening",
            );
        }
        let eligibility = parse_eligibility(input.eligibility.unwrap_or_default(), errs);
        let rubric = required(errs, "rubric", input.rubric).and_then(|v| parse_rubric(v, errs));
        let reviewers_per_application = required(
            errs,
            "reviewers_per_application",
            input.reviewers_per_application,
        )
        .and_then(|v| in_range(errs, "reviewers_per_application", v, 1, REVIEWERS_MAX));
        let fundable_min_score = required(errs, "fundable_min_score", input.fundable_min_score)
            .and_then(|v| in_range(errs, "fundable_min_score", v, 0, FUNDABLE_MIN_SCORE_MAX));
        let disagreement_spread = required(errs, "disagreement_spread", input.disagreement_spread)
            .and_then(|v| in_range(errs, "disagreement_spread", v, 0, DISAGREEMENT_SPREAD_MAX));
        let aggregation = required(errs, "aggregation", input.aggregation)
            .and_then(|v| errs.check("aggregation", v.parse::<Aggregation>()));
        let (
            Some(title),
            Some(description),
            Some(priority_areas),
            Some(budget),
            Some(min_grant),
            Some(max_grant),
            Some(cofinancing_share),
            Some(opens_at),
            Some(closes_at),
            Some(rubric),
            Some(reviewers_per_application),
            Some(fundable_min_score),
            Some(disagreement_spread),
            Some(aggregation),
        ) = (
            title,
            description,
            priority_areas,
            budget,
            min_grant,
            max_grant,
            cofinancing_share,
            opens_at,
            closes_at,
            rubric,
            reviewers_per_application,
            fundable_min_score,
            disagreement_spread,
            aggregation,
        )
        else {
            return Err(errors);
        };
        errors.into_result()?;
        Ok(CallSpec {
            title,
            description,
            priority_areas,
            budget,
            min_grant,
            max_grant,
            cofinancing_share,
            opens_at,
            closes_at,
            eligibility,
            rubric,
            reviewers_per_application,
            fundable_min_score,
            disagreement_spread,
            aggregation,
            hide_applicant_identity: input.hide_applicant_identity.unwrap_or(false),
        })
    }

    /// Applies a partial update: given fields replace the current ones, absent fields keep
    /// them, and the result is validated as a whole so the cross-field rules hold again.
    /// Lists (priority areas, rubric, regions) are replaced wholesale; inside a given
    /// `eligibility`, absent rules keep their current value.
    ///
    /// # Errors
    /// Every failing field of the updated call.
    pub fn update(&self, input: CallInput) -> Result<CallSpec, ValidationErrors> {
        let current = self.to_input();
        let eligibility = match (input.eligibility, current.eligibility) {
            (Some(given), Some(kept)) => Some(EligibilityInput {
                rural_only: given.rural_only.or(kept.rural_only),
                min_years_registered: given.min_years_registered.or(kept.min_years_registered),
                regions: given.regions.or(kept.regions),
            }),
            (given, kept) => given.or(kept),
        };
        Self::create(CallInput {
            title: input.title.or(current.title),
            description: input.description.or(current.description),
            priority_areas: input.priority_areas.or(current.priority_areas),
            budget: input.budget.or(current.budget),
            min_grant: input.min_grant.or(current.min_grant),
            max_grant: input.max_grant.or(current.max_grant),
            cofinancing_share: input.cofinancing_share.or(current.cofinancing_share),
            opens_at: input.opens_at.or(current.opens_at),
            closes_at: input.closes_at.or(current.closes_at),
            eligibility,
            rubric: input.rubric.or(current.rubric),
            reviewers_per_application: input
                .reviewers_per_application
                .or(current.reviewers_per_application),
            fundable_min_score: input.fundable_min_score.or(current.fundable_min_score),
            disagreement_spread: input.disagreement_spread.or(current.disagreement_spread),
            aggregation: input.aggregation.or(current.aggregation),
            hide_applicant_identity: input
                .hide_applicant_identity
                .or(current.hide_applicant_identity),
        })
    }

    /// This call as raw input that validates back to it.
    fn to_input(&self) -> CallInput {
        CallInput {
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            priority_areas: Some(
                self.priority_areas
                    .iter()
                    .map(|a| a.code().to_owned())
                    .collect(),
            ),
            budget: Some(self.budget.to_string()),
            min_grant: Some(self.min_grant.to_string()),
            max_grant: Some(self.max_grant.to_string()),
            cofinancing_share: Some(self.cofinancing_share.to_string()),
            opens_at: Some(self.opens_at),
            closes_at: Some(self.closes_at),
            eligibility: Some(EligibilityInput {
                rural_only: Some(self.eligibility.rural_only),
                min_years_registered: Some(self.eligibility.min_years_registered),
                regions: Some(
                    self.eligibility
                        .regions
                        .iter()
                        .map(|r| r.code().to_owned())
                        .collect(),
                ),
            }),
            rubric: Some(
                self.rubric
                    .iter()
                    .map(|c| CriterionInput {
                        key: Some(c.key.clone()),
                        title: Some(c.title.clone()),
                        max_score: Some(c.max_score),
                        weight: Some(c.weight),
                    })
                    .collect(),
            ),
            reviewers_per_application: Some(self.reviewers_per_application),
            fundable_min_score: Some(self.fundable_min_score),
            disagreement_spread: Some(self.disagreement_spread),
            aggregation: Some(self.aggregation.code().to_owned()),
            hide_applicant_identity: Some(self.hide_applicant_identity),
        }
    }
}

/// The instant when it lies between the years 2000 and 9999; a failure of `field` otherwise
/// (databases do not all store instants far outside that range).
fn plausible_instant(
    errors: &mut ValidationErrors,
    field: &str,
    at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if (2000..=9999).contains(&at.year()) {
        Some(at)
    } else {
        errors.push(
            field,
            "out_of_range",
            "must be between the years 2000 and 9999",
        );
        None
    }
}

/// The value, or a `required` failure of `field` when absent.
fn required<T>(errors: &mut ValidationErrors, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        errors.push(field, "required", "is required");
    }
    value
}

/// The value, or an `out_of_range` failure of `field` outside `min..=max`.
fn in_range(
    errors: &mut ValidationErrors,
    field: &str,
    value: u32,
    min: u32,
    max: u32,
) -> Option<u32> {
    if (min..=max).contains(&value) {
        Some(value)
    } else {
        errors.push(
            field,
            "out_of_range",
            format!("must be between {min} and {max}"),
        );
        None
    }
}

/// Parses each code of a list of unique codes, reporting bad entries as `{field}[i]`.
/// Repeats are reported on `{field}` itself when `repeat_on_entry` is false.
fn parse_codes<T, E>(
    raw: &[String],
    field: &str,
    repeat_on_entry: bool,
    errors: &mut ValidationErrors,
) -> Option<Vec<T>>
where
    T: FromStr<Err = E> + PartialEq,
    E: FieldProblem,
{
    let before = errors.errors().len();
    let mut parsed: Vec<T> = Vec::with_capacity(raw.len());
    let mut repeated = false;
    for (i, code) in raw.iter().enumerate() {
        let entry = format!("{field}[{i}]");
        match errors.check(&entry, code.parse::<T>()) {
            Some(value) if parsed.contains(&value) => {
                if repeat_on_entry {
                    errors.push(entry, "duplicate", "must not repeat an earlier entry");
                } else {
                    repeated = true;
                }
            }
            Some(value) => parsed.push(value),
            None => {}
        }
    }
    if repeated {
        errors.push(field, "duplicate", "must not repeat an entry");
    }
    (errors.errors().len() == before).then_some(parsed)
}

fn parse_priority_areas(
    raw: &[String],
    errors: &mut ValidationErrors,
) -> Option<Vec<PriorityArea>> {
    if raw.is_empty() {
        errors.push("priority_areas", "required", "must name at least one area");
        return None;
    }
    if raw.len() > PriorityArea::ALL.len() {
        errors.push(
            "priority_areas",
            "too_many",
            format!("must name at most {} areas", PriorityArea::ALL.len()),
        );
        return None;
    }
    parse_codes(raw, "priority_areas", false, errors)
}

fn parse_eligibility(input: EligibilityInput, errors: &mut ValidationErrors) -> Eligibility {
    let min_years_registered = input.min_years_registered.unwrap_or(0);
    if min_years_registered > MIN_YEARS_REGISTERED_MAX {
        errors.push(
            "eligibility.min_years_registered",
            "out_of_range",
            format!("must be at most {MIN_YEARS_REGISTERED_MAX}"),
        );
    }
    let regions = input
        .regions
        .and_then(|codes| parse_codes(&codes, "eligibility.regions", true, errors))
        .unwrap_or_default();
    Eligibility {
        rural_only: input.rural_only.unwrap_or(false),
        min_years_registered,
        regions,
    }
}

/// Whether `key` matches `^[a-z][a-z0-9_]{0,39}$`.
fn is_criterion_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && key.len() <= CRITERION_KEY_MAX
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn parse_rubric(raw: Vec<CriterionInput>, errors: &mut ValidationErrors) -> Option<Vec<Criterion>> {
    if raw.is_empty() {
        errors.push("rubric", "required", "must have at least one criterion");
        return None;
    }
    if raw.len() > RUBRIC_MAX {
        errors.push(
            "rubric",
            "too_many",
            format!("must have at most {RUBRIC_MAX} criteria"),
        );
    }
    let before = errors.errors().len();
    let mut rubric = Vec::with_capacity(raw.len());
    let mut keys: Vec<String> = Vec::with_capacity(raw.len());
    for (i, input) in raw.into_iter().enumerate() {
        let field = |name: &str| format!("rubric[{i}].{name}");
        let key = required(errors, &field("key"), input.key).and_then(|key| {
            if !is_criterion_key(&key) {
                errors.push(
                    field("key"),
                    "invalid_key",
                    "must be a lowercase letter followed by up to 39 lowercase letters, digits or underscores",
                );
                None
            } else if keys.contains(&key) {
                errors.push(field("key"), "duplicate_key", "must be unique in the rubric");
                None
            } else {
                keys.push(key.clone());
                Some(key)
            }
        });
        let title = required(errors, &field("title"), input.title).and_then(|v| {
            errors.check(
                &field("title"),
                text::bounded(&v, CRITERION_TITLE_MAX, false),
            )
        });
        let max_score = required(errors, &field("max_score"), input.max_score)
            .and_then(|v| in_range(errors, &field("max_score"), v, 1, CRITERION_MAX_SCORE));
        let weight = required(errors, &field("weight"), input.weight).and_then(|v| {
            if v == 0 {
                errors.push(field("weight"), "must_be_positive", "must be above zero");
                None
            } else {
                in_range(errors, &field("weight"), v, 1, CRITERION_MAX_WEIGHT)
            }
        });
        if let (Some(key), Some(title), Some(max_score), Some(weight)) =
            (key, title, max_score, weight)
        {
            rubric.push(Criterion {
                key,
                title,
                max_score,
                weight,
            });
        }
    }
    (errors.errors().len() == before).then_some(rubric)
}

/// What is stored about a call's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    /// Being written; invisible to applicants and editable.
    Draft,
    /// Published; whether it is open follows from its dates.
    Published,
    /// Closed early, or recorded as closed after its closing instant.
    Closed,
    /// Its funding decisions are made.
    Decided,
}

impl CallState {
    /// Every stored state.
    pub const ALL: [CallState; 4] = [
        CallState::Draft,
        CallState::Published,
        CallState::Closed,
        CallState::Decided,
    ];

    /// The stable code used in the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Closed => "closed",
            Self::Decided => "decided",
        }
    }
}

crate::codes::closed_set!(CallState, UnknownCallState, "unknown_call_state");

/// What people see, derived from the stored state and the instant: published calls are
/// `Scheduled` before `opens_at`, `Open` from `opens_at` (inclusive) until `closes_at`
/// (exclusive), `Closed` from `closes_at` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallPhase {
    /// Not yet published.
    Draft,
    /// Published but not yet open.
    Scheduled,
    /// Accepting submissions.
    Open,
    /// No longer accepting submissions.
    Closed,
    /// Decisions made.
    Decided,
}

impl CallPhase {
    /// Every phase.
    pub const ALL: [CallPhase; 5] = [
        CallPhase::Draft,
        CallPhase::Scheduled,
        CallPhase::Open,
        CallPhase::Closed,
        CallPhase::Decided,
    ];

    /// The stable code used in the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Decided => "decided",
        }
    }
}

crate::codes::displayed_as_code!(CallPhase);

/// The phase of a call in `state` with the given dates at the instant `now`.
#[must_use]
pub fn phase(
    state: CallState,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> CallPhase {
    match state {
        CallState::Draft => CallPhase::Draft,
        CallState::Published if now < opens_at => CallPhase::Scheduled,
        CallState::Published if now < closes_at => CallPhase::Open,
        CallState::Published | CallState::Closed => CallPhase::Closed,
        CallState::Decided => CallPhase::Decided,
    }
}

/// Why a call's lifecycle change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallTransitionError {
    /// The call is no longer a draft; the payload is the refused action ("edited",
    /// "published").
    #[error("only a draft call can be {0}")]
    NotDraft(&'static str),
    /// Only a published call can be closed.
    #[error("only a published call can be closed")]
    NotPublished,
    /// Publishing a call whose closing instant is not in the future.
    #[error("the closing instant has already passed")]
    ClosingInPast,
}

/// Publishes a draft call whose closing instant is still ahead of `now`.
///
/// # Errors
/// [`CallTransitionError::NotDraft`] unless `state` is `Draft`;
/// [`CallTransitionError::ClosingInPast`] when `spec.closes_at` is not after `now`.
pub fn publish(
    state: CallState,
    spec: &CallSpec,
    now: DateTime<Utc>,
) -> Result<CallState, CallTransitionError> {
    match state {
        CallState::Draft if spec.closes_at > now => Ok(CallState::Published),
        CallState::Draft => Err(CallTransitionError::ClosingInPast),
        CallState::Published | CallState::Closed | CallState::Decided => {
            Err(CallTransitionError::NotDraft("published"))
        }
    }
}

/// Closes a published call, early or (to record it) after its closing instant.
///
/// # Errors
/// [`CallTransitionError::NotPublished`] unless `state` is `Published`.
pub fn close(state: CallState) -> Result<CallState, CallTransitionError> {
    match state {
        CallState::Published => Ok(CallState::Closed),
        CallState::Draft | CallState::Closed | CallState::Decided => {
            Err(CallTransitionError::NotPublished)
        }
    }
}

/// Checks that a call in `state` may be edited.
///
/// # Errors
/// [`CallTransitionError::NotDraft`] unless `state` is `Draft`.
pub fn check_editable(state: CallState) -> Result<(), CallTransitionError> {
    match state {
        CallState::Draft => Ok(()),
        CallState::Published | CallState::Closed | CallState::Decided => {
            Err(CallTransitionError::NotDraft("edited"))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn criterion(key: &str) -> CriterionInput {
        CriterionInput {
            key: Some(key.to_owned()),
            title: Some("Relevance to the community".to_owned()),
            max_score: Some(10),
            weight: Some(2),
        }
    }

    fn valid() -> CallInput {
        CallInput {
            title: Some("  Rural health 2027 ".to_owned()),
            description: Some("Small grants for\nrural health projects.".to_owned()),
            priority_areas: Some(vec![
                "public_health".to_owned(),
                "rural_development".to_owned(),
            ]),
            budget: Some("50000000".to_owned()),
            min_grant: Some("500000".to_owned()),
            max_grant: Some("3000000.50".to_owned()),
            cofinancing_share: Some("0.1".to_owned()),
            opens_at: Some(at(1, 9)),
            closes_at: Some(at(20, 18)),
            eligibility: Some(EligibilityInput {
                rural_only: Some(true),
                min_years_registered: Some(2),
                regions: Some(vec!["aktobe".to_owned(), "atyrau".to_owned()]),
            }),
            rubric: Some(vec![criterion("relevance"), criterion("budget_quality")]),
            reviewers_per_application: Some(3),
            fundable_min_score: Some(60),
            disagreement_spread: Some(25),
            aggregation: Some("median".to_owned()),
            hide_applicant_identity: None,
        }
    }

    fn spec() -> CallSpec {
        CallSpec::create(valid()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn failures(result: Result<CallSpec, ValidationErrors>) -> Vec<(String, &'static str)> {
        result
            .err()
            .map(|e| {
                e.errors()
                    .iter()
                    .map(|f| (f.field.clone(), f.code))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn pair(field: &str, code: &'static str) -> (String, &'static str) {
        (field.to_owned(), code)
    }

    #[test]
    fn a_complete_call_is_accepted() {
        let call = spec();
        assert_eq!(call.title, "Rural health 2027");
        assert_eq!(call.max_grant.minor(), 300_000_050);
        assert_eq!(call.cofinancing_share.basis_points(), 1000);
        assert_eq!(
            call.eligibility.regions,
            vec![Region::Aktobe, Region::Atyrau]
        );
        assert_eq!(call.aggregation, Aggregation::Median);
        assert_eq!(call.rubric.len(), 2);
    }

    #[test]
    fn every_missing_field_is_required_but_eligibility() {
        let fails = failures(CallSpec::create(CallInput::default()));
        assert_eq!(fails.len(), 14);
        assert!(fails.iter().all(|(_, code)| *code == "required"));
        assert!(!fails.iter().any(|(field, _)| field == "eligibility"));
    }

    #[test]
    fn an_absent_eligibility_admits_everyone() {
        let call = CallSpec::create(CallInput {
            eligibility: None,
            ..valid()
        });
        assert_eq!(call.map(|c| c.eligibility), Ok(Eligibility::default()));
    }

    #[test]
    fn grant_limits_are_checked_against_each_other() {
        let fails = failures(CallSpec::create(CallInput {
            min_grant: Some("0".to_owned()),
            ..valid()
        }));
        assert_eq!(fails, vec![pair("min_grant", "must_be_positive")]);
        let fails = failures(CallSpec::create(CallInput {
            min_grant: Some("4000000".to_owned()),
            max_grant: Some("60000000".to_owned()),
            ..valid()
        }));
        assert_eq!(fails, vec![pair("max_grant", "above_budget")]);
        let fails = failures(CallSpec::create(CallInput {
            min_grant: Some("4000000".to_owned()),
            ..valid()
        }));
        assert_eq!(fails, vec![pair("max_grant", "below_min_grant")]);
        let fails = failures(CallSpec::create(CallInput {
            budget: Some("1e6".to_owned()),
            cofinancing_share: Some("1.5".to_owned()),
            ..valid()
        }));
        assert_eq!(
            fails,
            vec![
                pair("budget", "invalid_amount"),
                pair("cofinancing_share", "out_of_range")
            ]
        );
    }

    #[test]
    fn the_call_must_close_after_it_opens() {
        let fails = failures(CallSpec::create(CallInput {
            closes_at: Some(at(1, 9)),
            ..valid()
        }));
        assert_eq!(fails, vec![pair("closes_at", "not_after_opening")]);
    }

    #[test]
    fn priority_areas_are_known_and_unique() {
        let areas = |codes: &[&str]| {
            failures(CallSpec::create(CallInput {
                priority_areas: Some(codes.iter().map(|c| (*c).to_owned()).collect()),
                ..valid()
            }))
        };
        assert_eq!(areas(&[]), vec![pair("priority_areas", "required")]);
        assert_eq!(
            areas(&["youth", "sports"]),
            vec![pair("priority_areas[1]", "unknown_priority_area")]
        );
        assert_eq!(
            areas(&["youth", "ecology", "youth"]),
            vec![pair("priority_areas", "duplicate")]
        );
        assert_eq!(
            areas(&["youth"; 10]),
            vec![pair("priority_areas", "too_many")]
        );
        let all: Vec<&str> = PriorityArea::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(areas(&all), vec![]);
    }

    #[test]
    fn eligibility_rules_are_checked() {
        let fails = failures(CallSpec::create(CallInput {
            eligibility: Some(EligibilityInput {
                rural_only: None,
                min_years_registered: Some(101),
                regions: Some(vec![
                    "aktobe".to_owned(),
                    "moscow".to_owned(),
                    "aktobe".to_owned(),
                ]),
            }),
            ..valid()
        }));
        assert_eq!(
            fails,
            vec![
                pair("eligibility.min_years_registered", "out_of_range"),
                pair("eligibility.regions[1]", "unknown_region"),
                pair("eligibility.regions[2]", "duplicate"),
            ]
        );
    }

    #[test]
    fn rubric_criteria_are_checked_one_by_one() {
        let fails = failures(CallSpec::create(CallInput {
            rubric: Some(vec![
                criterion("relevance"),
                criterion("relevance"),
                criterion("Relevance"),
                criterion(&format!("a{}", "b".repeat(40))),
                CriterionInput {
                    title: Some(" ".to_owned()),
                    max_score: Some(101),
                    weight: Some(0),
                    ..criterion("impact")
                },
                CriterionInput {
                    max_score: Some(0),
                    weight: Some(101),
                    ..criterion("reach")
                },
                CriterionInput {
                    key: None,
                    ..criterion("x")
                },
            ]),
            ..valid()
        }));
        assert_eq!(
            fails,
            vec![
                pair("rubric[1].key", "duplicate_key"),
                pair("rubric[2].key", "invalid_key"),
                pair("rubric[3].key", "invalid_key"),
                pair("rubric[4].title", "required"),
                pair("rubric[4].max_score", "out_of_range"),
                pair("rubric[4].weight", "must_be_positive"),
                pair("rubric[5].max_score", "out_of_range"),
                pair("rubric[5].weight", "out_of_range"),
                pair("rubric[6].key", "required"),
            ]
        );
    }

    #[test]
    fn a_rubric_has_one_to_twenty_criteria() {
        let rubric = |n: usize| {
            failures(CallSpec::create(CallInput {
                rubric: Some((0..n).map(|i| criterion(&format!("c{i}"))).collect()),
                ..valid()
            }))
        };
        assert_eq!(rubric(0), vec![pair("rubric", "required")]);
        assert_eq!(rubric(20), vec![]);
        assert_eq!(rubric(21), vec![pair("rubric", "too_many")]);
        assert!(is_criterion_key(&format!("a{}", "0".repeat(39))));
        assert!(!is_criterion_key("1a"));
        assert!(!is_criterion_key("a-b"));
        assert!(!is_criterion_key(""));
    }

    #[test]
    fn review_settings_are_bounded() {
        let fails = failures(CallSpec::create(CallInput {
            reviewers_per_application: Some(0),
            fundable_min_score: Some(101),
            disagreement_spread: Some(101),
            aggregation: Some("max".to_owned()),
            ..valid()
        }));
        assert_eq!(
            fails,
            vec![
                pair("reviewers_per_application", "out_of_range"),
                pair("fundable_min_score", "out_of_range"),
                pair("disagreement_spread", "out_of_range"),
                pair("aggregation", "unknown_aggregation"),
            ]
        );
    }

    #[test]
    fn an_update_keeps_absent_fields() {
        let updated = spec().update(CallInput {
            title: Some("Rural health 2028".to_owned()),
            eligibility: Some(EligibilityInput {
                rural_only: Some(false),
                ..EligibilityInput::default()
            }),
            ..CallInput::default()
        });
        let expected = CallSpec {
            title: "Rural health 2028".to_owned(),
            eligibility: Eligibility {
                rural_only: false,
                ..spec().eligibility
            },
            ..spec()
        };
        assert_eq!(updated, Ok(expected));
        assert_eq!(spec().update(CallInput::default()), Ok(spec()));
    }

    #[test]
    fn an_update_rechecks_cross_field_rules() {
        let fails = failures(spec().update(CallInput {
            budget: Some("1000000".to_owned()),
            ..CallInput::default()
        }));
        assert_eq!(fails, vec![pair("max_grant", "above_budget")]);
        let fails = failures(spec().update(CallInput {
            opens_at: Some(at(21, 0)),
            ..CallInput::default()
        }));
        assert_eq!(fails, vec![pair("closes_at", "not_after_opening")]);
    }

    #[test]
    fn codes_round_trip() {
        for area in PriorityArea::ALL {
            assert_eq!(area.code().parse::<PriorityArea>(), Ok(area));
        }
        for aggregation in Aggregation::ALL {
            assert_eq!(aggregation.code().parse::<Aggregation>(), Ok(aggregation));
        }
        for state in CallState::ALL {
            assert_eq!(state.code().parse::<CallState>(), Ok(state));
        }
        assert_eq!("open".parse::<CallState>(), Err(UnknownCallState));
        assert_eq!(
            serde_json::to_string(&PriorityArea::WomenAndChildren).ok(),
            Some("\"women_and_children\"".to_owned())
        );
    }

    #[test]
    fn the_phase_follows_the_dates_when_published() {
        let (opens, closes) = (at(1, 9), at(20, 18));
        let published = |now| phase(CallState::Published, opens, closes, now);
        assert_eq!(published(at(1, 8)), CallPhase::Scheduled);
        assert_eq!(published(opens), CallPhase::Open);
        assert_eq!(published(at(20, 17)), CallPhase::Open);
        assert_eq!(published(closes), CallPhase::Closed);
        assert_eq!(
            phase(CallState::Draft, opens, closes, at(10, 0)),
            CallPhase::Draft
        );
        assert_eq!(
            phase(CallState::Closed, opens, closes, at(10, 0)),
            CallPhase::Closed
        );
        assert_eq!(
            phase(CallState::Decided, opens, closes, at(10, 0)),
            CallPhase::Decided
        );
    }

    #[test]
    fn only_a_draft_with_a_future_closing_is_published() {
        let call = spec();
        assert_eq!(
            publish(CallState::Draft, &call, at(19, 0)),
            Ok(CallState::Published)
        );
        assert_eq!(
            publish(CallState::Draft, &call, at(20, 18)),
            Err(CallTransitionError::ClosingInPast)
        );
        assert_eq!(
            publish(CallState::Published, &call, at(19, 0)),
            Err(CallTransitionError::NotDraft("published"))
        );
    }

    #[test]
    fn only_a_published_call_is_closed() {
        assert_eq!(close(CallState::Published), Ok(CallState::Closed));
        for state in [CallState::Draft, CallState::Closed, CallState::Decided] {
            assert_eq!(close(state), Err(CallTransitionError::NotPublished));
        }
    }

    #[test]
    fn only_a_draft_is_edited() {
        assert_eq!(check_editable(CallState::Draft), Ok(()));
        assert_eq!(
            check_editable(CallState::Published),
            Err(CallTransitionError::NotDraft("edited"))
        );
        assert_eq!(
            CallTransitionError::NotDraft("edited").to_string(),
            "only a draft call can be edited"
        );
    }
}
