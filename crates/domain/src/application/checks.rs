//! The totals of a budget and the checks a submission must pass.

use chrono::NaiveDate;

use crate::call::{CallSpec, Eligibility};
use crate::money::{Money, Share};
use crate::organization::OrganizationProfile;
use crate::validation::FieldError;

use super::types::*;

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
    /// The call admits verified organisations only and an officer has not verified this one.
    #[error("the call is for organisations verified by the operator only")]
    Unverified,
}

impl EligibilityFailure {
    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRural => "not_rural",
            Self::TooYoung { .. } => "too_recently_registered",
            Self::RegionNotCovered => "region_not_covered",
            Self::Unverified => "organization_unverified",
        }
    }
}

/// Every eligibility rule `org` breaks on `today` (the date in the service's time zone);
/// `verified` says whether an officer has verified it.
#[must_use]
pub fn eligibility_failures(
    rules: &Eligibility,
    org: &OrganizationProfile,
    verified: bool,
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
    if rules.requires_verified_organization && !verified {
        failures.push(EligibilityFailure::Unverified);
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
