//! An application's content and budget, the checks a submission must pass, and the
//! receipt that proves what was submitted.

mod checks;
mod content;
mod receipt;
mod types;

pub use checks::*;
pub use receipt::*;
pub use types::*;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use chrono::NaiveDate;

    use super::*;
    use crate::call::Eligibility;
    use crate::fixtures::{call, content, organization, tenge, today};
    use crate::money::Money;
    use crate::organization::OrganizationProfile;
    use crate::region::Region;
    use crate::validation::{FieldError, ValidationErrors};

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
            eligibility_failures(&call().eligibility, &organization(), false, today()),
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
        let failures = eligibility_failures(&call().eligibility, &org, false, today());
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
            eligibility_failures(&rules, &registered(on), false, today()),
            vec![]
        );
        assert_eq!(
            eligibility_failures(&rules, &registered(after), false, today()),
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
            eligibility_failures(&Eligibility::default(), &org, false, today()),
            vec![]
        );
    }

    #[test]
    fn a_call_for_verified_organisations_refuses_an_unverified_one() {
        let rules = Eligibility {
            requires_verified_organization: true,
            ..Eligibility::default()
        };
        assert_eq!(
            eligibility_failures(&rules, &organization(), false, today()),
            vec![EligibilityFailure::Unverified]
        );
        assert_eq!(
            EligibilityFailure::Unverified.code(),
            "organization_unverified"
        );
        assert_eq!(
            eligibility_failures(&rules, &organization(), true, today()),
            vec![]
        );
        assert_eq!(
            eligibility_failures(&Eligibility::default(), &organization(), false, today()),
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
