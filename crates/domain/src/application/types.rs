//! An application's content and budget lines, and the raw input they are read from.

use serde::{Deserialize, Serialize};

use crate::money::Money;

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
