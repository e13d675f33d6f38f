//! Valid values shared by the unit tests of calls, applications and transitions.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::application::{ApplicationContent, BudgetCategory, BudgetLine};
use crate::call::{Aggregation, CallSpec, Criterion, Eligibility, PriorityArea};
use crate::money::{Money, Share};
use crate::organization::{OrganizationInput, OrganizationProfile};
use crate::region::Region;

/// An instant in December 2026.
pub fn at(day: u32, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, minute, second)
        .single()
        .unwrap_or_else(|| panic!("invalid instant {day} {hour}:{minute}:{second}"))
}

/// The date the service lives on in the tests.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 10).unwrap_or_else(|| panic!("invalid date"))
}

/// `tenge` whole tenge.
pub fn tenge(tenge: i64) -> Money {
    Money::from_minor(tenge * 100).unwrap_or_else(|| panic!("{tenge} out of range"))
}

/// A call for rural organisations in Aktobe and Atyrau registered at least two years,
/// open 1–20 December 2026, granting 500 000–3 000 000 tenge of a 50 000 000 budget with
/// 10 % co-financing, three reviewers and a fundable minimum of 60.
pub fn call() -> CallSpec {
    CallSpec {
        title: "Rural health 2027".to_owned(),
        description: "Small grants for rural health projects.".to_owned(),
        priority_areas: vec![PriorityArea::PublicHealth, PriorityArea::RuralDevelopment],
        budget: tenge(50_000_000),
        min_grant: tenge(500_000),
        max_grant: tenge(3_000_000),
        cofinancing_share: Share::from_basis_points(1000).unwrap_or_default(),
        opens_at: at(1, 9, 0, 0),
        closes_at: at(20, 18, 0, 0),
        eligibility: Eligibility {
            rural_only: true,
            min_years_registered: 2,
            regions: vec![Region::Aktobe, Region::Atyrau],
            requires_verified_organization: false,
        },
        rubric: vec![Criterion {
            key: "relevance".to_owned(),
            title: "Relevance".to_owned(),
            max_score: 10,
            weight: 1,
            guidance: String::new(),
        }],
        reviewers_per_application: 3,
        fundable_min_score: 60,
        disagreement_spread: 25,
        aggregation: Aggregation::Mean,
        hide_applicant_identity: false,
        translations: crate::call::Translations::default(),
    }
}

/// A rural organisation in Aktobe registered in March 2019.
pub fn organization() -> OrganizationProfile {
    OrganizationProfile::create(
        OrganizationInput {
            name: Some("«Ақ ниет» қоғамдық бірлестігі"),
            bin: Some("040540001230"),
            region: Some("aktobe"),
            settlement: Some("Қарауылкелді"),
            rural: Some(true),
            registered_on: NaiveDate::from_ymd_opt(2019, 3, 1),
            contact_email: Some("aqniet@mail.kz"),
        },
        today(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Complete content costing 2 200 000 tenge, 250 000 of it co-financed, so 1 950 000
/// tenge are requested.
pub fn content() -> ApplicationContent {
    ApplicationContent {
        title: Some("Mobile clinic days".to_owned()),
        summary: Some("Monthly clinic days in three villages.".to_owned()),
        problem: Some("The nearest clinic is 80 km away.".to_owned()),
        goals: Some("Screen 600 people a year.".to_owned()),
        activities: Some("Hire a nurse, buy equipment, run clinic days.".to_owned()),
        target_groups: vec!["older people".to_owned(), "mothers".to_owned()],
        beneficiaries: Some(600),
        settlement: Some("Қарауылкелді".to_owned()),
        duration_months: Some(12),
        budget_lines: vec![
            BudgetLine {
                category: BudgetCategory::Staff,
                description: "Nurse".to_owned(),
                quantity: 12,
                unit_cost: tenge(150_000),
                cofinanced: tenge(250_000),
            },
            BudgetLine {
                category: BudgetCategory::Equipment,
                description: "Blood pressure monitors".to_owned(),
                quantity: 1,
                unit_cost: tenge(400_000),
                cofinanced: Money::ZERO,
            },
        ],
    }
}
