//! Refusals of a form, in the page's language: each next to its field and all of them in
//! the summary at the top of the page.

use domain::language::Language;
use domain::validation::ValidationErrors;
use minijinja::Value;

use super::i18n::Catalogue;

/// What was wrong with a posted form, field by field.
#[derive(Debug, Default, Clone)]
pub struct Problems {
    list: Vec<(String, String)>,
    /// Each field's label, for the summary (which names the field it links to).
    labels: std::collections::BTreeMap<String, String>,
}

impl Problems {
    /// Each of `errors`, in `language` where the catalogue has words for its code (the
    /// rule's own English explanation otherwise).
    #[must_use]
    pub fn from_validation(
        errors: &ValidationErrors,
        language: Language,
        catalogue: &Catalogue,
    ) -> Self {
        let list = errors
            .errors()
            .iter()
            .map(|e| {
                let message = catalogue
                    .entry(language, "error", e.code)
                    .map_or_else(|| e.message.clone(), str::to_owned);
                (e.field.clone(), message)
            })
            .collect();
        Self {
            list,
            labels: std::collections::BTreeMap::new(),
        }
    }

    /// Each of a problem's `fields`, told as [`Self::from_validation`] tells them.
    #[must_use]
    pub fn from_fields(
        fields: &[crate::error::ProblemField],
        language: Language,
        catalogue: &Catalogue,
    ) -> Self {
        let list = fields
            .iter()
            .map(|f| {
                let message = catalogue
                    .entry(language, "error", &f.code)
                    .map_or_else(|| f.message.clone(), str::to_owned);
                (f.field.clone(), message)
            })
            .collect();
        Self {
            list,
            labels: std::collections::BTreeMap::new(),
        }
    }

    /// The refusals of `err`, when it refuses fields (a rule's or a submission's).
    #[must_use]
    pub fn of_error(
        err: &crate::error::ApiError,
        language: Language,
        catalogue: &Catalogue,
    ) -> Option<Self> {
        match err {
            crate::error::ApiError::Validation(errors) => {
                Some(Self::from_validation(errors, language, catalogue))
            }
            crate::error::ApiError::Unprocessable { fields, .. } => {
                Some(Self::from_fields(fields, language, catalogue))
            }
            crate::error::ApiError::Malformed { .. }
            | crate::error::ApiError::Unauthorized(_)
            | crate::error::ApiError::Forbidden(_)
            | crate::error::ApiError::NotFound
            | crate::error::ApiError::Conflict { .. }
            | crate::error::ApiError::PreconditionFailed
            | crate::error::ApiError::PreconditionRequired
            | crate::error::ApiError::PayloadTooLarge
            | crate::error::ApiError::UnsupportedMediaType(_)
            | crate::error::ApiError::TooManyRequests(_)
            | crate::error::ApiError::Unavailable(_)
            | crate::error::ApiError::Internal(_) => None,
        }
    }

    /// One refusal: `field` with the message of `code`.
    #[must_use]
    pub fn one(field: &str, code: &str, language: Language, catalogue: &Catalogue) -> Self {
        let message = catalogue
            .entry(language, "error", code)
            .unwrap_or(code)
            .to_owned();
        Self {
            list: vec![(field.to_owned(), message)],
            labels: std::collections::BTreeMap::new(),
        }
    }

    /// The same refusals, the summary naming each field by `label` (when it knows one).
    #[must_use]
    pub fn labelled(mut self, label: impl Fn(&str) -> Option<String>) -> Self {
        for (field, _) in &self.list {
            if let Some(name) = label(field) {
                self.labels.insert(field.clone(), name);
            }
        }
        self
    }

    /// The same refusals, the summary naming each field by the words of its key in
    /// `labels` (field, catalogue key), in `language`.
    #[must_use]
    pub fn labelled_by(
        self,
        labels: &[(&str, &str)],
        language: Language,
        catalogue: &Catalogue,
    ) -> Self {
        self.labelled(|field| {
            labels
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, key)| catalogue.text(language, key).to_owned())
        })
    }

    /// The same refusals with their fields renamed by `rename` (those it names; others
    /// keep theirs), for a form whose fields are named otherwise than the rule's.
    #[must_use]
    pub fn renamed(mut self, rename: impl Fn(&str) -> Option<String>) -> Self {
        for (field, _) in &mut self.list {
            if let Some(name) = rename(field) {
                *field = name;
            }
        }
        self
    }

    /// Whether nothing was refused.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether `field` is among the refused.
    #[must_use]
    pub fn names(&self, field: &str) -> bool {
        self.list.iter().any(|(f, _)| f == field)
    }

    /// The template values: `errors`, the list for the summary, and `error`, a map from
    /// each of the form's `fields` to its message or none.
    #[must_use]
    pub fn context(&self, fields: &[&str]) -> Value {
        let errors: Vec<Value> = self
            .list
            .iter()
            .map(|(field, message)| {
                let summary = self
                    .labels
                    .get(field)
                    .map_or_else(|| message.clone(), |label| format!("{label}: {message}"));
                minijinja::context! { field => field, message => summary }
            })
            .collect();
        let mut map = std::collections::BTreeMap::new();
        for field in fields {
            let message = self
                .list
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, m)| Value::from(m.as_str()));
            map.insert((*field).to_owned(), message.unwrap_or(Value::from(())));
        }
        minijinja::context! { errors => errors, error => map }
    }
}

/// `text` with each `{name}` replaced by its value.
#[must_use]
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_owned(), |acc, (name, value)| {
        acc.replace(&format!("{{{name}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_told_in_the_language_with_every_field_present() {
        let catalogue = Catalogue::load().unwrap_or_else(|e| panic!("catalogues: {e}"));
        let mut errors = ValidationErrors::new();
        errors.push("email", "invalid_email", "is not an e-mail address");
        errors.push("name", "some_new_rule", "is refused by a new rule");
        let problems = Problems::from_validation(&errors, Language::Ru, &catalogue);
        assert!(problems.names("email"));
        let context = problems.context(&["email", "name", "password"]);
        let error = context.get_attr("error").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            error
                .get_attr("email")
                .unwrap_or_else(|e| panic!("{e}"))
                .as_str(),
            Some("Введите адрес электронной почты в виде name@example.kz.")
        );
        // No words for the code: the rule's own explanation.
        assert_eq!(
            error
                .get_attr("name")
                .unwrap_or_else(|e| panic!("{e}"))
                .as_str(),
            Some("is refused by a new rule")
        );
        assert!(
            error
                .get_attr("password")
                .unwrap_or_else(|e| panic!("{e}"))
                .is_none()
        );
        assert_eq!(
            fill("from {min} to {max}", &[("min", "1"), ("max", "2")]),
            "from 1 to 2"
        );
    }
}
