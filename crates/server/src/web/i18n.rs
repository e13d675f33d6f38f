//! The portal's words in each language: one TOML catalogue per language, compiled into the
//! binary. Templates read them as `t.<key>`; regions, priority areas and error messages sit
//! in their own tables (`t.region[code]`, `t.area[code]`, `t.error[code]`).

use domain::language::Language;
use minijinja::Value;

const KK: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/web/i18n/kk.toml"
));
const RU: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/web/i18n/ru.toml"
));
const EN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/web/i18n/en.toml"
));

/// The three catalogues, parsed.
#[derive(Debug)]
pub struct Catalogue {
    kk: toml::Table,
    ru: toml::Table,
    en: toml::Table,
    values: [Value; 3],
}

impl Catalogue {
    /// Parses the embedded catalogues.
    ///
    /// # Errors
    /// When one is not valid TOML.
    pub fn load() -> Result<Self, toml::de::Error> {
        let kk: toml::Table = KK.parse()?;
        let ru: toml::Table = RU.parse()?;
        let en: toml::Table = EN.parse()?;
        let values = [
            minijinja::Value::from(minijinja::value::Serde(&kk)),
            minijinja::Value::from(minijinja::value::Serde(&ru)),
            minijinja::Value::from(minijinja::value::Serde(&en)),
        ];
        Ok(Self { kk, ru, en, values })
    }

    const fn table(&self, language: Language) -> &toml::Table {
        match language {
            Language::Kk => &self.kk,
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }

    /// The catalogue of `language` as templates see it.
    #[must_use]
    pub fn value(&self, language: Language) -> Value {
        let index = match language {
            Language::Kk => 0,
            Language::Ru => 1,
            Language::En => 2,
        };
        self.values[index].clone()
    }

    /// The text under `key` (top level) in `language`, or the key itself when missing
    /// (a test keeps every key in every language).
    #[must_use]
    pub fn text<'a>(&'a self, language: Language, key: &'a str) -> &'a str {
        self.table(language)
            .get(key)
            .and_then(toml::Value::as_str)
            .unwrap_or(key)
    }

    /// The text under `key` in the table `table` in `language`, if any.
    #[must_use]
    pub fn entry<'a>(&'a self, language: Language, table: &str, key: &str) -> Option<&'a str> {
        self.table(language)
            .get(table)
            .and_then(toml::Value::as_table)
            .and_then(|t| t.get(key))
            .and_then(toml::Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(table: &toml::Table, prefix: &str, into: &mut BTreeSet<String>) {
        for (key, value) in table {
            let path = format!("{prefix}{key}");
            if let Some(inner) = value.as_table() {
                keys(inner, &format!("{path}."), into);
            } else {
                into.insert(path);
            }
        }
    }

    #[test]
    fn every_language_has_every_key() {
        let catalogue = Catalogue::load().unwrap_or_else(|e| panic!("catalogues: {e}"));
        let mut sets = Vec::new();
        for language in Language::ALL {
            let mut set = BTreeSet::new();
            keys(catalogue.table(language), "", &mut set);
            sets.push((language, set));
        }
        let all: BTreeSet<String> = sets.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
        for (language, set) in &sets {
            let missing: Vec<_> = all.difference(set).collect();
            assert!(missing.is_empty(), "{language:?} lacks {missing:?}");
        }
    }

    #[test]
    fn every_region_and_priority_area_is_named() {
        let catalogue = Catalogue::load().unwrap_or_else(|e| panic!("catalogues: {e}"));
        for language in Language::ALL {
            for region in domain::region::Region::ALL {
                assert!(
                    catalogue.entry(language, "region", region.code()).is_some(),
                    "{language:?} {region:?}"
                );
            }
            for area in domain::call::PriorityArea::ALL {
                assert!(catalogue.entry(language, "area", area.code()).is_some());
            }
            for status in domain::status::ApplicationStatus::ALL {
                assert!(catalogue.entry(language, "status", status.code()).is_some());
            }
            for status in domain::assignment::AssignmentStatus::ALL {
                assert!(
                    catalogue
                        .entry(language, "assignment", status.code())
                        .is_some()
                );
            }
            for kind in domain::review::ConflictKind::ALL {
                assert!(catalogue.entry(language, "conflict", kind.code()).is_some());
            }
            for recommendation in domain::review::Recommendation::ALL {
                assert!(
                    catalogue
                        .entry(language, "recommendation", recommendation.code())
                        .is_some()
                );
            }
            for category in domain::application::BudgetCategory::ALL {
                assert!(
                    catalogue
                        .entry(language, "budget", category.code())
                        .is_some()
                );
            }
            assert_ne!(catalogue.text(language, "site_name"), "site_name");
        }
    }
}
