//! The API document as published: poem-openapi's, plus what its types cannot say.
//!
//! - Integers get the range of their Rust type (`minimum: 0` for unsigned ones), so a
//!   client (or a fuzzer) knows a negative or oversized number is malformed before sending
//!   it.
//! - Optional properties are `nullable`: `null` means the same as leaving the field out.
//! - `If-Match` states the shape of the `ETag`s this API gives out.
//! - The ranking's 200 answer has both its media types (poem-openapi keeps one per status).
//! - Creating answers link to the operations on what they created (OpenAPI links), so a
//!   client, or schemathesis's stateful phase, can follow them.
//! - Dates are `format: date` (RFC 3339 full-date) rather than poem-openapi's private
//!   `naive-date`.
//! - `Idempotency-Key` states the key's shape: 1 to 255 visible ASCII characters.
//! - `If-Match` is a required header where its absence is answered 428.
//! - Each operation lists only the error statuses it can answer (poem-openapi lists every
//!   one an error type has), derived from what it takes and from the tables below; the
//!   tests' client checks every answer it receives against this list.
//! - Every request body and main answer has an example (`examples.json`).
//! - `servers` names where the API is: the configured public URL when served, the default
//!   one in the committed document.
//! - A property that refers to another schema is a plain `$ref`, not poem-openapi's
//!   `allOf: [{$ref}, {description}]`, which code generators cannot merge; an optional
//!   enum is the enum inlined with `nullable: true` and `null` among its values, since
//!   OpenAPI 3.0 ignores `nullable` beside a `$ref`; an optional object keeps a one-item
//!   `allOf` beside its `nullable`.
//!
//! The served JSON, the Swagger UI page and `grants openapi` all come from here, and a
//! router of the document's paths gives 405 answers their `Allow` header.

use std::sync::OnceLock;

use poem::http::Method;
use serde_json::{Value, json};

use super::service::{PREFIX, service};

struct Published {
    value: Value,
    json: String,
}

fn published() -> &'static Published {
    static DOCUMENT: OnceLock<Published> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut value: Value = serde_json::from_str(&service().spec()).unwrap_or_else(|err| {
            // The framework's own output; failing to read it back is a programming error.
            panic!("poem-openapi produced an unreadable document: {err}")
        });
        complete(&mut value);
        nullable_optionals(&mut value);
        plain_refs(&mut value);
        required_if_match(&mut value);
        error_statuses(&mut value);
        value["servers"] = json!([{"url": DEFAULT_SERVER, "description": "this service"}]);
        ranking_media_types(&mut value);
        links(&mut value);
        super::examples::add(&mut value);
        let json = serde_json::to_string_pretty(&value).unwrap_or_default();
        Published { value, json }
    })
}

/// The server the committed document names: the default public URL.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// Operations that answer 428 without `If-Match`.
const IF_MATCH_REQUIRED: [&str; 2] = ["update_call", "update_application"];

/// Marks `If-Match` required on [`IF_MATCH_REQUIRED`].
fn required_if_match(doc: &mut Value) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|methods| methods.values_mut())
    {
        let wanted = operation
            .get("operationId")
            .and_then(Value::as_str)
            .is_some_and(|id| IF_MATCH_REQUIRED.contains(&id));
        if !wanted {
            continue;
        }
        let Some(Value::Array(parameters)) = operation.get_mut("parameters") else {
            continue;
        };
        for parameter in parameters {
            if parameter.get("in") == Some(&json!("header"))
                && parameter.get("name") == Some(&json!("If-Match"))
            {
                parameter["required"] = json!(true);
            }
        }
    }
}

/// Operations any signed-in account may call: they never answer 403.
const OPEN_TO_EVERY_ACCOUNT: [&str; 10] = [
    "logout",
    "get_me",
    "update_me",
    "change_my_password",
    "list_my_invitations",
    "list_organizations",
    "get_organization",
    "list_members",
    "list_invitations",
    "list_calls",
];

/// Changing operations that never conflict with the state they change.
const NEVER_CONFLICTING: [&str; 8] = [
    "register",
    "verify_email",
    "login",
    "logout",
    "request_password_reset",
    "confirm_password_reset",
    "update_me",
    "refresh",
];

/// Operations open to anyone that refuse a disabled account (403).
const REFUSES_DISABLED: [&str; 1] = ["login"];

/// Reads that answer 409 for a resource not in the state they show (feedback before the
/// decision).
const CONFLICTING_READS: [&str; 1] = ["application_feedback"];

/// Operations whose attempts are rate-limited (429).
const RATE_LIMITED: [&str; 6] = [
    "register",
    "verify_email",
    "login",
    "request_password_reset",
    "confirm_password_reset",
    "change_my_password",
];

/// Operations open to anyone that answer 401 to a wrong credential in their body.
const CREDENTIAL_CHECKS: [&str; 3] = ["login", "refresh", "logout"];

/// Which error statuses an operation answers, from what it takes.
fn statuses_of(method: &str, operation: &Value) -> Vec<u16> {
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let takes = |place: &str| {
        parameters
            .iter()
            .any(|p| p.get("in") == Some(&json!(place)))
    };
    let header = |name: &str| {
        parameters
            .iter()
            .any(|p| p.get("in") == Some(&json!("header")) && p.get("name") == Some(&json!(name)))
    };
    let secured = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let body = operation.get("requestBody").is_some();
    let changes = method != "get";
    let mut statuses = vec![500, 503];
    let mut add = |status: u16, when: bool| {
        if when {
            statuses.push(status);
        }
    };
    add(400, body || !parameters.is_empty());
    add(401, secured || CREDENTIAL_CHECKS.contains(&id));
    add(
        403,
        (secured && !OPEN_TO_EVERY_ACCOUNT.contains(&id)) || REFUSES_DISABLED.contains(&id),
    );
    add(404, takes("path"));
    add(
        409,
        (changes && !NEVER_CONFLICTING.contains(&id)) || CONFLICTING_READS.contains(&id),
    );
    add(412, header("If-Match"));
    add(413, body);
    add(415, body);
    // Any change may break a rule without a body (submitting an incomplete application).
    add(422, body || takes("query") || changes);
    add(428, IF_MATCH_REQUIRED.contains(&id));
    add(429, RATE_LIMITED.contains(&id));
    statuses.sort_unstable();
    statuses
}

/// Removes from each operation the error answers it never gives, and documents the 304
/// of a read that gives an `ETag` (answered when `If-None-Match` names it).
fn error_statuses(doc: &mut Value) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for (method, operation) in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|methods| methods.iter_mut())
    {
        let keep = statuses_of(method, operation);
        let Some(Value::Object(responses)) = operation.get_mut("responses") else {
            continue;
        };
        let tagged = responses
            .get("200")
            .and_then(|ok| ok.get("headers"))
            .and_then(Value::as_object)
            .is_some_and(|headers| headers.keys().any(|h| h.eq_ignore_ascii_case("etag")));
        if method == "get" && tagged {
            responses.insert(
                "304".to_owned(),
                json!({"description": "Not modified: `If-None-Match` names the current `ETag`."}),
            );
        }
        responses.retain(|status, _| {
            status
                .parse::<u16>()
                .map_or(true, |s| s < 400 || keep.contains(&s))
        });
    }
}

/// The statuses the document lists for `method` (`GET`, `POST`, …) on `path` (under the
/// API's prefix), or `None` when no documented operation serves it.
#[must_use]
pub fn documented_statuses(method: &str, path: &str) -> Option<Vec<u16>> {
    let path = path.strip_prefix(PREFIX)?;
    let paths = published().value.get("paths")?.as_object()?;
    let operation = paths
        .iter()
        .filter(|(template, _)| matches(template.strip_prefix(PREFIX).unwrap_or(template), path))
        .find_map(|(_, item)| item.get(method.to_ascii_lowercase()))?;
    let responses = operation.get("responses")?.as_object()?;
    Some(responses.keys().filter_map(|s| s.parse().ok()).collect())
}

/// The document served by a server whose public URL is `public_url`, and its Swagger UI
/// page: the published one, naming that server.
#[must_use]
pub fn for_server(public_url: &str) -> (String, String) {
    let public_url = public_url.trim_end_matches('/');
    if public_url == DEFAULT_SERVER {
        return (json().to_owned(), swagger_html().to_owned());
    }
    let mut value = published().value.clone();
    value["servers"] = json!([{"url": public_url, "description": "this service"}]);
    let document = serde_json::to_string_pretty(&value).unwrap_or_default();
    let service = service();
    let page = service
        .swagger_ui_html()
        .replace(&service.spec(), &document);
    (document, page)
}

/// The document as JSON, as served at `/api/v1/openapi.json`.
#[must_use]
pub fn json() -> &'static str {
    &published().json
}

/// The document as YAML, exactly as committed in `openapi/openapi.yaml`.
#[must_use]
pub fn yaml() -> String {
    serde_yaml::to_string(&published().value).unwrap_or_default()
}

/// The Swagger UI page, showing the published document.
#[must_use]
pub fn swagger_html() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let service = service();
        service.swagger_ui_html().replace(&service.spec(), json())
    })
}

fn complete(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let range = match map.get("format").and_then(Value::as_str) {
                Some("uint8") => Some((json!(0), json!(u8::MAX))),
                Some("uint16") => Some((json!(0), json!(u16::MAX))),
                Some("uint32") => Some((json!(0), json!(u32::MAX))),
                Some("uint64") => Some((json!(0), json!(u64::MAX))),
                Some("int32") => Some((json!(i32::MIN), json!(i32::MAX))),
                Some("int64") => Some((json!(i64::MIN), json!(i64::MAX))),
                _ => None,
            };
            if let Some((min, max)) = range.filter(|_| map.get("type") == Some(&json!("integer"))) {
                map.entry("minimum").or_insert(min);
                map.entry("maximum").or_insert(max);
            }
            if map.get("format") == Some(&json!("naive-date")) {
                map.insert("format".to_owned(), json!("date"));
            }
            // A repeatable query parameter may be left out (it means "all"), though
            // poem-openapi declares every `Vec` parameter required.
            if map.get("in") == Some(&json!("query"))
                && map.get("schema").and_then(|schema| schema.get("type")) == Some(&json!("array"))
            {
                map.insert("required".to_owned(), json!(false));
            }
            let idempotency_key = map.get("in") == Some(&json!("header"))
                && map.get("name") == Some(&json!("Idempotency-Key"));
            let if_match = map.get("in") == Some(&json!("header"))
                && map.get("name") == Some(&json!("If-Match"));
            if if_match {
                map.insert(
                    "schema".to_owned(),
                    json!({"type": "string", "pattern": "^(\\*|(W/)?\"[0-9]{1,9}\"|[0-9]{1,9})$"}),
                );
            }
            if idempotency_key {
                map.insert(
                    "schema".to_owned(),
                    json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}),
                );
            }
            map.values_mut().for_each(complete);
        }
        Value::Array(items) => items.iter_mut().for_each(complete),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Marks the properties each object schema does not require as `nullable`. OpenAPI 3.0
/// reads `nullable` only beside `type`, so a property that refers to another schema gets
/// that schema's type too.
fn nullable_optionals(doc: &mut Value) {
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return;
    };
    let types: std::collections::HashMap<String, Value> = schemas
        .iter()
        .filter_map(|(name, schema)| {
            let kind = schema.get("type")?.clone();
            Some((format!("#/components/schemas/{name}"), kind))
        })
        .collect();
    for schema in schemas.values_mut() {
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let Some(Value::Object(properties)) = schema.get_mut("properties") else {
            continue;
        };
        for (name, property) in properties.iter_mut() {
            let Value::Object(property) = property else {
                continue;
            };
            if required.contains(name) {
                continue;
            }
            if !property.contains_key("type") {
                let referred = property
                    .get("allOf")
                    .and_then(|all| all.get(0))
                    .and_then(|first| first.get("$ref"))
                    .and_then(Value::as_str)
                    .and_then(|target| types.get(target));
                match referred {
                    Some(kind) => {
                        property.insert("type".to_owned(), kind.clone());
                    }
                    None => continue,
                }
            }
            property.insert("nullable".to_owned(), json!(true));
        }
    }
}

/// Rewrites poem-openapi's `allOf: [{$ref}, {description}]` properties as plain `$ref`s,
/// inlining an enum where it is nullable (see the module's notes).
fn plain_refs(doc: &mut Value) {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    rewrite_refs(doc, &schemas);
}

fn rewrite_refs(value: &mut Value, schemas: &serde_json::Map<String, Value>) {
    match value {
        Value::Object(map) => {
            if let Some(replacement) = plain_ref(map, schemas) {
                *map = replacement;
            }
            map.values_mut().for_each(|v| rewrite_refs(v, schemas));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, schemas)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// The plain form of `map` when it is a reference wrapped in `allOf` with at most a
/// description beside it.
fn plain_ref(
    map: &serde_json::Map<String, Value>,
    schemas: &serde_json::Map<String, Value>,
) -> Option<serde_json::Map<String, Value>> {
    let all = map.get("allOf")?.as_array()?;
    let target = all.first()?.get("$ref")?.as_str()?.to_owned();
    let mut description = None;
    for extra in &all[1..] {
        let extra = extra.as_object()?;
        if extra.keys().any(|key| key != "description") {
            return None;
        }
        description = extra.get("description").cloned();
    }
    let nullable = map.get("nullable") == Some(&json!(true));
    let referred = schemas.get(target.strip_prefix("#/components/schemas/")?)?;
    let mut plain = serde_json::Map::new();
    match (nullable, referred.get("enum").and_then(Value::as_array)) {
        (false, _) => {
            plain.insert("$ref".to_owned(), json!(target));
        }
        (true, Some(values)) => {
            let mut values = values.clone();
            values.push(Value::Null);
            plain.insert(
                "type".to_owned(),
                referred.get("type").cloned().unwrap_or(json!("string")),
            );
            plain.insert("enum".to_owned(), Value::Array(values));
            plain.insert("nullable".to_owned(), json!(true));
            if let Some(description) = description {
                plain.insert("description".to_owned(), description);
            }
        }
        (true, None) => {
            plain.insert("allOf".to_owned(), json!([{"$ref": target}]));
            plain.insert("nullable".to_owned(), json!(true));
            if let Some(description) = description {
                plain.insert("description".to_owned(), description);
            }
        }
    }
    Some(plain)
}

/// poem-openapi documents one media type per status; the ranking answers JSON or CSV.
fn ranking_media_types(doc: &mut Value) {
    let content = doc
        .pointer_mut("/paths/~1api~1v1~1calls~1{id}~1ranking/get/responses/200/content")
        .and_then(Value::as_object_mut);
    if let Some(content) = content {
        content.insert(
            "application/json; charset=utf-8".to_owned(),
            json!({"schema": {"$ref": "#/components/schemas/RankingResponse"}}),
        );
    }
}

/// Operations whose 201 answer carries the `id` that these operations take as `{id}`.
const LINKS: &[(&str, &[&str])] = &[
    (
        "create_organization",
        &[
            "get_organization",
            "update_organization",
            "list_members",
            "invite_member",
            "list_invitations",
        ],
    ),
    (
        "create_call",
        &[
            "get_call",
            "update_call",
            "publish_call",
            "close_call",
            "list_call_reviewers",
            "add_call_reviewer",
            "create_application",
            "auto_assign",
            "decide_in_bulk",
            "call_ranking",
        ],
    ),
    (
        "create_application",
        &[
            "get_application",
            "update_application",
            "submit_application",
            "withdraw_application",
            "application_history",
            "assign_reviewer",
        ],
    ),
    (
        "assign_reviewer",
        &[
            "get_assignment",
            "accept_assignment",
            "decline_assignment",
            "save_review",
            "submit_review",
        ],
    ),
];

/// Adds the [`LINKS`] to the 201 answers.
fn links(doc: &mut Value) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut() {
        let Value::Object(operations) = item else {
            continue;
        };
        for operation in operations.values_mut() {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let Some((_, targets)) = LINKS.iter().find(|(source, _)| *source == id) else {
                continue;
            };
            let Some(created) = operation.pointer_mut("/responses/201") else {
                continue;
            };
            let links: serde_json::Map<String, Value> = targets
                .iter()
                .map(|target| {
                    (
                        (*target).to_owned(),
                        json!({"operationId": target, "parameters": {"id": "$response.body#/id"}}),
                    )
                })
                .collect();
            created["links"] = Value::Object(links);
        }
    }
}

/// The methods the document (and the operations routes) allow on `path`, for `Allow`.
#[must_use]
pub fn allowed_methods(path: &str) -> Option<String> {
    let fixed = ["/health", "/ready", "/metrics", "/docs"];
    if fixed.contains(&path) || path == format!("{PREFIX}/openapi.json") {
        return Some("GET".to_owned());
    }
    let paths = published().value.get("paths")?.as_object()?;
    let (_, item) = paths.iter().find(|(template, _)| matches(template, path))?;
    let methods: Vec<String> = item
        .as_object()?
        .keys()
        .filter_map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .map(|m| m.as_str().to_owned())
        .collect();
    Some(methods.join(", "))
}

/// Whether `path` fits `template`, where `{name}` stands for one non-empty segment.
fn matches(template: &str, path: &str) -> bool {
    let mut expected = template.split('/');
    let mut actual = path.trim_end_matches('/').split('/');
    loop {
        match (expected.next(), actual.next()) {
            (None, None) => return true,
            (Some(t), Some(a)) if t.starts_with('{') && t.ends_with('}') => {
                if a.is_empty() {
                    return false;
                }
            }
            (Some(t), Some(a)) if t == a => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_integers_are_not_negative_and_dates_are_dates() {
        let doc = &published().value;
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["CreateCallRequest"]["properties"]["reviewers_per_application"]["minimum"],
            json!(0)
        );
        assert_eq!(
            schemas["CreateOrganizationRequest"]["properties"]["registered_on"]["format"],
            json!("date")
        );
        assert!(!json().contains("naive-date"));
        let ranking = &doc["paths"]["/api/v1/calls/{id}/ranking"]["get"]["responses"]["200"];
        assert!(ranking["content"]["application/json; charset=utf-8"].is_object());
        assert!(ranking["content"]["text/csv; charset=utf-8"].is_object());
        assert_eq!(
            schemas["ProfilePatch"]["properties"]["name"]["nullable"],
            json!(true)
        );
        let created = &doc["paths"]["/api/v1/calls/{id}/applications"]["post"]["responses"]["201"];
        assert_eq!(
            created["links"]["submit_application"]["parameters"]["id"],
            json!("$response.body#/id")
        );
    }

    #[test]
    fn references_are_plain_and_optional_enums_inline() {
        let doc = &published().value;
        fn wrapped(value: &Value) -> usize {
            match value {
                Value::Object(map) => {
                    let here = map
                        .get("allOf")
                        .and_then(Value::as_array)
                        .is_some_and(|all| all.len() > 1);
                    usize::from(here) + map.values().map(wrapped).sum::<usize>()
                }
                Value::Array(items) => items.iter().map(wrapped).sum(),
                Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => 0,
            }
        }
        assert_eq!(
            wrapped(doc),
            0,
            "no allOf wraps a reference with a description"
        );
        let schemas = &doc["components"]["schemas"];
        let status = &schemas["ApplicationResponse"]["properties"]["status"];
        assert_eq!(
            status,
            &json!({"$ref": "#/components/schemas/ApplicationStatusCode"})
        );
        let language = &schemas["ProfilePatch"]["properties"]["language"];
        assert_eq!(language["nullable"], json!(true));
        assert_eq!(language["type"], json!("string"));
        assert_eq!(language["enum"], json!(["kk", "ru", "en", null]));
        assert!(language.get("$ref").is_none() && language.get("allOf").is_none());
        let revision = &schemas["ApplicationResponse"]["properties"]["revision_request"];
        assert_eq!(
            revision["allOf"],
            json!([{"$ref": "#/components/schemas/RevisionResponse"}])
        );
        assert_eq!(revision["nullable"], json!(true));
    }

    #[test]
    fn if_match_is_required_where_its_absence_is_428_and_servers_follow_the_public_url() {
        let doc = &published().value;
        let required = |path: &str, method: &str| {
            doc["paths"][path][method]["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == json!("If-Match")))
                .map(|p| p["required"].clone())
        };
        assert_eq!(required("/api/v1/calls/{id}", "patch"), Some(json!(true)));
        assert_eq!(
            required("/api/v1/applications/{id}", "patch"),
            Some(json!(true))
        );
        assert_eq!(
            required("/api/v1/organizations/{id}", "patch"),
            Some(json!(false))
        );
        assert_eq!(doc["servers"][0]["url"], json!(DEFAULT_SERVER));
        let (served, page) = for_server("https://grants.example.kz/");
        let served: Value = serde_json::from_str(&served).unwrap_or_default();
        assert_eq!(
            served["servers"][0]["url"],
            json!("https://grants.example.kz")
        );
        assert!(page.contains("https://grants.example.kz"));
    }

    #[test]
    fn status_filters_are_optional() {
        let doc = &published().value;
        for (path, method) in [
            ("/api/v1/calls", "get"),
            ("/api/v1/applications", "get"),
            ("/api/v1/me/assignments", "get"),
        ] {
            let parameters = doc["paths"][path][method]["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let status = parameters
                .iter()
                .find(|p| p["name"] == json!("status"))
                .unwrap_or_else(|| panic!("{path} has a status filter"));
            assert_eq!(status["required"], json!(false), "{path}");
        }
        let required_queries = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(Value::as_object)
            .flat_map(|operations| operations.values())
            .filter_map(|operation| operation["parameters"].as_array())
            .flatten()
            .filter(|p| p["in"] == json!("query") && p["required"] == json!(true))
            .count();
        assert_eq!(required_queries, 0, "every query parameter may be left out");
    }

    #[test]
    fn allow_lists_the_methods_of_the_matching_path() {
        assert_eq!(
            allowed_methods("/api/v1/applications/0193a0c6-8f3e-7000-8000-000000000001").as_deref(),
            Some("GET, PATCH")
        );
        assert_eq!(allowed_methods("/api/v1/me").as_deref(), Some("GET, PATCH"));
        assert_eq!(allowed_methods("/health").as_deref(), Some("GET"));
        assert_eq!(allowed_methods("/api/v1/nowhere"), None);
        assert!(!matches("/api/v1/calls/{id}", "/api/v1/calls/"));
    }
}
