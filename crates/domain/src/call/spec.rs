//! Validating a call's terms, whole or as a change of a draft.

use crate::language::Language;
use crate::money::{Money, Share};
use crate::text;
use crate::validation::ValidationErrors;

use super::parse::*;
use super::translations::{Translations, TranslationsInput};
use super::types::*;

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
        let translations = input
            .translations
            .map_or_else(Translations::default, |raw| {
                parse_translations(raw, rubric.as_deref().unwrap_or_default(), errs)
            });
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
            translations,
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
                requires_verified_organization: given
                    .requires_verified_organization
                    .or(kept.requires_verified_organization),
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
            translations: input.translations.or(current.translations),
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
                requires_verified_organization: Some(
                    self.eligibility.requires_verified_organization,
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
                        guidance: Some(c.guidance.clone()),
                    })
                    .collect(),
            ),
            reviewers_per_application: Some(self.reviewers_per_application),
            fundable_min_score: Some(self.fundable_min_score),
            disagreement_spread: Some(self.disagreement_spread),
            aggregation: Some(self.aggregation.code().to_owned()),
            hide_applicant_identity: Some(self.hide_applicant_identity),
            translations: Some(TranslationsInput::from(&self.translations)),
        }
    }

    /// The title in `language`: its translation when there is one, the call's own else.
    #[must_use]
    pub fn title_in(&self, language: Language) -> &str {
        self.translations
            .get(language)
            .and_then(|t| t.title.as_deref())
            .unwrap_or(&self.title)
    }

    /// The description in `language`, falling back as [`Self::title_in`] does.
    #[must_use]
    pub fn description_in(&self, language: Language) -> &str {
        self.translations
            .get(language)
            .and_then(|t| t.description.as_deref())
            .unwrap_or(&self.description)
    }

    /// `criterion`'s title and guidance in `language`, each falling back to its own.
    #[must_use]
    pub fn criterion_in<'a>(
        &'a self,
        criterion: &'a Criterion,
        language: Language,
    ) -> (&'a str, &'a str) {
        let text = self
            .translations
            .get(language)
            .and_then(|t| t.rubric.get(&criterion.key));
        (
            text.and_then(|t| t.title.as_deref())
                .unwrap_or(&criterion.title),
            text.and_then(|t| t.guidance.as_deref())
                .unwrap_or(&criterion.guidance),
        )
    }
}
