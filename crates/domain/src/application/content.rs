//! Reading and merging an application's content, field by field.

use crate::money::Money;
use crate::text;
use crate::validation::ValidationErrors;

use super::checks::totals;
use super::types::*;

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
pub(super) fn bounded(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<String>,
    max: usize,
    multiline: bool,
) -> Option<String> {
    raw.and_then(|v| errors.check(field, text::bounded(&v, max, multiline)))
}

/// The value, or an `out_of_range` failure of `field` outside `1..=max`.
pub(super) fn in_range(
    errors: &mut ValidationErrors,
    field: &str,
    value: u32,
    max: u32,
) -> Option<u32> {
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

pub(super) fn parse_target_groups(raw: &[String], errors: &mut ValidationErrors) -> Vec<String> {
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

pub(super) fn parse_budget_lines(
    raw: Vec<BudgetLineInput>,
    errors: &mut ValidationErrors,
) -> Vec<BudgetLine> {
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

pub(super) fn parse_budget_line(
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
