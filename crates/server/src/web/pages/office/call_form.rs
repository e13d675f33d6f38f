//! The officer's call form as typed: every field of a call, rubric rows added and removed
//! without scripts, and the call's text in each language. It turns into the use case's
//! input; a number or an instant that does not parse is refused here, beside its field.

use std::collections::BTreeMap;

use domain::call::{
    CallInput, CallTextInput, CriterionInput, CriterionTextInput, EligibilityInput, PriorityArea,
    TranslationsInput,
};
use domain::language::Language;
use domain::region::Region;
use persistence::records::CallRecord;
use serde::Serialize;

/// The most rubric rows the form carries.
pub const RUBRIC_ROWS_MAX: usize = 20;

/// A rubric row as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CriterionRow {
    pub key: String,
    pub title: String,
    pub max_score: String,
    pub weight: String,
    pub guidance: String,
}

impl CriterionRow {
    fn is_blank(&self) -> bool {
        [
            &self.key,
            &self.title,
            &self.max_score,
            &self.weight,
            &self.guidance,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

/// A criterion's text in one language, as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CriterionText {
    pub title: String,
    pub guidance: String,
}

/// The call's text in one language, as typed; `rubric` follows the rubric rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TextDraft {
    pub code: &'static str,
    pub title: String,
    pub description: String,
    pub rubric: Vec<CriterionText>,
}

/// The call form as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CallDraft {
    pub version: String,
    pub title: String,
    pub description: String,
    pub areas: Vec<String>,
    pub budget: String,
    pub min_grant: String,
    pub max_grant: String,
    pub cofinancing_share: String,
    pub opens_at: String,
    pub closes_at: String,
    pub rural_only: bool,
    pub verified_only: bool,
    pub min_years: String,
    pub regions: Vec<String>,
    pub reviewers_per_application: String,
    pub fundable_min_score: String,
    pub disagreement_spread: String,
    pub aggregation: String,
    pub hide_identity: bool,
    pub rubric: Vec<CriterionRow>,
    pub texts: Vec<TextDraft>,
}

/// How an instant is typed: Almaty's wall clock, as a `datetime-local` field sends it.
const WALL_CLOCK: &str = "%Y-%m-%dT%H:%M";

impl CallDraft {
    /// An empty form with one rubric row and the usual settings.
    #[must_use]
    pub fn blank() -> Self {
        let mut draft = Self {
            reviewers_per_application: "2".to_owned(),
            fundable_min_score: "60".to_owned(),
            disagreement_spread: "20".to_owned(),
            aggregation: "mean".to_owned(),
            cofinancing_share: "0".to_owned(),
            min_years: "0".to_owned(),
            rubric: vec![CriterionRow::default()],
            ..Self::default()
        };
        draft.texts = texts(&BTreeMap::new(), 1);
        draft
    }

    /// The form holding `record`.
    #[must_use]
    pub fn of(record: &CallRecord) -> Self {
        let spec = &record.spec;
        let wall = |at| {
            domain::calendar::in_almaty(at)
                .format(WALL_CLOCK)
                .to_string()
        };
        let rubric: Vec<CriterionRow> = spec
            .rubric
            .iter()
            .map(|c| CriterionRow {
                key: c.key.clone(),
                title: c.title.clone(),
                max_score: c.max_score.to_string(),
                weight: c.weight.to_string(),
                guidance: c.guidance.clone(),
            })
            .collect();
        let mut typed = BTreeMap::new();
        for language in Language::ALL {
            let Some(text) = spec.translations.get(language) else {
                continue;
            };
            let code = language.code();
            let mut put = |name: String, value: &Option<String>| {
                if let Some(value) = value {
                    typed.insert(format!("translations.{code}.{name}"), value.clone());
                }
            };
            put("title".to_owned(), &text.title);
            put("description".to_owned(), &text.description);
            for (i, c) in spec.rubric.iter().enumerate() {
                if let Some(t) = text.rubric.get(&c.key) {
                    put(format!("rubric[{i}].title"), &t.title);
                    put(format!("rubric[{i}].guidance"), &t.guidance);
                }
            }
        }
        Self {
            version: record.version.to_string(),
            title: spec.title.clone(),
            description: spec.description.clone(),
            areas: spec
                .priority_areas
                .iter()
                .map(|a| a.code().to_owned())
                .collect(),
            budget: spec.budget.to_string(),
            min_grant: spec.min_grant.to_string(),
            max_grant: spec.max_grant.to_string(),
            cofinancing_share: spec.cofinancing_share.to_string(),
            opens_at: wall(spec.opens_at),
            closes_at: wall(spec.closes_at),
            rural_only: spec.eligibility.rural_only,
            verified_only: spec.eligibility.requires_verified_organization,
            min_years: spec.eligibility.min_years_registered.to_string(),
            regions: spec
                .eligibility
                .regions
                .iter()
                .map(|r| r.code().to_owned())
                .collect(),
            reviewers_per_application: spec.reviewers_per_application.to_string(),
            fundable_min_score: spec.fundable_min_score.to_string(),
            disagreement_spread: spec.disagreement_spread.to_string(),
            aggregation: spec.aggregation.code().to_owned(),
            hide_identity: spec.hide_applicant_identity,
            texts: texts(&typed, rubric.len()),
            rubric,
        }
    }

    /// The form from its posted fields; rubric rows left wholly blank are dropped.
    #[must_use]
    pub fn posted(form: &BTreeMap<String, String>) -> Self {
        let get = |name: &str| form.get(name).cloned().unwrap_or_default();
        let ticked = |name: &str| form.get(name).is_some_and(|v| !v.is_empty());
        let mut rows: BTreeMap<usize, (CriterionRow, Vec<(String, String)>)> = BTreeMap::new();
        for (name, value) in form {
            let Some((index, part)) = row_field(name, "rubric[") else {
                continue;
            };
            let row = &mut rows.entry(index).or_default().0;
            let value = value.clone();
            match part {
                "key" => row.key = value,
                "title" => row.title = value,
                "max_score" => row.max_score = value,
                "weight" => row.weight = value,
                "guidance" => row.guidance = value,
                _ => {}
            }
        }
        // Each row's text in other languages moves with its row when blank rows drop out.
        let mut typed = BTreeMap::new();
        for (name, value) in form {
            if let Some(rest) = name.strip_prefix("translations.") {
                typed.insert(name.clone(), value.clone());
                if let Some((code, field)) = rest.split_once('.')
                    && let Some((index, part)) = row_field(field, "rubric[")
                {
                    rows.entry(index)
                        .or_default()
                        .1
                        .push((format!("{code}|{part}"), value.clone()));
                }
            }
        }
        let mut rubric = Vec::new();
        for (row, row_texts) in rows.into_values() {
            if row.is_blank() {
                continue;
            }
            let i = rubric.len();
            for (code_part, value) in row_texts {
                if let Some((code, part)) = code_part.split_once('|') {
                    typed.insert(format!("translations.{code}.rubric[{i}].{part}"), value);
                }
            }
            rubric.push(row);
        }
        let codes_ticked = |prefix: &str, codes: &mut dyn Iterator<Item = &'static str>| {
            codes
                .filter(|code| ticked(&format!("{prefix}{code}")))
                .map(str::to_owned)
                .collect::<Vec<String>>()
        };
        Self {
            version: get("version"),
            title: get("title"),
            description: get("description"),
            areas: codes_ticked("area.", &mut PriorityArea::ALL.iter().map(|a| a.code())),
            budget: get("budget"),
            min_grant: get("min_grant"),
            max_grant: get("max_grant"),
            cofinancing_share: get("cofinancing_share"),
            opens_at: get("opens_at"),
            closes_at: get("closes_at"),
            rural_only: ticked("eligibility.rural_only"),
            verified_only: ticked("eligibility.requires_verified_organization"),
            min_years: get("eligibility.min_years_registered"),
            regions: codes_ticked("region.", &mut Region::ALL.iter().map(|r| r.code())),
            reviewers_per_application: get("reviewers_per_application"),
            fundable_min_score: get("fundable_min_score"),
            disagreement_spread: get("disagreement_spread"),
            aggregation: get("aggregation"),
            hide_identity: ticked("hide_applicant_identity"),
            texts: texts(&typed, rubric.len()),
            rubric,
        }
    }

    /// The form with `blank` more empty rubric rows (at most [`RUBRIC_ROWS_MAX`]), or
    /// without row `removed`.
    #[must_use]
    pub fn rows_changed(mut self, blank: usize, removed: Option<usize>) -> Self {
        if let Some(i) = removed.filter(|i| *i < self.rubric.len()) {
            self.rubric.remove(i);
            for text in &mut self.texts {
                if i < text.rubric.len() {
                    text.rubric.remove(i);
                }
            }
        }
        let room = RUBRIC_ROWS_MAX.saturating_sub(self.rubric.len());
        for _ in 0..blank.min(room) {
            self.rubric.push(CriterionRow::default());
            for text in &mut self.texts {
                text.rubric.push(CriterionText::default());
            }
        }
        self
    }

    /// The input for the use case. Every field is sent, so that a field emptied is
    /// refused rather than kept; numbers and instants that do not parse are refused here.
    pub fn input(&self, refused: &mut domain::ValidationErrors) -> CallInput {
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut number = |field: &str, v: &str| -> Option<u32> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            v.parse::<u32>().ok().or_else(|| {
                refused.push(field.to_owned(), "not_a_number", "is not a whole number");
                None
            })
        };
        let rubric: Vec<CriterionInput> = self
            .rubric
            .iter()
            .enumerate()
            .map(|(i, c)| CriterionInput {
                key: text(&c.key),
                title: text(&c.title),
                max_score: number(&format!("rubric[{i}].max_score"), &c.max_score),
                weight: number(&format!("rubric[{i}].weight"), &c.weight),
                guidance: text(&c.guidance),
            })
            .collect();
        let min_years = number("eligibility.min_years_registered", &self.min_years);
        let reviewers = number("reviewers_per_application", &self.reviewers_per_application);
        let fundable = number("fundable_min_score", &self.fundable_min_score);
        let spread = number("disagreement_spread", &self.disagreement_spread);
        let mut instant = |field: &str, v: &str| {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            chrono::NaiveDateTime::parse_from_str(v, WALL_CLOCK)
                .ok()
                .map(domain::calendar::from_almaty)
                .or_else(|| {
                    refused.push(field.to_owned(), "not_an_instant", "is not a date and time");
                    None
                })
        };
        let opens_at = instant("opens_at", &self.opens_at);
        let closes_at = instant("closes_at", &self.closes_at);
        CallInput {
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            priority_areas: Some(self.areas.clone()),
            budget: text(&self.budget),
            min_grant: text(&self.min_grant),
            max_grant: text(&self.max_grant),
            cofinancing_share: text(&self.cofinancing_share),
            opens_at,
            closes_at,
            eligibility: Some(EligibilityInput {
                rural_only: Some(self.rural_only),
                min_years_registered: min_years,
                regions: Some(self.regions.clone()),
                requires_verified_organization: Some(self.verified_only),
            }),
            rubric: Some(rubric),
            reviewers_per_application: reviewers,
            fundable_min_score: fundable,
            disagreement_spread: spread,
            aggregation: text(&self.aggregation),
            hide_applicant_identity: Some(self.hide_identity),
            translations: Some(self.translations()),
        }
    }

    /// The call's text in other languages: a language left wholly empty is absent.
    fn translations(&self) -> TranslationsInput {
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let of = |code: &str| {
            let draft = self.texts.iter().find(|t| t.code == code)?;
            let mut rubric = BTreeMap::new();
            for (row, typed) in self.rubric.iter().zip(&draft.rubric) {
                let (title, guidance) = (text(&typed.title), text(&typed.guidance));
                if title.is_some() || guidance.is_some() {
                    rubric.insert(
                        row.key.trim().to_owned(),
                        CriterionTextInput { title, guidance },
                    );
                }
            }
            let (title, description) = (text(&draft.title), text(&draft.description));
            (title.is_some() || description.is_some() || !rubric.is_empty()).then(|| {
                CallTextInput {
                    title,
                    description,
                    rubric: (!rubric.is_empty()).then_some(rubric),
                }
            })
        };
        TranslationsInput {
            kk: of("kk"),
            ru: of("ru"),
            en: of("en"),
        }
    }

    /// A refused field's name on this form: a region or area named by its place in the
    /// list points at its list, a criterion's text named by its key at its row.
    #[must_use]
    pub fn form_field(&self, field: &str) -> Option<String> {
        if field.starts_with("priority_areas") {
            return Some("priority_areas".to_owned());
        }
        if field.starts_with("eligibility.regions") {
            return Some("eligibility.regions".to_owned());
        }
        let rest = field.strip_prefix("translations.")?;
        let (code, rest) = rest.split_once('.')?;
        let rest = rest.strip_prefix("rubric.")?;
        let (key, part) = rest.rsplit_once('.').unwrap_or((rest, "title"));
        let row = self.rubric.iter().position(|c| c.key.trim() == key)?;
        Some(format!("translations.{code}.rubric[{row}].{part}"))
    }
}

/// The index and part of a row's field `name` (`rubric[2].title` → `(2, "title")`).
fn row_field<'a>(name: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let rest = name.strip_prefix(prefix)?;
    let (index, part) = rest.split_once("].")?;
    let index = index.parse::<usize>().ok()?;
    (index < RUBRIC_ROWS_MAX).then_some((index, part))
}

/// The text fields of each language, read from `typed` (by their posted names), with
/// `rows` rubric rows.
fn texts(typed: &BTreeMap<String, String>, rows: usize) -> Vec<TextDraft> {
    Language::ALL
        .iter()
        .map(|language| {
            let code = language.code();
            let get = |name: &str| {
                typed
                    .get(&format!("translations.{code}.{name}"))
                    .cloned()
                    .unwrap_or_default()
            };
            TextDraft {
                code,
                title: get("title"),
                description: get("description"),
                rubric: (0..rows)
                    .map(|i| CriterionText {
                        title: get(&format!("rubric[{i}].title")),
                        guidance: get(&format!("rubric[{i}].guidance")),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn blank_rubric_rows_drop_out_and_their_texts_follow_the_rows_kept() {
        let typed = form(&[
            ("rubric[0].key", ""),
            ("rubric[1].key", "impact"),
            ("rubric[1].title", "Impact"),
            ("translations.kk.rubric[1].title", "Әсері"),
            ("area.public_health", "on"),
            ("region.abai", "on"),
            ("opens_at", "2027-01-10T09:00"),
        ]);
        let draft = CallDraft::posted(&typed);
        assert_eq!(draft.rubric.len(), 1);
        assert_eq!(draft.rubric[0].key, "impact");
        let kk = draft.texts.iter().find(|t| t.code == "kk");
        assert_eq!(kk.map(|t| t.rubric[0].title.as_str()), Some("Әсері"));
        assert_eq!(draft.areas, vec!["public_health".to_owned()]);
        assert_eq!(draft.regions, vec!["abai".to_owned()]);
        let mut refused = domain::ValidationErrors::new();
        let input = draft.input(&mut refused);
        assert!(refused.is_empty());
        // 09:00 in Almaty is 04:00 UTC.
        assert_eq!(
            input.opens_at.map(|at| at.to_rfc3339()),
            Some("2027-01-10T04:00:00+00:00".to_owned())
        );
        let kk = input.translations.and_then(|t| t.kk);
        let rubric = kk.and_then(|t| t.rubric).unwrap_or_default();
        assert_eq!(
            rubric.get("impact").and_then(|t| t.title.clone()),
            Some("Әсері".to_owned())
        );
    }

    #[test]
    fn numbers_and_instants_that_do_not_parse_are_refused_beside_their_fields() {
        let draft = CallDraft::posted(&form(&[
            ("rubric[0].key", "impact"),
            ("rubric[0].max_score", "ten"),
            ("closes_at", "tomorrow"),
        ]));
        let mut refused = domain::ValidationErrors::new();
        let _ = draft.input(&mut refused);
        let fields: Vec<&str> = refused.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["rubric[0].max_score", "closes_at"]);
    }

    #[test]
    fn a_criterion_text_refused_by_its_key_points_at_its_row() {
        let draft = CallDraft::posted(&form(&[
            ("rubric[0].key", "relevance"),
            ("rubric[1].key", "impact"),
        ]));
        assert_eq!(
            draft.form_field("translations.ru.rubric.impact.guidance"),
            Some("translations.ru.rubric[1].guidance".to_owned())
        );
        assert_eq!(
            draft.form_field("eligibility.regions[3]"),
            Some("eligibility.regions".to_owned())
        );
        assert_eq!(draft.form_field("title"), None);
    }
}
