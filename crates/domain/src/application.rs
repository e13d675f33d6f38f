//! An application's content and budget, the checks a submission must pass, and the
//! receipt that proves what was submitted.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::call::{CallSpec, Eligibility};
use crate::money::{Money, Share};
use crate::organization::OrganizationProfile;
use crate::text;
use crate::validation::{FieldError, ValidationErrors};

/// Most characters in an application's title.
pub const TITLE_MAX: usize = 300;
/// Most characters in the summary.
pub const SUMMARY_MAX: usize = 2_000;
/// Most characters in the problem, goals and activities.
pub const NARRATIVE_MAX: usize = 10_000;
/// Most target groups.
pub const TARGET_GROUPS_MAX: usize = 20;
/// Most characters in one target group.
pub const TARGET_GROUP_MAX: usize = 200;
/// Most beneficiaries.
pub const BENEFICIARIES_MAX: u32 = 10_000_000;
/// Most characters in the settlement.
pub const SETTLEMENT_MAX: usize = 200;
/// Longest project, in months.
pub const DURATION_MONTHS_MAX: u32 = 60;
/// Most budget lines.
pub const BUDGET_LINES_MAX: usize = 200;
/// Most characters in a budget line's description.
pub const LINE_DESCRIPTION_MAX: usize = 500;
/// Largest quantity on one budget line.
pub const QUANTITY_MAX: u32 = 1_000_000;

/// What a budget line pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetCategory {
    /// Salaries and fees of project staff.
    Staff,
    /// Durable equipment.
    Equipment,
    /// Consumable materials.
    Materials,
    /// Travel and transport.
    Travel,
    /// Services bought from others.
    Services,
    /// Rent of premises.
    Rent,
    /// Telephone, internet and post.
    Communication,
    /// Anything else.
    Other,
}

impl BudgetCategory {
    /// Every category.
    pub const ALL: [BudgetCategory; 8] = [
        BudgetCategory::Staff,
        BudgetCategory::Equipment,
        BudgetCategory::Materials,
        BudgetCategory::Travel,
        BudgetCategory::Services,
        BudgetCategory::Rent,
        BudgetCategory::Communication,
        BudgetCategory::Other,
    ];

    /// The stable code used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Equipment => "equipment",
            Self::Materials => "materials",
            Self::Travel => "travel",
            Self::Services => "services",
            Self::Rent => "rent",
            Self::Communication => "communication",
            Self::Other => "other",
        }
    }
}

crate::codes::closed_set!(BudgetCategory, UnknownBudgetCategory, "unknown_category");

/// One line of a project budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// What it pays for.
    pub category: BudgetCategory,
    /// What exactly.
    pub description: String,
    /// How many units, 1..=1 000 000.
    pub quantity: u32,
    /// Cost of one unit.
    pub unit_cost: Money,
    /// Part of the line total the applicant pays themself; at most the line total.
    pub cofinanced: Money,
}

impl BudgetLine {
    /// Quantity × unit cost, or `None` above [`Money::MAX`].
    #[must_use]
    pub fn total(&self) -> Option<Money> {
        self.unit_cost.checked_mul(self.quantity)
    }
}

/// The applicant's content; in a draft any field may still be missing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApplicationContent {
    /// Project title.
    pub title: Option<String>,
    /// Short summary.
    pub summary: Option<String>,
    /// The problem the project addresses.
    pub problem: Option<String>,
    /// What the project wants to achieve.
    pub goals: Option<String>,
    /// What the project will do.
    pub activities: Option<String>,
    /// The groups of people it serves.
    pub target_groups: Vec<String>,
    /// How many people benefit.
    pub beneficiaries: Option<u32>,
    /// Where it takes place.
    pub settlement: Option<String>,
    /// How long it runs, in months.
    pub duration_months: Option<u32>,
    /// The budget.
    pub budget_lines: Vec<BudgetLine>,
}

/// Raw content fields. `None` keeps the current value (on creation: leaves it empty).
#[derive(Debug, Clone, Default)]
pub struct ContentInput {
    /// Raw title.
    pub title: Option<String>,
    /// Raw summary.
    pub summary: Option<String>,
    /// Raw problem.
    pub problem: Option<String>,
    /// Raw goals.
    pub goals: Option<String>,
    /// Raw activities.
    pub activities: Option<String>,
    /// Raw target groups; replaces the whole list.
    pub target_groups: Option<Vec<String>>,
    /// Number of beneficiaries.
    pub beneficiaries: Option<u32>,
    /// Raw settlement.
    pub settlement: Option<String>,
    /// Duration in months.
    pub duration_months: Option<u32>,
    /// Raw budget lines; replaces the whole budget.
    pub budget_lines: Option<Vec<BudgetLineInput>>,
}

/// Raw budget line fields; all but `cofinanced` (default zero) are required.
#[derive(Debug, Clone, Default)]
pub struct BudgetLineInput {
    /// Category code.
    pub category: Option<String>,
    /// Raw description.
    pub description: Option<String>,
    /// Quantity.
    pub quantity: Option<u32>,
    /// Raw unit cost.
    pub unit_cost: Option<String>,
    /// Raw co-financed amount.
    pub cofinanced: Option<String>,
}

impl ApplicationContent {
    /// Applies `input` over this content: `None` keeps the current value, `Some` replaces
    /// it (lists are replaced wholesale). Every given field is validated, and the whole
    /// budget's total must stay within [`Money::MAX`] (`budget_lines`, code `too_large`).
    ///
    /// # Errors
    /// Every failing given field.
    pub fn merge(&self, input: ContentInput) -> Result<ApplicationContent, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let errs = &mut errors;
        let title = bounded(errs, "title", input.title, TITLE_MAX, false);
        let summary = bounded(errs, "summary", input.summary, SUMMARY_MAX, true);
        let problem = bounded(errs, "problem", input.problem, NARRATIVE_MAX, true);
        let goals = bounded(errs, "goals", input.goals, NARRATIVE_MAX, true);
        let activities = bounded(errs, "activities", input.activities, NARRATIVE_MAX, true);
        let target_groups = input
            .target_groups
            .map(|groups| parse_target_groups(&groups, errs));
        let beneficiaries = input
            .beneficiaries
            .and_then(|v| in_range(errs, "beneficiaries", v, BENEFICIARIES_MAX));
        let settlement = bounded(errs, "settlement", input.settlement, SETTLEMENT_MAX, false);
        let duration_months = input
            .duration_months
            .and_then(|v| in_range(errs, "duration_months", v, DURATION_MONTHS_MAX));
        let budget_lines = input
            .budget_lines
            .map(|lines| parse_budget_lines(lines, errs));
        errors.into_result()?;
        Ok(ApplicationContent {
            title: title.or_else(|| self.title.clone()),
            summary: summary.or_else(|| self.summary.clone()),
            problem: problem.or_else(|| self.problem.clone()),
            goals: goals.or_else(|| self.goals.clone()),
            activities: activities.or_else(|| self.activities.clone()),
            target_groups: target_groups.unwrap_or_else(|| self.target_groups.clone()),
            beneficiaries: beneficiaries.or(self.beneficiaries),
            settlement: settlement.or_else(|| self.settlement.clone()),
            duration_months: duration_months.or(self.duration_months),
            budget_lines: budget_lines.unwrap_or_else(|| self.budget_lines.clone()),
        })
    }
}

/// The given text, trimmed and checked, or `None` when absent or refused.
fn bounded(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<String>,
    max: usize,
    multiline: bool,
) -> Option<String> {
    raw.and_then(|v| errors.check(field, text::bounded(&v, max, multiline)))
}

/// The value, or an `out_of_range` failure of `field` outside `1..=max`.
fn in_range(errors: &mut ValidationErrors, field: &str, value: u32, max: u32) -> Option<u32> {
    if (1..=max).contains(&value) {
        Some(value)
    } else {
        errors.push(
            field,
            "out_of_range",
            format!("must be between 1 and {max}"),
        );
        None
    }
}

fn parse_target_groups(raw: &[String], errors: &mut ValidationErrors) -> Vec<String> {
    if raw.len() > TARGET_GROUPS_MAX {
        errors.push(
            "target_groups",
            "too_many",
            format!("must name at most {TARGET_GROUPS_MAX} groups"),
        );
        return Vec::new();
    }
    raw.iter()
        .enumerate()
        .filter_map(|(i, group)| {
            errors.check(
                &format!("target_groups[{i}]"),
                text::bounded(group, TARGET_GROUP_MAX, false),
            )
        })
        .collect()
}

fn parse_budget_lines(raw: Vec<BudgetLineInput>, errors: &mut ValidationErrors) -> Vec<BudgetLine> {
    if raw.len() > BUDGET_LINES_MAX {
        errors.push(
            "budget_lines",
            "too_many",
            format!("must have at most {BUDGET_LINES_MAX} lines"),
        );
        return Vec::new();
    }
    let before = errors.errors().len();
    let lines: Vec<BudgetLine> = raw
        .into_iter()
        .enumerate()
        .filter_map(|(i, line)| parse_budget_line(i, line, errors))
        .collect();
    if errors.errors().len() == before && totals(&lines).is_none() {
        errors.push("budget_lines", "too_large", "the total cost is too large");
    }
    lines
}

fn parse_budget_line(
    i: usize,
    input: BudgetLineInput,
    errors: &mut ValidationErrors,
) -> Option<BudgetLine> {
    let field = |name: &str| format!("budget_lines[{i}].{name}");
    let required = |errors: &mut ValidationErrors, name: &str, present: bool| {
        if !present {
            errors.push(field(name), "required", "is required");
        }
    };
    required(errors, "category", input.category.is_some());
    let category = input
        .category
        .and_then(|v| errors.check(&field("category"), v.parse::<BudgetCategory>()));
    required(errors, "description", input.description.is_some());
    let description = bounded(
        errors,
        &field("description"),
        input.description,
        LINE_DESCRIPTION_MAX,
        false,
    );
    required(errors, "quantity", input.quantity.is_some());
    let quantity = input
        .quantity
        .and_then(|v| in_range(errors, &field("quantity"), v, QUANTITY_MAX));
    required(errors, "unit_cost", input.unit_cost.is_some());
    let unit_cost = input
        .unit_cost
        .and_then(|v| errors.check(&field("unit_cost"), Money::parse(&v)));
    let cofinanced = match input.cofinanced {
        Some(v) => errors.check(&field("cofinanced"), Money::parse(&v)),
        None => Some(Money::ZERO),
    };
    let (quantity, unit_cost) = (quantity?, unit_cost?);
    let Some(total) = unit_cost.checked_mul(quantity) else {
        errors.push(
            field("unit_cost"),
            "too_large",
            "quantity × unit cost is too large",
        );
        return None;
    };
    let cofinanced = cofinanced?;
    if cofinanced > total {
        errors.push(
            field("cofinanced"),
            "above_line_total",
            "must not be above the line total",
        );
        return None;
    }
    Some(BudgetLine {
        category: category?,
        description: description?,
        quantity,
        unit_cost,
        cofinanced,
    })
}

/// The sums of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Σ quantity × unit cost.
    pub total_cost: Money,
    /// Σ co-financed.
    pub cofinanced_total: Money,
    /// Total cost − co-financed: what the applicant asks the call for.
    pub requested_amount: Money,
}

/// Sums the lines exactly. `None` when a sum exceeds [`Money::MAX`] (or, for lines that
/// were never validated, when co-financing exceeds the total cost).
#[must_use]
pub fn totals(lines: &[BudgetLine]) -> Option<Totals> {
    let (total_cost, cofinanced_total) =
        lines
            .iter()
            .try_fold((Money::ZERO, Money::ZERO), |(total, cofinanced), line| {
                Some((
                    total.checked_add(line.total()?)?,
                    cofinanced.checked_add(line.cofinanced)?,
                ))
            })?;
    Some(Totals {
        total_cost,
        cofinanced_total,
        requested_amount: total_cost.checked_sub(cofinanced_total)?,
    })
}

/// Fields a submission needs that are still missing, in content order, each with code
/// `required`: `title`, `summary`, `problem`, `goals`, `activities`, `target_groups` (no
/// group), `beneficiaries`, `settlement`, `duration_months`, `budget_lines` (no line).
#[must_use]
pub fn missing_fields(content: &ApplicationContent) -> Vec<FieldError> {
    [
        ("title", content.title.is_some()),
        ("summary", content.summary.is_some()),
        ("problem", content.problem.is_some()),
        ("goals", content.goals.is_some()),
        ("activities", content.activities.is_some()),
        ("target_groups", !content.target_groups.is_empty()),
        ("beneficiaries", content.beneficiaries.is_some()),
        ("settlement", content.settlement.is_some()),
        ("duration_months", content.duration_months.is_some()),
        ("budget_lines", !content.budget_lines.is_empty()),
    ]
    .into_iter()
    .filter(|(_, present)| !present)
    .map(|(field, _)| FieldError {
        field: field.to_owned(),
        code: "required",
        message: "is required for submission".to_owned(),
    })
    .collect()
}

/// Why an organisation is not eligible for a call. Each variant's Display is a sentence
/// for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityFailure {
    /// The call is for rural organisations and this one is not.
    #[error("the call is for rural organisations only")]
    NotRural,
    /// The organisation is registered too recently.
    #[error("the organisation must be registered at least {required} years (it has {actual})")]
    TooYoung {
        /// Years the call requires.
        required: u32,
        /// Whole years the organisation has.
        actual: u32,
    },
    /// The organisation's region is not among the call's regions.
    #[error("the call does not cover the organisation's region")]
    RegionNotCovered,
}

impl EligibilityFailure {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRural => "not_rural",
            Self::TooYoung { .. } => "too_recently_registered",
            Self::RegionNotCovered => "region_not_covered",
        }
    }
}

/// Every eligibility rule `org` breaks on `today` (the date in the service's time zone).
#[must_use]
pub fn eligibility_failures(
    rules: &Eligibility,
    org: &OrganizationProfile,
    today: NaiveDate,
) -> Vec<EligibilityFailure> {
    let mut failures = Vec::new();
    if rules.rural_only && !org.rural {
        failures.push(EligibilityFailure::NotRural);
    }
    let actual = org.years_registered(today);
    if actual < rules.min_years_registered {
        failures.push(EligibilityFailure::TooYoung {
            required: rules.min_years_registered,
            actual,
        });
    }
    if !rules.regions.is_empty() && !rules.regions.contains(&org.region) {
        failures.push(EligibilityFailure::RegionNotCovered);
    }
    failures
}

/// Why a budget does not fit the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetFailure {
    /// Less is requested than the call grants at least.
    #[error("the requested amount {requested} is below the call's minimum grant {min}")]
    BelowMinGrant {
        /// The requested amount.
        requested: Money,
        /// The call's minimum grant.
        min: Money,
    },
    /// More is requested than the call grants at most.
    #[error("the requested amount {requested} is above the call's maximum grant {max}")]
    AboveMaxGrant {
        /// The requested amount.
        requested: Money,
        /// The call's maximum grant.
        max: Money,
    },
    /// The applicant co-finances less than the call's share of the total cost.
    #[error(
        "co-financing {cofinanced} is below the required share {share} of the total cost {total}"
    )]
    CofinancingTooLow {
        /// The co-financed total.
        cofinanced: Money,
        /// The call's co-financing share.
        share: Share,
        /// The total cost.
        total: Money,
    },
}

impl BudgetFailure {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BelowMinGrant { .. } => "below_min_grant",
            Self::AboveMaxGrant { .. } => "above_max_grant",
            Self::CofinancingTooLow { .. } => "cofinancing_too_low",
        }
    }
}

/// Every way a budget with `totals` does not fit the call's grant limits and
/// co-financing share.
#[must_use]
pub fn budget_failures(totals: &Totals, call: &CallSpec) -> Vec<BudgetFailure> {
    let mut failures = Vec::new();
    let requested = totals.requested_amount;
    if requested < call.min_grant {
        failures.push(BudgetFailure::BelowMinGrant {
            requested,
            min: call.min_grant,
        });
    }
    if requested > call.max_grant {
        failures.push(BudgetFailure::AboveMaxGrant {
            requested,
            max: call.max_grant,
        });
    }
    if !call
        .cofinancing_share
        .is_met_by(totals.cofinanced_total, totals.total_cost)
    {
        failures.push(BudgetFailure::CofinancingTooLow {
            cofinanced: totals.cofinanced_total,
            share: call.cofinancing_share,
            total: totals.total_cost,
        });
    }
    failures
}

/// A JSON value whose objects always write their keys in lexicographic order.
enum Json {
    Null,
    Number(u32),
    String(String),
    Array(Vec<Json>),
    Object(BTreeMap<&'static str, Json>),
}

impl Json {
    fn text(value: Option<&String>) -> Json {
        value.map_or(Json::Null, |v| Json::String(v.clone()))
    }

    fn number(value: Option<u32>) -> Json {
        value.map_or(Json::Null, Json::Number)
    }

    fn money(value: Money) -> Json {
        Json::String(value.to_string())
    }

    fn object<const N: usize>(entries: [(&'static str, Json); N]) -> Json {
        Json::Object(entries.into_iter().collect())
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    Json::String((*key).to_owned()).write(out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// The canonical JSON of submitted content: keys sorted lexicographically at every level,
/// no insignificant whitespace, amounts as decimal strings with two decimals
/// (`"1250.00"`), absent optional fields as `null`, integers as JSON numbers, strings
/// escaped as `serde_json` does.
#[must_use]
pub fn canonical_json(content: &ApplicationContent) -> String {
    let lines = content
        .budget_lines
        .iter()
        .map(|line| {
            Json::object([
                ("category", Json::String(line.category.code().to_owned())),
                ("cofinanced", Json::money(line.cofinanced)),
                ("description", Json::String(line.description.clone())),
                ("quantity", Json::Number(line.quantity)),
                ("unit_cost", Json::money(line.unit_cost)),
            ])
        })
        .collect();
    let document = Json::object([
        ("activities", Json::text(content.activities.as_ref())),
        ("beneficiaries", Json::number(content.beneficiaries)),
        ("budget_lines", Json::Array(lines)),
        ("duration_months", Json::number(content.duration_months)),
        ("goals", Json::text(content.goals.as_ref())),
        ("problem", Json::text(content.problem.as_ref())),
        ("settlement", Json::text(content.settlement.as_ref())),
        ("summary", Json::text(content.summary.as_ref())),
        (
            "target_groups",
            Json::Array(
                content
                    .target_groups
                    .iter()
                    .map(|g| Json::String(g.clone()))
                    .collect(),
            ),
        ),
        ("title", Json::text(content.title.as_ref())),
    ]);
    let mut out = String::new();
    document.write(&mut out);
    out
}

/// The submission receipt: lower-case hex SHA-256 of [`canonical_json`].
#[must_use]
pub fn receipt(content: &ApplicationContent) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Sha256::digest(canonical_json(content).as_bytes())
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]])
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::fixtures::{call, content, organization, tenge, today};
    use crate::region::Region;

    fn money(raw: &str) -> Money {
        Money::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    fn line(quantity: u32, unit_cost: &str, cofinanced: &str) -> BudgetLine {
        BudgetLine {
            category: BudgetCategory::Materials,
            description: "Paper".to_owned(),
            quantity,
            unit_cost: money(unit_cost),
            cofinanced: money(cofinanced),
        }
    }

    fn line_input(quantity: u32, unit_cost: &str) -> BudgetLineInput {
        BudgetLineInput {
            category: Some("travel".to_owned()),
            description: Some(" Bus tickets ".to_owned()),
            quantity: Some(quantity),
            unit_cost: Some(unit_cost.to_owned()),
            cofinanced: None,
        }
    }

    fn failures(
        result: Result<ApplicationContent, ValidationErrors>,
    ) -> Vec<(String, &'static str)> {
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
    fn merge_validates_and_replaces_given_fields() {
        let merged = ApplicationContent::default().merge(ContentInput {
            title: Some("  Clinic days ".to_owned()),
            summary: Some("Line one\nline two".to_owned()),
            target_groups: Some(vec!["mothers".to_owned()]),
            beneficiaries: Some(600),
            budget_lines: Some(vec![line_input(3, "1000.10")]),
            ..ContentInput::default()
        });
        let merged = merged.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(merged.title.as_deref(), Some("Clinic days"));
        assert_eq!(merged.summary.as_deref(), Some("Line one\nline two"));
        assert_eq!(merged.problem, None);
        assert_eq!(
            merged.budget_lines,
            vec![BudgetLine {
                category: BudgetCategory::Travel,
                description: "Bus tickets".to_owned(),
                quantity: 3,
                unit_cost: money("1000.10"),
                cofinanced: Money::ZERO,
            }]
        );
    }

    #[test]
    fn merge_keeps_absent_fields() {
        let merged = content().merge(ContentInput {
            goals: Some("Screen 700 people a year.".to_owned()),
            ..ContentInput::default()
        });
        let expected = ApplicationContent {
            goals: Some("Screen 700 people a year.".to_owned()),
            ..content()
        };
        assert_eq!(merged, Ok(expected));
        assert_eq!(content().merge(ContentInput::default()), Ok(content()));
    }

    #[test]
    fn merge_reports_every_failing_field() {
        let fails = failures(content().merge(ContentInput {
            title: Some(" ".to_owned()),
            summary: Some("x".repeat(2001)),
            goals: Some("bad\u{0}".to_owned()),
            target_groups: Some(vec!["mothers".to_owned(), String::new()]),
            beneficiaries: Some(0),
            settlement: Some("a\nb".to_owned()),
            duration_months: Some(61),
            ..ContentInput::default()
        }));
        assert_eq!(
            fails,
            vec![
                pair("title", "required"),
                pair("summary", "too_long"),
                pair("goals", "invalid_characters"),
                pair("target_groups[1]", "required"),
                pair("beneficiaries", "out_of_range"),
                pair("settlement", "invalid_characters"),
                pair("duration_months", "out_of_range"),
            ]
        );
    }

    #[test]
    fn list_sizes_are_bounded() {
        let fails = failures(content().merge(ContentInput {
            target_groups: Some(vec!["mothers".to_owned(); 21]),
            budget_lines: Some(vec![line_input(1, "1"); 201]),
            ..ContentInput::default()
        }));
        assert_eq!(
            fails,
            vec![
                pair("target_groups", "too_many"),
                pair("budget_lines", "too_many")
            ]
        );
        let merged = content().merge(ContentInput {
            target_groups: Some(vec!["mothers".to_owned(); 20]),
            budget_lines: Some(vec![line_input(1, "1"); 200]),
            ..ContentInput::default()
        });
        assert!(merged.is_ok());
    }

    #[test]
    fn budget_lines_are_checked_one_by_one() {
        let fails = failures(content().merge(ContentInput {
            budget_lines: Some(vec![
                BudgetLineInput::default(),
                BudgetLineInput {
                    category: Some("food".to_owned()),
                    quantity: Some(0),
                    unit_cost: Some("1,5".to_owned()),
                    cofinanced: Some("-1".to_owned()),
                    ..line_input(1, "1")
                },
                BudgetLineInput {
                    cofinanced: Some("30.01".to_owned()),
                    ..line_input(3, "10")
                },
                line_input(1_000_000, "10000000000"),
                BudgetLineInput {
                    quantity: Some(1_000_001),
                    description: Some("x".repeat(501)),
                    ..line_input(1, "1")
                },
            ]),
            ..ContentInput::default()
        }));
        assert_eq!(
            fails,
            vec![
                pair("budget_lines[0].category", "required"),
                pair("budget_lines[0].description", "required"),
                pair("budget_lines[0].quantity", "required"),
                pair("budget_lines[0].unit_cost", "required"),
                pair("budget_lines[1].category", "unknown_category"),
                pair("budget_lines[1].quantity", "out_of_range"),
                pair("budget_lines[1].unit_cost", "invalid_amount"),
                pair("budget_lines[1].cofinanced", "invalid_amount"),
                pair("budget_lines[2].cofinanced", "above_line_total"),
                pair("budget_lines[3].unit_cost", "too_large"),
                pair("budget_lines[4].description", "too_long"),
                pair("budget_lines[4].quantity", "out_of_range"),
            ]
        );
    }

    #[test]
    fn cofinancing_may_equal_the_line_total() {
        let merged = content().merge(ContentInput {
            budget_lines: Some(vec![BudgetLineInput {
                cofinanced: Some("30".to_owned()),
                ..line_input(3, "10")
            }]),
            ..ContentInput::default()
        });
        assert!(merged.is_ok());
    }

    #[test]
    fn a_budget_whose_sum_overflows_is_refused() {
        let fails = failures(content().merge(ContentInput {
            budget_lines: Some(vec![line_input(1, "10000000000000"), line_input(1, "0.01")]),
            ..ContentInput::default()
        }));
        assert_eq!(fails, vec![pair("budget_lines", "too_large")]);
    }

    #[test]
    fn totals_are_exact() {
        let lines = [line(3, "1000.10", "0"), line(2, "0.05", "0.10")];
        assert_eq!(
            totals(&lines),
            Some(Totals {
                total_cost: money("3000.40"),
                cofinanced_total: money("0.10"),
                requested_amount: money("3000.30"),
            })
        );
        assert_eq!(
            totals(&[line(3, "1000.10", "0")]).map(|t| t.total_cost.to_string()),
            Some("3000.30".to_owned())
        );
        assert_eq!(totals(&[]).map(|t| t.total_cost), Some(Money::ZERO));
        assert_eq!(
            totals(&[line(1, "10000000000000", "0"), line(1, "0.01", "0")]),
            None
        );
    }

    #[test]
    fn missing_fields_are_listed_in_order() {
        let missing: Vec<String> = missing_fields(&ApplicationContent::default())
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            missing,
            vec![
                "title",
                "summary",
                "problem",
                "goals",
                "activities",
                "target_groups",
                "beneficiaries",
                "settlement",
                "duration_months",
                "budget_lines"
            ]
        );
        assert_eq!(missing_fields(&content()), vec![]);
        let partial = ApplicationContent {
            settlement: None,
            ..content()
        };
        assert_eq!(
            missing_fields(&partial),
            vec![FieldError {
                field: "settlement".to_owned(),
                code: "required",
                message: "is required for submission".to_owned(),
            }]
        );
    }

    #[test]
    fn an_eligible_organisation_has_no_failures() {
        assert_eq!(
            eligibility_failures(&call().eligibility, &organization(), today()),
            vec![]
        );
    }

    #[test]
    fn every_eligibility_failure_is_reported() {
        let org = OrganizationProfile {
            rural: false,
            region: Region::Astana,
            registered_on: NaiveDate::from_ymd_opt(2025, 12, 11).unwrap_or_default(),
            ..organization()
        };
        let failures = eligibility_failures(&call().eligibility, &org, today());
        assert_eq!(
            failures,
            vec![
                EligibilityFailure::NotRural,
                EligibilityFailure::TooYoung {
                    required: 2,
                    actual: 0
                },
                EligibilityFailure::RegionNotCovered,
            ]
        );
        let codes: Vec<&str> = failures.iter().map(EligibilityFailure::code).collect();
        assert_eq!(
            codes,
            vec!["not_rural", "too_recently_registered", "region_not_covered"]
        );
        assert_eq!(
            failures[1].to_string(),
            "the organisation must be registered at least 2 years (it has 0)"
        );
    }

    #[test]
    fn registration_years_count_on_the_anniversary() {
        let rules = Eligibility {
            min_years_registered: 2,
            ..Eligibility::default()
        };
        let registered = |date| OrganizationProfile {
            registered_on: date,
            ..organization()
        };
        let on = NaiveDate::from_ymd_opt(2024, 12, 10).unwrap_or_default();
        let after = NaiveDate::from_ymd_opt(2024, 12, 11).unwrap_or_default();
        assert_eq!(
            eligibility_failures(&rules, &registered(on), today()),
            vec![]
        );
        assert_eq!(
            eligibility_failures(&rules, &registered(after), today()),
            vec![EligibilityFailure::TooYoung {
                required: 2,
                actual: 1
            }]
        );
    }

    #[test]
    fn an_open_call_admits_every_organisation() {
        let org = OrganizationProfile {
            rural: false,
            region: Region::Astana,
            ..organization()
        };
        assert_eq!(
            eligibility_failures(&Eligibility::default(), &org, today()),
            vec![]
        );
    }

    fn budget(requested: i64, cofinanced: i64) -> Totals {
        Totals {
            total_cost: tenge(requested + cofinanced),
            cofinanced_total: tenge(cofinanced),
            requested_amount: tenge(requested),
        }
    }

    #[test]
    fn a_fitting_budget_has_no_failures() {
        let fitting = totals(&content().budget_lines).unwrap_or_else(|| panic!("overflow"));
        assert_eq!(fitting.requested_amount, tenge(1_950_000));
        assert_eq!(budget_failures(&fitting, &call()), vec![]);
        // Exactly at the limits and exactly the share.
        assert_eq!(budget_failures(&budget(500_000, 500_000), &call()), vec![]);
        assert_eq!(
            budget_failures(&budget(2_700_000, 300_000), &call()),
            vec![]
        );
    }

    #[test]
    fn every_budget_failure_is_reported() {
        let low = budget(499_999, 0);
        assert_eq!(
            budget_failures(&low, &call()),
            vec![
                BudgetFailure::BelowMinGrant {
                    requested: tenge(499_999),
                    min: tenge(500_000)
                },
                BudgetFailure::CofinancingTooLow {
                    cofinanced: Money::ZERO,
                    share: call().cofinancing_share,
                    total: tenge(499_999)
                },
            ]
        );
        let high = budget(3_000_001, 1_000_000);
        let failures = budget_failures(&high, &call());
        assert_eq!(
            failures,
            vec![BudgetFailure::AboveMaxGrant {
                requested: tenge(3_000_001),
                max: tenge(3_000_000)
            }]
        );
        assert_eq!(failures[0].code(), "above_max_grant");
        assert_eq!(
            failures[0].to_string(),
            "the requested amount 3000001.00 is above the call's maximum grant 3000000.00"
        );
        let short = Totals {
            cofinanced_total: Money::from_minor(29_999_999).unwrap_or_default(),
            ..budget(2_700_000, 300_000)
        };
        assert_eq!(
            budget_failures(&short, &call())
                .iter()
                .map(BudgetFailure::code)
                .collect::<Vec<_>>(),
            vec!["cofinancing_too_low"]
        );
    }

    #[test]
    fn canonical_json_is_sorted_and_compact() {
        let small = ApplicationContent {
            title: Some("Ақ \"ниет\"\n".to_owned()),
            target_groups: vec!["youth".to_owned()],
            beneficiaries: Some(40),
            budget_lines: vec![line(2, "1250", "0.5")],
            ..ApplicationContent::default()
        };
        assert_eq!(
            canonical_json(&small),
            concat!(
                r#"{"activities":null,"beneficiaries":40,"#,
                r#""budget_lines":[{"category":"materials","cofinanced":"0.50","#,
                r#""description":"Paper","quantity":2,"unit_cost":"1250.00"}],"#,
                r#""duration_months":null,"goals":null,"problem":null,"settlement":null,"#,
                r#""summary":null,"target_groups":["youth"],"title":"Ақ \"ниет\"\n"}"#
            )
        );
        assert_eq!(canonical_json(&small), canonical_json(&small.clone()));
        let parsed: serde_json::Value =
            serde_json::from_str(&canonical_json(&content())).unwrap_or_default();
        assert!(parsed.is_object());
    }

    #[test]
    fn the_receipt_is_the_sha256_of_the_canonical_json() {
        let empty = ApplicationContent::default();
        assert_eq!(
            canonical_json(&empty),
            concat!(
                r#"{"activities":null,"beneficiaries":null,"budget_lines":[],"#,
                r#""duration_months":null,"goals":null,"problem":null,"settlement":null,"#,
                r#""summary":null,"target_groups":[],"title":null}"#
            )
        );
        // printf '%s' "$json" | sha256sum
        assert_eq!(
            receipt(&empty),
            "9ea6cae1e7ae2afa84844b7b32a22e4f4092fc62f1b2e8af138df50d9460f429"
        );
        let full = receipt(&content());
        assert_eq!(full.len(), 64);
        assert!(
            full.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    fn with_first_line(change: impl FnOnce(&mut BudgetLine)) -> ApplicationContent {
        let mut changed = content();
        if let Some(line) = changed.budget_lines.first_mut() {
            change(line);
        }
        changed
    }

    #[test]
    fn the_receipt_changes_with_every_field() {
        let base = content();
        let other = || Some("Other".to_owned());
        let variants = [
            ApplicationContent {
                title: None,
                ..content()
            },
            ApplicationContent {
                summary: other(),
                ..content()
            },
            ApplicationContent {
                problem: other(),
                ..content()
            },
            ApplicationContent {
                goals: other(),
                ..content()
            },
            ApplicationContent {
                activities: other(),
                ..content()
            },
            ApplicationContent {
                target_groups: vec!["mothers".to_owned()],
                ..content()
            },
            ApplicationContent {
                beneficiaries: Some(601),
                ..content()
            },
            ApplicationContent {
                settlement: Some("Шалқар".to_owned()),
                ..content()
            },
            ApplicationContent {
                duration_months: Some(11),
                ..content()
            },
            ApplicationContent {
                budget_lines: vec![],
                ..content()
            },
            with_first_line(|l| l.category = BudgetCategory::Other),
            with_first_line(|l| l.description.push('!')),
            with_first_line(|l| l.quantity += 1),
            with_first_line(|l| l.unit_cost = money("150000.01")),
            with_first_line(|l| l.cofinanced = money("250000.01")),
        ];
        assert_eq!(receipt(&base), receipt(&content()));
        let mut seen = vec![receipt(&base)];
        for variant in &variants {
            let changed = receipt(variant);
            assert!(!seen.contains(&changed), "{variant:?}");
            seen.push(changed);
        }
    }

    fn arbitrary_line() -> impl Strategy<Value = BudgetLine> {
        (1..=1000u32, 0..=Money::MAX.minor() / 1000, 0..=1000i64).prop_map(
            |(quantity, unit, permille)| {
                let unit_cost = Money::from_minor(unit).unwrap_or_default();
                let total = unit * i64::from(quantity);
                BudgetLine {
                    category: BudgetCategory::Other,
                    description: "Item".to_owned(),
                    quantity,
                    unit_cost,
                    cofinanced: Money::from_minor(total / 1000 * permille).unwrap_or_default(),
                }
            },
        )
    }

    proptest! {
        #[test]
        fn totals_match_an_independent_sum(lines in prop::collection::vec(arbitrary_line(), 0..20)) {
            let total: i128 = lines
                .iter()
                .map(|l| i128::from(l.quantity) * i128::from(l.unit_cost.minor()))
                .sum();
            let cofinanced: i128 = lines.iter().map(|l| i128::from(l.cofinanced.minor())).sum();
            match totals(&lines) {
                Some(t) => {
                    prop_assert_eq!(i128::from(t.total_cost.minor()), total);
                    prop_assert_eq!(i128::from(t.cofinanced_total.minor()), cofinanced);
                    prop_assert_eq!(
                        t.cofinanced_total.checked_add(t.requested_amount),
                        Some(t.total_cost)
                    );
                }
                None => prop_assert!(total > i128::from(Money::MAX.minor())),
            }
        }
    }
}
