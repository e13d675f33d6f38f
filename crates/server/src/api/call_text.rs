//! A call's text in other languages, as the API reads and writes it.

use std::collections::BTreeMap;

use domain::call::{
    CallText, CallTextInput, CriterionText, CriterionTextInput, Translations, TranslationsInput,
};
use poem_openapi::Object;
use serde::Deserialize;

/// A criterion's title and guidance in one language.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct CriterionTextBody {
    /// What reviewers judge.
    #[oai(validator(max_length = 200))]
    pub title: Option<String>,
    /// What reviewers should look for.
    #[oai(validator(max_length = 2000))]
    pub guidance: Option<String>,
}

/// A call's text in one language; what is absent is read from the call's own fields.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct CallTextBody {
    /// Title.
    #[oai(validator(max_length = 300))]
    pub title: Option<String>,
    /// Description.
    #[oai(validator(max_length = 20000))]
    pub description: Option<String>,
    /// Criteria's text by the criterion's key; every key must be one of the rubric's.
    pub rubric: Option<BTreeMap<String, CriterionTextBody>>,
}

/// The call's text in Kazakh, Russian and English, each optional. The portal shows a
/// reader their language's text where there is one, and the call's own fields elsewhere.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct CallTranslations {
    /// Kazakh.
    pub kk: Option<CallTextBody>,
    /// Russian.
    pub ru: Option<CallTextBody>,
    /// English.
    pub en: Option<CallTextBody>,
}

impl From<CallTranslations> for TranslationsInput {
    fn from(body: CallTranslations) -> Self {
        let text = |t: Option<CallTextBody>| {
            t.map(|t| CallTextInput {
                title: t.title,
                description: t.description,
                rubric: t.rubric.map(|rubric| {
                    rubric
                        .into_iter()
                        .map(|(key, c)| {
                            let input = CriterionTextInput {
                                title: c.title,
                                guidance: c.guidance,
                            };
                            (key, input)
                        })
                        .collect()
                }),
            })
        };
        Self {
            kk: text(body.kk),
            ru: text(body.ru),
            en: text(body.en),
        }
    }
}

impl From<Translations> for CallTranslations {
    fn from(translations: Translations) -> Self {
        let text = |t: Option<CallText>| {
            t.map(|t| CallTextBody {
                title: t.title,
                description: t.description,
                rubric: (!t.rubric.is_empty()).then(|| {
                    t.rubric
                        .into_iter()
                        .map(|(key, CriterionText { title, guidance })| {
                            (key, CriterionTextBody { title, guidance })
                        })
                        .collect()
                }),
            })
        };
        Self {
            kk: text(translations.kk),
            ru: text(translations.ru),
            en: text(translations.en),
        }
    }
}
