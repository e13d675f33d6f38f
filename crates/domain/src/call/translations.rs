//! A call's officer-written text in other languages: its title, description and each
//! criterion's title and guidance, per language. The call's plain fields are its own text;
//! a reader sees their language's text where there is one, and the plain field elsewhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::language::Language;
use crate::text;
use crate::validation::ValidationErrors;

use super::types::{CRITERION_TITLE_MAX, Criterion, DESCRIPTION_MAX, GUIDANCE_MAX, TITLE_MAX};

/// A criterion's title and guidance in one language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CriterionText {
    /// The criterion's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The hint to reviewers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
}

/// A call's text in one language; what is absent falls back to the call's own.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CallText {
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Criteria by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rubric: BTreeMap<String, CriterionText>,
}

/// A call's text in Kazakh, Russian and English, each optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Translations {
    /// Kazakh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kk: Option<CallText>,
    /// Russian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ru: Option<CallText>,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<CallText>,
}

impl Translations {
    /// The text in `language`, if any was given.
    #[must_use]
    pub const fn get(&self, language: Language) -> Option<&CallText> {
        match language {
            Language::Kk => self.kk.as_ref(),
            Language::Ru => self.ru.as_ref(),
            Language::En => self.en.as_ref(),
        }
    }

    /// Whether no language has any text.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.kk.is_none() && self.ru.is_none() && self.en.is_none()
    }
}

/// Raw text in one language, as received.
#[derive(Debug, Clone, Default)]
pub struct CallTextInput {
    /// Raw title.
    pub title: Option<String>,
    /// Raw description.
    pub description: Option<String>,
    /// Raw criterion texts by key.
    pub rubric: Option<BTreeMap<String, CriterionTextInput>>,
}

/// Raw criterion text, as received.
#[derive(Debug, Clone, Default)]
pub struct CriterionTextInput {
    /// Raw title.
    pub title: Option<String>,
    /// Raw guidance.
    pub guidance: Option<String>,
}

/// Raw translations, as received.
#[derive(Debug, Clone, Default)]
pub struct TranslationsInput {
    /// Kazakh.
    pub kk: Option<CallTextInput>,
    /// Russian.
    pub ru: Option<CallTextInput>,
    /// English.
    pub en: Option<CallTextInput>,
}

impl From<&Translations> for TranslationsInput {
    fn from(translations: &Translations) -> Self {
        let text = |t: &Option<CallText>| {
            t.as_ref().map(|t| CallTextInput {
                title: t.title.clone(),
                description: t.description.clone(),
                rubric: Some(
                    t.rubric
                        .iter()
                        .map(|(key, c)| {
                            let input = CriterionTextInput {
                                title: c.title.clone(),
                                guidance: c.guidance.clone(),
                            };
                            (key.clone(), input)
                        })
                        .collect(),
                ),
            })
        };
        Self {
            kk: text(&translations.kk),
            ru: text(&translations.ru),
            en: text(&translations.en),
        }
    }
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
