//! Valid records for tests and benchmarks that seed a database through the repositories.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::call::{CallInput, CallSpec, CriterionInput};
use domain::language::Language;
use domain::organization::{OrganizationInput, OrganizationProfile};
use domain::role::Role;

use crate::records::NewUser;

/// A BIN with a valid check digit.
pub const BIN: &str = "040540001230";

/// An account with `email`, `role` and `language`, and a placeholder password hash.
#[must_use]
pub fn user(email: &str, role: Role, language: Language) -> NewUser {
    NewUser {
        email: email.to_owned(),
        name: format!("Name of {email}"),
        language,
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
    }
}

/// A rural NGO in Aktobe region registered in 2019, with [`BIN`].
///
/// # Panics
/// Never for a `today` after 2020.
#[must_use]
pub fn organization(today: NaiveDate) -> OrganizationProfile {
    let input = OrganizationInput {
        name: Some("Ақ ниет"),
        bin: Some(BIN),
        region: Some("aktobe"),
        settlement: Some("Шалқар"),
        rural: Some(true),
        registered_on: NaiveDate::from_ymd_opt(2019, 3, 1),
        contact_email: Some("aqniet@mail.kz"),
    };
    OrganizationProfile::create(input, today).unwrap_or_else(|e| panic!("fixture: {e}"))
}

/// A call open since a day before `now` for thirty days, with a budget of 100 million
/// tenge, one criterion and one reviewer per application.
///
/// # Panics
/// Never.
#[must_use]
pub fn call(now: DateTime<Utc>) -> CallSpec {
    CallSpec::create(CallInput {
        title: Some("Ауыл аманаты".to_owned()),
        description: Some("Гранты для сельских НПО".to_owned()),
        priority_areas: Some(vec!["public_health".to_owned()]),
        budget: Some("100000000".to_owned()),
        min_grant: Some("100000".to_owned()),
        max_grant: Some("3000000".to_owned()),
        cofinancing_share: Some("0".to_owned()),
        opens_at: Some(now - Duration::days(1)),
        closes_at: Some(now + Duration::days(30)),
        eligibility: None,
        rubric: Some(vec![CriterionInput {
            key: Some("relevance".to_owned()),
            title: Some("Relevance".to_owned()),
            max_score: Some(10),
            weight: Some(1),
            guidance: None,
        }]),
        reviewers_per_application: Some(1),
        fundable_min_score: Some(50),
        disagreement_spread: Some(30),
        aggregation: Some("mean".to_owned()),
        hide_applicant_identity: None,
        translations: None,
    })
    .unwrap_or_else(|e| panic!("fixture: {e:?}"))
}
