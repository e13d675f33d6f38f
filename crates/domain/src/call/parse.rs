//! The checks a call's fields go through.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};

use crate::text;
use crate::validation::{FieldProblem, ValidationErrors};

use super::translations::{
    CallText, CallTextInput, CriterionText, Translations, TranslationsInput,
};
use super::types::*;

/// The instant when it lies between the years 2000 and 9999; a failure of `field` otherwise
/// (databases do not all store instants far outside that range).
pub(super) fn plausible_instant(
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
pub(super) fn required<T>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<T>,
) -> Option<T> {
    if value.is_none() {
        errors.push(field, "required", "is required");
    }
    value
}

/// The value, or an `out_of_range` failure of `field` outside `min..=max`.
pub(super) fn in_range(
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
pub(super) fn parse_codes<T, E>(
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

pub(super) fn parse_priority_areas(
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

pub(super) fn parse_eligibility(
    input: EligibilityInput,
    errors: &mut ValidationErrors,
) -> Eligibility {
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
        requires_verified_organization: input.requires_verified_organization.unwrap_or(false),
    }
}

/// Whether `key` matches `^[a-z][a-z0-9_]{0,39}$`.
pub(super) fn is_criterion_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && key.len() <= CRITERION_KEY_MAX
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub(super) fn parse_rubric(
    raw: Vec<CriterionInput>,
    errors: &mut ValidationErrors,
) -> Option<Vec<Criterion>> {
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
        let guidance = match input.guidance {
            Some(v) if !v.trim().is_empty() => errors
                .check(&field("guidance"), text::bounded(&v, GUIDANCE_MAX, true))
                .unwrap_or_default(),
            Some(_) | None => String::new(),
        };
        if let (Some(key), Some(title), Some(max_score), Some(weight)) =
            (key, title, max_score, weight)
        {
            rubric.push(Criterion {
                key,
                title,
                max_score,
                weight,
                guidance,
            });
        }
    }
    (errors.errors().len() == before).then_some(rubric)
}

/// Validates `raw` against `rubric`: every text is bounded like the field it translates,
/// and criteria are named by keys of the rubric.
pub(super) fn parse_translations(
    raw: TranslationsInput,
    rubric: &[Criterion],
    errors: &mut ValidationErrors,
) -> Translations {
    let mut one = |language: &str, text: Option<CallTextInput>| {
        text.map(|text| parse_text(language, text, rubric, errors))
    };
    Translations {
        kk: one("kk", raw.kk),
        ru: one("ru", raw.ru),
        en: one("en", raw.en),
    }
}

fn parse_text(
    language: &str,
    raw: CallTextInput,
    rubric: &[Criterion],
    errors: &mut ValidationErrors,
) -> CallText {
    let field = |name: &str| format!("translations.{language}.{name}");
    let title = raw
        .title
        .and_then(|v| errors.check(&field("title"), text::bounded(&v, TITLE_MAX, false)));
    let description = raw.description.and_then(|v| {
        errors.check(
            &field("description"),
            text::bounded(&v, DESCRIPTION_MAX, true),
        )
    });
    let mut criteria = BTreeMap::new();
    for (key, input) in raw.rubric.unwrap_or_default() {
        let at = |name: &str| field(&format!("rubric.{key}.{name}"));
        if !rubric.iter().any(|c| c.key == key) {
            errors.push(
                field(&format!("rubric.{key}")),
                "unknown_criterion",
                "names no criterion of the rubric",
            );
            continue;
        }
        let title = input.title.and_then(|v| {
            errors.check(&at("title"), text::bounded(&v, CRITERION_TITLE_MAX, false))
        });
        let guidance = input
            .guidance
            .and_then(|v| errors.check(&at("guidance"), text::bounded(&v, GUIDANCE_MAX, true)));
        criteria.insert(key, CriterionText { title, guidance });
    }
    CallText {
        title,
        description,
        rubric: criteria,
    }
}
