//! The canonical form of submitted content and its SHA-256 receipt.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::money::Money;

use super::types::*;

/// A JSON value whose objects always write their keys in lexicographic order.
enum Json {
    Null,
    Number(u32),
    String(String),
    Array(Vec<Json>),
    Object(BTreeMap<&'static str, Json>),
}

impl Json {
    fn text(value: Option<&String>) -> Json {
        value.map_or(Json::Null, |v| Json::String(v.clone()))
    }

    fn number(value: Option<u32>) -> Json {
        value.map_or(Json::Null, Json::Number)
    }

    fn money(value: Money) -> Json {
        Json::String(value.to_string())
    }

    fn object<const N: usize>(entries: [(&'static str, Json); N]) -> Json {
        Json::Object(entries.into_iter().collect())
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    Json::String((*key).to_owned()).write(out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// The canonical JSON of submitted content: keys sorted lexicographically at every level,
/// no insignificant whitespace, amounts as decimal strings with two decimals
/// (`"1250.00"`), absent optional fields as `null`, integers as JSON numbers, strings
/// escaped as `serde_json` does.
#[must_use]
pub fn canonical_json(content: &ApplicationContent) -> String {
    let lines = content
        .budget_lines
        .iter()
        .map(|line| {
            Json::object([
                ("category", Json::String(line.category.code().to_owned())),
                ("cofinanced", Json::money(line.cofinanced)),
                ("description", Json::String(line.description.clone())),
                ("quantity", Json::Number(line.quantity)),
                ("unit_cost", Json::money(line.unit_cost)),
            ])
        })
        .collect();
    let document = Json::object([
        ("activities", Json::text(content.activities.as_ref())),
        ("beneficiaries", Json::number(content.beneficiaries)),
        ("budget_lines", Json::Array(lines)),
        ("duration_months", Json::number(content.duration_months)),
        ("goals", Json::text(content.goals.as_ref())),
        ("problem", Json::text(content.problem.as_ref())),
        ("settlement", Json::text(content.settlement.as_ref())),
        ("summary", Json::text(content.summary.as_ref())),
        (
            "target_groups",
            Json::Array(
                content
                    .target_groups
                    .iter()
                    .map(|g| Json::String(g.clone()))
                    .collect(),
            ),
        ),
        ("title", Json::text(content.title.as_ref())),
    ]);
    let mut out = String::new();
    document.write(&mut out);
    out
}

/// The submission receipt: lower-case hex SHA-256 of [`canonical_json`].
#[must_use]
pub fn receipt(content: &ApplicationContent) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Sha256::digest(canonical_json(content).as_bytes())
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]])
        .map(char::from)
        .collect()
}
