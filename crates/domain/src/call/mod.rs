//! Grant calls: their validated terms, their lifecycle and the phase people see.

mod lifecycle;
mod parse;
mod spec;
mod translations;
mod types;

pub use lifecycle::*;
pub use translations::*;
pub use types::*;

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::language::Language;
    use crate::region::Region;
    use crate::validation::ValidationErrors;
    use parse::is_criterion_key;

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
            guidance: None,
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
                requires_verified_organization: None,
            }),
            rubric: Some(vec![criterion("relevance"), criterion("budget_quality")]),
            reviewers_per_application: Some(3),
            fundable_min_score: Some(60),
            disagreement_spread: Some(25),
            aggregation: Some("median".to_owned()),
            hide_applicant_identity: None,
            translations: None,
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
                requires_verified_organization: None,
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

    fn kazakh(rubric: Vec<(&str, CriterionTextInput)>) -> TranslationsInput {
        TranslationsInput {
            kk: Some(CallTextInput {
                title: Some(" Ауылдағы денсаулық ".to_owned()),
                description: None,
                rubric: Some(rubric.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
            }),
            ..TranslationsInput::default()
        }
    }

    #[test]
    fn a_call_is_read_in_the_readers_language_where_it_has_text_and_in_its_own_elsewhere() {
        let spec = CallSpec::create(CallInput {
            rubric: Some(vec![CriterionInput {
                guidance: Some("Does the village need it?".to_owned()),
                ..criterion("relevance")
            }]),
            translations: Some(kazakh(vec![(
                "relevance",
                CriterionTextInput {
                    title: Some("Ауылға қажеттілігі".to_owned()),
                    guidance: None,
                },
            )])),
            ..valid()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.title_in(Language::Kk), "Ауылдағы денсаулық");
        assert_eq!(spec.title_in(Language::En), spec.title);
        assert_eq!(spec.description_in(Language::Kk), spec.description);
        let criterion = &spec.rubric[0];
        assert_eq!(criterion.guidance, "Does the village need it?");
        assert_eq!(
            spec.criterion_in(criterion, Language::Kk),
            ("Ауылға қажеттілігі", "Does the village need it?")
        );
        assert_eq!(
            spec.criterion_in(criterion, Language::Ru),
            ("Relevance to the community", "Does the village need it?")
        );
        // A change without translations keeps them; a change with them replaces them.
        let kept = spec
            .update(CallInput::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kept, spec);
        let replaced = spec
            .update(CallInput {
                translations: Some(TranslationsInput::default()),
                ..CallInput::default()
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(replaced.translations.is_empty());
    }

    #[test]
    fn translations_are_bounded_like_their_fields_and_name_criteria_of_the_rubric() {
        let fails = failures(CallSpec::create(CallInput {
            rubric: Some(vec![CriterionInput {
                guidance: Some("x".repeat(GUIDANCE_MAX + 1)),
                ..criterion("relevance")
            }]),
            ..valid()
        }));
        assert_eq!(fails, vec![pair("rubric[0].guidance", "too_long")]);
        let fails = failures(CallSpec::create(CallInput {
            rubric: Some(vec![criterion("relevance")]),
            translations: Some(TranslationsInput {
                en: Some(CallTextInput {
                    title: Some(" ".to_owned()),
                    description: Some("y".repeat(DESCRIPTION_MAX + 1)),
                    rubric: None,
                }),
                ..kazakh(vec![
                    (
                        "impact",
                        CriterionTextInput {
                            title: Some("Әсері".to_owned()),
                            guidance: None,
                        },
                    ),
                    (
                        "relevance",
                        CriterionTextInput {
                            title: Some("\u{7}".to_owned()),
                            guidance: Some("z".repeat(GUIDANCE_MAX + 1)),
                        },
                    ),
                ])
            }),
            ..valid()
        }));
        assert_eq!(
            fails,
            vec![
                pair("translations.kk.rubric.impact", "unknown_criterion"),
                pair(
                    "translations.kk.rubric.relevance.title",
                    "invalid_characters"
                ),
                pair("translations.kk.rubric.relevance.guidance", "too_long"),
                pair("translations.en.title", "required"),
                pair("translations.en.description", "too_long"),
            ]
        );
    }
}
