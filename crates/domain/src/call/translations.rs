//! A call's officer-written text in other languages: its title, description and each
//! criterion's title and guidance, per language. The call's plain fields are its own text;
//! a reader sees their language's text where there is one, and the plain field elsewhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::language::Language;

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
